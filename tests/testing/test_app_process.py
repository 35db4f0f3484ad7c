"""The `alliance-bot` processes the end-to-end tests start never outlive the test run: a run
killed with SIGKILL, which runs no cleanup, takes its servers with it."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from process_support import process_gone, wait_gone


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux's setpriv")
def test_server_dies_with_the_test_run_that_started_it(tmp_path: Path) -> None:
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from alliance_bot.testing.app_process import process_env, start_process\n"
        "from alliance_bot.testing.fake_slack import FakeSlack\n"
        "async def main() -> None:\n"
        "    async with FakeSlack.running() as fake:\n"
        "        cwd = Path(sys.argv[1])\n"
        "        env = process_env(fake, cwd)\n"
        "        app = await start_process(['serve', '--host', '127.0.0.1', '--port', '0'],\n"
        "                                  env, cwd, ready='alliance-bot listening on')\n"
        "        print(app.process.pid, flush=True)\n"
        "        await asyncio.sleep(300)\n"
        "asyncio.run(main())\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as parent:
        try:
            assert parent.stdout is not None
            server_pid = int(parent.stdout.readline())
            assert not process_gone(server_pid)
            # The PID is the app's own (setpriv execs), so stop() and signals still reach it.
            assert "alliance" in Path(f"/proc/{server_pid}/cmdline").read_text()
        finally:
            parent.send_signal(signal.SIGKILL)
    assert wait_gone(server_pid, timeout=30.0), f"alliance-bot {server_pid} outlived the test run"
