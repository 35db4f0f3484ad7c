"""`/alliance settings` through the real server: the modal (`views.open`, `view_submission`),
the text form, who may, clear messages for bad values, the history of changes, and the daily
post following a changed setting without a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from admin_chat import ADMIN, NOT_ADMIN, Chat
from slack_sdk.models.views import View

from alliance_bot.admin.settings import SqliteSettingsStore
from alliance_bot.slack.render.settings import (
    BLOCK_ADMINS,
    BLOCK_CHANNELS,
    BLOCK_FALLBACK,
    BLOCK_TIME,
    BLOCK_TIMEZONE,
    SETTINGS_CALLBACK,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import FORM
from alliance_bot.testing.views import texts

pytestmark = pytest.mark.slow

DAILY = "C0DAILY001"
BOT_ADMIN = "U0BOTADM01"


def form(
    *,
    channels: list[str],
    time: str = "07:30",
    zone: str = "Asia/Tokyo",
    fallback: str = "skip",
    admins: list[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """`view.state.values` of the settings modal as Slack sends it on submission."""
    return {
        BLOCK_CHANNELS: {
            "value": {"type": "multi_conversations_select", "selected_conversations": channels}
        },
        BLOCK_TIME: {"value": {"type": "timepicker", "selected_time": time}},
        BLOCK_TIMEZONE: {"value": {"type": "static_select", "selected_option": {"value": zone}}},
        BLOCK_FALLBACK: {
            "value": {"type": "radio_buttons", "selected_option": {"value": fallback}}
        },
        BLOCK_ADMINS: {"value": {"type": "multi_users_select", "selected_users": admins or []}},
    }


def history(tmp_path: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(who, key, old, new) of every recorded change, oldest first."""
    changes = SqliteSettingsStore(tmp_path / "state.db").history(limit=100)
    return [(c.user_id, c.key, c.old, c.new) for c in reversed(changes)]


class TestModal:
    async def test_opens_filled_with_the_settings_in_force(
        self, chat: Chat, fake_slack: FakeSlack
    ) -> None:
        """`/alliance settings` opens a valid modal with the five settings."""
        sent = await chat.slack.command("settings", user_id=ADMIN)
        assert sent.status == 200
        (call,) = await fake_slack.wait_for_calls("views.open")
        view = call.params["view"]
        View(**view).validate_json()
        blocks = {b["block_id"]: b for b in view["blocks"]}
        assert set(blocks) == {
            BLOCK_CHANNELS,
            BLOCK_TIME,
            BLOCK_TIMEZONE,
            BLOCK_FALLBACK,
            BLOCK_ADMINS,
        }
        assert blocks[BLOCK_CHANNELS]["element"]["type"] == "multi_conversations_select"
        assert blocks[BLOCK_TIME]["element"]["initial_time"] == "09:00"
        zone = blocks[BLOCK_TIMEZONE]["element"]
        assert zone["initial_option"]["value"] == "UTC"
        assert len(zone["options"]) <= 100
        assert blocks[BLOCK_ADMINS]["element"]["type"] == "multi_users_select"

    async def test_submission_saves_records_and_shows_what_changed(
        self, chat: Chat, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """A valid form is saved, each change recorded (who, old, new), and shown back."""
        fake_slack.add_channel(DAILY, "daily-alliance")
        sent = await chat.slack.view_submission(
            SETTINGS_CALLBACK, form(channels=[DAILY], admins=[BOT_ADMIN]), user=ADMIN
        )
        assert sent.status == 200
        ack = sent.json()
        assert ack["response_action"] == "update"
        saved = texts(ack["view"])
        assert f"<#{DAILY}>" in saved
        assert "07:30" in saved
        assert "Asia/Tokyo" in saved
        assert [(who, key) for who, key, _, _ in history(tmp_path)] == [
            (ADMIN, "daily_channels"),
            (ADMIN, "daily_time"),
            (ADMIN, "timezone"),
            (ADMIN, "fallback"),
            (ADMIN, "bot_admins"),
        ]
        assert history(tmp_path)[1][2:] == (None, '"07:30"')
        shown = await chat.command("settings show")
        assert f"<#{DAILY}>" in shown.text
        assert "07:30" in shown.text
        assert "Asia/Tokyo" in shown.text
        # The bot admin set here may now run admin commands.
        gaps = await chat.command("gaps", user=BOT_ADMIN)
        assert "only for" not in gaps.text

    async def test_an_untouched_form_pins_nothing(self, chat: Chat, tmp_path: Path) -> None:
        """Saving the form as it opened stores nothing: the environment still decides."""
        sent = await chat.slack.view_submission(
            SETTINGS_CALLBACK,
            form(channels=[], time="09:00", zone="UTC", fallback="archive"),
            user=ADMIN,
        )
        assert "Nothing changed" in texts(sent.json()["view"])
        assert history(tmp_path) == []

    async def test_an_unknown_channel_is_named_next_to_its_field(
        self, chat: Chat, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """A channel conversations.info does not know keeps the modal open with an error."""
        sent = await chat.slack.view_submission(
            SETTINGS_CALLBACK, form(channels=["C0NOWHERE1"]), user=ADMIN
        )
        ack = sent.json()
        assert ack["response_action"] == "errors"
        assert "C0NOWHERE1" in ack["errors"][BLOCK_CHANNELS]
        assert "can't find" in ack["errors"][BLOCK_CHANNELS]
        assert history(tmp_path) == []
        assert fake_slack.calls_to("conversations.info")[0].params["channel"] == "C0NOWHERE1"

    async def test_a_channel_without_the_bot_says_invite_it(
        self, chat: Chat, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """A channel the bot is not in is refused with the /invite to run."""
        fake_slack.add_channel(DAILY, "daily-alliance", is_member=False)
        sent = await chat.slack.view_submission(
            SETTINGS_CALLBACK, form(channels=[DAILY]), user=ADMIN
        )
        ack = sent.json()
        assert "/invite @alliance" in ack["errors"][BLOCK_CHANNELS]
        assert history(tmp_path) == []

    async def test_a_member_is_refused_and_nothing_is_saved(
        self, chat: Chat, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """A non-admin's command gets a refusal and no modal; a forged submission saves nothing."""
        reply = await chat.command("settings", user=NOT_ADMIN)
        assert "only for" in reply.text
        assert fake_slack.calls_to("views.open") == []
        fake_slack.add_channel(DAILY, "daily-alliance")
        sent = await chat.slack.view_submission(
            SETTINGS_CALLBACK, form(channels=[DAILY]), user=NOT_ADMIN
        )
        assert "only for" in texts(sent.json()["view"])
        assert history(tmp_path) == []

    async def test_a_workspace_admin_may_change_settings(
        self, chat: Chat, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """Slack's own workspace owner (users.info) counts as an admin here too."""
        fake_slack.set_user("U0OWNER001", is_owner=True)
        fake_slack.add_channel(DAILY, "daily-alliance")
        sent = await chat.slack.view_submission(
            SETTINGS_CALLBACK, form(channels=[DAILY]), user="U0OWNER001"
        )
        assert sent.json()["response_action"] == "update"
        assert history(tmp_path)[0][:2] == ("U0OWNER001", "daily_channels")

    async def test_without_a_trigger_it_shows_the_settings(
        self, chat: Chat, fake_slack: FakeSlack
    ) -> None:
        """No trigger_id (no modal possible): the current values, with where they come from."""
        response_id = "no-trigger"
        fields = chat.slack.command_form(
            "settings",
            user_id=ADMIN,
            trigger_id="",
            response_url=fake_slack.response_url(response_id),
        )
        await chat.slack.post(urlencode(fields), FORM)
        await fake_slack.wait_until(lambda: any(r.id == response_id for r in fake_slack.responses))
        (post,) = [r for r in fake_slack.responses if r.id == response_id]
        text = str(post.body)
        assert "Settings in force" in text
        assert "09:00" in text
        assert fake_slack.calls_to("views.open") == []

    async def test_an_expired_trigger_shows_the_settings(
        self, chat: Chat, fake_slack: FakeSlack
    ) -> None:
        """views.open refused (expired_trigger_id): the settings are shown instead."""
        fake_slack.api_error("views.open", "expired_trigger_id")
        reply = await chat.command("settings")
        assert "Settings in force" in reply.text


class TestTextForm:
    async def test_daily_channel_time_and_zone_in_one_line(
        self, chat: Chat, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """`settings daily #channel 09:30 Asia/Tokyo` saves all three, as Slack sends a link."""
        fake_slack.add_channel(DAILY, "daily-alliance")
        reply = await chat.command(f"settings daily <#{DAILY}|daily-alliance> 09:30 asia/tokyo")
        assert "Saved" in reply.text
        assert [key for _, key, _, _ in history(tmp_path)] == [
            "daily_channels",
            "daily_time",
            "timezone",
        ]
        assert history(tmp_path)[2][3] == '"Asia/Tokyo"'

    async def test_a_bad_time_zone_is_named(self, chat: Chat, tmp_path: Path) -> None:
        """An unknown zone gets a clear message and nothing is saved."""
        reply = await chat.command("settings daily 09:00 Mars/Olympus_Mons")
        assert "“Mars/Olympus_Mons” is not a time zone" in reply.text
        assert history(tmp_path) == []

    async def test_a_bad_time_is_named(self, chat: Chat, tmp_path: Path) -> None:
        """25:00 is not a time."""
        reply = await chat.command("settings daily 25:00")
        assert "“25:00” is not a time" in reply.text
        assert history(tmp_path) == []

    async def test_an_unknown_channel_is_named(self, chat: Chat, tmp_path: Path) -> None:
        """A channel Slack does not know gets a clear message and nothing is saved."""
        reply = await chat.command("settings daily <#C0NOWHERE1|gone> 09:00")
        assert "can't find channel `C0NOWHERE1`" in reply.text
        assert history(tmp_path) == []

    async def test_a_channel_name_slack_did_not_link(self, chat: Chat, tmp_path: Path) -> None:
        """A bare `#name` (no ID) asks for a linked channel instead of guessing."""
        reply = await chat.command("settings daily #nowhere 09:00")
        assert "not a channel Slack linked" in reply.text
        assert history(tmp_path) == []

    async def test_fallback_and_admins(self, chat: Chat, tmp_path: Path) -> None:
        """`fallback skip` and `admins @someone`, then `admins none`, each recorded."""
        for line in ("fallback skip", f"admins <@{BOT_ADMIN}|bo>", "admins none"):
            reply = await chat.command(f"settings {line}")
            assert "Saved" in reply.text, reply.text
        assert [(k, new) for _, k, _, new in history(tmp_path)] == [
            ("fallback", '"skip"'),
            ("bot_admins", f'["{BOT_ADMIN}"]'),
            ("bot_admins", "[]"),
        ]

    async def test_a_member_is_refused(self, chat: Chat, tmp_path: Path) -> None:
        """The text form is admin-only too."""
        reply = await chat.command("settings fallback skip", user=NOT_ADMIN)
        assert "only for" in reply.text
        assert history(tmp_path) == []


class TestDailyPostFollowsTheSettings:
    async def test_a_channel_set_from_slack_gets_the_post_without_a_restart(
        self, chat: Chat, fake_slack: FakeSlack
    ) -> None:
        """The scheduler reads the new channel and time at once: 00:00 UTC is past, so it posts."""
        fake_slack.add_channel(DAILY, "daily-alliance")
        reply = await chat.command(f"settings daily <#{DAILY}|daily-alliance> 00:00 UTC")
        assert "Saved" in reply.text
        await fake_slack.wait_until(lambda: bool(fake_slack.posted(DAILY)))
        (post,) = fake_slack.posted(DAILY)
        assert post["metadata"]["event_type"] == "alliance_daily"
        # The Home tab says where the next one goes.
        await chat.slack.event(chat.slack.home_opened(ADMIN))
        view = await fake_slack.wait_for_home(ADMIN)
        assert f"to <#{DAILY}>" in texts(view)
