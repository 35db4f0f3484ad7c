"""Run every benchmark and print one Markdown report (what docs/performance.md records), ending
with every target of issue 14, its figure and "met" or "missed by ×N".

    python -m bench.run_all [--sizes 1000,10000,100000] [--quick] [--million]

`--quick` runs each benchmark at a tiny size in a few seconds (the smoke test's setting); the full
run takes about half an hour on two cores, most of it generating and loading 100,000 entries.
`--million` adds the scale targets: a 1,000,000-entry base loaded cold, then from the cache, and
answered (generating it the first time takes about 20 minutes and 2 GB of disk).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import time

from bench import answering, crafted, http, loading, peers, replicas, startup
from bench.common import machine, median, size_arguments, sizes_of, table
from bench.targets import HEADERS as TARGET_HEADERS
from bench.targets import Target

MILLION = 1_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size_arguments(parser)
    parser.add_argument("--million", action="store_true", help="also the 1,000,000-entry targets")
    args = parser.parse_args(argv)
    sizes = sizes_of(args)
    largest = max(sizes)
    started = time.perf_counter()
    print(f"Machine: {machine()}\n")

    print("## Answering\n")
    rows = answering.run(sizes, real=not args.quick)
    print(table(answering.HEADERS, [answering.row_cells(r) for r in rows]))

    print("\n## Peers\n")
    peer_rows = peers.run((largest,))
    print(table(peers.HEADERS, [peers.row_cells(r) for r in peer_rows]))

    print("\n## Crafted questions\n")
    crafted_rows = crafted.run(sizes, real=not args.quick)
    print(table(crafted.HEADERS, [crafted.row_cells(r) for r in crafted_rows]))

    print("\n## Loading\n")
    loads, refreshes = loading.run(
        sizes, baseline_seconds=0.3 if args.quick else loading.BASELINE_SECONDS
    )
    print(table(loading.LOAD_HEADERS, [loading.load_cells(r) for r in loads]))
    print()
    print(table(loading.REFRESH_HEADERS, [loading.refresh_cells(r) for r in refreshes]))

    print("\n## HTTP: /alliance who is Hamada\n")
    seconds, rounds, concurrency = (0.5, 1, 4) if args.quick else (5.0, 3, 16)
    generators = http.GENERATORS if shutil.which("wrk") else ("python",)
    http_rows = asyncio.run(
        http.run(seconds=seconds, rounds=rounds, concurrency=concurrency, generators=generators)
    )
    print(table(http.HEADERS, [http.row_cells(r) for r in http_rows]))
    print()
    print(http.summary(http_rows))

    print("\n## Replicas on PostgreSQL: 1 vs 3, and a refresh reaching every replica\n")
    timeout = 8.0 if args.quick else replicas.PROPAGATION_TIMEOUT
    throughput, propagation = asyncio.run(
        replicas.run(
            seconds=seconds,
            rounds=rounds,
            concurrency=concurrency,
            propagations=1 if args.quick else 3,
            timeout=timeout,
        )
    )
    print(replicas.report(throughput, propagation, timeout))

    print("\n## Start-up\n")
    startup_rows = startup.run(sizes, 1 if args.quick else 3)
    print(table(startup.HEADERS, [startup.row_cells(r) for r in startup_rows]))

    million: tuple[list[answering.AnsweringRow], list[loading.LoadRow]] | None = None
    if args.million:
        print("\n## 1,000,000 entries\n")
        from bench.generate import cached

        million_loads = [loading.measure_load(cached(MILLION))]
        print(table(loading.LOAD_HEADERS, [loading.load_cells(r) for r in million_loads]))
        million_answers = answering.run((MILLION,), real=False)
        print()
        print(table(answering.HEADERS, [answering.row_cells(r) for r in million_answers]))
        million = (million_answers, million_loads)

    print(f"\n## Targets (issue 14) at {largest:,} entries\n")
    targets = collect_targets(largest, rows, peer_rows, loads, refreshes, http_rows, million)
    worst = crafted.worst(crafted_rows, max(r.size for r in crafted_rows))
    targets.insert(
        2,
        Target(
            f"costliest crafted question, median (issue 10): {worst.label}",
            worst.p50_ms,
            20,
            "ms",
        ),
    )
    print(table(TARGET_HEADERS, [t.cells() for t in targets]))
    print(f"\n(all benchmarks: {time.perf_counter() - started:.0f} s)")
    return 0


def collect_targets(
    largest: int,
    rows: list[answering.AnsweringRow],
    peer_rows: list[peers.PeerRow],
    loads: list[loading.LoadRow],
    refreshes: list[loading.RefreshRow],
    http_rows: list[http.HttpRow],
    million: tuple[list[answering.AnsweringRow], list[loading.LoadRow]] | None,
) -> list[Target]:
    at = next(r for r in rows if r.size >= largest * 0.99 and r.size <= largest * 1.01)
    alone = rows[0] if rows[0].size < at.size else None
    load = next(r for r in loads if r.size == at.size)
    refresh = refreshes[-1]
    measured_peers = [r for r in peer_rows if r.engine != "alliance-bot" and r.p99_ms is not None]
    engine_peer = next((r for r in peer_rows if r.engine == "alliance-bot"), None)
    best_peer = min((r.p99_ms for r in measured_peers if r.p99_ms is not None), default=None)

    def by(server: str, generator: str | None = None) -> list[http.HttpRow]:
        return [
            r
            for r in http_rows
            if r.server == server and (generator is None or r.generator == generator)
        ]

    def ratio(field: str, generator: str | None = None) -> float | None:
        """Median of serve's `field` over bare Bolt's, in the same run (None: not measured)."""
        bare, app = by("bare Bolt", generator), by("alliance-bot serve", generator)
        if not bare or not app:
            return None
        return median([getattr(r, field) for r in app]) / median([getattr(r, field) for r in bare])

    errors = sum(r.errors for r in by("alliance-bot serve"))
    http_targets = [Target("HTTP CPU per request vs bare Bolt", ratio("cpu_ms"), 1.5, "×")]
    for generator in http.GENERATORS:
        http_targets += [
            Target(f"HTTP throughput vs bare Bolt ({generator})", ratio("rps", generator), 0.9,
                   "×", at_most=False, note=f"{generator} not run"),
            Target(f"HTTP p99 vs bare Bolt ({generator})", ratio("p99_ms", generator), 1.5, "×",
                   note=f"{generator} not run"),
        ]  # fmt: skip
    targets = [
        Target("answering p99, mixed set (CPU)", at.p99_ms, 2.0, "ms"),
        Target(
            "answering p99 vs the best peer (CPU ms, same run)",
            None
            if best_peer is None or engine_peer is None or engine_peer.p99_ms is None
            else engine_peer.p99_ms / best_peer,
            1.0,
            "×",
            note="no peer measured",
        ),
        Target(
            "buried real questions passed", at.passed, 222, f"of {at.applicable}", at_most=False
        ),
        Target(
            "buried pass rate = alone pass rate",
            None if alone is None else at.pass_rate / alone.pass_rate * 100,
            100,
            "% of alone",
            at_most=False,
            note="no real-base row in a --quick run",
        ),
        Target("ready from the cache (load, CPU)", load.warm_cpu, 1.0, "s"),
        Target("ready from the cache (load, wall)", load.warm_wall, 1.0, "s"),
        Target("cold load: validate + build (CPU, one core)", load.cold_cpu, 8.0, "s"),
        Target("peak RSS during a cold load", load.cold_peak_mb, 600, "MB"),
        Target("peak RSS, from the cache, every entry made", load.made_peak_mb, 600, "MB"),
        Target("refresh: longest extra wait of a question", refresh.max_extra_ms, 20, "ms"),
        Target("refresh: longest extra wait of a 1 ms ticker", refresh.ticker_reload_ms, 20, "ms"),
        Target("refresh: first questions on the new snapshot", refresh.first_on_new_ms, 20, "ms"),
        *http_targets,
        Target("HTTP errors", errors, 0, ""),
    ]
    if million is None:
        targets += [
            Target("1,000,000 entries from the cache", None, 5.0, "s", note="run with --million"),
            Target("1,000,000 entries answering p99", None, 5.0, "ms", note="run with --million"),
            Target("1,000,000 entries peak RSS", None, 6144, "MB", note="run with --million"),
        ]
    else:
        answers, million_loads = million
        big = million_loads[0]
        targets += [
            Target("1,000,000 entries from the cache (wall)", big.warm_wall, 5.0, "s"),
            Target("1,000,000 entries answering p99", answers[0].p99_ms, 5.0, "ms"),
            Target("1,000,000 entries peak RSS (cold load)", big.cold_peak_mb, 6144, "MB"),
            Target("1,000,000 entries peak RSS (from the cache)", big.warm_peak_mb, 6144, "MB"),
        ]
    return targets


if __name__ == "__main__":
    raise SystemExit(main())
