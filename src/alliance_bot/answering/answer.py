"""What the answer engine returns: data, no markup and no escaping.

An `Answer` is its status, the entries it presents, its statement (lines of plain words and a few
typed pieces: a name set off, something to type, the asker's own words quoted back), what a
fuzzy match or a correction has to say, the citations and the did-you-mean suggestions. Every
string in it is plain text as the knowledge base or the asker wrote it: `slack/render/answers.py`
writes it as escaped Slack mrkdwn and Block Kit, and the CLI prints it in a terminal
(`cli/text.py`), each its own way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

Status = Literal["answer", "suggestions", "no_match", "help", "error"]


@dataclass(frozen=True)
class Strong:
    """Words set off from the sentence: a name, a date, a heading."""

    text: str


@dataclass(frozen=True)
class Em:
    """Words stressed lightly: a label such as "About:"."""

    text: str


@dataclass(frozen=True)
class Code:
    """Something to type, as typed: `help`, `on Nov 29`."""

    text: str


@dataclass(frozen=True)
class Echo:
    """The asker's own words, quoted back (“…”), already cut to the length shown."""

    text: str


Piece = str | Strong | Em | Code | Echo
Words = tuple[Piece, ...]
LineStyle = Literal["text", "item", "quote"]
# What starts a line of each style, in every form an answer is shown in.
LINE_START: dict[LineStyle, str] = {"text": "", "item": "• ", "quote": "> "}


def pieces(*parts: Piece | Iterable[Piece] | None) -> Words:
    """Pieces and runs of pieces as one run; None and empty strings drop out."""
    flat: list[Piece] = []
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, str | Strong | Em | Code | Echo):
            flat.append(part)
        else:
            flat.extend(p for p in part if p != "")
    return tuple(flat)


@dataclass(frozen=True)
class Line:
    """One line of a statement: running text, an item of a list, or a quotation set off."""

    words: Words
    style: LineStyle = "text"

    def __iter__(self) -> Iterator[Piece]:
        return iter(self.words)


def line(*parts: Piece | Iterable[Piece] | None, style: LineStyle = "text") -> Line:
    """A line of pieces: `line("I'm not sure about ", Echo(typed), ". Did you mean:")`."""
    return Line(pieces(*parts), style)


@dataclass(frozen=True)
class Cited:
    """One cited article: its file, its title if known, and the cited line numbers in order."""

    file: str
    title: str | None = None
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScoredEntry:
    """An entry the text presents, with how well it matched (0-100)."""

    id: str
    kind: str
    score: float


@dataclass(frozen=True)
class Suggestion:
    """A did-you-mean candidate: clicking it in Slack answers this entry."""

    id: str
    kind: str
    label: str


@dataclass(frozen=True)
class Answer:
    """One reply to one line of text.

    `statement` is what the reply says; `citations` and `note` (what a fuzzy match matched, a
    correction of the question's premise) make its context line.
    """

    status: Status
    question: str
    statement: tuple[Line, ...]
    note: Words = ()
    citations: tuple[Cited, ...] = ()
    entries: tuple[ScoredEntry, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """The cited files, in the order they are cited."""
        return tuple(c.file for c in self.citations)

    @property
    def body(self) -> str:
        """What the answer says, as plain words (no markup, nothing escaped): for judging an
        answer in tests and for bounded log excerpts; a reply is rendered from the parts."""
        return "\n".join(
            LINE_START[row.style] + "".join(_plain(p) for p in row.words) for row in self.statement
        )


def _plain(piece: Piece) -> str:
    if isinstance(piece, Echo):
        return f"“{piece.text}”"
    return piece if isinstance(piece, str) else piece.text
