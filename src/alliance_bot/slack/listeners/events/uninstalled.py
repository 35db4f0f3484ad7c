"""`app_uninstalled` and `tokens_revoked`: the workspace's installation is deleted, and with it
its daily post (the scheduler posts only for installed workspaces).

Slack sends these after the tokens stopped working, so Bolt lets them through without
authorizing them, and there is nothing to answer: the listener acks and forgets.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from alliance_bot.slack.features import Uninstall
from alliance_bot.slack.listeners.errors import Listener


def app_uninstalled(uninstall: Uninstall) -> Listener:
    async def listener(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        await uninstall.uninstalled(context)

    return listener


def tokens_revoked(uninstall: Uninstall) -> Listener:
    async def listener(ack: AsyncAck, event: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await uninstall.tokens_revoked(event, context)

    return listener
