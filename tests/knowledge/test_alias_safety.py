"""Writing an alias is crash-safe and clean: the candidate is validated before anything is written,
the write is atomic, a full disk is reported as such, and what is written is visible text."""

from __future__ import annotations

import datetime as dt
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alliance_bot.admin.outcomes import AliasRefused
from alliance_bot.admin.service import KnowledgeAdmin
from alliance_bot.admin.state import SqliteAdminState
from alliance_bot.knowledge.aliases import AliasError, add_alias
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.slack.render.admin import admin_text
from alliance_bot.testing.sample_kb import write_sample_kb

ADMIN = "U0ADMIN001"
NOW = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


def admin_for(holder: KnowledgeHolder, state_dir: Path) -> KnowledgeAdmin:
    state = SqliteAdminState(state_dir / "state.db")
    return KnowledgeAdmin(holder, state, clock=lambda: NOW, timezone=ZoneInfo("UTC"))


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".writing"))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted for the test (needs root; skipped where mounting is not allowed)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def fill(disk: Path) -> None:
    """Write to `disk` until the file system says it is full."""
    with (disk / "filler").open("wb", buffering=0) as out:
        for size in (65536, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise


class TestCrashSafety:
    def test_a_refused_alias_never_touches_the_file(self, tmp_path: Path) -> None:
        """When the candidate does not validate, the file is never written (same inode, same
        mtime): there is no moment at which a kill could leave a rejected alias on disk."""
        knowledge = write_sample_kb(tmp_path)
        holder = KnowledgeHolder.load(knowledge)
        (knowledge / "terms.yaml").write_text("terms: [", "utf-8")  # someone mid-edit
        people = knowledge / "people.yaml"
        before = people.stat()
        with pytest.raises(KnowledgeBaseInvalid):
            add_alias(holder, "austin-lloyd", "the Pentagon chief")
        after = people.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert leftovers(knowledge) == []

    def test_written_file_keeps_its_mode_and_the_snapshot_matches_disk(
        self, tmp_path: Path
    ) -> None:
        """The replaced file keeps its permissions, and what is swapped in is what a load of the
        directory now gives (the same version)."""
        knowledge = write_sample_kb(tmp_path)
        people = knowledge / "people.yaml"
        people.chmod(0o640)
        holder = KnowledgeHolder.load(knowledge)
        written = add_alias(holder, "austin-lloyd", "the Pentagon chief")
        assert people.stat().st_mode & 0o777 == 0o640
        assert written.swap.current.version == KnowledgeHolder.load(knowledge).current.version
        assert leftovers(knowledge) == []

    def test_full_disk_is_reported_and_leaves_nothing_behind(
        self, small_disk: Path, tmp_path: Path
    ) -> None:
        """On a full disk the reply says "no space left on device" naming the file, the file and
        the running base are unchanged, and no temporary file is left."""
        knowledge = write_sample_kb(small_disk / "kb")
        holder = KnowledgeHolder.load(knowledge)
        version = holder.current.version
        before = (knowledge / "people.yaml").read_bytes()
        fill(small_disk)
        reply = admin_text(
            admin_for(holder, tmp_path).make_alias(
                ADMIN, "austin-lloyd", "who is the Pentagon chief"
            )
        )
        assert "could not write knowledge/people.yaml: no space left on device" in reply
        assert (knowledge / "people.yaml").read_bytes() == before
        assert holder.current.version == version
        assert leftovers(knowledge) == []


class TestAliasText:
    @pytest.mark.parametrize(
        "invisible", ["\x00", "\x1b", "\ufeff", "\u200b", "\u202e", "\u2066", "\x7f"]
    )
    def test_control_bidi_and_zero_width_characters_are_stripped(
        self, tmp_path: Path, invisible: str
    ) -> None:
        """NUL, ESC, BOM, zero-width and bidi controls never reach the file or the base."""
        knowledge = write_sample_kb(tmp_path)
        holder = KnowledgeHolder.load(knowledge)
        add_alias(holder, "austin-lloyd", f"{invisible}Pentagon{invisible} chief{invisible}")
        assert "Pentagon chief" in holder.current.entries["austin-lloyd"].aliases
        text = (knowledge / "people.yaml").read_text("utf-8")
        assert "Pentagon chief" in text
        assert invisible not in text
        assert repr(invisible)[1:-1] not in text

    def test_lone_surrogate_is_refused_clearly(self, tmp_path: Path) -> None:
        """A lone surrogate is a clear refusal naming it; nothing is written."""
        knowledge = write_sample_kb(tmp_path)
        holder = KnowledgeHolder.load(knowledge)
        before = (knowledge / "people.yaml").read_bytes()
        with pytest.raises(AliasError, match=r"lone surrogate \(U\+D800\)"):
            add_alias(holder, "austin-lloyd", "Pentagon \ud800chief")
        assert (knowledge / "people.yaml").read_bytes() == before

    @pytest.mark.parametrize("alias", ["who is", "What is?", "when did", "who's", "who is the"])
    def test_question_words_alone_are_refused(self, tmp_path: Path, alias: str) -> None:
        """An alias made only of question words names nothing and is refused."""
        holder = KnowledgeHolder.load(write_sample_kb(tmp_path))
        with pytest.raises(AliasError, match="only question words"):
            add_alias(holder, "austin-lloyd", alias)

    @pytest.mark.parametrize("question", ["who is …", "who is ???", "what is", "who is"])
    def test_a_gap_with_no_subject_never_becomes_an_alias(
        self, tmp_path: Path, question: str
    ) -> None:
        """The gaps button on "who is …" refuses instead of adding the alias "who is"."""
        knowledge = write_sample_kb(tmp_path)
        holder = KnowledgeHolder.load(knowledge)
        before = (knowledge / "people.yaml").read_bytes()
        reply = admin_text(admin_for(holder, tmp_path).make_alias(ADMIN, "austin-lloyd", question))
        assert "Could not add the alias" in reply
        assert "question words" in reply
        assert (knowledge / "people.yaml").read_bytes() == before

    def test_gap_with_lone_surrogate_is_refused_not_a_crash(self, tmp_path: Path) -> None:
        """A button whose question holds a lone surrogate gets a refusal, not an exception."""
        holder = KnowledgeHolder.load(write_sample_kb(tmp_path))
        outcome = admin_for(holder, tmp_path).make_alias(
            ADMIN, "austin-lloyd", "who is the \ud83d chief"
        )
        assert isinstance(outcome, AliasRefused)
        reply = admin_text(outcome)
        assert "Could not add the alias" in reply
        assert "lone surrogate (U+D83D)" in reply
