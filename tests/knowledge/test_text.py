"""`fold` takes shortcuts (ASCII skips decomposition, a synonym pass runs only when its anchor text
is present): it must fold every text exactly as the plain definition below does. The stemmer is
Snowball compiled (PyStemmer): it must stem every word exactly as the pure-Python Snowball
(`snowballstemmer`, the stemmer the index was built with before) does."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from snowballstemmer.english_stemmer import EnglishStemmer

from alliance_bot.knowledge import text as text_module
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.text import fold


def _plain_fold(value: str) -> str:
    """What `fold` means, written without shortcuts: decompose, drop marks, case-fold, then every
    synonym pattern, then collapse white space."""
    value = unicodedata.normalize("NFKD", value.translate(text_module._QUOTES))
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold()
    for pattern, replacement, _ in text_module._SYNONYMS:
        value = pattern.sub(replacement, value)
    return " ".join(value.split())


# Pieces each synonym pattern (and the quote and accent handling) reacts to, near misses included.
_PIECES = st.sampled_from(
    ["u.s.", "U. S.", "U.S", "u.s.a", "United States", "united states of America", "UNITED\u00a0STATES",
     "defence", "Defences", "G7", "g7s", "two plus two", "2 plus 2", "2 + 2", "2+2", "plus",
     "American", "Americans", "Japanese", "Korean", "Koreans", "Minister of Foreign Affairs",
     "ministers for defense", "minister of trade", "Secretary of the Navy", "secretary of defense",
     "Kōno Tarō", "Ｕ．Ｓ．", "ﬁ", "ß", "İ", "ǅ", "\u0301", "e\u0301", "\ufdfa", "’s", "“", "—", " ",
     "\t", "\n", ".", "-", "u", "s"]
)  # fmt: skip
_TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=20).map("".join),
)


class TestFold:
    @settings(max_examples=1000, deadline=None)
    @given(value=_TEXTS)
    @example("The U. S. and the United States of America")
    @example("ﬁnal Kōno’s “defence” — G7")
    @example("what is " + "\ufdfa" * 3)
    def test_same_as_the_plain_definition(self, value: str) -> None:
        """Any text folds exactly as decompose, drop marks, case-fold and every synonym would."""
        assert fold(value) == _plain_fold(value)

    def test_each_synonym_has_its_anchor(self) -> None:
        """Each synonym pattern's anchors are literal text it cannot match without (checked on
        what the pattern matches in a text built to match it)."""
        samples = ["u. s. x", "u.s x", "united states", "defence", "g7", "2 + 2", "two plus two",
                   "american", "japanese", "koreans", "minister of foreign affairs",
                   "ministers for trade", "secretary of the navy"]  # fmt: skip
        for pattern, _, anchors in text_module._SYNONYMS:
            matched = [m.group(0) for s in samples for m in [pattern.search(s)] if m]
            assert matched, pattern.pattern
            for found in matched:
                assert any(a in found for a in anchors), (pattern.pattern, found)
        assert all(isinstance(p, re.Pattern) for p, _, _ in text_module._SYNONYMS)

    def test_quotes_are_not_ascii(self) -> None:
        """ASCII text skips the quote table, so every quote it straightens must be non-ASCII."""
        assert all(code > 0x7F for code in text_module._QUOTES)


_PURE = EnglishStemmer()
_REPO_TESTS = Path(__file__).resolve().parent.parent


def _words(text: str) -> set[str]:
    """Every word the index or a question could hand the stemmer: folded words as the index splits
    them, and the raw white-space-separated tokens too (punctuation, capitals and all)."""
    return {*text_module._WORD.findall(fold(text)), *text.split()}


# Pieces of English words, chosen for the rules Snowball's English stemmer has: suffixes it strips
# or rewrites, the "y"/vowel cases, doubled consonants, its exceptional words, and non-ASCII.
_STEM_PIECES = st.sampled_from(
    ["a", "e", "i", "o", "u", "y", "b", "bb", "c", "d", "dd", "g", "gg", "l", "ll", "m", "n", "nn",
     "p", "r", "s", "ss", "t", "tt", "v", "z", "ing", "ed", "ly", "ies", "ied", "eed", "eedly",
     "ness", "ment", "ation", "ational", "ization", "iveness", "fulness", "ousness", "biliti",
     "ence", "ance", "able", "ible", "ant", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "al",
     "er", "ic", "ion", "ou", "'s", "'", "s'", "gener", "commun", "arsen", "past", "univers",
     "news", "howe", "skis", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only",
     "singly", "sky", "atlas", "cosmos", "bias", "andes", "inning", "outing", "canning",
     "herring", "earring", "proceed", "exceed", "succeed", "é", "ō", "ß", "ı", "ﬁ", "-", "0", "9"]
)  # fmt: skip


class TestStem:
    def test_same_stems_as_pure_snowball_on_the_real_base(self) -> None:
        """Every word of the shipped knowledge base, its articles and the question sets stems as
        the pure-Python Snowball stems it (about 9,000 distinct words)."""
        knowledge = default_knowledge_dir()
        files = [*knowledge.glob("*.yaml"), *(knowledge.parent / "seeds").glob("*.txt"),
                 *(_REPO_TESTS / "data").glob("*.yaml")]  # fmt: skip
        words: set[str] = set()
        for path in files:
            words |= _words(path.read_text(encoding="utf-8"))
        assert len(words) > 5000, "the shipped knowledge base was not found"
        differing = {w for w in words if text_module._stemmer.stemWord(w) != _PURE.stemWord(w)}
        assert not differing

    @settings(max_examples=1000, deadline=None)
    @given(word=st.one_of(st.lists(_STEM_PIECES, min_size=1, max_size=8).map("".join), st.text()))
    @example("generously")
    @example("Senkakus")
    def test_same_stems_as_pure_snowball_on_any_word(self, word: str) -> None:
        """Words built from the stemmer's suffixes and exceptions, and arbitrary text, stem as the
        pure-Python Snowball stems them."""
        assert text_module._stemmer.stemWord(word) == _PURE.stemWord(word)
