"""Loading: a cold load (parse, validate, index) and a load from the snapshot cache, with time
and peak memory, at each size; and a refresh at the largest size while questions keep coming,
reporting how much longer than usual any question waited and how long a 1 ms ticker was held up.

Each load runs in its own subprocess so its peak RSS (VmHWM) is that load's alone, not the
high-water mark of whatever ran before it in this process. A snapshot read from the cache makes
its entries into models only when they are read (knowledge/entries.py); the table also shows the
CPU and memory of then making every one, which a server does in the background after it starts. Times are CPU seconds of that process
(the figure that does not depend on what else the machine runs) and wall seconds.

The refresh runs in one process as the Slack app does: `KnowledgeHolder.reload` (which loads in a
child process and hands the snapshot over) in a thread while the main thread answers questions
one after another and a ticker thread wakes every millisecond. A question's extra wait is its
latency during the reload minus that same question's median latency before it; the ticker's
extra wait is its longest gap beyond 1 ms, shown next to the same figure with no reload running
(what the machine itself adds).

A wait is wall time, what a user sees; it is also split by whose time it was. "Extra CPU" is
the question's own thread CPU beyond its median: work the refresh made it do (a table built
while it waited). Wall beyond that is time the question was ready but not running: the GIL held
by another thread, or the cores taken by the loader's child or by whatever else the machine
runs. After the swap every question of the mix is asked once more on the new snapshot, the
first questions it gets ("first on new"): those would pay for tables not built before it.

    python -m bench.loading [--sizes 1000,10000,100000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from alliance_bot.answering.engine import answer, prepare_snapshot
from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.loader import load_knowledge
from bench.answering import mixed_questions
from bench.common import SNAPSHOTS, median, percentile, size_arguments, sizes_of, table
from bench.generate import REPO, cached

# Questions answered before the reload, to know each one's usual latency and the quiet control's
# longest waits. About as long as a 100,000 reload: over 3 s the control saw fewer of the
# machine's own hiccups than the ~30 s reload did, so the "usual" longest wait was too low.
BASELINE_SECONDS = 20.0


@dataclass(frozen=True)
class LoadRow:
    size: int
    cold_cpu: float  # parse + validate + index, CPU s
    cold_wall: float
    cold_peak_mb: float
    write_seconds: float  # storing the snapshot in the cache afterwards
    warm_cpu: float  # the same directory read from the cache, CPU s
    warm_wall: float
    warm_peak_mb: float
    running_mb: float  # RSS once loaded from the cache (no entry made into a model yet)
    import_mb: float  # RSS after importing the package, before loading: the fixed cost
    make_cpu: float  # then every entry made into a model (what a start does in the background)
    made_mb: float  # RSS with every entry made: the running footprint of a server
    made_peak_mb: float  # peak RSS of the whole: load from the cache and every entry made


@dataclass(frozen=True)
class RefreshRow:
    size: int
    reload_seconds: float
    asked_during: int
    usual_p99_ms: float
    during_p99_ms: float
    max_extra_ms: float
    max_extra_cpu_ms: float  # the most a question's own thread CPU grew during the reload
    first_on_new_ms: float  # the longest extra wait of the first questions on the new snapshot
    quiet_extra_ms: float  # a question's longest extra wait with no reload running (control)
    ticker_quiet_ms: float  # the ticker's longest extra wait with no reload running
    ticker_reload_ms: float  # ... and during the reload


def _memory_mb(field: str) -> float:
    """A /proc/self/status figure in MB. VmHWM, not getrusage's maxrss: on Linux maxrss keeps the
    high-water mark of the process this one was forked from, so a child of a big parent would
    report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: best effort


def _child(directory: Path, cache_dir: Path, mode: str) -> None:
    """Runs in the subprocess: one load (`cold`, then stored in the cache, or `warm`, from it),
    measurements printed as JSON."""
    cache = SnapshotCache(cache_dir)
    before = _memory_mb("VmRSS")
    cpu, wall = time.process_time(), time.perf_counter()
    kb = load_knowledge(directory) if mode == "cold" else load_knowledge(directory, cache=cache)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak, running = _memory_mb("VmHWM"), _memory_mb("VmRSS")
    write = time.perf_counter()
    if mode == "cold":
        # As `load_knowledge(directory, cache=cache)` stores it: `key` also records the files'
        # listing, so the warm load finds the key without hashing them (cache.py).
        key = cache.key(directory)
        assert key is not None
        cache.write(key, kb)
    write = time.perf_counter() - write
    make = time.process_time()
    kb.entries.warm()
    make = time.process_time() - make
    print(json.dumps({"size": len(kb), "cpu": cpu, "wall": wall, "peak": peak, "before": before,
                      "running": running, "write": write, "make": make,
                      "made": _memory_mb("VmRSS"), "made_peak": _memory_mb("VmHWM")}))  # fmt: skip


def _run_child(directory: Path, cache_dir: Path, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.loading", "--child", str(directory), str(cache_dir), mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    data: dict[str, float] = json.loads(out.stdout)
    return data


def measure_load(directory: Path) -> LoadRow:
    """A cold load that stores its snapshot, then a load of the same directory from it."""
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = Path(scratch) / "cache"
        cold = _run_child(directory, cache_dir, "cold")
        warm = _run_child(directory, cache_dir, "warm")
    return LoadRow(
        size=int(cold["size"]),
        cold_cpu=cold["cpu"],
        cold_wall=cold["wall"],
        cold_peak_mb=cold["peak"],
        write_seconds=cold["write"],
        warm_cpu=warm["cpu"],
        warm_wall=warm["wall"],
        warm_peak_mb=warm["peak"],
        running_mb=warm["running"],
        import_mb=cold["before"],
        make_cpu=warm["make"],
        made_mb=warm["made"],
        made_peak_mb=warm["made_peak"],
    )


class _Ticker:
    """A thread that asks to wake every millisecond and records how late it was each time."""

    def __init__(self) -> None:
        self.late_ms: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            self.late_ms.append((now - last) * 1000 - 1.0)
            last = now

    def __enter__(self) -> _Ticker:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def worst(self) -> float:
        return max(self.late_ms, default=0.0)


def measure_refresh(directory: Path, *, baseline_seconds: float = BASELINE_SECONDS) -> RefreshRow:
    """Reload in a thread while this thread keeps answering. The first snapshot comes from the
    bench's snapshot cache; the reload gets none, so its child does the whole cold load, as
    after an edit. The holder starts as the server's does (`KnowledgeHolder.load`: the snapshot
    frozen out of the collector's reach, its entries made in the background), so the control
    is not a full collection walking an unfrozen 100,000-entry snapshot."""
    holder = KnowledgeHolder.load(directory, cache=SnapshotCache(SNAPSHOTS))
    holder.cache = None  # the reload loads cold, as after an edit
    holder.prepare = prepare_snapshot  # as the server sets it (slack/run.py)
    holder.warmed.wait()
    asked = mixed_questions(holder.current)
    for text, today in asked:  # warm-up
        answer(holder.current, text, today)

    usual: dict[int, list[float]] = {}
    usual_cpu: dict[int, list[float]] = {}
    deadline = time.perf_counter() + baseline_seconds
    i = 0
    with _Ticker() as quiet:
        while time.perf_counter() < deadline or i < len(asked):
            text, today = asked[i % len(asked)]
            start, cpu = time.perf_counter(), time.thread_time()
            answer(holder.current, text, today)
            usual.setdefault(i % len(asked), []).append((time.perf_counter() - start) * 1000)
            usual_cpu.setdefault(i % len(asked), []).append((time.thread_time() - cpu) * 1000)
            i += 1

    done = threading.Event()
    timing: dict[str, float] = {}

    def reload() -> None:
        start = time.perf_counter()
        holder.reload()
        timing["seconds"] = time.perf_counter() - start
        done.set()

    def ask(k: int) -> tuple[int, float, float]:
        text, today = asked[k]
        start, cpu = time.perf_counter(), time.thread_time()
        answer(holder.current, text, today)
        return k, (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000

    old = holder.current
    during: list[tuple[int, float, float]] = []
    thread = threading.Thread(target=reload, name="reload")
    with _Ticker() as busy:
        thread.start()
        while not done.is_set():
            during.append(ask(i % len(asked)))
            i += 1
        thread.join()
    assert holder.current is not old, "the reload did not swap"
    del old
    first_on_new = [ask(k) for k in range(len(asked))]
    extra = [ms - median(usual[k]) for k, ms, _ in during]
    extra_cpu = [cpu - median(usual_cpu[k]) for k, _, cpu in during]
    quiet_extra = [ms - median(usual[k]) for k, these in usual.items() for ms in these]
    return RefreshRow(
        size=len(holder.current),
        reload_seconds=timing["seconds"],
        asked_during=len(during),
        usual_p99_ms=percentile([ms for v in usual.values() for ms in v], 99),
        during_p99_ms=percentile([ms for _, ms, _ in during], 99),
        max_extra_ms=max(extra, default=0.0),
        max_extra_cpu_ms=max(extra_cpu, default=0.0),
        first_on_new_ms=max(ms - median(usual[k]) for k, ms, _ in first_on_new),
        quiet_extra_ms=max(quiet_extra, default=0.0),
        ticker_quiet_ms=quiet.worst,
        ticker_reload_ms=busy.worst,
    )


LOAD_HEADERS = (
    "entries", "cold CPU s", "cold wall s", "cold peak MB", "cache write s", "cached CPU s",
    "cached wall s", "cached peak MB", "running MB", "imports MB", "making all CPU s",
    "all made MB", "all made peak MB",
)  # fmt: skip
REFRESH_HEADERS = (
    "entries", "reload s", "questions during", "usual p99 ms", "p99 during ms",
    "max extra wait ms", "max extra CPU ms", "first on new ms", "max extra, quiet ms", "ticker, quiet ms", "ticker, reloading ms",
)  # fmt: skip


def load_cells(row: LoadRow) -> tuple[object, ...]:
    return (row.size, row.cold_cpu, row.cold_wall, row.cold_peak_mb, row.write_seconds,
            row.warm_cpu, row.warm_wall, row.warm_peak_mb, row.running_mb,
            row.import_mb, row.make_cpu, row.made_mb, row.made_peak_mb)  # fmt: skip


def refresh_cells(row: RefreshRow) -> tuple[object, ...]:
    return (
        row.size,
        row.reload_seconds,
        row.asked_during,
        row.usual_p99_ms,
        row.during_p99_ms,
        row.max_extra_ms,
        row.max_extra_cpu_ms,
        row.first_on_new_ms,
        row.quiet_extra_ms,
        row.ticker_quiet_ms,
        row.ticker_reload_ms,
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
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        directory, cache_dir, mode = args.child
        _child(Path(directory), Path(cache_dir), mode)
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
