"""The settings modal submitted (`view_submission`): check who, check the values, save, and
turn the modal into what was saved.

Slack waits for the acknowledgement before it closes the modal, so the checks happen before
`ack`: a bad value is answered with `response_action: errors` next to its field (the modal stays
open with everything the admin typed), a non-admin with a refusal. Only fields that differ from
the settings in force are saved, so saving an untouched form pins nothing that the environment
decides today.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.admin.settings import (
    EffectiveSettings,
    SettingKey,
    SettingsInvalid,
    SettingsUpdate,
)
from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.commands.settings import channel_problems
from alliance_bot.slack.render.settings import (
    BLOCK_ADMINS,
    BLOCK_CHANNELS,
    BLOCK_FALLBACK,
    BLOCK_TIME,
    BLOCK_TIMEZONE,
    VALUE,
    changes_text,
    render_settings_result,
)

logger = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]

_BLOCK_OF: dict[SettingKey, str] = {
    "daily_channels": BLOCK_CHANNELS,
    "daily_time": BLOCK_TIME,
    "timezone": BLOCK_TIMEZONE,
    "fallback": BLOCK_FALLBACK,
    "bot_admins": BLOCK_ADMINS,
}


def settings_submitted(services: Services) -> Listener:
    """The settings modal's `view_submission` listener."""

    async def handle_settings_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user_id = str((body.get("user") or {}).get("id", ""))
        workspace = services.workspace
        if workspace is None or not await services.gate.allows(user_id):
            refusal = await services.gate.refuse(user_id, "settings")
            await ack(response_action="update", view=render_settings_result(refusal))
            return
        current = await asyncio.to_thread(workspace.settings.current)
        values = (view.get("state") or {}).get("values") or {}
        update = _update_from(values, current)
        problems: dict[str, str] = {}
        if update.channels_to_check():
            found = await channel_problems(client, update.channels_to_check())
            if found:
                problems[BLOCK_CHANNELS] = " ".join(found)
        if not problems:
            try:
                changes = await asyncio.to_thread(workspace.settings.apply, user_id, update)
            except SettingsInvalid as error:
                # Already plain text: shown under the field as typed.
                invalid = {_BLOCK_OF[key]: text for key, text in error.problems.items()}
                await ack(
                    response_action="errors",
                    errors={block: text[:1000] for block, text in invalid.items()},
                )
                return
        if problems:
            # Slack shows these under each field, as plain text (mrkdwn is not rendered there).
            await ack(
                response_action="errors",
                errors={block: _plain(text)[:1000] for block, text in problems.items()},
            )
            return
        logger.info("settings changed by %s: %s", user_id, [c.key for c in changes])
        if changes:
            workspace.settings_changed.set()
        await ack(response_action="update", view=render_settings_result(changes_text(changes)))

    return handle_settings_submitted


def _update_from(values: dict[str, Any], current: EffectiveSettings) -> SettingsUpdate:
    """The fields of the submitted form that differ from the settings in force."""

    def value(block: str) -> dict[str, Any]:
        return dict((values.get(block) or {}).get(VALUE) or {})

    fields: dict[str, Any] = {}
    channels = tuple(value(BLOCK_CHANNELS).get("selected_conversations") or ())
    if channels != current.daily_channels:
        fields["daily_channels"] = channels
    time_text = value(BLOCK_TIME).get("selected_time")
    if time_text and time_text != current.daily_time.strftime("%H:%M"):
        fields["daily_time"] = time_text
    zone = (value(BLOCK_TIMEZONE).get("selected_option") or {}).get("value")
    if zone and zone != current.timezone.key:
        fields["timezone"] = zone
    fallback = (value(BLOCK_FALLBACK).get("selected_option") or {}).get("value")
    if fallback and fallback != current.fallback:
        fields["fallback"] = fallback
    admins = tuple(value(BLOCK_ADMINS).get("selected_users") or ())
    if frozenset(admins) != current.bot_admins:
        fields["bot_admins"] = admins
    return SettingsUpdate(**fields)


def _plain(text: str) -> str:
    # The error texts are mrkdwn for messages; under a form field they show as typed.
    return text.replace("`", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
