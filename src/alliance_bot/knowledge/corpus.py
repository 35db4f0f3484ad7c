"""The seed articles as cited: whitespace-insensitive lookup of evidence and its line number."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Article:
    """A seed file's text, squashed to single spaces, remembering where each line starts."""

    path: str
    text: str
    squashed: str
    _offsets: list[int] = field(repr=False)
    _lines: list[int] = field(repr=False)

    @classmethod
    def read(cls, path: str, raw: str) -> Article:
        parts: list[str] = []
        offsets: list[int] = []
        lines: list[int] = []
        position = 0
        line_starts = [0] + [m.end() for m in re.finditer("\n", raw)]
        for match in _TOKEN.finditer(raw):
            offsets.append(position)
            lines.append(bisect.bisect_right(line_starts, match.start()))
            parts.append(match.group())
            position += len(match.group()) + 1
        return cls(path, raw, " ".join(parts), offsets, lines)

    def find(self, passage: str) -> int | None:
        """The 1-based line where `passage` starts, ignoring differences in white space."""
        squashed = " ".join(passage.split())
        at = self.squashed.find(squashed) if squashed else -1
        if at < 0:
            return None
        return self._lines[bisect.bisect_right(self._offsets, at) - 1]


class Corpus:
    """Seed files read once per load, resolved against the knowledge base root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._articles: dict[str, Article | None] = {}

    def article(self, path: str) -> Article | None:
        if path not in self._articles:
            file = self.root / path
            try:
                raw = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._articles[path] = None
            else:
                self._articles[path] = Article.read(path, raw)
        return self._articles[path]

    def files(self) -> list[str]:
        return sorted(p for p, a in self._articles.items() if a is not None)
