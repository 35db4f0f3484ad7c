"""Button clicks: Share in channel, and did-you-mean suggestions."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.actions.share_in_channel import share_in_channel
from alliance_bot.slack.listeners.actions.suggestion_clicked import suggestion_clicked
from alliance_bot.slack.listeners.errors import reporting_failures
from alliance_bot.slack.render.answers import SHARE_ACTION, SUGGESTION_ACTION


def register(app: AsyncApp, services: Services) -> None:
    """Register the button listeners by the action ids `blocks` gives the buttons."""
    app.action(SHARE_ACTION)(reporting_failures(share_in_channel(services)))
    app.action(SUGGESTION_ACTION)(reporting_failures(suggestion_clicked(services)))
