"""The delivery guard's contract, run against every implementation (add a new store to
`GUARDS`), the refusal log's rate limit, with injected clocks, and a guard whose database is
down."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from alliance_bot.logs import LogBudget
from alliance_bot.slack.delivery import (
    DeliveryGuard,
    MemoryDeliveryGuard,
    all_first_time,
    delivery_keys,
    first_delivery,
)
from alliance_bot.slack.server import RefusalLog
from alliance_bot.state import Database, DatabaseUrl, DeliveryLog, parse_database_url

T0 = dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(hours=1)

GUARDS = ["sqlite", "postgres", "memory"]


@pytest.fixture(params=GUARDS)
def guard(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DeliveryGuard]:
    """Each implementation of `DeliveryGuard`, fresh: the state database's log on each backend,
    and the in-memory one."""
    if request.param == "memory":
        yield MemoryDeliveryGuard(ttl=TTL)
        return
    url = (
        DatabaseUrl.sqlite(tmp_path / "state.db")
        if request.param == "sqlite"
        else parse_database_url(request.getfixturevalue("postgres_url"))
    )
    database = Database.open(url)
    yield DeliveryLog(database, ttl=TTL)
    database.dispose()


class TestDeliveryGuardContract:
    def test_first_time_then_not(self, guard: DeliveryGuard) -> None:
        """A key is new once; other keys are unaffected."""
        assert guard.first_time("event:Ev1", T0) is True
        assert guard.first_time("event:Ev1", T0 + dt.timedelta(minutes=4)) is False
        assert guard.first_time("event:Ev2", T0) is True

    def test_record_expires(self, guard: DeliveryGuard) -> None:
        """After the record's lifetime the same key is new again."""
        assert guard.first_time("trigger:1.2.3", T0) is True
        assert guard.first_time("trigger:1.2.3", T0 + TTL - dt.timedelta(seconds=1)) is False
        assert guard.first_time("trigger:1.2.3", T0 + TTL + dt.timedelta(seconds=1)) is True

    def test_long_keys_are_stored_bounded(self, guard: DeliveryGuard) -> None:
        """A very long key still works (it is hashed), and is distinct from its prefix."""
        long_key = "action:" + "x" * 5000
        assert guard.first_time(long_key, T0) is True
        assert guard.first_time(long_key, T0) is False
        assert guard.first_time(long_key[:4000], T0) is True

    async def test_a_delivery_is_first_once_whichever_way_its_keys_go(
        self, guard: DeliveryGuard
    ) -> None:
        """`first_delivery` records every key (quickly where the store can, else in a thread):
        a delivery reusing any one of them is a repeat, on every store."""
        assert await first_delivery(guard, ["trigger:1", "action:1.2:a:1.3"], T0) is True
        assert await first_delivery(guard, ["trigger:1"], T0) is False
        assert await first_delivery(guard, ["trigger:2", "action:1.2:a:1.3"], T0) is False
        assert (
            guard.first_time("trigger:2", T0) is False
        )  # recorded although the delivery was not new


class _QuickOnce(MemoryDeliveryGuard):
    """A store that can record only its first key quickly (then the lock is taken, say)."""

    def __init__(self) -> None:
        super().__init__(ttl=TTL)
        self.slow: list[str] = []

    def first_time(self, key: str, now: dt.datetime) -> bool:
        self.slow.append(key)
        return super().first_time(key, now)

    def first_time_quickly(self, key: str, now: dt.datetime) -> bool | None:
        if self._seen:
            return None
        return super().first_time(key, now)


class TestFirstDelivery:
    async def test_keys_the_store_cannot_record_quickly_go_to_a_thread(self) -> None:
        """From the first key declined quickly, the rest are recorded the ordinary way; none is
        skipped, and a repeat among them still makes the delivery a repeat."""
        guard = _QuickOnce()
        keys = ["trigger:1", "action:1.2:a:1.3", "action:1.2:b:1.3"]
        assert await first_delivery(guard, keys, T0) is True
        assert guard.slow == keys[1:]
        assert await first_delivery(guard, ["trigger:9", "action:1.2:b:1.3"], T0) is False
        assert guard.first_time("trigger:9", T0) is False


class TestDeliveryLog:
    def test_survives_a_restart(self, state_url: DatabaseUrl) -> None:
        """A second guard on the same database (a restarted process, or another replica)
        remembers the key."""
        first, second = Database.open(state_url), Database.open(state_url)
        assert DeliveryLog(first).first_time("event:Ev1", T0) is True
        assert DeliveryLog(second).first_time("event:Ev1", T0) is False
        first.dispose()
        second.dispose()

    def test_expired_rows_are_pruned(self, database: Database) -> None:
        """Old rows are deleted as new keys come in, so the table stays small."""
        guard = DeliveryLog(database, ttl=TTL)
        for n in range(50):
            guard.first_time(f"event:Ev{n}", T0)
        guard.first_time("event:later", T0 + 2 * TTL)
        assert guard.sweep(T0 + 2 * TTL) == 50
        with database.transaction() as db:
            count = db.execute(text("SELECT COUNT(*) FROM deliveries")).scalar_one()
        assert count == 1


class TestDeliveryKeys:
    def test_keys_of_each_kind(self) -> None:
        """Events by event_id, commands by trigger_id, clicks by trigger_id and action."""
        assert list(delivery_keys({"type": "event_callback", "event_id": "Ev1"})) == ["event:Ev1"]
        assert list(delivery_keys({"command": "/alliance", "trigger_id": "1.2.3"})) == [
            "trigger:1.2.3"
        ]
        click = {
            "type": "block_actions",
            "trigger_id": "4.5.6",
            "container": {"message_ts": "1.2"},
            "actions": [{"action_id": "alliance_share", "action_ts": "1.3"}],
        }
        assert list(delivery_keys(click)) == ["trigger:4.5.6", "action:1.2:alliance_share:1.3"]
        assert list(delivery_keys({"type": "app_rate_limited"})) == []


class TestRefusalLog:
    def test_burst_then_one_summary_line(self, caplog: pytest.LogCaptureFixture) -> None:
        """At most `burst` lines per window; the rest are counted in one line next window."""
        now = [0.0]
        log = RefusalLog(burst=3, window=60.0, clock=lambda: now[0])
        caplog.set_level(logging.WARNING)
        for _ in range(10):
            log.refused(401, "unsigned", "192.0.2.1", 10)
        assert len(caplog.records) == 3
        now[0] = 61.0
        log.refused(401, "bad signature", "192.0.2.1\nINFO forged", None)
        messages = [r.getMessage() for r in caplog.records[3:]]
        assert messages[0] == "7 more refused requests were not logged in the last 61 s"
        assert "\n" not in messages[1]
        assert "forged" in messages[1]
        assert "'192.0.2.1\\nINFO forged'" in messages[1]
        assert "unknown length" in messages[1]


class _DatabaseDown:
    """A guard whose store fails the way SQLAlchemy does, quoting the statement's parameters."""

    def first_time(self, key: str, now: dt.datetime) -> bool:
        raise OperationalError("INSERT INTO deliveries ...", {"key": key}, Exception("gone"))

    def first_time_quickly(self, key: str, now: dt.datetime) -> bool | None:
        return None  # as a SQLite file that fails: the ordinary way then fails open


class TestGuardUnavailable:
    def test_requests_go_through_with_a_bounded_warning(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """While the database is down every delivery is processed (a possible duplicate beats a
        lost answer); the warning names the error's type, not the driver's message with the
        statement and its parameters, and comes at most `burst` times per window."""
        now = [0.0]
        budget = LogBudget(logging.getLogger("test"), "deliveries", burst=2, clock=lambda: now[0])
        caplog.set_level(logging.WARNING)
        keys = [[f"event:Ev{n}"] for n in range(30)]
        assert all(all_first_time(_DatabaseDown(), k, T0, budget=budget) for k in keys)
        messages = [r.getMessage() for r in caplog.records]
        assert len(messages) == 2
        assert all("OperationalError" in m for m in messages)
        assert not any("INSERT" in m or "gone" in m for m in messages)
        now[0] = 60.0
        all_first_time(_DatabaseDown(), ["event:Ev99"], T0, budget=budget)
        assert caplog.records[2].getMessage() == (
            "28 more deliveries were not logged in the last 60 s"
        )
