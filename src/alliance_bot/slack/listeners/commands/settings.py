"""`/alliance settings`: change the daily channels, time, time zone, fallback and the bot's own
admins from Slack (admins only, through the dispatcher's `AdminGate` check).

- `/alliance settings` opens the settings modal (`views.open`); when no modal can be opened
  (no trigger, or it expired), it shows the settings in force instead.
- `/alliance settings show` shows them, each with where it comes from.
- The text form, for keyboard users: `/alliance settings daily #channel [#other …] 09:00
  Asia/Tokyo` (any of the parts, in any order; `daily off` stops the post),
  `/alliance settings fallback archive|skip`, `/alliance settings admins @ann @bo` (or `none`).

Channels are checked with `conversations.info` before anything is saved (here and in the
modal), so an unknown channel, or one the bot is not in, gets a clear message and changes
nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.admin.settings import (
    SettingsInvalid,
    SettingsUpdate,
    parse_fallback,
    parse_time,
    parse_timezone,
)
from alliance_bot.knowledge.text import shorten
from alliance_bot.slack.features import Subcommand, SubcommandRequest, Workspace
from alliance_bot.slack.listeners.commands.admin import render_admin_text
from alliance_bot.slack.mrkdwn import clip, escape
from alliance_bot.slack.render.settings import (
    changes_text,
    problems_text,
    render_settings_modal,
    settings_text,
)

logger = logging.getLogger(__name__)

USAGE = (
    "Change settings with `/alliance settings` (a form), or type them:\n"
    "• `/alliance settings daily #channel 09:00 Asia/Tokyo` — channels (one or more), time, "
    "zone; any of them, in any order; `daily off` stops the post\n"
    "• `/alliance settings fallback archive` or `skip`\n"
    "• `/alliance settings admins @ann @bo` (or `admins none`)\n"
    "• `/alliance settings show`"
)

_CHANNEL_LINK = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_USER_LINK = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


def settings_subcommands() -> dict[str, Subcommand]:
    """`settings` for the `/alliance` dispatch table."""
    return {
        "settings": Subcommand(
            on_settings,
            admin_only=True,
            summary="daily channels, time, time zone, fallback, bot admins",
        )
    }


async def on_settings(request: SubcommandRequest) -> None:
    workspace = request.services.workspace
    if workspace is None:
        await _reply(request, "Settings from Slack are not available in this setup.")
        return
    words = request.raw_args.split()
    if not words:
        if request.trigger_id and await _open_modal(request, workspace):
            return
        await _reply(request, await _show(workspace))
        return
    verb = words[0].lower()
    if verb in ("show", "list", "current"):
        await _reply(request, await _show(workspace))
        return
    try:
        update = parse_text_form(verb, words[1:])
    except SettingsInvalid as error:
        await _reply(request, f":x: {problems_text(error)}\n\n{USAGE}")
        return
    if update.channels_to_check():
        problems = await channel_problems(request.client, update.channels_to_check())
        if problems:
            await _reply(request, ":x: Nothing saved.\n" + "\n".join(f"• {p}" for p in problems))
            return
    try:
        changes = await asyncio.to_thread(workspace.settings.apply, request.user_id, update)
    except SettingsInvalid as error:
        await _reply(request, f":x: {problems_text(error)}")
        return
    logger.info("settings changed by %s: %s", request.user_id, [c.key for c in changes])
    if changes:
        workspace.settings_changed.set()
    now = await _show(workspace)
    await _reply(request, f"{changes_text(changes)}\n\n*Now in force:*\n{now}")


def parse_text_form(verb: str, words: Sequence[str]) -> SettingsUpdate:
    """`daily …`, `fallback …`, `admins …` as an update; raises `SettingsInvalid`."""
    if verb == "daily":
        return _parse_daily(words)
    if verb == "fallback":
        if len(words) != 1:
            raise SettingsInvalid({"fallback": "give one of archive or skip"})
        return SettingsUpdate(fallback=parse_fallback(words[0]))
    if verb == "admins":
        if [w.lower() for w in words] == ["none"]:
            return SettingsUpdate(bot_admins=())
        users = []
        for word in words:
            match = _USER_LINK.match(word)
            if match is None and not _USER_ID.match(word):
                raise SettingsInvalid(
                    {"bot_admins": f"“{shorten(word, 40)}” is not a person; mention them (@name)"}
                )
            users.append(match[1] if match else word)
        if not users:
            raise SettingsInvalid({"bot_admins": "mention one or more people, or say none"})
        return SettingsUpdate(bot_admins=tuple(users))
    raise SettingsInvalid({"daily_channels": f"unknown setting “{shorten(verb, 40)}”"})


def _parse_daily(words: Sequence[str]) -> SettingsUpdate:
    if [w.lower() for w in words] == ["off"]:
        return SettingsUpdate(daily_channels=())
    channels: list[str] = []
    fields: dict[str, Any] = {}
    for word in words:
        link = _CHANNEL_LINK.match(word)
        if link is not None or _CHANNEL_ID.match(word):
            channels.append(link[1] if link else word)
        elif word.startswith("#") or word.startswith("<#"):
            raise SettingsInvalid(
                {
                    "daily_channels": f"“{shorten(word, 60)}” is not a channel Slack "
                    "linked: pick it from the autocomplete as you type #, or give its ID (C…)"
                }
            )
        elif _TIME.match(word):
            fields["daily_time"] = parse_time(word)
        else:
            fields["timezone"] = parse_timezone(word)
    if channels:
        fields["daily_channels"] = tuple(channels)
    if not fields:
        raise SettingsInvalid({"daily_channels": "give a channel, a time or a time zone"})
    return SettingsUpdate(**fields)


async def channel_problems(client: AsyncWebClient, channels: Sequence[str]) -> list[str]:
    """What is wrong with each channel the bot could not post to, asked of `conversations.info`."""
    problems: list[str] = []
    for channel in channels:
        try:
            response = await client.conversations_info(channel=channel)
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code in ("channel_not_found", "invalid_channel"):
                problems.append(
                    f"I can't find channel `{escape(channel)}`: it does not exist, or it is "
                    "private and I'm not in it (`/invite @alliance` there first)."
                )
            else:
                problems.append(
                    f"Slack would not tell me about channel `{escape(channel)}` "
                    f"({escape(code) or 'error'}); try again."
                )
            continue
        info = response.get("channel") or {}
        name = f"#{clip(escape(str(info.get('name') or channel)), 80)}"
        if info.get("is_archived"):
            problems.append(f"{name} is archived; pick a channel people read.")
        elif info.get("is_member") is False:
            problems.append(f"I'm not in {name}: `/invite @alliance` there, then try again.")
    return problems


async def _open_modal(request: SubcommandRequest, workspace: Workspace) -> bool:
    current = await asyncio.to_thread(workspace.settings.current)
    try:
        await request.client.views_open(
            trigger_id=request.trigger_id, view=render_settings_modal(current)
        )
    except SlackApiError as error:
        # An expired trigger (the command took > 3 s to reach us) is the usual cause.
        logger.warning("views.open failed (%s); showing the settings instead", error)
        return False
    return True


async def _show(workspace: Workspace) -> str:
    now = await asyncio.to_thread(workspace.settings.current)
    text = settings_text(now, workspace.settings.defaults.admins)
    return f"*Settings in force* (set from Slack > environment > default):\n{text}\n\n{USAGE}"


async def _reply(request: SubcommandRequest, text: str) -> None:
    await request.respond(**render_admin_text(text), response_type="ephemeral")
