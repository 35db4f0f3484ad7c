"""Migration 0005 on both engines: a database at revision 0004 (and the SQLite file from before
Alembic) upgrades in place, its rows become the single workspace's, two workspaces' rows then
stay apart, and slack-sdk's stores work on the tables the migration made."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from pathlib import Path

from alembic import command
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import MetaData, inspect, text

from alliance_bot.admin.settings import SqlSettingsStore
from alliance_bot.admin.state import SqlAdminState
from alliance_bot.config import Settings
from alliance_bot.daily.state import SqlPostState
from alliance_bot.slack.installations import Installations
from alliance_bot.state import Database, DatabaseUrl
from alliance_bot.state.database import _alembic_config, _postgres_engine, _sqlite_engine
from alliance_bot.state.workspace import SINGLE_WORKSPACE, WorkspaceKey, in_workspace

LEGACY_FILE = Path(__file__).parents[1] / "data" / "state-before-alembic.sqlite3"
DAY = dt.date(2024, 3, 10)
AT = dt.datetime(2024, 3, 10, 9, 0, tzinfo=dt.UTC)
OTHER = WorkspaceKey(team_id="T0OTHER01")


def at_0004(url: DatabaseUrl) -> None:
    """Bring an empty database to revision 0004 and write rows the way 0004's schema held them."""
    engine = (
        _sqlite_engine(url.target, 10) if url.dialect == "sqlite" else _postgres_engine(url.target)
    )
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "0004")
        finally:
            config.attributes.pop("connection", None)
        connection.execute(
            text(
                "INSERT INTO daily_posts (channel, local_date, status, owner, first_claimed_at, "
                "ts, kind, entry_ids, done_at) VALUES ('C1', '2024-03-10', 'posted', 'p', "
                "'2024-03-10T09:00:00.000000+00:00', '1710061200.000100', 'events', 'e1', "
                "'2024-03-10T09:00:01.000000+00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO archive_shown (channel, cycle, entry_id, local_date) "
                "VALUES ('C1', 0, 'e1', '2024-03-10')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO unanswered_questions (normalized, text, count, first_asked, "
                "last_asked, suggestions) VALUES ('zzyzx', 'zzyzx?', 1, "
                "'2024-03-10T09:00:00.000000+00:00', '2024-03-10T09:00:00.000000+00:00', '')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO unanswered_daily (normalized, day, count) VALUES ('zzyzx', '2024-03-10', 1)"
            )
        )
        connection.execute(
            text("INSERT INTO questions_daily (day, answered, count) VALUES ('2024-03-10', 0, 1)")
        )
        connection.execute(
            text(
                "INSERT INTO workspace_settings (team_id, key, value) "
                "VALUES ('', 'timezone', '\"Asia/Tokyo\"')"
            )
        )
    engine.dispose()


class TestFromRevision0004:
    def test_rows_become_the_single_workspace_and_stay_apart(self, state_url: DatabaseUrl) -> None:
        """Every row of a 0004 database is the single workspace's after the upgrade; another
        workspace sees none of them, and its own rows do not show in the first's."""
        at_0004(state_url)
        database = Database.open(state_url)
        try:
            posts, admin = SqlPostState(database), SqlAdminState(database)
            settings = SqlSettingsStore(database)
            with in_workspace(SINGLE_WORKSPACE):
                assert [r.ts for r in posts.records("C1")] == ["1710061200.000100"]
                assert asyncio.run(posts.rotation("C1")).shown == frozenset({"e1"})
                assert [g.text for g in admin.gaps(since=DAY)] == ["zzyzx?"]
                assert admin.stats(since=DAY).asked == 1
                assert settings.load().timezone == "Asia/Tokyo"
            with in_workspace(OTHER):
                assert posts.records("C1") == []
                assert asyncio.run(posts.rotation("C1")).shown == frozenset()
                assert admin.gaps(since=DAY) == []
                assert admin.stats(since=DAY).asked == 0
                assert settings.load().timezone is None
                admin.record_question(at=AT, answered=False, gap=("other", "other?"))
                claim = asyncio.run(
                    posts.claim("C1", DAY, owner="o", now=AT, lease=dt.timedelta(minutes=5))
                )
                assert claim.status == "claimed"  # the same channel and day, another workspace
            with in_workspace(SINGLE_WORKSPACE):
                assert [g.text for g in admin.gaps(since=DAY)] == ["zzyzx?"]
        finally:
            database.dispose()

    def test_slack_sdk_stores_work_on_the_migrated_tables(self, state_url: DatabaseUrl) -> None:
        """The installation and OAuth-state tables match what slack-sdk declares, and its stores
        save, find and delete on them."""
        database = Database.open(state_url)
        try:
            ours = inspect(database.engine)
            sdk = MetaData()
            SQLAlchemyInstallationStore.build_installations_table(sdk, "slack_installations")
            SQLAlchemyInstallationStore.build_bots_table(sdk, "slack_bots")
            SQLAlchemyOAuthStateStore.build_oauth_states_table(sdk, "slack_oauth_states")
            for table in sdk.tables.values():
                columns = {c["name"]: c["nullable"] for c in ours.get_columns(table.name)}
                assert columns == {c.name: c.nullable for c in table.columns}, table.name
            store = SQLAlchemyInstallationStore(client_id="cid", engine=database.engine)
            bot = Bot(
                app_id="A1", team_id="T1", bot_token="xoxb-1", bot_id="B1", bot_user_id="U1",
                installed_at=AT.timestamp(),
            )  # fmt: skip
            store.save_bot(bot)
            found = store.find_bot(enterprise_id=None, team_id="T1")
            assert found is not None
            assert found.bot_token == "xoxb-1"
            settings = Settings(client_id="cid", client_secret="x", state_db=Path("unused"))
            listed = Installations(settings, database, client=_client()).installed()
            assert [i.workspace for i in listed] == [WorkspaceKey(team_id="T1")]
            store.delete_bot(enterprise_id=None, team_id="T1")
            assert store.find_bot(enterprise_id=None, team_id="T1") is None
        finally:
            database.dispose()


def _client() -> AsyncWebClient:
    """Nothing here calls Slack: a client pointing at a closed port."""
    return AsyncWebClient(base_url="http://127.0.0.1:9/api/")


class TestFromBeforeAlembic:
    def test_the_old_file_upgrades_to_the_single_workspace(self, tmp_path: Path) -> None:
        """The state file from before Alembic reaches 0005 with its rows in the single
        workspace and nothing in another."""
        path = tmp_path / "alliance-bot.db"
        shutil.copyfile(LEGACY_FILE, path)
        database = Database.sqlite(path)
        try:
            posts = SqlPostState(database)
            assert len(posts.records("C1")) == 2
            with in_workspace(OTHER):
                assert posts.records("C1") == []
            with database.transaction() as db:
                keys = db.execute(text("SELECT DISTINCT team_id FROM daily_posts")).scalars().all()
            assert keys == [""]
        finally:
            database.dispose()
