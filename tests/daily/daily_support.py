"""Helpers for the daily-post tests: a tiny knowledge base, a driven clock, fast retries."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import textwrap
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy.exc import OperationalError

from alliance_bot.config import Settings
from alliance_bot.daily.scheduler import run_daily_scheduler
from alliance_bot.daily.state import PostState, SqlPostState
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.slack.daily_channel import DAILY_EVENT_TYPE, SlackDailyChannel
from alliance_bot.slack.web_client import make_slack_client
from alliance_bot.state import Database, DatabaseUrl, open_database
from alliance_bot.testing.fake_slack import FakeSlack

CHANNEL = "CDAILY"

SEED = textwrap.dedent(
    """\
    Alliance Weekly: A Tiny Chronicle
    On 6 December 2023 the allies met in Tokyo for talks on deterrence.
    From 5 to 7 December 2022 a joint exercise ran off Okinawa.
    On 29 February 2020 a leap-day drill tested the hotline.
    On 28 February 2019 the ministers signed a logistics pact.
    On 10 March 2021 the <!channel> & <@U123> test event happened.
    On 3 November 2018 a port call took place in Yokosuka.
    The minister said the alliance is “the cornerstone of peace” in the region.
    The envoy said “we stand together” at the dinner.
    A spokesperson called it “a new era” for the partnership.
    Japan spends 2% of GDP on defense by 2027.
    There are about 54,000 US troops in Japan.
    The alliance treaty dates from 1960.
    """
)

KB_YAML = textwrap.dedent(
    """\
    sources:
      - id: src-tiny
        file: seeds/tiny.txt
        title: "Alliance Weekly: A Tiny Chronicle"
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "Alliance Weekly: A Tiny Chronicle"}
    people:
      - id: minister-a
        name: Minister A
        summary: A minister in the tiny knowledge base.
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "The minister said"}
    events:
      - id: ev-tokyo-talks
        date: "2023-12-06"
        title: Allies meet in Tokyo
        summary: Talks on deterrence in Tokyo.
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "On 6 December 2023 the allies met in Tokyo"}
      - id: ev-okinawa-exercise
        date: "2022-12-05"
        end: "2022-12-07"
        title: Joint exercise off Okinawa
        summary: A three-day joint exercise.
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "From 5 to 7 December 2022 a joint exercise ran"}
      - id: ev-leap-drill
        date: "2020-02-29"
        title: Leap-day hotline drill
        summary: A drill tested the hotline.
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "On 29 February 2020 a leap-day drill"}
      - id: ev-logistics-pact
        date: "2019-02-28"
        title: Logistics pact signed
        summary: The ministers signed a logistics pact.
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "On 28 February 2019 the ministers signed"}
      - id: ev-escaping
        date: "2021-03-10"
        title: "Test <!channel> event"
        summary: "Mentions <@U123> & <!here> that must not ping."
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "On 10 March 2021 the <!channel> & <@U123> test"}
      - id: ev-port-call
        date: "2018-11-03"
        title: Port call in Yokosuka
        summary: A port call.
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "On 3 November 2018 a port call"}
      - id: ev-year-only
        date: "1960"
        title: Treaty year
        summary: Only a year, so never "on this day".
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "The alliance treaty dates from 1960."}
    quotes:
      - id: q-cornerstone
        person: minister-a
        text: "the cornerstone of peace"
        about: the alliance
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "the alliance is “the cornerstone of peace” in the"}
      - id: q-together
        speaker: The envoy
        text: "we stand together"
        about: unity
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "The envoy said “we stand together” at the dinner."}
      - id: q-new-era
        speaker: A spokesperson
        text: "a new era"
        about: the partnership
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "A spokesperson called it “a new era”"}
    facts:
      - id: f-two-percent
        claim: Japan spends 2% of GDP on defense by 2027.
        value: 2% of GDP
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "Japan spends 2% of GDP on defense by 2027."}
      - id: f-troops
        claim: About 54,000 US troops are in Japan.
        aliases: []
        sources:
          - {file: seeds/tiny.txt, evidence: "There are about 54,000 US troops in Japan."}
    """
)

ARCHIVE_IDS = {"q-cornerstone", "q-together", "q-new-era", "f-two-percent", "f-troops"}
# Local dates with at least one event in the tiny knowledge base, as (month, day).
EVENT_DAYS = {(12, 5), (12, 6), (12, 7), (2, 29), (2, 28), (3, 10), (11, 3)}


def write_tiny_kb(root: Path) -> Path:
    """Write the tiny knowledge base under `root`; return its `knowledge/` directory."""
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "seeds" / "tiny.txt").write_text(SEED, encoding="utf-8")
    knowledge = root / "knowledge"
    knowledge.mkdir(parents=True, exist_ok=True)
    (knowledge / "tiny.yaml").write_text(KB_YAML, encoding="utf-8")
    return knowledge


def settings_for(
    fake: FakeSlack,
    knowledge: Path,
    state: DatabaseUrl | Path,
    *,
    at: str = "09:00",
    tz: str = "America/New_York",
    fallback: str = "archive",
    channel: str | None = CHANNEL,
) -> Settings:
    """Settings as `Settings.from_env` would build them for the tests; `state` is a SQLite file
    (or its `DatabaseUrl`) or a PostgreSQL `DatabaseUrl` (ALLIANCE_DATABASE_URL)."""
    url = state if isinstance(state, DatabaseUrl) else DatabaseUrl.sqlite(state)
    where = (
        {"ALLIANCE_DATABASE_URL": url.target}
        if url.dialect == "postgresql"
        else {"ALLIANCE_STATE_DB": url.target}
    )
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": fake.base_url,
            "ALLIANCE_KNOWLEDGE_DIR": str(knowledge),
            **where,
            "ALLIANCE_DAILY_CHANNEL": channel or "",
            "ALLIANCE_DAILY_TIME": at,
            "ALLIANCE_TIMEZONE": tz,
            "ALLIANCE_DAILY_FALLBACK": fallback,
        }
    )


@dataclass
class RecordingSleep:
    """A `sleep` for Slack retries that records each wait and returns at once."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


class ManualClock:
    """Simulated time for the scheduler: `sleep_until` parks the caller until a test moves time.

    `advance_to(target, tasks)` wakes sleepers in time order; after each wake-up it waits until
    every task in `tasks` is parked again (or finished), so each scheduler's work, including its
    real HTTP calls to the fake Slack, completes before time moves on.
    """

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware start time")
        self._now = start.astimezone(dt.UTC)
        self._sleepers: list[tuple[dt.datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._parked: dict[asyncio.Task[Any], dt.datetime] = {}
        self.sleeps: list[dt.datetime] = []

    def now(self) -> dt.datetime:
        return self._now

    async def sleep_until(self, when: dt.datetime) -> None:
        self.sleeps.append(when)
        if when <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._order), future))
        task = asyncio.current_task()
        assert task is not None
        self._parked[task] = when
        try:
            await future
        finally:
            self._parked.pop(task, None)

    def next_wakeup(self) -> dt.datetime | None:
        live = [w for w, _, f in self._sleepers if not f.done()]
        return min(live) if live else None

    async def settle(self, tasks: Iterable[asyncio.Task[Any]], timeout: float = 20.0) -> None:
        """Wait until every task is parked in `sleep_until` or done."""
        pending = list(tasks)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not all(t.done() or t in self._parked for t in pending):
            if loop.time() > deadline:
                raise TimeoutError("scheduler tasks did not park in time")
            await asyncio.sleep(0.001)

    async def advance_to(self, target: dt.datetime, tasks: Iterable[asyncio.Task[Any]]) -> None:
        """Move time to `target`, waking due sleepers one by one and letting them finish."""
        tasks = list(tasks)
        await self.settle(tasks)
        while self._sleepers and self._sleepers[0][0] <= target:
            when, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue  # its task was cancelled
            self._now = max(self._now, when)
            future.set_result(None)
            await asyncio.sleep(0)
            await self.settle(tasks)
        self._now = max(self._now, target.astimezone(dt.UTC))


def post_state(url: DatabaseUrl | Path) -> SqlPostState:
    """The post state on `url` (a SQLite path or a `DatabaseUrl`), through the process's shared
    engine: what a test reads back after the schedulers ran."""
    return SqlPostState(
        open_database(url if isinstance(url, DatabaseUrl) else DatabaseUrl.sqlite(url))
    )


def daily_posts(fake: FakeSlack, channel: str = CHANNEL) -> list[dict[str, Any]]:
    """Messages in `channel` tagged as our daily post."""
    return [
        m
        for m in fake.posted(channel)
        if (m.get("metadata") or {}).get("event_type") == DAILY_EVENT_TYPE
    ]


def posts_per_date(fake: FakeSlack, channel: str = CHANNEL) -> Counter[str]:
    """How many daily posts each local date got."""
    return Counter(m["metadata"]["event_payload"]["date"] for m in daily_posts(fake, channel))


def local(text: str, tz: str = "America/New_York", fold: int = 0) -> dt.datetime:
    """`2024-03-10 09:00` in `tz` as an aware UTC datetime (`fold=1`: the repeated hour's second).

    UTC, because arithmetic between two datetimes of the same zone ignores `fold`.
    """
    return (
        dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz), fold=fold).astimezone(dt.UTC)
    )


class SimulatedCrash(BaseException):
    """The process dies: nothing after this point runs (not even `except Exception`)."""


class CrashAfterSlackAccepts:
    """A state store whose process dies right after Slack accepted the post.

    `record_post` raises `SimulatedCrash`, and the dead process can no longer release its claim,
    exactly like a kill -9 between `chat.postMessage` and the state write.
    """

    def __init__(self, inner: PostState) -> None:
        self.inner = inner
        self.dead = False

    async def claim(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.claim(*args, **kwargs)

    async def release(self, *args: Any, **kwargs: Any) -> None:
        if not self.dead:
            await self.inner.release(*args, **kwargs)

    async def record_post(self, *args: Any, **kwargs: Any) -> None:
        self.dead = True
        raise SimulatedCrash

    async def record_skip(self, *args: Any, **kwargs: Any) -> None:
        await self.inner.record_skip(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.get(*args, **kwargs)

    async def rotation(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.rotation(*args, **kwargs)


class DatabaseOutage:
    """A state store whose database is down for its first `failures` claims: each raises the
    error SQLAlchemy raises when PostgreSQL refuses the connection."""

    def __init__(self, inner: PostState, *, failures: int) -> None:
        self.inner, self.failures = inner, failures

    async def claim(self, *args: Any, **kwargs: Any) -> Any:
        if self.failures > 0:
            self.failures -= 1
            refused = psycopg.OperationalError('connection to server on socket "/x" failed')
            raise OperationalError("SELECT 1", {}, refused)
        return await self.inner.claim(*args, **kwargs)

    async def release(self, *args: Any, **kwargs: Any) -> None:
        await self.inner.release(*args, **kwargs)

    async def record_post(self, *args: Any, **kwargs: Any) -> None:
        await self.inner.record_post(*args, **kwargs)

    async def record_skip(self, *args: Any, **kwargs: Any) -> None:
        await self.inner.record_skip(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.get(*args, **kwargs)

    async def rotation(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.rotation(*args, **kwargs)


@dataclass
class KillSwitch:
    """Armed with a point ("claimed": right after taking the day's claim; "accepted": right
    after Slack accepted the post, before the state write), it kills whichever replica reaches
    that point next — the replica holding the claim — then disarms."""

    point: str | None = None
    kills: int = 0

    def fire(self, point: str) -> bool:
        if self.point != point:
            return False
        self.point = None
        self.kills += 1
        return True


class Mortal:
    """A replica's state store that dies (`SimulatedCrash`, like a kill -9: nothing released)
    when the shared `KillSwitch` says so."""

    def __init__(self, inner: PostState, switch: KillSwitch) -> None:
        self.inner, self.switch = inner, switch
        self.dead = False

    async def claim(self, *args: Any, **kwargs: Any) -> Any:
        claim = await self.inner.claim(*args, **kwargs)
        if claim.status == "claimed" and self.switch.fire("claimed"):
            self.dead = True
            raise SimulatedCrash
        return claim

    async def release(self, *args: Any, **kwargs: Any) -> None:
        if not self.dead:
            await self.inner.release(*args, **kwargs)

    async def record_post(self, *args: Any, **kwargs: Any) -> None:
        if self.switch.fire("accepted"):
            self.dead = True
            raise SimulatedCrash
        await self.inner.record_post(*args, **kwargs)

    async def record_skip(self, *args: Any, **kwargs: Any) -> None:
        await self.inner.record_skip(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.get(*args, **kwargs)

    async def rotation(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.rotation(*args, **kwargs)


class Harness:
    """Starts and stops schedulers (as processes would) on one clock, fake Slack and state
    database (a SQLite file, or PostgreSQL when the settings name one). Each started scheduler
    gets its own engine on the database, as a separate process would; killing it disposes it."""

    def __init__(
        self, fake: FakeSlack, settings: Settings, clock: ManualClock, sleep: RecordingSleep
    ) -> None:
        self.fake, self.settings, self.clock, self.sleep = fake, settings, clock, sleep
        self.holder = KnowledgeHolder.load(settings.knowledge_dir)
        self.tasks: list[asyncio.Task[None]] = []
        self.owners: dict[asyncio.Task[None], str] = {}
        # Engines made for the next start, then each task's: a dead process's connections close.
        self._unassigned: list[Database] = []
        self._engines: dict[asyncio.Task[None], list[Database]] = {}
        self._started = 0

    def new_state(self) -> SqlPostState:
        """The post state on a fresh engine of the settings' database (one process's view)."""
        database = Database.open(self.settings.database)
        self._unassigned.append(database)
        return SqlPostState(database)

    def channel(self) -> SlackDailyChannel | None:
        """The daily channel as a process would build it: its own client, or None unset."""
        if not self.settings.daily_channel:
            return None
        client = make_slack_client(
            token="xoxb-test", base_url=self.settings.api_url, sleep=self.sleep
        )
        return SlackDailyChannel(client, self.settings.daily_channel, self.settings.timezone)

    def start(self, state: PostState | None = None) -> asyncio.Task[None]:
        """A fresh process: its own owner id, client and state connection (or `state`)."""
        self._started += 1
        owner = f"process-{self._started}"
        task = asyncio.create_task(
            run_daily_scheduler(
                settings=self.settings,
                knowledge=self.holder,
                channel=self.channel(),
                state=state or self.new_state(),
                clock=self.clock,
                owner=owner,
                sleep=self.sleep,
            )
        )
        self.tasks.append(task)
        self.owners[task] = owner
        self._engines[task], self._unassigned = self._unassigned, []
        return task

    async def stop(self, task: asyncio.Task[None]) -> None:
        """Kill one scheduler."""
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        self._forget(task)

    async def stop_all(self) -> None:
        """Kill every running scheduler (as a restart or a crash would)."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for task in list(self.tasks):
            self._forget(task)

    def reap(self) -> int:
        """Forget the schedulers that died (a `SimulatedCrash`); how many there were."""
        dead = [task for task in self.tasks if task.done()]
        for task in dead:
            if not task.cancelled():
                task.exception()  # retrieved: the crash was the point
            self._forget(task)
        return len(dead)

    def dispose(self) -> None:
        """Close every engine the started schedulers used."""
        for task in list(self._engines):
            for database in self._engines.pop(task):
                database.dispose()
        for database in self._unassigned:
            database.dispose()
        self._unassigned.clear()

    def _forget(self, task: asyncio.Task[None]) -> None:
        """A process ended: drop it, and close its connections as its exit would."""
        self.tasks.remove(task)
        self.owners.pop(task, None)
        for database in self._engines.pop(task, []):
            database.dispose()

    async def run_until(self, moment: dt.datetime) -> None:
        await self.clock.advance_to(moment, self.tasks)

    @property
    def started(self) -> int:
        """How many scheduler processes were started so far."""
        return self._started


@asynccontextmanager
async def harness(
    fake: FakeSlack,
    knowledge_dir: Path,
    state: DatabaseUrl | Path,
    start: dt.datetime,
    **settings: str,
) -> AsyncIterator[Harness]:
    h = Harness(
        fake, settings_for(fake, knowledge_dir, state, **settings), ManualClock(start),
        RecordingSleep(),
    )  # fmt: skip
    try:
        yield h
    finally:
        await h.stop_all()
        h.dispose()
