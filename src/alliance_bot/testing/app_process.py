"""Run the real `alliance-bot` command as a subprocess for end-to-end tests.

`start_process(["serve", "--port", "0"], env, cwd, ready="alliance-bot listening on")` starts
it and returns once the process printed its ready line (for `serve`, with the real URL), so tests
never guess a port or sleep for start-up.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alliance_bot.testing.fake_slack import FakeSlack

TEST_SIGNING_SECRET = "test-signing-secret-8f1c"
TEST_BOT_TOKEN = "xoxb-test-token"
TEST_APP_TOKEN = "xapp-test-token"
# A safety net, never a measurement: idle, a start takes a few seconds, but the suite runs one
# pytest-xdist worker per core beside the linters (and CI machines are shared), and under that
# load starts were seen to take over 30 s. A start that hangs still fails, after two minutes.
STARTUP_TIMEOUT = 120.0


def alliance_bot_command() -> list[str]:
    """The installed `alliance-bot` script next to this interpreter, else `python -m`."""
    script = Path(sys.executable).with_name("alliance-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "alliance_bot"]


def _dies_with_parent() -> list[str]:
    """`setpriv --pdeathsig=SIGTERM --` where setpriv exists: a test run that is killed (a
    timeout, kill -9 on pytest) takes its servers with it instead of leaving them listening.
    setpriv `exec`s, so the PID is still the app's. The PostgreSQL fixture does the same."""
    return ["setpriv", "--pdeathsig=SIGTERM", "--"] if shutil.which("setpriv") else []


def process_env(fake: FakeSlack, state_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment for the app, Web API at `fake`; no Slack or ALLIANCE_ setting leaks
    in from the developer's shell. `extra` adds or overrides variables ("" to unset one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ALLIANCE_"))}
    env.update(
        SLACK_BOT_TOKEN=TEST_BOT_TOKEN,
        SLACK_SIGNING_SECRET=TEST_SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
        ALLIANCE_STATE_DB=str(state_dir / "state.db"),
        ALLIANCE_CACHE_DIR=str(state_dir / "cache"),  # never the developer's ~/.cache
        PYTHONUNBUFFERED="1",
        # Socket Mode's health port: any free one, so parallel test runs never collide on 3000.
        ALLIANCE_HEALTH_PORT="0",
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


@dataclass
class AppProcess:
    """A running `alliance-bot` process; its stderr goes to `log_path`."""

    process: asyncio.subprocess.Process
    log_path: Path
    url: str = ""
    # stdout lines before the ready line (Socket Mode prints its health URL there)
    early_lines: list[str] = field(default_factory=list)

    def log(self) -> str:
        """Everything the process wrote to stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_for_log(self, text: str, *, timeout: float = 30.0) -> str:
        """The first stderr line holding `text`, once the process has written it: a reply's
        outcome is logged after Slack answered, so the fake seeing the request is not enough.
        The file is re-read every 20 ms (a deadline, never a measurement)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [line for line in self.log().splitlines() if text in line]
            if found:
                return found[0]
            if loop.time() > deadline:
                raise AssertionError(f"no log line with {text!r} in {timeout} s")
            await asyncio.sleep(0.02)

    async def stop(self) -> int:
        """Send SIGTERM and return the exit status."""
        if self.process.returncode is None:
            self.process.terminate()
        return await asyncio.wait_for(self.process.wait(), 15)


async def start_process(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, *, ready: str
) -> AppProcess:
    """Start `alliance-bot ARGS` in `cwd`; return once stdout shows a line starting with
    `ready` (its last word becomes `AppProcess.url`). Raises if the process exits first."""
    log_path = cwd / "alliance-bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *_dies_with_parent(),
            *alliance_bot_command(),
            *args,
            env=dict(env),
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
    app = AppProcess(process, log_path)
    assert process.stdout is not None
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while True:
                line = (await process.stdout.readline()).decode()
                if not line:
                    await process.wait()
                    raise RuntimeError(f"alliance-bot exited before it was ready:\n{app.log()}")
                if line.startswith(ready):
                    app.url = line.split()[-1]
                    return app
                app.early_lines.append(line.rstrip("\n"))
    except BaseException:
        await app.stop()
        raise


async def run_to_exit(
    args: Sequence[str], env: Mapping[str, str], cwd: Path
) -> tuple[int, str, str]:
    """Run `alliance-bot ARGS` to completion: (exit status, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *_dies_with_parent(),
        *alliance_bot_command(),
        *args,
        env=dict(env),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), STARTUP_TIMEOUT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
