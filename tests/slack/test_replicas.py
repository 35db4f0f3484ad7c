"""Three real `alliance-bot serve` replicas on one real PostgreSQL database, with one stand-in
Slack: whichever replica Slack (or someone replaying a captured request) reaches, each delivery is
answered once, and stats count the questions every replica answered.

The three processes start once for the module (in parallel) and every test talks to them; each
test uses its own ids, questions and response URLs, so the tests do not depend on each other's
order.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio

from alliance_bot.slack.render.answers import SHARE_ACTION, ShareRef
from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.chat import ADMIN, Chat
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.postgres import PostgresCluster
from alliance_bot.testing.slack_requests import FORM, SlackSender

# One pytest-xdist worker runs the whole module (`--dist loadgroup`), so the three replicas start
# once, not once per worker the tests are spread over.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.xdist_group("replicas"),
]

REPLICAS = 3


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fake() -> AsyncIterator[FakeSlack]:
    """One stand-in Slack that all replicas talk to."""
    async with FakeSlack.running() as fake:
        yield fake


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def replicas(
    fake: FakeSlack,
    postgres_cluster: PostgresCluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[list[AppProcess]]:
    """Three `serve` processes, each in its own working directory, sharing one PostgreSQL
    database. They share the snapshot cache only to start faster on a busy CI machine: the
    first loads and caches the knowledge base, the other two start together from the cache."""
    name = f"replicas_{uuid.uuid4().hex[:8]}"
    url = postgres_cluster.create_database(name)
    cache = tmp_path_factory.mktemp("replica-cache")
    homes = [tmp_path_factory.mktemp(f"replica{n}") for n in range(1, REPLICAS + 1)]

    def start(home: Path) -> Awaitable[AppProcess]:
        env = process_env(
            fake,
            home,
            ALLIANCE_DATABASE_URL=url,
            ALLIANCE_ADMINS=ADMIN,
            ALLIANCE_CACHE_DIR=str(cache),
        )
        return start_process(
            ["serve", "--host", "127.0.0.1", "--port", "0"],
            env,
            home,
            ready="alliance-bot listening on",
        )

    started: list[AppProcess | BaseException] = []
    started += await asyncio.gather(start(homes[0]), return_exceptions=True)
    started += await asyncio.gather(*(start(h) for h in homes[1:]), return_exceptions=True)
    apps = [app for app in started if isinstance(app, AppProcess)]
    try:
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        yield apps
    finally:
        await asyncio.gather(*(app.stop() for app in apps), return_exceptions=True)
        postgres_cluster.drop_database(name)


@pytest.fixture
def senders(replicas: list[AppProcess], fake: FakeSlack) -> list[SlackSender]:
    """A signed-request sender per replica."""
    return [SlackSender(f"{app.url}/slack/events", TEST_SIGNING_SECRET, fake) for app in replicas]


def _thread_replies(fake: FakeSlack, thread_ts: str) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in fake.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == thread_ts
    ]


def _responses(fake: FakeSlack, response_id: str) -> list[dict[str, object]]:
    return [dict(r.body) for r in fake.responses if r.id == response_id]


async def _answered_everywhere(senders: list[SlackSender], fake: FakeSlack) -> None:
    """A fresh question to every replica, answered: anything sent to a replica before it (a
    duplicate the guard let through) has been acknowledged and answered by now too."""
    ids = []
    for sender in senders:
        response_id = f"sentinel-{uuid.uuid4().hex[:8]}"
        form = sender.command_form("what is the MLR", response_url=fake.response_url(response_id))
        assert (await sender.post(urlencode(form), FORM)).status == 200
        ids.append(response_id)
    await fake.wait_until(lambda: all(_responses(fake, i) for i in ids))


class TestOneAnswerPerDelivery:
    async def test_same_event_to_two_replicas_gets_one_reply(
        self, senders: list[SlackSender], fake: FakeSlack
    ) -> None:
        """Slack's redelivery of a mention reaching another replica, at the same moment as the
        first delivery, is acknowledged there and dropped: one reply in the thread."""
        ts = f"1700001{uuid.uuid4().int % 1000:03d}.000100"
        event = senders[0].mention("who is Hamada", ts=ts)
        event_id = f"Ev{uuid.uuid4().hex[:10].upper()}"
        first, second = await asyncio.gather(
            senders[0].event(event, event_id=event_id),
            senders[1].event(event, event_id=event_id, retry_num=1),
        )
        assert (first.status, second.status) == (200, 200)
        await fake.wait_until(lambda: bool(_thread_replies(fake, ts)))
        await _answered_everywhere(senders, fake)
        replies = _thread_replies(fake, ts)
        assert len(replies) == 1
        assert "Hamada" in replies[0]

    async def test_replayed_slash_command_on_another_replica_gets_one_answer(
        self, senders: list[SlackSender], fake: FakeSlack
    ) -> None:
        """The very same signed request (body, timestamp, signature), captured from replica 1
        and replayed on replica 2 and then 3, is answered once."""
        response_id = f"replay-{uuid.uuid4().hex[:8]}"
        body = urlencode(
            senders[0].command_form("who is Hamada", response_url=fake.response_url(response_id))
        )
        stamp = int(time.time())  # one timestamp: the replays carry the same signature
        sent = await senders[0].post(body, FORM, timestamp=stamp)
        assert sent.status == 200
        await fake.wait_until(lambda: bool(_responses(fake, response_id)))
        for replica in senders[1:]:
            replayed = await replica.post(body, FORM, timestamp=stamp)
            assert replayed.status == 200
        await _answered_everywhere(senders, fake)
        [answer] = _responses(fake, response_id)
        assert "Hamada" in str(answer["text"])

    async def test_replayed_share_click_on_another_replica_posts_once(
        self, senders: list[SlackSender], fake: FakeSlack
    ) -> None:
        """A Share-in-channel click replayed on the other two replicas posts to the channel
        once (and removes the private copy once)."""
        value = ShareRef(question="who is Kishida").encode()
        assert value is not None
        response_id = f"share-{uuid.uuid4().hex[:8]}"
        body = senders[0].click_body(SHARE_ACTION, value, response_id=response_id)
        for sender in senders:
            assert (await sender.post(body, FORM)).status == 200
        await fake.wait_until(lambda: len(_responses(fake, response_id)) >= 2)
        await _answered_everywhere(senders, fake)
        posts = _responses(fake, response_id)
        shared = [p for p in posts if p.get("response_type") == "in_channel"]
        deleted = [p for p in posts if p.get("delete_original")]
        assert len(shared) == 1
        assert "Kishida" in str(shared[0]["text"])
        assert len(deleted) == 1
        assert len(posts) == 2


class TestStatsForTheCluster:
    async def test_stats_on_one_replica_count_questions_asked_on_all_three(
        self, replicas: list[AppProcess], senders: list[SlackSender], fake: FakeSlack
    ) -> None:
        """A question about the same entry asked once on each replica: `/alliance stats` on any
        one of them counts it three times (the counts live in the shared database)."""
        chats = [Chat(s, fake, app) for s, app in zip(senders, replicas, strict=True)]
        for chat in chats:
            answer = await chat.command("what is CULCON")
            assert "CULCON" in answer.text
        # Recording is asynchronous (a queue per replica): ask until all three are in.
        counted = 0
        for _ in range(200):
            stats = await chats[2].command("stats")
            match = re.search(r"\(`term-culcon`\) — (\d+)", stats.text)
            counted = int(match[1]) if match else 0
            if counted >= REPLICAS:
                break
        assert counted == REPLICAS, stats.text


async def _versions(replicas: list[AppProcess]) -> list[str]:
    """Each replica's `knowledge_version`, from its own `/readyz`."""
    found = []
    async with aiohttp.ClientSession() as session:
        for app in replicas:
            async with session.get(f"{app.url}/readyz") as response:
                assert response.status == 200, await response.text()
                found.append(str((await response.json())["knowledge_version"]))
    return found


async def _all_serve(replicas: list[AppProcess], version: str) -> None:
    """Wait (a notice or a poll away; at most 60 s on a busy machine) until every replica
    serves `version`."""
    async with asyncio.timeout(60):
        while await _versions(replicas) != [version] * len(replicas):  # noqa: ASYNC110
            await asyncio.sleep(0.1)  # the state is in other processes, over HTTP


class TestOneKnowledgeBaseForTheCluster:
    async def test_alias_on_one_replica_then_rollback_on_another_reach_all_three(
        self, replicas: list[AppProcess], senders: list[SlackSender], fake: FakeSlack
    ) -> None:
        """An alias added on replica 1 is a new version every replica serves and answers by;
        a rollback sent to replica 2 takes all three back. The replies count the replicas."""
        chats = [Chat(s, fake, app) for s, app in zip(senders, replicas, strict=True)]
        [before] = set(await _versions(replicas))
        phrase = f"the cluster shogun {uuid.uuid4().hex[:6]}"
        assert "Hamada Yasukazu" not in (await chats[2].command(f"who is {phrase}")).text
        added = await chats[0].command(f"alias hamada-yasukazu = {phrase}")
        assert "Added" in added.text, added.text
        aliased = (await _versions(replicas[:1]))[0]
        assert aliased != before
        # The reply waits a few seconds for the others, then counts who serves it so far.
        counted = re.search(rf"(\d) replicas? now answers? from version {aliased}", added.text)
        assert counted is not None, added.text
        assert 1 <= int(counted[1]) <= REPLICAS
        await _all_serve(replicas, aliased)
        for chat in chats:
            assert "Hamada Yasukazu" in (await chat.command(f"who is {phrase}")).text
        rolled = await chats[1].command("rollback")
        assert f"`{aliased}` → `{before}`" in rolled.text, rolled.text
        await _all_serve(replicas, before)
        assert "Hamada Yasukazu" not in (await chats[0].command(f"who is {phrase}")).text
