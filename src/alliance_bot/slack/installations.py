"""Installs in several workspaces: Bolt's OAuth flow on the state database, and each workspace's
bot token.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, `/slack/install` sends the installer to Slack with
a state (kept in `slack_oauth_states` for ten minutes, and in a cookie), and
`/slack/oauth_redirect` exchanges the code through `oauth.v2.access` at SLACK_API_URL, then keeps
the installation in slack-sdk's `AsyncSQLAlchemyInstallationStore`. Both stores are slack-sdk's
own, on an async engine over the same database as the rest of the state (aiosqlite for the SQLite
file, psycopg's async connection for PostgreSQL); their tables come from migration 0005, like
every other table, not from the stores' `create_tables`.

Every request is answered with its workspace's bot token (Bolt's `AsyncInstallationStoreAuthorize`,
which also rotates tokens that expire when the app has token rotation turned on), and
`bind_workspace` runs the rest of the request in that workspace (`state.workspace`), so what it
records lands there. Work that is not a request (the daily post, the admin check's `users.info`)
asks `Installations.bot_token` for the token of the workspace it works in, rotated the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from alliance_bot.config import Settings
from alliance_bot.slack.middleware import Middleware, Next
from alliance_bot.state import Database, DatabaseUrl
from alliance_bot.state.database import DEFAULT_BUSY_TIMEOUT, DEFAULT_CONNECT_TIMEOUT
from alliance_bot.state.schema import slack_bots, slack_installations
from alliance_bot.state.workspace import (
    SINGLE_WORKSPACE,
    WorkspaceKey,
    enter_workspace,
    in_workspace,
)

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600  # how long an install link stays good (Bolt's default)
# Refresh a rotating token this long before it expires (Bolt's default: two hours).
ROTATE_BEFORE_MINUTES = 120

# The bot scopes the features need, and why (the README's Scopes table says the same):
BOT_SCOPES = (
    "app_mentions:read",  # answer @alliance-bot mentions
    "channels:history",  # find today's post in a public daily channel before posting again
    "groups:history",  # the same in a private daily channel
    "channels:read",  # check a daily channel set from Slack exists (conversations.info)
    "groups:read",  # the same for a private channel
    "chat:write",  # post answers, threads and the daily post
    "commands",  # the /alliance command
    "im:history",  # answer direct messages
    "users:read",  # who is a workspace admin, and the installer's time zone (users.info)
)

InstallListener = Callable[[WorkspaceKey, str | None], Awaitable[None]]
"""Told of each new installation: the workspace and the installing user's id."""


@dataclass(frozen=True)
class Installed:
    """A workspace the app is installed in (the scheduler posts for each)."""

    workspace: WorkspaceKey
    installer: str | None


def async_engine(url: DatabaseUrl, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> AsyncEngine:
    """An async engine on the state database, for slack-sdk's async stores."""
    if url.dialect == "sqlite":
        from urllib.parse import quote

        return create_async_engine(
            "sqlite+aiosqlite:///" + quote(url.target), connect_args={"timeout": busy_timeout}
        )
    import psycopg

    target = url.target

    async def connect() -> psycopg.AsyncConnection[Any]:
        # The URL goes to libpq as written, as for the synchronous engine (state/database.py).
        return await psycopg.AsyncConnection.connect(
            target, connect_timeout=DEFAULT_CONNECT_TIMEOUT, application_name="alliance-bot"
        )

    return create_async_engine(
        "postgresql+psycopg://", async_creator=connect, pool_pre_ping=True, pool_size=5
    )


class Installations:
    """The installations and OAuth states, on the state database; each workspace's bot token."""

    def __init__(self, settings: Settings, database: Database, *, client: AsyncWebClient) -> None:
        assert settings.client_id is not None
        assert settings.client_secret is not None
        self.client_id = settings.client_id
        self._database = database
        self.engine = async_engine(settings.database)
        self.store = AsyncSQLAlchemyInstallationStore(
            client_id=settings.client_id,
            engine=self.engine,
            bots_table_name="slack_bots",
            installations_table_name="slack_installations",
            logger=logging.getLogger("slack_sdk.oauth"),
        )
        self.states = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS,
            engine=self.engine,
            logger=logging.getLogger("slack_sdk.oauth"),
        )
        self._revocations = AsyncTokenRevocationListeners(self.store)
        self._rotating: dict[WorkspaceKey, asyncio.Lock] = {}
        # Set when a workspace is installed or uninstalled: the scheduler looks again at once.
        self.changed = asyncio.Event()
        # Token rotation goes to SLACK_API_URL like every other call (`client`'s base URL).
        self._rotator = AsyncTokenRotator(
            client_id=settings.client_id, client_secret=settings.client_secret, client=client
        )

    async def bot_token(self, workspace: WorkspaceKey) -> str | None:
        """The workspace's bot token, rotated first if it is about to expire; None if the app
        is not installed there.

        A refresh token works once (Slack revokes it when it hands out the next), so rotations
        of one workspace take turns here, each reading the bot afresh; one that lost a race
        anyway (to Bolt's, answering a request at the same moment) reads the token the winner
        saved."""
        async with self._rotating.setdefault(workspace, asyncio.Lock()):
            bot = await self._find_bot(workspace)
            if bot is None or not bot.bot_refresh_token:
                return bot.bot_token if bot is not None else None
            try:
                refreshed = await self._rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_BEFORE_MINUTES
                )
            except SlackTokenRotationError as error:
                logger.warning("could not rotate the bot token of %s (%s)", workspace.shown, error)
                latest = await self._find_bot(workspace)
                return latest.bot_token if latest is not None else None
            if refreshed is None:
                return bot.bot_token
            await self.store.async_save_bot(refreshed)
            return refreshed.bot_token

    async def _find_bot(self, workspace: WorkspaceKey) -> Bot | None:
        org_wide = bool(workspace.enterprise_id) and not workspace.team_id
        return await self.store.async_find_bot(
            enterprise_id=workspace.enterprise_id or None,
            team_id=workspace.team_id or None,
            is_enterprise_install=org_wide,
        )

    def installed(self) -> list[Installed]:
        """Every workspace with a bot installation (blocking: call it from a worker thread)."""
        c = slack_bots.c
        with self._database.transaction() as db:
            rows = db.execute(
                select(c.enterprise_id, c.team_id, c.is_enterprise_install)
                .where(c.client_id == self.client_id)
                .group_by(c.enterprise_id, c.team_id, c.is_enterprise_install)
                .order_by(func.min(c.installed_at))
            ).all()
            installers = _installers(db, self.client_id)
        found: list[Installed] = []
        for enterprise_id, team_id, org_wide in rows:
            key = WorkspaceKey.of(
                enterprise_id=enterprise_id, team_id=None if org_wide else team_id
            )
            found.append(Installed(key, installers.get(key)))
        return found

    def oauth_settings(
        self, settings: Settings, *, installed: InstallListener
    ) -> AsyncOAuthSettings:
        """Bolt's OAuth flow on these stores; `installed` is told of each new installation."""
        assert settings.client_id is not None
        assert settings.client_secret is not None

        async def success(args: AsyncSuccessArgs) -> BoltResponse:
            installation = args.installation
            key = WorkspaceKey.of(
                enterprise_id=installation.enterprise_id,
                team_id=None if installation.is_enterprise_install else installation.team_id,
            )
            logger.info("installed in %s", key.shown)
            self.changed.set()
            try:
                with in_workspace(key):
                    await installed(key, installation.user_id)
            except Exception:
                # The installation is stored; what follows it (the time zone) is a default.
                logger.exception("after installing in %s", key.shown)
            return await args.default.success(args)

        return AsyncOAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            install_path=INSTALL_PATH,
            # Straight to Slack's consent screen: there is nothing to say on a page of our own.
            install_page_rendering_enabled=False,
            redirect_uri_path=REDIRECT_PATH,
            authorization_url=authorization_url(settings.api_url),
            installation_store=self.store,
            installation_store_bot_only=True,
            token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
            state_store=self.states,
            state_expiration_seconds=STATE_SECONDS,
            callback_options=AsyncCallbackOptions(success=success, failure=_failure),
            logger=logging.getLogger("slack_bolt.oauth"),
        )

    # --- uninstalling (`slack.features.Uninstall`) ------------------------------------------

    async def uninstalled(self, context: AsyncBoltContext) -> None:
        """`app_uninstalled`: every installation and bot of the workspace goes (a reinstall
        then starts with fresh tokens); its settings, gaps and stats stay, for a reinstall."""
        key = workspace_of(context)
        await self._revocations.handle_app_uninstalled_events(context)
        logger.info("uninstalled from %s", key.shown)
        self.changed.set()

    async def tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """`tokens_revoked`: the revoked bot (and any user installations) go."""
        key = workspace_of(context)
        await self._revocations.handle_tokens_revoked_events(event, context)
        logger.info("tokens revoked in %s", key.shown)
        self.changed.set()

    async def close(self) -> None:
        await self.engine.dispose()


async def _failure(args: Any) -> BoltResponse:
    # Bolt's own page, and one line for the operator (the reason is Bolt's short code).
    logger.warning("an installation failed (%s)", str(args.reason)[:60])
    response: BoltResponse = await args.default.failure(args)
    return response


def _installers(db: Connection, client_id: str) -> dict[WorkspaceKey, str]:
    """Who installed each workspace (the latest installation wins)."""
    c = slack_installations.c
    rows = db.execute(
        select(c.enterprise_id, c.team_id, c.is_enterprise_install, c.user_id)
        .where(c.client_id == client_id)
        .order_by(c.installed_at)
    ).all()
    return {
        WorkspaceKey.of(enterprise_id=e, team_id=None if org else t): str(user)
        for e, t, org, user in rows
    }


def authorization_url(api_url: str) -> str:
    """Slack's consent page beside its Web API: https://slack.com/api/ →
    https://slack.com/oauth/v2/authorize (and the stand-in's, in tests)."""
    root = api_url.removesuffix("/").removesuffix("/api")
    return root + "/oauth/v2/authorize"


def workspace_of(context: AsyncBoltContext) -> WorkspaceKey:
    """The workspace a request belongs to, as its installation is keyed."""
    if context.is_enterprise_install:
        return WorkspaceKey.of(enterprise_id=context.enterprise_id, team_id=None)
    return WorkspaceKey.of(enterprise_id=context.enterprise_id, team_id=context.team_id)


def bind_workspace(multi: bool) -> Middleware:
    """A Bolt middleware that puts the rest of the request in the request's workspace (the
    single one when there is one).

    Bolt runs its listeners after the middleware chain has returned, not inside `next()`, so
    this sets the workspace for the rest of the dispatch instead of for a block; the listeners'
    tasks copy it when they start. The HTTP handler (`server.py`) scopes each dispatch, so one
    request's workspace never carries over to the next on the same connection."""

    async def middleware(body: dict[str, Any], context: AsyncBoltContext, next: Next) -> None:
        enter_workspace(workspace_of(context) if multi else SINGLE_WORKSPACE)
        await next()

    return middleware


def token_source(
    installations: Installations | None, settings: Settings
) -> Callable[[WorkspaceKey], Awaitable[str | None]]:
    """The bot token for a workspace: SLACK_BOT_TOKEN for the one, the installation's for many."""
    if installations is not None:
        return installations.bot_token

    async def single(_: WorkspaceKey) -> str | None:
        return settings.bot_token

    return single


__all__ = [
    "BOT_SCOPES",
    "INSTALL_PATH",
    "REDIRECT_PATH",
    "Installations",
    "Installed",
    "authorization_url",
    "bind_workspace",
    "token_source",
    "workspace_of",
]
