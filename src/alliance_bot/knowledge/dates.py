"""Dates known to a day, a month or only a year, as the articles give them."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Precision = Literal["day", "month", "year"]
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class InvalidDate(ValueError):
    """A date that is malformed or does not exist; the message names it."""


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date with a precision: `2023-11-29`, `2023-11` or `2023`."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, value: object) -> PartialDate:
        """Read `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a string, an int year or a `date`)."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:04d}"
        if not isinstance(value, str):
            raise InvalidDate(f"expected a date like 2023-11-29, 2023-11 or 2023, got {value!r}")
        match = _ISO.match(value.strip())
        if not match:
            raise InvalidDate(f"{value!r} is not a date like 2023-11-29, 2023-11 or 2023")
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        if month is not None and not 1 <= month <= 12:
            raise InvalidDate(f"{value!r} is not a real date: there is no month {month}")
        if month is not None and day is not None:
            last = calendar.monthrange(year, month)[1]
            if not 1 <= day <= last:
                raise InvalidDate(
                    f"{value!r} is not a real date: {calendar.month_name[month]} {year} "
                    f"has {last} days"
                )
        return cls(year, month, day)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def human(self) -> str:
        """`29 November 2023`, `November 2023` or `2023`."""
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{calendar.month_name[self.month]} {self.year}"
        return f"{self.day} {calendar.month_name[self.month]} {self.year}"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        month = self.month or 12
        return dt.date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        return self.iso()


def human_range(start: PartialDate, end: PartialDate | None) -> str:
    """`5–7 December 2023`, or the single date when there is no end."""
    if end is None or end == start:
        return start.human()
    if start.precision == end.precision == "day" and (start.year, start.month) == (
        end.year,
        end.month,
    ):
        return f"{start.day}–{end.human()}"
    return f"{start.human()} – {end.human()}"
