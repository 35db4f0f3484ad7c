"""The App Home tab through the real server and the real knowledge base: what it shows to a
member and to an admin, the search box, and who counts as an admin."""

from __future__ import annotations

import pytest

from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.slack.render.home import (
    HOME_SUGGESTION_PREFIX,
    REFRESH_ACTION,
    SEARCH_ACTION,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import USER_ID, SlackSender
from alliance_bot.testing.views import action_ids, elements, texts, valid

pytestmark = pytest.mark.slow

ADMIN = "U0ADMIN001"  # ALLIANCE_ADMINS of the `server` fixture


class TestHomeTab:
    async def test_a_member_sees_how_to_ask_the_base_today_and_no_admin_parts(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Opening Home publishes valid Block Kit: intro, examples, version, counts, today."""
        sent = await slack.event(slack.home_opened(USER_ID))
        assert sent.status == 200
        view = valid(await fake_slack.wait_for_home(USER_ID))
        shown = texts(view)
        assert "`/alliance who is Hamada`" in shown
        assert "Knowledge base* version `" in shown
        kb = load_knowledge(default_knowledge_dir())
        assert f"version `{kb.version}`: {len(kb):,} entries" in shown
        assert f"{len(kb.of_kind('event')):,} events" in shown
        assert f"{len(kb.of_kind('person')):,} people" in shown
        assert "On this day:" in shown
        assert "Daily post:* off" in shown  # the fixture sets no daily channel
        assert SEARCH_ACTION in action_ids(view)
        assert REFRESH_ACTION not in action_ids(view)
        assert "For admins" not in shown

    async def test_an_admin_also_sees_refreshes_and_a_refresh_button_that_confirms(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """An ALLIANCE_ADMINS user gets the admin part; Refresh asks before it acts."""
        await slack.event(slack.home_opened(ADMIN))
        view = valid(await fake_slack.wait_for_home(ADMIN))
        assert "For admins" in texts(view)
        assert "Last refreshes" in texts(view)
        (refresh,) = [e for e in elements(view) if e.get("action_id") == REFRESH_ACTION]
        assert refresh["confirm"]["confirm"]["text"] == "Refresh"

    async def test_the_messages_tab_publishes_nothing(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """`app_home_opened` for the Messages tab is acknowledged and ignored."""
        await slack.event(slack.home_opened(USER_ID, tab="messages"))
        await slack.event(slack.home_opened(ADMIN))
        await fake_slack.wait_for_home(ADMIN)
        assert fake_slack.home_view(USER_ID) is None

    async def test_a_slack_workspace_admin_counts_as_an_admin(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Slack's own admins and owners (users.info) get the admin part; asked once, cached."""
        fake_slack.set_user("U0WSADMIN1", is_admin=True)
        fake_slack.set_user("U0WSOWNER1", is_owner=True)
        for user in ("U0WSADMIN1", "U0WSOWNER1", "U0WSADMIN1"):
            await slack.event(slack.home_opened(user))
        await fake_slack.wait_for_home("U0WSADMIN1", count=2)
        await fake_slack.wait_for_home("U0WSOWNER1")
        for user in ("U0WSADMIN1", "U0WSOWNER1"):
            assert REFRESH_ACTION in action_ids(valid(fake_slack.home_views[user]))
        asked = [c.params.get("user") for c in fake_slack.calls_to("users.info")]
        assert asked.count("U0WSADMIN1") == 1


class TestSearchBox:
    async def test_answers_in_the_home_tab_as_the_slash_command_does(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """The box's answer has the same text and sources as `/alliance` for the question."""
        await slack.command("who is hamda")
        (reply,) = await fake_slack.wait_for_responses(1)
        command_sections = [
            b["text"]["text"] for b in reply.body["blocks"] if b["type"] == "section"
        ]
        sent = await slack.home_action(
            {"type": "plain_text_input", "action_id": SEARCH_ACTION, "block_id": "b",
             "value": "who is hamda"}
        )  # fmt: skip
        assert sent.status == 200
        view = valid(await fake_slack.wait_for_home(USER_ID))
        shown = texts(view)
        assert "You asked: who is hamda" in shown
        for section in command_sections:
            assert section in shown
        assert "Source:" in shown

    async def test_a_question_it_cannot_answer_offers_suggestions_there(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Suggestions get Home action ids; clicking one answers that entry in the Home tab."""
        await slack.home_action(
            {"type": "plain_text_input", "action_id": SEARCH_ACTION, "value": "who is kishi"}
        )
        view = valid(await fake_slack.wait_for_home(USER_ID))
        buttons = [e for e in elements(view) if e.get("type") == "button"]
        assert buttons, texts(view)
        assert all(b["action_id"].startswith(HOME_SUGGESTION_PREFIX) for b in buttons)
        first = buttons[0]
        await slack.home_action({**first, "type": "button"})
        view = valid(await fake_slack.wait_for_home(USER_ID, count=2))
        kb = load_knowledge(default_knowledge_dir())
        entry = kb.get(first["value"])
        assert entry is not None
        assert "Source" in texts(view)  # "Source:" or "Sources:"
        assert entry.label.split()[0] in texts(view)

    async def test_text_from_the_box_is_escaped(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """`<!channel>` typed in the box comes back as text, never as a ping."""
        await slack.home_action(
            {"type": "plain_text_input", "action_id": SEARCH_ACTION, "value": "who is <!channel>"}
        )
        view = valid(await fake_slack.wait_for_home(USER_ID))
        assert "<!channel>" not in texts(view)
        assert "&lt;!channel&gt;" in texts(view)


class TestRefreshButton:
    async def test_refused_for_a_member(self, slack: SlackSender, fake_slack: FakeSlack) -> None:
        """A forged Refresh click from a non-admin is refused in their Home view."""
        await slack.home_action({"type": "button", "action_id": REFRESH_ACTION, "value": "refresh"})
        view = valid(await fake_slack.wait_for_home(USER_ID))
        assert "only for the knowledge base admins" in texts(view)

    async def test_runs_a_refresh_for_an_admin(
        self, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """An admin's click runs the refresh and shows its outcome and the new history line."""
        await slack.home_action(
            {"type": "button", "action_id": REFRESH_ACTION, "value": "refresh"}, user=ADMIN
        )
        view = valid(await fake_slack.wait_for_home(ADMIN))
        shown = texts(view)
        assert "Knowledge base unchanged" in shown
        assert "refresh · unchanged" in shown
