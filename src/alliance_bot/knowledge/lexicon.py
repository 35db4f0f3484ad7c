"""The lexicon: how people name things the articles word differently, as data admins edit.

`knowledge/lexicon.yaml` holds two shapes of entry:

- `say` + `means`: what people type ("premier", "the Pentagon") and how the articles put it
  ("prime minister", "defense secretary"). A question is rewritten before it is read, so the
  rewritten words reach names, roles and text alike.
- `same`: single words that count as one another in a text match ("killed", "died"; "talks",
  "meeting", "summit"), in whichever direction the question and the entry use them.

Both sides are folded like every other comparison (`text.fold`), so case and accents don't
matter. Validation (in the loader) checks that what an entry leads to is in the articles'
vocabulary: a synonym for a word no entry uses would change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alliance_bot.knowledge.models import EntryId, Text
from alliance_bot.knowledge.text import STOPWORDS, name_key, stem


class LexiconEntry(BaseModel):
    """One lexicon entry as written in `lexicon.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: EntryId
    say: tuple[Text, ...] = ()
    means: Text | None = None
    same: tuple[Text, ...] = ()
    note: Text | None = Field(default=None, description="why the entry exists, for admins")

    @model_validator(mode="after")
    def _one_shape(self) -> LexiconEntry:
        if self.same and (self.say or self.means):
            raise ValueError("give either `say` with `means`, or `same`, not both")
        if self.same:
            if len(self.same) < 2:
                raise ValueError("`same` needs at least two words")
            several = [w for w in self.same if len(name_key(w).split()) != 1]
            if several:
                raise ValueError(f"`same` takes single words; {several[0]!r} is not one")
            return self
        if not self.say or not self.means:
            raise ValueError("give `say` (what people type) and `means` (the articles' words)")
        if any(not name_key(w) for w in (*self.say, self.means)):
            raise ValueError("every phrase needs at least one letter or digit")
        return self


class Lexicon:
    """The compiled lexicon: phrase rewrites for questions and stem equivalences for search.

    Built once per knowledge base load and never changed afterwards.
    """

    def __init__(self, entries: Iterable[LexiconEntry] = ()) -> None:
        self.entries = tuple(entries)
        rewrites: dict[str, str] = {}
        for entry in self.entries:
            if entry.means is None:
                continue
            for phrase in entry.say:
                rewrites.setdefault(name_key(phrase), name_key(entry.means))
        self._rewrites = rewrites
        # Longest phrase first, so "the pentagon" wins over "pentagon".
        ordered = sorted(rewrites, key=lambda p: (-len(p), p))
        self._pattern = (
            re.compile(r"(?<![\w-])(?:" + "|".join(map(_possessive_ok, ordered)) + r")(?![\w-])")
            if ordered
            else None
        )
        equivalents: dict[str, set[str]] = {}
        for entry in self.entries:
            stems = {stem(name_key(w)) for w in entry.same}
            for member in stems:
                equivalents.setdefault(member, set()).update(stems)
        self.equivalents: Mapping[str, frozenset[str]] = {
            k: frozenset(v) for k, v in sorted(equivalents.items())
        }
        # Every single word the lexicon lists: words people really type, never a typo to be
        # "corrected" into an article's word ("prize" is not "prime").
        self.words = frozenset(
            w
            for entry in self.entries
            for phrase in (*entry.say, *entry.same)
            for w in name_key(phrase).split()
        )

    def rewrite(self, key: str) -> str:
        """A folded question in the articles' words ("America's top diplomat" matches the
        phrase "america top diplomat": phrases are keys, which drop possessives)."""
        if self._pattern is None:
            return key
        once = self._pattern.sub(lambda m: self._rewrites[self._phrase(m.group(0))], key)
        # A rewrite may complete another phrase ("amb in Tokyo" → "ambassador in Tokyo", the
        # post by where it sits): one more pass, no more (`means` are the articles' words).
        if once == key:
            return once
        return self._pattern.sub(lambda m: self._rewrites[self._phrase(m.group(0))], once)

    def _phrase(self, matched: str) -> str:
        """The phrase a match is of: itself, or the phrase it is the plural of."""
        typed = name_key(matched)
        if typed in self._rewrites:
            return typed
        return typed[:-2] if typed[:-2] in self._rewrites and typed.endswith("es") else typed[:-1]

    def without(self, entry_id: str) -> Lexicon:
        """The same lexicon minus one entry (to show what that entry changes)."""
        return Lexicon(e for e in self.entries if e.id != entry_id)


def _possessive_ok(phrase: str) -> str:
    """A phrase's pattern that also matches its words with a possessive ("america's"), and
    its plural ("warplanes" for "warplane", "aid packages"): people type either; and the dot
    of an abbreviation ("amb." is "amb"), which would otherwise be left after its rewrite."""
    words = phrase.split()
    last = re.escape(words[-1]) + ("" if words[-1].endswith("s") else "(?:e?s)?")
    ending = r"(?:['’]s)?(?:\.(?!\w))?"
    return r"\s+".join([*(re.escape(w) + r"(?:['’]s)?" for w in words[:-1]), last + ending])


def lexicon_problems(
    entries: Iterable[LexiconEntry], vocabulary: frozenset[str]
) -> list[tuple[str, str]]:
    """(entry id, message) for entries that lead nowhere: `means` words or all `same` words
    absent from the knowledge base's vocabulary (stems of every entry's words)."""
    problems: list[tuple[str, str]] = []
    for entry in entries:
        if entry.means is not None:
            missing = [
                w
                for w in name_key(entry.means).split()
                if w not in STOPWORDS and stem(w) not in vocabulary
            ]
            if missing:
                problems.append((entry.id, f"means: {missing[0]!r} is not a word any entry uses"))
        elif entry.same and not any(stem(name_key(w)) in vocabulary for w in entry.same):
            problems.append((entry.id, "same: none of these words is used by any entry"))
    return problems
