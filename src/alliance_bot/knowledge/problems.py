"""What is wrong with a knowledge base, said so an admin can find it: file, line, entry id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One error in a knowledge base directory."""

    file: str
    line: int | None
    entry_id: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        entry = f" [{self.entry_id}]" if self.entry_id else ""
        return f"{where}{entry}: {self.message}"


class KnowledgeBaseInvalid(Exception):
    """Raised instead of returning a knowledge base that has errors; it is never used."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.message))
        super().__init__(f"{len(self.problems)} problem(s) in the knowledge base")

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)
