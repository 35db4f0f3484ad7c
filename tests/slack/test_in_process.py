"""The app built in-process with `build_app` + `build_web_app`, for what the real process cannot
be made to do on demand: a failing answer engine, the sub-command table, and Bolt's own parsing."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestServer
from slack_bolt.request.async_request import AsyncBoltRequest

from alliance_bot.answering.answer import Answer, line
from alliance_bot.config import Settings
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.app import build_app
from alliance_bot.slack.features import AnswerEngine, Subcommand, SubcommandRequest
from alliance_bot.slack.render.answers import render_notice, validate_message
from alliance_bot.slack.server import build_web_app, parse_slack_body
from alliance_bot.testing.app_process import TEST_BOT_TOKEN, TEST_SIGNING_SECRET
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import (
    CHANNEL_ID,
    FORM,
    USER_ID,
    SlackSender,
    signed_headers,
)

ADMIN = "U0ADMIN001"


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeHolder:
    """The shipped knowledge base, loaded once for this module."""
    return KnowledgeHolder.load(default_knowledge_dir())


def _settings(fake: FakeSlack, state_dir: Path) -> Settings:
    return Settings(
        bot_token=TEST_BOT_TOKEN,
        signing_secret=TEST_SIGNING_SECRET,
        api_url=fake.base_url,
        admins=frozenset({ADMIN}),
        state_db=state_dir / "state.db",
    )


def _echo(kb: KnowledgeBase, text: str, today: dt.date) -> Answer:
    return Answer(status="answer", question=text, statement=(line(f"echo {len(text)}"),))


def _failing(kb: KnowledgeBase, text: str, today: dt.date) -> Answer:
    raise RuntimeError("the engine broke")


def _failing_entry(kb: KnowledgeBase, entry_id: str) -> Answer:
    raise RuntimeError("the engine broke")


@dataclass
class InProcess:
    """An in-process app server and a sender signed for it."""

    slack: SlackSender
    calls: list[SubcommandRequest]


async def _serve(
    fake: FakeSlack, knowledge: KnowledgeHolder, engine: AnswerEngine, state_dir: Path
) -> AsyncIterator[InProcess]:
    calls: list[SubcommandRequest] = []

    async def stats(request: SubcommandRequest) -> None:
        calls.append(request)
        await request.respond(**render_notice(f"stats for {request.args}"))

    app = build_app(
        _settings(fake, state_dir),
        knowledge=knowledge,
        engine=engine,
        clock=lambda: dt.datetime(2024, 1, 2, 12, tzinfo=dt.UTC),
        subcommands={"stats": Subcommand(stats, admin_only=True, summary="usage figures")},
    )
    web_app = build_web_app(app, knowledge=knowledge, signing_secret=TEST_SIGNING_SECRET)
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url("/slack/events"))
        yield InProcess(SlackSender(url, TEST_SIGNING_SECRET, fake), calls)
    finally:
        await server.close()


@pytest.fixture
async def failing_app(
    fake_slack: FakeSlack, knowledge: KnowledgeHolder, tmp_path: Path
) -> AsyncIterator[InProcess]:
    """The app with an answer engine that always raises."""
    engine = AnswerEngine(answer=_failing, answer_entry=_failing_entry)
    async for running in _serve(fake_slack, knowledge, engine, tmp_path):
        yield running


@pytest.fixture
async def echo_app(
    fake_slack: FakeSlack, knowledge: KnowledgeHolder, tmp_path: Path
) -> AsyncIterator[InProcess]:
    """The app with an engine that answers `echo <length of the question>`."""
    engine = AnswerEngine(
        answer=_echo, answer_entry=lambda kb, entry_id: _echo(kb, entry_id, dt.date.today())
    )
    async for running in _serve(fake_slack, knowledge, engine, tmp_path):
        yield running


class TestHandlerFailure:
    async def test_command_failure_apologises_and_logs(
        self, failing_app: InProcess, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An engine error in /alliance is logged with its traceback; the user gets an apology."""
        caplog.set_level(logging.ERROR)
        # Bolt alone would reset the ack of a listener that fails fast and answer 404 after 3 s;
        # the ack comes while the apology is held, so before it.
        async with fake_slack.replies_held():
            sent = await failing_app.slack.command("who is Hamada")
        assert sent.status == 200
        (post,) = await fake_slack.wait_for_responses(1)
        validate_message(dict(post.body))
        assert post.body["text"].startswith("Sorry")
        assert post.body["response_type"] == "ephemeral"
        (record,) = [r for r in caplog.records if "Handler failed" in r.getMessage()]
        assert record.exc_info is not None
        assert "the engine broke" in str(record.exc_info[1])
        assert "command /alliance" in record.getMessage()
        assert TEST_BOT_TOKEN not in caplog.text

    async def test_mention_failure_apologises_in_thread(
        self, failing_app: InProcess, fake_slack: FakeSlack
    ) -> None:
        """An engine error on a mention is answered with an apology in the thread."""
        slack = failing_app.slack
        await slack.event(slack.mention("who is Hamada", ts="1700000100.000200"))
        (call,) = await fake_slack.wait_for_calls("chat.postMessage")
        assert call.params["thread_ts"] == "1700000100.000200"
        assert call.params["text"].startswith("Sorry")

    async def test_button_failure_apologises(
        self, failing_app: InProcess, fake_slack: FakeSlack
    ) -> None:
        """An engine error on a suggestion click is answered with an apology."""
        async with fake_slack.replies_held():  # acked before the apology is delivered
            sent = await failing_app.slack.click("alliance_suggest_0", "hamada-yasukazu")
        assert sent.status == 200
        (post,) = await fake_slack.wait_for_responses(1)
        assert post.body["text"].startswith("Sorry")


class TestSubcommands:
    async def test_admin_runs_subcommand(self, echo_app: InProcess, fake_slack: FakeSlack) -> None:
        """`/alliance stats last week` from an admin reaches the registered handler."""
        await echo_app.slack.command("stats last week", user_id=ADMIN)
        (post,) = await fake_slack.wait_for_responses(1)
        assert post.body["text"] == "stats for last week"
        (request,) = echo_app.calls
        assert (request.name, request.args, request.is_admin) == ("stats", "last week", True)
        assert request.channel_id == CHANNEL_ID

    async def test_non_admin_is_refused(self, echo_app: InProcess, fake_slack: FakeSlack) -> None:
        """An admin sub-command from anyone else gets a refusal, and the handler never runs."""
        await echo_app.slack.command("STATS", user_id=USER_ID)
        (post,) = await fake_slack.wait_for_responses(1)
        assert "admins" in post.body["text"]
        assert echo_app.calls == []

    async def test_other_words_are_questions(
        self, echo_app: InProcess, fake_slack: FakeSlack
    ) -> None:
        """A first word that is not a sub-command is part of the question."""
        await echo_app.slack.command("statistics of the alliance")
        (post,) = await fake_slack.wait_for_responses(1)
        assert post.body["text"] == f"echo {len('statistics of the alliance')}"


class TestAnswerInTheAck:
    async def test_a_short_question_is_answered_in_the_ack(
        self, echo_app: InProcess, fake_slack: FakeSlack
    ) -> None:
        """The answer comes back as the ack's body, ephemeral: no response_url post."""
        sent = await echo_app.slack.command("who is Hamada")
        assert sent.status == 200
        message = json.loads(sent.body)
        assert message["response_type"] == "ephemeral"
        assert message["text"] == f"echo {len('who is Hamada')}"
        validate_message({"text": message["text"], "blocks": message["blocks"]})
        (reply,) = fake_slack.responses
        assert reply.immediate

    async def test_an_answer_past_the_budget_is_posted_after_an_empty_ack(
        self, fake_slack: FakeSlack, knowledge: KnowledgeHolder, tmp_path: Path
    ) -> None:
        """A long question whose answer is not ready when the ack is due: the ack is empty,
        and the answer follows through the response_url once the engine is done."""
        release = threading.Event()

        def held(kb: KnowledgeBase, text: str, today: dt.date) -> Answer:
            release.wait(30)  # released by the test once the ack is in
            return _echo(kb, text, today)

        engine = AnswerEngine(answer=held, answer_entry=_failing_entry)
        question = "what did the two defence ministers agree on at their last meeting in Tokyo"
        async for running in _serve(fake_slack, knowledge, engine, tmp_path):
            try:
                sent = await running.slack.command(question)
            finally:
                release.set()
            assert (sent.status, sent.body) == (200, "")
            (post,) = await fake_slack.wait_for_responses(1)
            assert not post.immediate
            assert post.body["response_type"] == "ephemeral"
            assert post.body["text"] == f"echo {len(question)}"


class TestPayloadPitfall:
    async def test_bolt_alone_misroutes_the_word_payload(self, fake_slack: FakeSlack) -> None:
        """Bolt's own body parsing turns a slash command mentioning "payload" into {}, which no
        listener can answer; this is why `server.py` parses the body itself."""
        sender = SlackSender("unused", TEST_SIGNING_SECRET, fake_slack)
        raw = urlencode(sender.command_form("what is the payload"))
        headers: dict[str, str | Sequence[str]] = {**signed_headers(TEST_SIGNING_SECRET, raw, FORM)}
        assert AsyncBoltRequest(body=raw, headers=headers).body == {}
        assert parse_slack_body(raw, FORM)["text"] == "what is the payload"

    def test_parse_slack_body(self) -> None:
        """Our parser reads a form field named payload as interactivity, anything else as a
        slash command."""
        assert parse_slack_body("text=payload&command=%2Falliance", FORM) == {
            "text": "payload",
            "command": "/alliance",
        }
        assert parse_slack_body("payload=%7B%22type%22%3A%22x%22%7D", FORM) == {"type": "x"}
        assert parse_slack_body('{"type":"event_callback"}', "application/json") == {
            "type": "event_callback"
        }
