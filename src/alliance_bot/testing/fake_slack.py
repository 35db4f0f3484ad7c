"""A stand-in for Slack's Web API, `response_url` and Socket Mode, as a local aiohttp server.

Point the app's `SLACK_API_URL` at `FakeSlack.base_url` and every Web API call lands here. The fake
records each call (method, parameters, headers), answers every `POST /api/<method>` with
`{"ok": true}` plus sensible defaults, remembers what `chat.postMessage` posted (metadata included)
so `conversations.history` can read it back, and lets a test inject faults: HTTP 429 with
`Retry-After`, HTTP 5xx, `{"ok": false, "error": ...}`, or "Slack accepted the message and then the
connection failed" (the message is stored, the caller sees an error).

It plays the App Home and modals too: `views.publish` keeps each user's latest Home view
(`home_view`, `wait_for_home`), `views.open` is recorded, `users.info` answers from `users`
(`set_user(..., is_admin=True)`; anyone else is an ordinary member) and `conversations.info`
from `channels` (`add_channel`; any other channel is `channel_not_found`, as in Slack).

It plays the install flow: `authorization_code(team, installer=…)` is the code Slack would hand
the redirect URL, `oauth.v2.access` exchanges it (once) for a bot token of that team (with a
refresh token when `rotating`), and `auth.test` answers for the team of the token it is called
with; `Call.token` says which token a call carried.

It also plays Socket Mode: `apps.connections.open` returns the URL of a WebSocket endpoint on the
same server, and `FakeSlack.send_socket_request` pushes an envelope to the connected client and
waits for its acknowledgement.

Usage in a test::

    async with FakeSlack.running() as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        await client.chat_postMessage(channel="C1", text="hi")
        assert slack.calls_to("chat.postMessage")[0].params["text"] == "hi"

Waiting is event-driven (`wait_for_calls`, `wait_for_responses`): a test never sleeps for a fixed
time, it waits for the thing it expects, with a timeout only as a safety net.

`hold_responses()` makes posts to response URLs wait for the test: each is recorded when it
arrives (so a test knows the app's call has started), and answered only once the test calls
`release_responses()` — how a test catches an answer in flight, e.g. across a SIGTERM.
`async with replies_held():` holds every reply for a block: an ack received inside it came
before the reply was delivered (a check of "acked at once" with no clock in it).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import itertools
import json
import time
import uuid
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_USER_ID = "UBOTALLIANCE"
BOT_ID = "BBOTALLIANCE"
TEAM_ID = "T0TESTTEAM"
DEFAULT_TIMEOUT = 60.0  # a safety net for waits on the app, generous for a loaded machine


@dataclass(frozen=True)
class Call:
    """One request the fake received.

    `params` merges the query string, the form fields and the JSON body, as Slack does; values are
    kept as sent, except that form fields holding JSON (`blocks`, `metadata`, `attachments`) are
    decoded so tests can compare structures.
    """

    method: str
    params: Mapping[str, Any]
    headers: Mapping[str, str]
    content_type: str

    @property
    def token(self) -> str | None:
        """The token the call was made with (the `Authorization` header, else a `token` field)."""
        bearer = self.headers.get("Authorization", "")
        if bearer.startswith("Bearer "):
            return bearer.removeprefix("Bearer ")
        token = self.params.get("token")
        return str(token) if token else None

    @property
    def client_credentials(self) -> tuple[str, str] | None:
        """The app's client id and secret, as `oauth.v2.access` takes them (HTTP Basic auth,
        else form fields)."""
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            decoded = base64.b64decode(basic.removeprefix("Basic ")).decode("utf-8", "replace")
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
        if "client_id" in self.params:
            return str(self.params["client_id"]), str(self.params.get("client_secret", ""))
        return None


@dataclass(frozen=True)
class Team:
    """A workspace the fake issues tokens for (`authorization_code`, `oauth.v2.access`)."""

    team_id: str
    installer: str
    enterprise_id: str | None = None
    rotating: bool = False
    expires_in: int = 43_200  # seconds a rotating token lives (Slack's: 12 hours)

    @property
    def bot_user_id(self) -> str:
        return BOT_USER_ID if self.team_id == TEAM_ID else f"UBOT{self.team_id}"

    @property
    def bot_id(self) -> str:
        return BOT_ID if self.team_id == TEAM_ID else f"BBOT{self.team_id}"


@dataclass(frozen=True)
class Fault:
    """A scripted answer for one call to a method, used instead of the generic success.

    - `status`: the HTTP status to answer with (429, 500, ...); `headers` are added (`Retry-After`).
    - `body`: the JSON body; default `{"ok": false, "error": "ratelimited"/"internal_error"}` for
      non-200 statuses.
    - `accept_first`: process the call as a success first (store the posted message), then answer
      with the fault — "Slack accepted it, then the connection failed".
    - `disconnect`: drop the connection without any HTTP answer (after accepting, if
      `accept_first`).
    """

    status: int = 200
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    accept_first: bool = False
    disconnect: bool = False


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST to a `response_url` (`/response/<id>`): what the app sent back to the user, and
    the status the fake answered (200 unless a test scripted a refusal)."""

    id: str
    body: Mapping[str, Any]
    headers: Mapping[str, str]
    status: int = 200
    # The client's (host, port): posts over one kept-alive connection share it
    peer: tuple[str, int] | None = None
    # True for a message sent back in the body of a slash command's ack, which Slack shows as
    # the reply just as it shows a post to the command's response_url (`record_immediate`)
    immediate: bool = False

    @property
    def is_message(self) -> bool:
        """True for a message the user sees; False for `delete_original` clean-ups."""
        return not self.body.get("delete_original")


class FakeSlack:
    """A recording stand-in for Slack; see the module docstring."""

    def __init__(self, *, first_ts: int | None = None) -> None:
        """Create the fake; `first_ts` is the whole-second part of the first message `ts`
        (default: now, as Slack stamps messages with the time they were posted)."""
        self.calls: list[Call] = []
        self.responses: list[ResponseUrlPost] = []
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.socket_acks: dict[str, dict[str, Any]] = {}
        # Slash command envelopes sent, by envelope id: their response_url names an ack's reply
        self._socket_commands: dict[str, str] = {}
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        # response_url refusals: by response id, or under "" for any id
        self._response_faults: dict[str, deque[tuple[int, str, dict[str, str]]]] = defaultdict(
            deque
        )
        self._ts = itertools.count(int(time.time()) if first_ts is None else first_ts)
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._root = ""
        self.socket_connections = 0
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self._view_ids = itertools.count(1)
        self._held: asyncio.Event | None = None
        self._held_methods: dict[str, asyncio.Event] = {}  # Web API methods answered later
        self.responses_answered = 0
        # The OAuth flow: one-use codes, and the team each issued token (or refresh token) is for
        self._codes: dict[str, Team] = {}
        self.tokens: dict[str, Team] = {}
        self._refresh_tokens: dict[str, Team] = {}
        self._token_numbers = itertools.count(1)

    # --- running -------------------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def running(cls, *, first_ts: int | None = None) -> AsyncIterator[FakeSlack]:
        """Run a fake on a free localhost port for the duration of the `async with` block."""
        fake = cls(first_ts=first_ts)
        await fake.start()
        try:
            yield fake
        finally:
            await fake.stop()

    async def start(self, host: str = "127.0.0.1") -> None:
        """Start serving on a free port of `host`; `base_url` is valid afterwards."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self._root = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Close open WebSockets and stop the server."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        return self._root

    @property
    def base_url(self) -> str:
        """The Web API base URL to use as `SLACK_API_URL`: `http://127.0.0.1:PORT/api/`."""
        return f"{self._root}/api/"

    @property
    def socket_url(self) -> str:
        """The WebSocket URL `apps.connections.open` hands out."""
        return self._root.replace("http://", "ws://", 1) + "/socket"

    def response_url(self, response_id: str | None = None) -> str:
        """A `response_url` for a slash command or interaction; posts to it are recorded."""
        return f"{self._root}/response/{response_id or uuid.uuid4().hex}"

    async def record_immediate(self, response_url: str, body: Mapping[str, Any]) -> None:
        """Record `body`, a message an app sent back in a slash command's ack, as the reply
        through `response_url` (Slack shows either the same way): the test sender calls it, and
        the socket for an ack's payload."""
        response_id = response_url.rsplit("/response/", 1)[-1]
        self.responses.append(ResponseUrlPost(response_id, body, {}, 200, immediate=True))
        self.responses_answered += 1
        await self._notify()

    def app(self) -> web.Application:
        """The aiohttp application (for tests that want to host it themselves)."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response)
        app.router.add_get("/socket", self._socket)
        return app

    # --- scripting faults ----------------------------------------------------------------------

    def add_fault(self, method: str, fault: Fault, *, times: int = 1) -> None:
        """Answer the next `times` calls to `method` with `fault` instead of success."""
        self._faults[method].extend([fault] * times)

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls to `method` get HTTP 429 with `Retry-After: retry_after`."""
        self.add_fault(
            method,
            Fault(
                status=429,
                headers={"Retry-After": str(retry_after)},
                body={"ok": False, "error": "ratelimited"},
            ),
            times=times,
        )

    def server_error(self, method: str, *, times: int = 1, status: int = 500) -> None:
        """The next `times` calls to `method` get an HTTP 5xx."""
        self.add_fault(
            method, Fault(status=status, body={"ok": False, "error": "internal_error"}), times=times
        )

    def api_error(self, method: str, error: str, *, times: int = 1) -> None:
        """The next `times` calls to `method` get HTTP 200 with `{"ok": false, "error": error}`."""
        self.add_fault(method, Fault(body={"ok": False, "error": error}), times=times)

    def accept_then_fail(self, method: str, *, times: int = 1, disconnect: bool = False) -> None:
        """The next `times` calls succeed inside Slack (messages are stored) but the caller sees a
        failure: HTTP 500, or with `disconnect` a dropped connection."""
        self.add_fault(
            method,
            Fault(
                status=500,
                body={"ok": False, "error": "internal_error"},
                accept_first=True,
                disconnect=disconnect,
            ),
            times=times,
        )

    def refuse_responses(
        self,
        status: int,
        body: str,
        *,
        times: int = 1,
        response_id: str = "",
        retry_after: int | None = None,
    ) -> None:
        """The next `times` posts to a response URL (only `response_id`'s, if given) get `status`
        with the text `body`, as Slack answers: 404 `expired_url` after 30 minutes, 403 from a
        channel where the user may not post, 429 with `Retry-After`, 500 when Slack is down.
        Refused posts are recorded too, with their status."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._response_faults[response_id].extend([(status, body, headers)] * times)

    # --- installs: the OAuth flow -----------------------------------------------------------------

    def authorization_code(
        self,
        team_id: str,
        *,
        installer: str,
        enterprise_id: str | None = None,
        rotating: bool = False,
        expires_in: int = 43_200,
    ) -> str:
        """A code, good once, that `oauth.v2.access` exchanges for a bot token of `team_id`, as
        Slack hands one to the redirect URL after `installer` approves the install. `rotating`:
        the token expires (the first in `expires_in` seconds, refreshed ones in 12 hours) and comes
        with a refresh token (token rotation)."""
        code = f"code-{team_id}-{uuid.uuid4().hex[:12]}"
        self._codes[code] = Team(team_id, installer, enterprise_id, rotating, expires_in)
        return code

    def tokens_of(self, team_id: str) -> list[str]:
        """Every bot token issued for `team_id`, oldest first."""
        return [token for token, team in self.tokens.items() if team.team_id == team_id]

    def _oauth_access(self, params: Mapping[str, Any]) -> dict[str, Any]:
        if params.get("grant_type") == "refresh_token":
            team = self._refresh_tokens.pop(str(params.get("refresh_token", "")), None)
            if team is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            team = dataclasses.replace(team, expires_in=43_200)  # refreshed: Slack's 12 hours
        else:
            found = self._codes.pop(str(params.get("code", "")), None)
            if found is None:
                return {"ok": False, "error": "invalid_code"}
            team = found
        token = f"xoxb-{team.team_id}-{next(self._token_numbers)}"
        self.tokens[token] = team
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0FAKEAPP",
            "access_token": token,
            "token_type": "bot",
            "scope": "chat:write,commands,app_mentions:read",
            "bot_user_id": team.bot_user_id,
            "team": {"id": team.team_id, "name": f"Team {team.team_id}"},
            "enterprise": {"id": team.enterprise_id} if team.enterprise_id else None,
            "is_enterprise_install": False,
            "authed_user": {"id": team.installer},
        }
        if team.rotating:
            refresh = f"xoxe-1-{team.team_id}-{uuid.uuid4().hex[:12]}"
            self._refresh_tokens[refresh] = team
            answer.update(refresh_token=refresh, expires_in=team.expires_in)
        return answer

    # --- the workspace: people and channels ----------------------------------------------------

    def set_user(
        self,
        user_id: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "America/New_York",
        team_id: str = TEAM_ID,
    ) -> None:
        """What `users.info` says about `user_id` from now on."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": user_id.lower(),
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_bot": False,
            "tz": tz,
        }

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
    ) -> None:
        """A channel `conversations.info` knows from now on."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_private": is_private,
            "is_member": is_member,
            "is_archived": is_archived,
        }

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home view last published for `user_id` (`views.publish`), if any."""
        return self.home_views.get(user_id)

    async def wait_for_home(
        self, user_id: str, count: int = 1, *, timeout: float = DEFAULT_TIMEOUT
    ) -> dict[str, Any]:
        """Wait until `count` Home views were published for `user_id`; return the latest."""

        def published() -> int:
            return sum(
                1 for c in self.calls_to("views.publish") if c.params.get("user_id") == user_id
            )

        await self._wait(lambda: published() >= count and user_id in self.home_views, timeout)
        return self.home_views[user_id]

    def hold_responses(self) -> None:
        """From now on, answer posts to response URLs only after `release_responses()`."""
        self._held = asyncio.Event()

    def release_responses(self) -> None:
        """Answer the held response-URL posts (and stop holding new ones)."""
        if self._held is not None:
            self._held.set()
            self._held = None

    @asynccontextmanager
    async def replies_held(self, *, timeout: float = DEFAULT_TIMEOUT) -> AsyncIterator[None]:
        """Hold every reply (posts to response URLs, `chat.postMessage`) until the block ends,
        and fail the block after `timeout`. A request whose ack arrives inside the block was
        acked before its reply was delivered: how a test shows the app acks at once (Slack's
        3-second deadline) without timing it, which a loaded machine would make flaky."""
        self.hold_responses()
        self.hold_method("chat.postMessage")
        try:
            async with asyncio.timeout(timeout):
                yield
        finally:
            self.release_responses()
            self.release_method("chat.postMessage")

    def hold_method(self, method: str) -> None:
        """From now on, answer calls to the Web API `method` only after `release_method`: a
        start-up held at `auth.test`, say, for as long as a test needs."""
        self._held_methods.setdefault(method, asyncio.Event())

    def release_method(self, method: str) -> None:
        """Answer the held calls to `method` (and stop holding new ones)."""
        held = self._held_methods.pop(method, None)
        if held is not None:
            held.set()

    # --- reading what happened -----------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call to `method` (`"chat.postMessage"`), oldest first."""
        return [c for c in self.calls if c.method == method]

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """Messages stored for `channel` (thread replies included), oldest first."""
        return list(self.messages.get(channel, []))

    async def wait_for_calls(
        self, method: str, count: int = 1, *, timeout: float = DEFAULT_TIMEOUT
    ) -> list[Call]:
        """Wait until `method` has been called at least `count` times; return those calls."""
        await self._wait(lambda: len(self.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    async def wait_for_responses(
        self, count: int = 1, *, timeout: float = DEFAULT_TIMEOUT
    ) -> list[ResponseUrlPost]:
        """Wait until `count` posts to response URLs have arrived; return all of them."""
        await self._wait(lambda: len(self.responses) >= count, timeout)
        return list(self.responses)

    async def wait_until(
        self, predicate: Callable[[], bool], *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Wait until `predicate()` holds; it is re-checked after every request the fake sees."""
        await self._wait(predicate, timeout)

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- Socket Mode ---------------------------------------------------------------------------

    @property
    def open_sockets(self) -> int:
        """How many Socket Mode connections are open now."""
        return len(self._sockets)

    async def wait_for_socket(self, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until a Socket Mode client is connected."""
        await self._wait(lambda: bool(self._sockets), timeout)

    async def send_socket_request(
        self,
        payload_type: str,
        payload: Mapping[str, Any],
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        """Send an envelope (`slash_commands`, `events_api`, `interactive`) to the connected
        client and return its acknowledgement (`{"envelope_id": ..., "payload": ...}`)."""
        await self.wait_for_socket(timeout=timeout)
        envelope_id = uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": payload_type,
            "accepts_response_payload": payload_type != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": dict(payload),
        }
        self._remember_command(envelope)
        await self._sockets[-1].send_str(json.dumps(envelope))
        await self._wait(lambda: envelope_id in self.socket_acks, timeout)
        return self.socket_acks[envelope_id]

    async def send_socket_frame(
        self, frame: Mapping[str, Any], *, timeout: float = DEFAULT_TIMEOUT
    ) -> dict[str, Any] | None:
        """Send one raw frame (an envelope as Slack sends it, or `hello`/`disconnect`) to the
        connected client; for an envelope, wait for and return its acknowledgement."""
        await self.wait_for_socket(timeout=timeout)
        envelope_id = frame.get("envelope_id")
        if isinstance(envelope_id, str):
            self.socket_acks.pop(envelope_id, None)  # a redelivery reuses the envelope id
        self._remember_command(frame)
        await self._sockets[-1].send_str(json.dumps(dict(frame)))
        if not isinstance(envelope_id, str):
            return None
        await self._wait(lambda: envelope_id in self.socket_acks, timeout)
        return self.socket_acks[envelope_id]

    def _remember_command(self, envelope: Mapping[str, Any]) -> None:
        payload = envelope.get("payload")
        envelope_id = envelope.get("envelope_id")
        if envelope.get("type") == "slash_commands" and isinstance(payload, Mapping):
            url = payload.get("response_url")
            if isinstance(envelope_id, str) and isinstance(url, str) and url:
                self._socket_commands[envelope_id] = url

    async def _record_socket_reply(self, ack: Mapping[str, Any]) -> None:
        """A slash command acknowledged with a message in the ack's `payload`: Slack shows it as
        the reply, as over HTTP (`record_immediate`)."""
        url = self._socket_commands.get(str(ack.get("envelope_id")))
        message = ack.get("payload")
        if url is not None and isinstance(message, Mapping) and message:
            await self.record_immediate(url, message)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A0TEST"},
                    "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                }
            )
        )
        await self._notify()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if isinstance(data, dict) and "envelope_id" in data:
                        self.socket_acks[data["envelope_id"]] = data
                        await self._record_socket_reply(data)
                        await self._notify()
        finally:
            self._sockets.remove(ws)
        return ws

    # --- HTTP handlers -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        content_type = request.content_type
        if request.method == "POST" and request.can_read_body:
            if content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    params[key] = (
                        _decode_json_field(key, value) if isinstance(value, str) else value
                    )
        call = Call(method, params, dict(request.headers), content_type)
        self.calls.append(call)
        held = self._held_methods.get(method)
        if held is not None:
            await held.wait()
        try:
            fault = self._faults[method].popleft() if self._faults[method] else None
            if fault is None:
                return web.json_response(self._success(call))
            if fault.accept_first:
                self._success(call)
            if fault.disconnect:
                # Simulates the network failing after Slack processed the call: no HTTP answer.
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=500)
            body = fault.body
            if body is None:
                body = (
                    {"ok": fault.status == 200}
                    if fault.status == 200
                    else {
                        "ok": False,
                        "error": "ratelimited" if fault.status == 429 else "internal_error",
                    }
                )
            return web.json_response(dict(body), status=fault.status, headers=dict(fault.headers))
        finally:
            await self._notify()

    def _success(self, call: Call) -> dict[str, Any]:  # noqa: C901  (one case per Web API method)
        """The generic answer for a successful call; stores messages as a side effect."""
        params = call.params
        method = call.method
        if method == "auth.test":
            # A token from the OAuth flow speaks for its team; any other for the default team.
            team = self.tokens.get(call.token or "") or Team(TEAM_ID, "")
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": f"Team {team.team_id}",
                "user": "alliance",
                "team_id": team.team_id,
                "user_id": team.bot_user_id,
                "bot_id": team.bot_id,
                "is_enterprise_install": False,
                **({"enterprise_id": team.enterprise_id} if team.enterprise_id else {}),
            }
        if method == "oauth.v2.access":
            return self._oauth_access(params)
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            channel = str(params.get("channel", ""))
            ts = f"{next(self._ts)}.000100"
            message: dict[str, Any] = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": ts,
                "text": params.get("text", ""),
            }
            for key in ("blocks", "metadata", "thread_ts", "attachments"):
                if key in params:
                    message[key] = params[key]
            if method == "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            self.messages[channel].append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            channel = str(params.get("channel", ""))
            for message in self.messages.get(channel, []):
                if message["ts"] == params.get("ts"):
                    for key in ("text", "blocks", "metadata"):
                        if key in params:
                            message[key] = params[key]
            return {
                "ok": True,
                "channel": channel,
                "ts": params.get("ts"),
                "text": params.get("text"),
            }
        if method == "chat.delete":
            channel = str(params.get("channel", ""))
            kept = [m for m in self.messages.get(channel, []) if m["ts"] != params.get("ts")]
            self.messages[channel] = kept
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method == "conversations.history":
            return self._history(params)
        if method == "conversations.replies":
            return self._replies(params)
        if method == "users.info":
            user_id = str(params.get("user", ""))
            known = self.users.get(user_id) or {
                "id": user_id,
                "team_id": TEAM_ID,
                "is_admin": False,
                "is_owner": False,
                "is_bot": False,
            }
            return {"ok": True, "user": known}
        if method == "conversations.info":
            info = self.channels.get(str(params.get("channel", "")))
            if info is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": info}
        if method in ("views.publish", "views.open", "views.update"):
            view = params.get("view")
            if not isinstance(view, dict):
                return {"ok": False, "error": "invalid_arguments"}
            shown = {**view, "id": f"V{next(self._view_ids):08d}", "team_id": TEAM_ID}
            if method == "views.publish":
                self.home_views[str(params.get("user_id", ""))] = view
            return {"ok": True, "view": shown}
        return {"ok": True}

    def _replies(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A thread, oldest first: the parent (if stored) and every reply whose `thread_ts` is
        `ts`. Metadata only with `include_all_metadata`, as in Slack."""
        channel = str(params.get("channel", ""))
        ts = str(params.get("ts", ""))
        limit = int(params.get("limit") or 1000)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        found = []
        for message in self.messages.get(channel, []):
            if message["ts"] == ts or message.get("thread_ts") == ts:
                shown = dict(message)
                if not with_metadata:
                    shown.pop("metadata", None)
                found.append(shown)
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _history(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Top-level messages of a channel, newest first, honouring `oldest`, `latest`, `limit`."""
        channel = str(params.get("channel", ""))
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
        inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        found = []
        for message in reversed(self.messages.get(channel, [])):
            if message.get("thread_ts") not in (None, message["ts"]):
                continue  # replies live in conversations.replies, as in Slack
            ts = float(message["ts"])
            after = ts >= oldest if inclusive else ts > oldest
            before = ts <= latest if inclusive else ts < latest
            if after and before:
                shown = dict(message)
                if not with_metadata:
                    shown.pop("metadata", None)
                found.append(shown)
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    async def _response(self, request: web.Request) -> web.Response:
        text = await request.text()
        try:
            body = json.loads(text) if text else {}
        except json.JSONDecodeError:
            body = {"raw": text}
        response_id = request.match_info["id"]
        faults = self._response_faults[response_id] or self._response_faults[""]
        status, answer, headers = faults.popleft() if faults else (200, "ok", {})
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.responses.append(
            ResponseUrlPost(
                response_id,
                body,
                dict(request.headers),
                status,
                (str(peer[0]), int(peer[1])) if peer else None,
            )
        )
        await self._notify()
        held = self._held
        if held is not None:
            await held.wait()
        response = web.Response(status=status, text=answer, headers=headers)
        await response.prepare(request)
        await response.write_eof()
        self.responses_answered += 1  # the answer is written: the caller was still there
        await self._notify()
        return response


def _decode_json_field(key: str, value: str) -> Any:
    """Form-encoded calls send structures as JSON strings; decode the ones tests inspect."""
    if key in ("blocks", "metadata", "attachments", "view") and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
