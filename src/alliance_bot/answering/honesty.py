"""Rules that keep a near miss from being given as the answer.

A question that names something the articles know *almost* — "AUKUS Pillar III" beside Pillar
II, "North Korea's" beside South Korea's minister, "when did Kishida visit Ukraine" beside an
event that mentions Kishida, a visit and the war in Ukraine — is about something else. These
helpers say when the words that set a thing apart (numerals, single letters, qualifiers, the
place a visit goes to, the body a role belongs to) are not the entry's own.
"""

from __future__ import annotations

import calendar
import re

from alliance_bot.knowledge.text import STOPWORDS

# Words that tell one thing from another of the same name: "Pillar II" / "Pillar III",
# "North" / "South Korea", "Plan B", "the second summit".
_ROMAN = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
    "xi": 11, "xii": 12,
}  # fmt: skip
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5,
}  # fmt: skip
_QUALIFIERS = frozenset(
    """north south east west northern southern eastern western upper lower junior senior
    deputy vice assistant former acting interim new old next previous last plus""".split()
)


def _marker(token: str) -> str | None:
    """The numeral or qualifier a word stands for, or None for an ordinary word."""
    if token.isdigit():
        return str(int(token))
    if token in _ROMAN:
        return str(_ROMAN[token])
    if token in _WORDS:
        return str(_WORDS[token])
    if len(token) == 1 or token in _QUALIFIERS:
        return token
    if any(c.isdigit() for c in token):
        return token  # "f-35b", "2+2", "g7"
    return None


def distinct_names(asked: str, name: str, *, premise: bool = False) -> bool:
    """Whether two name keys differ in a word that sets things apart (a numeral, a letter, a
    qualifier), so that a close spelling is another thing, not a typo of this one. Numerals
    written differently ("Pillar 2", "Pillar II", "second pillar") are the same numeral. With
    `premise` (a yes/no), a number asked of a name that has none ("did Japan ground 20
    Ospreys") is a premise to check, not another name."""
    one = {m for m in map(_marker, asked.split()) if m is not None}
    other = {m for m in map(_marker, name.split()) if m is not None}
    if premise and not other:
        return False
    return one != other


_NUMERAL = re.compile(r"(?<![\w.,%$-])(?:\d{1,2}|ii|iii|iv|vi|vii|viii|ix|xi|xii)(?![\w%.,-])")


def numerals(text: str) -> frozenset[str]:
    """The small numerals of a folded text as numbers: "Pillar II", "pillar 2" → {"2"}. Text
    search drops one-character words, so "AUKUS Pillar 1" would otherwise match Pillar II."""
    return frozenset(_marker(n) or n for n in _NUMERAL.findall(text)) | frozenset(
        str(_ROMAN[r])
        for r in re.findall(r"\b(?:article|pillar|phase|part|stage|tier) (v|x|i)\b", text)
    )


def numerals_fit(asked: str, own: str) -> bool:
    """Whether every small numeral of a question is one the entry's own text has."""
    return numerals(asked) <= numerals(own)


_TRAVEL = re.compile(
    r"\b(?:visit(?:ed|s|ing)?|trip to|travel(?:led|ed|s)? to|went to|go(?:es)? to|going to"
    r"|tour(?:ed|s)?|fl(?:y|ew|ies) to|arrive[ds]? in|landed in|headed to) (?:the )?([a-z][a-z-]+)"
)


# What may follow "visit" or "tour" without being where someone went: "visit in January",
# "the G7 tour in December", "visit there".
_NOT_PLACES = STOPWORDS | frozenset(
    [m.lower() for m in calendar.month_name[1:]]
    + "there here again last next this that early late mid country countries".split()
)


def destinations(text: str) -> frozenset[str]:
    """The places a text sends someone to: "when did Kishida visit Ukraine" → ukraine."""
    return frozenset(w for w in _TRAVEL.findall(text) if w not in _NOT_PLACES)


def goes_there(asked: str, names: str, body: str) -> bool:
    """Whether an entry goes where the question sends someone: its names (title, aliases) say
    the place, or its text sends someone there. "When did Kishida visit Ukraine" is not
    answered by the preview of his Washington visit that mentions the war in Ukraine. All
    three texts are folded."""
    wanted = destinations(asked)
    if not wanted:
        return True
    reached = destinations(body) | frozenset(re.findall(r"[a-z][a-z-]+", names))
    return wanted <= reached
