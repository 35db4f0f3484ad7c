"""The daily "on this day" post and its `/alliance preview`, in words and Block Kit.

`render_daily(kb, message)` is what `chat.postMessage` sends; `render_preview(kb, preview)` is the
same message under a note for the admin. The post is written as plain pieces (`daily_lines`, which
`post-today --dry-run` prints) and each piece escaped as mrkdwn, so an entry can never ping a
channel or forge a link; entries read as in an answer, and the sources line is the answers' own.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alliance_bot.answering.answer import Em, Line, Strong, line
from alliance_bot.answering.wording import citations, full
from alliance_bot.daily.admin import NoDailyChannel, PostFailed, PostNowOutcome, Preview
from alliance_bot.daily.content import DailyMessage
from alliance_bot.daily.job import describe
from alliance_bot.knowledge.dates import human_range
from alliance_bot.knowledge.models import Entry, Event, Fact, Quote
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.mrkdwn import escape
from alliance_bot.slack.render.limits import (
    MAX_BLOCKS,
    Block,
    context,
    fallback_text,
    header,
    section,
)
from alliance_bot.slack.render.words import mrkdwn, mrkdwn_lines, sources

# A header, a section and a context per event, the "and N more" line, and room for the note
# `/alliance preview` puts on top.
MAX_EVENTS_SHOWN = (MAX_BLOCKS - 3) // 2


@dataclass(frozen=True)
class Rendered:
    """`text` (the notification fallback, mrkdwn) and `blocks`."""

    text: str
    blocks: tuple[Block, ...]

    def message(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": list(self.blocks)}


def day_label(day: dt.date) -> str:
    """`6 December`: the month and day an "on this day" post is about."""
    return f"{day.day} {calendar.month_name[day.month]}"


def render_daily(kb: KnowledgeBase, message: DailyMessage) -> Rendered:
    """The post itself."""
    blocks, text = _compose(kb, message)
    return Rendered(fallback_text(mrkdwn_lines(text)), blocks)


def daily_lines(kb: KnowledgeBase, message: DailyMessage) -> tuple[Line, ...]:
    """The post's words as plain pieces, as its notification text reads them: Slack's
    fallback `text` is these in mrkdwn, and `post-today --dry-run` prints them."""
    return _compose(kb, message)[1]


def _compose(
    kb: KnowledgeBase, message: DailyMessage
) -> tuple[tuple[Block, ...], tuple[Line, ...]]:
    if message.kind == "events":
        events = [e for e in message.entries if isinstance(e, Event)]
        return _events(kb, message.day, events)
    (entry,) = message.entries
    if isinstance(entry, Event):  # pragma: no cover  (an archive message holds a quote or fact)
        raise TypeError(f"archive message holds event {entry.id}")
    return _archive(kb, message.day, entry)


def render_preview(kb: KnowledgeBase, preview: Preview) -> Rendered:
    """What the post for a day would be, under a note saying where and whether it went out."""
    day = preview.day.isoformat()
    where = (
        f"<#{preview.channel}>"
        if preview.channel
        else "no channel (ALLIANCE_DAILY_CHANNEL is not set)"
    )
    status = ""
    record = preview.record
    if record is not None and record.status == "posted":
        status = f" Already posted (ts {escape(record.ts or '?')}); it will not be posted again."
    elif record is not None and record.status == "skipped":
        status = " Already handled: nothing was posted."
    if preview.message is None:
        text = (
            f"Preview for {day} in {where}: nothing would be posted — no event on "
            f"this day and ALLIANCE_DAILY_FALLBACK is skip.{status}"
        )
        return Rendered(text, ())
    note = f"Preview for {day} in {where} (only you can see this).{status}"
    post = render_daily(kb, preview.message)
    return Rendered(f"{note}\n\n{post.text}", (context(note), *post.blocks))


def _sources(kb: KnowledgeBase, entry: Entry) -> Line:
    return line(sources(citations(kb, [entry])))


def _events(
    kb: KnowledgeBase, day: dt.date, events: Sequence[Event]
) -> tuple[tuple[Block, ...], tuple[Line, ...]]:
    heading = f"On this day: {day_label(day)}"
    blocks: list[Block] = [header(heading)]
    text = [line(Strong(heading))]
    for event in events[:MAX_EVENTS_SHOWN]:
        body = _event_body(event, day)
        source = _sources(kb, event)
        blocks.append(section(mrkdwn_lines(body)))
        blocks.append(context(mrkdwn(source)))
        text += [line(), *body, source]
    if len(events) > MAX_EVENTS_SHOWN:
        more = line(
            f"…and {len(events) - MAX_EVENTS_SHOWN} more on this day; ask me about {day_label(day)}."
        )
        blocks.append(context(mrkdwn(more)))
        text += [line(), more]
    return tuple(blocks), tuple(text)


def _event_body(event: Event, day: dt.date) -> tuple[Line, ...]:
    when = human_range(event.date, event.end)
    # A leap-day event shown on 28 February says so, or the date would look wrong.
    leap = ", a leap day" if (event.date.month, event.date.day, day.day) == (2, 29, 28) else ""
    return (
        line(Strong(str(event.date.year)), " — ", Strong(event.title), f" ({when}{leap})"),
        line(event.summary),
    )


def _archive(
    kb: KnowledgeBase, day: dt.date, entry: Quote | Fact
) -> tuple[tuple[Block, ...], tuple[Line, ...]]:
    what = "quote" if isinstance(entry, Quote) else "fact"
    heading = "From the archive"
    notice = line(
        f"Nothing in the knowledge base happened on {day_label(day)}, so here is a {what} "
        "from the archive. It is not tied to today's date."
    )
    # The entry reads as it does in an answer; a quote also says what it is about.
    body = full(kb, entry)
    if isinstance(entry, Quote):
        body = (*body, line(Em("About:"), f" {entry.about}"))
    source = _sources(kb, entry)
    blocks = (
        header(heading),
        context(mrkdwn(notice)),
        section(mrkdwn_lines(body)),
        context(mrkdwn(source)),
    )
    text = (line(Strong(heading), " (not tied to today's date)"), *body, source)
    return blocks, text


def post_now_text(outcome: PostNowOutcome) -> str:
    """What `/alliance post-today` did in one channel, as one escaped mrkdwn sentence."""
    if isinstance(outcome, NoDailyChannel):
        return "ALLIANCE_DAILY_CHANNEL is not set, so there is no daily post to make."
    if isinstance(outcome, PostFailed):
        return (
            f"The daily post for {outcome.day.isoformat()} failed: {escape(outcome.reason)}. "
            "Nothing was recorded; try again, or the scheduler will."
        )
    return escape(describe(outcome))
