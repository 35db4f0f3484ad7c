"""The redelivery and replay guard on both backends: each id once, across replicas, until it
expires, and across restarts."""

from __future__ import annotations

import datetime as dt
import threading

from alliance_bot.state import Database, DatabaseUrl, DeliveryLog

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
