"""Settings from the environment: the one place that reads environment variables.

Entry points call `Settings.from_env(os.environ, env_file=Path(".env"))`; everything else receives
a `Settings`. A bad or missing setting raises `ConfigError` whose message names the variable, so
start-up can print one line instead of a traceback. Secrets are never part of `repr()` or messages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.state.url import DatabaseUrl, parse_database_url

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_STATE_DB = "alliance-bot.db"
DEFAULT_DAILY_TIME = dt.time(9, 0)
DEFAULT_TIMEZONE = "UTC"

DailyFallback = Literal["archive", "skip"]

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})$")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable and never its value."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the app can be configured with; see the README (Settings) for each variable."""

    # Slack credentials (repr=False: secrets must not end up in logs or tracebacks)
    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    # Multi-workspace installs (Bolt's OAuth flow): both set, or neither
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    # Where the Web API lives (tests point it at a local stand-in)
    api_url: str = DEFAULT_API_URL
    # Who may run admin sub-commands
    admins: frozenset[str] = frozenset()
    # Knowledge base and state
    knowledge_dir: Path = field(default_factory=default_knowledge_dir)
    # Compiled snapshots of the knowledge base (None: no cache)
    cache_dir: Path | None = None
    state_db: Path = Path(DEFAULT_STATE_DB)
    # PostgreSQL for all state instead (several replicas); wins over state_db. repr=False: it may
    # carry a password.
    database_url: str | None = field(default=None, repr=False)
    # The daily "on this day" post
    daily_channel: str | None = None
    daily_time: dt.time = DEFAULT_DAILY_TIME
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    daily_fallback: DailyFallback = "archive"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, env_file: Path | None = None) -> Settings:
        """Read settings from `environ`, falling back to `env_file` (a `.env`) when it exists.

        Real environment variables win over the file, as with docker and most dotenv tools.
        Empty values count as unset.
        """
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update(read_env_file(env_file))
        values.update(environ)

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        api_url = get("SLACK_API_URL") or DEFAULT_API_URL
        if not api_url.startswith(("https://", "http://")):
            raise ConfigError("SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/")
        if not api_url.endswith("/"):
            api_url += "/"  # slack-sdk joins base_url and method names without adding one

        admins = frozenset(
            a.strip() for a in (get("ALLIANCE_ADMINS") or "").split(",") if a.strip()
        )
        bad = sorted(a for a in admins if not _USER_ID.match(a))
        if bad:
            raise ConfigError(
                f"ALLIANCE_ADMINS must be comma-separated Slack user IDs (like U012AB3CD); "
                f"not user IDs: {', '.join(bad)}"
            )

        state_db = get("ALLIANCE_STATE_DB")
        database_url = get("ALLIANCE_DATABASE_URL")
        if database_url is not None:
            try:
                parse_database_url(database_url)
            except ValueError as error:
                # The value is not repeated: it may hold a password.
                raise ConfigError(
                    f"ALLIANCE_DATABASE_URL {error}, e.g. "
                    "postgresql://alliance@/alliance?host=/run/postgresql"
                ) from None
        fallback = (get("ALLIANCE_DAILY_FALLBACK") or "archive").lower()
        if fallback not in ("archive", "skip"):
            raise ConfigError("ALLIANCE_DAILY_FALLBACK must be 'archive' or 'skip'")

        return cls(
            bot_token=get("SLACK_BOT_TOKEN"),
            signing_secret=get("SLACK_SIGNING_SECRET"),
            app_token=get("SLACK_APP_TOKEN"),
            client_id=get("SLACK_CLIENT_ID"),
            client_secret=get("SLACK_CLIENT_SECRET"),
            api_url=api_url,
            admins=admins,
            knowledge_dir=knowledge_dir_from(values),
            cache_dir=cache_dir_from(values),
            state_db=Path(state_db) if state_db else Path(DEFAULT_STATE_DB),
            database_url=database_url,
            daily_channel=get("ALLIANCE_DAILY_CHANNEL"),
            daily_time=_parse_time(get("ALLIANCE_DAILY_TIME")),
            timezone=_parse_timezone(get("ALLIANCE_TIMEZONE")),
            daily_fallback="archive" if fallback == "archive" else "skip",
        )

    @property
    def database(self) -> DatabaseUrl:
        """Where state lives: ALLIANCE_DATABASE_URL when set, else the SQLite file."""
        if self.database_url is not None:
            return parse_database_url(self.database_url)
        return DatabaseUrl.sqlite(self.state_db)

    @property
    def multi_workspace(self) -> bool:
        """Whether the app is installed through its OAuth flow (SLACK_CLIENT_ID and
        SLACK_CLIENT_SECRET) into any number of workspaces, each with its own tokens."""
        return self.client_id is not None and self.client_secret is not None

    def require_http(self) -> None:
        """Check what HTTP mode (`alliance-bot serve`) needs; raise `ConfigError` naming the gap."""
        self._require_credentials()
        if not self.signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set (Basic Information → App Credentials → "
                "Signing Secret); HTTP mode verifies every request with it"
            )

    def require_socket(self) -> None:
        """Check what Socket Mode (`alliance-bot socket`) needs; raise `ConfigError` if not."""
        if self.multi_workspace:
            # Slack sends the OAuth redirect to a public URL, which Socket Mode does not have.
            raise ConfigError(
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installs in several workspaces) need "
                "HTTP mode (alliance-bot serve); Socket Mode serves the one workspace of "
                "SLACK_BOT_TOKEN"
            )
        self._require_bot_token()
        if not self.app_token:
            raise ConfigError(
                "SLACK_APP_TOKEN is not set (Basic Information → App-Level Tokens, with the "
                "connections:write scope); Socket Mode needs it"
            )
        if not self.app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-)")

    def _require_credentials(self) -> None:
        """One workspace (SLACK_BOT_TOKEN) or many (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET)."""
        if (self.client_id is None) != (self.client_secret is None):
            missing = "SLACK_CLIENT_SECRET" if self.client_secret is None else "SLACK_CLIENT_ID"
            raise ConfigError(
                f"{missing} is not set; installs in several workspaces need both SLACK_CLIENT_ID "
                "and SLACK_CLIENT_SECRET (Basic Information → App Credentials)"
            )
        if self.multi_workspace:
            if self.bot_token is not None:
                raise ConfigError(
                    "SLACK_BOT_TOKEN is set together with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; "
                    "set the token for one workspace, or the client id and secret for installs "
                    "in several, not both"
                )
            return
        self._require_bot_token()

    def _require_bot_token(self) -> None:
        if not self.bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set (OAuth & Permissions → Bot User OAuth Token, xoxb-…)"
            )
        if not self.bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token (it starts with xoxb-)")


def knowledge_dir_from(values: Mapping[str, str]) -> Path:
    """`ALLIANCE_KNOWLEDGE_DIR`, else the knowledge base shipped with the package."""
    configured = values.get("ALLIANCE_KNOWLEDGE_DIR", "").strip()
    return Path(configured) if configured else default_knowledge_dir()


def cache_dir_from(values: Mapping[str, str]) -> Path | None:
    """`ALLIANCE_CACHE_DIR` (`off`: no cache), else `$XDG_CACHE_HOME/alliance-bot`, else
    `~/.cache/alliance-bot`."""
    configured = values.get("ALLIANCE_CACHE_DIR", "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    xdg = values.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():  # the XDG spec: a relative value is ignored
        return Path(xdg) / "alliance-bot"
    home = values.get("HOME", "").strip()
    return (Path(home) if home else Path.home()) / ".cache" / "alliance-bot"


def timezone_from(values: Mapping[str, str]) -> ZoneInfo:
    """`ALLIANCE_TIMEZONE` (default UTC): the zone whose calendar says what "today" is."""
    return _parse_timezone(values.get("ALLIANCE_TIMEZONE", "").strip() or None)


def read_env_file(path: Path) -> dict[str, str]:
    """The `KEY=value` settings of a `.env` file (python-dotenv; no variable expansion)."""
    return {k: v for k, v in dotenv_values(path, interpolate=False).items() if v is not None}


def _parse_time(value: str | None) -> dt.time:
    if value is None:
        return DEFAULT_DAILY_TIME
    match = _HH_MM.match(value)
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise ConfigError(f"ALLIANCE_DAILY_TIME must be HH:MM on a 24-hour clock, got {value!r}")


def _parse_timezone(value: str | None) -> ZoneInfo:
    name = value or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"ALLIANCE_TIMEZONE must be an IANA time zone like Asia/Tokyo, got {name!r}"
        ) from None


# --- operating the service: logs and the Socket Mode health port ------------------------------

LogFormat = Literal["text", "json"]
DEFAULT_HEALTH_PORT = 3000
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True, kw_only=True)
class OperationsSettings:
    """How the service is operated, read like `Settings` (environment over `.env`).

    Kept apart from `Settings` because logging is configured before anything else is read, so
    that every later message comes out in the chosen format.
    """

    # LOG_LEVEL and LOG_FORMAT (see docs/operations.md, Logs)
    log_level: str = "INFO"
    log_format: LogFormat = "text"
    # ALLIANCE_HEALTH_PORT: Socket Mode's /healthz and /metrics (None: "off"); HTTP mode serves
    # them on its own port. Same default as `serve`, so one container HEALTHCHECK fits both.
    health_port: int | None = DEFAULT_HEALTH_PORT

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], *, env_file: Path | None = None
    ) -> OperationsSettings:
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update(read_env_file(env_file))
        values.update(environ)
        level = values.get("LOG_LEVEL", "").strip().upper() or "INFO"
        if level not in _LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
        fmt = values.get("LOG_FORMAT", "").strip().lower() or "text"
        if fmt not in ("text", "json"):
            raise ConfigError("LOG_FORMAT must be 'text' or 'json'")
        return cls(
            log_level=level,
            log_format="json" if fmt == "json" else "text",
            health_port=_parse_health_port(values.get("ALLIANCE_HEALTH_PORT", "").strip()),
        )


def _parse_health_port(value: str) -> int | None:
    if not value:
        return DEFAULT_HEALTH_PORT
    if value.lower() == "off":
        return None
    if value.isdigit() and int(value) <= 65535:
        return int(value)
    raise ConfigError(
        "ALLIANCE_HEALTH_PORT must be a port number 0–65535 (0: any free port) or 'off'"
    )
