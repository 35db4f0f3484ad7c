"""Logging for every entry point: one stderr handler on the root logger, text or JSON.

`configure_logging(settings)` installs it. `LOG_FORMAT=json` writes one JSON object per line
(python-json-logger): `time` (ISO 8601, UTC), `level`, `logger`, `message`, `request_id` when the
record belongs to a request, `exc_info` with the traceback, and any structured fields a record
carries (the access log's `method`, `path`, `status`, `duration_ms`). Bolt's and slack-sdk's
records go through the same root handler, so they come out in the same format.

`LOG_LEVEL` applies to alliance-bot's own loggers. Bolt, slack-sdk and aiohttp never go below
INFO: at DEBUG they log request and response bodies (user text, the Socket Mode connection URL)
— not something a log may hold. slack-sdk's webhook client never goes below WARNING: its INFO
line for each retry names the `response_url`, a credential for 30 minutes (our own reply code
logs each failure without it). Alembic's plugin set-up lines (seven at each start) are noise.

`REQUEST_ID` is the id of the request being handled: set where a request enters (the HTTP
middleware, the Socket Mode handler), it is inherited by the tasks and worker threads the request
starts (contextvars), so every line one question logs carries the same id.

`excerpt(text, limit)` is the one way text from outside (a user's, an admin's, a remote
party's) goes into a line: cut to `limit` characters and escaped to printable ASCII in quotes, so
it can neither forge a line (a newline becomes a backslash and n) nor fill the log.

`LogBudget` bounds a line that an outside party or an outage can repeat at will (refused
requests, a state database that is down): a burst per window, then one line with the count.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from alliance_bot.config import OperationsSettings

REQUEST_ID: ContextVar[str | None] = ContextVar("alliance_request_id", default=None)

# Libraries whose DEBUG output carries request bodies (see the module docstring).
_LIBRARIES = ("slack_bolt", "slack_sdk", "aiohttp")
# Libraries whose INFO lines hold a credential or say nothing (see the module docstring).
_QUIET = ("slack_sdk.webhook", "alembic.runtime.plugins")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"


class LogBudget:
    """At most `burst` lines of one kind per `window` seconds; the rest are counted, and the
    count is logged in one line (naming `what`) when the next window opens.

    Safe to share between threads (the delivery guard logs from worker threads).
    """

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        burst: int = 10,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` is injectable so tests can move time."""
        self._logger = logger
        self._what = what
        self._burst = burst
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start = clock()
        self._logged = 0
        self._suppressed = 0

    def allow(self) -> bool:
        """Whether one more line may be logged now; a refusal is counted for the summary."""
        with self._lock:
            now = self._clock()
            if now - self._window_start >= self._window:
                if self._suppressed:
                    self._logger.warning(
                        "%d more %s were not logged in the last %.0f s",
                        self._suppressed,
                        self._what,
                        now - self._window_start,
                    )
                self._window_start, self._logged, self._suppressed = now, 0, 0
            if self._logged >= self._burst:
                self._suppressed += 1
                return False
            self._logged += 1
            return True


def excerpt(text: object, limit: int = 80) -> str:
    """`text` cut to `limit` characters and quoted as printable ASCII (see the module docstring);
    a cut excerpt ends with an ellipsis inside the quotes."""
    value = str(text)
    return ascii(value if len(value) <= limit else value[:limit] + "\u2026")


def new_request_id() -> str:
    """A fresh id for one request: short, random, safe to log."""
    return uuid.uuid4().hex[:16]


def configure_logging(settings: OperationsSettings, *, stream: TextIO | None = None) -> None:
    """Replace the root logger's handlers with one that writes `settings.log_format` to
    `stream` (default stderr) at `settings.log_level`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                ["levelname", "name", "message"],
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
            )
        )
        handler.addFilter(_with_request_id)
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT))
        handler.addFilter(_with_request_tag)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    # A library's `warnings.warn` would otherwise print two raw lines to stderr, breaking the
    # one-object-per-line promise of LOG_FORMAT=json.
    logging.captureWarnings(True)
    level = logging.getLevelName(settings.log_level)
    root.setLevel(level)
    for name in _LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


def _with_request_id(record: logging.LogRecord) -> bool:
    request_id = REQUEST_ID.get()
    if request_id is not None:
        record.request_id = request_id
    return True


def _with_request_tag(record: logging.LogRecord) -> bool:
    request_id = REQUEST_ID.get()
    record.request_tag = f" [{request_id}]" if request_id is not None else ""
    return True
