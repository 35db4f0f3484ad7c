"""The unauthenticated surface of `/slack/events`, attacked on loopback against the real server
process: floods of refused requests, malformed bodies, slow and stalled clients, and replays of
correctly signed requests.

No assertion is about time: each test asserts an outcome (a status, what the log holds, that
`/healthz` and a signed question are still answered, that a stalled socket is eventually closed),
with generous timeouts only as a safety net.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import aiohttp
import pytest
import pytest_asyncio

from alliance_bot.slack.render.answers import SHARE_ACTION, ShareRef
from alliance_bot.slack.server import MAX_BODY_BYTES, MAX_PENDING_BODIES
from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import FORM, JSON, SlackSender, signed_headers

pytestmark = pytest.mark.slow

SAFETY = 60.0  # seconds: a net under every wait, never a measurement
FORGED = "2026-01-01 00:00:00 INFO alliance_bot.admin: Knowledge base refreshed by U0ADMIN001"


async def _healthz(server: AppProcess) -> int:
    timeout = aiohttp.ClientTimeout(total=SAFETY)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"{server.url}/healthz") as response,
    ):
        return response.status


async def _still_answers(slack: SlackSender, fake: FakeSlack) -> None:
    """A signed question gets its answer."""
    before = len(fake.responses)
    sent = await slack.command("who is Hamada")
    assert sent.status == 200
    await fake.wait_until(lambda: len(fake.responses) > before, timeout=SAFETY)
    assert "Hamada" in fake.responses[-1].body["text"]


def _host_port(server: AppProcess) -> tuple[str, int]:
    parts = urlsplit(server.url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


def _refusal_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "Refused request" in line]


class TestRefusedRequestsInTheLog:
    async def test_flood_of_unsigned_bodies_is_one_bounded_line_each_rate_limited(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Fifty 100 KB unsigned and badly signed POSTs, each with a forged log line inside:
        all 401, the log grows by a few bounded lines (no body, no forged line), and the server
        still answers."""
        body = ("x" * 1000 + "\n" + FORGED + "\n") * 100
        before = len(server.log())
        async with aiohttp.ClientSession() as session:
            for index in range(50):
                headers = {"Content-Type": FORM}
                if index % 2:  # half with a well-formed but wrong signature, read and checked
                    headers = signed_headers("not-the-secret", body, FORM)
                async with session.post(slack.url, data=body, headers=headers) as response:
                    assert response.status == 401
        await _still_answers(slack, fake_slack)
        grown = server.log()[before:]
        assert FORGED not in grown
        assert "xxxxxxxxxx" not in grown
        assert "Invalid request signature" not in grown  # Bolt's line, with the whole body
        lines = _refusal_lines(grown)
        assert 1 <= len(lines) <= 10
        assert all(len(line) < 300 for line in lines)
        assert "401 unsigned from '127.0.0.1'" in lines[0]
        assert len(grown) < 5_000

    async def test_newline_in_a_header_cannot_forge_a_line(self, server: AppProcess) -> None:
        """A refusal names the reason and address only; header values never reach the log."""
        host, port = _host_port(server)
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"X-Slack-Request-Timestamp: 12\\nINFO forged\r\nX-Slack-Signature: v0=1\r\n\r\n{}"
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), SAFETY)
        writer.close()
        assert b" 401 " in status
        assert "forged" not in server.log()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def shared_fake() -> AsyncIterator[FakeSlack]:
    """A stand-in Slack shared by the tests of one server."""
    async with FakeSlack.running() as fake:
        yield fake


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def shared_server(
    shared_fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AppProcess]:
    """One server for the malformed-request cases (starting one per case is most of the cost)."""
    tmp = tmp_path_factory.mktemp("malformed")
    app = await _serve(process_env(shared_fake, tmp), tmp)
    try:
        yield app
    finally:
        await app.stop()


@pytest.fixture
def shared_slack(shared_server: AppProcess, shared_fake: FakeSlack) -> SlackSender:
    """Signed requests to the shared server."""
    return SlackSender(f"{shared_server.url}/slack/events", TEST_SIGNING_SECRET, shared_fake)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.xdist_group("malformed")  # one worker, one `shared_server` (--dist loadgroup)
class TestMalformedRequests:
    async def test_first_refusal_is_one_line(
        self, shared_server: AppProcess, shared_slack: SlackSender
    ) -> None:
        """A correctly signed body that is not JSON is logged as one line naming the reason."""
        before = len(shared_server.log())
        assert (await shared_slack.post("{oops", JSON)).status == 400
        (line,) = _refusal_lines(shared_server.log()[before:])
        assert "400 malformed body from '127.0.0.1' (5 bytes)" in line

    @pytest.mark.parametrize(
        ("body", "content_type", "status"),
        [
            ('{"type": "event_callback", oops', JSON, 400),
            ("{not json at all", FORM, 400),
            ("payload=notjson", FORM, 400),
            ("payload=%5B1%2C2%5D", FORM, 400),  # JSON, but not an object
            (b'{"text": "\xff\xfe caf\xe9"}', JSON, 400),  # not UTF-8
            ('{"type": "url_verification"}', "application/json; charset=klingon", 400),
            ('{"type": "url_verification"}', "application/json; charset=latin-1", 400),
        ],
    )
    async def test_malformed_body_is_400_without_traceback(
        self,
        shared_server: AppProcess,
        shared_slack: SlackSender,
        shared_fake: FakeSlack,
        body: str | bytes,
        content_type: str,
        status: int,
    ) -> None:
        """A correctly signed body that is not what Slack sends gets 400, no traceback, and
        the server goes on answering."""
        sent = await shared_slack.post(body, content_type)
        assert sent.status == status
        assert "Traceback" not in shared_server.log()
        await _still_answers(shared_slack, shared_fake)

    @pytest.mark.parametrize(
        "timestamp", ["soon", "-5", "1e9", "1700000000.5", "9" * 5000, "0x6553f100"]
    )
    async def test_bad_timestamp_is_401(
        self, shared_server: AppProcess, shared_slack: SlackSender, timestamp: str
    ) -> None:
        """A timestamp that is not a plain number of seconds (5,000 digits included) is 401."""
        headers = {"X-Slack-Request-Timestamp": timestamp}
        sent = await shared_slack.post("{}", JSON, headers=headers)
        assert sent.status == 401
        assert "Traceback" not in shared_server.log()

    async def test_oversized_body_is_413_before_it_is_read(self, shared_server: AppProcess) -> None:
        """A declared length over the cap is refused at once, whatever the signature."""
        host, port = _host_port(shared_server)
        reader, writer = await asyncio.open_connection(host, port)
        stamp = str(int(time.time()))
        writer.write(
            (
                f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\n"
                f"Content-Length: {MAX_BODY_BYTES + 1}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
                f"X-Slack-Signature: v0={'0' * 64}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), SAFETY)
        writer.close()
        assert b" 413 " in status

    async def test_chunked_body_over_the_cap_is_413(self, shared_slack: SlackSender) -> None:
        """A body without a length (chunked) is cut off at the cap."""

        async def chunks() -> object:
            for _ in range(MAX_BODY_BYTES // 65536 + 2):
                yield b"a" * 65536

        headers = signed_headers(TEST_SIGNING_SECRET, "", FORM)
        async with (
            aiohttp.ClientSession() as session,
            session.post(shared_slack.url, data=chunks(), headers=headers) as response,
        ):
            assert response.status == 413


class TestSlowClients:
    async def test_slow_header_sockets_are_closed_and_do_not_starve_others(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """300 sockets that never finish their headers: meanwhile /healthz and a signed command
        are answered, and the server closes every one of them."""
        host, port = _host_port(server)
        sockets = []
        for _ in range(300):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            sockets.append((reader, writer))
        await asyncio.gather(*(w.drain() for _, w in sockets))
        assert await _healthz(server) == 200
        await _still_answers(slack, fake_slack)
        # Each slow socket is closed by the server (EOF), without our sending anything more.
        results = await asyncio.wait_for(asyncio.gather(*(r.read() for r, _ in sockets)), SAFETY)
        assert all(result == b"" or b"408" in result or b"400" in result for result in results)
        for _, writer in sockets:
            writer.close()

    async def test_stalled_bodies_are_bounded_and_timed_out(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """100 requests that declare ~1 MB, send most of it and stall: at most
        MAX_PENDING_BODIES are read at once and the others get 503 straight away, memory stays
        bounded while they stall, the stalled ones get 408, and Slack is still answered."""
        host, port = _host_port(server)
        rss_before = _rss(server)
        stamp = str(int(time.time()))
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\n"
            f"Content-Length: {MAX_BODY_BYTES - 1000}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
            f"X-Slack-Signature: v0={'0' * 64}\r\n\r\n"
        ).encode()
        sockets = []
        for _ in range(100):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(head + b"{" + b" " * (MAX_BODY_BYTES - 100_000))
            sockets.append((reader, writer))
        lines = [asyncio.ensure_future(reader.readline()) for reader, _ in sockets]
        async with asyncio.timeout(SAFETY):
            while sum(line.done() for line in lines) < 100 - MAX_PENDING_BODIES:
                await asyncio.wait(
                    [line for line in lines if not line.done()],
                    return_when=asyncio.FIRST_COMPLETED,
                )
        # The refused ones are answered; the admitted ones are stalled, their bodies buffered.
        # 100 buffered bodies would be ~90 MB more; the bound allows 32 of them.
        assert _rss(server) - rss_before < 64 * 1024 * 1024
        statuses = await asyncio.wait_for(asyncio.gather(*lines), SAFETY)
        codes = [line.split()[1] if line else b"closed" for line in statuses]
        assert codes.count(b"503") >= 100 - MAX_PENDING_BODIES
        assert set(codes) <= {b"503", b"408", b"closed"}
        assert b"408" in codes
        for _, writer in sockets:
            writer.close()
        assert await _healthz(server) == 200
        await _still_answers(slack, fake_slack)


def _rss(server: AppProcess) -> int:
    """The process's resident memory now (VmRSS), in bytes."""
    status = Path(f"/proc/{server.process.pid}/status").read_text(encoding="utf-8")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc status")


class TestReplays:
    async def test_replayed_command_is_answered_once_even_after_a_restart(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """The same signed slash command sent four times (three replays) is answered once; after
        a restart on the same state file, a fourth replay is still not answered."""
        env = process_env(fake_slack, tmp_path)
        first = await _serve(env, tmp_path)
        slack = SlackSender(f"{first.url}/slack/events", TEST_SIGNING_SECRET, fake_slack)
        replayed = fake_slack.response_url("replayed")
        body = urlencode(slack.command_form("who is Hamada", response_url=replayed))
        headers = signed_headers(TEST_SIGNING_SECRET, body, FORM)
        for _ in range(4):
            # Through the sender, which records an answer sent back in the ack as the reply
            assert (await slack.post(body, FORM, headers=headers)).status == 200
        await _still_answers(slack, fake_slack)  # anything owed to the replays is in by now
        assert await first.stop() == 0
        second = await _serve(env, tmp_path)
        try:
            again = SlackSender(f"{second.url}/slack/events", TEST_SIGNING_SECRET, fake_slack)
            assert (await again.post(body, FORM, headers=headers)).status == 200
            await _still_answers(again, fake_slack)
            assert len([r for r in fake_slack.responses if r.id == "replayed"]) == 1
        finally:
            await second.stop()

    async def test_replayed_share_click_posts_once(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Three replays of one signed Share click make one public post (and one clean-up)."""
        value = ShareRef(question="who is Hamada").encode()
        assert value is not None
        payload = {
            "type": "block_actions",
            "user": {"id": "U0ASKER01"},
            "container": {"type": "message", "message_ts": "1.2", "is_ephemeral": True},
            "trigger_id": "123.456.share",
            "channel": {"id": "C0GENERAL1"},
            "response_url": fake_slack.response_url("shared"),
            "actions": [{"action_id": SHARE_ACTION, "value": value, "action_ts": "1.3"}],
        }
        body = urlencode({"payload": json.dumps(payload)})
        headers = signed_headers(TEST_SIGNING_SECRET, body, FORM)
        for _ in range(4):
            assert (await _raw_post(slack.url, body, headers)) == 200
        await _still_answers(slack, fake_slack)
        shared = [r for r in fake_slack.responses if r.id == "shared"]
        assert [r.body.get("response_type", "delete") for r in shared] == ["in_channel", "delete"]

    async def test_retried_event_is_keyed_on_its_id_not_the_retry_header(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """The same event_id without any retry header (a replay) is dropped like a retry."""
        event = slack.mention("who is Hamada", ts="1700000100.000200")
        for _ in range(3):
            assert (await slack.event(event, event_id="Ev0REPLAY01")).status == 200
        await _still_answers(slack, fake_slack)
        assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def _serve(env: dict[str, str], cwd: Path) -> AppProcess:
    return await start_process(
        ["serve", "--host", "127.0.0.1", "--port", "0"], env, cwd, ready="alliance-bot listening on"
    )


async def _raw_post(url: str, body: str, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body.encode(), headers=headers) as response,
    ):
        return response.status
