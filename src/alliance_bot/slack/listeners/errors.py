"""When a listener fails: log the traceback, and tell the user with a short apology.

Listeners are registered through `reporting_failures`, so they stay free of try/except. Why not
only Bolt's `app.error` handler: when a listener acks and then fails within a few milliseconds,
Bolt's runner resets the ack and, after waiting 3 seconds, answers Slack 404 ("unhandled
request") — the user sees an error and Slack may retry. Catching the failure inside the
listener keeps the ack. `app.error(apologize)` remains the backstop for failures elsewhere.

The log line names what failed (command, event or action and its ids), never the payload, which
may carry tokens.

A failure because the state database is down (`alliance_bot.state.waiting_for_database`) is an
outage, not a bug: one warning line without a traceback, and the user is told plainly that the
bot is waiting for the database and nothing was changed.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from alliance_bot.slack.describe import describe
from alliance_bot.slack.render.answers import render_apology, render_waiting_for_database
from alliance_bot.state import waiting_for_database

Listener = Callable[..., Awaitable[None]]


def register(app: AsyncApp) -> None:
    """Install the error handler as Bolt's backstop: unhandled requests are acknowledged, other
    failures apologised for."""
    app.error(handle_error)


async def handle_error(
    error: Exception,
    body: dict[str, Any],
    respond: AsyncRespond | None,
    client: AsyncWebClient,
    logger: logging.Logger,
    response: BoltResponse | None,
) -> None:
    """Bolt's error handler (the app is built with `raise_error_for_unhandled_request`).

    A request no listener handles (an event type we never subscribed to, a `shortcut` envelope,
    a new interaction type) gets 200 and a warning: a 404 makes Slack retry it, counts against
    the app's delivery success rate, and in Socket Mode means no ack at all.
    """
    if isinstance(error, BoltUnhandledRequestError):
        logger.warning("No listener for %s; acknowledged and ignored", describe(body))
        if response is not None:
            response.status, response.body = 200, ""
        return
    await apologize(error, body, respond, client, logger)


def reporting_failures(listener: Listener) -> Listener:
    """Wrap a listener so an exception is logged and apologised for instead of reaching Bolt.

    Bolt injects arguments by parameter name; the wrapper asks for all of them (`args`) and
    passes the listener the ones it declares.
    """
    names = list(inspect.signature(listener).parameters)

    async def guarded(args: AsyncArgs) -> None:
        try:
            await listener(**{name: getattr(args, name) for name in names})
        except Exception as error:
            await apologize(error, args.body, args.respond, args.client, args.logger, ack=args.ack)

    guarded.__name__ = guarded.__qualname__ = listener.__name__  # Bolt logs listener names
    return guarded


async def apologize(
    error: Exception,
    body: dict[str, Any],
    respond: AsyncRespond | None,
    client: AsyncWebClient,
    logger: logging.Logger,
    *,
    ack: AsyncAck | None = None,
) -> None:
    """Log `error` with its traceback, then reach the user wherever the request came from.
    A database outage gets one warning line and the waiting-for-the-database reply instead.
    A slash command not acknowledged yet (`/alliance` answers in its ack) gets the reply as
    its `ack`: an unacknowledged command would be answered 404 by Bolt after 3 seconds."""
    outage = waiting_for_database(error)
    if outage is not None:
        logger.warning(
            "Waiting for the database (%s); told the user for %s", outage, describe(body)
        )
        message = render_waiting_for_database()
    else:
        logger.error("Handler failed for %s", describe(body), exc_info=error)
        message = render_apology()
    try:
        if ack is not None and ack.response is None and body.get("command"):
            await ack(**message, response_type="ephemeral")
            return
        if respond is not None and respond.response_url:
            # Slash commands and clicks: privately, to the person who asked. A refusal is logged
            # by CheckedRespond; there is nowhere else to say sorry.
            await respond(**message, response_type="ephemeral", replace_original=False)
            return
        event = body.get("event")
        if isinstance(event, dict) and event.get("channel"):
            thread_ts = event.get("thread_ts") or (
                None if event.get("channel_type") == "im" else event.get("ts")
            )
            await client.chat_postMessage(
                channel=str(event["channel"]),
                thread_ts=str(thread_ts) if thread_ts else None,
                **message,
            )
    except Exception:
        # The apology itself failed (Slack down, token revoked): the log is all we have left.
        logger.exception("Could not send the apology for %s", describe(body))


__all__ = ["apologize", "describe", "handle_error", "register", "reporting_failures"]
