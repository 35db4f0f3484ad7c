"""Modal submissions: the `/alliance settings` form."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.errors import reporting_failures
from alliance_bot.slack.listeners.views.settings_submitted import settings_submitted
from alliance_bot.slack.render.settings import SETTINGS_CALLBACK


def register(app: AsyncApp, services: Services) -> None:
    """Register the settings modal's `view_submission` listener by its callback id."""
    app.view(SETTINGS_CALLBACK)(reporting_failures(settings_submitted(services)))
