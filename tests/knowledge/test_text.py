"""`fold` takes shortcuts (ASCII skips decomposition, a synonym pass runs only when its anchor text
is present): it must fold every text exactly as the plain definition below does."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from alliance_bot.knowledge import text as text_module
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
