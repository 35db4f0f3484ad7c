"""Sending replies so that none is lost unnoticed and none is posted twice.

Two ways out, two kinds of failure:

- `response_url` (slash commands, clicks). Bolt's `AsyncRespond` returns a `WebhookResponse` and
  never raises on a refusal, so a 404 `expired_url` or a 403 from an announcement-only channel
  vanished. `CheckedRespond` replaces it for every listener (the `checked_respond` middleware):
  it retries transient failures (429 honouring `Retry-After`, any 5xx, dropped connections),
  logs every final failure with what it was answering and the status, and returns the response
  so callers can act on it. The URL is never logged: for 30 minutes it is a credential.
  All posts share one aiohttp session (`ReplySession`, opened at the first post and closed when
  the server stops), so they reuse kept-alive connections to Slack instead of paying a new
  session, TCP connection and TLS handshake per reply.
- `chat.postMessage` (thread and DM replies). A 500 or a dropped connection can arrive after
  Slack has posted, so a blind retry duplicates the reply. `post_reply` labels each reply with
  message metadata naming the message it answers and, before posting again, looks in the thread
  (or the DM) for it, as the daily post does with its own metadata.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from slack_sdk.webhook.webhook_response import WebhookResponse

from alliance_bot.logs import excerpt
from alliance_bot.slack.describe import describe
from alliance_bot.slack.middleware import Middleware, Next

logger = logging.getLogger(__name__)

REPLY_EVENT_TYPE = "alliance_reply"
"""The `metadata.event_type` of every thread and DM reply; its payload names the question."""

Sleep = Callable[[float], Awaitable[None]]
_CONNECTION_FAILED = 0  # the status a CheckedRespond reports when no HTTP answer came back
_POST_ATTEMPTS = 3


# --- response_url -----------------------------------------------------------------------------


class AnyServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """slack-sdk's handler retries only 500 and 503; a 502 or 504 from a proxy is as transient."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


def response_url_retry_handlers() -> list[AsyncRetryHandler]:
    """Retries for `response_url` posts: rate limits (Retry-After), 5xx, dropped connections."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AnyServerErrorRetryHandler(max_retry_count=2),
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
    ]


RESPONSE_URL_TIMEOUT = 10  # seconds for one post to a response_url, retries not counted


class ReplySession:
    """The one aiohttp session of every `response_url` post in the process.

    Opened at the first post (a session belongs to the running event loop), closed by `close()`,
    which the `closer` background job calls when the server stops, after the answers in flight
    were delivered (`operations.drain` runs first). A post after that gets a session of its own,
    as before, so a late reply is still delivered.
    """

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self.opened = 0  # sessions opened so far: one per process life, unless one broke

    def session(self) -> aiohttp.ClientSession | None:
        """The shared session; None once closed (the caller then uses a one-off session)."""
        if self._closed:
            return None
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=RESPONSE_URL_TIMEOUT)
            )
            self.opened += 1
        return self._session

    async def close(self) -> None:
        """Close the session; posts from now on each use their own."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def closer(self) -> None:
        """A background job: nothing until the server stops, then `close`."""
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()


class CheckedRespond(AsyncRespond):
    """`respond()` that retries transient failures, logs final ones, and returns the response
    (status 0 when the connection failed for good) instead of leaving the caller to guess."""

    def __init__(
        self, *, response_url: str | None, what: str, replies: ReplySession | None = None
    ) -> None:
        """`what` names the request being answered in log lines (`describe(body)`); `replies`
        is the shared session (without it, each post opens and closes its own)."""
        super().__init__(response_url=response_url)
        self.what = what
        self.replies = replies

    async def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        client = AsyncWebhookClient(
            url=self.response_url,
            timeout=RESPONSE_URL_TIMEOUT,  # used by a one-off session; the shared one has its own
            session=self.replies.session() if self.replies is not None else None,
            retry_handlers=response_url_retry_handlers(),
        )
        try:
            response = await client.send_dict(message)
        except (aiohttp.ClientError, TimeoutError) as error:
            # The exception's text may contain the URL; its type says enough.
            logger.warning(
                "Reply to %s failed: no answer from response_url (%s)",
                self.what,
                type(error).__name__,
            )
            return WebhookResponse(url="", status_code=_CONNECTION_FAILED, body="", headers={})
        if response.status_code != 200:
            logger.warning(
                "Reply to %s failed: response_url answered HTTP %d %s",
                self.what,
                response.status_code,
                excerpt(response.body),
            )
        return response


def checked_respond(replies: ReplySession | None = None) -> Middleware:
    """A Bolt middleware giving every listener a `CheckedRespond` in place of Bolt's own, posting
    through `replies` (see `CheckedRespond`)."""

    async def use_checked_respond(
        body: dict[str, Any], context: AsyncBoltContext, next: Next
    ) -> None:
        url = context.response_url
        if url:
            context["respond"] = CheckedRespond(
                response_url=url, what=describe(body), replies=replies
            )
        await next()

    return use_checked_respond


def refusal_reason(response: WebhookResponse) -> str:
    """What to tell a user whose reply Slack refused, in plain words."""
    if response.status_code == 404 or "expired" in str(response.body):
        return "the button has expired (Slack keeps it for 30 minutes)"
    if response.status_code in (401, 403):
        return "Slack does not allow posting it in this channel (for example, an announcement-only channel)"
    if response.status_code == _CONNECTION_FAILED:
        return "Slack could not be reached"
    return f"Slack answered HTTP {response.status_code}"


# --- chat.postMessage -------------------------------------------------------------------------


def reply_metadata(channel: str, source_ts: str) -> dict[str, Any]:
    """The metadata that marks a reply as the answer to message `source_ts` in `channel`."""
    return {"event_type": REPLY_EVENT_TYPE, "event_payload": {"channel": channel, "ts": source_ts}}


async def post_reply(
    client: AsyncWebClient,
    *,
    channel: str,
    source_ts: str,
    thread_ts: str | None,
    message: Mapping[str, Any],
    what: str,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Post `message` as the answer to message `source_ts`; on a failure that may hide an
    accepted post (5xx, dropped connection), look for it before posting again. Raises the last
    error when every attempt failed (the caller apologises and logs the traceback)."""
    metadata = reply_metadata(channel, source_ts)
    for attempt in range(1, _POST_ATTEMPTS + 1):
        try:
            await client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, metadata=metadata, **message
            )
            return
        except SlackApiError as error:
            if error.response.status_code < 500:
                raise  # refused (not_in_channel, invalid_blocks…): posting again cannot help
            failure: Exception = error
            reason = f"HTTP {error.response.status_code}"
        except (aiohttp.ClientError, TimeoutError) as error:
            failure = error
            reason = type(error).__name__
        if await _already_posted(client, channel, source_ts, thread_ts, what):
            logger.info("Reply to %s was posted despite %s; not posting again", what, reason)
            return
        if attempt == _POST_ATTEMPTS:
            raise failure
        logger.warning("Reply to %s failed (%s); attempt %d", what, reason, attempt + 1)
        await sleep(0.5 * 2 ** (attempt - 1))


async def update_reply(
    client: AsyncWebClient,
    *,
    channel: str,
    source_ts: str,
    thread_ts: str,
    message: Mapping[str, Any],
    what: str,
) -> bool:
    """Replace our earlier reply to message `source_ts` (found by its metadata) with `message`;
    False when there is none to update (then nothing is posted: an edit never gets a second
    reply)."""
    try:
        reply = await _find_reply(client, channel, source_ts, thread_ts)
    except _LookupFailed as failure:
        logger.warning("Could not look up the reply to %s (%s); left as it was", what, failure)
        return False
    if reply is None:
        logger.info("No earlier reply to %s to update", what)
        return False
    await client.chat_update(
        channel=channel, ts=str(reply["ts"]), metadata=reply_metadata(channel, source_ts), **message
    )
    return True


class _LookupFailed(Exception):
    pass


async def _already_posted(
    client: AsyncWebClient, channel: str, source_ts: str, thread_ts: str | None, what: str
) -> bool:
    """Whether our reply to `source_ts` is already in the thread (or, in a DM, after it)."""
    try:
        return await _find_reply(client, channel, source_ts, thread_ts) is not None
    except _LookupFailed as failure:
        # Without the check a retry risks a duplicate; without the retry the answer is lost.
        # A duplicate is the lesser harm, and the log says why it may happen.
        logger.warning(
            "Could not check whether the reply to %s was posted (%s); posting again",
            what,
            failure,
        )
        return False


async def _find_reply(
    client: AsyncWebClient, channel: str, source_ts: str, thread_ts: str | None
) -> dict[str, Any] | None:
    """Our reply to `source_ts`: in its thread, or (a DM answered outside a thread) after it."""
    try:
        if thread_ts:
            found = await client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
            )
        else:
            found = await client.conversations_history(
                channel=channel, oldest=source_ts, include_all_metadata=True, limit=100
            )
    except SlackApiError as error:
        raise _LookupFailed(
            str(error.response.get("error", error.response.status_code))[:60]
        ) from None
    except (aiohttp.ClientError, TimeoutError) as error:
        raise _LookupFailed(type(error).__name__) from None
    wanted = reply_metadata(channel, source_ts)["event_payload"]
    for found_message in found.get("messages") or []:
        metadata = found_message.get("metadata") if isinstance(found_message, dict) else None
        if (
            isinstance(metadata, dict)
            and metadata.get("event_type") == REPLY_EVENT_TYPE
            and metadata.get("event_payload") == wanted
        ):
            return dict(found_message)
    return None
