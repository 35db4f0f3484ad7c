"""Slack's side of the daily post: a `DailyChannel` that posts with `chat.postMessage` and finds
an earlier post of the day in `conversations.history` by its message metadata.

The history check reads only the local day (`oldest` = the start of the day in the configured
zone), in one page: our post is the only one carrying the metadata, the daily channel is quiet,
and apps outside the Marketplace get tight `conversations.history` limits, so reading 1,000
messages back would cost more than it could ever find.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.daily.content import ArchivePick, DailyMessage
from alliance_bot.daily.job import FoundPost, PostAttemptFailed
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.render.daily import render_daily

DAILY_EVENT_TYPE = "alliance_daily"
# One page: a day of a quiet channel, with room for chatter (Slack's maximum is 999; apps
# outside the Marketplace may be limited to 15 a call, which still covers our one post a day).
HISTORY_PAGE_SIZE = 200
# Slack error codes that mean "try again later" even when the HTTP status is 200.
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackDailyChannel:
    """One Slack channel as the daily post's destination."""

    def __init__(self, client: AsyncWebClient, channel: str, tz: ZoneInfo) -> None:
        # `client` should come from `web_client.make_slack_client`: Bolt's default one repeats a
        # post after a dropped connection, which can double it.
        self._client = client
        self._channel = channel
        self._tz = tz

    @property
    def id(self) -> str:
        return self._channel

    async def find(self, day: dt.date) -> FoundPost | None:
        """Our message for `day` among the channel's messages since the local day began (or
        since today began, for a day still ahead: `post-today --today` can post one early)."""
        today = dt.datetime.now(self._tz).date()
        start = dt.datetime.combine(min(day, today), dt.time(), tzinfo=self._tz)
        response = await self._client.conversations_history(
            channel=self._channel,
            oldest=f"{start.timestamp():.6f}",
            limit=HISTORY_PAGE_SIZE,
            include_all_metadata=True,
        )
        for message in response.get("messages") or []:
            found = as_daily_post(message, day)
            if found is not None:
                return found
        return None

    async def post(self, kb: KnowledgeBase, message: DailyMessage) -> str:
        rendered = render_daily(kb, message)
        try:
            response = await self._client.chat_postMessage(
                channel=self._channel,
                text=rendered.text,
                blocks=list(rendered.blocks),
                metadata=daily_metadata(message),
                unfurl_links=False,
                unfurl_media=False,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            raise PostAttemptFailed(str(error), transient=_transient(error)) from error
        return str(response["ts"])


def daily_metadata(message: DailyMessage) -> dict[str, Any]:
    """Slack message metadata that marks a post as our daily post for its local date."""
    payload: dict[str, Any] = {
        "date": message.day.isoformat(),
        "kind": message.kind,
        "entries": ",".join(message.entry_ids),
    }
    if message.archive is not None:
        payload["archive_cycle"] = message.archive.cycle
    return {"event_type": DAILY_EVENT_TYPE, "event_payload": payload}


def as_daily_post(message: Mapping[str, Any], day: dt.date) -> FoundPost | None:
    """The daily post for `day` that `message` is, if its metadata says so."""
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != DAILY_EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    if not isinstance(payload, Mapping) or payload.get("date") != day.isoformat():
        return None
    entries = tuple(e for e in str(payload.get("entries") or "").split(",") if e)
    kind = str(payload.get("kind") or "events")
    cycle = payload.get("archive_cycle")
    archive = (
        ArchivePick(entries[0], int(cycle))
        if kind == "archive" and entries and isinstance(cycle, int)
        else None
    )
    return FoundPost(str(message.get("ts")), kind, entries, archive)


def _transient(error: BaseException) -> bool:
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        return status == 429 or status >= 500 or code in _TRANSIENT_ERRORS
    return isinstance(error, aiohttp.ClientError | TimeoutError)
