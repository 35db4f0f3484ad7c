"""An immutable, indexed snapshot of a validated knowledge base.

A reload builds a new snapshot and swaps the reference (see `holder.py`); nothing here is ever
mutated after `build`, so a question can read it while another snapshot is being loaded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from alliance_bot.corpus import Corpus
from alliance_bot.models import Citation, Entry, Event, Kind, Person, Quote, Source
from alliance_bot.search_index import SearchIndex

E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class KnowledgeBase:
    """Entries by id and kind, the articles they cite, and the search index."""

    root: Path
    version: str
    entries: Mapping[str, Entry]
    by_kind: Mapping[Kind, tuple[Entry, ...]]
    index: SearchIndex
    _titles: Mapping[str, str]
    _lines: Mapping[tuple[str, str], int]
    _events_by_day: Mapping[tuple[int, int], tuple[Event, ...]]
    _quotes_by_person: Mapping[str, tuple[Quote, ...]]

    @classmethod
    def build(
        cls, *, root: Path, entries: Sequence[Entry], corpus: Corpus, version: str
    ) -> KnowledgeBase:
        by_kind: dict[Kind, list[Entry]] = defaultdict(list)
        for entry in entries:
            by_kind[entry.kind].append(entry)
        titles = {s.file: s.title for s in by_kind["source"] if isinstance(s, Source)}
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
        quotes_by_person: dict[str, list[Quote]] = defaultdict(list)
        for quote in by_kind["quote"]:
            assert isinstance(quote, Quote)
            if quote.person:
                quotes_by_person[quote.person].append(quote)
        return cls(
            root=root,
            version=version,
            entries={e.id: e for e in entries},
            by_kind={k: tuple(v) for k, v in by_kind.items()},
            index=SearchIndex(entries),
            _titles=titles,
            _lines=lines,
            _events_by_day={
                k: tuple(sorted(v, key=lambda e: (e.date, e.id))) for k, v in events_by_day.items()
            },
            _quotes_by_person={k: tuple(v) for k, v in quotes_by_person.items()},
        )

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str, kind: type[E] = Entry) -> E | None:  # type: ignore[assignment]
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

    def people_in(self, event: Event) -> list[Person]:
        return [p for p in (self.get(i, Person) for i in event.people) if p is not None]


def _days(event: Event) -> list[dt.date]:
    start = event.date.first_day()
    end = event.end.last_day() if event.end and event.end.precision == "day" else start
    # A range longer than a month is not "on" each of its days; list it on its first day only.
    if (end - start).days > 31:
        end = start
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
