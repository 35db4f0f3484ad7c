"""Slash commands: `/alliance`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.commands.alliance import alliance_command
from alliance_bot.slack.listeners.errors import reporting_failures

COMMAND = "/alliance"


def register(app: AsyncApp, services: Services) -> None:
    """Register `/alliance`."""
    app.command(COMMAND)(reporting_failures(alliance_command(services)))
