"""Signals that arrive before the event loop can handle them are queued, not fatal.

SIGHUP's default action ends the process. The loop's handler (`loop.add_signal_handler`) can only
be installed once the loop runs, after the knowledge base has loaded — seconds on a large base.
So the entry point calls `queue_signal(SIGHUP)` first thing: until the loop takes over, a SIGHUP
is remembered, and `take_over` replays it once, as the reload that was asked for.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType


class QueuedSignal:
    """A signal handler that only remembers that the signal arrived."""

    def __init__(self) -> None:
        self._arrived = threading.Event()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self._arrived.set()

    def arrived(self) -> bool:
        return self._arrived.is_set()


def queue_signal(signum: signal.Signals) -> QueuedSignal:
    """From now on, `signum` is remembered instead of acted on (main thread only)."""
    handler = QueuedSignal()
    signal.signal(signum, handler)
    return handler


def take_over(
    loop: asyncio.AbstractEventLoop, signum: signal.Signals, callback: Callable[[], None]
) -> None:
    """Handle `signum` with `callback` on `loop`; if it was queued meanwhile, call it once now."""
    queued = signal.getsignal(signum)
    loop.add_signal_handler(signum, callback)
    if isinstance(queued, QueuedSignal) and queued.arrived():
        callback()
