"""`/alliance refresh`, `refresh dry-run` and `rollback` through the real server: who may, what
the reply says, and that a broken knowledge base never replaces the running one."""

from __future__ import annotations

from pathlib import Path

import pytest
from admin_chat import ADMIN, NOT_ADMIN, Chat

from alliance_bot.admin.state import SqliteAdminState
from alliance_bot.slack.render.answers import validate_message
from alliance_bot.testing.app_process import AppProcess

pytestmark = pytest.mark.slow

NEW_TERM = """  - id: term-osprey
    term: Osprey
    definition: A tilt-rotor aircraft flown by the Marines and the Air Force.
    aliases: []
    sources:
      - file: seeds/900_sample.txt
        evidence: "Japan grounded its 14 Ospreys"
"""


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def make_valid_edit(kb_dir: Path) -> None:
    """One entry added (terms), one changed (events), one removed (facts)."""
    with (kb_dir / "terms.yaml").open("a", encoding="utf-8") as terms:
        terms.write(NEW_TERM)
    edit(kb_dir / "events.yaml", "title: An Osprey crashes", "title: An Osprey crashes at sea")
    (kb_dir / "facts.yaml").write_text("facts: []\n", encoding="utf-8")


def refreshes(tmp_path: Path) -> list[tuple[str, str, str]]:
    """(user, action, result) of every recorded refresh, oldest first."""
    records = SqliteAdminState(tmp_path / "state.db").refreshes(limit=100)
    return [(r.user_id, r.action, r.result) for r in reversed(records)]


class TestWhoMayRefresh:
    async def test_admin_refresh_of_unchanged_base(self, chat: Chat, tmp_path: Path) -> None:
        """An admin's refresh of an unchanged directory says so and is recorded."""
        reply = await chat.command("refresh")
        validate_message(reply.message)
        assert "unchanged" in reply.text
        assert refreshes(tmp_path) == [(ADMIN, "refresh", "unchanged")]

    async def test_non_admin_is_refused_and_logged(
        self, chat: Chat, server: AppProcess, tmp_path: Path, kb_dir: Path
    ) -> None:
        """Anyone else gets a polite refusal; the attempt is logged and recorded; nothing swaps."""
        before = await chat.version()
        make_valid_edit(kb_dir)
        reply = await chat.command("refresh", user=NOT_ADMIN)
        assert "only for the knowledge base admins" in reply.text
        assert await chat.version() == before
        assert f"Refused /alliance refresh for {NOT_ADMIN}" in server.log()
        assert refreshes(tmp_path) == [(NOT_ADMIN, "refresh", "refused")]

    @pytest.mark.parametrize("command", ["refresh dry-run", "rollback", "gaps", "stats"])
    async def test_other_admin_commands_refuse_non_admins(self, chat: Chat, command: str) -> None:
        """Dry-run, rollback, gaps and stats are refused to non-admins too."""
        reply = await chat.command(command, user=NOT_ADMIN)
        assert "only for the knowledge base admins" in reply.text


class TestValidEdit:
    async def test_reply_lists_the_diff_and_new_base_answers(
        self, chat: Chat, kb_dir: Path, tmp_path: Path
    ) -> None:
        """A valid edit is swapped in; the reply lists added, changed and removed ids per kind."""
        before = await chat.version()
        make_valid_edit(kb_dir)
        reply = await chat.command("refresh")
        validate_message(reply.message)
        after = await chat.version()
        assert after != before
        assert f"`{before}` → `{after}`" in reply.text
        assert "terms — added 1: term-osprey" in reply.text
        assert "events — changed 1: ev-2023-11-29-osprey-crash" in reply.text
        assert "facts — removed 1: fact-ospreys-grounded" in reply.text
        assert "In all: 1 added, 1 removed, 1 changed." in reply.text
        answer = await chat.command("what is Osprey", user=NOT_ADMIN)
        assert "tilt-rotor" in answer.text
        assert refreshes(tmp_path)[-1] == (ADMIN, "refresh", "swapped")


class TestDryRun:
    async def test_dry_run_shows_the_diff_without_swapping(
        self, chat: Chat, kb_dir: Path, tmp_path: Path
    ) -> None:
        """Dry-run validates and shows the diff; the running base stays the same."""
        before = await chat.version()
        make_valid_edit(kb_dir)
        reply = await chat.command("refresh dry-run")
        assert "Dry run" in reply.text
        assert "Nothing was swapped" in reply.text
        assert "terms — added 1: term-osprey" in reply.text
        assert await chat.version() == before
        assert refreshes(tmp_path) == [(ADMIN, "dry-run", "valid")]

    async def test_dry_run_of_broken_base_lists_errors(self, chat: Chat, kb_dir: Path) -> None:
        """Dry-run of a broken base lists its errors with file and line."""
        edit(kb_dir / "people.yaml", "    name: Lloyd Austin", "    name: 42")
        reply = await chat.command("refresh dry-run")
        line = line_of(kb_dir / "people.yaml", "name: 42")
        assert f"`knowledge/people.yaml:{line}` [austin-lloyd]" in reply.text


class TestRollback:
    async def test_rollback_returns_to_the_previous_version(self, chat: Chat, kb_dir: Path) -> None:
        """After a refresh, rollback swaps the previous base back in and says what changed."""
        before = await chat.version()
        make_valid_edit(kb_dir)
        await chat.command("refresh")
        refreshed = await chat.version()
        reply = await chat.command("rollback")
        assert f"`{refreshed}` → `{before}`" in reply.text
        assert "terms — removed 1: term-osprey" in reply.text
        assert await chat.version() == before
        answer = await chat.command("what is Osprey", user=NOT_ADMIN)
        assert "tilt-rotor" not in answer.text

    async def test_rollback_without_a_refresh(self, chat: Chat) -> None:
        """With no earlier version, rollback says there is nothing to return to."""
        reply = await chat.command("rollback")
        assert "Nothing to roll back" in reply.text


# Each case: file, old text, new text (None: replace the whole file with the bytes given as
# `old`), the text on the line the error must name, and the entry id (None where no entry can be
# named, e.g. a file that cannot be parsed at all).
BROKEN: dict[str, tuple[str, str | bytes, str | None, str, str | None]] = {
    "yaml syntax error": (
        "people.yaml", "    name: Lloyd Austin", "    name: Lloyd Austin: Secretary", "Austin: Secretary",
        None,
    ),
    "duplicate id": (
        "events.yaml", "- id: ev-2023-11-29-osprey-crash", "- id: ev-2023-01-11-hamada-austin  # copied",
        "# copied", "ev-2023-01-11-hamada-austin",
    ),
    "impossible date": (
        "events.yaml", 'date: "2023-11-29"', 'date: "2023-02-30"', "2023-02-30",
        "ev-2023-11-29-osprey-crash",
    ),
    "evidence not in its file": (
        "facts.yaml", 'evidence: "Japan grounded its 14 Ospreys"',
        'evidence: "Japan grounded its 15 Ospreys"', "15 Ospreys", "fact-ospreys-grounded",
    ),
    "cited file missing": (
        "terms.yaml", "- file: seeds/900_sample.txt", "- file: seeds/901_missing.txt",
        "901_missing", "term-mlr",
    ),
    "required field missing": (
        "people.yaml", "    name: Lloyd Austin\n", "", "- id: austin-lloyd", "austin-lloyd",
    ),
    "wrong type": ("people.yaml", "    name: Lloyd Austin", "    name: 42", "name: 42", "austin-lloyd"),
    "empty file": ("facts.yaml", b"", None, "", None),
    "non-utf-8 bytes": (
        "quotes.yaml", b"quotes:\n  - id: q-austin-coercion\n    text: caf\xe9\n", None, "caf",
        None,
    ),
}  # fmt: skip


class TestBrokenKnowledgeBases:
    @pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
    async def test_refused_with_location_while_running_base_answers(
        self, chat: Chat, kb_dir: Path, tmp_path: Path, case: str
    ) -> None:
        """A broken base is refused, naming file, line and entry id; the old base keeps answering."""
        file, old, new, needle, entry_id = BROKEN[case]
        path = kb_dir / file
        before = await chat.version()
        if new is None:
            assert isinstance(old, bytes)
            path.write_bytes(old)
        else:
            assert isinstance(old, str)
            edit(path, old, new)
        line = line_of(path, needle) if needle else 1
        reply = await chat.command("refresh")
        validate_message(reply.message)
        assert "Not refreshed" in reply.text
        assert f"The running version `{before}`" in reply.text
        located = f"`knowledge/{file}:{line}`" + (f" [{entry_id}]" if entry_id else "")
        assert located in reply.text
        assert await chat.version() == before
        answer = await chat.command("who is Hamada", user=NOT_ADMIN)
        assert "Hamada Yasukazu" in answer.text
        assert refreshes(tmp_path) == [(ADMIN, "refresh", "invalid")]
