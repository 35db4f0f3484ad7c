"""Counterparts: "who is Blinken's Japanese counterpart", "Austin's opposite number in Tokyo".

A counterpart holds the same office in another government: the foreign minister of Japan is the
US Secretary of State's, and the Secretary General on Japan's National Security Council the US
National Security Advisor's (the articles say so of Sullivan and Akiba). Offices are known by the
words of their titles, and a title's country by its own words, so a person an admin adds with a
title in the articles' style ("Minister for Foreign Affairs of Australia") is found without a
change here. Deputies, vice-ministers and former holders hold no office of their own here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache

from alliance_bot.knowledge.models import Entry, Person, Role

# Each office by the words its titles use, in any government.
_OFFICES = {
    "foreign": re.compile(r"\b(?:secretary of state|foreign affairs|external affairs|foreign minister)\b"),
    "defense": re.compile(r"\b(?:secretary of defen[cs]e|minister of defen[cs]e|defen[cs]e minister)\b"),
    "leader": re.compile(r"^(?:president of (?!the us chamber)|prime minister of)"),
    "security": re.compile(r"\bnational security (?:advis[eo]r|council)\b"),
    "commerce": re.compile(r"\b(?:secretary of commerce|economy, trade and industry)\b"),
}  # fmt: skip
# Titles that are not the office itself: "State Minister for Foreign Affairs", "Under
# Secretary of State", "Former US Secretary of State", "Foreign Minister of Japan under Abe".
_NOT_THE_OFFICE = re.compile(
    r"\b(?:former|deputy|vice|state minister|parliamentary|under secretary|assistant|senior"
    r"|special|under abe|director|ministry of|ambassador)\b|\bstate of \w+$"
)
# A government by the words people and titles use for it ("Japanese", "Tokyo", "of Japan").
# Japan comes first: a US title that names Japan ("US Ambassador to Japan") holds no office here.
_COUNTRIES = (
    ("japan", re.compile(r"\b(?:japan(?:ese|'s)?|tokyo)\b")),
    ("us", re.compile(r"\b(?:us|u\.s\.|usa|america(?:n|'s)?|washington|united states)\b")),
    ("australia", re.compile(r"\b(?:australia(?:n|'s)?|aussie|canberra)\b")),
    ("south korea", re.compile(r"\b(?:(?:south )?korea(?:n|'s)?|seoul)\b")),
    ("philippines", re.compile(r"\b(?:philippines?|filipino|manila)\b")),
    ("india", re.compile(r"\b(?:india(?:n|'s)?|new delhi)\b")),
)


def _country(text: str) -> str | None:
    return next((country for country, words in _COUNTRIES if words.search(text)), None)


def side(text: str) -> str | None:
    """The government `text` names ("Japanese", "in Tokyo", "the US side"); "" when it names
    none; None when it names one the articles have no office for ("French")."""
    named = _country(text)
    if named is not None:
        return named
    return "" if not _FILLER.sub(" ", f" {text} ").strip() else None


# Words around a side that name none: "the counterpart on the other side", "his direct one".
_FILLER = re.compile(
    r"(?<=\s)(?:the|a|an|his|her|their|own|main|direct|top|closest|opposite|other|on|in|at"
    r"|from|of|side|government|end|number|equivalent)(?=\s)"
)


def office(role: Role) -> tuple[str, str] | None:
    """(office, country) of a role, or None when it is no office held in a government."""
    return _office(role.title.lower())


@lru_cache(maxsize=4096)  # titles repeat across people; a base has a few thousand at most
def _office(title: str) -> tuple[str, str] | None:
    if _NOT_THE_OFFICE.search(title):
        return None
    kind = next((k for k, words in _OFFICES.items() if words.search(title)), None)
    country = _country(title)
    return (kind, country) if kind and country else None


def counterparts(
    person: Person, asked_side: str, people: Iterable[Entry]
) -> list[tuple[Person, Role]]:
    """Who held `person`'s office in the government `asked_side` names (by default the other
    of the US and Japan) while `person` held theirs, in the order the articles date them."""
    found: list[tuple[Person, Role]] = []
    held = [(r, o) for r in person.roles if (o := office(r)) is not None]
    for role, (kind, country) in held:
        target = asked_side or (
            "japan" if country == "us" else "us" if country == "japan" else "japan"
        )
        if target == country:
            continue
        for other in people:
            if not isinstance(other, Person) or other.id == person.id:
                continue
            found += [
                (other, r) for r in other.roles if office(r) == (kind, target) and _overlap(role, r)
            ]
    return sorted(
        found, key=lambda pr: (pr[1].start.first_day() if pr[1].start else _FAR, pr[0].id)
    )


def _overlap(one: Role, other: Role) -> bool:
    """Whether two roles were held at the same time, as far as the articles date them (an
    undated role overlaps any)."""
    if one.start is None or other.start is None:
        return True
    one_end = one.end.last_day() if one.end else None
    other_end = other.end.last_day() if other.end else None
    starts_before = one_end is None or other.start.first_day() <= one_end
    ends_after = other_end is None or one.start.first_day() <= other_end
    return starts_before and ends_after


_FAR = dt.date(9999, 12, 31)  # an undated role sorts after the dated ones
