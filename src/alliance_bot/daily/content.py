"""What the daily "on this day" post shows for one local date: the entries, not the words.

`compose_daily(kb, day, fallback=..., rotation=...)` returns a `DailyMessage` (the day's events,
or one archive quote or fact) or `None` when nothing is to be posted. It is a pure function of its
arguments: the archive rotation comes in as an `ArchiveRotation` read from the state store, and
the pick goes back out inside the message, so the caller records it in the same transaction as the
post (see `job.py`). That also makes `/alliance preview` show exactly what the scheduler would
post, without advancing anything. `alliance_bot.slack.render.daily` writes the words and blocks.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal

from alliance_bot.knowledge.models import Event, Fact, Quote
from alliance_bot.knowledge.snapshot import KnowledgeBase

Fallback = Literal["archive", "skip"]
MessageKind = Literal["events", "archive"]


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
    """One day's post: the day's events (`kind` "events"), or the archive pick's quote or fact."""

    day: dt.date
    kind: MessageKind
    entries: tuple[Event, ...] | tuple[Quote | Fact]
    archive: ArchivePick | None = None

    @property
    def entry_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)


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
        return DailyMessage(day=day, kind="events", entries=events)
    if fallback == "skip":
        return None
    pick = next_archive_pick(kb, rotation)
    if pick is None:
        return None
    entry = kb.get(pick.entry_id, Quote) or kb.get(pick.entry_id, Fact)
    if entry is None:  # the pick comes from archive_items, so it is a quote or a fact
        return None
    return DailyMessage(day=day, kind="archive", entries=(entry,), archive=pick)


def _shuffle_key(cycle: int, entry_id: str) -> bytes:
    return hashlib.sha256(f"{cycle}:{entry_id}".encode()).digest()
