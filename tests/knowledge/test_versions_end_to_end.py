"""The knowledge base versions in the database, through real `alliance-bot serve` replicas.

Each replica has its own copy of the knowledge directory (as separate images would) and all share
one real PostgreSQL database: a refresh on one reaches the other (NOTIFY, and the poll behind it),
a rollback reaches both and survives a restart, a replica started later serves the database's
version rather than its own copy, and an alias added from Slack is a version of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from alliance_bot.knowledge.store import KnowledgeStore
from alliance_bot.state import Database, parse_database_url
from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.sample_kb import write_sample_kb
from alliance_bot.testing.slack_requests import FORM, SlackSender

pytestmark = pytest.mark.slow

ADMIN = "U0ADMIN001"
ASKER = "U0ASKER001"
# Generous: this bounds how long a broken propagation takes to fail, it measures nothing (the
# time a refresh takes to reach every replica is in bench/).
PATIENCE = 60.0

NEW_TERM = """  - id: term-osprey
    term: Osprey
    definition: A tilt-rotor aircraft flown by the Marines and the Air Force.
    aliases: []
    sources:
      - file: seeds/900_sample.txt
        evidence: "Japan grounded its 14 Ospreys"
"""


@dataclass
class Replica:
    """One running `alliance-bot serve` with its own knowledge directory."""

    name: str
    process: AppProcess
    kb_dir: Path
    sender: SlackSender

    async def ready(self) -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.process.url}/readyz") as response,
        ):
            assert response.status == 200, await response.text()
            body: dict[str, Any] = await response.json()
            return body

    async def version(self) -> str:
        return str((await self.ready())["knowledge_version"])


class Cluster:
    """Replicas on one database, each started from its own copy of the sample base."""

    def __init__(self, fake: FakeSlack, root: Path, database_url: str) -> None:
        self.fake = fake
        self.root = root
        self.database_url = database_url
        self.stack = AsyncExitStack()
        self._replies = 0

    async def start(self, name: str, kb_dir: Path | None = None) -> Replica:
        home = self.root / name
        home.mkdir(exist_ok=True)
        kb = kb_dir or write_sample_kb(home / "image")
        env = process_env(
            self.fake,
            home,
            ALLIANCE_ADMINS=ADMIN,
            ALLIANCE_KNOWLEDGE_DIR=str(kb),
            ALLIANCE_DATABASE_URL=self.database_url,
        )
        process = await start_process(
            ["serve", "--host", "127.0.0.1", "--port", "0"],
            env,
            home,
            ready="alliance-bot listening on",
        )
        self.stack.push_async_callback(process.stop)
        sender = SlackSender(f"{process.url}/slack/events", TEST_SIGNING_SECRET, self.fake)
        return Replica(name, process, kb, sender)

    async def command(self, replica: Replica, text: str, *, user: str = ADMIN) -> str:
        """`/alliance TEXT` sent, signed, to `replica`; the text of its reply."""
        self._replies += 1
        response_id = f"reply-{self._replies}"
        form = replica.sender.command_form(
            text, user_id=user, response_url=self.fake.response_url(response_id)
        )
        sent = await replica.sender.post(urlencode(form), FORM)
        assert sent.status == 200, sent.body
        await self.fake.wait_until(
            lambda: any(r.id == response_id for r in self.fake.responses), timeout=PATIENCE
        )
        body = next(r for r in self.fake.responses if r.id == response_id).body
        return "\n".join(
            [str(body.get("text", ""))]
            + [b["text"]["text"] for b in body.get("blocks", []) if b.get("type") == "section"]
        )


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait until `check()` holds (a notice or a poll away); fail after PATIENCE seconds."""
    async with asyncio.timeout(PATIENCE):
        while not await check():  # noqa: ASYNC110 - the state is in another process, over HTTP
            await asyncio.sleep(0.1)


@pytest.fixture
async def cluster(
    fake_slack: FakeSlack, tmp_path: Path, postgres_url: str
) -> AsyncIterator[Cluster]:
    cluster = Cluster(fake_slack, tmp_path, postgres_url)
    async with cluster.stack:
        yield cluster


def add_osprey_term(kb_dir: Path) -> None:
    with (kb_dir / "terms.yaml").open("a", encoding="utf-8") as terms:
        terms.write(NEW_TERM)


def stored_versions(database_url: str) -> list[tuple[str, str]]:
    database = Database.open(parse_database_url(database_url))
    try:
        return [(v.version, v.approved_by) for v in KnowledgeStore(database).versions()]
    finally:
        database.dispose()


class TestRefreshReachesEveryReplica:
    async def test_refresh_on_one_replica_is_served_by_the_other(self, cluster: Cluster) -> None:
        """A refresh on replica 1 stores the version; replica 2 (whose own copy never changed)
        serves it too, by /readyz and by its answer, and the reply counts both."""
        one = await cluster.start("one")
        two = await cluster.start("two")
        first = await one.version()
        assert await two.version() == first
        assert stored_versions(cluster.database_url) == [(first, "image")]

        add_osprey_term(one.kb_dir)
        reply = await cluster.command(one, "refresh")
        refreshed = await one.version()
        assert refreshed != first
        assert f"`{first}` → `{refreshed}`" in reply
        assert f"2 replicas now answer from version {refreshed}" in reply

        async def two_serves_it() -> bool:
            return await two.version() == refreshed

        await eventually(two_serves_it)
        answer = await cluster.command(two, "what is Osprey", user=ASKER)
        assert "tilt-rotor" in answer
        assert stored_versions(cluster.database_url)[0] == (refreshed, ADMIN)

    async def test_rollback_reaches_both_and_survives_a_restart(self, cluster: Cluster) -> None:
        """A rollback sent to replica 2 undoes replica 1's refresh everywhere; replica 1,
        restarted from its edited copy, still serves the rolled-back version."""
        one = await cluster.start("one")
        two = await cluster.start("two")
        first = await one.version()
        add_osprey_term(one.kb_dir)
        await cluster.command(one, "refresh")
        refreshed = await one.version()

        async def two_serves_refreshed() -> bool:
            return await two.version() == refreshed

        await eventually(two_serves_refreshed)
        reply = await cluster.command(two, "rollback")
        assert f"`{refreshed}` → `{first}`" in reply
        assert f"2 replicas now answer from version {first}" in reply

        async def one_serves_first() -> bool:
            return await one.version() == first

        await eventually(one_serves_first)
        await one.process.stop()
        again = await cluster.start("one", kb_dir=one.kb_dir)  # its copy still has the term
        assert await again.version() == first
        answer = await cluster.command(again, "what is Osprey", user=ASKER)
        assert "tilt-rotor" not in answer

    async def test_rollback_to_a_version_by_prefix(self, cluster: Cluster) -> None:
        """`rollback VERSION-PREFIX` returns to any stored version, not only the previous one."""
        one = await cluster.start("one")
        first = await one.version()
        add_osprey_term(one.kb_dir)
        await cluster.command(one, "refresh")
        (one.kb_dir / "facts.yaml").write_text("facts: []\n", encoding="utf-8")
        await cluster.command(one, "refresh")
        assert len(stored_versions(cluster.database_url)) == 3
        reply = await cluster.command(one, f"rollback {first[:6]}")
        assert f"→ `{first}`" in reply
        assert await one.version() == first
        unknown = await cluster.command(one, "rollback 0000000")
        assert "no stored version starts with '0000000'" in unknown
        assert await one.version() == first

    async def test_a_replica_started_later_serves_the_database_version(
        self, cluster: Cluster
    ) -> None:
        """A replica started after a refresh, from an image without the change, serves the
        refreshed version and answers with the changed entry."""
        one = await cluster.start("one")
        add_osprey_term(one.kb_dir)
        await cluster.command(one, "refresh")
        refreshed = await one.version()
        later = await cluster.start("later")
        assert "term-osprey" not in (later.kb_dir / "terms.yaml").read_text(encoding="utf-8")
        assert await later.version() == refreshed
        answer = await cluster.command(later, "what is Osprey", user=ASKER)
        assert "tilt-rotor" in answer


class TestAliasesAreVersions:
    async def test_alias_reaches_the_other_replica_and_survives_a_redeploy(
        self, cluster: Cluster
    ) -> None:
        """An alias added on replica 1 is a new stored version that replica 2 serves; replicas
        redeployed from the original image (no alias in their files) still answer by it."""
        one = await cluster.start("one")
        two = await cluster.start("two")
        before = await one.version()
        unknown = await cluster.command(two, "who is the quiet shogun", user=ASKER)
        assert "Hamada Yasukazu" not in unknown  # answered only once the alias is there
        reply = await cluster.command(one, "alias hamada-yasukazu = the quiet shogun")
        assert "Added" in reply, reply
        aliased = await one.version()
        assert aliased != before
        assert "2 replicas now answer from version" in reply
        assert "quiet shogun" not in (one.kb_dir / "people.yaml").read_text("utf-8")
        versions = stored_versions(cluster.database_url)
        assert versions[0] == (aliased, ADMIN)

        async def two_serves_it() -> bool:
            return await two.version() == aliased

        await eventually(two_serves_it)
        await one.process.stop()
        await two.process.stop()
        redeployed = await cluster.start("redeployed")
        assert await redeployed.version() == aliased
        answer = await cluster.command(redeployed, "who is the quiet shogun", user=ASKER)
        assert "Hamada Yasukazu" in answer
