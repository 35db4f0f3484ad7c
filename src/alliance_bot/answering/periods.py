"""Dates said the way people say them: relative to today, seasons, parts of a month or year.

Every phrase is worked out from the `today` the question is asked on, so tests and the daily post
can pin it. A phrase is read as a whole or not at all: "late 2023" is a period, "late" alone is
nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
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
    "a couple of": 2, "a couple": 2, "a few": 3, "couple of": 2,
}  # fmt: skip
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
_UNIT = r"(?P<unit>day|week|month|year)s?"
_COUNT = r"(?P<n>\d{1,3}|" + "|".join(sorted(map(re.escape, _NUMBERS), key=len, reverse=True)) + ")"
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

_AGO = re.compile(rf"^{_COUNT} {_UNIT} (?:ago|back|earlier)(?P<today> today| to the day)?$")
_FROM_NOW = re.compile(rf"^(?:in )?{_COUNT} {_UNIT} (?:from now|from today|later|ahead)$")
_RELATIVE = re.compile(
    r"^(?P<which>last|this|next|past|previous|coming|the past) (?P<unit>week|month|year)$"
)
_SEASON = re.compile(rf"^(?:the )?(?P<season>spring|summer|autumn|fall|winter) (?:of )?{_YEAR}$")
_PART_OF_MONTH = re.compile(
    rf"^(?:the )?(?P<part>early|mid|middle of|late|end of|start of|beginning of|the end of"
    rf"|the start of|the beginning of|the middle of|first half of|second half of|the first half"
    rf" of|the second half of|(?:the )?(?:last|first|second|third|fourth|1st|2nd|3rd|4th) week of)"
    rf"[ -]{_MONTH}(?:,? (?:of )?{_YEAR})?$"
)
_PART_OF_YEAR = re.compile(
    rf"^(?:the )?(?P<part>early|mid|middle of|late|end of|start of|beginning of|the end of"
    rf"|the start of|the beginning of|the middle of|first half of|second half of"
    rf"|the first half of|the second half of)[ -]{_YEAR}$"
)
_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEKDAY = re.compile(
    r"^(?:(?P<which>last|this past|past|next|this) )?(?P<weekday>monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday)$"
)
_MONTHS_OF_YEAR = re.compile(rf"^(?:the )?(?P<end>last|first) {_COUNT} months (?:of )?{_YEAR}$")
_WEEK_OF = re.compile(r"^(?P<n>last|first|second|third|fourth|1st|2nd|3rd|4th) week of$")
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
}
_QUARTER = re.compile(
    rf"^(?:(?:the )?(?P<nth>first|second|third|fourth|1st|2nd|3rd|4th) quarter (?:of )?|q(?P<q>[1-4]) ){_YEAR}$"
)


@dataclass(frozen=True)
class Period:
    """A span of days a question asks about, with how to name it in a reply."""

    first: dt.date
    last: dt.date
    label: str

    @property
    def one_day(self) -> bool:
        return self.first == self.last


def _step(unit: str, n: int) -> relativedelta:
    if unit == "day":
        return relativedelta(days=n)
    if unit == "week":
        return relativedelta(weeks=n)
    return relativedelta(months=n) if unit == "month" else relativedelta(years=n)


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _day(when: dt.date) -> Period:
    return Period(when, when, f"{when.day} {calendar.month_name[when.month]} {when.year}")


def read_period(text: str, today: dt.date) -> Period | None:
    """The span a folded phrase names, or None when it names none."""
    text = text.strip().removeprefix("on ").removeprefix("in ").removeprefix("during ").strip()
    try:
        return _read(text, today)
    except (ValueError, OverflowError):
        return None  # before year 1 or after 9999: not a period the articles could cover


def _weekday_or_months(text: str, today: dt.date) -> Period | None:
    """ "last Friday", "next Tuesday", "the last four months of 2023"."""
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
    match = _MONTHS_OF_YEAR.match(text)
    if match:
        year, n = int(match["year"]), _count(match["n"])
        if not 1 <= n <= 12:
            return None
        if match["end"] == "last":
            first = dt.date(year, 13 - n, 1)
            return Period(first, dt.date(year, 12, 31), f"the last {n} months of {year}")
        return Period(
            dt.date(year, 1, 1), _month_span(year, n)[1], f"the first {n} months of {year}"
        )
    return None


def _read(text: str, today: dt.date) -> Period | None:
    simple = {
        "today": 0, "yesterday": -1, "tomorrow": 1,
        "the day before yesterday": -2, "the day after tomorrow": 2,
        "day before yesterday": -2, "day after tomorrow": 2,
    }  # fmt: skip
    if text in simple:
        return _day(today + dt.timedelta(days=simple[text]))
    match = _AGO.match(text) or _FROM_NOW.match(text)
    if match:
        n = _count(match["n"]) * (-1 if match.re is _AGO else 1)
        unit = match["unit"]
        # "two weeks ago", "6 months ago": the day that far back, as people mean it (the
        # week or month around it is "last week", "last month").
        return _day(today + _step(unit, n))
    match = _RELATIVE.match(text)
    if match:
        step = {"last": -1, "past": -1, "previous": -1, "the past": -1, "this": 0}.get(
            match["which"], 1
        )
        unit = match["unit"]
        if unit == "week":
            start = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=step)
            return Period(start, start + dt.timedelta(days=6), f"the week of {_day(start).label}")
        if unit == "month":
            when = today + relativedelta(months=step)
            first, last = _month_span(when.year, when.month)
            return Period(first, last, f"{calendar.month_name[when.month]} {when.year}")
        year = today.year + step
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))
    named = _weekday_or_months(text, today)
    if named is not None:
        return named
    match = _SEASON.match(text)
    if match:
        year, season = int(match["year"]), match["season"]
        if season == "winter":  # the winter of 2023 runs from December 2023 into 2024
            return Period(dt.date(year, 12, 1), _month_span(year + 1, 2)[1], f"winter {year}")
        first_month, last_month = _SEASONS[season]
        return Period(
            dt.date(year, first_month, 1), _month_span(year, last_month)[1], f"{season} {year}"
        )
    match = _PART_OF_MONTH.match(text)
    if match:
        year = int(match["year"]) if match["year"] else today.year
        month = _MONTHS[match["month"]]
        first, last = _month_span(year, month)
        part = match["part"].removeprefix("the ")
        name = f"{calendar.month_name[month]} {year}"
        if part == "early" or part in ("start of", "beginning of"):
            return Period(first, first.replace(day=10), f"early {name}")
        if part == "first half of":
            return Period(first, first.replace(day=15), f"the first half of {name}")
        if part == "second half of":
            return Period(first.replace(day=16), last, f"the second half of {name}")
        week = _WEEK_OF.match(part)
        if week and week["n"] != "last":
            # "the second week of September": days 8-14, as a calendar page is read in weeks.
            n = _ORDINALS[week["n"]]
            return Period(
                first.replace(day=7 * n - 6), first.replace(day=7 * n), f"the {part} {name}"
            )
        if part == "last week of":
            return Period(last - dt.timedelta(days=6), last, f"the last week of {name}")
        if part in ("mid", "middle of"):
            return Period(first.replace(day=11), first.replace(day=20), f"mid-{name}")
        return Period(first.replace(day=21), last, f"late {name}")
    match = _PART_OF_YEAR.match(text)
    if match:
        year = int(match["year"])
        part = match["part"].removeprefix("the ")
        spans = {
            "early": (1, 4, "early"), "start of": (1, 3, "the start of"),
            "beginning of": (1, 3, "the beginning of"), "mid": (5, 8, "mid"),
            "middle of": (5, 8, "the middle of"), "late": (9, 12, "late"),
            "end of": (10, 12, "the end of"), "first half of": (1, 6, "the first half of"),
            "second half of": (7, 12, "the second half of"),
        }  # fmt: skip
        first_month, last_month, word = spans[part]
        return Period(
            dt.date(year, first_month, 1), _month_span(year, last_month)[1], f"{word} {year}"
        )
    match = _QUARTER.match(text)
    if match:
        year = int(match["year"])
        nth = match["q"] or match["nth"]
        quarter = (
            int(nth[0])
            if nth[0].isdigit()
            else ["first", "second", "third", "fourth"].index(nth) + 1
        )
        first_month = 3 * quarter - 2
        return Period(
            dt.date(year, first_month, 1),
            _month_span(year, first_month + 2)[1],
            f"Q{quarter} {year}",
        )
    return None
