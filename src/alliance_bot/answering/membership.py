"""Yes/no questions that ask whether something is in a group: "is Japan in NATO", "is South
Korea part of the Quad", "has Japan joined IPEF", "is the UK a partner in GCAP"; and questions
that ask who is in a group: "which countries are in the Quad", "how many members does GCAP
have" (answered only by a group's entry that names its members).

What settles them is the group's own entry, which says what it is and who is in it (the Quad's
"a grouping of the US, Japan, Australia and India"): the reply is that entry, and never a "yes"
or "no" of its own. The engine answers only when the group is named outright (a name match)
and the member is a country or a name the articles know; anything else is read as before.
"""

from __future__ import annotations

import re

from alliance_bot.answering.titles import _COUNTRIES, _COUNTRY
from alliance_bot.knowledge.text import stem

# "X is part of / a member of / a partner in Y", "X joined Y", "X belongs to Y".
_MEMBER = re.compile(
    r"^(?P<x>.+?) (?:(?:a |an |one of the )?(?:part|member|members|partner|partners|participant"
    r"|participants|signatory|signatories|founding member|founding members) (?:of|in|to)"
    r"|included in|(?:already |ever )?joined|join|belongs? to|participates? in"
    r"|(?:take|takes|taking) part in|signed up (?:to|for)|sign up (?:to|for))"
    r" (?P<y>.+)$"
)
# "is India a Quad member", "is the UK a GCAP partner".
_A_MEMBER = re.compile(
    r"^(?P<x>.+?) (?:a|an|one) (?P<y>.+?) (?:member|partner|participant|signatory|member state"
    r"|member country|member nation)$"
)
# "X in Y": a group only if Y is a term the articles define, and X is a country.
_IN = re.compile(r"^(?P<x>.+?) (?:in|inside|within) (?P<y>.+)$")
_QUALIFIER = frozenset({"the", "south", "north"})


_ASKING = re.compile(r"^(?:is|are|was|were|has|have|had|did|does|do|will) (?P<s>.+)$")


def asked(question: str) -> tuple[str, str, bool] | None:
    """(member, group, loose) of a yes/no question asking about membership, or None; `loose`
    when the question says only "in", which may as well ask where something is."""
    asking = _ASKING.match(question)
    if asking is None:
        return None
    subject = asking["s"]
    if member := _MEMBER.match(subject) or _A_MEMBER.match(subject):
        return member["x"], member["y"], False
    if within := _IN.match(subject):
        return within["x"], within["y"], True
    return None


# "which countries are in the Quad", "how many members does GCAP have", "who is in AUKUS":
# who is in a group, which the group's own entry says when it names its members.
_MEMBERS = re.compile(
    r"^(?:(?:how many|which|what) (?:countries|nations|members|member states|member countries"
    r"|partners|governments) (?:are (?:in|part of|members of)|is in|were in|make up|made up"
    r"|belong to|form|formed|does|do|did|are there in)"
    r"|who (?:is|are|was|were) (?:in|part of|(?:the )?members of|(?:the )?member countries of)"
    r"|who (?:makes up|made up|belongs to|belong to)) (?P<group>.+?)(?: have| has| had)?$"
)


_WORD = re.compile(r"[a-z]+")


def members_asked(question: str) -> str | None:
    """The group whose members a question asks for ("how many countries are in the Quad" →
    "the quad"), or None."""
    asked = _MEMBERS.match(question) if question.startswith(("how", "wh")) else None
    return asked["group"] if asked else None


def names_members(definition: str) -> bool:
    """Whether a group's definition (folded) names at least two countries in its first clause,
    which says what the group is ("a grouping of the US, Japan, Australia and India"); the
    countries of what it did later ("a summit hosted US-Japan-Philippines leaders") are not
    its members."""
    first = re.split(r"[;.]", definition, maxsplit=1)[0]
    return len({stem(_COUNTRY.get(w, w)) for w in _WORD.findall(first)} & _COUNTRIES) >= 2


def is_country(phrase: str) -> bool:
    """Whether `phrase` names a country ("south korea", "the uk", "australia")."""
    words = [w for w in phrase.split() if w not in _QUALIFIER]
    return len(words) == 1 and stem(_COUNTRY.get(words[0], words[0])) in _COUNTRIES
