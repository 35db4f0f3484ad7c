"""The redelivery and replay guard on both backends: each id once, across replicas, until it
expires, and across restarts."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from alliance_bot.state import Database, DatabaseUrl, DeliveryLog
from alliance_bot.state.deliveries import SWEEP_EVERY

NOW = dt.datetime(2024, 3, 10, 9, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(hours=1)


class TestFirstTime:
    def test_an_id_is_first_once(self, database: Database) -> None:
        """The first delivery of an id is acted on; every later one is not."""
        log = DeliveryLog(database, ttl=TTL)
        assert log.first_time("event:Ev1", NOW)
        assert not log.first_time("event:Ev1", NOW + dt.timedelta(seconds=30))
        assert log.first_time("event:Ev2", NOW)

    def test_an_expired_record_lets_the_id_count_anew(self, database: Database) -> None:
        """After its time to live an id is new again; before it, still a repeat."""
        log = DeliveryLog(database, ttl=TTL)
        assert log.first_time("trigger:t1", NOW)
        assert not log.first_time("trigger:t1", NOW + TTL - dt.timedelta(seconds=1))
        assert log.first_time("trigger:t1", NOW + TTL)

    def test_sweep_deletes_only_expired_records(self, database: Database) -> None:
        """Expired records are removed; live ones keep guarding."""
        log = DeliveryLog(database, ttl=TTL)
        log.first_time("action:old", NOW)
        log.first_time("action:new", NOW + TTL)
        assert log.sweep(NOW + TTL) == 1
        assert not log.first_time("action:new", NOW + TTL)

    def test_a_very_long_key_is_guarded_too(self, database: Database) -> None:
        """A key longer than MAX_KEY_CHARS is stored as its hash and still counts once."""
        log = DeliveryLog(database, ttl=TTL)
        key = "event:" + "x" * 5_000
        assert log.first_time(key, NOW)
        assert not log.first_time(key, NOW)
        assert log.first_time(key + "y", NOW)


class TestAcrossReplicas:
    def test_racing_replicas_have_one_first(self, state_url: DatabaseUrl) -> None:
        """The same id reaching eight replicas (engines) at once is first on exactly one."""
        databases = [Database.open(state_url) for _ in range(8)]
        results: list[bool] = []
        start = threading.Barrier(len(databases))

        def deliver(database: Database) -> None:
            log = DeliveryLog(database, ttl=TTL)
            start.wait()
            results.append(log.first_time("event:EvRace", NOW))

        threads = [threading.Thread(target=deliver, args=(d,)) for d in databases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for database in databases:
            database.dispose()
        assert sorted(results) == [False] * 7 + [True]

    def test_the_record_survives_a_restart(self, state_url: DatabaseUrl) -> None:
        """A replay reaching a restarted replica is still recognised."""
        first = Database.open(state_url)
        assert DeliveryLog(first, ttl=TTL).first_time("trigger:t9", NOW)
        first.dispose()
        again = Database.open(state_url)
        try:
            assert not DeliveryLog(again, ttl=TTL).first_time("trigger:t9", NOW)
        finally:
            again.dispose()


class TestQuickClaims:
    def test_quick_and_ordinary_claims_are_one_record(self, database: Database) -> None:
        """A claim made quickly is seen by the ordinary way and the other way round; on
        PostgreSQL there is no quick way and nothing is recorded by asking for one."""
        log = DeliveryLog(database, ttl=TTL)
        quick = log.first_time_quickly("event:Ev1", NOW)
        if database.dialect == "postgresql":
            assert quick is None
            assert log.first_time("event:Ev1", NOW)
            return
        assert quick is True
        assert not log.first_time("event:Ev1", NOW)
        assert log.first_time("event:Ev2", NOW)
        assert log.first_time_quickly("event:Ev2", NOW) is False
        assert log.first_time_quickly("event:Ev1", NOW + TTL) is True  # expired: anew

    def test_a_held_write_lock_sends_the_claim_the_ordinary_way(self, tmp_path: Path) -> None:
        """While another connection (another process, a worker thread) holds SQLite's write lock,
        a quick claim records nothing and says so instead of waiting for the lock."""
        database = Database.sqlite(tmp_path / "state.db")
        other = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
        try:
            log = DeliveryLog(database, ttl=TTL)
            assert log.first_time_quickly("event:Ev0", NOW) is True  # the kept connection opens
            other.execute("BEGIN IMMEDIATE")
            assert log.first_time_quickly("event:Ev1", NOW) is None
            other.execute("ROLLBACK")
            assert log.first_time_quickly("event:Ev1", NOW) is True
            assert not log.first_time("event:Ev0", NOW)
        finally:
            other.close()
            database.dispose()

    def test_a_sweep_is_left_to_the_ordinary_way(self, tmp_path: Path) -> None:
        """The call on which a sweep falls is declined quickly, and `first_time` sweeps."""
        database = Database.sqlite(tmp_path / "state.db")
        try:
            log = DeliveryLog(database, ttl=TTL)
            for n in range(SWEEP_EVERY - 1):
                assert log.first_time_quickly(f"event:Ev{n}", NOW) is True
            later = NOW + 2 * TTL
            assert log.first_time_quickly("event:late", later) is None
            assert log.first_time("event:late", later)
            with database.transaction() as db:
                count = db.execute(text("SELECT COUNT(*) FROM deliveries")).scalar_one()
            assert count == 1
        finally:
            database.dispose()
