"""The `/alliance settings` modal and its outcome, as Block Kit views (plain dicts), and the
settings' words: the settings in force, what a change saved, and what is wrong with an update.

One input block per setting, each with the block id the submission listener reads back
(`BLOCK_*`, action id `value`): a multi-channel picker for the daily channels, a time picker, a
time-zone select (the usual zones and the current one: a static select holds at most 100
options), the fallback as radio buttons, and a multi-user picker for the bot's own admins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from alliance_bot.admin.settings import (
    MAX_DAILY_CHANNELS,
    EffectiveSettings,
    SettingChange,
    SettingKey,
    SettingsInvalid,
    common_timezones,
    is_channel_id,
    is_user_id,
)
from alliance_bot.slack.mrkdwn import clip, escape

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


_LABELS: dict[SettingKey, str] = {
    "daily_channels": "Daily channels",
    "daily_time": "Daily time",
    "timezone": "Time zone",
    "fallback": "Fallback",
    "bot_admins": "Bot admins",
}


def settings_text(now: EffectiveSettings, env_admins: Iterable[str]) -> str:
    """The settings in force as mrkdwn lines, each with where it comes from."""
    origin = now.origins
    channels = " ".join(f"<#{c}>" for c in now.daily_channels) or "none (no daily post)"
    admins = " ".join(f"<@{u}>" for u in sorted(now.bot_admins)) or "none"
    env = " ".join(f"<@{u}>" for u in sorted(env_admins)) or "none"
    return "\n".join(
        [
            f"• *Daily channels:* {channels} _({origin.get('daily_channels', 'default')})_",
            f"• *Daily time:* {now.daily_time:%H:%M} _({origin.get('daily_time', 'default')})_",
            f"• *Time zone:* {escape(now.timezone.key)} _({origin.get('timezone', 'default')})_",
            f"• *Fallback:* {now.fallback} _({origin.get('fallback', 'default')})_",
            f"• *Bot admins:* {admins} _({origin.get('bot_admins', 'default')})_; "
            f"also ALLIANCE_ADMINS: {env}, and the workspace's admins and owners",
        ]
    )


def changes_text(changes: Sequence[SettingChange]) -> str:
    """What was changed, old → new, as mrkdwn."""
    if not changes:
        return "Nothing changed: those are the settings already in force."
    lines = ["*Saved:*"]
    for change in changes:
        lines.append(
            f"• {_LABELS[change.key]}: {_shown(change.key, change.old_value)} → "
            f"{_shown(change.key, change.new_value)}"
        )
    return "\n".join(lines)


def problems_text(error: SettingsInvalid) -> str:
    """What is wrong with an update, as escaped mrkdwn sentences."""
    return " ".join(escape(p if p.endswith(".") else f"{p}.") for p in error.problems.values())


def _shown(key: SettingKey, value: Any) -> str:
    if value is None:
        return "_(environment/default)_"
    if key == "daily_channels":
        return " ".join(f"<#{c}>" for c in value if is_channel_id(c)) or "none"
    if key == "bot_admins":
        return " ".join(f"<@{u}>" for u in value if is_user_id(u)) or "none"
    return escape(str(value))


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _plain(clip(label, 75)), "value": value}
