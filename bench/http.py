"""HTTP: requests per second and p99 for `/alliance who is Hamada` through the real
`alliance-bot serve`, against a bare Bolt AsyncApp that acks a constant line, same load generator,
same run.

Both servers are separate processes on the aiohttp adapter, with the Web API pointed at the
stand-in Slack (`alliance_bot.testing.fake_slack`), which also receives the app's `response_url`
posts. Every request is signed as Slack signs it. The load generator is an asyncio/aiohttp client
with a fixed number of connections kept alive, each sending its next request as soon as the last
one is answered; rounds alternate bare, app, bare, app… so drift in a noisy machine hits both.
CPU per request is the server process's user + system time over the round (from /proc) divided
by the requests it answered: the figure a busy neighbour does not move.

    python -m bench.http [--seconds 5] [--rounds 2] [--concurrency 16] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import FORM, SlackSender, signed_headers
from bench.common import median, percentile, table

QUESTION = "who is Hamada"

# The bare app: what Bolt costs on its own (signature check, parsing, routing, ack).
BARE_BOLT = """
import asyncio, os
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

app = AsyncApp(
    client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
)

@app.command("/alliance")
async def alliance(ack):
    await ack("Hamada Yasukazu is Japan's Minister of Defense.")

async def main():
    # Bolt's own aiohttp adapter (AsyncSlackAppServer), as its documentation starts an app.
    web_app = app.web_app(path="/slack/events")
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"bare bolt listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


@dataclass(frozen=True)
class HttpRow:
    server: str
    round: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float = float("nan")  # server CPU per request


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(
    url: str | Sequence[str], sender: SlackSender, *, seconds: float, concurrency: int
) -> HttpRow:
    """Keep `concurrency` requests in flight for `seconds`; count answers, errors, latency.
    Several URLs (replicas) are taken in turn, round robin, one request each."""
    urls = [url] if isinstance(url, str) else list(url)
    turn = itertools.cycle(urls)
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                url = next(turn)
                body = urlencode(sender.command_form(QUESTION))
                headers = signed_headers(TEST_SIGNING_SECRET, body, FORM)
                start = time.perf_counter()
                try:
                    async with session.post(url, data=body.encode(), headers=headers) as response:
                        await response.read()
                        ok = response.status == 200
                except aiohttp.ClientError:
                    ok = False
                latencies.append((time.perf_counter() - start) * 1000)
                errors += not ok

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return HttpRow("", 0, len(latencies), errors, len(latencies) / elapsed,
                   percentile(latencies, 50), percentile(latencies, 99))  # fmt: skip


async def _start_bare(env: dict[str, str], cwd: Path) -> AppProcess:
    script = cwd / "bare_bolt.py"
    script.write_text(BARE_BOLT, encoding="utf-8")
    log_path = cwd / "bare.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=log_path.open("wb"),
    )  # fmt: skip
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    if not line.startswith("bare bolt listening on"):
        raise RuntimeError(f"bare Bolt app did not start: {log_path.read_text()}")
    return AppProcess(process, log_path, line.split()[-1])


async def run(*, seconds: float, rounds: int, concurrency: int) -> list[HttpRow]:
    rows: list[HttpRow] = []
    async with FakeSlack.running() as fake:
        with tempfile.TemporaryDirectory(prefix="alliance-bench-http-") as tmp:
            cwd = Path(tmp)
            env = process_env(fake, cwd)
            app = await start_process(
                ["serve", "--host", "127.0.0.1", "--port", "0"], env, cwd,
                ready="alliance-bot listening on",
            )  # fmt: skip
            bare = await _start_bare(env, cwd)
            servers = {"bare Bolt": bare, "alliance-bot serve": app}
            try:
                for number in range(1, rounds + 1):
                    for name, server in servers.items():
                        url = f"{server.url}/slack/events"
                        sender = SlackSender(url, TEST_SIGNING_SECRET, fake)
                        # A short warm-up so neither server is timed while still importing.
                        await load(url, sender, seconds=min(0.5, seconds), concurrency=2)
                        cpu = _cpu_seconds(server.process.pid)
                        row = await load(url, sender, seconds=seconds, concurrency=concurrency)
                        cpu = _cpu_seconds(server.process.pid) - cpu
                        rows.append(HttpRow(name, number, row.requests, row.errors, row.rps,
                                            row.p50_ms, row.p99_ms,
                                            cpu * 1000 / max(1, row.requests)))  # fmt: skip
            finally:
                await app.stop()
                bare.process.terminate()
                await bare.process.wait()
    return rows


HEADERS = ("server", "round", "requests", "errors", "req/s", "p50 ms", "p99 ms",
           "CPU ms / request")  # fmt: skip


def row_cells(row: HttpRow) -> tuple[object, ...]:
    return (row.server, row.round, row.requests, row.errors, row.rps, row.p50_ms, row.p99_ms,
            row.cpu_ms)  # fmt: skip


def summary(rows: list[HttpRow]) -> str:
    """Median req/s and p99 per server over the rounds, and the ratio to bare Bolt."""
    by: dict[str, list[HttpRow]] = {}
    for row in rows:
        by.setdefault(row.server, []).append(row)
    bare = median([r.rps for r in by.get("bare Bolt", [])])
    lines = []
    for name, runs in by.items():
        rps = median([r.rps for r in runs])
        lines.append(
            f"{name}: median {rps:,.0f} req/s ({rps / bare:.2f} of bare Bolt), "
            f"median p99 {median([r.p99_ms for r in runs]):.1f} ms, "
            f"{sum(r.errors for r in runs)} errors in {sum(r.requests for r in runs):,} requests"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="one short round (the smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds, args.concurrency = 0.5, 1, 4
    rows = asyncio.run(run(seconds=args.seconds, rounds=args.rounds, concurrency=args.concurrency))
    print(table(HEADERS, [row_cells(r) for r in rows]))
    print(summary(rows))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
