"""Reading one line of text as a question: which form it takes and what it is about.

The forms are the ones `/alliance help` lists; anything else is free text. Dates are read with
dateutil, which knows "Nov 29", "29 Nov", "November 29, 2023" and "2023-11-29".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from dateutil import parser as date_parser

from alliance_bot.knowledge.text import fold

Form = Literal[
    "help", "on_this_day", "on_date", "who", "when", "quote", "what", "search", "figure", "free"
]
MAX_QUESTION = 2000  # longer input is cut: nothing the knowledge base names is that long


@dataclass(frozen=True)
class Question:
    """A parsed question."""

    form: Form
    subject: str = ""
    topic: str = ""
    month: int | None = None
    day: int | None = None
    year: int | None = None
    date_error: str | None = None


_TRAILING = re.compile(r"[\s?!.]+$")
_PATTERNS: list[tuple[Form, re.Pattern[str]]] = [
    ("help", re.compile(r"^(?:help|\?|usage|commands)$")),
    (
        "on_this_day",
        re.compile(
            r"^(?:(?:what happened )?on this day|today|this day|"
            r"what happened today|on this day in history)$"
        ),
    ),
    (
        "on_date",
        re.compile(r"^(?:what happened|what was happening|events?)\s+(?:on|in)\s+(?P<s>.+)$"),
    ),
    ("on_date", re.compile(r"^on\s+(?P<s>.+)$")),
    (
        "quote",
        re.compile(
            r"^what (?:did|does|has) (?P<s>.+?) (?:say|said|says)(?: (?:about|on) (?P<t>.+))?$"
        ),
    ),
    (
        "quote",
        re.compile(
            r"^(?:quotes?|quotations?)\s+(?:from\s+|by\s+|of\s+)?(?P<s>.+?)(?:\s+(?:about|on)\s+(?P<t>.+))?$"
        ),
    ),
    (
        "who",
        re.compile(
            r"^(?:who(?:'s| is| was| are| were)|tell me about|who holds|who's)\s+(?P<s>.+)$"
        ),
    ),
    # "who commands X" asks for the holder of a role: "commander of X".
    ("who", re.compile(r"^who (?P<s>commands|chairs) (?P<t>.+)$")),
    (
        "when",
        re.compile(
            r"^when (?:did|was|were|is|does|do|will) (?P<s>.+?)(?: (?:happen|take place|occur|start|begin|end))?$"
        ),
    ),
    (
        "figure",
        re.compile(
            r"^(?P<s>(?:how (?:many|much|large|big|far|long|high)|what (?:percentage|share|number|proportion|percent)) .+)$"
        ),
    ),
    (
        "what",
        re.compile(
            r"^(?:what(?:'s| is| are| was| were| does)|define|meaning of|explain)\s+(?P<s>.+?)(?: (?:mean|stand for))?$"
        ),
    ),
    ("search", re.compile(r"^(?:search|find|look ?up)\s+(?:for\s+)?(?P<s>.+)$")),
]


def parse_question(text: str) -> Question:
    """Classify a line of text; unknown shapes become free text."""
    clean = _TRAILING.sub("", fold(text[:MAX_QUESTION])).strip()
    if not clean:
        return Question("help")
    for form, pattern in _PATTERNS:
        match = pattern.match(clean)
        if not match:
            continue
        groups = match.groupdict()
        subject = (groups.get("s") or "").strip()
        topic = (groups.get("t") or "").strip()
        if form == "who" and topic:
            subject, topic = (
                f"{subject.removesuffix('s').replace('command', 'commander')} of {topic}",
                "",
            )
        if form == "on_date":
            parsed = _read_date(subject)
            if parsed is None:
                continue
            return parsed
        return Question(form, subject=subject, topic=topic)
    if _BARE_DATE.match(clean):
        parsed = _read_date(clean)
        if parsed is not None:
            return parsed
    return Question("free", subject=clean)


_HAS_DIGIT_OR_MONTH = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A date typed on its own ("September 18", "18 Sept 2023", "2023-09-18") asks what happened then.
_BARE_DATE = re.compile(
    rf"^(?:{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?:,? \d{{4}})?"
    r"|\d{4}-\d{1,2}-\d{1,2})$"
)
_ISO_LIKE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _read_date(text: str) -> Question | None:
    """A date in any common form; `None` when the text is not a date at all."""
    text = text.strip().removeprefix("the ").strip()
    if not _HAS_DIGIT_OR_MONTH.search(text):
        return None
    iso = _ISO_LIKE.match(text)
    if iso:
        try:
            exact = dt.date(*(int(g) for g in iso.groups()))
        except ValueError:
            return Question("on_date", subject=text, date_error=f"{text} is not a real date")
        return Question("on_date", subject=text, year=exact.year, month=exact.month, day=exact.day)
    # Parse twice with different default years: where they differ, the text gave no year.
    try:
        first = date_parser.parse(text, default=dt.datetime(2000, 1, 1), fuzzy=False)
        second = date_parser.parse(text, default=dt.datetime(2004, 2, 2), fuzzy=False)
    except (ValueError, OverflowError) as error:
        message = str(error)
        if "out of range" in message or "must be in" in message:
            return Question("on_date", subject=text, date_error=f"{text} is not a real date")
        return None
    year: int | None = first.year if first.year == second.year else None
    month: int | None = first.month if first.month == second.month else None
    day: int | None = first.day if first.day == second.day else None
    if month is None and day is None and year is None:
        return None
    if month is None:
        # "in 2023": a whole year; handled as a year question.
        return Question("on_date", subject=text, year=year)
    return Question("on_date", subject=text, year=year, month=month, day=day)
