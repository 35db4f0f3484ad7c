"""The `/alliance settings` modal and its outcome, as Block Kit views (plain dicts).

One input block per setting, each with the block id the submission listener reads back
(`BLOCK_*`, action id `value`): a multi-channel picker for the daily channels, a time picker, a
time-zone select (the usual zones and the current one: a static select holds at most 100
options), the fallback as radio buttons, and a multi-user picker for the bot's own admins.
"""

from __future__ import annotations

from typing import Any

from alliance_bot.admin.settings import MAX_DAILY_CHANNELS, EffectiveSettings, common_timezones
from alliance_bot.mrkdwn import clip

View = dict[str, Any]

SETTINGS_CALLBACK = "alliance_settings"
BLOCK_CHANNELS = "alliance_settings_channels"
BLOCK_TIME = "alliance_settings_time"
BLOCK_TIMEZONE = "alliance_settings_timezone"
BLOCK_FALLBACK = "alliance_settings_fallback"
BLOCK_ADMINS = "alliance_settings_admins"
VALUE = "value"

_FALLBACKS = {
    "archive": "Post a quote or fact from the archive",
    "skip": "Post nothing",
}


def render_settings_modal(current: EffectiveSettings) -> View:
    """The modal, filled in with the settings in force."""
    channels: dict[str, Any] = {
        "type": "multi_conversations_select",
        "action_id": VALUE,
        "placeholder": _plain("Pick one or more channels"),
        "filter": {"include": ["public", "private"]},
        "max_selected_items": MAX_DAILY_CHANNELS,
    }
    if current.daily_channels:
        channels["initial_conversations"] = list(current.daily_channels)
    admins: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": VALUE,
        "placeholder": _plain("Pick people"),
    }
    if current.bot_admins:
        admins["initial_users"] = sorted(current.bot_admins)
    zone = current.timezone.key
    return {
        "type": "modal",
        "callback_id": SETTINGS_CALLBACK,
        "title": _plain("alliance-bot settings"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": BLOCK_CHANNELS,
                "optional": True,
                "label": _plain("Daily “on this day” channels"),
                "hint": _plain("Leave empty for no daily post. Invite @alliance to each first."),
                "element": channels,
            },
            {
                "type": "input",
                "block_id": BLOCK_TIME,
                "label": _plain("Time of the post"),
                "element": {
                    "type": "timepicker",
                    "action_id": VALUE,
                    "initial_time": current.daily_time.strftime("%H:%M"),
                },
            },
            {
                "type": "input",
                "block_id": BLOCK_TIMEZONE,
                "label": _plain("Time zone (of the time, and of what “today” means)"),
                "element": {
                    "type": "static_select",
                    "action_id": VALUE,
                    "options": [_option(z, z) for z in common_timezones(zone)],
                    "initial_option": _option(zone, zone),
                },
            },
            {
                "type": "input",
                "block_id": BLOCK_FALLBACK,
                "label": _plain("On a day without events"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": VALUE,
                    "options": [_option(label, value) for value, label in _FALLBACKS.items()],
                    "initial_option": _option(_FALLBACKS[current.fallback], current.fallback),
                },
            },
            {
                "type": "input",
                "block_id": BLOCK_ADMINS,
                "optional": True,
                "label": _plain("Bot admins"),
                "hint": _plain(
                    "Besides ALLIANCE_ADMINS and the workspace's own admins and owners, "
                    "who may refresh, see gaps and change these settings."
                ),
                "element": admins,
            },
        ],
    }


def render_settings_result(mrkdwn: str) -> View:
    """What the modal turns into after a submission: what was saved (or why not)."""
    return {
        "type": "modal",
        "callback_id": f"{SETTINGS_CALLBACK}_done",
        "title": _plain("alliance-bot settings"),
        "close": _plain("Done"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, 3000)}}],
    }


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _plain(clip(label, 75)), "value": value}
