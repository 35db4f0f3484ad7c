"""Text normalisation shared by the index and the question parser.

Everything that compares what a user typed with what the knowledge base says goes through
these functions, so both sides are folded the same way (case, accents, curly quotes, "U.S.").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer  # PyStemmer: the Snowball stemmers compiled (C)

_QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-", "\u00a0": " "}
)
# Spellings that mean the same thing to a reader; folded so "US", "U.S." and "United States" meet.
# Each pattern comes with the literal text it cannot match without: most texts contain none of
# them, and a substring test is far cheaper than a regex pass (12 passes were most of `fold`).
_SYNONYMS: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (re.compile(r"\bu\.\s?s\.(?=\s|$|[^a-z])"), "us", ("u.",)),
    (re.compile(r"\bu\.s\b"), "us", ("u.s",)),
    (re.compile(r"\bunited states( of america)?\b"), "us", ("united states",)),
    (re.compile(r"\bdefence\b"), "defense", ("defence",)),
    (re.compile(r"\bg7\b"), "g-7", ("g7",)),
    (re.compile(r"\btwo plus two\b|\b2 plus 2\b|\b2 \+ 2\b"), "2+2", ("plus", "+")),
    # Not "Americans" -> "us": the people are not the country, and "us" then matched "US".
    (re.compile(r"\bamerican\b"), "us", ("american",)),
    (re.compile(r"\bjapanese\b"), "japan", ("japanese",)),
    (re.compile(r"\bkoreans?\b"), "korea", ("korean",)),
    # Titles are written both ways round: "Minister of Foreign Affairs" is "foreign minister".
    (re.compile(r"\bministers? (?:of|for) foreign affairs\b"), "foreign minister", ("minister",)),
    (
        re.compile(r"\bministers? (?:of|for) (defense|economy|trade)\b"),
        r"\1 minister",
        ("minister",),
    ),
    (
        re.compile(r"\bsecretary of (defense|commerce|the navy|homeland security)\b"),
        r"\1 secretary",
        ("secretary of",),
    ),
]
_POSSESSIVE = re.compile(r"'s\b|s'(?=\s|$)")
_NON_WORD = re.compile(r"[^\w+&\-]+")
_WORD = re.compile(r"[\w+&]+(?:-[\w+&]+)*")

# Words that carry no meaning of their own in a question, including filler verbs ("happen").
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just me more most
    my no nor not of off on once only or other our out over own same she should so some such
    than that the their them then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your tell me please
    know much many go goes went gone come came get got happen happened occur occurred take took
    actually basically really exactly finally eventually ultimately someone anyone somebody anybody among amongst inside
    within explain""".split()
)

# The C build of Snowball's English stemmer: the same stems as the pure-Python snowballstemmer
# (tests/knowledge/test_text.py compares them), at about a hundredth of its time per word, which
# was over half of a long question of fresh words and much of a cold index build.
_stemmer = Stemmer.Stemmer("english")


class _Marks(dict[int, int | None]):
    """`str.translate` table deleting combining marks, filled in as characters are met: a
    table of all 1.1 M code points would cost a start-up its budget, and a per-character
    generator over `unicodedata.combining` was most of `fold` for non-ASCII text."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        # Bounded: a text of many distinct rare characters still costs only the lookups.
        if len(self) < 4096:
            self[code] = kept
        return kept


_MARKS = _Marks()


def fold(text: str) -> str:
    """Case-fold, strip accents, straighten quotes and collapse white space."""
    # ASCII text (most of what the index folds) has no curly quotes, nothing to decompose and no
    # marks to strip.
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_QUOTES)).translate(_MARKS)
    text = text.casefold()
    for pattern, replacement, anchors in _SYNONYMS:
        for anchor in anchors:
            if anchor in text:
                text = pattern.sub(replacement, text)
                break
    return " ".join(text.split())


# Cached: the engine keys the same few thousand names and question phrases over and over, and
# inputs are bounded (a question is cut to 2,000 characters before it gets here).
@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """The form under which a name or alias is looked up: folded, no punctuation, no possessive."""
    text = _POSSESSIVE.sub("", fold(text))
    return " ".join(_NON_WORD.sub(" ", text).replace(" - ", " ").split()).strip("-")


def search_words(text: str) -> list[str]:
    """The meaningful words of raw text for the full-text index: folded, no possessives."""
    return [w for w in all_words(text) if is_search_word(w)]


def all_words(text: str) -> list[str]:
    """Every word of raw text, folded, no possessives: `search_words` before it drops the
    words that mean nothing. The index build filters these itself, once per distinct word
    rather than once per occurrence (a 100,000-entry base has ~3 M occurrences of a few
    thousand words)."""
    return _WORD.findall(_POSSESSIVE.sub("", fold(text)))


def is_search_word(word: str) -> bool:
    """Whether a word of `all_words` is one `search_words` keeps."""
    return len(word) > 1 and word not in STOPWORDS


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """English stem of a folded word ("grounded" -> "ground", "Ospreys" -> "osprey").

    Snowball keeps a final "s" after "u" ("Senkakus", like "bus"); names are plural that way,
    so a trailing "s" on longer stems goes too — on both sides of every comparison.
    """
    stemmed = str(_stemmer.stemWord(word))
    if len(stemmed) > 4 and stemmed.endswith("s") and not stemmed.endswith("ss"):
        stemmed = stemmed[:-1]
    return stemmed


def squash_spaces(text: str) -> str:
    """Collapse every run of white space to one space (how evidence is compared with its file)."""
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    """Shorten plain (not yet escaped) text to at most `limit` characters, marking the cut "…".

    Clip first, then escape for whatever shows it: clipping escaped text counts `&amp;` as five
    characters, so a question padded with `&` would show less than it holds.
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"
