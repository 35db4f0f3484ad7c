"""Slack wiring of the daily post's admin sub-commands: `/alliance preview [YYYY-MM-DD]` and
`/alliance post-today`.

Thin: parse the date, call `alliance_bot.daily.admin`, answer ephemerally. Both are admin-only
through the dispatcher; `post-today` still posts at most once a day (the same claim and history
check as the scheduler and the `post-today` command). With a `schedule` (the settings in force,
as the scheduler reads them) both follow what `/alliance settings` set: the channels, the zone
that says what "today" is, and the fallback.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from alliance_bot.config import Settings
from alliance_bot.daily.admin import parse_day, post_now, preview
from alliance_bot.daily.clock import local_date
from alliance_bot.daily.job import DailyChannel, default_owner
from alliance_bot.daily.scheduler import DailySchedule
from alliance_bot.daily.state import PostState
from alliance_bot.knowledge.dates import InvalidDate
from alliance_bot.slack.features import Subcommand, SubcommandRequest
from alliance_bot.slack.listeners.commands.admin import render_admin_text
from alliance_bot.slack.mrkdwn import escape
from alliance_bot.slack.render.daily import post_now_text, render_preview


def daily_subcommands(
    settings: Settings,
    *,
    state: PostState,
    channel: DailyChannel | None,
    schedule: Callable[[], Awaitable[DailySchedule]] | None = None,
) -> dict[str, Subcommand]:
    """`preview` and `post-today` for the `/alliance` dispatch table, on the state store and the
    channel the scheduler uses (built once, in `slack.app`)."""

    async def in_force() -> tuple[Settings, tuple[DailyChannel, ...]]:
        if schedule is None:
            return settings, (channel,) if channel is not None else ()
        now = await schedule()
        effective = dataclasses.replace(
            settings,
            timezone=now.timezone,
            daily_fallback=now.fallback,
            daily_time=now.time,
            daily_channel=now.channels[0].id if now.channels else None,
        )
        return effective, now.channels

    async def on_preview(request: SubcommandRequest) -> None:
        settings, _ = await in_force()
        today = local_date(request.services.clock(), settings.timezone)
        try:
            day = parse_day(request.args, today)
        except InvalidDate as error:
            await _reply(request, f"{escape(str(error))}. Try `/alliance preview 2024-03-10`.")
            return
        kb = request.services.knowledge.current
        shown = await preview(
            kb, day, state=state, channel=settings.daily_channel, fallback=settings.daily_fallback
        )
        rendered = render_preview(kb, shown)
        message: dict[str, Any] = render_admin_text(rendered.text)
        if rendered.blocks:
            message["blocks"] = list(rendered.blocks)
        await request.respond(**message, response_type="ephemeral")

    async def on_post_today(request: SubcommandRequest) -> None:
        settings, channels = await in_force()
        outcomes = [
            await post_now(
                request.services.knowledge.current,
                settings=settings,
                state=state,
                channel=target,
                owner=default_owner(),
                now=request.services.clock(),
            )
            for target in channels or (None,)
        ]
        await _reply(request, "\n".join(post_now_text(o) for o in outcomes))

    return {
        "preview": Subcommand(on_preview, admin_only=True, summary="preview [YYYY-MM-DD]"),
        "post-today": Subcommand(on_post_today, admin_only=True, summary="post-today"),
    }


async def _reply(request: SubcommandRequest, text: str) -> None:
    await request.respond(**render_admin_text(text), response_type="ephemeral")
