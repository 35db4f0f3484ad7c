"""Answering: p50/p99 latency per question at each size, against brute-force rapidfuzz, and the
real question set's pass rate when the real base is buried in synthetic entries.

The mixed question set is the real evaluation set (tests/data/questions.yaml: every form, typos,
unanswerable ones) plus questions of every form about synthetic entries, so both the real and
the padded parts of the index are exercised. The brute-force baseline is what one would write
without an index: `process.extractOne` over every entry's own words, with choices pre-processed
once (which only flatters it).

    python -m bench.answering [--sizes 1000,10000,100000] [--quick] [--failures]
    python -m bench.answering --sizes 100000 --answers before.txt   # then after.txt; cmp them

Times are CPU ms of the asking thread (`time.thread_time`), as in `bench.peers`.
"""

from __future__ import annotations

import argparse
import calendar
import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Event, Fact, Person, Quote, Term
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase
from bench.common import (
    DATE_FORMS,
    SNAPSHOTS,
    judge,
    median,
    percentile,
    real_questions,
    size_arguments,
    sizes_of,
    table,
    today_of,
)
from bench.generate import cached

REPEATS = 3  # each question is timed this many times; every sample counts towards p50/p99
BRUTE_SAMPLE = 40  # brute force is slow at 100,000 entries: time this many questions


@dataclass(frozen=True)
class AnsweringRow:
    label: str
    size: int
    questions: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    brute_p50_ms: float
    speedup: float  # brute-force p50 / engine p50, over the same questions
    passed: int
    applicable: int
    failures: tuple[str, ...]

    @property
    def pass_rate(self) -> float:
        return self.passed / self.applicable if self.applicable else float("nan")


def _synthetic(entry: Any) -> bool:
    return any(c.file.startswith("seeds/synth_") for c in entry.sources)


def _typo(word: str, rng: random.Random) -> str:
    """Drop one inner letter, the commonest typo in the real set ("hamda", "kishda")."""
    at = rng.randint(1, len(word) - 2)
    return word[:at] + word[at + 1 :]


def synthetic_questions(kb: KnowledgeBase, count: int, seed: int = 1) -> list[str]:
    """Questions of every form about the synthetic entries (empty for the real base)."""
    rng = random.Random(seed)
    people = [p for p in kb.of_kind("person") if isinstance(p, Person) and _synthetic(p)]
    events = [e for e in kb.of_kind("event") if isinstance(e, Event) and _synthetic(e)]
    terms = [t for t in kb.of_kind("term") if isinstance(t, Term) and _synthetic(t)]
    facts = [f for f in kb.of_kind("fact") if isinstance(f, Fact) and _synthetic(f)]
    quotes = [q for q in kb.of_kind("quote") if isinstance(q, Quote) and _synthetic(q)]
    if not (people and events and terms and facts and quotes):
        return []

    def person() -> Person:
        return rng.choice(people)

    def family() -> str:
        return person().name.split()[0]

    def on_date() -> str:
        event = rng.choice([e for e in events[:500] if e.date.precision == "day"] or events)
        return f"on {calendar.month_name[event.date.month or 1]} {event.date.day or 1}"

    makers: list[Callable[[], str]] = [
        lambda: f"who is {family()}",
        lambda: f"who is {_typo(family(), rng)}",
        lambda: f"who is {' '.join(reversed(person().name.split()))}",
        lambda: f"who is the {rng.choice(person().roles).title}",
        lambda: f"when did the {rng.choice(events).aliases[0]} happen",
        lambda: f"what is {rng.choice(terms).term}",
        lambda: f"what is the {rng.choice(terms).expansion}",
        lambda: f"quote {family()}",
        lambda: f"what did {family()} say about {rng.choice(quotes).about.split()[0]}",
        lambda: f"how much did {rng.choice(facts).aliases[0]} get",
        on_date,
        lambda: f"search {rng.choice(events).aliases[0].split()[0]}",
        lambda: rng.choice(events).summary,
        lambda: f"who is {rng.choice(('Taylor Swift', 'Napoleon', 'the pope'))}",
    ]
    return [makers[i % len(makers)]() for i in range(count)]


def _time_engine(kb: KnowledgeBase, asked: list[tuple[str, Any]]) -> list[float]:
    """CPU ms of the asking thread per answer (as `bench.peers` times every engine): on a
    shared machine wall time is mostly the neighbours'."""
    samples: list[float] = []
    for _ in range(REPEATS):
        for text, today in asked:
            start = time.thread_time()
            answer(kb, text, today)
            samples.append((time.thread_time() - start) * 1000)
    return samples


def write_answers(kb: KnowledgeBase, path: Path) -> int:
    """The `repr` of every mixed-set answer, one a line: run before and after a change to the
    engine or the index, the two files must be identical (`cmp`) unless answers were meant to
    change."""
    asked = mixed_questions(kb)
    with path.open("w", encoding="utf-8") as out:
        for text, today in asked:
            out.write(repr(answer(kb, text, today)) + "\n")
    return len(asked)


def _brute_force(kb: KnowledgeBase, texts: list[str]) -> tuple[list[float], list[float]]:
    """(brute-force ms, engine ms) per question, for the same questions."""
    choices = {e.id: utils.default_process(e.search_text()) for e in kb.entries.values()}
    brute: list[float] = []
    for text in texts:
        start = time.thread_time()
        process.extractOne(
            utils.default_process(text),
            choices,
            scorer=fuzz.WRatio,
            processor=None,
            score_cutoff=0,
        )
        brute.append((time.thread_time() - start) * 1000)
    return brute, []


def mixed_questions(kb: KnowledgeBase) -> list[tuple[str, Any]]:
    asked = [(i["q"], today_of(i)) for i in real_questions()]
    return asked + [(q, today_of({})) for q in synthetic_questions(kb, 150)]


def _outcomes(kb: KnowledgeBase, asked: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    outcomes: list[tuple[str, list[str]]] = []
    for text, today in asked:
        result = answer(kb, text, today)
        outcomes.append((result.status, [e.id for e in result.entries]))
    return outcomes


def measure(kb: KnowledgeBase, label: str) -> AnsweringRow:
    """Time the mixed set on `kb`, against brute force, and judge the real questions buried in it."""
    items = real_questions()
    asked = mixed_questions(kb)
    # Warm up once: the first call pays for imports, regex compilation and stem caches.
    for text, today in asked:
        answer(kb, text, today)
    gc.collect()
    samples = _time_engine(kb, asked)

    sample = asked[:: max(1, len(asked) // BRUTE_SAMPLE)][:BRUTE_SAMPLE]
    brute, _ = _brute_force(kb, [t for t, _ in sample])
    engine_same = [median(_time_engine(kb, [q])) for q in sample]

    judged = [judge(kb, item, buried=True) for item in items]
    applicable = [j for j in judged if j.ok is not None]
    failures = tuple(
        f"{j.question!r} ({j.form}{', date list' if j.form in DATE_FORMS else ''}): {j.got}"
        for j in applicable
        if not j.ok
    )
    return AnsweringRow(
        label=label,
        size=len(kb),
        questions=len(asked),
        p50_ms=percentile(samples, 50),
        p99_ms=percentile(samples, 99),
        max_ms=max(samples),
        brute_p50_ms=median(brute),
        speedup=median(brute) / median(engine_same),
        passed=sum(1 for j in applicable if j.ok),
        applicable=len(applicable),
        failures=failures,
    )


HEADERS = (
    "entries", "engine", "questions", "p50 CPU ms", "p99 CPU ms", "max CPU ms", "brute p50 CPU ms",
    "× faster",
    "real set passed",
)  # fmt: skip


def row_cells(row: AnsweringRow) -> tuple[object, ...]:
    return (
        row.size,
        row.label,
        row.questions,
        row.p50_ms,
        row.p99_ms,
        row.max_ms,
        row.brute_p50_ms,
        round(row.speedup),
        f"{row.passed}/{row.applicable} ({row.pass_rate:.1%})",
    )


def run(sizes: tuple[int, ...], *, real: bool = True) -> list[AnsweringRow]:
    """Rows for the real base alone (the reference pass rate), then each size."""
    directories = [default_knowledge_dir()] if real else []
    rows = []
    for directory in [*directories, *(cached(size) for size in sizes)]:
        kb = load_knowledge(directory, cache=SnapshotCache(SNAPSHOTS))
        rows.append(measure(kb, "as is"))
        del kb
        gc.collect()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size_arguments(parser)
    parser.add_argument("--failures", action="store_true", help="list failed real questions")
    parser.add_argument(
        "--answers",
        type=Path,
        metavar="FILE",
        help="only write the repr of every mixed-set answer at the largest size to FILE",
    )
    args = parser.parse_args(argv)
    if args.answers:
        kb = load_knowledge(cached(max(sizes_of(args))), cache=SnapshotCache(SNAPSHOTS))
        print(f"{write_answers(kb, args.answers)} answers written to {args.answers}")
        return 0
    rows = run(sizes_of(args), real=not args.quick)
    print(table(HEADERS, [row_cells(r) for r in rows]))
    if args.failures:
        for row in rows:
            print(f"\n{row.size:,} entries, {row.label} — {len(row.failures)} failed:")
            for failure in row.failures:
                print(f"  {failure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
