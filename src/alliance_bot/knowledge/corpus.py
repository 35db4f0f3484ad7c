"""The seed articles as cited: whitespace-insensitive lookup of evidence and its line number.

Seed files are read through `files.read_checked`: regular files inside `seeds/`, size-capped. Why
a file could not be read is kept, so a problem says so; and when `seeds/` itself cannot be read,
that is one problem for the directory, not one per citation.
"""

from __future__ import annotations

import bisect
import os
from array import array
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from pathlib import Path

from alliance_bot.knowledge.files import (
    SEED_LIMIT,
    UnreadableFile,
    describe_os_error,
    read_checked,
)

SEEDS = "seeds"


def universal_newlines(text: str) -> str:
    """A seed's text as it is cited and hashed: universal newlines, as `read_text` gave before,
    so versions and line numbers stay the same."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Article:
    """A seed file's text, squashed to single spaces, remembering where each line starts."""

    path: str
    text: str
    squashed: str
    _offsets: array[int] = field(repr=False)
    _lines: array[int] = field(repr=False)

    @classmethod
    def read(cls, path: str, raw: str) -> Article:
        # Line by line, the words of each by `str.split` (the same white space as the regex
        # `\S+`, at a fraction of its cost per word: a 100,000 base cites 2,000 seeds). Offsets
        # and lines as arrays: a few million small numbers, 4 bytes each instead of an object.
        parts: list[str] = []
        lines = array("i")
        for number, row in enumerate(raw.split("\n"), 1):
            words = row.split()
            parts += words
            lines.extend(repeat(number, len(words)))
        offsets = array("i", accumulate((len(w) + 1 for w in parts), initial=0))
        offsets.pop()  # the position after the last word (or the 0 of no word)
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

    def __init__(self, root: Path, *, limit: int = SEED_LIMIT) -> None:
        self.root = root
        self._limit = limit
        self._articles: dict[str, Article | None] = {}
        self._failures: dict[str, str] = {}
        self._directory_problem: str | None = None
        self._directory_checked = False

    def article(self, path: str) -> Article | None:
        """The article at `path` (`seeds/<name>.txt`), or None; `failure(path)` says why."""
        if path not in self._articles:
            self._articles[path] = self._read(path)
        return self._articles[path]

    def failure(self, path: str) -> str:
        """Why `article(path)` is None, completing "cannot read cited file …: "."""
        return self._failures.get(path, "")

    def directory_problem(self) -> str | None:
        """Why `seeds/` as a whole cannot be read, or None when it can (checked once)."""
        if not self._directory_checked:
            self._directory_checked = True
            seeds = self.root / SEEDS
            try:
                if not seeds.is_dir():
                    exists = seeds.exists()
                    self._directory_problem = (
                        "it is not a directory" if exists else "the directory does not exist"
                    )
                else:
                    with os.scandir(seeds):
                        pass
            except OSError as error:
                self._directory_problem = describe_os_error(error)
        return self._directory_problem

    def _read(self, path: str) -> Article | None:
        file = self.root / path
        if file.parent != self.root / SEEDS:
            self._failures[path] = f"it is not in {SEEDS}/"
            return None
        try:
            raw = read_checked(file, base=self.root / SEEDS, limit=self._limit)
        except UnreadableFile as error:
            self._failures[path] = str(error)
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            self._failures[path] = f"it is not UTF-8 text (line {line})"
            return None
        return Article.read(path, universal_newlines(text))

    def failed(self) -> list[str]:
        """The cited paths that could not be read."""
        return sorted(self._failures)

    def files(self) -> list[str]:
        return sorted(p for p, a in self._articles.items() if a is not None)
