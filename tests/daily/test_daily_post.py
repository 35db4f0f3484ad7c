"""The post job against a stand-in Slack: claim, history check, post with metadata, record."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from daily_support import (
    CHANNEL,
    CrashAfterSlackAccepts,
    RecordingSleep,
    SimulatedCrash,
    daily_posts,
    posts_per_date,
)

from alliance_bot.daily.content import ArchivePick
from alliance_bot.daily.job import DailyJob, DailyOutcome, DailyPostFailed, post_daily
from alliance_bot.daily.state import SqlitePostState
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.daily_channel import (
    DAILY_EVENT_TYPE,
    SlackDailyChannel,
    as_daily_post,
    daily_metadata,
)
from alliance_bot.slack.web_client import make_slack_client
from alliance_bot.testing.fake_slack import FakeSlack

TOKYO = ZoneInfo("Asia/Tokyo")
EVENT_DAY = dt.date(2024, 12, 6)
QUIET_DAY = dt.date(2024, 1, 2)
NOW = dt.datetime(2024, 12, 6, 14, 0, tzinfo=dt.UTC)


async def _run(
    fake: FakeSlack,
    kb: KnowledgeBase,
    state: Any,
    sleep: RecordingSleep,
    *,
    day: dt.date = EVENT_DAY,
    owner: str = "test",
    now: dt.datetime = NOW,
    fallback: str = "archive",
) -> DailyOutcome:
    client = make_slack_client(token="xoxb-test", base_url=fake.base_url, sleep=sleep)
    job = DailyJob(
        state=state, fallback="skip" if fallback == "skip" else "archive", owner=owner,
        now=lambda: now, sleep=sleep,
    )  # fmt: skip
    return await post_daily(job, kb, SlackDailyChannel(client, CHANNEL, TOKYO), day)


def _methods(fake: FakeSlack) -> Sequence[str]:
    return [c.method for c in fake.calls]


class TestPosting:
    async def test_posts_once_with_metadata_and_records_ts(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """A first run checks history, posts tagged with the local date, and records the ts."""
        outcome = await _run(fake_slack, kb, state, fast_sleep)
        assert outcome.status == "posted"
        assert _methods(fake_slack) == ["conversations.history", "chat.postMessage"]
        history = fake_slack.calls_to("conversations.history")[0].params
        assert history["include_all_metadata"] in ("1", "true", "True")
        (post,) = fake_slack.calls_to("chat.postMessage")
        assert post.params["metadata"] == {
            "event_type": DAILY_EVENT_TYPE,
            "event_payload": {
                "date": "2024-12-06",
                "kind": "events",
                "entries": "ev-okinawa-exercise,ev-tokyo-talks",
            },
        }
        assert post.params["blocks"][0]["type"] == "header"
        record = await state.get(CHANNEL, EVENT_DAY)
        assert record is not None
        assert (record.status, record.ts) == ("posted", outcome.ts)

    async def test_twice_the_same_day_posts_once(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """The second run sees the record and touches Slack not at all."""
        await _run(fake_slack, kb, state, fast_sleep)
        calls = len(fake_slack.calls)
        again = await _run(fake_slack, kb, state, fast_sleep, owner="other")
        assert again.status == "done"
        assert len(fake_slack.calls) == calls
        assert posts_per_date(fake_slack) == {"2024-12-06": 1}

    async def test_archive_post_advances_the_rotation(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """A day without events posts an archive entry and records it in the rotation."""
        outcome = await _run(fake_slack, kb, state, fast_sleep, day=QUIET_DAY)
        assert outcome.status == "posted"
        assert outcome.message is not None
        assert outcome.message.kind == "archive"
        rotation = await state.rotation(CHANNEL)
        assert rotation.shown == frozenset(outcome.message.entry_ids)

    async def test_skip_day_posts_nothing_and_records_it(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """Under `skip` a day without events posts nothing, and a rerun does not look again."""
        outcome = await _run(fake_slack, kb, state, fast_sleep, day=QUIET_DAY, fallback="skip")
        assert outcome.status == "skipped"
        assert fake_slack.calls_to("chat.postMessage") == []
        record = await state.get(CHANNEL, QUIET_DAY)
        assert record is not None
        assert record.status == "skipped"
        again = await _run(fake_slack, kb, state, fast_sleep, day=QUIET_DAY, fallback="skip")
        assert again.status == "done"

    async def test_a_claim_held_elsewhere_means_busy(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """While another process holds the day, nothing is posted and the lease end is given."""
        await state.claim(CHANNEL, EVENT_DAY, owner="replica-2", now=NOW,
                          lease=dt.timedelta(minutes=10))  # fmt: skip
        outcome = await _run(fake_slack, kb, state, fast_sleep)
        assert outcome.status == "busy"
        assert outcome.retry_at == NOW + dt.timedelta(minutes=10)
        assert fake_slack.calls == []


class TestCrashAfterSlackAccepted:
    async def test_restart_finds_the_post_and_does_not_post_again(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """Killed between Slack's OK and the state write: the next run records, posts nothing."""
        crashing = CrashAfterSlackAccepts(state)
        with pytest.raises(SimulatedCrash):
            await _run(fake_slack, kb, crashing, fast_sleep, owner="dead", day=QUIET_DAY)
        assert len(daily_posts(fake_slack)) == 1
        record = await state.get(CHANNEL, QUIET_DAY)
        assert record is not None
        assert record.status == "claimed", "the dead claim stays"
        after_lease = NOW + dt.timedelta(minutes=11)
        outcome = await _run(
            fake_slack, kb, state, fast_sleep, owner="restarted", day=QUIET_DAY, now=after_lease
        )
        assert outcome.status == "found"
        assert len(daily_posts(fake_slack)) == 1
        record = await state.get(CHANNEL, QUIET_DAY)
        assert record is not None
        assert record.status == "posted"
        assert record.ts == daily_posts(fake_slack)[0]["ts"]
        (pick_id,) = record.entry_ids
        rotation = await state.rotation(CHANNEL)
        assert rotation.shown == {pick_id}, "the archive pick counts although the crash hid it"

    async def test_history_is_read_with_metadata_across_other_messages(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """Our tagged post is found among other messages and other days' posts."""
        client = make_slack_client(token="xoxb-test", base_url=fake_slack.base_url)
        tagged = {"event_type": DAILY_EVENT_TYPE,
                  "event_payload": {"date": "2024-12-05", "kind": "events", "entries": "x"}}  # fmt: skip
        await client.chat_postMessage(channel=CHANNEL, text="yesterday", metadata=tagged)
        tagged = {"event_type": DAILY_EVENT_TYPE,
                  "event_payload": {"date": "2024-12-06", "kind": "archive", "entries": "q-new-era",
                                    "archive_cycle": 3}}  # fmt: skip
        await client.chat_postMessage(channel=CHANNEL, text="today", metadata=tagged)
        for n in range(5):
            await client.chat_postMessage(channel=CHANNEL, text=f"chatter {n}")
        outcome = await _run(fake_slack, kb, state, fast_sleep)
        assert outcome.status == "found"
        assert len(fake_slack.calls_to("chat.postMessage")) == 7, "nothing new posted"
        rotation = await state.rotation(CHANNEL)
        assert (rotation.cycle, rotation.shown) == (3, frozenset({"q-new-era"}))

    @pytest.mark.parametrize("disconnect", [False, True], ids=["http-500", "dropped-connection"])
    async def test_post_accepted_then_failed_is_not_repeated(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep, disconnect: bool,
    ) -> None:  # fmt: skip
        """Slack stores the post but the answer fails: the job checks history, posts no twin."""
        fake_slack.accept_then_fail("chat.postMessage", disconnect=disconnect)
        outcome = await _run(fake_slack, kb, state, fast_sleep)
        assert outcome.status == "found"
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
        assert posts_per_date(fake_slack) == {"2024-12-06": 1}
        record = await state.get(CHANNEL, EVENT_DAY)
        assert record is not None
        assert record.ts == outcome.ts


class TestSlackFaults:
    async def test_429_waits_retry_after(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """A 429 on the post waits exactly Retry-After, then posts once."""
        fake_slack.rate_limit("chat.postMessage", retry_after=7)
        outcome = await _run(fake_slack, kb, state, fast_sleep)
        assert outcome.status == "posted"
        assert fast_sleep.waits == [7.0]
        assert len(fake_slack.calls_to("chat.postMessage")) == 2
        assert posts_per_date(fake_slack) == {"2024-12-06": 1}

    async def test_429_really_waits_on_the_default_sleep(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState
    ) -> None:
        """With the real sleep, the retry after a 429 comes no sooner than Retry-After."""
        fake_slack.rate_limit("conversations.history", retry_after=1)
        client = make_slack_client(token="xoxb-test", base_url=fake_slack.base_url)
        started = time.monotonic()
        job = DailyJob(state=state, fallback="archive", owner="t", now=lambda: NOW)
        await post_daily(job, kb, SlackDailyChannel(client, CHANNEL, TOKYO), EVENT_DAY)
        assert time.monotonic() - started >= 1.0
        assert len(daily_posts(fake_slack)) == 1

    async def test_repeated_500s_then_recovery(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """Three 500s on the post, with a history check before each retry, then one post."""
        fake_slack.server_error("chat.postMessage", times=3)
        fake_slack.server_error("conversations.history", times=2)
        outcome = await _run(fake_slack, kb, state, fast_sleep)
        assert outcome.status == "posted"
        assert len(fake_slack.calls_to("chat.postMessage")) == 4
        methods = [m for m in _methods(fake_slack) if m == "chat.postMessage" or m.startswith("c")]
        assert methods[-2:] == ["conversations.history", "chat.postMessage"]
        assert posts_per_date(fake_slack) == {"2024-12-06": 1}
        assert len(fast_sleep.waits) == 5, "2 history retries and 3 post retries, each waited"

    async def test_slack_down_fails_loudly_and_records_nothing(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep, caplog: pytest.LogCaptureFixture,
    ) -> None:  # fmt: skip
        """Slack answering 500 to everything: an error with traceback, no record, no claim."""
        fake_slack.server_error("chat.postMessage", times=100)
        with pytest.raises(DailyPostFailed):
            await _run(fake_slack, kb, state, fast_sleep)
        assert await state.get(CHANNEL, EVENT_DAY) is None
        failure = [r for r in caplog.records if r.levelname == "ERROR"]
        assert failure
        assert failure[-1].exc_info is not None
        assert "nothing recorded" in failure[-1].getMessage()

    async def test_after_an_outage_the_next_attempt_posts(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """The attempt after a failed one, by any process, posts exactly once."""
        # One attempt makes 5 history calls (the first and 4 retries); all fail.
        fake_slack.server_error("conversations.history", times=5)
        with pytest.raises(DailyPostFailed):
            await _run(fake_slack, kb, state, fast_sleep, owner="first")
        assert fake_slack.calls_to("chat.postMessage") == []
        assert await state.get(CHANNEL, EVENT_DAY) is None
        outcome = await _run(fake_slack, kb, state, fast_sleep, owner="second")
        assert outcome.status == "posted"
        assert posts_per_date(fake_slack) == {"2024-12-06": 1}

    async def test_a_refusal_is_not_retried(
        self, fake_slack: FakeSlack, kb: KnowledgeBase, state: SqlitePostState,
        fast_sleep: RecordingSleep,
    ) -> None:  # fmt: skip
        """`channel_not_found` fails at once, names the error, and records nothing."""
        fake_slack.api_error("chat.postMessage", "channel_not_found")
        with pytest.raises(DailyPostFailed, match="channel_not_found"):
            await _run(fake_slack, kb, state, fast_sleep)
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
        assert await state.get(CHANNEL, EVENT_DAY) is None


class TestArchivePickFromHistory:
    def test_metadata_round_trips_the_archive_pick(self, kb: KnowledgeBase) -> None:
        """The pick in the metadata is what the history check reads back."""
        from alliance_bot.daily.content import DailyMessage
        from alliance_bot.knowledge.models import Quote

        quote = kb.get("q-together", Quote)
        assert quote is not None
        message = DailyMessage(
            day=QUIET_DAY, kind="archive", entries=(quote,), archive=ArchivePick("q-together", 4)
        )
        found = as_daily_post({"ts": "1.0", "metadata": daily_metadata(message)}, QUIET_DAY)
        assert found is not None
        assert found.archive == ArchivePick("q-together", 4)
        assert as_daily_post({"ts": "1.0", "metadata": daily_metadata(message)}, EVENT_DAY) is None
