"""Start-up refuses what it cannot use in one line and exit 2, never a traceback; a SIGHUP that
arrives while it starts is a reload once it is up, not the end of the process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import aiohttp
import pytest

from alliance_bot.admin.state import SqliteAdminState
from alliance_bot.testing.app_process import STARTUP_TIMEOUT, alliance_bot_command, process_env
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.privileges import permission_bound
from alliance_bot.testing.sample_kb import write_sample_kb

pytestmark = pytest.mark.slow

SERVE = ["serve", "--host", "127.0.0.1", "--port", "0"]


def serve_to_exit(
    env: dict[str, str], cwd: Path, *, bound: bool = False
) -> subprocess.CompletedProcess[str]:
    command = [*alliance_bot_command(), *SERVE]
    if bound:
        wrapped = permission_bound(command)
        if wrapped is None:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        command = wrapped
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=STARTUP_TIMEOUT,
        check=False,
    )  # fmt: skip


def the_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line (log lines from before the failure aside); no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("alliance-bot:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


class TestWorkspaceCredentials:
    def test_bot_token_with_client_id_and_secret_is_one_line(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """SLACK_BOT_TOKEN and SLACK_CLIENT_ID + SLACK_CLIENT_SECRET together: exit 2, one line
        naming all three, no secret in it."""
        env = process_env(
            fake_slack, tmp_path, SLACK_CLIENT_ID="123.456", SLACK_CLIENT_SECRET="s3cr3t-value"
        )
        line = the_error(serve_to_exit(env, tmp_path))
        assert "SLACK_BOT_TOKEN" in line
        assert "SLACK_CLIENT_ID" in line
        assert "SLACK_CLIENT_SECRET" in line
        assert "s3cr3t-value" not in line

    def test_a_client_id_without_its_secret_is_one_line(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """A client id alone names the missing secret."""
        env = process_env(fake_slack, tmp_path, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="123.456")
        assert "SLACK_CLIENT_SECRET is not set" in the_error(serve_to_exit(env, tmp_path))


class TestStateDatabase:
    def test_read_only_state_db_names_the_path_and_the_uid(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """A state file (and directory) nobody may write: one line, the path, the uid needed."""
        data = tmp_path / "data"
        data.mkdir()
        SqliteAdminState(data / "state.db")
        for path in data.iterdir():
            path.chmod(0o444)
        data.chmod(0o555)
        env = process_env(fake_slack, tmp_path, ALLIANCE_STATE_DB=str(data / "state.db"))
        try:
            result = serve_to_exit(env, tmp_path, bound=True)
        finally:
            data.chmod(0o755)
        line = the_error(result)
        assert f"ALLIANCE_STATE_DB: cannot write {data / 'state.db'}" in line
        assert f"must be writable by uid {os.geteuid()}" in line
        assert f"is owned by uid {(data / 'state.db').stat().st_uid}" in line

    def test_corrupt_state_db_is_named(self, fake_slack: FakeSlack, tmp_path: Path) -> None:
        """A file that is not SQLite is named, with what to do about it."""
        bad = tmp_path / "state.db"
        bad.write_bytes(b"this is not a database, just text that fills a page " * 100)
        env = process_env(fake_slack, tmp_path, ALLIANCE_STATE_DB=str(bad))
        line = the_error(serve_to_exit(env, tmp_path))
        assert f"ALLIANCE_STATE_DB: {bad} is not a usable SQLite database" in line


class TestKnowledgeBase:
    def test_unreadable_knowledge_file_is_one_line(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """An unreadable YAML file stops start-up with one line naming it."""
        knowledge = write_sample_kb(tmp_path / "kb")
        (knowledge / "people.yaml").chmod(0)
        env = process_env(fake_slack, tmp_path, ALLIANCE_KNOWLEDGE_DIR=str(knowledge))
        try:
            result = serve_to_exit(env, tmp_path, bound=True)
        finally:
            (knowledge / "people.yaml").chmod(0o644)
        line = the_error(result)
        assert "(ALLIANCE_KNOWLEDGE_DIR): knowledge/people.yaml: cannot read the file: " \
            "permission denied" in line  # fmt: skip

    def test_knowledge_dir_that_is_a_file(self, fake_slack: FakeSlack, tmp_path: Path) -> None:
        """ALLIANCE_KNOWLEDGE_DIR naming a file says it is a file."""
        path = tmp_path / "knowledge"
        path.write_text("people: []\n", "utf-8")
        env = process_env(fake_slack, tmp_path, ALLIANCE_KNOWLEDGE_DIR=str(path))
        line = the_error(serve_to_exit(env, tmp_path))
        assert f"{path}: it is a file, not a directory" in line


class TestSighupDuringStartUp:
    async def test_sighup_while_starting_is_queued_as_a_reload(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """SIGHUP sent after the knowledge base loaded but before the server is up (held there
        by the stand-in Slack not yet answering the start-up `auth.test`) does not kill it; once
        up, it reloads once."""
        fake_slack.hold_method("auth.test")
        env = process_env(fake_slack, tmp_path)
        process = await asyncio.create_subprocess_exec(
            *alliance_bot_command(), *SERVE, env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        assert process.stderr is not None
        log: list[str] = []

        async def until_log(needle: str) -> None:
            assert process.stderr is not None
            while not any(needle in line for line in log):
                line = (await process.stderr.readline()).decode()
                assert line, f"alliance-bot exited ({await process.wait()}):\n{''.join(log)}"
                log.append(line)

        try:
            async with asyncio.timeout(STARTUP_TIMEOUT):
                await until_log(" entries")  # "knowledge base … loaded: N entries": auth.test next
                while not fake_slack.calls_to("auth.test"):  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.05)  # (the stand-in notifies only once it answers)
                process.send_signal(signal.SIGHUP)
                fake_slack.release_method("auth.test")
                ready = (await process.stdout.readline()).decode()
                assert ready.startswith("alliance-bot listening on"), (ready, "".join(log))
                await until_log("SIGHUP reload: 'Knowledge base unchanged")
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{ready.split()[-1]}/healthz") as response,
            ):
                assert response.status == 200
            assert process.returncode is None
        finally:
            fake_slack.release_method("auth.test")
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), 15)
