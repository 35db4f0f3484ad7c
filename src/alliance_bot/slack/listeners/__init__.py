"""Bolt listeners, grouped by what Slack sends; each group registers itself."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners import actions, commands, errors, events, views


def register_listeners(app: AsyncApp, services: Services) -> None:
    """Wire every listener and the error handler onto `app`."""
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    views.register(app, services)
    errors.register(app)
