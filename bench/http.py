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

Two load generators, each round run with both (`--generators`): the Python one above, and wrk
(`apt-get install wrk`), a C load generator whose own cost stays out of the servers' way. wrk
cannot sign a request, so each round's requests are signed beforehand (one per line: body,
timestamp, signature; each with its own `trigger_id` and `response_url`, as Slack sends them) and
a small Lua script sends them in turn, each wrk thread its own share. More are signed than a
round can send; were they used up, wrk would repeat some, which the delivery guard then drops, and
the row's `repeats` column says how many.

    python -m bench.http [--seconds 5] [--rounds 2] [--concurrency 16] [--generators python,wrk]
                         [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from alliance_bot.knowledge.paths import default_knowledge_dir
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


GENERATORS = ("python", "wrk")
# Signed requests prepared per second of a wrk round: well above either server's rate here.
WRK_REQUESTS_PER_SECOND = 4_000

# wrk's script: the pre-signed requests of `args[1]`, thread k of n sending lines k, k+n, …;
# at the end one JSON line with the counts and latency percentiles (µs).
WRK_SCRIPT = r"""
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  local n = tonumber(args[2])
  prepared, i, sent = {}, 0, 0
  for line in io.lines(args[1]) do
    if i % n == id then
      local body, stamp, sig = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)")
      prepared[#prepared + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Slack-Request-Timestamp"] = stamp,
        ["X-Slack-Signature"] = sig,
      }, body)
    end
    i = i + 1
  end
end
function request()
  sent = sent + 1
  return prepared[(sent - 1) % #prepared + 1]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
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
    generator: str = "python"
    repeats: int = 0  # requests wrk sent a second time (the prepared ones ran out)


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


def _prepare_signed(path: Path, sender: SlackSender, count: int) -> None:
    """`count` signed `/alliance` requests for wrk, one per line: body, timestamp, signature."""
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count):
            body = urlencode(sender.command_form(QUESTION))
            headers = signed_headers(TEST_SIGNING_SECRET, body, FORM)
            stamp, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
            out.write(f"{body}\t{stamp}\t{sig}\n")


async def load_wrk(
    url: str, sender: SlackSender, *, seconds: float, concurrency: int, workdir: Path
) -> HttpRow:
    """The same load as `load`, generated by wrk: `concurrency` connections kept alive."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError(
            "wrk is not installed (apt-get install wrk), or pass --generators python"
        )
    threads = max(1, min(2, concurrency))
    whole = max(1, round(seconds))  # wrk takes whole seconds only
    count = int(WRK_REQUESTS_PER_SECOND * whole) + 100
    signed, script = workdir / "signed.tsv", workdir / "signed.lua"
    _prepare_signed(signed, sender, count)
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        wrk, f"-t{threads}", f"-c{concurrency}", f"-d{whole}s", "--timeout", "10s",
        "-s", str(script), url, "--", str(signed), str(threads),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    lines = [line for line in out.decode().splitlines() if line.startswith('{"requests"')]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {err.decode()[-500:]}{out.decode()[-500:]}")
    result = json.loads(lines[-1])
    requests = int(result["requests"])
    return HttpRow("", 0, requests, int(result["errors"]),
                   requests / (result["duration_us"] / 1e6),
                   result["p50_us"] / 1000, result["p99_us"] / 1000,
                   generator="wrk", repeats=max(0, requests - count))  # fmt: skip


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


async def run(
    *,
    seconds: float,
    rounds: int,
    concurrency: int,
    generators: Sequence[str] = ("python",),
    baseline: Path | None = None,
) -> list[HttpRow]:
    """Rounds of every generator against every server; `baseline` (the `src/` of another
    checkout, e.g. main's) adds a third server, `serve` run from that code, in the same rounds."""
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
            if baseline is not None:
                # Its own state directory: two servers must not share one SQLite file.
                (cwd / "baseline").mkdir()
                servers["baseline serve"] = await start_process(
                    ["serve", "--host", "127.0.0.1", "--port", "0"],
                    {
                        **process_env(fake, cwd / "baseline"),
                        "PYTHONPATH": str(baseline),
                        "ALLIANCE_KNOWLEDGE_DIR": str(default_knowledge_dir()),
                    },  # the same base
                    cwd / "baseline",
                    ready="alliance-bot listening on",
                )
            try:
                for number, generator, (name, server) in itertools.product(
                    range(1, rounds + 1), generators, servers.items()
                ):
                    url = f"{server.url}/slack/events"
                    sender = SlackSender(url, TEST_SIGNING_SECRET, fake)
                    # A short warm-up so neither server is timed while still importing.
                    await load(url, sender, seconds=min(0.5, seconds), concurrency=2)
                    cpu = _cpu_seconds(server.process.pid)
                    if generator == "wrk":
                        row = await load_wrk(url, sender, seconds=seconds,
                                             concurrency=concurrency, workdir=cwd)  # fmt: skip
                    else:
                        row = await load(url, sender, seconds=seconds, concurrency=concurrency)
                    cpu = _cpu_seconds(server.process.pid) - cpu
                    rows.append(HttpRow(name, number, row.requests, row.errors, row.rps,
                                        row.p50_ms, row.p99_ms,
                                        cpu * 1000 / max(1, row.requests),
                                        generator, row.repeats))  # fmt: skip
            finally:
                await app.stop()
                if "baseline serve" in servers:
                    await servers["baseline serve"].stop()
                bare.process.terminate()
                await bare.process.wait()
    return rows


HEADERS = ("server", "generator", "round", "requests", "errors", "repeats", "req/s", "p50 ms",
           "p99 ms", "CPU ms / request")  # fmt: skip


def row_cells(row: HttpRow) -> tuple[object, ...]:
    return (row.server, row.generator, row.round, row.requests, row.errors, row.repeats, row.rps,
            row.p50_ms, row.p99_ms, row.cpu_ms)  # fmt: skip


def summary(rows: list[HttpRow]) -> str:
    """Per generator: median req/s, p99 and CPU per request of each server over the rounds, and
    the ratios to bare Bolt's."""
    by: dict[tuple[str, str], list[HttpRow]] = {}
    for row in rows:
        by.setdefault((row.generator, row.server), []).append(row)
    lines = []
    for (generator, name), runs in by.items():
        bare = by.get((generator, "bare Bolt"), runs)
        rps, bare_rps = median([r.rps for r in runs]), median([r.rps for r in bare])
        p99, bare_p99 = median([r.p99_ms for r in runs]), median([r.p99_ms for r in bare])
        cpu, bare_cpu = median([r.cpu_ms for r in runs]), median([r.cpu_ms for r in bare])
        lines.append(
            f"{generator}, {name}: median {rps:,.0f} req/s ({rps / bare_rps:.2f} of bare Bolt), "
            f"median p99 {p99:.1f} ms ({p99 / bare_p99:.2f}×), "
            f"median CPU {cpu:.2f} ms a request ({cpu / bare_cpu:.2f}×), "
            f"{sum(r.errors for r in runs)} errors in {sum(r.requests for r in runs):,} requests"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--generators",
        type=lambda text: tuple(text.split(",")),
        default=GENERATORS if shutil.which("wrk") else ("python",),
        help="comma-separated load generators: python, wrk (default: both, if wrk is installed)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the src/ directory of another checkout: its serve runs in the same rounds",
    )
    parser.add_argument("--quick", action="store_true", help="one short round (the smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds, args.concurrency = 0.5, 1, 4
    if unknown := set(args.generators) - set(GENERATORS):
        parser.error(f"unknown generator(s): {', '.join(sorted(unknown))}")
    rows = asyncio.run(
        run(
            seconds=args.seconds,
            rounds=args.rounds,
            concurrency=args.concurrency,
            generators=args.generators,
            baseline=args.baseline,
        )
    )
    print(table(HEADERS, [row_cells(r) for r in rows]))
    print(summary(rows))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
