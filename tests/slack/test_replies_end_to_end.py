"""Replies that Slack refuses, loses or half-accepts, against the real `alliance-bot serve`: an
edited mention, a refused Share, an expired `response_url`, transient failures, a 500 after
Slack already posted; and what users see for pictures, `/me` and their own words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alliance_bot.slack.render.answers import SHARE_ACTION, TEXT_ONLY, ShareRef, validate_message
from alliance_bot.slack.replies import REPLY_EVENT_TYPE
from alliance_bot.testing.app_process import AppProcess, process_env, run_to_exit
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import CHANNEL_ID, DM_CHANNEL_ID, JSON, SlackSender

pytestmark = pytest.mark.slow


async def _settled(slack: SlackSender, fake: FakeSlack) -> None:
    """Ask one more question and wait for its answer: what came before has been handled."""
    before = len(fake.responses)
    await slack.command("who is Kishida")
    await fake.wait_until(lambda: len(fake.responses) > before)


class TestEditedMention:
    async def test_edit_updates_the_reply_and_never_posts_again(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """The mention is answered once; its edit (same ts, new event id) updates that answer."""
        ts = "1700000100.000200"
        await slack.event(slack.mention("who is Hamada", ts=ts), event_id="Ev0ORIGINAL")
        (posted,) = await fake_slack.wait_for_calls("chat.postMessage")
        assert posted.params["metadata"]["event_type"] == REPLY_EVENT_TYPE
        edited = slack.mention("who is Kishida", ts=ts, edited={"user": "U0ASKER01", "ts": "1.2"})
        assert (await slack.event(edited, event_id="Ev0EDITED01")).status == 200
        (update,) = await fake_slack.wait_for_calls("chat.update")
        (reply,) = fake_slack.posted(CHANNEL_ID)
        assert update.params["ts"] == reply["ts"]
        assert "Kishida" in reply["text"]
        assert "Hamada" not in reply["text"]
        validate_message({"text": update.params["text"], "blocks": update.params["blocks"]})
        await _settled(slack, fake_slack)
        assert len(fake_slack.calls_to("chat.postMessage")) == 1


class TestResponseUrlFailures:
    async def test_refused_share_keeps_the_private_answer_and_says_why(
        self, slack: SlackSender, fake_slack: FakeSlack, server: AppProcess
    ) -> None:
        """An announcement-only channel refuses the public post (403): the private answer is
        not deleted, the user is told privately why, and the log has a warning (no URL)."""
        fake_slack.refuse_responses(403, "action_prohibited", response_id="share-1")
        value = ShareRef(question="who is Hamada").encode()
        assert value is not None
        assert (await slack.click(SHARE_ACTION, value, response_id="share-1")).status == 200
        public, note = await fake_slack.wait_for_responses(2)
        assert (public.status, public.body["response_type"]) == (403, "in_channel")
        assert note.status == 200
        assert note.body["response_type"] == "ephemeral"
        assert note.body["replace_original"] is False
        assert "announcement-only" in note.body["text"]
        await _settled(slack, fake_slack)
        assert not any(r.body.get("delete_original") for r in fake_slack.responses)
        log = server.log()
        assert "Share in channel refused" in log
        assert "HTTP 403" in log
        assert "/response/" not in log

    async def test_expired_response_url_is_logged_with_command_and_status(
        self, slack: SlackSender, fake_slack: FakeSlack, server: AppProcess
    ) -> None:
        """A 404 `expired_url` is not retried and is logged naming the command and status,
        never the URL (a credential for 30 minutes). A question is answered in its ack, so a
        reply that still goes through the response_url is asked for: a sub-command's."""
        fake_slack.refuse_responses(404, "expired_url", response_id="cmd-1")
        await slack.command("stats")
        line = await server.wait_for_log("expired_url")
        await _settled(slack, fake_slack)
        assert [r.status for r in fake_slack.responses if r.id == "cmd-1"] == [404]
        assert [x for x in server.log().splitlines() if "expired_url" in x] == [line]
        assert "Reply to command /alliance" in line
        assert "HTTP 404" in line
        assert "/response/" not in server.log()

    async def test_transient_failures_are_retried(
        self, slack: SlackSender, fake_slack: FakeSlack, server: AppProcess
    ) -> None:
        """A 429 with Retry-After, then a 502: the answer is sent again until Slack takes it;
        the retries' log lines never hold the URL (slack-sdk's own line would)."""
        fake_slack.refuse_responses(429, "rate_limited", response_id="cmd-1", retry_after=0)
        fake_slack.refuse_responses(502, "bad gateway", response_id="cmd-1")
        await slack.command("stats")  # a sub-command's reply goes through the response_url
        await fake_slack.wait_until(
            lambda: [r.status for r in fake_slack.responses if r.id == "cmd-1"] == [429, 502, 200]
        )
        assert "/alliance stats" in fake_slack.responses[-1].body["text"]
        assert "/response/" not in server.log()


class TestPostedDespiteAnError:
    async def test_500_after_slack_posted_is_not_posted_twice(
        self, slack: SlackSender, fake_slack: FakeSlack, server: AppProcess
    ) -> None:
        """chat.postMessage answers 500 after storing the reply: the thread is checked for the
        reply's metadata, it is there, nothing is posted again."""
        fake_slack.accept_then_fail("chat.postMessage")
        await slack.event(slack.mention("who is Hamada", ts="1700000100.000200"))
        await fake_slack.wait_for_calls("conversations.replies")
        await _settled(slack, fake_slack)
        assert len(fake_slack.posted(CHANNEL_ID)) == 1
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
        assert "was posted despite HTTP 500" in server.log()

    async def test_dropped_connection_after_posting_in_a_dm(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """The same in a DM, with the connection dropped after Slack posted: the DM's history
        is checked, and the answer stays single."""
        fake_slack.accept_then_fail("chat.postMessage", disconnect=True)
        await slack.event(slack.direct_message("who is Hamada"))
        await fake_slack.wait_for_calls("conversations.history")
        await _settled(slack, fake_slack)
        assert len(fake_slack.posted(DM_CHANNEL_ID)) == 1


class TestWhatUsersSee:
    async def test_picture_only_me_message_and_words_as_typed(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A picture alone gets "I can only read text"; `/me` is answered; the echo keeps the
        asker's capitals; a bare user mention reads "@someone", not an id."""
        picture = slack.direct_message("", ts="1700000201.000100", subtype="file_share")
        picture["files"] = [{"id": "F0001", "mimetype": "image/png"}]
        await slack.event(picture)
        await slack.event(
            slack.direct_message("who is Hamada", ts="1700000202.000100", subtype="me_message")
        )
        await slack.event(slack.direct_message("who is Taylor SWIFT", ts="1700000203.000100"))
        await slack.event(slack.direct_message("who is <@W0123ABCD>", ts="1700000204.000100"))
        calls = await fake_slack.wait_for_calls("chat.postMessage", 4)
        by_source = {c.params["metadata"]["event_payload"]["ts"]: c.params["text"] for c in calls}
        assert by_source["1700000201.000100"] == TEXT_ONLY
        assert "Hamada Yasukazu" in by_source["1700000202.000100"]
        assert "“Taylor SWIFT”" in by_source["1700000203.000100"]
        assert "“@someone”" in by_source["1700000204.000100"]
        assert "w0123abcd" not in json.dumps(by_source).lower()


class TestNotices:
    async def test_rate_limit_notice_and_unknown_types_get_200_and_a_warning(
        self, slack: SlackSender, server: AppProcess
    ) -> None:
        """`app_rate_limited` names the minute; an unsubscribed event type is acked, not 404."""
        notice = {"type": "app_rate_limited", "minute_rate_limited": 1518467820, "team_id": "T1"}
        assert (await slack.post(json.dumps(notice), JSON)).status == 200
        reaction = {"type": "reaction_added", "user": "U1", "reaction": "tada", "item": {}}
        assert (await slack.event(reaction, event_id="Ev0REACTION")).status == 200
        log = server.log()
        assert "rate-limited the events sent to this app for 2018-02-12T20:37" in log
        assert "No listener for event reaction_added Ev0REACTION" in log


class TestStartupTokenCheck:
    @pytest.mark.parametrize("args", [["serve", "--port", "0"], ["socket"]])
    @pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
    async def test_refused_token_exits_2_naming_it(
        self, fake_slack: FakeSlack, tmp_path: Path, args: list[str], error: str
    ) -> None:
        """A revoked or wrong bot token stops start-up: exit 2, one line naming SLACK_BOT_TOKEN."""
        fake_slack.api_error("auth.test", error)
        env = process_env(fake_slack, tmp_path, SLACK_APP_TOKEN="xapp-test")
        status, out, err = await run_to_exit(args, env, tmp_path)
        assert status == 2
        (line,) = [line for line in err.splitlines() if "alliance-bot:" in line]
        assert "SLACK_BOT_TOKEN" in line
        assert error in line
        assert "Traceback" not in err
        assert "listening" not in out
