"""What the daily "on this day" post says for one local date; knows nothing about Slack's API.

`compose_daily(kb, day, fallback=..., rotation=...)` returns a `DailyMessage` (mrkdwn `text` for
notifications and clients without blocks, and Block Kit `blocks` as plain dicts) or `None` when
nothing is to be posted. It is a pure function of its arguments: the archive rotation comes in as
an `ArchiveRotation` read from the state store, and the pick goes back out inside the message, so
the caller records it in the same transaction as the post (see `daily_post.py`). That also makes
`/alliance preview` show exactly what the scheduler would post, without advancing anything.

Every piece of knowledge base text is escaped with `mrkdwn.escape`, so an entry can never ping a
channel or forge a link.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from alliance_bot.knowledge.dates import human_range
from alliance_bot.knowledge.models import Entry, Event, Fact, Person, Quote
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.mrkdwn import clip, escape

Fallback = Literal["archive", "skip"]
MessageKind = Literal["events", "archive"]

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks): 50 blocks a message,
# 150 characters in a header, 3000 in a section or a context text object.
_MAX_BLOCKS = 50
_HEADER_LIMIT = 150
_TEXT_LIMIT = 3000
# A header, a section and a context per event, the "and N more" line, and room for the note
# `/alliance preview` puts on top.
MAX_EVENTS_SHOWN = (_MAX_BLOCKS - 3) // 2
# The `text` field is what notifications and screen readers show; Slack truncates it at 40,000
# characters and advises staying far below, so it is clipped well under that.
_FALLBACK_TEXT_LIMIT = 12_000


@dataclass(frozen=True)
class ArchiveRotation:
    """Where one channel stands in the archive rotation.

    `cycle` counts complete passes through the archive; `shown` holds the entries already posted
    during the current pass, and `last` the most recent one (so a new pass does not start with
    the entry that ended the previous one).
    """

    cycle: int = 0
    shown: frozenset[str] = frozenset()
    last: str | None = None


@dataclass(frozen=True)
class ArchivePick:
    """The archive entry chosen for a day and the rotation cycle it counts against."""

    entry_id: str
    cycle: int


@dataclass(frozen=True)
class DailyMessage:
    """One day's post: the mrkdwn `text`, the Block Kit `blocks`, and what it shows."""

    day: dt.date
    kind: MessageKind
    text: str
    blocks: tuple[dict[str, Any], ...]
    entry_ids: tuple[str, ...]
    archive: ArchivePick | None = None


def events_for(kb: KnowledgeBase, day: dt.date) -> tuple[Event, ...]:
    """The dated events of this month and day in any year.

    In a common year 28 February also shows the events of 29 February; otherwise a leap-day
    event would appear only once every four years.
    """
    events = kb.events_on(day.month, day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        events = events + kb.events_on(2, 29)
    return events


def archive_items(kb: KnowledgeBase) -> tuple[Quote | Fact, ...]:
    """Every quote and fact, the pool of the `archive` fallback, in a stable order."""
    items = [e for e in (*kb.of_kind("quote"), *kb.of_kind("fact")) if isinstance(e, Quote | Fact)]
    return tuple(sorted(items, key=lambda e: e.id))


def next_archive_pick(kb: KnowledgeBase, rotation: ArchiveRotation) -> ArchivePick | None:
    """The next archive entry: one not yet shown in this pass, or the first of a new pass.

    Within a pass the order is a shuffle seeded by the cycle number, so quotes and facts mix and
    each pass reads differently, yet the pick is reproducible (preview equals the real post).
    Entries removed from the knowledge base simply stop being candidates; new ones join the pass.
    """
    candidates = archive_items(kb)
    if not candidates:
        return None
    cycle = rotation.cycle
    remaining = [e for e in candidates if e.id not in rotation.shown]
    if not remaining:
        cycle += 1
        remaining = [e for e in candidates if e.id != rotation.last] or list(candidates)
    chosen = min(remaining, key=lambda e: _shuffle_key(cycle, e.id))
    return ArchivePick(chosen.id, cycle)


def compose_daily(
    kb: KnowledgeBase,
    day: dt.date,
    *,
    fallback: Fallback,
    rotation: ArchiveRotation,
) -> DailyMessage | None:
    """The post for local date `day`, or None when there is nothing to post.

    Events on this month and day come first; with none, `fallback="archive"` posts the next quote
    or fact of the rotation, labelled as not tied to the date, and `fallback="skip"` posts nothing.
    """
    events = events_for(kb, day)
    if events:
        return _events_message(kb, day, events)
    if fallback == "skip":
        return None
    pick = next_archive_pick(kb, rotation)
    if pick is None:
        return None
    entry = kb.get(pick.entry_id, Quote) or kb.get(pick.entry_id, Fact)
    if entry is None:  # the pick comes from archive_items, so it is a quote or a fact
        return None
    return _archive_message(kb, day, entry, pick)


def day_label(day: dt.date) -> str:
    """`6 December`: the month and day an "on this day" post is about."""
    return f"{day.day} {calendar.month_name[day.month]}"


def citation_text(kb: KnowledgeBase, entry: Entry) -> str:
    """`Source: _Article title_ (seeds/x.txt, lines 8, 81)`, one part per cited file, escaped."""
    lines: dict[str, set[int]] = {}
    for citation in entry.sources:
        found = kb.line_of(citation)
        lines.setdefault(citation.file, set()).update([found] if found is not None else [])
    parts: list[str] = []
    for file, numbers in lines.items():
        where = escape(file)
        if numbers:
            label = "line" if len(numbers) == 1 else "lines"
            where += f", {label} {', '.join(str(n) for n in sorted(numbers))}"
        title = kb.title_of(file)
        parts.append(f"_{escape(title)}_ ({where})" if title else where)
    return ("Source: " if len(parts) == 1 else "Sources: ") + "; ".join(parts)


def _events_message(kb: KnowledgeBase, day: dt.date, events: Sequence[Event]) -> DailyMessage:
    heading = f"On this day: {day_label(day)}"
    blocks: list[dict[str, Any]] = [_header(heading)]
    lines = [f"*{escape(heading)}*"]
    for event in events[:MAX_EVENTS_SHOWN]:
        body = _event_body(event, day)
        source = citation_text(kb, event)
        blocks.append(_section(body))
        blocks.append(_context(source))
        lines.append(f"{body}\n{source}")
    if len(events) > MAX_EVENTS_SHOWN:
        more = f"…and {len(events) - MAX_EVENTS_SHOWN} more on this day; ask me about {day_label(day)}."
        blocks.append(_context(more))
        lines.append(more)
    return DailyMessage(
        day=day,
        kind="events",
        text=clip("\n\n".join(lines), _FALLBACK_TEXT_LIMIT),
        blocks=tuple(blocks),
        entry_ids=tuple(e.id for e in events),
    )


def _event_body(event: Event, day: dt.date) -> str:
    when = human_range(event.date, event.end)
    # A leap-day event shown on 28 February says so, or the date would look wrong.
    leap = ", a leap day" if (event.date.month, event.date.day, day.day) == (2, 29, 28) else ""
    return f"*{event.date.year}* — *{escape(event.title)}* ({escape(when)}{leap})\n{escape(event.summary)}"


def _archive_message(
    kb: KnowledgeBase, day: dt.date, entry: Quote | Fact, pick: ArchivePick
) -> DailyMessage:
    what = "quote" if isinstance(entry, Quote) else "fact"
    heading = "From the archive"
    notice = (
        f"Nothing in the knowledge base happened on {day_label(day)}, so here is a {what} "
        "from the archive. It is not tied to today's date."
    )
    body = _quote_body(kb, entry) if isinstance(entry, Quote) else _fact_body(entry)
    source = citation_text(kb, entry)
    blocks = (_header(heading), _context(notice), _section(body), _context(source))
    text = f"*{heading}* (not tied to today's date)\n{body}\n{source}"
    return DailyMessage(
        day=day,
        kind="archive",
        text=clip(text, _FALLBACK_TEXT_LIMIT),
        blocks=blocks,
        entry_ids=(entry.id,),
        archive=pick,
    )


def _quote_body(kb: KnowledgeBase, quote: Quote) -> str:
    if quote.person:
        person = kb.get(quote.person, Person)
        speaker = person.name if person else quote.person
    else:
        speaker = quote.speaker or "unknown"
    attribution = [f"*{escape(speaker)}*"]
    if quote.date:
        attribution.append(escape(quote.date.human()))
    if quote.context:
        attribution.append(escape(quote.context))
    return f"> “{escape(quote.text)}”\n— {', '.join(attribution)}\n_About:_ {escape(quote.about)}"


def _fact_body(fact: Fact) -> str:
    lead = f"*{escape(fact.value)}* — " if fact.value else ""
    return f"{lead}{escape(fact.claim)}"


def _header(text: str) -> dict[str, Any]:
    # Header text is plain_text: Slack shows it literally, so it is not escaped, only clipped.
    short = text if len(text) <= _HEADER_LIMIT else text[: _HEADER_LIMIT - 1] + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": short, "emoji": True}}


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, _TEXT_LIMIT)}}


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(mrkdwn, _TEXT_LIMIT)}]}


def _shuffle_key(cycle: int, entry_id: str) -> bytes:
    return hashlib.sha256(f"{cycle}:{entry_id}".encode()).digest()
