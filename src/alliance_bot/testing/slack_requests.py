"""Requests as Slack sends them to an app: signed exactly as Slack signs, with realistic payloads.

`SlackSender` posts slash commands, Events API callbacks and button clicks to an app's
`/slack/events` URL, each with `X-Slack-Request-Timestamp` and `X-Slack-Signature` computed the
way Slack does (`v0=` + HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp

from alliance_bot.testing.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack

USER_ID = "U0ASKER01"
CHANNEL_ID = "C0GENERAL1"
DM_CHANNEL_ID = "D0DIRECT01"
APP_ID = "A0TESTAPP"

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signature(secret: str, timestamp: str, body: str | bytes) -> str:
    """The `X-Slack-Signature` Slack sends for `body` at `timestamp`."""
    raw = body.encode() if isinstance(body, str) else body
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: str | bytes, content_type: str, *, timestamp: int | None = None
) -> dict[str, str]:
    """Headers of a correctly signed request (timestamp: now unless given)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, body),
    }


@dataclass(frozen=True)
class Sent:
    """What the app answered to one request, and how long the answer took."""

    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        """The answer body parsed as JSON."""
        return json.loads(self.body)


class SlackSender:
    """Sends Slack's requests to `url` (an app's `/slack/events`), signed with `secret`."""

    def __init__(self, url: str, secret: str, fake: FakeSlack) -> None:
        """`fake` provides the `response_url`s the app will answer through."""
        self.url = url
        self.secret = secret
        self.fake = fake
        self._ids = itertools.count(1)

    async def post(
        self,
        body: str | bytes,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Sent:
        """POST `body` signed (with `secret` if given, to forge a bad signature); `headers`
        override the signed ones (to send a malformed timestamp, say). Bytes are signed as they
        are, so a body that is not UTF-8 can be sent correctly signed."""
        raw = body.encode() if isinstance(body, str) else body
        all_headers = signed_headers(secret or self.secret, raw, content_type, timestamp=timestamp)
        all_headers.update(headers or {})
        started = time.perf_counter()
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=raw, headers=all_headers) as response,
        ):
            text = await response.text(errors="replace")
        sent = Sent(response.status, text, time.perf_counter() - started)
        await self._record_immediate_reply(raw, content_type, sent)
        return sent

    async def _record_immediate_reply(self, raw: bytes, content_type: str, sent: Sent) -> None:
        """A slash command answered with a message in its ack: Slack shows that message as the
        reply, so the fake records it beside the posts to response URLs."""
        if content_type != FORM or sent.status != 200 or not sent.body.startswith("{"):
            return
        form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        try:
            message = json.loads(sent.body)
        except json.JSONDecodeError:
            return
        if form.get("command") and form.get("response_url") and isinstance(message, dict):
            await self.fake.record_immediate(form["response_url"], message)

    # --- slash commands -------------------------------------------------------------------

    def command_form(self, text: str, **overrides: str) -> dict[str, str]:
        """The form fields of `/alliance text`, as Slack posts them."""
        fields = {
            "token": "verification-token-unused",
            "team_id": TEAM_ID,
            "team_domain": "fake",
            "channel_id": CHANNEL_ID,
            "channel_name": "general",
            "user_id": USER_ID,
            "user_name": "asker",
            "command": "/alliance",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(f"cmd-{next(self._ids)}"),
            "trigger_id": f"{next(self._ids)}.1.{uuid.uuid4().hex[:12]}",
        }
        fields.update(overrides)
        return fields

    async def command(self, text: str, **overrides: str) -> Sent:
        """Send `/alliance text`; `overrides` replace form fields (user_name, channel_name…)."""
        return await self.post(urlencode(self.command_form(text, **overrides)), FORM)

    # --- events ---------------------------------------------------------------------------

    def event_body(
        self, event: Mapping[str, Any], *, event_id: str | None = None, team_id: str = TEAM_ID
    ) -> str:
        """An `event_callback` envelope around `event`, from workspace `team_id`."""
        return json.dumps(
            {
                "token": "verification-token-unused",
                "team_id": team_id,
                "api_app_id": APP_ID,
                "event": dict(event),
                "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team_id, "user_id": BOT_USER_ID, "is_bot": True}],
            }
        )

    async def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        team_id: str = TEAM_ID,
    ) -> Sent:
        """Deliver an event (from `team_id`); `retry_num` marks it as Slack's redelivery N."""
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        body = self.event_body(event, event_id=event_id, team_id=team_id)
        return await self.post(body, JSON, headers=headers)

    def mention(self, text: str, *, ts: str = "1700000100.000200", **extra: Any) -> dict[str, Any]:
        """An `app_mention` event: `<@BOT> text` in the general channel."""
        return {
            "type": "app_mention",
            "user": USER_ID,
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": ts,
            "channel": CHANNEL_ID,
            "event_ts": ts,
            **extra,
        }

    def direct_message(
        self, text: str, *, ts: str = "1700000200.000300", **extra: Any
    ) -> dict[str, Any]:
        """A `message` event in a DM with the bot (`message.im`)."""
        return {
            "type": "message",
            "channel_type": "im",
            "user": USER_ID,
            "text": text,
            "ts": ts,
            "channel": DM_CHANNEL_ID,
            "event_ts": ts,
            **extra,
        }

    # --- interactivity --------------------------------------------------------------------

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        ephemeral: bool = True,
        response_id: str | None = None,
    ) -> Sent:
        """Click a button (`block_actions`) on a message in the general channel."""
        body = self.click_body(action_id, value, ephemeral=ephemeral, response_id=response_id)
        return await self.post(body, FORM)

    def click_body(
        self,
        action_id: str,
        value: str,
        *,
        ephemeral: bool = True,
        response_id: str | None = None,
    ) -> str:
        """The form body of a button click, as `click` sends it (to replay the same bytes)."""
        payload = {
            "type": "block_actions",
            "user": {"id": USER_ID, "username": "asker", "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": {
                "type": "message",
                "message_ts": "1700000300.000400",
                "channel_id": CHANNEL_ID,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"{next(self._ids)}.1.{uuid.uuid4().hex[:12]}",
            "team": {"id": TEAM_ID, "domain": "fake"},
            "channel": {"id": CHANNEL_ID, "name": "general"},
            "response_url": self.fake.response_url(response_id or f"act-{next(self._ids)}"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "alliance_actions",
                    "value": value,
                    "action_ts": "1700000301.000500",
                    "text": {"type": "plain_text", "text": "button"},
                }
            ],
        }
        return urlencode({"payload": json.dumps(payload)})

    # --- the App Home and modals -------------------------------------------------------------

    def home_opened(self, user: str = USER_ID, *, tab: str = "home") -> dict[str, Any]:
        """An `app_home_opened` event: `user` opened the app's Home (or Messages) tab."""
        return {
            "type": "app_home_opened",
            "user": user,
            "channel": DM_CHANNEL_ID,
            "tab": tab,
            "event_ts": f"{int(time.time())}.000100",
        }

    async def home_action(self, action: Mapping[str, Any], *, user: str = USER_ID) -> Sent:
        """A `block_actions` from `user`'s Home view: no channel and no `response_url`, as
        Slack sends them for the Home tab. `action` is the element's action (action_id, type,
        value…)."""
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "container": {"type": "view", "view_id": "V0HOME0001"},
            "trigger_id": f"{next(self._ids)}.1.abc",
            "team": {"id": TEAM_ID, "domain": "fake"},
            "view": {
                "id": "V0HOME0001",
                "team_id": TEAM_ID,
                "type": "home",
                "callback_id": "alliance_home",
                "blocks": [],
                "state": {"values": {}},
                "hash": "1700000000.abcdef",
            },
            # Slack stamps every click with its own action_ts.
            "actions": [{"action_ts": f"1700000301.{next(self._ids):06d}", **dict(action)}],
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}), FORM)

    async def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Any]],
        *,
        user: str = USER_ID,
    ) -> Sent:
        """Submit a modal: `values` is `view.state.values` ({block_id: {action_id: value}}).
        The app's acknowledgement (`response_action`, errors) is the answer's body."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "fake"},
            "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "trigger_id": f"{next(self._ids)}.1.abc",
            "view": {
                "id": "V0MODAL001",
                "team_id": TEAM_ID,
                "type": "modal",
                "callback_id": callback_id,
                "blocks": [],
                "private_metadata": "",
                "state": {"values": {k: dict(v) for k, v in values.items()}},
                "hash": "1700000000.abcdef",
                "app_id": APP_ID,
                "bot_id": "BBOTALLIANCE",
            },
            "response_urls": [],
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}), FORM)
