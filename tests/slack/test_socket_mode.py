"""`alliance-bot socket`: the real process connects through `apps.connections.open` to the fake's
WebSocket, receives envelopes as Slack sends them, acknowledges them and answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alliance_bot.slack.render.answers import validate_message
from alliance_bot.testing.app_process import (
    TEST_APP_TOKEN,
    AppProcess,
    process_env,
    run_to_exit,
    start_process,
)
from alliance_bot.testing.fake_slack import BOT_USER_ID, FakeSlack
from alliance_bot.testing.slack_requests import CHANNEL_ID, SlackSender

pytestmark = pytest.mark.slow


@pytest.fixture
async def socket_app(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[AppProcess]:
    """The real `alliance-bot socket`, connected to the fake's WebSocket."""
    env = process_env(fake_slack, tmp_path, SLACK_APP_TOKEN=TEST_APP_TOKEN, SLACK_SIGNING_SECRET="")
    app = await start_process(["socket"], env, tmp_path, ready="alliance-bot connected")
    try:
        yield app
    finally:
        await app.stop()


class TestSocketMode:
    async def test_connects_with_the_app_token(
        self, socket_app: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """The connection URL is asked for with the app-level token, not the bot token."""
        await fake_slack.wait_for_socket()
        (call,) = fake_slack.calls_to("apps.connections.open")
        assert call.headers["Authorization"] == f"Bearer {TEST_APP_TOKEN}"

    async def test_stops_cleanly(self, socket_app: AppProcess, fake_slack: FakeSlack) -> None:
        """SIGTERM closes the connection and exits with status 0."""
        await fake_slack.wait_for_socket()
        assert await socket_app.stop() == 0

    async def test_slash_command(self, socket_app: AppProcess, fake_slack: FakeSlack) -> None:
        """A slash command envelope is acknowledged and answered through response_url."""
        sender = SlackSender("unused", "unused", fake_slack)
        ack = await fake_slack.send_socket_request(
            "slash_commands", sender.command_form("who is Hamada")
        )
        assert "envelope_id" in ack
        (post,) = await fake_slack.wait_for_responses(1)
        validate_message(dict(post.body))
        assert post.body["response_type"] == "ephemeral"
        assert "Hamada Yasukazu" in post.body["text"]

    async def test_mention_event(self, socket_app: AppProcess, fake_slack: FakeSlack) -> None:
        """An app_mention envelope is answered in a thread, and its redelivery is not."""
        sender = SlackSender("unused", "unused", fake_slack)
        envelope = {
            "type": "event_callback",
            "event_id": "Ev0SOCKET01",
            "team_id": "T0TESTTEAM",
            "event": sender.mention("who is Hamada", ts="1700000100.000200"),
            "authorizations": [{"team_id": "T0TESTTEAM", "user_id": BOT_USER_ID, "is_bot": True}],
        }
        await fake_slack.send_socket_request("events_api", envelope)
        await fake_slack.send_socket_request("events_api", envelope)  # a redelivery
        (call,) = await fake_slack.wait_for_calls("chat.postMessage")
        assert (call.params["channel"], call.params["thread_ts"]) == (
            CHANNEL_ID,
            "1700000100.000200",
        )
        other = {
            **envelope,
            "event_id": "Ev0SOCKET02",
            "event": sender.mention("who is Kishida", ts="1700000400.000100"),
        }
        await fake_slack.send_socket_request("events_api", other)
        calls = await fake_slack.wait_for_calls("chat.postMessage", 2)
        assert len(calls) == 2


class TestStartupErrors:
    @pytest.mark.parametrize(
        ("args", "unset", "variable"),
        [
            (["serve", "--port", "0"], "SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
            (["serve", "--port", "0"], "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
            (["socket"], "SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
        ],
    )
    async def test_missing_setting_names_the_variable(
        self, fake_slack: FakeSlack, tmp_path: Path, args: list[str], unset: str, variable: str
    ) -> None:
        """A missing setting stops start-up with exit status 2 and one line naming it."""
        env = process_env(fake_slack, tmp_path, **{unset: ""})
        status, _, err = await run_to_exit(args, env, tmp_path)
        assert status == 2
        assert variable in err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1

    async def test_bad_timezone_names_the_variable(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """An unknown ALLIANCE_TIMEZONE stops start-up naming the variable."""
        env = process_env(fake_slack, tmp_path, ALLIANCE_TIMEZONE="Mars/Olympus")
        status, _, err = await run_to_exit(["serve", "--port", "0"], env, tmp_path)
        assert status == 2
        assert "ALLIANCE_TIMEZONE" in err
        assert "Traceback" not in err

    async def test_env_file_is_read(self, fake_slack: FakeSlack, tmp_path: Path) -> None:
        """Settings missing from the environment are taken from ./.env."""
        (tmp_path / ".env").write_text("SLACK_SIGNING_SECRET='from-dotenv'\n", encoding="utf-8")
        env = process_env(fake_slack, tmp_path, SLACK_SIGNING_SECRET="")
        app = await start_process(
            ["serve", "--host", "127.0.0.1", "--port", "0"],
            env,
            tmp_path,
            ready="alliance-bot listening on",
        )
        assert await app.stop() == 0
