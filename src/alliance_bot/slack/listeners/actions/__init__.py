"""Button clicks and inputs: Share in channel, did-you-mean suggestions, and the Home tab's
search box, suggestions, Refresh and "make alias" buttons."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.actions.home_gap_alias import home_gap_alias, in_home_tab
from alliance_bot.slack.listeners.actions.home_refresh import home_refresh
from alliance_bot.slack.listeners.actions.home_search import home_search
from alliance_bot.slack.listeners.actions.home_suggestion import home_suggestion
from alliance_bot.slack.listeners.actions.share_in_channel import share_in_channel
from alliance_bot.slack.listeners.actions.suggestion_clicked import suggestion_clicked
from alliance_bot.slack.listeners.errors import reporting_failures
from alliance_bot.slack.render.admin import GAP_ALIAS_ACTION
from alliance_bot.slack.render.answers import SHARE_ACTION, SUGGESTION_ACTION
from alliance_bot.slack.render.home import HOME_SUGGESTION_ACTION, REFRESH_ACTION, SEARCH_ACTION


def register(app: AsyncApp, services: Services) -> None:
    """Register the button listeners by the action ids the renderers give the buttons."""
    app.action(SHARE_ACTION)(reporting_failures(share_in_channel(services)))
    app.action(SUGGESTION_ACTION)(reporting_failures(suggestion_clicked(services)))
    app.action(SEARCH_ACTION)(reporting_failures(home_search(services)))
    app.action(HOME_SUGGESTION_ACTION)(reporting_failures(home_suggestion(services)))
    app.action(REFRESH_ACTION)(reporting_failures(home_refresh(services)))
    # Before the admin feature's listener for the same ids (messages): Bolt runs the first match.
    app.action(GAP_ALIAS_ACTION, matchers=[in_home_tab])(
        reporting_failures(home_gap_alias(services))
    )
