"""Installs in several workspaces, through the real `alliance-bot serve`: Bolt's OAuth flow against
the stand-in Slack (`oauth.v2.access`, `auth.test` per token), the installations in the state
database (SQLite and PostgreSQL), each workspace answered with its own token, its own gaps,
stats and settings, and `app_uninstalled` forgetting one workspace and not the other."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from alliance_bot.state import Database, DatabaseUrl
from alliance_bot.state.schema import daily_posts, slack_bots
from alliance_bot.testing.app_process import (
    TEST_SIGNING_SECRET,
    AppProcess,
    process_env,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import FORM, SlackSender

pytestmark = pytest.mark.slow

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "test-client-secret-4d2a"
TEAM_A, TEAM_B = "T0ALPHA001", "T0BRAVO002"
INSTALLER_A, INSTALLER_B = "U0ALPHAADM", "U0BRAVOADM"
STATE_COOKIE = "slack-app-oauth-state"
UNANSWERED = "what is the zzyzx protocol"


def oauth_env(fake: FakeSlack, tmp_path: Path, url: DatabaseUrl) -> dict[str, str]:
    where = (
        {"ALLIANCE_STATE_DB": url.target}
        if url.dialect == "sqlite"
        else {"ALLIANCE_DATABASE_URL": url.target}
    )
    return process_env(
        fake,
        tmp_path,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        ALLIANCE_ADMINS=f"{INSTALLER_A},{INSTALLER_B}",
        **where,
    )


@pytest.fixture
async def server(
    fake_slack: FakeSlack, tmp_path: Path, state_url: DatabaseUrl
) -> AsyncIterator[AppProcess]:
    app = await start_process(
        ["serve", "--host", "127.0.0.1", "--port", "0"],
        oauth_env(fake_slack, tmp_path, state_url),
        tmp_path,
        ready="alliance-bot listening on",
    )
    try:
        yield app
    finally:
        await app.stop()


@dataclass
class Started:
    """What `/slack/install` handed the browser: where to go, and the state cookie."""

    status: int
    location: str
    state: str
    cookie: str


async def start_install(server: AppProcess) -> Started:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.url}/slack/install", allow_redirects=False) as response,
    ):
        location = response.headers.get("Location", "")
        morsel = response.cookies.get(STATE_COOKIE)
        cookie = morsel.value if morsel is not None else ""
        query = parse_qs(urlsplit(location).query)
        return Started(response.status, location, query.get("state", [""])[0], cookie)


async def finish_install(
    server: AppProcess, *, code: str, state: str, cookie: str
) -> tuple[int, str]:
    """The browser coming back from Slack's consent page (cookie sent as a browser would)."""
    query = urlencode({"code": code, "state": state})
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{server.url}/slack/oauth_redirect?{query}",
            headers={"Cookie": f"{STATE_COOKIE}={cookie}"},
            allow_redirects=False,
        ) as response,
    ):
        return response.status, await response.text()


async def install(server: AppProcess, fake: FakeSlack, team: str, installer: str) -> None:
    started = await start_install(server)
    code = fake.authorization_code(team, installer=installer)
    status, page = await finish_install(
        server, code=code, state=started.state, cookie=started.cookie
    )
    assert status == 200, page


def sender(server: AppProcess, fake: FakeSlack) -> SlackSender:
    return SlackSender(f"{server.url}/slack/events", TEST_SIGNING_SECRET, fake)


async def command(
    slack: SlackSender, fake: FakeSlack, text: str, *, team: str, user: str, channel: str
) -> str:
    """`/alliance text` from `user` in `team`; the text of the reply."""
    form = slack.command_form(text, team_id=team, user_id=user, channel_id=channel)
    before = len(fake.responses)
    sent = await slack.post(urlencode(form), FORM)
    assert sent.status == 200
    if sent.body.strip():  # answered in the acknowledgement itself
        return sent.body
    await fake.wait_for_responses(before + 1)
    return str(fake.responses[-1].body)


class TestInstall:
    async def test_install_redirects_to_slack_with_a_state(
        self, server: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """`/slack/install` sends the browser to Slack's consent page with a state and the
        client id, and sets the same state as a cookie."""
        started = await start_install(server)
        assert started.status == 302
        assert started.location.startswith(fake_slack.root_url + "/oauth/v2/authorize?")
        query = parse_qs(urlsplit(started.location).query)
        assert query["client_id"] == [CLIENT_ID]
        assert "chat:write" in query["scope"][0].split(",")
        assert started.state
        assert started.cookie == started.state

    async def test_redirect_stores_the_installation_and_its_token_answers(
        self, server: AppProcess, fake_slack: FakeSlack, state_url: DatabaseUrl
    ) -> None:
        """The code is exchanged through the stand-in's oauth.v2.access, the installation is
        stored, and a mention from that team is answered with that team's token."""
        await install(server, fake_slack, TEAM_A, INSTALLER_A)
        exchange = fake_slack.calls_to("oauth.v2.access")
        assert len(exchange) == 1
        assert exchange[0].client_credentials == (CLIENT_ID, CLIENT_SECRET)
        database = Database.open(state_url)
        try:
            with database.transaction() as db:
                teams = db.execute(select(slack_bots.c.team_id)).scalars().all()
        finally:
            database.dispose()
        assert teams == [TEAM_A]
        [token] = fake_slack.tokens_of(TEAM_A)

        slack = sender(server, fake_slack)
        sent = await slack.event(slack.mention("who is Hamada"), team_id=TEAM_A)
        assert sent.status == 200
        [posted] = await fake_slack.wait_for_calls("chat.postMessage", 1)
        assert posted.token == token
        assert "Hamada" in str(posted.params["blocks"])

    async def test_stops_cleanly_after_an_install(
        self, server: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """SIGTERM still stops the server with status 0 once the installation store (an async
        engine of its own) has been used."""
        await install(server, fake_slack, TEAM_A, INSTALLER_A)
        assert await server.stop() == 0

    async def test_a_reused_state_is_refused(
        self, server: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """A state works once: the second redirect with it installs nothing."""
        started = await start_install(server)
        code = fake_slack.authorization_code(TEAM_A, installer=INSTALLER_A)
        status, _ = await finish_install(
            server, code=code, state=started.state, cookie=started.cookie
        )
        assert status == 200
        again = fake_slack.authorization_code(TEAM_B, installer=INSTALLER_B)
        status, _ = await finish_install(
            server, code=again, state=started.state, cookie=started.cookie
        )
        assert status >= 400
        assert len(fake_slack.calls_to("oauth.v2.access")) == 1
        assert fake_slack.tokens_of(TEAM_B) == []

    async def test_a_wrong_state_is_refused(
        self, server: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """A state the app never issued is refused, even with a cookie that matches it."""
        code = fake_slack.authorization_code(TEAM_A, installer=INSTALLER_A)
        forged = "0d6d5c86-7a35-4b0c-9a53-b0e1f2a3c4d5"
        status, _ = await finish_install(server, code=code, state=forged, cookie=forged)
        assert status >= 400
        assert fake_slack.calls_to("oauth.v2.access") == []


class TestTokenRotation:
    async def test_an_expiring_token_is_rotated_before_it_is_used(
        self, server: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """With token rotation on, a token that expires within the refresh margin is exchanged
        once (oauth.v2.access, grant_type=refresh_token), and answers go out with the new one."""
        started = await start_install(server)
        code = fake_slack.authorization_code(
            TEAM_A, installer=INSTALLER_A, rotating=True, expires_in=600
        )
        status, _ = await finish_install(
            server, code=code, state=started.state, cookie=started.cookie
        )
        assert status == 200
        slack = sender(server, fake_slack)
        await slack.event(slack.mention("who is Hamada"), team_id=TEAM_A)
        posted = (await fake_slack.wait_for_calls("chat.postMessage", 1))[0]
        first, rotated = fake_slack.tokens_of(TEAM_A)
        assert posted.token == rotated
        await slack.event(slack.mention("who is Hamada", ts="1700000200.000300"), team_id=TEAM_A)
        calls = await fake_slack.wait_for_calls("chat.postMessage", 2)
        assert calls[-1].token == rotated
        refresh = [c for c in fake_slack.calls_to("oauth.v2.access") if c.params.get("grant_type")]
        assert [c.params["grant_type"] for c in refresh] == ["refresh_token"]
        assert first != rotated


class TestTwoWorkspaces:
    async def test_gaps_stats_and_settings_stay_in_their_workspace(
        self, server: AppProcess, fake_slack: FakeSlack
    ) -> None:
        """A question unanswered in A is in A's gaps, not B's; a setting made in B is B's."""
        fake_slack.set_user(INSTALLER_A, tz="Asia/Tokyo", team_id=TEAM_A)
        fake_slack.set_user(INSTALLER_B, tz="Europe/Paris", team_id=TEAM_B)
        await install(server, fake_slack, TEAM_A, INSTALLER_A)
        await install(server, fake_slack, TEAM_B, INSTALLER_B)
        slack = sender(server, fake_slack)
        ask = {"channel": "C0ALPHA001"}
        await command(slack, fake_slack, UNANSWERED, team=TEAM_A, user="U0ASKER001", **ask)
        gaps_a = await _eventually_contains(
            slack, fake_slack, "gaps", UNANSWERED, team=TEAM_A, user=INSTALLER_A
        )
        assert UNANSWERED in gaps_a
        gaps_b = await command(
            slack, fake_slack, "gaps", team=TEAM_B, user=INSTALLER_B, channel="C0BRAVO001"
        )
        assert UNANSWERED not in gaps_b
        stats_b = await command(
            slack, fake_slack, "stats", team=TEAM_B, user=INSTALLER_B, channel="C0BRAVO001"
        )
        stats_a = await command(
            slack, fake_slack, "stats", team=TEAM_A, user=INSTALLER_A, channel="C0ALPHA001"
        )
        assert stats_a != stats_b
        # Each installer's time zone became their workspace's.
        settings_a = await command(
            slack, fake_slack, "settings show", team=TEAM_A, user=INSTALLER_A, channel="C0ALPHA001"
        )
        settings_b = await command(
            slack, fake_slack, "settings show", team=TEAM_B, user=INSTALLER_B, channel="C0BRAVO001"
        )
        assert "Asia/Tokyo" in settings_a
        assert "Europe/Paris" not in settings_a
        assert "Europe/Paris" in settings_b

    async def test_uninstalling_one_leaves_the_other(
        self, server: AppProcess, fake_slack: FakeSlack, state_url: DatabaseUrl
    ) -> None:
        """`app_uninstalled` from A deletes A's installation; B still answers with its token."""
        await install(server, fake_slack, TEAM_A, INSTALLER_A)
        await install(server, fake_slack, TEAM_B, INSTALLER_B)
        slack = sender(server, fake_slack)
        sent = await slack.event({"type": "app_uninstalled"}, team_id=TEAM_A)
        assert sent.status == 200
        database = Database.open(state_url)
        try:
            deadline = time.monotonic() + 10
            while True:
                with database.transaction() as db:
                    teams = db.execute(select(slack_bots.c.team_id)).scalars().all()
                if teams == [TEAM_B] or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
        finally:
            database.dispose()
        assert teams == [TEAM_B]
        await slack.event(slack.mention("who is Hamada"), team_id=TEAM_B)
        [posted] = await fake_slack.wait_for_calls("chat.postMessage", 1)
        assert posted.token == fake_slack.tokens_of(TEAM_B)[0]
        # A reinstall of A starts cleanly: a new token, answered with it.
        await install(server, fake_slack, TEAM_A, INSTALLER_A)
        await slack.event(slack.mention("who is Hamada"), team_id=TEAM_A)
        calls = await fake_slack.wait_for_calls("chat.postMessage", 2)
        assert calls[-1].token == fake_slack.tokens_of(TEAM_A)[-1]
        assert len(fake_slack.tokens_of(TEAM_A)) == 2


class TestDailyPostPerWorkspace:
    async def test_each_workspace_posts_to_its_channel_with_its_token(
        self, server: AppProcess, fake_slack: FakeSlack, state_url: DatabaseUrl
    ) -> None:
        """Two workspaces with daily channels set from Slack, each at a time already past in its
        own zone: each gets its post, once, in its own channel, with its own token, recorded
        under its own workspace."""
        times = {}
        for zone in ("Asia/Tokyo", "America/New_York"):
            local = dt.datetime.now(ZoneInfo(zone))
            if local.time() < dt.time(0, 2):
                pytest.skip("a minute past local midnight: no time earlier today to post at")
            times[zone] = (local - dt.timedelta(minutes=1)).strftime("%H:%M")
        await install(server, fake_slack, TEAM_A, INSTALLER_A)
        await install(server, fake_slack, TEAM_B, INSTALLER_B)
        fake_slack.add_channel("C0ALPHA001", "alpha-daily")
        fake_slack.add_channel("C0BRAVO001", "bravo-daily")
        slack = sender(server, fake_slack)
        for team, user, channel, zone in (
            (TEAM_A, INSTALLER_A, "C0ALPHA001", "Asia/Tokyo"),
            (TEAM_B, INSTALLER_B, "C0BRAVO001", "America/New_York"),
        ):
            reply = await command(
                slack,
                fake_slack,
                f"settings daily <#{channel}|x> {times[zone]} {zone}",
                team=team,
                user=user,
                channel=channel,
            )
            assert channel in reply
        await fake_slack.wait_until(
            lambda: bool(fake_slack.posted("C0ALPHA001")) and bool(fake_slack.posted("C0BRAVO001"))
        )
        posts = {
            str(call.params["channel"]): call.token
            for call in fake_slack.calls_to("chat.postMessage")
        }
        assert posts == {
            "C0ALPHA001": fake_slack.tokens_of(TEAM_A)[0],
            "C0BRAVO001": fake_slack.tokens_of(TEAM_B)[0],
        }
        wanted = [(TEAM_A, "C0ALPHA001", "posted"), (TEAM_B, "C0BRAVO001", "posted")]
        rows: list[tuple[object, ...]] = []
        database = Database.open(state_url)
        try:
            # The server records "posted" once Slack's reply reaches it, just after the stand-in
            # saw the post: read until it has (or fail after 30 s).
            async with asyncio.timeout(30):
                while sorted(rows) != wanted:
                    with database.transaction() as db:
                        rows = [
                            tuple(r)
                            for r in db.execute(
                                select(
                                    daily_posts.c.team_id,
                                    daily_posts.c.channel,
                                    daily_posts.c.status,
                                )
                            ).all()
                        ]
                    if sorted(rows) != wanted:
                        await asyncio.sleep(0.1)
        finally:
            database.dispose()
        assert sorted(rows) == wanted


async def _eventually_contains(
    slack: SlackSender, fake: FakeSlack, text: str, wanted: str, *, team: str, user: str
) -> str:
    """Questions are counted by a background writer: ask until the reply shows `wanted`."""
    deadline = time.monotonic() + 10
    while True:
        reply = await command(slack, fake, text, team=team, user=user, channel="C0ALPHA001")
        if wanted in reply or time.monotonic() > deadline:
            return reply
        await asyncio.sleep(0.1)
