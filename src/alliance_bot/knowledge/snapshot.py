"""An immutable, indexed snapshot of a validated knowledge base.

A reload builds a new snapshot and swaps the reference (see `holder.py`); nothing here is ever
mutated after `build`, so a question can read it while another snapshot is being loaded.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, overload

from alliance_bot.knowledge.corpus import Corpus
from alliance_bot.knowledge.index import SearchIndex
from alliance_bot.knowledge.lexicon import Lexicon
from alliance_bot.knowledge.models import Citation, Entry, Event, Kind, Person, Quote, Source
from alliance_bot.knowledge.text import name_key

E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class KnowledgeBase:
    """Entries by id and kind, the articles they cite, and the search index."""

    root: Path
    version: str
    entries: Mapping[str, Entry]
    by_kind: Mapping[Kind, tuple[Entry, ...]]
    index: SearchIndex
    lexicon: Lexicon
    _titles: Mapping[str, str]
    _lines: Mapping[tuple[str, str], int]
    _events_by_day: Mapping[tuple[int, int], tuple[Event, ...]]
    _days: tuple[tuple[int, int], ...]
    _quotes_by_person: Mapping[str, tuple[Quote, ...]]
    _chronological: tuple[Event, ...]
    _chronological_keys: tuple[dt.date, ...]
    _to_the_day: tuple[Event, ...]
    _to_the_day_keys: tuple[dt.date, ...]

    @classmethod
    def build(
        cls,
        *,
        root: Path,
        entries: Sequence[Entry],
        corpus: Corpus,
        version: str,
        lexicon: Lexicon | None = None,
    ) -> KnowledgeBase:
        by_kind: dict[Kind, list[Entry]] = defaultdict(list)
        for entry in entries:
            by_kind[entry.kind].append(entry)
        titles = {s.file: s.title for s in by_kind["source"] if isinstance(s, Source) and s.title}
        lines: dict[tuple[str, str], int] = {}
        for entry in entries:
            for citation in entry.sources:
                article = corpus.article(citation.file)
                line = article.find(citation.evidence) if article else None
                if line is not None:
                    lines[(citation.file, citation.evidence)] = line
        events_by_day: dict[tuple[int, int], list[Event]] = defaultdict(list)
        for event in by_kind["event"]:
            assert isinstance(event, Event)
            if event.date.precision == "day":
                for day in _days(event):
                    events_by_day[(day.month, day.day)].append(event)
        # Quotes by a named body ("Austin and Kihara (joint)") also belong to each person named,
        # found by family name, which is the first part of a person id by convention.
        families: dict[str, list[str]] = defaultdict(list)
        for person in by_kind["person"]:
            families[person.id.split("-")[0]].append(person.id)
        quotes_by_person: dict[str, list[Quote]] = defaultdict(list)
        for quote in by_kind["quote"]:
            assert isinstance(quote, Quote)
            if quote.person:
                quotes_by_person[quote.person].append(quote)
            elif quote.speaker:
                for token in set(name_key(quote.speaker).split()):
                    if len(families.get(token, ())) == 1:
                        quotes_by_person[families[token][0]].append(quote)
        chronological = sorted(
            (e for e in by_kind["event"] if isinstance(e, Event)),
            key=lambda e: (e.date.first_day(), e.id),
        )
        lexicon = lexicon or Lexicon()
        return cls(
            root=root,
            version=version,
            entries={e.id: e for e in entries},
            by_kind={k: tuple(v) for k, v in by_kind.items()},
            index=SearchIndex(entries, equivalents=lexicon.equivalents),
            lexicon=lexicon,
            _titles=titles,
            _lines=lines,
            _events_by_day={
                k: tuple(sorted(v, key=lambda e: (e.date, e.id))) for k, v in events_by_day.items()
            },
            _days=tuple(sorted(events_by_day)),
            _quotes_by_person={k: tuple(v) for k, v in quotes_by_person.items()},
            _chronological=tuple(chronological),
            _chronological_keys=tuple(e.date.first_day() for e in chronological),
            _to_the_day=tuple(e for e in chronological if e.date.precision == "day"),
            _to_the_day_keys=tuple(
                e.date.first_day() for e in chronological if e.date.precision == "day"
            ),
        )

    def __len__(self) -> int:
        return len(self.entries)

    @overload
    def get(self, entry_id: str) -> Entry | None: ...
    @overload
    def get(self, entry_id: str, kind: type[E]) -> E | None: ...
    def get(self, entry_id: str, kind: type[Entry] = Entry) -> Entry | None:
        """The entry with this id, if it exists and is of the kind asked for."""
        entry = self.entries.get(entry_id)
        return entry if isinstance(entry, kind) else None

    def of_kind(self, kind: Kind) -> tuple[Entry, ...]:
        return self.by_kind.get(kind, ())

    def title_of(self, file: str) -> str | None:
        """The article title the knowledge base records for a seed file."""
        return self._titles.get(file)

    def line_of(self, citation: Citation) -> int | None:
        return self._lines.get((citation.file, citation.evidence))

    def events_on(self, month: int, day: int) -> tuple[Event, ...]:
        """Events (to the day) on this month and day in any year, ranges included."""
        return self._events_by_day.get((month, day), ())

    def quotes_by(self, person_id: str) -> tuple[Quote, ...]:
        return self._quotes_by_person.get(person_id, ())

    def events_between(self, first: dt.date, last: dt.date) -> list[Event]:
        """Events whose date falls between `first` and `last`, in date order."""
        keys = self._chronological_keys
        start = bisect.bisect_left(keys, first)
        stop = bisect.bisect_right(keys, last)
        return [e for e in self._chronological[start:stop] if e.date.last_day() <= last]

    def nearest_days(
        self, month: int, day: int
    ) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """The closest month/day before and after this one (wrapping round the year) with events."""
        days = self._days
        if not days:
            return None, None
        at = bisect.bisect_left(days, (month, day))
        before = days[at - 1] if at > 0 else days[-1]
        after_at = bisect.bisect_right(days, (month, day))
        after = days[after_at] if after_at < len(days) else days[0]
        return before, after

    def nearest_dates(self, when: dt.date) -> list[Event]:
        """Events to the day nearest before and after a full date."""
        dated, keys = self._to_the_day, self._to_the_day_keys
        found: list[Event] = []
        at = bisect.bisect_left(keys, when)
        if at > 0:
            day = keys[at - 1]
            found += dated[bisect.bisect_left(keys, day) : at]
        after = bisect.bisect_right(keys, when)
        if after < len(keys):
            day = keys[after]
            found += dated[after : bisect.bisect_right(keys, day)]
        return found

    def people_in(self, event: Event) -> list[Person]:
        return [p for p in (self.get(i, Person) for i in event.people) if p is not None]


def _days(event: Event) -> list[dt.date]:
    start = event.date.first_day()
    end = event.end.last_day() if event.end and event.end.precision == "day" else start
    # A range longer than a month is not "on" each of its days; list it on its first day only.
    if (end - start).days > 31:
        end = start
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
