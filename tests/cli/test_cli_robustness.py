"""The command line as a user meets it: bad `--jsonl` lines, a closed pipe, `--version`, help with
the settings each command reads, and usage errors — each a real `alliance-bot` process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from alliance_bot.testing.app_process import alliance_bot_command

REPOSITORY = Path(__file__).resolve().parents[2]
TIMEOUT = 120


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ALLIANCE_"))}
    return subprocess.run(
        [*alliance_bot_command(), *args],
        input=stdin, capture_output=True, timeout=TIMEOUT, check=False, env=env,
    )  # fmt: skip


class TestJsonLines:
    def test_each_bad_line_gets_an_error_and_the_batch_goes_on(self) -> None:
        """A lone surrogate, 100,000-deep nesting, non-UTF-8 bytes and a non-object each get an
        error object for their line; every other line is answered, in order."""
        good = json.dumps({"text": "what is the MLR"}).encode()
        lines = [
            good,
            b'{"text": "who is \\ud800"}',
            b"[" * 100_000 + b"]" * 100_000,
            b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            b'{"text": "\xff\xfe"}',
            b"42",
            good,
        ]
        result = run("ask", "--jsonl", stdin=b"\n".join(lines) + b"\n")
        assert result.returncode == 0, result.stderr
        out = [json.loads(line) for line in result.stdout.decode().splitlines()]
        assert [o["status"] for o in out] == ["answer", *["error"] * 5, "answer"]
        assert "lone surrogate (U+D800)" in out[1]["text"]
        assert out[2]["text"] == "line 3: the JSON is nested too deeply"
        assert out[-1]["entries"][0]["id"] == "term-mlr"
        assert b"Traceback" not in result.stderr


class TestClosedPipe:
    def test_reader_gone_before_the_first_write(self) -> None:
        """Writing into a pipe nobody reads ends quietly (exit 141), no BrokenPipeError."""
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = subprocess.run(
                [*alliance_bot_command(), "ask", "who is Hamada"],
                stdout=write_end, stderr=subprocess.PIPE, timeout=TIMEOUT, check=False,
            )  # fmt: skip
        finally:
            os.close(write_end)
        assert result.stderr.decode() == ""
        assert result.returncode == 141

    def test_head_in_a_shell_pipeline(self) -> None:
        """`alliance-bot ask --jsonl … | head -1` prints one line and nothing on stderr."""
        command = " ".join(alliance_bot_command())
        lines = (json.dumps({"text": "who is Hamada"}) + "\n") * 3000
        result = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command} ask --jsonl | head -1"],
            input=lines.encode(), capture_output=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
        assert result.stderr.decode() == ""
        assert len(result.stdout.decode().splitlines()) == 1
        assert result.returncode == 141


class TestVersionAndHelp:
    def test_version_is_the_one_in_pyproject(self) -> None:
        """`--version` prints `alliance-bot X.Y.Z`, X.Y.Z being pyproject.toml's version."""
        project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text("utf-8"))["project"]
        result = run("--version")
        assert result.returncode == 0
        assert result.stdout.decode() == f"alliance-bot {project['version']}\n"

    def test_no_arguments_prints_the_help(self) -> None:
        """`alliance-bot` alone prints the help, listing every command, and exits 0."""
        result = run()
        assert result.returncode == 0, result.stderr
        text = result.stdout.decode()
        assert text.startswith("usage: alliance-bot")
        for command in ("ask", "kb", "serve", "socket", "post-today"):
            assert re.search(rf"^\s+{command}\s", text, re.MULTILINE), command

    @pytest.mark.parametrize(
        ("command", "settings"),
        [
            (["ask"], ["ALLIANCE_KNOWLEDGE_DIR"]),
            (["kb"], ["ALLIANCE_KNOWLEDGE_DIR"]),
            (["serve"], ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "ALLIANCE_STATE_DB"]),
            (["socket"], ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "ALLIANCE_STATE_DB"]),
            (["post-today"], ["SLACK_BOT_TOKEN", "ALLIANCE_DAILY_CHANNEL", "ALLIANCE_TIMEZONE"]),
        ],
    )
    def test_help_names_the_settings_and_an_existing_readme_section(
        self, command: list[str], settings: list[str]
    ) -> None:
        """Each command's --help names the settings it reads and README sections that exist."""
        result = run(*command, "--help")
        assert result.returncode == 0
        text = result.stdout.decode()
        for setting in settings:
            assert setting in text
        readme = (REPOSITORY / "README.md").read_text("utf-8")
        headings = {m[1] for m in re.finditer(r"^#+ (.+)$", readme, re.MULTILINE)}
        sections = re.findall(r'"([^"]+)"', text.split("see README.md, section", 1)[1])
        assert sections
        assert set(sections) <= headings, sections

    def test_every_readme_setting_is_in_the_servers_help(self) -> None:
        """Each variable of the README's Settings table is named by `serve --help` or
        `socket --help`; both name the log settings, `socket` its health port."""
        readme = (REPOSITORY / "README.md").read_text("utf-8")
        table = readme.split("### Settings\n", 1)[1].split("\n### ", 1)[0]
        variables = re.findall(r"^\| `([A-Z][A-Z_]+)` \|", table, re.MULTILINE)
        assert {"LOG_LEVEL", "LOG_FORMAT", "ALLIANCE_HEALTH_PORT"} <= set(variables)
        serve, socket = (run(c, "--help").stdout.decode() for c in ("serve", "socket"))
        assert [v for v in variables if v not in serve + socket] == []
        for text in (serve, socket, run("post-today", "--help").stdout.decode()):
            assert "LOG_LEVEL" in text
            assert "LOG_FORMAT" in text
        assert "ALLIANCE_HEALTH_PORT" in socket

    def test_the_settings_start_up_asks_for_are_in_the_help(self) -> None:
        """Whatever setting `serve` complains is missing is one its --help names."""
        missing = run("serve").stderr.decode()
        named = re.findall(r"\b(SLACK_[A-Z_]+|ALLIANCE_[A-Z_]+)\b", missing)
        assert named
        help_text = run("serve", "--help").stdout.decode()
        assert all(name in help_text for name in named)


class TestUsageErrors:
    @pytest.mark.parametrize("port", ["99999", "-1", "http"])
    def test_port_out_of_range_is_one_line_and_exit_2(self, port: str) -> None:
        """`serve --port 99999` says the port is out of range in one line, exit 2."""
        result = run("serve", "--port", port)
        assert result.returncode == 2
        lines = result.stderr.decode().splitlines()
        assert len(lines) == 1, lines
        assert "--port" in lines[0]
        if port != "http":
            assert "port out of range" in lines[0]


class TestPostTodayStateFile:
    @pytest.mark.parametrize("dry_run", [False, True])
    def test_corrupt_state_file_is_one_line_and_exit_2(self, tmp_path: Path, dry_run: bool) -> None:
        """`post-today` (and its dry run) with a state file that is not SQLite: one line, exit 2."""
        bad = tmp_path / "state.db"
        bad.write_bytes(b"not a database at all, only words " * 100)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ALLIANCE_"))}
        env.update(
            ALLIANCE_STATE_DB=str(bad), ALLIANCE_DAILY_CHANNEL="C0123ABCD",
            SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL="http://127.0.0.1:9/",
        )  # fmt: skip
        args = ["post-today", "--today", "2024-11-29", *(["--dry-run"] if dry_run else [])]
        result = subprocess.run(
            [*alliance_bot_command(), *args], env=env, cwd=tmp_path, capture_output=True,
            text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr
        # Log records (the migrations log at INFO) aside, stderr is the one error line.
        errors = [line for line in result.stderr.splitlines() if not line.startswith("INFO ")]
        assert errors == [
            f"alliance-bot post-today: ALLIANCE_STATE_DB: {bad} is not a usable SQLite database "
            "(file is not a database); move it aside to start with an empty one, or restore a "
            "backup"
        ], result.stderr
