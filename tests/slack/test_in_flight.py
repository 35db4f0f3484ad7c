"""`InFlight` and `drain`: a shutdown waits for acknowledged work, but never past its bound."""

from __future__ import annotations

import asyncio

import pytest

from alliance_bot.slack.operations import InFlight, drain


class TestInFlight:
    async def test_wait_ends_when_the_last_one_ends(self) -> None:
        """wait_idle returns 0 once every begun listener has ended."""
        in_flight = InFlight()
        in_flight.begin()
        in_flight.begin()
        waiting = asyncio.create_task(in_flight.wait_idle(30))
        in_flight.end()
        await asyncio.sleep(0)
        assert not waiting.done()
        in_flight.end()
        assert await waiting == 0

    async def test_wait_is_bounded(self, caplog: pytest.LogCaptureFixture) -> None:
        """A listener that never ends holds the drain only for the grace period."""
        in_flight = InFlight()
        in_flight.begin()
        await drain(in_flight, grace=0.01)
        assert "stopping with 1 answer(s) still running" in caplog.text

    async def test_nothing_in_flight_logs_nothing(self, caplog: pytest.LogCaptureFixture) -> None:
        """With nothing acknowledged and unfinished, a drain is silent and immediate."""
        await drain(InFlight())
        assert caplog.text == ""
