"""The stand-in Slack answers like Slack, records every call and injects scripted faults."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.testing.fake_slack import BOT_USER_ID, FakeSlack


def _client(fake: FakeSlack, **kwargs: object) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.base_url, **kwargs)  # type: ignore[arg-type]


class TestRecording:
    async def test_records_method_params_and_headers(self, fake_slack: FakeSlack) -> None:
        """Each call is recorded with its parameters and the bot token header."""
        await _client(fake_slack).chat_postMessage(channel="C1", text="hi", blocks=[])
        (call,) = fake_slack.calls_to("chat.postMessage")
        assert call.params["text"] == "hi"
        assert call.headers["Authorization"] == "Bearer xoxb-test"

    async def test_auth_test_names_the_bot(self, fake_slack: FakeSlack) -> None:
        """auth.test answers with the bot's user id."""
        response = await _client(fake_slack).auth_test()
        assert response["user_id"] == BOT_USER_ID

    async def test_unknown_methods_succeed(self, fake_slack: FakeSlack) -> None:
        """Any other method answers ok."""
        response = await _client(fake_slack).api_call("reactions.add", params={"name": "x"})
        assert response["ok"] is True

    async def test_response_url_posts_are_recorded(self, fake_slack: FakeSlack) -> None:
        """A post to a response_url is kept with its JSON body."""
        async with aiohttp.ClientSession() as session:
            await session.post(fake_slack.response_url("r1"), json={"text": "x"})
        (post,) = await fake_slack.wait_for_responses(1)
        assert (post.id, post.body["text"]) == ("r1", "x")


class TestHistory:
    async def test_history_newest_first_with_metadata_on_request(
        self, fake_slack: FakeSlack
    ) -> None:
        """Posted messages come back newest first; metadata only with include_all_metadata."""
        client = _client(fake_slack)
        metadata = {"event_type": "daily", "event_payload": {"day": "01-02"}}
        first = await client.chat_postMessage(channel="C1", text="one", metadata=metadata)
        await client.chat_postMessage(channel="C1", text="two")
        plain = await client.conversations_history(channel="C1")
        assert [m["text"] for m in plain["messages"]] == ["two", "one"]
        assert "metadata" not in plain["messages"][1]
        full = await client.conversations_history(channel="C1", include_all_metadata=True)
        assert full["messages"][1]["metadata"] == metadata
        newer = await client.conversations_history(channel="C1", oldest=first["ts"])
        assert [m["text"] for m in newer["messages"]] == ["two"]

    async def test_ts_increase(self, fake_slack: FakeSlack) -> None:
        """Every posted message gets a larger ts."""
        client = _client(fake_slack)
        a = await client.chat_postMessage(channel="C1", text="a")
        b = await client.chat_postMessage(channel="C2", text="b")
        assert float(b["ts"]) > float(a["ts"])


class TestFaults:
    async def test_api_error(self, fake_slack: FakeSlack) -> None:
        """A scripted ok:false error reaches the client as SlackApiError."""
        fake_slack.api_error("chat.postMessage", "channel_not_found")
        with pytest.raises(SlackApiError) as error:
            await _client(fake_slack).chat_postMessage(channel="C1", text="x")
        assert error.value.response["error"] == "channel_not_found"

    async def test_rate_limit_is_retried_by_sdk_handler(self, fake_slack: FakeSlack) -> None:
        """A 429 with Retry-After is retried by slack-sdk's handler and then succeeds."""
        fake_slack.rate_limit("chat.postMessage", retry_after=0)
        client = _client(
            fake_slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
        )
        response = await client.chat_postMessage(channel="C1", text="x")
        assert response["ok"] is True
        assert len(fake_slack.calls_to("chat.postMessage")) == 2

    async def test_accept_then_fail_stores_message(self, fake_slack: FakeSlack) -> None:
        """With accept_then_fail the caller sees an error but the message is in the channel."""
        fake_slack.accept_then_fail("chat.postMessage")
        with pytest.raises(SlackApiError):
            await _client(fake_slack).chat_postMessage(channel="C1", text="x")
        assert [m["text"] for m in fake_slack.posted("C1")] == ["x"]

    async def test_accept_then_disconnect(self, fake_slack: FakeSlack) -> None:
        """With disconnect the caller gets a connection error; the message is still stored."""
        fake_slack.accept_then_fail("chat.postMessage", disconnect=True)
        # slack-sdk retries connection errors once by default; turn that off to see the failure.
        with pytest.raises(aiohttp.ClientError):
            await _client(fake_slack, retry_handlers=[]).chat_postMessage(channel="C1", text="x")
        assert len(fake_slack.posted("C1")) == 1
