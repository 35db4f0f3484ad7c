"""Start-up: time from `alliance-bot ask` starting to its answer, and from `alliance-bot serve`
starting to a healthy `GET /healthz`, with the real knowledge base and with generated ones.

Each is a fresh process, as a user or a deployment starts it, with its own snapshot cache
(ALLIANCE_CACHE_DIR): the first `ask` finds it empty (a cold start, which fills it), the later
runs start from it, as every start after the first does while the base is unchanged. The median
of a few runs is kept.

    python -m bench.startup [--sizes 1000,10000,100000] [--runs 3] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.testing.app_process import alliance_bot_command, process_env
from alliance_bot.testing.fake_slack import FakeSlack
from bench.common import median, size_arguments, sizes_of, table
from bench.generate import cached

HEALTH_TIMEOUT = 300.0  # 100,000 entries take tens of seconds to load before /healthz answers


@dataclass(frozen=True)
class StartupRow:
    entries: str
    cold_ask_seconds: float
    ask_seconds: float
    serve_seconds: float


def time_ask(directory: Path, cache_dir: Path) -> float:
    env = {**os.environ, "ALLIANCE_KNOWLEDGE_DIR": str(directory),
           "ALLIANCE_CACHE_DIR": str(cache_dir)}  # fmt: skip
    start = time.perf_counter()
    subprocess.run(
        [*alliance_bot_command(), "ask", "who is Hamada"], env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


async def time_serve(directory: Path, cache_dir: Path) -> float:
    """Start `serve` on a port chosen here and poll /healthz until it answers 200."""
    async with FakeSlack.running() as fake:
        with tempfile.TemporaryDirectory(prefix="alliance-bench-startup-") as tmp:
            env = process_env(fake, Path(tmp), ALLIANCE_KNOWLEDGE_DIR=str(directory),
                              ALLIANCE_CACHE_DIR=str(cache_dir))  # fmt: skip
            port = _free_port()
            start = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                *alliance_bot_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
                env=env, cwd=tmp, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            try:
                async with aiohttp.ClientSession() as session:
                    while time.perf_counter() - start < HEALTH_TIMEOUT:
                        try:
                            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                                if response.status == 200:
                                    return time.perf_counter() - start
                        except aiohttp.ClientError:
                            pass
                        if process.returncode is not None:
                            raise RuntimeError("alliance-bot serve exited before it was healthy")
                        await asyncio.sleep(0.01)
                raise TimeoutError("alliance-bot serve never became healthy")
            finally:
                if process.returncode is None:
                    process.terminate()
                await process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(sizes: tuple[int, ...], runs: int) -> list[StartupRow]:
    targets = [("real (324)", default_knowledge_dir())]
    targets += [(f"{size:,}", cached(size)) for size in sizes]
    rows = []
    for label, directory in targets:
        with tempfile.TemporaryDirectory(prefix="alliance-bench-cache-") as cache:
            cold = time_ask(directory, Path(cache))
            asks = [time_ask(directory, Path(cache)) for _ in range(runs)]
            serves = [asyncio.run(time_serve(directory, Path(cache))) for _ in range(runs)]
        rows.append(StartupRow(label, cold, median(asks), median(serves)))
    return rows


HEADERS = ("entries", "ask → answer, cold s", "ask → answer, cached s", "serve → healthy, cached s")


def row_cells(row: StartupRow) -> tuple[object, ...]:
    return (row.entries, row.cold_ask_seconds, row.ask_seconds, row.serve_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size_arguments(parser)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    rows = run(sizes_of(args), runs)
    print(table(HEADERS, [row_cells(r) for r in rows]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
