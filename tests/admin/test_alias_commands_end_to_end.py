"""`/alliance gaps` shows exactly what its buttons write, and `/alliance alias` writes the admin's
text as typed — through the real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from admin_chat import NOT_ADMIN, Chat, served_file

from alliance_bot.slack.mrkdwn import escape

pytestmark = pytest.mark.slow

# 45 `&` escape to 225 characters: clipping the escaped text at 200 hid everything after them.
PADDED = "who is hamada yasukaz " + "&" * 45 + " the hidden minister"
WRITTEN = "hamada yasukaz " + "&" * 45 + " the hidden minister"


class TestGapsShowWhatTheButtonWrites:
    async def test_padding_cannot_hide_text_the_button_writes(
        self, chat: Chat, tmp_path: Path
    ) -> None:
        """Every character the button adds is in the gaps list, and the button adds just that."""
        await chat.command(PADDED, user=NOT_ADMIN)
        reply = await chat.command("gaps")
        line = next(x for x in reply.text.splitlines() if x.startswith("1. "))
        assert f"its button adds the alias “{escape(WRITTEN)}”" in line
        button = next(b for b in reply.buttons() if "Hamada" in b["text"]["text"])
        done = await chat.click(button)
        assert f"Added “{escape(WRITTEN)}”" in done.text
        assert f'"{WRITTEN}"' in served_file(tmp_path, "people.yaml")


class TestTypedAlias:
    async def test_alias_is_written_as_typed(self, chat: Chat, tmp_path: Path) -> None:
        """`/alliance alias` keeps case and accents ("Kōno Tarō" stays), and it then answers."""
        reply = await chat.command("alias austin-lloyd = Kōno Tarō")
        assert "Added “Kōno Tarō” as an alias of `austin-lloyd`" in reply.text
        assert "Kōno Tarō" in served_file(tmp_path, "people.yaml")
        answer = await chat.command("who is kono taro", user=NOT_ADMIN)
        assert "Lloyd Austin" in answer.text

    async def test_question_words_alone_are_refused(self, chat: Chat, tmp_path: Path) -> None:
        """`/alliance alias ID = who is` is refused and writes nothing."""
        before = served_file(tmp_path, "people.yaml")
        reply = await chat.command("alias austin-lloyd = who is")
        assert "Could not add the alias" in reply.text
        assert "only question words" in reply.text
        assert served_file(tmp_path, "people.yaml") == before
