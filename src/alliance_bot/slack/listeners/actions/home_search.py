"""The Home tab's search box: answer the question there, exactly as `/alliance` does.

Same engine (the recording one, so an unanswered Home question shows up in gaps like any
other), same day ("today" in ALLIANCE_TIMEZONE), same sources. The answer is published into the
user's own Home view, under the box: that is where they are looking, it is private (a Home view
is per user), and it needs no channel or DM. Share is left out — the Home tab has no channel to
share into; `/alliance` in a channel has the button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.features import Services
from alliance_bot.slack.listeners.events.app_home import publish_home
from alliance_bot.slack.on_loop import answer_question
from alliance_bot.slack.render.home import HomeSearch

Listener = Callable[..., Awaitable[None]]

MAX_QUESTION = 500


def home_search(services: Services) -> Listener:
    """The search box listener (`block_actions` of its `plain_text_input`)."""

    async def handle_home_search(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user_id = str((body.get("user") or {}).get("id", ""))
        # The input is plain text, not mrkdwn: no Slack markup to undo; rendering escapes it.
        question = " ".join(str(action.get("value") or "").split())[:MAX_QUESTION]
        kb = services.knowledge.current
        today = services.today()
        answer = await answer_question(services.engine, kb, question, today)
        await publish_home(services, client, user_id, search=HomeSearch(question, answer))

    return handle_home_search
