"""Yes/no questions that ask whether something is in a group: "is Japan in NATO", "is South
Korea part of the Quad", "has Japan joined IPEF", "is the UK a partner in GCAP".

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


def is_country(phrase: str) -> bool:
    """Whether `phrase` names a country ("south korea", "the uk", "australia")."""
    words = [w for w in phrase.split() if w not in _QUALIFIER]
    return len(words) == 1 and stem(_COUNTRY.get(words[0], words[0])) in _COUNTRIES
