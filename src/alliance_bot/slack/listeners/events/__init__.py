"""Events API: mentions of the bot in channels and direct messages to it."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from alliance_bot.slack.listeners.errors import reporting_failures
from alliance_bot.slack.listeners.events.app_mention import app_mention
from alliance_bot.slack.listeners.events.direct_message import direct_message, is_direct_message
from alliance_bot.slack.services import Services


def register(app: AsyncApp, services: Services) -> None:
    """Register `app_mention` and `message.im`."""
    app.event("app_mention")(reporting_failures(app_mention(services)))
    app.event("message", matchers=[is_direct_message])(reporting_failures(direct_message(services)))
