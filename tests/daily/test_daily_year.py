"""A year simulated day by day, with random restarts, crashes and Slack faults: one post a day."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from daily_support import (
    ARCHIVE_IDS,
    CHANNEL,
    CrashAfterSlackAccepts,
    KillSwitch,
    Mortal,
    daily_posts,
    harness,
    post_state,
    posts_per_date,
)

from alliance_bot.daily.clock import run_time
from alliance_bot.state import parse_database_url
from alliance_bot.testing.fake_slack import FakeSlack

SEED = 20240229
TZ = "America/New_York"
SCENARIOS = {
    # name: weight
    "quiet": 40,
    "restart-before-time": 6,
    "restart-after-posting": 6,
    "down-at-post-time": 6,
    "crash-after-slack-accepted": 5,
    "rate-limited": 6,
    "server-errors": 6,
    "accepted-then-failed": 5,
    "slack-down-for-a-while": 5,
    "second-replica": 8,
}


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    seconds = max(0, int((end - start).total_seconds()))
    return start + dt.timedelta(seconds=rng.randint(0, seconds))


@pytest.mark.slow
@pytest.mark.parametrize("at", ["01:30", "02:30"], ids=["fall-back-repeat", "spring-forward-gap"])
async def test_a_year_day_by_day_posts_exactly_once_a_day(
    fake_slack: FakeSlack, knowledge_dir: Path, state_db: Path, at: str
) -> None:
    """2024 (leap year, both DST changes) with random faults ends with one post on every day."""
    rng = random.Random(SEED)
    tz = ZoneInfo(TZ)
    daily_time = dt.time.fromisoformat(at)
    names, weights = zip(*SCENARIOS.items(), strict=True)
    seen: dict[str, int] = defaultdict(int)
    first_day, last_day = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    async with harness(
        fake_slack, knowledge_dir, state_db, _midnight(first_day, tz), at=at, tz=TZ
    ) as h:
        h.start()
        day = first_day
        while day <= last_day:
            start, end = _midnight(day, tz), _midnight(day + dt.timedelta(days=1), tz)
            due = run_time(day, daily_time, tz)
            scenario = rng.choices(names, weights)[0]
            seen[scenario] += 1
            if len(h.tasks) != 1:
                # Yesterday's second replica, or a crashed process: back to one process.
                await h.stop_all()
                h.start()
            if scenario == "restart-before-time":
                await h.run_until(_between(rng, start, due - dt.timedelta(minutes=1)))
                await h.stop_all()
                h.start()
            elif scenario == "restart-after-posting":
                await h.run_until(_between(rng, due + dt.timedelta(minutes=1), end))
                await h.stop_all()
                h.start()
            elif scenario == "down-at-post-time":
                await h.run_until(_between(rng, start, due - dt.timedelta(minutes=1)))
                await h.stop_all()
                await h.run_until(_between(rng, due, end - dt.timedelta(hours=1)))
                h.start()
            elif scenario == "crash-after-slack-accepted":
                await h.run_until(_between(rng, start, due - dt.timedelta(minutes=1)))
                await h.stop_all()
                h.start(state=CrashAfterSlackAccepts(h.new_state()))
                await h.run_until(due)
                assert all(t.done() for t in h.tasks), "the process died after Slack's OK"
                await h.stop_all()
                # Back up within the lease (busy, waits) or after it (takes over at once).
                await h.run_until(_between(rng, due, end - dt.timedelta(hours=1)))
                h.start()
            elif scenario == "rate-limited":
                fake_slack.rate_limit("chat.postMessage", retry_after=rng.randint(1, 60))
            elif scenario == "server-errors":
                fake_slack.server_error("chat.postMessage", times=rng.randint(1, 4))
            elif scenario == "accepted-then-failed":
                fake_slack.accept_then_fail("chat.postMessage", disconnect=rng.random() < 0.5)
            elif scenario == "slack-down-for-a-while":
                # 5 history calls per attempt: 1 to 4 whole attempts fail, minutes apart.
                fake_slack.server_error("conversations.history", times=5 * rng.randint(1, 4))
            elif scenario == "second-replica":
                await h.run_until(_between(rng, start, due))
                h.start()
            await h.run_until(end)
            day += dt.timedelta(days=1)

    per_date = posts_per_date(fake_slack)
    every_day = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    duplicates = {d: n for d, n in per_date.items() if n > 1}
    misses = [d.isoformat() for d in every_day if per_date[d.isoformat()] == 0]
    records = post_state(state_db).records(CHANNEL)
    unrecorded = [r.day.isoformat() for r in records if r.status != "posted"]
    print(
        f"\nyear {first_day.year}, daily time {at} {TZ}, seed {SEED}: {len(every_day)} days, "
        f"{sum(per_date.values())} posts, {len(duplicates)} duplicates, {len(misses)} misses, "
        f"{h.started} process starts, {len(fake_slack.calls)} Slack calls"
    )
    print("scenarios: " + ", ".join(f"{k} {v}" for k, v in sorted(seen.items())))
    if duplicates or misses:
        print(f"duplicates: {duplicates}\nmisses: {misses}")
    assert len(every_day) == 366
    assert duplicates == {}
    assert misses == []
    assert len(records) == 366
    assert unrecorded == []
    posted_ts = {m["ts"] for m in daily_posts(fake_slack)}
    assert {r.ts for r in records} == posted_ts, "every recorded ts is the post in the channel"

    # The archive rotation never repeated an entry within a pass, through all the faults.
    passes: dict[int, list[str]] = defaultdict(list)
    for message in sorted(
        daily_posts(fake_slack), key=lambda m: m["metadata"]["event_payload"]["date"]
    ):
        payload = message["metadata"]["event_payload"]
        if payload["kind"] == "archive":
            passes[payload["archive_cycle"]].append(payload["entries"])
    assert all(len(p) == len(set(p)) for p in passes.values())
    assert all(set(passes[c]) == ARCHIVE_IDS for c in sorted(passes)[:-1])
    # Every scenario actually happened under this seed.
    assert set(seen) == set(SCENARIOS)


CLUSTER_SEED = 20241231
REPLICAS = 3
CLUSTER_SCENARIOS = {
    # name: weight
    "quiet": 30,
    "kill-holder-after-claim": 12,
    "kill-holder-after-slack-accepted": 12,
    "restart-one-before-time": 6,
    "all-down-at-post-time": 5,
    "rate-limited": 8,
    "server-errors": 8,
    "accepted-then-failed": 6,
    "slack-down-for-a-while": 5,
}


@pytest.mark.slow
async def test_a_year_with_three_schedulers_on_postgres(
    fake_slack: FakeSlack, knowledge_dir: Path, postgres_url: str
) -> None:
    """2024 with three schedulers sharing one PostgreSQL database, each its own engine: the
    replica holding the day's claim is killed at random (right after claiming, or after Slack
    accepted the post and before the state write), replicas restart, Slack answers 429 and
    500. Exactly 366 posts, none twice, no day missed, every one recorded."""
    rng = random.Random(CLUSTER_SEED)
    tz = ZoneInfo(TZ)
    names, weights = zip(*CLUSTER_SCENARIOS.items(), strict=True)
    seen: dict[str, int] = defaultdict(int)
    switch = KillSwitch()
    first_day, last_day = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    url = parse_database_url(postgres_url)
    async with harness(fake_slack, knowledge_dir, url, _midnight(first_day, tz), tz=TZ) as h:

        def top_up() -> None:
            h.reap()
            while len(h.tasks) < REPLICAS:
                h.start(state=Mortal(h.new_state(), switch))

        top_up()
        day = first_day
        while day <= last_day:
            start, end = _midnight(day, tz), _midnight(day + dt.timedelta(days=1), tz)
            due = run_time(day, dt.time(9), tz)
            scenario = rng.choices(names, weights)[0]
            seen[scenario] += 1
            top_up()
            if scenario in ("kill-holder-after-claim", "kill-holder-after-slack-accepted"):
                switch.point = "claimed" if scenario.endswith("claim") else "accepted"
                await h.run_until(due)
                assert switch.point is None, "nobody took the claim at the post time"
                assert h.reap() == 1, "the claim holder died"
                # Restarted within the lease (the others still wait) or after it.
                await h.run_until(_between(rng, due, due + dt.timedelta(minutes=20)))
                top_up()
            elif scenario == "restart-one-before-time":
                await h.run_until(_between(rng, start, due - dt.timedelta(minutes=1)))
                await h.stop(rng.choice(h.tasks))
                top_up()
            elif scenario == "all-down-at-post-time":
                await h.run_until(_between(rng, start, due - dt.timedelta(minutes=1)))
                await h.stop_all()
                await h.run_until(_between(rng, due, end - dt.timedelta(hours=1)))
                top_up()
            elif scenario == "rate-limited":
                fake_slack.rate_limit("chat.postMessage", retry_after=rng.randint(1, 60))
            elif scenario == "server-errors":
                fake_slack.server_error("chat.postMessage", times=rng.randint(1, 4))
            elif scenario == "accepted-then-failed":
                fake_slack.accept_then_fail("chat.postMessage", disconnect=rng.random() < 0.5)
            elif scenario == "slack-down-for-a-while":
                fake_slack.server_error("conversations.history", times=5 * rng.randint(1, 4))
            await h.run_until(end)
            day += dt.timedelta(days=1)

    per_date = posts_per_date(fake_slack)
    every_day = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    duplicates = {d: n for d, n in per_date.items() if n > 1}
    misses = [d.isoformat() for d in every_day if per_date[d.isoformat()] == 0]
    records = post_state(url).records(CHANNEL)
    print(
        f"\nyear {first_day.year}, {REPLICAS} schedulers on PostgreSQL, seed {CLUSTER_SEED}: "
        f"{sum(per_date.values())} posts, {len(duplicates)} duplicates, {len(misses)} misses, "
        f"{switch.kills} claim holders killed, {h.started} process starts"
    )
    print("scenarios: " + ", ".join(f"{k} {v}" for k, v in sorted(seen.items())))
    assert len(every_day) == 366
    assert sum(per_date.values()) == 366
    assert duplicates == {}
    assert misses == []
    assert [r.status for r in records] == ["posted"] * 366
    assert {r.ts for r in records} == {m["ts"] for m in daily_posts(fake_slack)}
    # Every scenario happened under this seed, and the kills were real takeovers.
    assert set(seen) == set(CLUSTER_SCENARIOS)
    killed = seen["kill-holder-after-claim"] + seen["kill-holder-after-slack-accepted"]
    assert switch.kills == killed
    assert len({r.owner for r in records}) > REPLICAS, "the days were posted by many processes"
