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
import gc
import json
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from alliance_bot.answering import answer
from alliance_bot.holder import KnowledgeHolder
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
    gc_freeze: bool


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
    from alliance_bot.loader import load_knowledge

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


def measure_refresh(
    directory: Path, *, freeze: bool = False, baseline_seconds: float = BASELINE_SECONDS
) -> RefreshRow:
    """Reload in a thread while this thread keeps answering; `freeze` prototypes the fix for
    the pauses found: automatic GC off during a load, the result frozen after it."""
    holder = KnowledgeHolder.load(directory)
    if freeze:
        gc.freeze()
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
        if freeze:
            # The prototype: no automatic collection while a load allocates millions of
            # objects (each full collection holds the GIL for up to seconds), then freeze the
            # new snapshot so later collections never scan it.
            gc.disable()
            try:
                holder.reload()
            finally:
                gc.freeze()
                gc.enable()
        else:
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
    if freeze:
        gc.unfreeze()
    extra = [ms - median(usual[k]) for k, ms in during]
    return RefreshRow(
        size=len(holder.current),
        reload_seconds=timing["seconds"],
        asked_during=len(during),
        usual_p99_ms=percentile([ms for v in usual.values() for ms in v], 99),
        during_p99_ms=percentile([ms for _, ms in during], 99),
        max_extra_ms=max(extra, default=0.0),
        gc_freeze=freeze,
    )


LOAD_HEADERS = (
    "entries",
    "load + validate s",
    "µs per entry",
    "peak RSS MB",
    "of which imports MB",
)
REFRESH_HEADERS = (
    "entries", "gc", "reload s", "questions during", "usual p99 ms", "p99 during ms",
    "max extra wait ms",
)  # fmt: skip


def load_cells(row: LoadRow) -> tuple[object, ...]:
    return (row.size, row.seconds, row.seconds / row.size * 1e6, row.peak_mb, row.import_mb)


def refresh_cells(row: RefreshRow) -> tuple[object, ...]:
    return (
        row.size,
        "disabled during load, frozen after" if row.gc_freeze else "as is",
        row.reload_seconds,
        row.asked_during,
        row.usual_p99_ms,
        row.during_p99_ms,
        row.max_extra_ms,
    )


def run(
    sizes: tuple[int, ...], *, prototype: bool = False, baseline_seconds: float = BASELINE_SECONDS
) -> tuple[list[LoadRow], list[RefreshRow]]:
    """Load each size in a subprocess, then refresh the largest (again with the prototype)."""
    directories = [cached(size) for size in sizes]
    loads = [measure_load(d) for d in directories]
    refreshes = [measure_refresh(directories[-1], baseline_seconds=baseline_seconds)]
    if prototype:
        gc.collect()
        refreshes.append(
            measure_refresh(directories[-1], freeze=True, baseline_seconds=baseline_seconds)
        )
    return loads, refreshes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size_arguments(parser)
    parser.add_argument(
        "--prototype", action="store_true", help="also refresh with the GC prototype"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    loads, refreshes = run(
        sizes_of(args),
        prototype=args.prototype,
        baseline_seconds=0.3 if args.quick else BASELINE_SECONDS,
    )
    print(table(LOAD_HEADERS, [load_cells(r) for r in loads]))
    print()
    print(table(REFRESH_HEADERS, [refresh_cells(r) for r in refreshes]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
