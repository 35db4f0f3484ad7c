"""The targets of issue 14, each with the figure a run measured and "met" or "missed by ×N".

Every target is "at most" or "at least" a number; the factor is how far the figure is from it
(figure / limit for an upper bound, limit / figure for a lower one). A target whose benchmark did
not run (a size not asked for, tantivy not installed) says so instead of guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    figure: float | None  # None: not measured in this run
    limit: float
    unit: str
    at_most: bool = True
    note: str = ""

    def verdict(self) -> str:
        if self.figure is None or math.isnan(self.figure):
            return "not measured" + (f" ({self.note})" if self.note else "")
        ok = self.figure <= self.limit if self.at_most else self.figure >= self.limit
        if ok:
            return "met"
        if self.figure == 0 or self.limit == 0:
            return "missed"
        factor = self.figure / self.limit if self.at_most else self.limit / self.figure
        return f"missed by ×{factor:.2g}" if factor < 10 else f"missed by ×{factor:.0f}"

    def cells(self) -> tuple[str, str, str, str]:
        bound = "≤" if self.at_most else "≥"
        figure = "—" if self.figure is None or math.isnan(self.figure) else _number(self.figure)
        return (self.name, f"{bound} {_number(self.limit)} {self.unit}".strip(),
                f"{figure} {self.unit}".strip() if figure != "—" else figure,
                self.verdict())  # fmt: skip


def _number(value: float) -> str:
    if value == int(value) and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:.3g}"


HEADERS = ("target", "limit", "measured", "verdict")
