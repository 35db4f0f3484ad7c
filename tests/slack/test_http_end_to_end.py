"""The real `alliance-bot serve` process, driven with signed requests as Slack sends them, against
the stand-in Slack Web API: we assert on exactly what Slack would receive."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from alliance_bot.slack.render.answers import SHARE_ACTION, ShareRef, validate_message
from alliance_bot.testing.app_process import AppProcess
from alliance_bot.testing.fake_slack import BOT_USER_ID, FakeSlack
from alliance_bot.testing.slack_requests import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    JSON,
    USER_ID,
    SlackSender,
)

pytestmark = pytest.mark.slow


def _message(post: Any) -> dict[str, Any]:
    """The message part of a response_url post or a chat.postMessage call."""
    body = dict(getattr(post, "body", None) or post.params)
    validate_message({"text": body["text"], "blocks": body["blocks"]})
    return body


def _all_text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


class TestHealth:
    async def test_healthz_reports_loaded_knowledge(self, server: AppProcess) -> None:
        """GET /healthz answers 200 with the knowledge base version once it is loaded."""
        async with aiohttp.ClientSession() as session, session.get(f"{server.url}/healthz") as r:
            assert r.status == 200
            body = await r.json()
        assert body["ok"] is True
        assert body["entries"] > 0
        assert body["knowledge_version"]

    async def test_stops_cleanly_on_sigterm(self, server: AppProcess) -> None:
        """SIGTERM stops the server with exit status 0."""
        assert await server.stop() == 0


class TestSignatures:
    async def test_bad_signature_is_401(self, slack: SlackSender, fake_slack: FakeSlack) -> None:
        """A request signed with the wrong secret gets 401 and causes no Slack call."""
        sent = await slack.post(
            slack.event_body(slack.mention("who is Hamada")), JSON, secret="not-the-secret"
        )
        assert sent.status == 401
        assert fake_slack.calls_to("chat.postMessage") == []

    async def test_stale_timestamp_is_401(self, slack: SlackSender) -> None:
        """A correctly signed request older than five minutes (a replay) gets 401."""
        body = slack.event_body(slack.mention("who is Hamada"))
        sent = await slack.post(body, JSON, timestamp=int(time.time()) - 6 * 60)
        assert sent.status == 401

    async def test_missing_signature_is_401(self, server: AppProcess) -> None:
        """An unsigned request gets 401."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{server.url}/slack/events",
                data=b"command=%2Falliance&text=hi",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ) as response,
        ):
            assert response.status == 401


class TestSlashCommand:
    async def test_answer_is_ephemeral_with_context_and_share(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """`/alliance who is Hamada` is answered privately in its ack with the answer, a context
        line citing the file, and a Share button; nothing is posted to the response_url."""
        sent = await slack.command("who is Hamada")
        assert sent.status == 200
        (post,) = await fake_slack.wait_for_responses(1)
        assert post.immediate
        assert json.loads(sent.body) == post.body
        message = _message(post)
        assert message["response_type"] == "ephemeral"
        assert "Hamada Yasukazu" in message["blocks"][0]["text"]["text"]
        context = message["blocks"][1]
        assert context["type"] == "context"
        assert "seeds/000_5ff9ce3bc3b1b388.txt" in context["elements"][0]["text"]
        share = message["blocks"][-1]["elements"][-1]
        assert share["action_id"] == SHARE_ACTION
        assert ShareRef.decode(share["value"]).question == "who is Hamada"

    async def test_fuzzy_match_says_what_it_matched(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A misspelt name is answered and the context line says what it matched."""
        await slack.command("who is hamda")
        (post,) = await fake_slack.wait_for_responses(1)
        context = _message(post)["blocks"][1]["elements"][0]["text"]
        assert "matched" in context
        assert "hamda" in context
        assert "Hamada Yasukazu" in context

    @pytest.mark.parametrize("text", ["", "help"])
    async def test_help(self, slack: SlackSender, fake_slack: FakeSlack, text: str) -> None:
        """`/alliance` alone and `/alliance help` show the question forms with examples."""
        await slack.command(text)
        (post,) = await fake_slack.wait_for_responses(1)
        assert "who is Hamada" in _message(post)["text"]

    async def test_did_you_mean_buttons(self, slack: SlackSender, fake_slack: FakeSlack) -> None:
        """An ambiguous question offers its candidates as buttons whose values are entry ids."""
        await slack.command("who is yoko")
        (post,) = await fake_slack.wait_for_responses(1)
        buttons = _message(post)["blocks"][-1]["elements"]
        assert "kamikawa-yoko" in [b["value"] for b in buttons]


class TestHostileInput:
    @pytest.mark.parametrize(
        "text", ["who is <!channel>", "who is &lt;!channel&gt;", "who is <!here> <@U0OTHER01>"]
    )
    async def test_cannot_ping(self, slack: SlackSender, fake_slack: FakeSlack, text: str) -> None:
        """Whatever the user types, the reply contains no live mention: `<` is always escaped."""
        await slack.command(text)
        (post,) = await fake_slack.wait_for_responses(1)
        message = _message(post)
        for field in [message["text"], *(json.dumps(b) for b in message["blocks"])]:
            assert "<!" not in field
            assert "<@" not in field

    async def test_fifteen_thousand_characters(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A 15,000-character question is acked in time and gets a normal, valid reply."""
        async with fake_slack.replies_held():  # in the ack, or (past the budget) after it
            sent = await slack.command("who is " + "Hamada " * 2142)
        assert sent.status == 200
        (post,) = await fake_slack.wait_for_responses(1)
        message = _message(post)  # validates every block against slack-sdk's models
        assert len(message["blocks"]) <= 50

    @pytest.mark.parametrize(
        "overrides",
        [
            {"text": "what is the payload of the H3 rocket"},
            {"text": "payload"},
            {"text": "who is Hamada", "channel_name": "payload-team"},
            {"text": "who is Hamada", "user_name": "payload"},
            {"text": "payload=1&payload={}"},
            {"text": "ssl_check=1"},
            {"text": "type=url_verification&challenge=x"},
            {"text": '{"type": "event_callback"}'},
            {"text": "command=/other&response_url=http://evil.example/"},
        ],
    )
    async def test_word_payload_anywhere(
        self, slack: SlackSender, fake_slack: FakeSlack, overrides: dict[str, str]
    ) -> None:
        """A slash command containing "payload" or other protocol words anywhere is answered
        through its own response_url, not 404."""
        text = overrides.pop("text")
        sent = await slack.command(text, **overrides)
        assert sent.status == 200
        (post,) = await fake_slack.wait_for_responses(1)
        assert _message(post)["response_type"] == "ephemeral"


class TestEvents:
    async def test_url_verification(self, slack: SlackSender) -> None:
        """Slack's url_verification challenge is echoed back."""
        body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
        sent = await slack.post(body, JSON)
        assert sent.status == 200
        assert sent.json() == {"challenge": "c-123"}

    async def test_mention_replies_in_thread(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """`@alliance who is Hamada` is answered in a thread under the mention."""
        async with fake_slack.replies_held():  # acked before the reply is posted
            sent = await slack.event(slack.mention("who is Hamada", ts="1700000100.000200"))
        assert sent.status == 200
        (call,) = await fake_slack.wait_for_calls("chat.postMessage")
        assert call.params["channel"] == CHANNEL_ID
        assert call.params["thread_ts"] == "1700000100.000200"
        assert "Hamada Yasukazu" in _message(call)["text"]
        assert call.headers["Authorization"] == "Bearer xoxb-test-token"

    async def test_mention_inside_thread_stays_in_thread(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A mention inside a thread is answered in that thread."""
        event = slack.mention(
            "who is Hamada", ts="1700000150.000100", thread_ts="1700000100.000200"
        )
        await slack.event(event)
        (call,) = await fake_slack.wait_for_calls("chat.postMessage")
        assert call.params["thread_ts"] == "1700000100.000200"

    async def test_direct_message_answered_in_dm(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A DM to the bot is answered in the DM, not in a thread."""
        await slack.event(slack.direct_message("who is Hamada"))
        (call,) = await fake_slack.wait_for_calls("chat.postMessage")
        assert call.params["channel"] == DM_CHANNEL_ID
        assert "thread_ts" not in call.params
        assert "Hamada Yasukazu" in _message(call)["text"]

    async def test_own_messages_are_not_answered(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """The bot's own DM messages and edits are ignored (no reply loops)."""
        own = await slack.event(slack.direct_message("hi", user=BOT_USER_ID, bot_id="BBOTALLIANCE"))
        edit = await slack.event(slack.direct_message("hi", subtype="message_changed"))
        # 200, not 404: Slack retries failed deliveries and disables apps that fail too often.
        assert (own.status, edit.status) == (200, 200)
        await slack.event(slack.direct_message("who is Hamada", ts="1700000999.000100"))
        calls = await fake_slack.wait_for_calls("chat.postMessage")
        assert len(calls) == 1
        assert "Hamada" in calls[0].params["text"]

    async def test_retried_event_is_not_answered_twice(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Slack's redelivery (X-Slack-Retry-Num) of an event already received is acked and
        dropped; only the first delivery gets a reply."""
        event = slack.mention("who is Hamada", ts="1700000100.000200")
        await slack.event(event, event_id="Ev0RETRY001")
        await fake_slack.wait_for_calls("chat.postMessage", 1)
        for attempt in (1, 2):
            sent = await slack.event(event, event_id="Ev0RETRY001", retry_num=attempt)
            assert sent.status == 200
        # A later, different event: once it is answered, any duplicate would have been too.
        await slack.event(slack.mention("who is Kishida", ts="1700000400.000100"))
        calls = await fake_slack.wait_for_calls("chat.postMessage", 2)
        assert [c.params["thread_ts"] for c in calls] == ["1700000100.000200", "1700000400.000100"]

    async def test_retry_of_a_lost_event_is_answered_once(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A redelivery of an event whose first delivery never arrived is answered, once."""
        event = slack.mention("who is Hamada")
        await slack.event(event, event_id="Ev0LOST0001", retry_num=1)
        await slack.event(event, event_id="Ev0LOST0001", retry_num=2)
        await slack.event(slack.mention("who is Kishida", ts="1700000400.000100"))
        calls = await fake_slack.wait_for_calls("chat.postMessage", 2)
        assert len(calls) == 2


class TestButtons:
    async def test_share_posts_for_everyone(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Share in channel posts the same answer in the channel, saying who shared it, and
        removes the private copy."""
        value = ShareRef(question="who is Hamada").encode()
        assert value is not None
        sent = await slack.click(SHARE_ACTION, value)
        assert sent.status == 200
        shared, deleted = await fake_slack.wait_for_responses(2)
        message = _message(shared)
        assert message["response_type"] == "in_channel"
        assert "Hamada Yasukazu" in message["text"]
        assert f"Shared by <@{USER_ID}>" in _all_text(message)
        assert deleted.body["delete_original"] is True

    async def test_suggestion_answers_that_entry(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Clicking a did-you-mean button answers that entry, replacing the suggestions."""
        async with fake_slack.replies_held():  # acked before the answer is delivered
            sent = await slack.click("alliance_suggest_0", "kamikawa-yoko")
        assert sent.status == 200
        (post,) = await fake_slack.wait_for_responses(1)
        message = _message(post)
        assert message["replace_original"] is True
        assert "Kamikawa" in message["text"]
        share = message["blocks"][-1]["elements"][-1]
        assert ShareRef.decode(share["value"]).entry_id == "kamikawa-yoko"

    async def test_failure_is_logged_and_apologised(
        self, slack: SlackSender, fake_slack: FakeSlack, server: AppProcess
    ) -> None:
        """A handler that fails (here: a forged button value) logs its traceback and sends the
        user a short apology."""
        async with fake_slack.replies_held():  # acked before the apology is delivered
            sent = await slack.click(SHARE_ACTION, "{not json")
        assert sent.status == 200
        (post,) = await fake_slack.wait_for_responses(1)
        assert "Sorry" in _message(post)["text"]
        log = server.log()
        assert "Handler failed for actions ['alliance_share']" in log
        assert "Traceback (most recent call last)" in log
        assert "xoxb-test-token" not in log
        assert "test-signing-secret" not in log


class TestWebApiRetries:
    async def test_rate_limited_reply_is_retried(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A 429 with Retry-After on chat.postMessage is retried by slack-sdk's handler."""
        fake_slack.rate_limit("chat.postMessage", retry_after=0)
        await slack.event(slack.mention("who is Hamada"))
        calls = await fake_slack.wait_for_calls("chat.postMessage", 2)
        assert calls[0].params == calls[1].params
        assert len(fake_slack.posted(CHANNEL_ID)) == 1

    async def test_server_error_is_retried(self, slack: SlackSender, fake_slack: FakeSlack) -> None:
        """An HTTP 500 from the Web API is retried."""
        fake_slack.server_error("chat.postMessage")
        await slack.event(slack.direct_message("who is Hamada"))
        await fake_slack.wait_for_calls("chat.postMessage", 2)
        assert len(fake_slack.posted(DM_CHANNEL_ID)) == 1
