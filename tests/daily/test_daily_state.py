"""The SQLite post state: claims with leases, records, the archive rotation, migrations."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

from alliance_bot.daily.content import ArchivePick
from alliance_bot.daily.state import COMPONENT, MIGRATIONS, SqlitePostState
from alliance_bot.sqlite_store import migrate, statements

DAY = dt.date(2024, 3, 10)
NOON = dt.datetime(2024, 3, 10, 16, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=10)


class TestClaims:
    async def test_only_one_of_two_owners_gets_the_day(self, state: SqlitePostState) -> None:
        """A second owner is told the day is busy while the first claim's lease runs."""
        first = await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        second = await state.claim("C1", DAY, owner="b", now=NOON, lease=LEASE)
        assert (first.status, second.status) == ("claimed", "busy")
        assert second.record.lease_until == NOON + LEASE

    async def test_an_expired_claim_can_be_taken_over(self, state: SqlitePostState) -> None:
        """A claimer that died blocks the day only until its lease runs out."""
        await state.claim("C1", DAY, owner="dead", now=NOON, lease=LEASE)
        later = await state.claim("C1", DAY, owner="b", now=NOON + LEASE, lease=LEASE)
        assert later.status == "claimed"
        assert later.record.owner == "b"
        assert later.record.first_claimed_at == NOON

    async def test_a_recorded_day_is_done(self, state: SqlitePostState) -> None:
        """After the post is recorded every claim answers done, with the ts."""
        await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        await state.record_post(
            "C1", DAY, owner="a", ts="1.2", kind="events", entry_ids=["x", "y"],
            archive=None, now=NOON,
        )  # fmt: skip
        again = await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        assert again.status == "done"
        assert (again.record.ts, again.record.entry_ids) == ("1.2", ("x", "y"))

    async def test_release_hands_the_day_back(self, state: SqlitePostState) -> None:
        """After a release nothing is recorded and another owner can claim at once."""
        await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        await state.release("C1", DAY, owner="a")
        assert await state.get("C1", DAY) is None
        assert (await state.claim("C1", DAY, owner="b", now=NOON, lease=LEASE)).status == "claimed"

    async def test_channels_and_days_are_independent(self, state: SqlitePostState) -> None:
        """A claim covers one channel and one local date only."""
        await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        other_channel = await state.claim("C2", DAY, owner="b", now=NOON, lease=LEASE)
        other_day = await state.claim("C1", DAY.replace(day=11), owner="b", now=NOON, lease=LEASE)
        assert other_channel.status == other_day.status == "claimed"

    async def test_concurrent_claims_from_many_connections_have_one_winner(
        self, state_db: Path
    ) -> None:
        """Twenty owners racing on one file through separate connections: exactly one wins."""
        stores = [SqlitePostState(state_db) for _ in range(20)]
        claims = await asyncio.gather(
            *(
                s.claim("C1", DAY, owner=f"o{i}", now=NOON, lease=LEASE)
                for i, s in enumerate(stores)
            )
        )
        assert sorted(c.status for c in claims).count("claimed") == 1


class TestRotation:
    async def test_rotation_follows_recorded_archive_posts(self, state: SqlitePostState) -> None:
        """The rotation lists this cycle's shown entries and the last one; a new cycle resets."""
        for n, (entry, cycle) in enumerate([("a", 0), ("b", 0), ("c", 1)]):
            day = DAY + dt.timedelta(days=n)
            await state.record_post(
                "C1", day, owner="o", ts=f"{n}.0", kind="archive", entry_ids=[entry],
                archive=ArchivePick(entry, cycle), now=NOON,
            )  # fmt: skip
            if n == 1:
                middle = await state.rotation("C1")
        assert (middle.cycle, middle.shown, middle.last) == (0, frozenset({"a", "b"}), "b")
        rotation = await state.rotation("C1")
        assert (rotation.cycle, rotation.shown, rotation.last) == (1, frozenset({"c"}), "c")
        assert (await state.rotation("C2")).shown == frozenset()


class TestSchema:
    def test_wal_and_version(self, state: SqlitePostState) -> None:
        """The file is in WAL mode and records how many migrations it has had."""
        db = sqlite3.connect(state.path)
        try:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            version = db.execute(
                "SELECT version FROM schema_versions WHERE component = ?", (COMPONENT,)
            ).fetchone()
            assert version == (len(MIGRATIONS),)
        finally:
            db.close()

    def test_a_new_step_runs_once_on_an_existing_file(self, state: SqlitePostState) -> None:
        """Appending a migration adds its table to an old file; running again changes nothing."""
        steps = [*MIGRATIONS, "CREATE TABLE refresh_history (id INTEGER PRIMARY KEY); -- x; y"]
        db = sqlite3.connect(state.path, isolation_level=None)
        try:
            assert migrate(db, steps, component=COMPONENT) == len(steps)
            assert migrate(db, steps, component=COMPONENT) == len(steps)
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            assert {"daily_posts", "archive_shown", "refresh_history"} <= tables
        finally:
            db.close()

    def test_a_file_versioned_by_user_version_is_not_migrated_again(self, tmp_path: Path) -> None:
        """A file from before components keeps its tables and rows; its count carries over."""
        path = tmp_path / "old.db"
        db = sqlite3.connect(path, isolation_level=None)
        try:
            for statement in statements(MIGRATIONS[0]):
                db.execute(statement)
            db.execute(
                "INSERT INTO archive_shown (channel, cycle, entry_id, local_date) "
                "VALUES ('C1', 1, 'e', '2024-03-09')"
            )
            db.execute("PRAGMA user_version = 1")
        finally:
            db.close()
        state = SqlitePostState(path)
        assert asyncio.run(state.rotation("C1")).shown == frozenset({"e"})
        db = sqlite3.connect(path)
        try:
            version = db.execute(
                "SELECT version FROM schema_versions WHERE component = ?", (COMPONENT,)
            ).fetchone()
            assert version == (len(MIGRATIONS),)
        finally:
            db.close()

    def test_reopening_keeps_the_records(self, state_db: Path) -> None:
        """A restarted process sees what the previous one recorded."""
        first = SqlitePostState(state_db)
        asyncio.run(
            first.record_post(
                "C1", DAY, owner="o", ts="9.9", kind="events", entry_ids=["e"], archive=None,
                now=NOON,
            )
        )  # fmt: skip
        assert [r.ts for r in SqlitePostState(state_db).records("C1")] == ["9.9"]
