"""Talking to a running server as Slack does: `/alliance …` and button clicks as any user, each
waiting for its own reply on the `response_url` (the admin tests, the replica tests)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from alliance_bot.testing.app_process import AppProcess
from alliance_bot.testing.fake_slack import TEAM_ID, FakeSlack
from alliance_bot.testing.slack_requests import APP_ID, CHANNEL_ID, FORM, USER_ID, SlackSender

ADMIN = "U0ADMIN001"
NOT_ADMIN = USER_ID


@dataclass
class Reply:
    """What the app sent back through a `response_url`: the message and all its text."""

    message: dict[str, Any]

    @property
    def text(self) -> str:
        parts = [str(self.message.get("text", ""))]
        for block in self.message.get("blocks", []):
            if block.get("type") == "section":
                parts.append(block["text"]["text"])
        return "\n".join(parts)

    def buttons(self) -> list[dict[str, Any]]:
        return [
            element
            for block in self.message.get("blocks", [])
            if block.get("type") == "actions"
            for element in block["elements"]
        ]


@dataclass
class Chat:
    """Runs `/alliance …` and button clicks against the server, as any user, and waits for the
    reply on the `response_url` (event-driven: the fake notifies on each post)."""

    slack: SlackSender
    fake: FakeSlack
    server: AppProcess
    _next: int = 0

    async def command(self, text: str, *, user: str = ADMIN) -> Reply:
        response_id = self._id("cmd")
        form = self.slack.command_form(
            text, user_id=user, response_url=self.fake.response_url(response_id)
        )
        sent = await self.slack.post(urlencode(form), FORM)
        assert sent.status == 200, sent.body
        return await self._reply(response_id)

    async def click(self, button: dict[str, Any], *, user: str = ADMIN) -> Reply:
        response_id = self._id("act")
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": {"type": "message", "channel_id": CHANNEL_ID, "is_ephemeral": True},
            "team": {"id": TEAM_ID, "domain": "fake"},
            "channel": {"id": CHANNEL_ID, "name": "general"},
            "response_url": self.fake.response_url(response_id),
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b",
                    "value": button["value"],
                    "action_ts": "1700000301.000500",
                }
            ],
        }
        sent = await self.slack.post(urlencode({"payload": json.dumps(payload)}), FORM)
        assert sent.status == 200, sent.body
        return await self._reply(response_id)

    async def version(self) -> str:
        """The knowledge base version the server is answering from (`/healthz`)."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.server.url}/healthz") as response,
        ):
            body = await response.json()
        return str(body["knowledge_version"])

    def _id(self, kind: str) -> str:
        # Unique across Chats: several replicas' chats share one stand-in Slack.
        self._next += 1
        return f"{kind}-{self._next}-{uuid.uuid4().hex[:8]}"

    async def _reply(self, response_id: str) -> Reply:
        await self.fake.wait_until(lambda: any(r.id == response_id for r in self.fake.responses))
        post = next(r for r in self.fake.responses if r.id == response_id)
        return Reply(dict(post.body))
