"""How people ask for a figure, and what is left of the question once the asking is gone.

The knowledge base's figures are the `value`s of its facts (and the numbers in events and
terms): amounts ("$320 billion"), shares ("63%", "below 20%"), counts ("14 Ospreys"), ranks
("fourth", "third-biggest military spender"). People ask for them in a frame that is none of
the entry's words:

- the lead asks the sort of figure: "how many", "how much", "how low", "what share of", "what %
  of", "the number of", "where does X rank";
- a verb of movement says the figure is a level, a low or a high: "how low did the approval
  *sink*", "how far did support *drop*" (a rank's verb stays: the fact says "ranked fourth");
- a verb of counting or having says what is counted: "how many areas did the 2+2 *cover*",
  "how many Ospreys does Japan *fly*";
- a poll's verb of opinion says only that people were asked: "what share of Americans *say* /
  *think* …" (what they want, back or oppose is the content, and stays).

`topic` removes the frame; the engine matches what is left against the facts, and checks that
the figure found is of the sort asked (`engine._figure_fits`).
"""

from __future__ import annotations

import re

# "which meeting number was the Tokyo session", "what number summit": a place in a series
# asked, which only an ordinal answers ("the third meeting").
ORDINAL_LEAD = r"(?:what|which) (?:[\w-]+ )?number (?!of\b)"
_ORDINAL_ASKED = re.compile(rf"^{ORDINAL_LEAD}")


def asks_ordinal(question: str) -> bool:
    """Whether `question` asks which in a series something was ("which meeting number")."""
    return bool(_ORDINAL_ASKED.match(question))


# The lead that asks for a figure: "how many", "what share of", "the number of", "%".
_ASKING = re.compile(
    r"(?:\b(?:what|which|the) )?%(?: of\b)?|\b(?:how (?:many|much|big|large|high|low|far|deep|steep|bad)"
    r"|(?:what|which|the) (?:share|percentage|percent|proportion|fraction|portion|number|figure"
    r"|amount|level|rate|rank|ranking|place|position)s?(?: of)?"
    r"|numbers?|figures?|stats|according to)\b"
)
_HAVE = r"have|has|own|owns|operate|operates|fly|flies|field|fields|possess|possesses|keep|keeps"
_HOW_MANY_HAD = re.compile(
    rf"^how many (?P<thing>[\w-]+)\b.*? (?:does|do|did) (?P<owner>.+) (?:{_HAVE})$"
)


def possessed(question: str) -> tuple[str, str] | None:
    """What is counted and who has it, when a question asks how many of a thing someone has
    ("how many Ospreys does Japan fly" → ("ospreys", "japan")): only a figure of that thing,
    stated of that owner, answers it (not the eight crew killed in a crash of one, nor Japan's
    fleet for "how many Ospreys does the US fly")."""
    had = _HOW_MANY_HAD.match(question)
    return (had["thing"], had["owner"]) if had else None


# A verb of movement or counting after the thing: "did approval *sink* (to)".
_FRAME_VERB = re.compile(
    r"\b(?:sink|sank|sunk|drop|dropped|fall|fell|fallen|dip|dipped|plunge|plunged|slide|slid"
    r"|tumble|tumbled|slump|slumped|go|went|gone|get|got|rise|rose|risen|climb|climbed|grow|grew"
    r"|jump|jumped|soar|soared|peak|peaked|reach|reached|end up|ended up|come in|came in"
    r"|cover|covered|include"
    r"|included|list|listed|involve|involved|total|totaled|totalled|number|numbered|comprise"
    r"|identify|identified|count|counted"
    # "how many Ospreys does Japan fly": what it has is what is counted.
    rf"|{_HAVE})"
    r"(?: (?:to|at|in|out|down|up|among|on))?$"
)
# "where will Japan *rank* in military spending", "how did Japan *place* among …": a rank asked.
_RANK = re.compile(
    r"^(?:where|how|what place|what position) (?:does|do|did|will|would|is|was|could)"
    r" (?P<x>.+?) (?P<verb>rank|ranked|place|placed|stand|come in|end up)"
    r"(?: (?:in|among|on|for|as|by|when it comes to))?(?P<rest>.*)$"
)
# "what share of Americans *say* …": the poll's verb of opinion.
_OPINION = re.compile(
    r"\b(?P<who>americans?|japanese|people|respondents|voters|the public|us adults)"
    r" (?:say|said|think|thought|believe|believed|feel|felt|reckon|reckoned)\b"
)


def topic(question: str) -> str:
    """What a figure question is about, without the frame that asks for the figure ("how low
    did Kishida's cabinet approval sink" → "did kishida's cabinet approval")."""
    if rank := _RANK.match(question):
        # The verb stays: the fact says "ranked Japan fourth".
        question = f"{rank['x']} {rank['verb']}{rank['rest']}"
    text = _OPINION.sub(r"\g<who>", question)
    text = " ".join(_ASKING.sub(" ", text).split())
    text = _FRAME_VERB.sub("", text).strip()
    return text or question
