"""The daily post in every installed workspace: one scheduler per workspace, each in its own.

With several workspaces, `run_for_every_workspace` keeps one `daily.scheduler` loop running per
installed workspace, inside `in_workspace(key)`, so that each reads its own settings (channels,
time, zone, fallback), claims and records its own posts and posts with its own token. Each
channel of each workspace is one `DailyJob` run per local day, with the guarantees of a single
workspace: the claims are keyed by workspace, channel and date.

The list of installations is read again when one is added or removed here (`installs_changed`)
and every `recheck` (another replica may have installed or uninstalled one). A workspace that is
gone has its loop cancelled; a settings change anywhere wakes every loop, each of which then
reads only its own settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from alliance_bot.slack.installations import Installed
from alliance_bot.state.workspace import WorkspaceKey, in_workspace

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 60.0


async def run_for_every_workspace(
    *,
    installed: Callable[[], Awaitable[Sequence[Installed]]],
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    installs_changed: asyncio.Event,
    settings_changed: asyncio.Event,
    recheck: float = RECHECK_SECONDS,
) -> None:
    """Run `run(changed)` in each installed workspace until cancelled (see the module)."""
    running: dict[WorkspaceKey, tuple[asyncio.Task[None], asyncio.Event]] = {}

    async def fan_out() -> None:
        while True:
            await settings_changed.wait()
            settings_changed.clear()
            for _, changed in running.values():
                changed.set()

    fan = asyncio.create_task(fan_out())
    try:
        while True:
            installs_changed.clear()
            try:
                keys = [found.workspace for found in await installed()]
            except Exception:
                logger.exception("could not list the installed workspaces; trying again soon")
                keys = list(running)
            for gone in set(running) - set(keys):
                task, _ = running.pop(gone)
                task.cancel()
                logger.info("no daily post for %s any more: it is not installed", gone.shown)
            for key in keys:
                if key not in running:
                    changed = asyncio.Event()
                    with in_workspace(key):  # the task copies this context
                        task = asyncio.create_task(run(changed), name=f"daily {key.shown}")
                    running[key] = (task, changed)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(installs_changed.wait(), timeout=recheck)
    finally:
        fan.cancel()
        tasks = [task for task, _ in running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(fan, *tasks, return_exceptions=True)
