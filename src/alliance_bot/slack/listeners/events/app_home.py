"""The App Home tab: `app_home_opened` publishes the user's Home view (`views.publish`).

`publish_home` is also what the Home tab's buttons and search box call after they act: Slack
gives a Home tab no `response_url` and no channel to answer in, so a Home action answers by
publishing the view again with its outcome on it — where the user is looking.

The view is per user: admins (asked through the `AdminGate`) also see the gaps, the last
refreshes and the Refresh button.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.daily.clock import local_date, run_time
from alliance_bot.slack.features import Services
from alliance_bot.slack.render.home import HomeContent, HomeSearch, NextPost, render_home

logger = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]


def app_home_opened(services: Services) -> Listener:
    """The `app_home_opened` listener: publish the Home view when its Home tab is opened."""

    async def handle_app_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab: nothing to publish
        await publish_home(services, client, str(event.get("user", "")))

    return handle_app_home_opened


async def publish_home(
    services: Services,
    client: AsyncWebClient,
    user_id: str,
    *,
    search: HomeSearch | None = None,
    notice: str | None = None,
) -> None:
    """Build `user_id`'s Home view from the current state and publish it."""
    if not user_id:
        return
    is_admin = await services.gate.allows(user_id)
    content = HomeContent(
        kb=services.knowledge.current,
        today=services.today(),
        next_post=await next_post(services),
        is_admin=is_admin,
        search=search,
        notice=notice,
        **(await _admin_parts(services) if is_admin else {}),
    )
    await client.views_publish(user_id=user_id, view=render_home(content))


async def next_post(services: Services) -> NextPost:
    """When and where the next daily post goes, from the settings in force and the post state."""
    workspace = services.workspace
    if workspace is None:
        settings = services.settings
        channels: tuple[str, ...] = (settings.daily_channel,) if settings.daily_channel else ()
        at, tz = settings.daily_time, settings.timezone
    else:
        current = await asyncio.to_thread(workspace.settings.current)
        channels, at, tz = current.daily_channels, current.daily_time, current.timezone
    if not channels:
        return NextPost((), None, tz.key)
    now = services.clock()
    today = local_date(now, tz)
    due = run_time(today, at, tz)
    if now < due:
        return NextPost(channels, due, tz.key)
    if workspace is not None:
        records = [await workspace.posts.get(c, today) for c in channels]
        if any(r is None for r in records):
            return NextPost(channels, now, tz.key)  # today's is due and not made yet
    return NextPost(channels, run_time(today + dt.timedelta(days=1), at, tz), tz.key)


async def _admin_parts(services: Services) -> dict[str, Any]:
    workspace = services.workspace
    if workspace is None:
        return {}
    admin = workspace.admin
    gaps, refreshes = await asyncio.gather(
        asyncio.to_thread(admin.gaps, limit=5),
        asyncio.to_thread(admin.state.refreshes, limit=5),
    )
    return {"gaps": gaps, "refreshes": refreshes}
