"""The admin part of the Home tab through the real server: the gaps with their make-alias
buttons, and the Refresh button, which changes the running base only for admins."""

from __future__ import annotations

from pathlib import Path

import pytest
from admin_chat import ADMIN, NOT_ADMIN, Chat, served_file

from alliance_bot.admin.state import SqliteAdminState
from alliance_bot.slack.render.admin import GAP_ALIAS_PREFIX
from alliance_bot.slack.render.home import REFRESH_ACTION, validate_home
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.views import elements, texts

pytestmark = pytest.mark.slow

NEW_TERM = """  - id: term-osprey
    term: Osprey
    definition: A tilt-rotor aircraft flown by the Marines and the Air Force.
    aliases: []
    sources:
      - file: seeds/900_sample.txt
        evidence: "Japan grounded its 14 Ospreys"
"""

REFRESH = {"type": "button", "action_id": REFRESH_ACTION, "value": "refresh"}


def refreshes(tmp_path: Path) -> list[tuple[str, str, str]]:
    records = SqliteAdminState(tmp_path / "state.db").refreshes(limit=100)
    return [(r.user_id, r.action, r.result) for r in reversed(records)]


class TestRefreshButton:
    async def test_changes_the_base_only_for_an_admin(
        self, chat: Chat, fake_slack: FakeSlack, kb_dir: Path, tmp_path: Path
    ) -> None:
        """A member's click is refused and recorded, the base unchanged; an admin's swaps it."""
        with (kb_dir / "terms.yaml").open("a", encoding="utf-8") as terms:
            terms.write(NEW_TERM)
        before = await chat.version()
        await chat.slack.home_action(REFRESH, user=NOT_ADMIN)
        refused = await fake_slack.wait_for_home(NOT_ADMIN)
        validate_home(refused)
        assert "only for the knowledge base admins" in texts(refused)
        assert REFRESH_ACTION not in {e.get("action_id") for e in elements(refused)}
        assert await chat.version() == before

        await chat.slack.home_action(REFRESH, user=ADMIN)
        done = await fake_slack.wait_for_home(ADMIN)
        validate_home(done)
        after = await chat.version()
        assert after != before
        assert f"`{before}` → `{after}`" in texts(done)
        assert refreshes(tmp_path) == [
            (NOT_ADMIN, "refresh", "refused"),
            (ADMIN, "refresh", "swapped"),
        ]
        assert "refresh · swapped" in texts(done)


class TestGapsInHome:
    async def test_make_alias_from_the_home_tab(
        self, chat: Chat, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """The gaps list's button, clicked in Home, adds the alias and republishes Home."""
        question = "who is hamada yasukaz the minister"
        await chat.command(question, user=NOT_ADMIN)
        await chat.slack.event(chat.slack.home_opened(ADMIN))
        view = await fake_slack.wait_for_home(ADMIN)
        validate_home(view)
        assert question in texts(view)
        button = next(
            e
            for e in elements(view)
            if str(e.get("action_id", "")).startswith(GAP_ALIAS_PREFIX)
            and "Hamada" in e["text"]["text"]
        )
        await chat.slack.home_action(button, user=ADMIN)
        done = await fake_slack.wait_for_home(ADMIN, count=2)
        validate_home(done)
        assert "as an alias of `hamada-yasukazu`" in texts(done)
        assert "hamada yasukaz the minister" in served_file(tmp_path, "people.yaml")
        # The gap is dealt with: no longer listed.
        assert f"“{question}”" not in texts(done)

    async def test_a_member_clicking_a_make_alias_button_is_refused(
        self, chat: Chat, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """A forged make-alias click from a member changes no file."""
        people = served_file(tmp_path, "people.yaml")
        button = {
            "type": "button",
            "action_id": f"{GAP_ALIAS_PREFIX}0",
            "value": '{"e": "hamada-yasukazu", "q": "who is the boss"}',
        }
        await chat.slack.home_action(button, user=NOT_ADMIN)
        view = await fake_slack.wait_for_home(NOT_ADMIN)
        assert "only for the knowledge base admins" in texts(view)
        assert served_file(tmp_path, "people.yaml") == people
