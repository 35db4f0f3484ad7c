"""Operating the real process: `/metrics` after signed requests, JSON logs line by line with
request ids, a SIGTERM with an answer in flight, and Socket Mode's health port."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from alliance_bot.slack.render.answers import SHARE_ACTION, ShareRef
from alliance_bot.testing.app_process import (
    TEST_APP_TOKEN,
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import USER_ID, SlackSender

pytestmark = pytest.mark.slow

ADMIN = "U0ADMIN001"
SERVE = ["serve", "--host", "127.0.0.1", "--port", "0"]
WAIT = 20.0  # a safety net for waits on events, never a measurement


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(base_url: str) -> tuple[str, Samples]:
    """GET /metrics; the text and every sample by (name, sorted labels)."""
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/metrics") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await r.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape_until(base_url: str, ready: Any) -> Samples:
    """Scrape until `ready(samples)` holds (a metric is set just after the Slack call the test
    saw), within the safety net."""
    async with asyncio.timeout(WAIT):
        while True:
            _, samples = await scrape(base_url)
            if ready(samples):
                return samples
            await asyncio.sleep(0.05)


async def log_shows(app: AppProcess, text: str) -> None:
    """Wait until the process's stderr contains `text`."""
    async with asyncio.timeout(WAIT):
        while True:
            if text in app.log():
                return
            await asyncio.sleep(0.05)  # the log is a file: nothing to wait on but a re-read


@pytest.fixture
async def json_server(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[AppProcess]:
    """`alliance-bot serve` with LOG_FORMAT=json and an admin."""
    env = process_env(fake_slack, tmp_path, ALLIANCE_ADMINS=ADMIN, LOG_FORMAT="json")
    app = await start_process(SERVE, env, tmp_path, ready="alliance-bot listening on")
    try:
        yield app
    finally:
        await app.stop()


class TestMetrics:
    async def test_questions_acks_and_knowledge_after_signed_requests(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """Each question is counted by its status and timed; acks and the base are exported."""
        for text in ("who is Hamada", "help", "who is Taylor Swift"):
            assert (await slack.command(text)).status == 200
        assert (await slack.event(slack.mention("who is Kishida"))).status == 200
        await fake_slack.wait_for_responses(3)
        await fake_slack.wait_for_calls("chat.postMessage")
        samples = await scrape_until(
            server.url, lambda s: value(s, "alliance_answer_seconds_count") == 4
        )
        assert value(samples, "alliance_questions_total", status="answer") == 2
        assert value(samples, "alliance_questions_total", status="help") == 1
        unanswered = value(samples, "alliance_questions_total", status="no_match") + value(
            samples, "alliance_questions_total", status="suggestions"
        )
        assert unanswered == 1
        assert value(samples, "alliance_questions_total", status="error") == 0
        assert value(samples, "alliance_acks_total", mode="http") == 4
        assert value(samples, "alliance_acks_late_total", mode="http") == 0
        assert value(
            samples, "alliance_slack_api_requests_total", method="chat.postMessage", outcome="ok"
        ) == len(fake_slack.calls_to("chat.postMessage"))
        async with aiohttp.ClientSession() as session, session.get(f"{server.url}/healthz") as r:
            health = await r.json()
        version = health["knowledge_version"]
        assert value(samples, "alliance_knowledge_info", version=version) == 1
        kinds = [k for (name, k) in samples if name == "alliance_knowledge_entries"]
        total = sum(samples[("alliance_knowledge_entries", k)] for k in kinds)
        assert total == health["entries"]

    async def test_no_user_ids_or_question_text_in_labels(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """The exposition never carries who asked or what."""
        await slack.command("who is Hamada")
        await fake_slack.wait_for_responses(1)
        text, _ = await scrape(server.url)
        assert USER_ID not in text
        assert "Hamada" not in text

    async def test_rate_limits_and_retries(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A 429 on a reply is counted as a rate-limited attempt, a retry, then a success."""
        fake_slack.rate_limit("chat.postMessage", retry_after=0)
        await slack.event(slack.mention("who is Hamada"))
        await fake_slack.wait_for_calls("chat.postMessage", 2)
        samples = await scrape_until(
            server.url,
            lambda s: (
                value(
                    s, "alliance_slack_api_requests_total", method="chat.postMessage", outcome="ok"
                )
                == 1
            ),
        )
        requests = "alliance_slack_api_requests_total"
        method = "chat.postMessage"
        assert value(samples, requests, method=method, outcome="rate_limited") == 1
        assert (
            value(
                samples,
                "alliance_slack_api_retries_total",
                method=method,
                reason="rate_limited",
            )
            == 1
        )

    async def test_refreshes_by_result(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A refresh by an admin and a refused one are counted by action and result."""
        await slack.command("refresh", user_id=ADMIN)
        await slack.command("refresh")  # not an admin
        await fake_slack.wait_for_responses(2)
        samples = await scrape_until(
            server.url,
            lambda s: value(s, "alliance_refreshes_total", action="refresh", result="refused") == 1,
        )
        assert value(samples, "alliance_refreshes_total", action="refresh", result="unchanged") == 1
        assert value(samples, "alliance_recordings_dropped_total", kind="refresh") == 0

    async def test_daily_post_last_success_and_next(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """After the day's post, last success is set and the next post is due a day later."""
        env = process_env(
            fake_slack, tmp_path, ALLIANCE_DAILY_CHANNEL="C0DAILY01", ALLIANCE_DAILY_TIME="00:00"
        )
        app = await start_process(SERVE, env, tmp_path, ready="alliance-bot listening on")
        try:
            await fake_slack.wait_for_calls("chat.postMessage")
            last = "alliance_daily_post_last_success_timestamp_seconds"
            samples = await scrape_until(app.url, lambda s: value(s, last, channel="C0DAILY01"))
        finally:
            await app.stop()
        done = value(samples, last, channel="C0DAILY01")
        due = value(samples, "alliance_daily_post_next_timestamp_seconds", channel="C0DAILY01")
        # Started after today's 00:00, it posted at once; the next one is tomorrow's 00:00 UTC.
        assert done < due <= done + 24 * 3600
        assert due % (24 * 3600) == 0


class TestJsonLogs:
    async def test_every_line_is_json_with_an_access_line(
        self, json_server: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """LOG_FORMAT=json: every stderr line is one object; requests get an access line with
        method, path, status and duration, and no query string or body."""
        slack = SlackSender(
            f"{json_server.url}/slack/events?token=secret-in-query", TEST_SIGNING_SECRET, fake_slack
        )
        await slack.command("who is Hamada")
        await fake_slack.wait_for_responses(1)
        assert await json_server.stop() == 0
        lines = [json.loads(line) for line in json_server.log().splitlines()]
        assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
        (access,) = [
            line for line in lines if line["logger"] == "alliance_bot.access" and "path" in line
        ]
        assert (access["method"], access["path"], access["status"]) == (
            "POST",
            "/slack/events",
            200,
        )
        assert access["duration_ms"] >= 0
        assert access["request_id"]
        log = json_server.log()
        assert "secret-in-query" not in log
        assert "Hamada" not in log

    async def test_one_request_id_through_a_commands_lines(
        self, json_server: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """The refusal a listener logs carries the request id of its access line."""
        slack = SlackSender(f"{json_server.url}/slack/events", TEST_SIGNING_SECRET, fake_slack)
        await slack.command("who is Hamada")
        await slack.command("refresh")  # not an admin: the listener logs the refusal
        await fake_slack.wait_for_responses(2)
        await log_shows(json_server, "Refused /alliance refresh")
        await json_server.stop()
        lines = [json.loads(line) for line in json_server.log().splitlines()]
        (refusal,) = [line for line in lines if "Refused /alliance refresh" in line["message"]]
        access = [line for line in lines if line["logger"] == "alliance_bot.access"]
        ids = [line["request_id"] for line in access]
        assert len(set(ids)) == len(ids) == 2, "one id per request"
        assert refusal["request_id"] == ids[1]


class TestShutdown:
    async def test_answer_in_flight_finishes_before_exit(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """SIGTERM while a reply's response_url call is under way: it completes, then exit 0.
        (A sub-command's reply: a question's goes in its ack.)"""
        fake_slack.hold_responses()
        assert (await slack.command("stats")).status == 200
        await fake_slack.wait_for_responses(1)  # the app's call has started; Slack holds it
        server.process.terminate()
        await log_shows(server, "waiting up to 10 s for 1 answer(s) in flight")
        assert server.process.returncode is None
        fake_slack.release_responses()
        assert await asyncio.wait_for(server.process.wait(), WAIT) == 0
        assert fake_slack.responses_answered == 1
        assert "every answer in flight finished" in server.log()

    async def test_listener_goes_on_after_its_first_reply(
        self, server: AppProcess, slack: SlackSender, fake_slack: FakeSlack
    ) -> None:
        """A share posts, then deletes the private copy: both happen across a SIGTERM."""
        fake_slack.hold_responses()
        value = ShareRef(question="who is Hamada", today=dt.date(2024, 1, 1)).encode()
        assert value is not None
        await slack.click(SHARE_ACTION, value)
        await fake_slack.wait_for_responses(1)
        server.process.terminate()
        await log_shows(server, "in flight")
        fake_slack.release_responses()
        posts = await fake_slack.wait_for_responses(2)
        assert posts[1].body.get("delete_original") is True
        assert await asyncio.wait_for(server.process.wait(), WAIT) == 0


class TestSocketModeHealth:
    async def test_health_and_metrics_on_their_own_port(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """Socket Mode prints its health URL, answers /healthz, and counts its acks."""
        env = process_env(
            fake_slack, tmp_path, SLACK_APP_TOKEN=TEST_APP_TOKEN, SLACK_SIGNING_SECRET=""
        )
        app = await start_process(["socket"], env, tmp_path, ready="alliance-bot connected")
        try:
            (line,) = [x for x in app.early_lines if x.startswith("alliance-bot health on ")]
            port = int(line.rsplit(":", 1)[1])
            base = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as r:
                assert r.status == 200
                assert (await r.json())["ok"] is True
            sender = SlackSender("unused", "unused", fake_slack)
            await fake_slack.send_socket_request(
                "slash_commands", sender.command_form("who is Hamada")
            )
            await fake_slack.wait_for_responses(1)
            samples = await scrape_until(
                base, lambda s: value(s, "alliance_questions_total", status="answer") == 1
            )
            assert value(samples, "alliance_acks_total", mode="socket") == 1
        finally:
            assert await app.stop() == 0
