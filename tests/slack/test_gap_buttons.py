"""The gaps list's buttons: one per suggested entry, only where there is an alias to add, and the
list says which alias each adds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from alliance_bot.admin.service import KnowledgeAdmin, normalize_question
from alliance_bot.admin.state import SqliteAdminState
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.slack.render.admin import admin_text, render_gaps
from alliance_bot.testing.sample_kb import write_sample_kb

NOW = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


def test_a_gap_with_only_question_words_gets_no_button(tmp_path: Path) -> None:
    """A suggested gap whose question has no subject is listed without a button; the other
    gap's button carries its question and the list names the alias it adds."""
    holder = KnowledgeHolder.load(write_sample_kb(tmp_path))
    state = SqliteAdminState(tmp_path / "state.db")
    for text in ("who is …", "who is …", "who is the pentagon boss"):
        state.record_question(
            at=NOW, answered=False, gap=(normalize_question(text), text),
            suggestions=["austin-lloyd"],
        )  # fmt: skip
    admin = KnowledgeAdmin(holder, state, clock=lambda: NOW, timezone=ZoneInfo("UTC"))
    report = admin.gaps()
    message = render_gaps(report, holder.current)
    lines = admin_text(report).splitlines()
    assert lines[1].startswith("1. “who is …” — 2 times")
    assert lines[1].endswith("no alias to add (only question words)")
    assert lines[2].endswith("its button adds the alias “the pentagon boss”")
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [json.loads(b["value"])["q"] for b in buttons] == ["who is the pentagon boss"]
    assert buttons[0]["text"]["text"].startswith("2. alias of ")
