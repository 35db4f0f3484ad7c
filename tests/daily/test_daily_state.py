"""The post state on SQLite and PostgreSQL: claims with leases, records, the archive rotation."""

from __future__ import annotations

import asyncio
import datetime as dt

from alliance_bot.daily.content import ArchivePick
from alliance_bot.daily.state import SqlPostState
from alliance_bot.state import Database, DatabaseUrl

DAY = dt.date(2024, 3, 10)
NOON = dt.datetime(2024, 3, 10, 16, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=10)


class TestClaims:
    async def test_only_one_of_two_owners_gets_the_day(self, state: SqlPostState) -> None:
        """A second owner is told the day is busy while the first claim's lease runs."""
        first = await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        second = await state.claim("C1", DAY, owner="b", now=NOON, lease=LEASE)
        assert (first.status, second.status) == ("claimed", "busy")
        assert second.record.lease_until == NOON + LEASE

    async def test_an_expired_claim_can_be_taken_over(self, state: SqlPostState) -> None:
        """A claimer that died blocks the day only until its lease runs out."""
        await state.claim("C1", DAY, owner="dead", now=NOON, lease=LEASE)
        later = await state.claim("C1", DAY, owner="b", now=NOON + LEASE, lease=LEASE)
        assert later.status == "claimed"
        assert later.record.owner == "b"
        assert later.record.first_claimed_at == NOON

    async def test_a_recorded_day_is_done(self, state: SqlPostState) -> None:
        """After the post is recorded every claim answers done, with the ts."""
        await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        await state.record_post(
            "C1", DAY, owner="a", ts="1.2", kind="events", entry_ids=["x", "y"],
            archive=None, now=NOON,
        )  # fmt: skip
        again = await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        assert again.status == "done"
        assert (again.record.ts, again.record.entry_ids) == ("1.2", ("x", "y"))

    async def test_release_hands_the_day_back(self, state: SqlPostState) -> None:
        """After a release nothing is recorded and another owner can claim at once."""
        await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        await state.release("C1", DAY, owner="a")
        assert await state.get("C1", DAY) is None
        assert (await state.claim("C1", DAY, owner="b", now=NOON, lease=LEASE)).status == "claimed"

    async def test_channels_and_days_are_independent(self, state: SqlPostState) -> None:
        """A claim covers one channel and one local date only."""
        await state.claim("C1", DAY, owner="a", now=NOON, lease=LEASE)
        other_channel = await state.claim("C2", DAY, owner="b", now=NOON, lease=LEASE)
        other_day = await state.claim("C1", DAY.replace(day=11), owner="b", now=NOON, lease=LEASE)
        assert other_channel.status == other_day.status == "claimed"

    async def test_concurrent_claims_from_many_connections_have_one_winner(
        self, state_url: DatabaseUrl
    ) -> None:
        """Twenty owners racing, each with its own engine as separate replicas: one wins."""
        databases = [Database.open(state_url) for _ in range(20)]
        try:
            claims = await asyncio.gather(
                *(
                    SqlPostState(d).claim("C1", DAY, owner=f"o{i}", now=NOON, lease=LEASE)
                    for i, d in enumerate(databases)
                )
            )
        finally:
            for d in databases:
                d.dispose()
        assert sorted(c.status for c in claims).count("claimed") == 1

    async def test_racing_takeovers_of_an_expired_claim_have_one_winner(
        self, state_url: DatabaseUrl
    ) -> None:
        """When a dead owner's lease runs out, of many replicas taking it over one gets it."""
        databases = [Database.open(state_url) for _ in range(10)]
        try:
            await SqlPostState(databases[0]).claim("C1", DAY, owner="dead", now=NOON, lease=LEASE)
            later = NOON + LEASE
            claims = await asyncio.gather(
                *(
                    SqlPostState(d).claim("C1", DAY, owner=f"o{i}", now=later, lease=LEASE)
                    for i, d in enumerate(databases)
                )
            )
        finally:
            for d in databases:
                d.dispose()
        assert sorted(c.status for c in claims) == ["busy"] * 9 + ["claimed"]


class TestRotation:
    async def test_rotation_follows_recorded_archive_posts(self, state: SqlPostState) -> None:
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


class TestRestart:
    async def test_reopening_keeps_the_records(self, state_url: DatabaseUrl) -> None:
        """A restarted process sees what the previous one recorded."""
        first = Database.open(state_url)
        await SqlPostState(first).record_post(
            "C1", DAY, owner="o", ts="9.9", kind="events", entry_ids=["e"], archive=None, now=NOON
        )
        first.dispose()
        again = Database.open(state_url)
        try:
            assert [r.ts for r in SqlPostState(again).records("C1")] == ["9.9"]
        finally:
            again.dispose()
