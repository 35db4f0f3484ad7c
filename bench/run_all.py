"""Run every benchmark and print one Markdown report (what docs/performance.md records).

    python -m bench.run_all [--sizes 1000,10000,100000] [--quick]

`--quick` runs each benchmark at a tiny size in a few seconds (the smoke test's setting); the
full run takes about ten minutes on two cores, most of it generating and loading 100,000 entries.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench import answering, http, loading, startup
from bench.common import machine, size_arguments, sizes_of, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size_arguments(parser)
    args = parser.parse_args(argv)
    sizes = sizes_of(args)
    started = time.perf_counter()
    print(f"Machine: {machine()}\n")

    print("## Answering\n")
    rows = answering.run(sizes, real=not args.quick)
    print(table(answering.HEADERS, [answering.row_cells(r) for r in rows]))

    print("\n## Loading\n")
    loads, refreshes = loading.run(sizes, baseline_seconds=0.3 if args.quick else 3.0)
    print(table(loading.LOAD_HEADERS, [loading.load_cells(r) for r in loads]))
    print()
    print(table(loading.REFRESH_HEADERS, [loading.refresh_cells(r) for r in refreshes]))

    print("\n## HTTP: /alliance who is Hamada\n")
    seconds, rounds, concurrency = (0.5, 1, 4) if args.quick else (5.0, 3, 16)
    http_rows = asyncio.run(http.run(seconds=seconds, rounds=rounds, concurrency=concurrency))
    print(table(http.HEADERS, [(r.server, r.round, r.requests, r.errors, r.rps, r.p50_ms,
                                r.p99_ms) for r in http_rows]))  # fmt: skip
    print()
    print(http.summary(http_rows))

    print("\n## Start-up\n")
    startup_rows = startup.run(sizes, 1 if args.quick else 3)
    print(table(startup.HEADERS, [(r.entries, r.ask_seconds, r.serve_seconds)
                                  for r in startup_rows]))  # fmt: skip
    print(f"\n(all benchmarks: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
