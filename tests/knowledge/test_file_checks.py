"""Knowledge and seed files are read with checks: regular files inside their directory, capped in
size; anything else is a located problem (never a hang, a leak or a traceback)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from alliance_bot.knowledge.files import SEED_LIMIT
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.testing.app_process import alliance_bot_command
from alliance_bot.testing.privileges import permission_bound
from alliance_bot.testing.sample_kb import SEED_NAME, SEED_TEXT, write_sample_kb

# Generous: a hang (a named pipe opened for reading) is what these limits catch, not slowness.
CLI_TIMEOUT = 60


def problems(knowledge: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseInvalid) as caught:
        load_knowledge(knowledge)
    return [str(p) for p in caught.value.problems]


def kb_check(knowledge: Path, *, bound: bool = False) -> subprocess.CompletedProcess[str]:
    """`alliance-bot kb check DIR` as a user runs it (with file permissions binding it)."""
    command = [*alliance_bot_command(), "kb", "check", str(knowledge)]
    if bound:
        wrapped = permission_bound(command)
        if wrapped is None:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        command = wrapped
    return subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False)


class TestSeedFiles:
    def test_symlink_out_of_seeds_is_refused(self, tmp_path: Path) -> None:
        """A seed that is a link to a file outside seeds/ is not read, even if its text matches."""
        knowledge = write_sample_kb(tmp_path / "kb")
        outside = tmp_path / "elsewhere.txt"
        outside.write_text(SEED_TEXT, "utf-8")
        seed = knowledge.parent / "seeds" / SEED_NAME
        seed.unlink()
        seed.symlink_to(outside)
        found = problems(knowledge)
        # One problem for the file, at its first citation, however often it is cited.
        assert len(found) == 1, found
        assert (
            f"cannot read cited file seeds/{SEED_NAME}: it is a symbolic link leading outside "
            "seeds/ (cited "
        ) in found[0]

    def test_symlink_within_seeds_is_read(self, tmp_path: Path) -> None:
        """A link that stays inside seeds/ (how a Kubernetes ConfigMap is mounted) is fine."""
        knowledge = write_sample_kb(tmp_path / "kb")
        seeds = knowledge.parent / "seeds"
        (seeds / SEED_NAME).rename(seeds / "real.txt")
        (seeds / SEED_NAME).symlink_to("real.txt")
        assert load_knowledge(knowledge).entries

    def test_link_to_dev_zero_is_refused_without_reading(self, tmp_path: Path) -> None:
        """A seed linked to /dev/zero is refused at once instead of filling memory."""
        knowledge = write_sample_kb(tmp_path / "kb")
        seed = knowledge.parent / "seeds" / SEED_NAME
        seed.unlink()
        seed.symlink_to("/dev/zero")
        found = problems(knowledge)
        assert any(f"seeds/{SEED_NAME}: it is a symbolic link leading outside" in p for p in found)

    def test_device_inside_seeds_is_refused(self, tmp_path: Path) -> None:
        """Even inside seeds/, only regular files are read (a device node is refused)."""
        if os.geteuid() != 0:
            pytest.skip("creating a device node needs root")
        knowledge = write_sample_kb(tmp_path / "kb")
        seed = knowledge.parent / "seeds" / SEED_NAME
        seed.unlink()
        os.mknod(seed, 0o644 | 0o020000, os.makedev(1, 5))  # a character device: /dev/zero's
        found = problems(knowledge)
        assert any(f"seeds/{SEED_NAME}: it is a device, not a regular file" in p for p in found)

    def test_named_pipe_is_refused_not_waited_on(self, tmp_path: Path) -> None:
        """A seed that is a named pipe is refused; `kb check` does not hang opening it."""
        knowledge = write_sample_kb(tmp_path / "kb")
        seed = knowledge.parent / "seeds" / SEED_NAME
        seed.unlink()
        os.mkfifo(seed)
        result = kb_check(knowledge)
        assert result.returncode == 1, result.stderr
        assert f"seeds/{SEED_NAME}: it is a named pipe, not a regular file" in result.stdout

    def test_oversized_seed_is_refused(self, tmp_path: Path) -> None:
        """A seed above the size cap is refused with the limit named."""
        knowledge = write_sample_kb(tmp_path / "kb")
        seed = knowledge.parent / "seeds" / SEED_NAME
        seed.write_text(SEED_TEXT + "x" * SEED_LIMIT, "utf-8")
        found = problems(knowledge)
        assert any("it is larger than the limit of 2 MiB" in p for p in found), found

    def test_unreadable_seeds_directory_is_one_problem(self, tmp_path: Path) -> None:
        """An unreadable seeds/ is one problem naming the directory, not one per citation."""
        knowledge = write_sample_kb(tmp_path / "kb")
        seeds = knowledge.parent / "seeds"
        seeds.chmod(0)
        try:
            result = kb_check(knowledge, bound=True)
        finally:
            seeds.chmod(0o755)
        assert result.returncode == 1, result.stderr
        reported = [line for line in result.stdout.splitlines() if ": " in line]
        assert reported == ["seeds/: cannot read: permission denied (running as uid "
                            f"{os.geteuid()})"], result.stdout  # fmt: skip
        assert "Traceback" not in result.stderr

    def test_missing_seeds_directory_is_one_problem(self, tmp_path: Path) -> None:
        """No seeds/ at all is one problem too."""
        knowledge = write_sample_kb(tmp_path / "kb")
        for seed in (knowledge.parent / "seeds").iterdir():
            seed.unlink()
        (knowledge.parent / "seeds").rmdir()
        assert problems(knowledge) == ["seeds/: cannot read: the directory does not exist"]


class TestKnowledgeFiles:
    def test_unreadable_yaml_is_a_listed_problem(self, tmp_path: Path) -> None:
        """`kb check` lists an unreadable YAML file as a problem and exits 1, no traceback."""
        knowledge = write_sample_kb(tmp_path / "kb")
        (knowledge / "terms.yaml").chmod(0)
        try:
            result = kb_check(knowledge, bound=True)
        finally:
            (knowledge / "terms.yaml").chmod(0o644)
        assert result.returncode == 1, result.stderr
        assert "knowledge/terms.yaml: cannot read the file: permission denied" in result.stdout
        assert "Traceback" not in result.stderr

    def test_named_pipe_yaml_is_refused_not_waited_on(self, tmp_path: Path) -> None:
        """A `*.yaml` that is a named pipe is a problem, and `kb check` returns."""
        knowledge = write_sample_kb(tmp_path / "kb")
        os.mkfifo(knowledge / "extra.yaml")
        result = kb_check(knowledge)
        assert result.returncode == 1, result.stderr
        assert "knowledge/extra.yaml: cannot read the file: it is a named pipe" in result.stdout

    def test_yaml_symlink_out_of_the_directory_is_refused(self, tmp_path: Path) -> None:
        """A YAML file linked from outside the knowledge directory is not loaded."""
        knowledge = write_sample_kb(tmp_path / "kb")
        outside = tmp_path / "terms.yaml"
        (knowledge / "terms.yaml").rename(outside)
        (knowledge / "terms.yaml").symlink_to(outside)
        assert "knowledge/terms.yaml: cannot read the file: it is a symbolic link leading " \
            "outside knowledge/" in problems(knowledge)  # fmt: skip

    def test_a_directory_named_yaml_is_a_problem(self, tmp_path: Path) -> None:
        """A directory called `x.yaml` is reported, not a crash."""
        knowledge = write_sample_kb(tmp_path / "kb")
        (knowledge / "x.yaml").mkdir()
        assert "knowledge/x.yaml: cannot read the file: it is a directory, not a file" in (
            problems(knowledge)
        )

    def test_knowledge_dir_that_is_a_file_says_so(self, tmp_path: Path) -> None:
        """A knowledge "directory" that is a file is named as such."""
        path = tmp_path / "knowledge"
        path.write_text("people: []\n", "utf-8")
        result = kb_check(path)
        assert result.returncode == 1
        assert f"{path}: it is a file, not a directory" in result.stdout
        assert "Traceback" not in result.stderr
