"""What the answer engine returns: one object for the CLI's JSON, the Slack renderer and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["answer", "suggestions", "no_match", "help", "error"]


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

    `body` and `context` are Slack mrkdwn, already escaped; `text` is exactly what Slack shows:
    the body, then the context line (sources, article title, line, what a fuzzy match matched).
    """

    status: Status
    question: str
    body: str
    context: str = ""
    sources: tuple[str, ...] = ()
    entries: tuple[ScoredEntry, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.body}\n{self.context}" if self.context else self.body

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "text": self.text,
            "sources": list(self.sources),
            "entries": [
                {"id": e.id, "kind": e.kind, "score": round(e.score, 1)} for e in self.entries
            ],
            "suggestions": [
                {"id": s.id, "kind": s.kind, "label": s.label} for s in self.suggestions
            ],
        }
