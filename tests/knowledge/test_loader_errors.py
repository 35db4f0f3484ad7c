"""A broken knowledge base is refused with the file, the line and the entry id of each error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid, Problem
from alliance_bot.testing.sample_kb import write_sample_kb


def _problems(knowledge: Path) -> list[Problem]:
    with pytest.raises(KnowledgeBaseInvalid) as caught:
        load_knowledge(knowledge)
    return caught.value.problems


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


class TestValidKnowledgeBase:
    def test_sample_loads(self, tmp_path: Path) -> None:
        """The sample knowledge base is valid and every kind is present."""
        kb = load_knowledge(write_sample_kb(tmp_path))
        assert {k for k in kb.by_kind} == {"person", "event", "quote", "fact", "term", "source"}
        assert kb.version


class TestEachErrorIsLocated:
    @pytest.mark.parametrize(
        ("file", "old", "new", "entry_id", "line_needle", "message"),
        [
            ("people.yaml", "    summary: Japan's", "    summery: Japan's", "hamada-yasukazu",
             "summery:", "unknown key"),
            ("people.yaml", "    name: Lloyd Austin\n", "", "austin-lloyd", "- id: austin-lloyd",
             "name: required key is missing"),
            ("people.yaml", "    aliases: [Austin, Secretary Austin]", "    aliases: Austin",
             "austin-lloyd", "aliases: Austin", "aliases"),
            ("people.yaml", "    name: Lloyd Austin", "    name: 42", "austin-lloyd", "name: 42",
             "valid string"),
            ("events.yaml", 'date: "2023-11-29"', 'date: "2023-02-30"', "ev-2023-11-29-osprey-crash",
             '"2023-02-30"', "2023-02-30"),
            ("events.yaml", 'date: "2023-11-29"', "date: 2023-13-01", "ev-2023-11-29-osprey-crash",
             "2023-13-01", "no month 13"),
            ("events.yaml", "people: [hamada-yasukazu, austin-lloyd]",
             "people: [hamada-yasukazu, austen-lloyd]", "ev-2023-01-11-hamada-austin",
             "austen-lloyd", "no person with id 'austen-lloyd'"),
            ("terms.yaml", "evidence: \"The Marine Littoral", "evidence: \"The Marine Litoral",
             "term-mlr", "Marine Litoral", "evidence not found in seeds/900_sample.txt"),
            ("facts.yaml", "file: seeds/900_sample.txt", "file: seeds/901_missing.txt",
             "fact-ospreys-grounded", "901_missing", "does not exist"),
            ("quotes.yaml", "text: stand together against coercion.",
             "text: stand together against bullying.", "q-austin-coercion", "text: stand",
             "quoted words are not in any cited file"),
            ("terms.yaml", "  - id: term-mlr", "  - id: fact-ospreys-grounded",
             "fact-ospreys-grounded", "- id: fact-ospreys-grounded",
             "duplicate id (first used at knowledge/facts.yaml:2)"),
            ("people.yaml", "  - id: austin-lloyd", "  - id: Austin Lloyd", "Austin Lloyd",
             "- id: Austin Lloyd", "id: String should match pattern"),
        ],
    )  # fmt: skip
    def test_problem_names_file_line_and_id(
        self,
        tmp_path: Path,
        file: str,
        old: str,
        new: str,
        entry_id: str,
        line_needle: str,
        message: str,
    ) -> None:
        """Each kind of mistake is reported with its file, line, entry id and a clear message."""
        knowledge = write_sample_kb(tmp_path)
        _edit(knowledge / file, old, new)
        problems = _problems(knowledge)
        matching = [p for p in problems if message in p.message]
        assert matching, f"no problem mentions {message!r}: {problems}"
        problem = matching[0]
        assert problem.file == f"knowledge/{file}"
        assert problem.entry_id == entry_id
        assert problem.line == _line_of(knowledge / file, line_needle)

    def test_yaml_syntax_error(self, tmp_path: Path) -> None:
        """A YAML syntax error names the file and the line where parsing failed."""
        knowledge = write_sample_kb(tmp_path)
        _edit(knowledge / "terms.yaml", "    aliases: []", "    aliases: [unclosed")
        (problem,) = _problems(knowledge)
        assert problem.file == "knowledge/terms.yaml"
        assert "YAML syntax error" in problem.message
        assert problem.line is not None
        assert problem.line >= _line_of(knowledge / "terms.yaml", "[unclosed")

    def test_empty_file(self, tmp_path: Path) -> None:
        """An empty file is an error, not an empty section silently accepted."""
        knowledge = write_sample_kb(tmp_path)
        (knowledge / "facts.yaml").write_text("", encoding="utf-8")
        (problem,) = _problems(knowledge)
        assert (problem.file, problem.line) == ("knowledge/facts.yaml", 1)
        assert "empty" in problem.message

    def test_not_utf8(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 are reported with the line they are on."""
        knowledge = write_sample_kb(tmp_path)
        path = knowledge / "people.yaml"
        raw = path.read_bytes().replace(b"Japan's defense", b"Japan\xe9s defense", 1)
        path.write_bytes(raw)
        (problem,) = _problems(knowledge)
        assert problem.file == "knowledge/people.yaml"
        assert problem.line == raw[: raw.index(b"\xe9")].count(b"\n") + 1
        assert "not UTF-8" in problem.message

    def test_unknown_section(self, tmp_path: Path) -> None:
        """A misspelt top-level section is reported rather than ignored."""
        knowledge = write_sample_kb(tmp_path)
        _edit(knowledge / "terms.yaml", "terms:", "termz:")
        (problem,) = _problems(knowledge)
        assert problem.line == 1
        assert "unknown section 'termz'" in problem.message

    def test_all_problems_reported_at_once(self, tmp_path: Path) -> None:
        """Several mistakes in several files are all listed, not just the first."""
        knowledge = write_sample_kb(tmp_path)
        _edit(knowledge / "terms.yaml", "    definition:", "    defintion:")
        _edit(
            knowledge / "facts.yaml",
            'evidence: "Japan grounded its 14',
            'evidence: "Japan grounded its 15',
        )
        files = {p.file for p in _problems(knowledge)}
        assert files == {"knowledge/terms.yaml", "knowledge/facts.yaml"}


class TestKbCheckCommand:
    def test_broken_base_exits_1_with_locations(self, tmp_path: Path) -> None:
        """`alliance-bot kb check DIR` prints every problem with file:line [id] and exits 1."""
        knowledge = write_sample_kb(tmp_path)
        _edit(knowledge / "events.yaml", 'date: "2023-11-29"', 'date: "2023-02-30"')
        result = subprocess.run(
            [sys.executable, "-m", "alliance_bot", "kb", "check", str(knowledge)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        line = _line_of(knowledge / "events.yaml", "2023-02-30")
        assert result.returncode == 1
        assert f"knowledge/events.yaml:{line} [ev-2023-11-29-osprey-crash]" in result.stdout
        assert "Traceback" not in result.stderr

    def test_valid_base_exits_0(self, tmp_path: Path) -> None:
        """A valid directory is reported OK with its entry counts."""
        knowledge = write_sample_kb(tmp_path)
        result = subprocess.run(
            [sys.executable, "-m", "alliance_bot", "kb", "check", str(knowledge)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert "8 entries" in result.stdout
