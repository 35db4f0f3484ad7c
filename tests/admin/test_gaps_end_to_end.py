"""Gaps, stats, the one-step alias button and SIGHUP, through the real server."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from admin_chat import NOT_ADMIN, Chat, served_file

from alliance_bot.slack.render.answers import validate_message
from alliance_bot.testing.app_process import AppProcess

pytestmark = pytest.mark.slow

UNANSWERED = "who is the governor of hokkaido"


class TestGaps:
    async def test_unanswered_questions_are_listed_most_frequent_first(self, chat: Chat) -> None:
        """Questions the bot could not answer are counted and listed, most asked first."""
        for _ in range(2):
            await chat.command(UNANSWERED, user=NOT_ADMIN)
        await chat.command("what is the zzyzx protocol", user=NOT_ADMIN)
        await chat.command("who is Hamada", user=NOT_ADMIN)  # answered: not a gap
        reply = await chat.command("gaps")
        validate_message(reply.message)
        lines = reply.text.splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("1. "))
        assert UNANSWERED in lines[first]
        assert "2 times" in lines[first]
        assert "zzyzx" in lines[first + 1]
        assert "once" in lines[first + 1]
        assert "Hamada" not in reply.text.replace("hamada-yasukazu", "")

    async def test_make_alias_button_writes_the_file_and_refreshes(
        self, chat: Chat, kb_dir: Path, tmp_path: Path
    ) -> None:
        """The gap's button adds the alias to the right YAML file of the served version (stored
        as a new version), comments kept, and refreshes; the server's own file is untouched."""
        people = kb_dir / "people.yaml"
        people.write_text("# Hand-kept comment\n" + people.read_text(encoding="utf-8"), "utf-8")
        await chat.command("refresh")
        question = "who is hamada yasukaz the minister"
        first = await chat.command(question, user=NOT_ADMIN)
        assert "hamada-yasukazu" in str(first.message)  # offered as a suggestion only
        reply = await chat.command("gaps")
        button = next(b for b in reply.buttons() if "Hamada" in b["text"]["text"])
        before = served_file(tmp_path, "people.yaml")
        image = people.read_text(encoding="utf-8")
        done = await chat.click(button)
        assert "as an alias of `hamada-yasukazu`" in done.text
        after = served_file(tmp_path, "people.yaml")
        assert people.read_text(encoding="utf-8") == image
        assert after.startswith("# Hand-kept comment\n")
        changed = [
            (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
        ]
        assert changed == [
            (
                "    aliases: [Yasukazu Hamada, Hamada]",
                "    aliases: [Yasukazu Hamada, Hamada, hamada yasukaz the minister]",
            )
        ]
        again = await chat.command(question, user=NOT_ADMIN)
        assert "Minister of Defense of Japan" in again.text
        gaps = await chat.command("gaps")
        assert "yasukaz" not in gaps.text

    async def test_non_admin_click_is_refused(self, chat: Chat, tmp_path: Path) -> None:
        """A forged click by a non-admin changes no file."""
        before = served_file(tmp_path, "people.yaml")
        button = {"action_id": "alliance_gap_alias_0", "value": '{"e":"austin-lloyd","q":"x y"}'}
        reply = await chat.click(button, user=NOT_ADMIN)
        assert "only for the knowledge base admins" in reply.text
        assert served_file(tmp_path, "people.yaml") == before


class TestStats:
    async def test_questions_per_day_answered_share_and_top_entries(self, chat: Chat) -> None:
        """Stats count questions per day, the answered share, and the most-asked entries."""
        for text in ["who is Hamada", "who is Hamada", "what is MLR", UNANSWERED]:
            await chat.command(text, user=NOT_ADMIN)
        await chat.command("help", user=NOT_ADMIN)  # not a question
        reply = await chat.command("stats")
        validate_message(reply.message)
        assert "4 asked, 3 answered (75%)" in reply.text
        top = reply.text.split("*Most-asked entries:*")[1].strip().splitlines()
        assert top[0] == "1. Hamada Yasukazu (`hamada-yasukazu`) — 2"


class TestSighup:
    async def test_sighup_reloads_like_refresh(
        self, chat: Chat, server: AppProcess, kb_dir: Path
    ) -> None:
        """SIGHUP swaps in a valid edit; a broken one is refused and the base keeps answering."""
        before = await chat.version()
        path = kb_dir / "people.yaml"
        path.write_text(
            path.read_text("utf-8").replace(
                "summary: The US defense", "summary: America's defense"
            ),
            "utf-8",
        )
        server.process.send_signal(signal.SIGHUP)
        async with asyncio.timeout(15):
            while await chat.version() == before:
                pass  # each /healthz round trip yields; no fixed sleep
        changed = await chat.version()
        path.write_text("people: [", "utf-8")
        server.process.send_signal(signal.SIGHUP)
        async with asyncio.timeout(15):
            while "Not refreshed" not in server.log():
                await chat.version()
        assert await chat.version() == changed
        # The refusal names the file, and is one bounded, escaped line: an admin's YAML never
        # spills into the log as lines of its own.
        (line,) = [line for line in server.log().splitlines() if "Not refreshed" in line]
        assert "SIGHUP reload: '" in line
        assert "people.yaml" in line
        answer = await chat.command("who is Hamada", user=NOT_ADMIN)
        assert "Hamada Yasukazu" in answer.text
