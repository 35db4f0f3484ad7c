"""An immutable, indexed snapshot of a validated knowledge base.

A reload builds a new snapshot and swaps the reference (see `holder.py`); nothing here is ever
mutated after `build`, so a question can read it while another snapshot is being loaded. (The
entries are made into models when first read, `entries.py`; that changes no value anyone sees.)
Lists of entries inside the snapshot are kept as entry positions, so reading it from the cache
makes no model.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast, overload

from alliance_bot.knowledge.corpus import Corpus
from alliance_bot.knowledge.dates import PartialDate
from alliance_bot.knowledge.entries import EntryList, EntryStore
from alliance_bot.knowledge.index import SearchIndex
from alliance_bot.knowledge.lexicon import Lexicon
from alliance_bot.knowledge.models import Citation, Entry, Event, Kind, Person, Quote, Source
from alliance_bot.knowledge.text import name_key

E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class Outline:
    """The texts of every person and event that some questions read all at once (the words of
    every name, every role title, the places events name), kept as plain strings beside the
    compact entries: reading them makes no entry into a model. At 100,000 entries the engine's
    first look at every person and event made 50,000 models (6 s CPU after a cached load)."""

    person_names: tuple[str, ...]  # every person's name (`Person.label`), in load order
    role_titles: tuple[str, ...]  # every distinct role title of every person, sorted
    event_titles: tuple[str, ...]  # every event's title, in load order
    event_summaries: tuple[str, ...]  # ... and its summary, at the same position

    @classmethod
    def of(cls, entries: Sequence[Entry]) -> Outline:
        people = [e for e in entries if isinstance(e, Person)]
        events = [e for e in entries if isinstance(e, Event)]
        return cls(
            person_names=tuple(p.label for p in people),
            role_titles=tuple(sorted({r.title for p in people for r in p.roles})),
            event_titles=tuple(e.title for e in events),
            event_summaries=tuple(e.summary for e in events),
        )


@dataclass(frozen=True)
class KnowledgeBase:
    """Entries by id and kind, the articles they cite, and the search index."""

    root: Path
    version: str
    entries: EntryStore
    by_kind: Mapping[Kind, EntryList]
    index: SearchIndex
    lexicon: Lexicon
    outline: Outline
    _titles: Mapping[str, str]
    _lines: Mapping[tuple[str, str], int]
    # Entry positions in `entries`, not entries (see the module docstring).
    _events_by_day: Mapping[tuple[int, int], tuple[int, ...]]
    _days: tuple[tuple[int, int], ...]
    _quotes_by_person: Mapping[str, tuple[int, ...]]
    _chronological: tuple[int, ...]
    _chronological_keys: tuple[dt.date, ...]
    _chronological_ends: tuple[dt.date, ...]
    _to_the_day: tuple[int, ...]
    _to_the_day_keys: tuple[dt.date, ...]

    @classmethod
    def build(
        cls,
        *,
        root: Path,
        entries: Sequence[Entry],
        lines: Mapping[tuple[str, str], int],
        version: str,
        lexicon: Lexicon | None = None,
    ) -> KnowledgeBase:
        """`lines` is `citation_lines(entries, corpus)`, which the loader's evidence check
        already needed."""
        store = EntryStore(entries)
        by_kind: dict[Kind, list[int]] = defaultdict(list)
        for position, entry in enumerate(entries):
            by_kind[entry.kind].append(position)
        of_kind = {k: [entries[p] for p in v] for k, v in by_kind.items()}
        titles = {
            s.file: s.title for s in of_kind.get("source", ()) if isinstance(s, Source) and s.title
        }
        events = [(p, e) for p in by_kind["event"] if isinstance(e := entries[p], Event)]
        events_by_day: dict[tuple[int, int], list[tuple[PartialDate, str, int]]] = defaultdict(list)
        for position, event in events:
            if event.date.precision == "day":
                for day in _days(event):
                    events_by_day[(day.month, day.day)].append((event.date, event.id, position))
        # Quotes by a named body ("Austin and Kihara (joint)") also belong to each person named,
        # found by family name, which is the first part of a person id by convention.
        families: dict[str, list[str]] = defaultdict(list)
        for person in of_kind.get("person", ()):
            families[person.id.split("-")[0]].append(person.id)
        quotes_by_person: dict[str, list[int]] = defaultdict(list)
        for position in by_kind["quote"]:
            quote = entries[position]
            assert isinstance(quote, Quote)
            if quote.person:
                quotes_by_person[quote.person].append(position)
            elif quote.speaker:
                for token in set(name_key(quote.speaker).split()):
                    if len(families.get(token, ())) == 1:
                        quotes_by_person[families[token][0]].append(position)
        chronological = sorted(events, key=lambda pe: (pe[1].date.first_day(), pe[1].id))
        to_the_day = [(p, e) for p, e in chronological if e.date.precision == "day"]
        lexicon = lexicon or Lexicon()
        return cls(
            root=root,
            version=version,
            entries=store,
            by_kind={k: EntryList(store, v) for k, v in by_kind.items()},
            index=SearchIndex(entries, equivalents=lexicon.equivalents),
            lexicon=lexicon,
            outline=Outline.of(entries),
            _titles=titles,
            _lines=dict(lines),
            _events_by_day={k: tuple(p for *_, p in sorted(v)) for k, v in events_by_day.items()},
            _days=tuple(sorted(events_by_day)),
            _quotes_by_person={k: tuple(v) for k, v in quotes_by_person.items()},
            _chronological=tuple(p for p, _ in chronological),
            _chronological_keys=tuple(e.date.first_day() for _, e in chronological),
            _chronological_ends=tuple(e.date.last_day() for _, e in chronological),
            _to_the_day=tuple(p for p, _ in to_the_day),
            _to_the_day_keys=tuple(e.date.first_day() for _, e in to_the_day),
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

    def of_kind(self, kind: Kind) -> Sequence[Entry]:
        return self.by_kind.get(kind, ())

    def title_of(self, file: str) -> str | None:
        """The article title the knowledge base records for a seed file."""
        return self._titles.get(file)

    def line_of(self, citation: Citation) -> int | None:
        return self._lines.get((citation.file, citation.evidence))

    def events_on(self, month: int, day: int) -> tuple[Event, ...]:
        """Events (to the day) on this month and day in any year, ranges included."""
        return self._of(Event, self._events_by_day.get((month, day), ()))

    def quotes_by(self, person_id: str) -> tuple[Quote, ...]:
        return self._of(Quote, self._quotes_by_person.get(person_id, ()))

    def _of(self, kind: type[E], positions: Sequence[int]) -> tuple[E, ...]:
        """The entries at these positions, which the build put there as entries of `kind`."""
        found = self.entries.of(positions)
        assert all(isinstance(e, kind) for e in found)
        return cast(tuple[E, ...], found)

    def events_between(self, first: dt.date, last: dt.date) -> list[Event]:
        """Events whose date falls between `first` and `last`, in date order."""
        keys = self._chronological_keys
        start = bisect.bisect_left(keys, first)
        stop = bisect.bisect_right(keys, last)
        ends = self._chronological_ends
        inside = [
            p for at, p in enumerate(self._chronological[start:stop], start) if ends[at] <= last
        ]
        return list(self._of(Event, inside))

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
        found: list[int] = []
        at = bisect.bisect_left(keys, when)
        if at > 0:
            day = keys[at - 1]
            found += dated[bisect.bisect_left(keys, day) : at]
        after = bisect.bisect_right(keys, when)
        if after < len(keys):
            day = keys[after]
            found += dated[after : bisect.bisect_right(keys, day)]
        return list(self._of(Event, found))

    def people_in(self, event: Event) -> list[Person]:
        return [p for p in (self.get(i, Person) for i in event.people) if p is not None]


def citation_lines(entries: Iterable[Entry], corpus: Corpus) -> dict[tuple[str, str], int]:
    """The line of each (cited file, evidence) found in its article; evidence not found, or in a
    file that cannot be read, has none."""
    lines: dict[tuple[str, str], int] = {}
    for entry in entries:
        for citation in entry.sources:
            article = corpus.article(citation.file)
            line = article.find(citation.evidence) if article else None
            if line is not None:
                lines[(citation.file, citation.evidence)] = line
    return lines


def _days(event: Event) -> list[dt.date]:
    start = event.date.first_day()
    end = event.end.last_day() if event.end and event.end.precision == "day" else start
    # A range longer than a month is not "on" each of its days; list it on its first day only.
    if (end - start).days > 31:
        end = start
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
