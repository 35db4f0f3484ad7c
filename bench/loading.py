"""Loading: time to load and validate, and peak memory, at each size; and a refresh at the largest
size while questions keep coming, reporting how much longer than usual any question waited.

Each load runs in its own subprocess so its peak RSS (VmHWM) is that load's alone, not the
high-water mark of whatever ran before it in this process.

The refresh runs in one process as the Slack app does: `KnowledgeHolder.reload` in a thread while
the main thread answers questions one after another. A question's extra wait is its latency
during the reload minus that same question's median latency before it.

    python -m bench.loading [--sizes 1000,10000,100000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.holder import KnowledgeHolder
from bench.answering import mixed_questions
from bench.common import REPO, median, percentile, size_arguments, sizes_of, table
from bench.generate import cached

BASELINE_SECONDS = 3.0  # questions answered before the reload, to know each one's usual latency


@dataclass(frozen=True)
class LoadRow:
    size: int
    seconds: float
    peak_mb: float
    import_mb: float  # RSS after importing the package, before loading: the fixed cost


@dataclass(frozen=True)
class RefreshRow:
    size: int
    reload_seconds: float
    asked_during: int
    usual_p99_ms: float
    during_p99_ms: float
    max_extra_ms: float


def _memory_mb(field: str) -> float:
    """A /proc/self/status figure in MB. VmHWM, not getrusage's maxrss: on Linux maxrss keeps the
    high-water mark of the process this one was forked from, so a child of a big parent would
    report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: best effort


def _child(directory: Path) -> None:
    """Runs in the subprocess: load once and print the measurements as JSON."""
    from alliance_bot.knowledge.loader import load_knowledge

    before = _memory_mb("VmRSS")
    start = time.perf_counter()
    kb = load_knowledge(directory)
    seconds = time.perf_counter() - start
    print(json.dumps({"size": len(kb), "seconds": seconds, "peak": _memory_mb("VmHWM"),
                      "before": before}))  # fmt: skip


def measure_load(directory: Path) -> LoadRow:
    out = subprocess.run(
        [sys.executable, "-m", "bench.loading", "--child", str(directory)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    data = json.loads(out.stdout)
    return LoadRow(data["size"], data["seconds"], data["peak"], data["before"])


def measure_refresh(directory: Path, *, baseline_seconds: float = BASELINE_SECONDS) -> RefreshRow:
    """Reload in a thread while this thread keeps answering (the loader pauses the cyclic GC
    during a load and freezes the result: see docs/performance.md)."""
    holder = KnowledgeHolder.load(directory)
    asked = mixed_questions(holder.current)
    for text, today in asked:  # warm-up
        answer(holder.current, text, today)

    usual: dict[int, list[float]] = {}
    deadline = time.perf_counter() + baseline_seconds
    i = 0
    while time.perf_counter() < deadline or i < len(asked):
        text, today = asked[i % len(asked)]
        start = time.perf_counter()
        answer(holder.current, text, today)
        usual.setdefault(i % len(asked), []).append((time.perf_counter() - start) * 1000)
        i += 1

    done = threading.Event()
    timing: dict[str, float] = {}

    def reload() -> None:
        start = time.perf_counter()
        holder.reload()
        timing["seconds"] = time.perf_counter() - start
        done.set()

    during: list[tuple[int, float]] = []
    thread = threading.Thread(target=reload, name="reload")
    thread.start()
    while not done.is_set():
        k = i % len(asked)
        text, today = asked[k]
        start = time.perf_counter()
        answer(holder.current, text, today)
        during.append((k, (time.perf_counter() - start) * 1000))
        i += 1
    thread.join()
    extra = [ms - median(usual[k]) for k, ms in during]
    return RefreshRow(
        size=len(holder.current),
        reload_seconds=timing["seconds"],
        asked_during=len(during),
        usual_p99_ms=percentile([ms for v in usual.values() for ms in v], 99),
        during_p99_ms=percentile([ms for _, ms in during], 99),
        max_extra_ms=max(extra, default=0.0),
    )


LOAD_HEADERS = (
    "entries",
    "load + validate s",
    "µs per entry",
    "peak RSS MB",
    "of which imports MB",
)
REFRESH_HEADERS = (
    "entries", "reload s", "questions during", "usual p99 ms", "p99 during ms",
    "max extra wait ms",
)  # fmt: skip


def load_cells(row: LoadRow) -> tuple[object, ...]:
    return (row.size, row.seconds, row.seconds / row.size * 1e6, row.peak_mb, row.import_mb)


def refresh_cells(row: RefreshRow) -> tuple[object, ...]:
    return (
        row.size,
        row.reload_seconds,
        row.asked_during,
        row.usual_p99_ms,
        row.during_p99_ms,
        row.max_extra_ms,
    )


def run(
    sizes: tuple[int, ...], *, baseline_seconds: float = BASELINE_SECONDS
) -> tuple[list[LoadRow], list[RefreshRow]]:
    """Load each size in a subprocess, then refresh the largest while answering."""
    directories = [cached(size) for size in sizes]
    loads = [measure_load(d) for d in directories]
    refreshes = [measure_refresh(directories[-1], baseline_seconds=baseline_seconds)]
    return loads, refreshes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size_arguments(parser)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    loads, refreshes = run(
        sizes_of(args),
        baseline_seconds=0.3 if args.quick else BASELINE_SECONDS,
    )
    print(table(LOAD_HEADERS, [load_cells(r) for r in loads]))
    print()
    print(table(REFRESH_HEADERS, [refresh_cells(r) for r in refreshes]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
