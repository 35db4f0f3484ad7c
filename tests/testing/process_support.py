"""Whether a process is gone: for the tests that kill a test run and check that the servers it
started went with it."""

from __future__ import annotations

import time
from pathlib import Path


def process_gone(pid: int) -> bool:
    """No such process, or only a zombie left for a parent that does not reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    """Poll until the process is gone; False if it is still there after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not process_gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
