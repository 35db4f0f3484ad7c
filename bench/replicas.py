"""Replicas: answering throughput with 1 and with 3 `alliance-bot serve` replicas on one
PostgreSQL, and how long a knowledge base change takes to reach every replica.

Everything is real: a throwaway PostgreSQL server (`alliance_bot.testing.postgres`), three
`serve` processes with `ALLIANCE_DATABASE_URL` on it, each with its own copy of the shipped
`knowledge/` and `seeds/` (as separate images would have), the stand-in Slack for the Web API and
the `response_url` posts. The load generator is `bench.http.load`: signed `/alliance who is
Hamada` slash commands, a fixed number of connections, taken round robin over the replicas'
URLs. "1 replica" sends everything to replica 1 while the other two idle; "3 replicas" spreads
the same load over all three. CPU per request is the replicas' user + system time over the
round (from /proc) divided by the requests answered.

Propagation: an admin runs `/alliance alias hamada-yasukazu = …` on replica 1 (an alias added
from Slack: a validated edit and refresh). The benchmark then polls every replica's `/readyz`
every 20 ms and reports the time from the command until the reply arrived, and until all three
report the same new `knowledge_version`. Where replicas do not share knowledge base versions
(before issue 11's versions in the database), only replica 1 changes: the row then says so.

    python -m bench.replicas [--seconds 5] [--rounds 3] [--concurrency 16] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
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
from alliance_bot.testing.postgres import PostgresCluster, available
from alliance_bot.testing.slack_requests import FORM, SlackSender
from bench.common import median, table
from bench.http import _cpu_seconds, load

REPLICAS = 3
ADMIN = "U0BENCHADM"
PROPAGATION_TIMEOUT = 30.0  # seconds by default; the target is 5


@dataclass(frozen=True)
class ThroughputRow:
    replicas: int
    round: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float


@dataclass(frozen=True)
class PropagationRow:
    attempt: int
    reply_s: float
    everywhere_s: float | None  # None: not every replica reached the new version
    versions: str


def _copy_knowledge(home: Path) -> Path:
    """This replica's own copy of the shipped knowledge base; its knowledge directory."""
    shipped = default_knowledge_dir()
    shutil.copytree(shipped, home / "kb" / "knowledge")
    shutil.copytree(shipped.parent / "seeds", home / "kb" / "seeds")
    return home / "kb" / "knowledge"


async def _versions(session: aiohttp.ClientSession, apps: list[AppProcess]) -> list[str]:
    async def one(app: AppProcess) -> str:
        async with session.get(f"{app.url}/readyz") as response:
            body: dict[str, Any] = await response.json()
        return str(body.get("knowledge_version", ""))

    return list(await asyncio.gather(*(one(app) for app in apps)))


async def _propagation(
    apps: list[AppProcess], fake: FakeSlack, attempt: int, timeout: float
) -> PropagationRow:
    """Add an alias on replica 1; time the reply and the new version on every replica."""
    sender = SlackSender(f"{apps[0].url}/slack/events", TEST_SIGNING_SECRET, fake)
    response_id = f"bench-alias-{uuid.uuid4().hex[:8]}"
    form = sender.command_form(
        f"alias hamada-yasukazu = bench alias {attempt} {uuid.uuid4().hex[:6]}",
        user_id=ADMIN,
        response_url=fake.response_url(response_id),
    )
    async with aiohttp.ClientSession() as session:
        before = await _versions(session, apps)
        started = time.perf_counter()
        sent = await sender.post(urlencode(form), FORM)
        if sent.status != 200:
            raise RuntimeError(f"the alias command got HTTP {sent.status}: {sent.body}")
        reply_s: float | None = None
        everywhere_s: float | None = None
        versions = before
        while time.perf_counter() - started < timeout:
            if reply_s is None and any(r.id == response_id for r in fake.responses):
                reply_s = time.perf_counter() - started
            versions = await _versions(session, apps)
            if len(set(versions)) == 1 and versions[0] not in before:
                everywhere_s = time.perf_counter() - started
                break
            await asyncio.sleep(0.02)
        if reply_s is None:
            await fake.wait_until(lambda: any(r.id == response_id for r in fake.responses))
            reply_s = time.perf_counter() - started
    shown = ", ".join(v[:12] for v in versions)
    return PropagationRow(attempt, reply_s, everywhere_s, shown)


async def run(
    *, seconds: float, rounds: int, concurrency: int, propagations: int, timeout: float
) -> tuple[list[ThroughputRow], list[PropagationRow]]:
    reason = available()
    if reason is not None:
        raise SystemExit(f"bench.replicas needs PostgreSQL: {reason}")
    throughput: list[ThroughputRow] = []
    propagation: list[PropagationRow] = []
    with tempfile.TemporaryDirectory(prefix="alliance-bench-replicas-") as tmp:
        root = Path(tmp)
        cluster = PostgresCluster.start(root / "pg")
        try:
            url = cluster.create_database("alliance")
            async with FakeSlack.running() as fake:
                apps: list[AppProcess] = []
                try:
                    for number in range(1, REPLICAS + 1):
                        home = root / f"replica{number}"
                        home.mkdir()
                        env = process_env(
                            fake,
                            home,
                            ALLIANCE_DATABASE_URL=url,
                            ALLIANCE_ADMINS=ADMIN,
                            ALLIANCE_KNOWLEDGE_DIR=str(_copy_knowledge(home)),
                            LOG_LEVEL="WARNING",
                        )
                        apps.append(
                            await start_process(
                                ["serve", "--host", "127.0.0.1", "--port", "0"],
                                env,
                                home,
                                ready="alliance-bot listening on",
                            )
                        )
                    urls = [f"{app.url}/slack/events" for app in apps]
                    sender = SlackSender(urls[0], TEST_SIGNING_SECRET, fake)
                    for number in range(1, rounds + 1):
                        for count in (1, REPLICAS):
                            targets = urls[:count]
                            await load(targets, sender, seconds=min(0.5, seconds), concurrency=2)
                            cpu = sum(_cpu_seconds(a.process.pid) for a in apps)
                            row = await load(
                                targets, sender, seconds=seconds, concurrency=concurrency
                            )
                            cpu = sum(_cpu_seconds(a.process.pid) for a in apps) - cpu
                            per_request = cpu * 1000 / max(1, row.requests)
                            throughput.append(
                                ThroughputRow(
                                    replicas=count,
                                    round=number,
                                    requests=row.requests,
                                    errors=row.errors,
                                    rps=row.rps,
                                    p50_ms=row.p50_ms,
                                    p99_ms=row.p99_ms,
                                    cpu_ms=per_request,
                                )
                            )
                    for attempt in range(1, propagations + 1):
                        propagation.append(await _propagation(apps, fake, attempt, timeout))
                finally:
                    await asyncio.gather(*(app.stop() for app in apps), return_exceptions=True)
        finally:
            cluster.stop()
    return throughput, propagation


THROUGHPUT_HEADERS = ("replicas", "round", "requests", "errors", "req/s", "p50 ms", "p99 ms",
                      "CPU ms / request (all replicas)")  # fmt: skip
PROPAGATION_HEADERS = ("attempt", "reply s", "on every replica s", "versions (/readyz)")


def summary(
    throughput: list[ThroughputRow], propagation: list[PropagationRow], timeout: float
) -> str:
    lines = []
    for count in (1, REPLICAS):
        runs = [r for r in throughput if r.replicas == count]
        lines.append(
            f"{count} replica{'s' if count > 1 else ''}: median "
            f"{median([r.rps for r in runs]):,.0f} req/s, median p99 "
            f"{median([r.p99_ms for r in runs]):.1f} ms, "
            f"{sum(r.errors for r in runs)} errors in {sum(r.requests for r in runs):,} requests"
        )
    reached = [p.everywhere_s for p in propagation if p.everywhere_s is not None]
    if propagation and len(reached) == len(propagation):
        lines.append(f"refresh on every replica: median {median(reached):.2f} s")
    elif propagation:
        lines.append(
            f"refresh on every replica: not reached in {len(propagation) - len(reached)} of "
            f"{len(propagation)} attempts within {timeout:g} s (replicas that do "
            "not share knowledge base versions change only where the command ran)"
        )
    return "\n".join(lines)


def report(
    throughput: list[ThroughputRow], propagation: list[PropagationRow], timeout: float
) -> str:
    """Both tables and the summary, as Markdown."""
    rows = [
        (r.replicas, r.round, r.requests, r.errors, r.rps, r.p50_ms, r.p99_ms, r.cpu_ms)
        for r in throughput
    ]
    changes = [
        (p.attempt, p.reply_s, "not reached" if p.everywhere_s is None else p.everywhere_s,
         p.versions)
        for p in propagation
    ]  # fmt: skip
    return "\n\n".join(
        [
            table(THROUGHPUT_HEADERS, rows),
            table(PROPAGATION_HEADERS, changes),
            summary(throughput, propagation, timeout),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and replica count")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--propagations", type=int, default=3, help="alias changes to time")
    parser.add_argument(
        "--timeout", type=float, default=PROPAGATION_TIMEOUT, help="seconds to wait for a change"
    )
    parser.add_argument("--quick", action="store_true", help="one short round (the smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds, args.concurrency, args.propagations = 0.5, 1, 4, 1
        args.timeout = 8.0
    throughput, propagation = asyncio.run(
        run(
            seconds=args.seconds,
            rounds=args.rounds,
            concurrency=args.concurrency,
            propagations=args.propagations,
            timeout=args.timeout,
        )
    )
    print(report(throughput, propagation, args.timeout))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
