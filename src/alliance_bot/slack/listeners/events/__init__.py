"""Events API: mentions of the bot in channels, direct messages to it, the Home tab opened."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.errors import reporting_failures
from alliance_bot.slack.listeners.events.app_home import app_home_opened
from alliance_bot.slack.listeners.events.app_mention import app_mention
from alliance_bot.slack.listeners.events.direct_message import direct_message, is_direct_message
from alliance_bot.slack.listeners.events.other_messages import ignore_other_messages
from alliance_bot.slack.listeners.events.uninstalled import app_uninstalled, tokens_revoked


def register(app: AsyncApp, services: Services) -> None:
    """Register `app_mention`, `message.im`, `app_home_opened`, a sink for other message
    events, and (with several workspaces) `app_uninstalled` and `tokens_revoked`."""
    if services.uninstall is not None:
        app.event("app_uninstalled")(reporting_failures(app_uninstalled(services.uninstall)))
        app.event("tokens_revoked")(reporting_failures(tokens_revoked(services.uninstall)))
    app.event("app_home_opened")(reporting_failures(app_home_opened(services)))
    app.event("app_mention")(reporting_failures(app_mention(services)))
    app.event("message", matchers=[is_direct_message])(reporting_failures(direct_message(services)))
    # Registered last: Bolt runs the first listener that matches.
    app.event("message")(ignore_other_messages)
