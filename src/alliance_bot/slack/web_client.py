"""The Web API clients: every call to Slack's Web API goes through one of the two built here.

`build_web_client` is the client listeners answer with: slack-sdk's retry handlers for rate
limits (honouring `Retry-After`), 500/503 answers and dropped connections, except that a post is
not repeated after an ambiguous failure (the listeners' `post_reply` checks the thread first). `make_slack_client` is
the client for anything that must not be posted twice (the daily post): it never repeats a
`chat.postMessage` after an ambiguous failure, waits out `Retry-After` exactly, and takes an
injectable `sleep` so tests see the waits without taking them.

`SLACK_API_URL` (Slack's own, or a stand-in in tests) is the base URL of both.

Given a `WebApiObserver` (the metrics), either builder puts observing retry handlers in front
of and around its own (`observed_retries`): the observer learns how each HTTP attempt ended and
each retry. Retry handlers, not a client subclass, because Bolt builds the client a listener
gets per request, copying the app client's settings and retry handlers but not its class.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.config import Settings

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Calls that create something: repeating one after an ambiguous failure could duplicate it.
_NOT_IDEMPOTENT = ("chat.postMessage",)


class WebApiObserver(Protocol):
    """Told about Web API traffic; labels are method names and fixed words, never contents."""

    def attempted(self, method: str, outcome: str) -> None:
        """One HTTP attempt ended: `ok`, `error` (Slack said ok: false), `rate_limited` (429),
        `server_error` (5xx), `http_error` (another status) or `connection_error`."""

    def retrying(self, method: str, reason: str) -> None:
        """A failed attempt is retried; `reason` is `rate_limited`, `server_error` or
        `connection_error`."""


def build_web_client(
    settings: Settings, *, observer: WebApiObserver | None = None
) -> AsyncWebClient:
    """The listeners' Web API client (see the module).

    A 429 means Slack did nothing, so every call retries it. A 5xx or a dropped connection may
    come after Slack posted, so `chat.postMessage` is not retried blindly then:
    `replies.post_reply` looks for the reply in the thread first.
    """
    interval = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    handlers: list[AsyncRetryHandler] = [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        IdempotentServerErrorHandler(max_retry_count=2, interval_calculator=interval),
        IdempotentConnectionErrorHandler(max_retry_count=2, interval_calculator=interval),
    ]
    if observer is not None:
        handlers = observed_retries(handlers, observer)
    return AsyncWebClient(
        token=settings.bot_token, base_url=settings.api_url, retry_handlers=handlers
    )


def make_slack_client(
    *,
    token: str | None,
    base_url: str,
    sleep: Sleep = asyncio.sleep,
    max_retries: int = 4,
    backoff: RetryIntervalCalculator | None = None,
    timeout: int = 30,
    observer: WebApiObserver | None = None,
) -> AsyncWebClient:
    """An `AsyncWebClient` whose retries suit the daily post; `sleep` is injectable for tests.

    `base_url` is `SLACK_API_URL` (Slack's own, or a stand-in in tests).
    """
    interval = backoff or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    handlers: list[AsyncRetryHandler] = [
        RetryAfterHandler(max_retry_count=max_retries, sleep=sleep),
        IdempotentServerErrorHandler(
            max_retry_count=max_retries, interval_calculator=interval, sleep=sleep
        ),
        IdempotentConnectionErrorHandler(
            max_retry_count=max_retries, interval_calculator=interval, sleep=sleep
        ),
    ]
    if observer is not None:
        handlers = observed_retries(handlers, observer)
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)


def observed_retries(
    handlers: list[AsyncRetryHandler], observer: WebApiObserver
) -> list[AsyncRetryHandler]:
    """`handlers`, each reporting its retries to `observer`, behind one that reports attempts.

    slack-sdk asks the handlers in order after every attempt, successful or not, and stops at
    the first that retries; a first handler that never retries sees every attempt exactly once.
    """
    return [_AttemptCounter(observer), *(_ReportingRetries(h, observer) for h in handlers)]


class _AttemptCounter(AsyncRetryHandler):
    def __init__(self, observer: WebApiObserver) -> None:
        super().__init__(max_retry_count=0)
        self._observer = observer

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        self._observer.attempted(_method(request), _outcome(response))
        return False


def _outcome(response: HttpResponse | None) -> str:
    if response is None:
        return "connection_error"
    status = response.status_code
    if status == 200:
        return "ok" if (response.body or {}).get("ok") else "error"
    if status == 429:
        return "rate_limited"
    return "server_error" if status >= 500 else "http_error"


class _ReportingRetries(AsyncRetryHandler):
    """Delegates to `inner`; reports each retry it decides on."""

    def __init__(self, inner: AsyncRetryHandler, observer: WebApiObserver) -> None:
        super().__init__(
            max_retry_count=inner.max_retry_count, interval_calculator=inner.interval_calculator
        )
        self.inner = inner
        self._observer = observer

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return await self.inner.can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is not None and response.status_code == 429:
            reason = "rate_limited"
        elif response is not None:
            reason = "server_error"
        else:
            reason = "connection_error"
        self._observer.retrying(_method(request), reason)
        await self.inner.prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


class RetryAfterHandler(AsyncRateLimitErrorRetryHandler):
    """On HTTP 429, wait exactly `Retry-After` seconds (through an injectable `sleep`), retry.

    slack-sdk's own handler sleeps with `asyncio.sleep` and adds up to a second of jitter; one bot
    posting once a day has no herd to spread, and tests need to see the wait without taking it.
    """

    def __init__(self, *, max_retry_count: int = 4, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep
        self.waits: list[float] = []

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = _retry_after(response.headers if response is not None else {})
        logger.warning("Slack rate-limited %s; retrying in %s s", _method(request), wait)
        self.waits.append(wait)
        await self._sleep(wait)
        state.increment_current_attempt()


class _IdempotentBackoff:
    """What both idempotency-aware handlers share: an injectable `sleep`, backoff between tries,
    and never repeating a call that creates something unless `_may_repeat_post` says so."""

    def __init__(
        self,
        *,
        max_retry_count: int,
        interval_calculator: RetryIntervalCalculator,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(  # type: ignore[call-arg]  # the slack-sdk handler this is mixed into
            max_retry_count=max_retry_count, interval_calculator=interval_calculator
        )
        self._sleep = sleep

    def _may_repeat_post(self, error: Exception | None) -> bool:
        return False

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method(request) in _NOT_IDEMPOTENT:
            return self._may_repeat_post(error)
        allowed: bool = await super()._can_retry_async(  # type: ignore[misc]
            state=state, request=request, response=response, error=error
        )
        return allowed

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        await _backoff(self, state, request, self._sleep)  # type: ignore[arg-type]


class IdempotentServerErrorHandler(_IdempotentBackoff, AsyncServerErrorRetryHandler):
    """Retry HTTP 500/503 with backoff, except for calls that create something (a post)."""


class IdempotentConnectionErrorHandler(_IdempotentBackoff, AsyncConnectionErrorRetryHandler):
    """Retry connection errors with backoff; a post only if it never reached Slack."""

    def _may_repeat_post(self, error: Exception | None) -> bool:
        # Refused connections never reached Slack; a dropped one may have been processed.
        return isinstance(error, aiohttp.ClientConnectorError)


async def _backoff(
    handler: AsyncRetryHandler, state: RetryState, request: HttpRequest, sleep: Sleep
) -> None:
    state.next_attempt_requested = True
    wait = handler.interval_calculator.calculate_sleep_duration(state.current_attempt)
    logger.warning(
        "Slack call %s failed; retry %d in %.1f s",
        _method(request),
        state.current_attempt + 1,
        wait,
    )
    await sleep(wait)
    state.increment_current_attempt()


def _method(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


def _retry_after(headers: Mapping[str, Any]) -> float:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    # No usable header: Slack always sends one, but wait a little rather than hammer it.
    return 1.0
