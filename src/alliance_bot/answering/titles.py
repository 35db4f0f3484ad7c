"""How role titles are read: as word stems with countries named one way ("Aussie",
"Canberra" → Australia), ranks and their junior ranks ("lieutenant governor" is not the
governor), and how well a description of a person ("the Illinois lieutenant governor", "the chip
industry group head") fits a title. Role questions and descriptions of people both read titles
this way (`engine.py`, `descriptions.py`).

The names keep the leading underscore they had inside `engine.py`: they are this package's
internals, shared by its modules, not its public interface.
"""

from __future__ import annotations

import re
from functools import lru_cache

from alliance_bot.answering.questions import GENERIC_PERSON
from alliance_bot.knowledge.models import Person
from alliance_bot.knowledge.text import STOPWORDS, name_key, stem


@lru_cache(maxsize=8192)
def _role_words(text: str) -> frozenset[str]:
    """The stems of a title's or a question's words, countries named one way."""
    text = re.sub(r"'s\b", "", text).replace("united states", "us").replace("-", " ")
    words = (w for w in text.split() if w not in STOPWORDS)
    return frozenset(stem(_COUNTRY.get(w, _RANK.get(w, w))) for w in words)


# How people name the countries role titles name: by adjective, capital or nickname.
_COUNTRY = {
    "american": "us", "america": "us", "usa": "us", "washington": "us",
    "japanese": "japan", "tokyo": "japan", "korean": "korea", "seoul": "korea",
    "australian": "australia", "aussie": "australia", "canberra": "australia",
    "indian": "india", "delhi": "india", "philippine": "philippines", "filipino": "philippines",
    "manila": "philippines", "german": "germany", "berlin": "germany", "russian": "russia",
    "moscow": "russia", "ukrainian": "ukraine", "kyiv": "ukraine", "rok": "korea",
    "prc": "china", "chinese": "china", "beijing": "china",
    # The other G-7 countries and Taiwan: no title names them, so "the Italian PM" (whom
    # the articles do not name) is nobody's rather than any prime minister's.
    "italian": "italy", "french": "france", "british": "uk", "canadian": "canada",
    "taiwanese": "taiwan",
}  # fmt: skip
_COUNTRIES = frozenset(stem(c) for c in {*_COUNTRY.values(), "china", "britain"})
# Spellings of one rank.
_RANK = {"adviser": "advisor", "chair": "chairman", "chairwoman": "chairman", "chief": "head"}
_HEAD = frozenset({"head", "leader", "boss", "top"})
_TOP_RANKS = frozenset(
    stem(w)
    for w in "commander commanding president chairman ceo director governor minister secretary"
    " speaker chancellor".split()
)
_PRESS = ("journalist", "reporter", "correspondent")
# The same office under another rank's name; counts less than the rank itself.
_ALIKE: dict[str, frozenset[str]] = {
    stem("minister"): frozenset({stem("secretary")}),
    stem("secretary"): frozenset({stem("minister")}),
    stem("envoy"): frozenset({stem("ambassador"), stem("representative")}),
    # India's foreign minister is its External Affairs Minister.
    stem("foreign"): frozenset({stem("external")}),
    # "the DW journalist" is its correspondent: one trade under three names.
    **{stem(word): frozenset(stem(w) for w in _PRESS if w != word) for word in _PRESS},
}
_JUNIOR = frozenset(
    stem(w)
    for w in "assistant deputy vice under lieutenant senior state parliamentary special".split()
)


def _whose(person: Person) -> frozenset[str]:
    """The words of a person's titles before any "to": the US Ambassador *to* Japan is not
    Japanese — a country after "to" is where the role points, not whose it is."""
    return frozenset().union(*(_whose_title(r.title) for r in person.roles))


@lru_cache(maxsize=4096)
def _whose_title(title: str) -> frozenset[str]:
    return _role_words(re.sub(r" to .*$", "", name_key(title)))


_JUNIOR_OF = re.compile(r"\b(lieutenant|deputy|vice|assistant|under) (\w+)")


@lru_cache(maxsize=4096)
def _junior_pairs(text: str) -> frozenset[str]:
    """The junior ranks a text qualifies a rank with: "the under secretary" → {under}."""
    return frozenset(stem(j) for j, _ in _JUNIOR_OF.findall(name_key(text).replace("-", " ")))


def _junior_titles(person: Person) -> frozenset[str]:
    return frozenset().union(*(_junior_pairs(r.title) for r in person.roles))


def _junior_unasked(title: str, asked: frozenset[str]) -> bool:
    """Whether a title key qualifies a rank the question asks for with a junior rank it does
    not ask for: "lieutenant governor" for "the Illinois governor"."""
    return any(rank in asked and junior not in asked for junior, rank in _junior_ranks(title))


@lru_cache(maxsize=4096)
def _junior_ranks(title: str) -> tuple[tuple[str, str], ...]:
    return tuple((stem(j), stem(r)) for j, r in _JUNIOR_OF.findall(title.replace("-", " ")))


_GENERIC = re.compile(rf"\b(?:{GENERIC_PERSON})\b")
# Nouns of a description that say only that the person holds some office ("the Japanese
# official who signed …", "the US deputy envoy", "the diplomat in charge of …"): a title need
# not carry them; the description's other words must fit.
_LOOSE_NOUNS = frozenset(
    "official officials officer diplomat envoy figure member staffer rep in charge of".split()
)


def _title_fit(description: str, person: Person) -> float:
    """The best share of a description's words that one of the person's role titles carries,
    words compared as `_role_words` reads them (hyphens split: "Vice-Minister" is "vice
    minister"). An office noun (`_LOOSE_NOUNS`) fits any title, and "head" (or "chief") a
    title's top rank, as in `_role_score` ("the chip industry group head" is its association's
    president); where the description names a rank, a junior one it does not ask for fits
    nothing ("the METI minister" is not its vice-minister)."""
    asked = [w for w in description.replace("-", " ").split() if w not in STOPWORDS]
    if not asked:
        return 0.0
    wanted = frozenset().union(*(_role_words(w) for w in asked))
    best = 0.0
    for role in person.roles:
        known = _role_words(name_key(role.title).replace("-", " "))
        if wanted & _TOP_RANKS and (known & _JUNIOR) - wanted:
            continue
        fitting = [
            word in _LOOSE_NOUNS
            or _role_words(word) <= known
            or bool(_role_words(word) <= _HEAD and known & _TOP_RANKS)
            for word in asked
        ]
        best = max(best, sum(fitting) / len(asked))
    return best


# What follows a description's noun and belongs to the role: "the expert at the Berlin think
# tank", "the deputy envoy for North Korea", "the official from Florida".
_ROLE_TAIL = re.compile(
    r"\s+(?:of|at|for|from|in charge of|with|on) (?:the )?(?P<body>[\w' &+-]+?)"
    r"(?=\s+(?:who|that|which|whom|whose|is|was|did|does)\b|\s*[,;:?!]|$)"
)
# What follows a description's noun as the body the role is of: "the commander of US Forces
# Japan (in 2023)", "the head of the Chicago Council, who …".
_OF_BODY = re.compile(
    r"\s+of (?:the )?(?P<body>[\w' &+-]+?)(?=\s+(?:who|that|which|in|on|at|during|back|when)\b"
    r"|\s*[,;:?!]|$)"
)
