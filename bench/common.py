"""What the benchmarks share: sizes from the command line, the real question set and how a buried
question is judged, percentiles, the machine description and the printed table."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from alliance_bot.answering.engine import answer
from alliance_bot.answering.questions import parse_question
from alliance_bot.knowledge.snapshot import KnowledgeBase
from bench.generate import CACHE, REPO, SIZES

QUESTIONS = REPO / "tests" / "data" / "questions.yaml"
# The benchmarks' own snapshot cache (git-ignored with the generated bases): a benchmark that only
# needs a loaded base reads it from here instead of paying a cold load each run.
SNAPSHOTS = CACHE / "snapshots"
DEFAULT_TODAY = dt.date(2026, 11, 24)  # as tests/engine/test_question_set.py
QUICK_SIZES = (400,)

# Used when tests/data/questions.yaml is absent (a checkout without tests).
_BUILT_IN: list[dict[str, Any]] = [
    {"q": "who is Hamada", "expect": "hamada-yasukazu"},
    {"q": "who is hamda", "expect": "hamada-yasukazu"},
    {"q": "who is kishda", "expect": "kishida-fumio"},
    {"q": "who is yoko kamikawa", "expect": "kamikawa-yoko"},
    {"q": "who is blinkin", "expect": "blinken-antony"},
    {"q": "what is the MLR", "expect": "mlr"},
    {"q": "on Nov 29", "expect_any": ["ev-2023-11-29-osprey-crash-yakushima"]},
    {"q": "search Taylor Swift", "expect": None},
]


def size_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(s) for s in text.split(",")),
        default=SIZES,
        help="comma-separated entry counts (default: 1000,10000,100000)",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"one tiny size {QUICK_SIZES} (the smoke test)"
    )


def sizes_of(args: argparse.Namespace) -> tuple[int, ...]:
    return QUICK_SIZES if args.quick else tuple(args.sizes)


def real_questions() -> list[dict[str, Any]]:
    if QUESTIONS.exists():
        items: list[dict[str, Any]] = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
        return items
    return _BUILT_IN


def today_of(item: dict[str, Any]) -> dt.date:
    today = item.get("today") or DEFAULT_TODAY
    return dt.date.fromisoformat(today) if isinstance(today, str) else today


DATE_FORMS = frozenset({"on_date", "on_this_day"})


@dataclass(frozen=True)
class Judged:
    """One real question answered against a (possibly synthetic-padded) knowledge base."""

    question: str
    form: str
    ok: bool | None  # None: not applicable at this size (see `judge`)
    got: str


def judge(kb: KnowledgeBase, item: dict[str, Any], *, buried: bool) -> Judged:
    """As tests/engine/test_question_set.py judges, with one exception when `buried`: a date the
    real articles leave empty ("on Feb 14" -> nothing) is filled by synthetic events, so the
    honest answer there is a list, and the question does not apply."""
    result = answer(kb, item["q"], today_of(item))
    form = parse_question(item["q"]).form
    ids = [e.id for e in result.entries]
    got = f"{result.status} {ids[:3]}"
    if "expect_any" in item:
        ok = result.status == "answer" and bool(set(ids) & set(item["expect_any"]))
    elif item["expect"] is None:
        if buried and form in DATE_FORMS:
            return Judged(item["q"], form, None, got)
        ok = result.status != "answer"
    else:
        ok = result.status == "answer" and ids[:1] == [item["expect"]]
    return Judged(item["q"], form, ok, got)


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method: p99 of 300 samples is the 297th."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {dt.date.today().isoformat()}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, so the output pastes into docs/performance.md as is."""
    cells = [[str(h) for h in headers], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
             for r in cells]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
