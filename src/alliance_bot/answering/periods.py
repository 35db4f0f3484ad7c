"""Dates said the way people say them: relative to today, seasons, holidays, parts of a month or
year, ranges between two of them.

Every phrase is worked out from the `today` the question is asked on, so tests and the daily post
can pin it. A phrase is read as a whole or not at all: "late 2023" is a period, "late" alone is
nothing.

The grammar is a few tables and one shape: an optional *part* ("early", "the second half of",
"the last week of", "Q3") of a *base* — a month, a year, a season, a holiday, or a relative
month or year ("last year", "this month") — in either order ("autumn 2023", "2023's autumn",
"the autumn of 2023"). A base whose year is not said is the nearest one that has begun by
`today` ("late November" asked on 10 November 2023 is late November 2022). Around that:
"between X and Y", "from X to Y", "since X", "before X", "after X", and the relative days
("yesterday", "three weeks ago", "the past two weeks", "this time last year").
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "a couple": 2, "a few": 3, "couple of": 2, "few": 3, "several": 3,
}  # fmt: skip
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5,
}  # fmt: skip

# Seasons as (first month, last month); winter runs from December into the next year, and
# "winter 2023" is the one that starts in December 2023.
_SEASONS = {
    "spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 14),
}  # fmt: skip
# Holidays as (first day, last day), each (months after January of the year named, day): the
# year of "the holidays 2023" is its December; of "new year 2024" its 1 January.
_HOLIDAYS: dict[str, tuple[tuple[int, int], tuple[int, int], str]] = {
    "holidays": ((11, 20), (12, 3), "the holidays"),
    "holiday season": ((11, 20), (12, 3), "the holidays"),
    "festive season": ((11, 20), (12, 3), "the holidays"),
    "christmas": ((11, 20), (11, 31), "Christmas"),
    "xmas": ((11, 20), (11, 31), "Christmas"),
    "new year": ((-1, 27), (0, 7), "the new year"),
    "new years": ((-1, 27), (0, 7), "the new year"),
    "new year's": ((-1, 27), (0, 7), "the new year"),
    "turn of year": ((-1, 20), (0, 10), "the turn of the year"),
    "golden week": ((3, 29), (4, 6), "Golden Week"),
    "obon": ((7, 13), (7, 16), "Obon"),
    "thanksgiving": ((10, 22), (10, 30), "Thanksgiving week"),
}
# Parts of a month as (first day, last day); 0 is the month's last day, negative counts back.
_PART_OF_MONTH = {
    "early": (1, 10, "early"), "start of": (1, 10, "early"),
    "beginning of": (1, 10, "early"), "first days of": (1, 10, "early"),
    "first few days of": (1, 7, "the first days of"),
    "mid": (11, 20, "mid-"), "middle of": (11, 20, "mid-"), "midway through": (11, 20, "mid-"),
    "late": (21, 0, "late"), "end of": (21, 0, "late"), "tail end of": (21, 0, "late"),
    "last days of": (22, 0, "late"), "last few days of": (-6, 0, "the last days of"),
    "first half of": (1, 15, "the first half of"),
    "second half of": (16, 0, "the second half of"),
    "latter half of": (16, 0, "the second half of"),
    "last week of": (-6, 0, "the last week of"), "final week of": (-6, 0, "the last week of"),
}  # fmt: skip
# Parts of a year as (first month, last month).
_PART_OF_YEAR = {
    "early": (1, 4, "early"), "start of": (1, 3, "the start of"),
    "beginning of": (1, 3, "the beginning of"), "first months of": (1, 3, "the start of"),
    "mid": (5, 8, "mid-"), "middle of": (5, 8, "the middle of"),
    "midway through": (5, 8, "the middle of"),
    "late": (9, 12, "late"), "end of": (10, 12, "the end of"),
    "tail end of": (11, 12, "the end of"), "last months of": (10, 12, "the end of"),
    "first half of": (1, 6, "the first half of"), "h1": (1, 6, "the first half of"),
    "second half of": (7, 12, "the second half of"), "h2": (7, 12, "the second half of"),
    "latter half of": (7, 12, "the second half of"),
    "first quarter of": (1, 3, "Q1"), "q1": (1, 3, "Q1"),
    "second quarter of": (4, 6, "Q2"), "q2": (4, 6, "Q2"),
    "third quarter of": (7, 9, "Q3"), "q3": (7, 9, "Q3"),
    "fourth quarter of": (10, 12, "Q4"), "q4": (10, 12, "Q4"),
    "last quarter of": (10, 12, "Q4"), "final quarter of": (10, 12, "Q4"),
}  # fmt: skip
# Parts of a season, by its months (first, last); seasons have three.
_PART_OF_SEASON = {
    "early": (0, 0), "start of": (0, 0), "beginning of": (0, 0),
    "mid": (1, 1), "middle of": (1, 1), "midway through": (1, 1),
    "late": (2, 2), "end of": (2, 2), "tail end of": (2, 2),
}  # fmt: skip
# The same part said another way: "1st", "start of", "the end of", "towards the end of".
# Compiled once: `_single` runs them all, in order, on every phrase that may be a period.
_PART_SYNONYMS = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"^(?:right |just |sometime |some time |around |round |towards? |toward |near |by "
     r"|close to |closer to |nearer |approaching )?(?:in |at |during )?", ""),
    (r"\bvery (end|start|beginning) of\b", r"\1 of"),
    (r"\b(?:final|closing|last few) months of\b", "last months of"),
    (r"\b(?:final|closing|last few) weeks of\b", "end of"),
    (r"\b(?:opening|first few) weeks of\b", "start of"),
    (r"\blatter (?:part|stages|months) of\b", "second half of"),
    (r"\b(?:early|earlier|first) (?:part|stages|months) of\b", "first months of"),
    (r"\b1st\b", "first"), (r"\b2nd\b", "second"), (r"\b3rd\b", "third"), (r"\b4th\b", "fourth"),
    (r"\bmiddle part of\b", "middle of"), (r"\bfinal days of\b", "last days of"),
    (r"\bclosing (?:days|weeks) of\b", "end of"), (r"\bopening days of\b", "first days of"),
    (r"\bback half of\b", "second half of"), (r"\bfront half of\b", "first half of"),
))  # fmt: skip
_ANY_PART_SYNONYM = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _PART_SYNONYMS[1:]))
_WEEK_OF = re.compile(r"^(?P<n>first|second|third|fourth|fifth) week of$")
_Q_YEAR = re.compile(r"^(?P<q>q[1-4]|h[12]) ?(?P<year>(?:19|20)\d\d)$")
_MONTHS_OF = re.compile(r"^(?P<end>last|first) (?P<n>[a-z0-9 ]+?) months of$")
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
_BASE_MONTH = re.compile(
    rf"^(?P<month>{_MONTH_WORDS})\.?(?:,? (?:of )?(?P<year>{_YEAR}))?$"
    rf"|^(?P<year2>{_YEAR})(?:'s)? (?P<month2>{_MONTH_WORDS})\.?$"
)
_BASE_SEASON = re.compile(
    rf"^(?P<season>spring|summer|autumn|fall|winter)(?:time)?(?:,? (?:of )?(?P<year>{_YEAR}))?$"
    rf"|^(?P<year2>{_YEAR})(?:'s)? (?P<season2>spring|summer|autumn|fall|winter)$"
)
_HOLIDAY_WORDS = "|".join(sorted(map(re.escape, _HOLIDAYS), key=len, reverse=True))
_BASE_HOLIDAY = re.compile(
    rf"^(?:over |during |around |at )?(?P<h>{_HOLIDAY_WORDS})(?: holidays?| break| period)?"
    rf"(?:,? (?:of )?(?P<year>{_YEAR}))?$"
)
_BASE_YEAR = re.compile(rf"^(?:year )?(?P<year>{_YEAR})$")
_WHICH = {
    "last": -1, "past": -1, "previous": -1, "this": 0, "current": 0, "next": 1, "coming": 1,
}  # fmt: skip
_WHICH_WORDS = "|".join(sorted(map(re.escape, _WHICH), key=len, reverse=True))
_BASE_RELATIVE = re.compile(
    rf"^(?P<which>{_WHICH_WORDS}) (?P<unit>week|month|year)$"
    r"|^(?P<unit2>week|month|year) before last$"
    r"|^(?P<unit3>year)$"
)
_BASE_RELATIVE_SEASON = re.compile(
    rf"^(?P<which>{_WHICH_WORDS}) (?P<what>spring|summer|autumn|fall|winter|{_HOLIDAY_WORDS})$"
)
_COUNT = r"(?P<n>\d{1,3}|" + "|".join(sorted(map(re.escape, _NUMBERS), key=len, reverse=True)) + ")"
_UNIT = r"(?P<unit>day|week|fortnight|month|year)s?"
_AGO = re.compile(
    rf"^{_COUNT} {_UNIT} (?:ago|back|earlier|before)(?P<today> today| to day| this day)?"
    r"(?P<span> this (?:week|month))?$"
)
_FROM_NOW = re.compile(rf"^(?:in )?{_COUNT} {_UNIT} (?:from now|from today|later|ahead)$")
_LAST_N = re.compile(
    rf"^(?:over |in |within |during )?(?P<which>past|last|previous|next|coming)"
    rf" {_COUNT} {_UNIT}$"
)
_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEKDAY = re.compile(
    r"^(?:(?P<which>last|this past|past|next|this) )?(?P<weekday>monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday)$"
)
_WEEKEND = re.compile(r"^(?:(?P<which>last|this past|past|next|this) )?weekend$")
# A day said relative to today.
_DAYS = {
    "today": 0, "yesterday": -1, "tomorrow": 1,
    "day before yesterday": -2, "day after tomorrow": 2,
}  # fmt: skip
_YEAR_BACK = re.compile(
    r"^(?:around |about )?(?:this|same) (?:time|day|date) (?P<which>last|next) year$"
)
_EARLIER_LATER = re.compile(
    r"^(?P<side>earlier|later) (?P<which>this|last|next) (?P<unit>week|month|year)$"
)
# Ranges and open spans around one or two periods.
_BETWEEN = re.compile(
    r"^(?:(?:in |during )?(?:period |time |span )?between (?P<a>.+?) and (?P<b>.+)"
    r"|(?:from |in )?(?P<a2>.+?) (?:to|through|thru|till|until|up to|into) (?P<b2>.+))$"
)
_OPEN = re.compile(r"^(?P<how>since|before|after|prior to|ever since) (?P<p>.+)$")
# A day of a month, as an end of a range: "from 1 November to 15 November 2023".
_DAY_OF_MONTH = re.compile(
    rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?: of)? (?P<month>{_MONTH_WORDS})\.?"
    rf"(?:,? (?P<year>{_YEAR}))?$"
    rf"|^(?P<month2>{_MONTH_WORDS})\.? (?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<year2>{_YEAR}))?$"
    r"|^(?P<iso>\d{4}-\d{1,2}-\d{1,2})$"
)
# The open ends of "before 2023" and "after 2023": far enough to hold every dated entry.
_EARLIEST = dt.date(1900, 1, 1)
_LATEST = dt.date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    """A span of days a question asks about, with how to name it in a reply."""

    first: dt.date
    last: dt.date
    label: str

    @property
    def one_day(self) -> bool:
        return self.first == self.last


@dataclass(frozen=True)
class _Base:
    """A month, year, season or holiday: the period for a given year, and the year if said."""

    kind: str  # "month", "year", "season", "holiday", "fixed"
    span: Callable[[int], Period]
    year: int | None


def read_period(text: str, today: dt.date) -> Period | None:
    """The span a folded phrase names, or None when it names none. A month of a year or a
    year alone ("November 2023", "2023") is left to the date reader, which names them so."""
    # "the" tells nothing here, and callers may have dropped it already ("over holidays").
    text = " ".join(re.sub(r"\bthe\b", " ", text).split())
    text = text.removeprefix("on ").removeprefix("in ").removeprefix("during ").strip(" ,?")
    if _BASE_YEAR.match(text) or _BASE_MONTH.match(text):
        # A month with no year is no period either: "what did Austin say in October" means
        # the October of the story, not the last one before today.
        return None
    try:
        return _read(text, today)
    except (ValueError, OverflowError):
        return None  # before year 1 or after 9999: not a period the articles could cover


def _read(text: str, today: dt.date) -> Period | None:
    relative = _relative_day(text, today)
    if relative is not None:
        return relative
    opened = _OPEN.match(text)
    if opened:
        return _open_span(opened["how"], opened["p"], today)
    ranged = _BETWEEN.match(text)
    if ranged:
        first, second = (ranged["a"], ranged["b"]) if ranged["a"] else (ranged["a2"], ranged["b2"])
        span = _range(first, second, today)
        if span is not None:
            return span
    return _single(text, today)


def _single(text: str, today: dt.date) -> Period | None:
    """One period: a part of a base, or a base."""
    text = text.removeprefix("period of ").removeprefix("over ").removeprefix("around ")
    whole = _period_of(text, today)
    if whole is not None:
        return whole
    lead, lead_replacement = _PART_SYNONYMS[0]
    text = lead.sub(lead_replacement, text)
    # Most text has none of the part words: one search for all of them, not a sub for each
    # (17 subs, three times a question, were a tenth of reading a long sentence). The lead sub
    # only drops a prefix, so a later pattern matches after it only where it matched before.
    if _ANY_PART_SYNONYM.search(text):
        for pattern, replacement in _PART_SYNONYMS[1:]:
            text = pattern.sub(replacement, text)
    return _period_of(text, today)


def _period_of(text: str, today: dt.date) -> Period | None:
    q_year = _Q_YEAR.match(text)
    if q_year:  # "Q3 2023", "h2 2023"
        return _part_of(q_year["q"], _year_base(int(q_year["year"])), today)
    base = _base(text, today)
    if base is not None:
        return _resolved(base, base.span, today)
    # "late November", "the first half of 2023", "mid-Jan": a part word, then its base.
    if re.split(r"[ -]", text, maxsplit=1)[0] not in _PART_STARTS:
        return None  # most text is no period: one set lookup instead of every part
    for part in _PARTS:
        for joint in (" ", "-", " of "):
            if text.startswith(part + joint):
                base = _base(text[len(part + joint) :], today)
                if base is not None:
                    return _part_of(part, base, today)
    return None


# Every part word without its "the", longest first (so "first half of" is not read as "first").
_PARTS = sorted(
    set(_PART_OF_MONTH)
    | set(_PART_OF_YEAR)
    | {f"{w} week of" for w in _ORDINALS}
    | {f"{w} {n} months of" for w in ("first", "last") for n in (*_NUMBERS, *map(str, range(13)))},
    key=len,
    reverse=True,
)

_PART_STARTS = frozenset(re.split(r"[ -]", part, maxsplit=1)[0] for part in _PARTS)


def _part_of(part: str, base: _Base, today: dt.date) -> Period | None:
    """The part of a base, for the base's year or the nearest one begun by `today`."""
    if base.kind == "month":
        return _resolved(base, lambda year: _month_part(part, base.span(year)), today)
    if base.kind == "year":
        return _resolved(base, lambda year: _year_part(part, base.span(year)), today)
    if base.kind == "season" and part in _PART_OF_SEASON:
        return _resolved(base, lambda year: _season_part(part, base.span(year)), today)
    return None


def _month_part(part: str, month: Period | None) -> Period | None:
    if month is None:
        return None
    first, last = month.first, month.last
    name = month.label
    week = _WEEK_OF.match(part)
    if week:
        # "the second week of September": days 8-14, as a calendar page is read in weeks.
        n = _ORDINALS[week["n"]]
        if 7 * n > last.day:
            return None
        return Period(
            first.replace(day=7 * n - 6),
            first.replace(day=7 * n),
            f"the {week['n']} week of {name}",
        )
    found = _PART_OF_MONTH.get(part)
    if found is None:
        return None
    start, end, word = found
    start_day = first.replace(day=start) if start > 0 else last + dt.timedelta(days=start)
    end_day = last if end == 0 else first.replace(day=end)
    label = f"{word}{name}" if word.endswith("-") else f"{word} {name}"
    return Period(start_day, end_day, label)


def _year_part(part: str, year_span: Period | None) -> Period | None:
    if year_span is None:
        return None
    year = year_span.first.year
    months = _MONTHS_OF.match(part)
    if months:
        n = _count(months["n"]) if months["n"] in _NUMBERS or months["n"].isdigit() else 0
        if not 1 <= n <= 12:
            return None
        if months["end"] == "last":
            return Period(
                dt.date(year, 13 - n, 1), dt.date(year, 12, 31), f"the last {n} months of {year}"
            )
        return Period(
            dt.date(year, 1, 1), _month_span(year, n)[1], f"the first {n} months of {year}"
        )
    found = _PART_OF_YEAR.get(part)
    if found is None:
        return None
    first_month, last_month, word = found
    label = f"{word}{year}" if word.endswith("-") else f"{word} {year}"
    return Period(dt.date(year, first_month, 1), _month_span(year, last_month)[1], label)


def _season_part(part: str, season: Period) -> Period:
    first_offset, last_offset = _PART_OF_SEASON[part]
    first = season.first + relativedelta(months=first_offset)
    last = season.first + relativedelta(months=last_offset)
    word = _PART_OF_YEAR[part][2]
    label = f"{word}{season.label}" if word.endswith("-") else f"{word} {season.label}"
    return Period(first, _month_span(last.year, last.month)[1], label)


def _base(text: str, today: dt.date) -> _Base | None:
    """A month, year, season, holiday or relative month/year, as a whole phrase."""
    match = _BASE_MONTH.match(text)
    if match:
        month = _MONTHS[match["month"] or match["month2"]]
        said = match["year"] or match["year2"]
        return _Base("month", lambda year: _month(year, month), int(said) if said else None)
    match = _BASE_YEAR.match(text)
    if match:
        return _year_base(int(match["year"]))
    match = _BASE_SEASON.match(text)
    if match:
        season = match["season"] or match["season2"]
        said = match["year"] or match["year2"]
        return _Base("season", lambda year: _season(season, year), int(said) if said else None)
    match = _BASE_HOLIDAY.match(text)
    if match:
        holiday = match["h"]
        return _Base(
            "holiday",
            lambda year: _holiday(holiday, year),
            int(match["year"]) if match["year"] else None,
        )
    match = _BASE_RELATIVE.match(text)
    if match:
        unit = match["unit"] or match["unit2"] or match["unit3"]
        # "the week before last" is two back; "the start of the year" is this year's.
        step = _WHICH[match["which"]] if match["which"] else (-2 if match["unit2"] else 0)
        span = _relative_unit(unit, step, today)
        kind = {"month": "month", "year": "year"}.get(unit, "fixed")
        return _Base(kind, lambda _year: span, span.first.year)
    match = _BASE_RELATIVE_SEASON.match(text)
    if match:
        return _which_of(match["which"], match["what"], today)
    return None


def _year_base(year: int) -> _Base:
    return _Base("year", lambda y: Period(dt.date(y, 1, 1), dt.date(y, 12, 31), str(y)), year)


def _resolved(base: _Base, span: Callable[[int], Period | None], today: dt.date) -> Period | None:
    """The span for the year said, or else the latest one that has begun by `today`."""
    if base.year is not None:
        return span(base.year)
    for year in (today.year + 1, today.year, today.year - 1, today.year - 2):
        found = span(year)
        if found is not None and found.first <= today:
            return found
    return None


def _which_of(which: str, what: str, today: dt.date) -> _Base | None:
    """ "last summer", "this Christmas", "next spring": the one before, of, or after today."""
    kind = "season" if what in _SEASONS else "holiday"

    def make(year: int) -> Period:
        return _season(what, year) if kind == "season" else _holiday(what, year)

    step = _WHICH[which]
    years = range(today.year - 2, today.year + 3)
    if step < 0:
        fits = [y for y in years if make(y).last < today]
        year = max(fits) if fits else None
    elif step > 0:
        fits = [y for y in years if make(y).first > today]
        year = min(fits) if fits else None
    else:  # "this winter": the one under way, or else this year's
        under = [y for y in years if make(y).first <= today <= make(y).last]
        year = under[0] if under else today.year
    if year is None:
        return None
    return _Base(kind, make, year)


def _month(year: int, month: int) -> Period:
    first, last = _month_span(year, month)
    return Period(first, last, f"{calendar.month_name[month]} {year}")


def _season(season: str, year: int) -> Period:
    first_month, last_month = _SEASONS[season]
    first = dt.date(year, first_month, 1)
    last = first + relativedelta(months=last_month - first_month)
    return Period(first, _month_span(last.year, last.month)[1], f"{season} {year}")


def _holiday(holiday: str, year: int) -> Period:
    (first_month, first_day), (last_month, last_day), label = _HOLIDAYS[holiday]
    first = dt.date(year, 1, 1) + relativedelta(months=first_month, day=first_day)
    last = dt.date(year, 1, 1) + relativedelta(months=last_month, day=last_day)
    return Period(first, last, f"{label} {year}")


def _relative_unit(unit: str, step: int, today: dt.date) -> Period:
    if unit == "week":
        start = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=step)
        return Period(start, start + dt.timedelta(days=6), f"the week of {_day(start).label}")
    if unit == "month":
        when = today + relativedelta(months=step)
        return _month(when.year, when.month)
    year = today.year + step
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))


def _relative_day(text: str, today: dt.date) -> Period | None:
    """A day or span said relative to today: "yesterday", "two weeks ago", "the past month",
    "last Friday", "this time last year", "earlier this week"."""
    if text in _DAYS:
        return _day(today + dt.timedelta(days=_DAYS[text]))
    match = _AGO.match(text) or _FROM_NOW.match(text)
    if match:
        n = _count(match["n"]) * (-1 if match.re is _AGO else 1)
        # "two weeks ago", "6 months ago": the day that far back, as people mean it (the
        # week or month around it is "last week", "last month"); "a year ago this week" is
        # the week around it.
        then = today + _step(match["unit"], n)
        if match.re is _AGO and match["span"]:
            return _relative_unit(match["span"].split()[-1], 0, then)
        return _day(then)
    match = _LAST_N.match(text)
    if match:
        n = _count(match["n"])
        if match["which"] in ("next", "coming"):
            return Period(
                today,
                today + _step(match["unit"], n),
                f"the next {text.split()[-2]} {match['unit']}s",
            )
        return Period(today + _step(match["unit"], -n), today, f"the past {n} {match['unit']}s")
    match = _YEAR_BACK.match(text)
    if match:
        return _day(today + relativedelta(years=1 if match["which"] == "next" else -1))
    match = _EARLIER_LATER.match(text)
    if match:
        span = _relative_unit(match["unit"], _WHICH[match["which"]], today)
        if match["which"] == "this":
            if match["side"] == "earlier":
                return Period(span.first, today, f"earlier in {span.label}")
            return Period(today, span.last, f"later in {span.label}")
        return span
    match = _WEEKDAY.match(text)
    if match:
        # "last Friday": the most recent one before today; "next Friday" the first after it;
        # "on Friday" alone is the most recent one up to today.
        weekday = _WEEKDAYS.index(match["weekday"][:3])
        back = (today.weekday() - weekday) % 7
        if match["which"] == "next":
            return _day(today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7))
        if match["which"] in ("last", "this past", "past") and back == 0:
            back = 7
        return _day(today - dt.timedelta(days=back))
    match = _WEEKEND.match(text)
    if match:
        saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7)
        if match["which"] == "next" or (
            match["which"] == "this" and saturday < today - dt.timedelta(days=1)
        ):
            saturday += dt.timedelta(days=7)
        return Period(
            saturday, saturday + dt.timedelta(days=1), f"the weekend of {_day(saturday).label}"
        )
    return None


def _open_span(how: str, text: str, today: dt.date) -> Period | None:
    """ "since October 2023" (to today), "before 2023", "after the summer of 2023"."""
    end = _end_point(text, today)
    if end is None:
        return None
    if how in ("since", "ever since"):
        return Period(end.first, today, f"since {end.label}") if end.first <= today else None
    if how in ("before", "prior to"):
        return Period(_EARLIEST, end.first - dt.timedelta(days=1), f"before {end.label}")
    return Period(end.last + dt.timedelta(days=1), _LATEST, f"after {end.label}")


def _end_point(text: str, today: dt.date, year: int | None = None) -> Period | None:
    """A period or a day, as one end of a range; `year` for an end that names none."""
    day = _DAY_OF_MONTH.match(text)
    if day:
        if day["iso"]:
            return _day(
                dt.date.fromisoformat("-".join(f"{int(p):02d}" for p in day["iso"].split("-")))
            )
        month = _MONTHS[day["month"] or day["month2"]]
        number = int(day["d"] or day["d2"])
        said = day["year"] or day["year2"]
        when_year = int(said) if said else (year if year is not None else today.year)
        return _day(dt.date(when_year, month, number))
    if year is not None and not re.search(_YEAR, text):
        dated = _single(f"{text} {year}", today)
        if dated is not None:
            return dated
    return _single(text, today)


def _range(first: str, second: str, today: dt.date) -> Period | None:
    """ "between September and November 2023", "from late 2022 to early 2024": the first
    end's start to the second's end; an end that names no year takes the other's."""
    first_year = re.search(_YEAR, first)
    second_year = re.search(_YEAR, second)
    if second_year and not first_year:
        end = _end_point(second, today)
        start = _end_point(first, today, int(second_year[0]))
        if start is not None and end is not None and start.first > end.last:
            start = _end_point(first, today, int(second_year[0]) - 1)
    elif first_year and not second_year:
        start = _end_point(first, today)
        end = _end_point(second, today, int(first_year[0]))
        if start is not None and end is not None and start.first > end.last:
            end = _end_point(second, today, int(first_year[0]) + 1)
    else:
        start, end = _end_point(first, today), _end_point(second, today)
        if start is not None and end is not None and start.first > end.last and not first_year:
            start = _end_point(first, today, start.first.year - 1)
    if start is None or end is None or start.first > end.last:
        return None
    return Period(start.first, end.last, f"{start.label} to {end.label}")


def _step(unit: str, n: int) -> relativedelta:
    if unit == "day":
        return relativedelta(days=n)
    if unit == "week":
        return relativedelta(weeks=n)
    if unit == "fortnight":
        return relativedelta(weeks=2 * n)
    return relativedelta(months=n) if unit == "month" else relativedelta(years=n)


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _day(when: dt.date) -> Period:
    return Period(when, when, f"{when.day} {calendar.month_name[when.month]} {when.year}")
