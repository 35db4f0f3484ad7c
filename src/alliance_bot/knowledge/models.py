"""The entries of the knowledge base, one model per kind, validated by pydantic.

The YAML an admin edits maps one-to-one onto these models; `extra="forbid"` turns a misspelt key
into an error instead of silently ignoring it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from alliance_bot.knowledge.dates import PartialDate

Kind = Literal["source", "person", "event", "quote", "fact", "term"]

# Top-level YAML key -> kind of the entries listed under it.
SECTIONS: dict[str, Kind] = {
    "sources": "source",
    "people": "person",
    "events": "event",
    "quotes": "quote",
    "facts": "fact",
    "terms": "term",
}

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
EntryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=120)]
SeedPath = Annotated[str, StringConstraints(pattern=r"^seeds/[^/\\]+\.txt$")]
DateField = Annotated[PartialDate, BeforeValidator(PartialDate.parse)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Citation(_Model):
    """Where an article states something: the file and a passage copied exactly from it."""

    file: SeedPath
    evidence: Text


class Entry(_Model):
    """Keys every entry has."""

    kind: ClassVar[Kind]
    id: EntryId
    aliases: tuple[Text, ...] = ()
    sources: tuple[Citation, ...] = Field(min_length=1)

    @property
    def label(self) -> str:
        """How the entry is named in an answer or a suggestion."""
        return self.id

    def names(self) -> tuple[str, ...]:
        """Every string a user may type to mean exactly this entry."""
        return (self.label, *self.aliases)

    def search_text(self) -> str:
        """Our own words about the entry, indexed for free-text questions."""
        return " ".join(self.names())

    def subject_text(self) -> str:
        """What the entry is about, in a few words: its names, and for a quote who said what."""
        return " ".join(self.names())


class Source(Entry):
    """One seed article and what it says about itself."""

    kind: ClassVar[Kind] = "source"
    file: SeedPath
    title: Text | None = None
    author: Text | None = None
    publisher: Text | None = None
    published: DateField | None = None

    @property
    def label(self) -> str:
        return self.title or self.file


class Role(_Model):
    """A position a person held, with the time the articles give for it."""

    title: Text
    when: Text | None = None
    # The span the articles show the role held in (inclusive; either may be unknown). Used to
    # answer "who was foreign minister in August 2023"; `when` is how an answer words it.
    start: DateField | None = None
    end: DateField | None = None

    def held_throughout(self, first: dt.date, last: dt.date) -> bool:
        """Whether the articles show this role held on every day from `first` to `last`."""
        if self.start is None or self.start.first_day() > first:
            return False
        return self.end is None or last <= self.end.last_day()

    def held_mostly(self, first: dt.date, last: dt.date) -> bool:
        """Whether the articles show this role held on at least half the days from `first` to
        `last` ("spring 2024" for a span the articles end in April 2024)."""
        if self.start is None:
            return False
        since = max(first, self.start.first_day())
        until = min(last, self.end.last_day()) if self.end is not None else last
        return (until - since).days + 1 >= ((last - first).days + 1) / 2


class Person(Entry):
    kind: ClassVar[Kind] = "person"
    name: Text
    roles: tuple[Role, ...] = ()
    summary: Text

    @property
    def label(self) -> str:
        return self.name

    def search_text(self) -> str:
        return " ".join([*self.names(), *(r.title for r in self.roles), self.summary])


class Event(Entry):
    kind: ClassVar[Kind] = "event"
    date: DateField
    end: DateField | None = None
    title: Text
    summary: Text
    people: tuple[EntryId, ...] = ()

    @property
    def label(self) -> str:
        return self.title

    def search_text(self) -> str:
        return " ".join([*self.names(), self.summary])

    @model_validator(mode="after")
    def _end_after_start(self) -> Event:
        if self.end is not None and self.end.first_day() < self.date.first_day():
            raise ValueError(f"end {self.end} is before date {self.date}")
        return self


class Quote(Entry):
    kind: ClassVar[Kind] = "quote"
    person: EntryId | None = None
    speaker: Text | None = None
    text: Text
    date: DateField | None = None
    context: Text | None = None
    about: Text

    @property
    def label(self) -> str:
        words = self.text.split()
        short = " ".join(words[:12]) + (" …" if len(words) > 12 else "")
        return f"“{short}”"

    def search_text(self) -> str:
        return " ".join(
            [*self.aliases, self.text, self.about, self.context or "", self.speaker or ""]
        )

    def subject_text(self) -> str:
        return " ".join([*self.aliases, self.text, self.about, self.speaker or ""])

    @model_validator(mode="after")
    def _one_speaker(self) -> Quote:
        if (self.person is None) == (self.speaker is None):
            raise ValueError("give exactly one of `person` (a person id) and `speaker` (a name)")
        return self


class Fact(Entry):
    kind: ClassVar[Kind] = "fact"
    claim: Text
    value: Text | None = None
    date: DateField | None = None

    @property
    def label(self) -> str:
        return self.claim

    def search_text(self) -> str:
        return " ".join([*self.aliases, self.claim, self.value or ""])


class Term(Entry):
    kind: ClassVar[Kind] = "term"
    term: Text
    expansion: Text | None = None
    definition: Text

    @property
    def label(self) -> str:
        return self.term

    def names(self) -> tuple[str, ...]:
        extra = (self.expansion,) if self.expansion else ()
        return (self.term, *extra, *self.aliases)

    def search_text(self) -> str:
        return " ".join([*self.names(), self.definition])


MODELS: dict[Kind, type[Entry]] = {
    "source": Source,
    "person": Person,
    "event": Event,
    "quote": Quote,
    "fact": Fact,
    "term": Term,
}
