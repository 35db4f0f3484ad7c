"""`alliance-bot post-today`, run as cron runs it: a real process against the stand-in Slack."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from daily_support import CHANNEL, daily_posts, posts_per_date

from alliance_bot.testing.fake_slack import FakeSlack


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def _command() -> list[str]:
    """The installed `alliance-bot` script next to this Python, else `python -m alliance_bot`."""
    script = Path(sys.executable).with_name("alliance-bot")
    if script.exists():
        return [str(script)]
    found = shutil.which("alliance-bot")
    return [found] if found else [sys.executable, "-m", "alliance_bot"]


async def _post_today(*args: str, env: dict[str, str], cwd: Path) -> Result:
    """Run `post-today` without blocking the event loop that serves the fake Slack."""
    return await _run("post-today", *args, env=env, cwd=cwd)


async def _run(*args: str, env: dict[str, str], cwd: Path) -> Result:
    """Run the CLI with `args` and only `env` for its SLACK_/ALLIANCE_ settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ALLIANCE_"))}
    process = await asyncio.create_subprocess_exec(
        *_command(), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**clean, **env}, cwd=cwd,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


@pytest.fixture
def env(fake_slack: FakeSlack, knowledge_dir: Path, state_db: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.base_url,
        "ALLIANCE_KNOWLEDGE_DIR": str(knowledge_dir),
        "ALLIANCE_STATE_DB": str(state_db),
        "ALLIANCE_DAILY_CHANNEL": CHANNEL,
        "ALLIANCE_TIMEZONE": "Asia/Tokyo",
    }


class TestPostToday:
    async def test_twice_the_same_day_posts_once(
        self, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
    ) -> None:
        """Two runs for one date: the first posts, the second says so and posts nothing."""
        first = await _post_today("--today", "2024-12-06", env=env, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert "Posted the daily message for 2024-12-06" in first.stdout
        second = await _post_today("--today", "2024-12-06", env=env, cwd=tmp_path)
        assert second.returncode == 0, second.stderr
        assert "Already posted for 2024-12-06" in second.stdout
        assert posts_per_date(fake_slack) == {"2024-12-06": 1}

    async def test_log_format_json_and_log_level(
        self, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
    ) -> None:
        """A CronJob's logs follow LOG_FORMAT and LOG_LEVEL as the server's do: one JSON object
        per stderr line; at WARNING, no INFO lines."""
        as_json = {**env, "LOG_FORMAT": "json"}
        result = await _post_today("--today", "2024-12-06", env=as_json, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        lines = [json.loads(line) for line in result.stderr.splitlines()]
        assert any(line["logger"].startswith("alliance_bot.") for line in lines), result.stderr
        assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
        warnings = {**env, "LOG_LEVEL": "WARNING"}
        quiet = await _post_today("--today", "2024-12-07", env=warnings, cwd=tmp_path)
        assert quiet.returncode == 0, quiet.stderr
        assert " INFO " not in quiet.stderr
        assert "Posted the daily message for 2024-12-07" in quiet.stdout
        xml = {**env, "LOG_FORMAT": "xml"}
        bad = await _post_today("--today", "2024-12-08", env=xml, cwd=tmp_path)
        assert bad.returncode == 2
        assert "LOG_FORMAT" in bad.stderr

    async def test_channel_option_overrides_the_setting(
        self, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
    ) -> None:
        """--channel posts there instead of ALLIANCE_DAILY_CHANNEL."""
        result = await _post_today(
            "--today", "2024-12-06", "--channel", "COTHER", env=env, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert len(daily_posts(fake_slack, "COTHER")) == 1
        assert daily_posts(fake_slack) == []

    async def test_dry_run_prints_and_posts_nothing(
        self, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path, state_db: Path
    ) -> None:
        """--dry-run prints the message in plain text and never calls Slack or writes state."""
        result = await _post_today("--today", "2024-02-29", "--dry-run", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Leap-day hotline drill" in result.stdout
        assert "nothing is posted" in result.stdout
        assert fake_slack.calls == []
        assert not state_db.exists()  # noqa: ASYNC240  (a test asserting on a file)

    async def test_posts_from_the_published_version_not_the_directory(
        self, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path, knowledge_dir: Path
    ) -> None:
        """Once a version is published to the database (as the replicas' refreshes do), a CronJob
        posts from it, not from the stale copy in ALLIANCE_KNOWLEDGE_DIR (the image's)."""
        published = tmp_path / "published"
        shutil.copytree(knowledge_dir, published / "knowledge")
        shutil.copytree(knowledge_dir.parent / "seeds", published / "seeds")
        tiny = published / "knowledge" / "tiny.yaml"
        text = tiny.read_text(encoding="utf-8")
        assert "title: Leap-day hotline drill" in text
        tiny.write_text(
            text.replace("title: Leap-day hotline drill", "title: Leap-day hotline exercise"),
            encoding="utf-8",
        )
        publish = await _run("kb", "publish", str(published / "knowledge"), env=env, cwd=tmp_path)
        assert publish.returncode == 0, publish.stderr
        result = await _post_today("--today", "2024-02-29", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        [post] = daily_posts(fake_slack)
        assert "Leap-day hotline exercise" in json.dumps(post)
        assert "Leap-day hotline drill" not in json.dumps(post)

    async def test_impossible_date_exits_2_naming_it(
        self, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
    ) -> None:
        """--today 2023-02-30 exits 2 and names the date, before touching Slack."""
        result = await _post_today("--today", "2023-02-30", env=env, cwd=tmp_path)
        assert result.returncode == 2
        assert "2023-02-30" in result.stderr
        assert "28 days" in result.stderr
        assert fake_slack.calls == []

    async def test_missing_token_names_the_variable(
        self, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
    ) -> None:
        """Without SLACK_BOT_TOKEN a real run exits 2 and says which variable is missing."""
        env = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
        result = await _post_today("--today", "2024-12-06", env=env, cwd=tmp_path)
        assert result.returncode == 2
        assert "SLACK_BOT_TOKEN" in result.stderr
        dry = await _post_today("--today", "2024-12-06", "--dry-run", env=env, cwd=tmp_path)
        assert dry.returncode == 0, "a dry run needs no token"

    @pytest.mark.slow
    async def test_slack_down_exits_1_and_the_next_run_posts(
        self, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
    ) -> None:
        """A run that cannot reach Slack exits 1 and records nothing; the next one posts."""
        fake_slack.server_error("conversations.history", times=5)
        failed = await _post_today("--today", "2024-12-06", env=env, cwd=tmp_path)
        assert failed.returncode == 1
        assert "nothing recorded" in failed.stderr
        assert "Traceback" in failed.stderr, "the failure is logged with its traceback"
        retried = await _post_today("--today", "2024-12-06", env=env, cwd=tmp_path)
        assert retried.returncode == 0, retried.stderr
        assert posts_per_date(fake_slack) == {"2024-12-06": 1}
