"""Settings an admin changes from Slack: the daily channels, time, time zone, fallback policy and
the bot's own admins — their values, their validation, and the small store that keeps them.

Order in which a setting applies: the value stored here (set from Slack) > the environment
variable (`Settings`, read once at start-up) > the built-in default. A stored value of "nothing"
is a value too: an empty channel list set from Slack turns the daily post off even if
`ALLIANCE_DAILY_CHANNEL` is set.

Domain code only (no Slack): `SettingsService` validates an update, writes it and records every
change (who, when, old and new value) in one transaction, and returns what it did as data
(`SettingChange`; problems as plain text in `SettingsInvalid`); the Slack layer writes the words
(`alliance_bot.slack.render.settings`). Channel *existence* is Slack's to judge, so the Slack layer checks
channels with `conversations.info` before calling `apply`.

`SettingsStore` is the interface; `SqlSettingsStore` keeps it in the state database, each
workspace's settings and history apart (`state.workspace`: '' and '' for the single workspace of
SLACK_BOT_TOKEN).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete, select

from alliance_bot.config import Settings
from alliance_bot.knowledge.text import shorten
from alliance_bot.state import Database, open_database
from alliance_bot.state.schema import settings_changes, workspace_settings
from alliance_bot.state.workspace import WorkspaceKey, of_workspace, workspace_values

SettingKey = Literal["daily_channels", "daily_time", "timezone", "fallback", "bot_admins"]
SETTING_KEYS: tuple[SettingKey, ...] = (
    "daily_channels",
    "daily_time",
    "timezone",
    "fallback",
    "bot_admins",
)
Origin = Literal["Slack", "environment", "default"]

MAX_DAILY_CHANNELS = 10
MAX_BOT_ADMINS = 50

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})$")


class SettingsInvalid(ValueError):
    """An update that cannot be saved; `problems` maps a setting to what is wrong with it, as
    plain text (whoever shows it escapes it)."""

    def __init__(self, problems: Mapping[SettingKey, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)


# --- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSettings:
    """What has been set from Slack; `None` is "not set here" (the environment decides)."""

    daily_channels: tuple[str, ...] | None = None
    daily_time: dt.time | None = None
    timezone: str | None = None
    fallback: Literal["archive", "skip"] | None = None
    bot_admins: tuple[str, ...] | None = None

    def value(self, key: SettingKey) -> Any:
        return getattr(self, key)


@dataclass(frozen=True)
class SettingChange:
    """One recorded change: who, when, which setting, the value before and after (as stored
    text; `None` when it was, or is now, not set from Slack)."""

    at: dt.datetime
    user_id: str
    key: SettingKey
    old: str | None
    new: str | None

    @property
    def old_value(self) -> Any:
        """The value before, as stored (`None`: not set from Slack)."""
        return None if self.old is None else json.loads(self.old)

    @property
    def new_value(self) -> Any:
        """The value after, as stored (`None`: not set from Slack)."""
        return None if self.new is None else json.loads(self.new)


@dataclass(frozen=True)
class EffectiveSettings:
    """The settings in force: stored > environment > default, and where each one came from."""

    daily_channels: tuple[str, ...]
    daily_time: dt.time
    timezone: ZoneInfo
    fallback: Literal["archive", "skip"]
    bot_admins: frozenset[str]
    origins: Mapping[SettingKey, Origin] = field(default_factory=dict)


def effective(stored: StoredSettings, defaults: Settings) -> EffectiveSettings:
    """Merge what Slack set over the environment's `Settings` (which carry the built-in
    defaults for whatever the environment does not set)."""
    origins: dict[SettingKey, Origin] = {}

    def pick(key: SettingKey, from_env: Any, env_is_set: bool) -> Any:
        value = stored.value(key)
        if value is not None:
            origins[key] = "Slack"
            return value
        origins[key] = "environment" if env_is_set else "default"
        return from_env

    env_channels = (defaults.daily_channel,) if defaults.daily_channel else ()
    channels = pick("daily_channels", env_channels, bool(env_channels))
    time = pick("daily_time", defaults.daily_time, defaults.daily_time != dt.time(9, 0))
    zone = pick("timezone", defaults.timezone.key, defaults.timezone.key != "UTC")
    fallback = pick("fallback", defaults.daily_fallback, defaults.daily_fallback != "archive")
    admins = pick("bot_admins", (), False)
    return EffectiveSettings(
        daily_channels=tuple(channels),
        daily_time=time,
        timezone=ZoneInfo(zone),
        fallback=fallback,
        bot_admins=frozenset(admins),
        origins=origins,
    )


# --- parsing and validation ------------------------------------------------------------------


def parse_time(text: str) -> dt.time:
    """`HH:MM`, 24-hour clock."""
    match = _HH_MM.match(text.strip())
    if match is not None and int(match[1]) < 24 and int(match[2]) < 60:
        return dt.time(int(match[1]), int(match[2]))
    raise SettingsInvalid(
        {"daily_time": f"“{shorten(text, 40)}” is not a time; use HH:MM, e.g. 09:00"}
    )


def parse_timezone(text: str) -> str:
    """An IANA zone name, case as the database spells it (`asia/tokyo` → `Asia/Tokyo`)."""
    name = text.strip()
    canonical = _zones_by_fold().get(name.casefold())
    if canonical is not None:
        try:
            ZoneInfo(canonical)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return canonical
    raise SettingsInvalid(
        {
            "timezone": f"“{shorten(name, 60)}” is not a time zone; use an IANA name "
            "such as Asia/Tokyo, America/New_York or UTC"
        }
    )


def parse_fallback(text: str) -> Literal["archive", "skip"]:
    value = text.strip().lower()
    if value == "archive":
        return "archive"
    if value == "skip":
        return "skip"
    raise SettingsInvalid(
        {"fallback": f"“{shorten(text, 40)}” is not a fallback; use archive or skip"}
    )


def check_channels(channels: Sequence[str]) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(c.strip() for c in channels if c.strip()))
    bad = [c for c in unique if not _CHANNEL_ID.match(c)]
    if bad:
        shown = ", ".join(shorten(c, 30) for c in bad[:3])
        raise SettingsInvalid({"daily_channels": f"not channel IDs: {shown}"})
    if len(unique) > MAX_DAILY_CHANNELS:
        raise SettingsInvalid(
            {"daily_channels": f"at most {MAX_DAILY_CHANNELS} daily channels, got {len(unique)}"}
        )
    return unique


def check_users(users: Sequence[str]) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(u.strip() for u in users if u.strip()))
    bad = [u for u in unique if not _USER_ID.match(u)]
    if bad:
        shown = ", ".join(shorten(u, 30) for u in bad[:3])
        raise SettingsInvalid({"bot_admins": f"not Slack user IDs: {shown}"})
    if len(unique) > MAX_BOT_ADMINS:
        raise SettingsInvalid({"bot_admins": f"at most {MAX_BOT_ADMINS} bot admins"})
    return unique


def is_channel_id(text: str) -> bool:
    """Whether `text` looks like a Slack channel ID (C…, G…, D…)."""
    return _CHANNEL_ID.match(text) is not None


def is_user_id(text: str) -> bool:
    """Whether `text` looks like a Slack user ID (U…, W…)."""
    return _USER_ID.match(text) is not None


def _zones_by_fold() -> dict[str, str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = {name.casefold(): name for name in available_timezones()}
    return _ZONES


_ZONES: dict[str, str] | None = None


def common_timezones(current: str) -> list[str]:
    """The zones the settings modal offers: the alliance's and the world's usual ones, plus the
    current one (a static select holds at most 100 options, so not all ~600)."""
    zones = [
        "Asia/Tokyo", "America/New_York", "America/Chicago", "America/Denver",
        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "Pacific/Guam",
        "Asia/Seoul", "Asia/Taipei", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Manila",
        "Asia/Singapore", "Asia/Bangkok", "Asia/Jakarta", "Asia/Kolkata", "Asia/Dubai",
        "Australia/Sydney", "Australia/Perth", "Pacific/Auckland", "Europe/London",
        "Europe/Paris", "Europe/Berlin", "Europe/Brussels", "Europe/Moscow",
        "America/Toronto", "America/Sao_Paulo", "Africa/Johannesburg", "UTC",
    ]  # fmt: skip
    return [current, *[z for z in zones if z != current]]


# --- updates ---------------------------------------------------------------------------------


_UNSET: Any = object()


@dataclass(frozen=True)
class SettingsUpdate:
    """What one form or command wants to change; fields left `_UNSET` are not touched, `None`
    clears a stored value (back to the environment's)."""

    daily_channels: tuple[str, ...] | None = _UNSET
    daily_time: dt.time | None = _UNSET
    timezone: str | None = _UNSET
    fallback: Literal["archive", "skip"] | None = _UNSET
    bot_admins: tuple[str, ...] | None = _UNSET

    def changes(self) -> dict[SettingKey, Any]:
        return {k: getattr(self, k) for k in SETTING_KEYS if getattr(self, k) is not _UNSET}

    def is_empty(self) -> bool:
        return not self.changes()

    def channels_to_check(self) -> tuple[str, ...]:
        """The daily channels this update sets (none when it leaves them alone or clears them)."""
        channels = self.changes().get("daily_channels")
        return tuple(channels) if channels else ()


def encode(key: SettingKey, value: Any) -> str | None:
    """A setting's value as stored text (JSON), `None` for unset."""
    if value is None:
        return None
    if key == "daily_time":
        return json.dumps(value.strftime("%H:%M"))
    if key in ("daily_channels", "bot_admins"):
        return json.dumps(list(value))
    return json.dumps(value)


def decode(key: SettingKey, text: str) -> Any:
    value = json.loads(text)
    if key == "daily_time":
        return parse_time(str(value))
    if key in ("daily_channels", "bot_admins"):
        return tuple(str(v) for v in value)
    if key == "timezone":
        return parse_timezone(str(value))
    if key == "fallback":
        return parse_fallback(str(value))
    raise KeyError(key)  # pragma: no cover - keys come from SETTING_KEYS


# --- the store -------------------------------------------------------------------------------


class SettingsStore(Protocol):
    """Durable settings of the workspace and their history."""

    def load(self) -> StoredSettings: ...

    def save(
        self, changes: Mapping[SettingKey, Any], *, user_id: str, at: dt.datetime
    ) -> list[SettingChange]:
        """Apply `changes` (value `None`: unset) and record each one that changes something, in
        one transaction; return what was recorded."""
        ...

    def history(self, *, limit: int = 20) -> list[SettingChange]:
        """The latest changes, newest first."""
        ...


class SqlSettingsStore:
    """`SettingsStore` in the state database (SQLite or PostgreSQL, revisions 0003 and 0005).

    Rows belong to the workspace of the work at hand (`state.workspace.current_workspace`);
    `workspace` pins one instead (tools and tests)."""

    def __init__(self, database: Database, *, workspace: WorkspaceKey | None = None) -> None:
        self.database = database
        self._workspace = workspace

    @classmethod
    def for_settings(cls, settings: Settings) -> SqlSettingsStore:
        """The store in the database the settings name (shared within the process)."""
        return cls(open_database(settings.database))

    def load(self) -> StoredSettings:
        t = workspace_settings.c
        with self.database.transaction() as db:
            rows = db.execute(
                select(t.key, t.value).where(of_workspace(workspace_settings, self._workspace))
            ).all()
        values: dict[str, Any] = {}
        for key, stored in rows:
            if key in SETTING_KEYS:
                try:
                    values[key] = decode(key, stored)
                except (ValueError, TypeError):
                    continue  # a value this version cannot read: the environment decides
        return StoredSettings(**values)

    def save(
        self, changes: Mapping[SettingKey, Any], *, user_id: str, at: dt.datetime
    ) -> list[SettingChange]:
        stamp = at.astimezone(dt.UTC).isoformat(timespec="seconds")
        keyed = workspace_values(self._workspace)
        mine = of_workspace(workspace_settings, self._workspace)
        t = workspace_settings.c
        recorded: list[SettingChange] = []
        with self.database.transaction() as db:
            for key, value in changes.items():
                old = db.execute(select(t.value).where(mine, t.key == key)).scalar()
                new = encode(key, value)
                if old == new:
                    continue
                if new is None:
                    db.execute(delete(workspace_settings).where(mine, t.key == key))
                else:
                    insert = self.database.insert(workspace_settings).values(
                        **keyed, key=key, value=new
                    )
                    db.execute(
                        insert.on_conflict_do_update(
                            index_elements=["enterprise_id", "team_id", "key"],
                            set_={"value": insert.excluded.value},
                        )
                    )
                db.execute(
                    settings_changes.insert().values(
                        **keyed, at=stamp, user_id=user_id, key=key, old_value=old, new_value=new
                    )
                )
                recorded.append(SettingChange(at, user_id, key, old, new))
        return recorded

    def history(self, *, limit: int = 20) -> list[SettingChange]:
        c = settings_changes.c
        with self.database.transaction() as db:
            rows = db.execute(
                select(c.at, c.user_id, c.key, c.old_value, c.new_value)
                .where(of_workspace(settings_changes, self._workspace))
                .order_by(c.seq.desc())
                .limit(limit)
            ).all()
        return [
            SettingChange(dt.datetime.fromisoformat(at), user, key, old, new)
            for at, user, key, old, new in rows
        ]


class SqliteSettingsStore(SqlSettingsStore):
    """`SqlSettingsStore` on a SQLite file (tests and tools that name a path)."""

    def __init__(self, path: Path | str, *, workspace: WorkspaceKey | None = None) -> None:
        super().__init__(Database.sqlite(path), workspace=workspace)
        self.path = Path(path)


# --- the service -----------------------------------------------------------------------------


Clock = Callable[[], dt.datetime]


class SettingsService:
    """The settings in force and their changes; synchronous (SQLite), call it from a thread."""

    def __init__(self, store: SettingsStore, defaults: Settings, *, clock: Clock) -> None:
        self.store = store
        self.defaults = defaults
        self._clock = clock

    def current(self) -> EffectiveSettings:
        return effective(self.store.load(), self.defaults)

    def apply(self, user_id: str, update: SettingsUpdate) -> list[SettingChange]:
        """Validate `update` and save it; raises `SettingsInvalid` naming every bad field."""
        changes = update.changes()
        problems: dict[SettingKey, str] = {}
        clean: dict[SettingKey, Any] = {}
        for key, value in changes.items():
            try:
                clean[key] = _validated(key, value)
            except SettingsInvalid as error:
                problems.update(error.problems)
        if problems:
            raise SettingsInvalid(problems)
        return self.store.save(clean, user_id=user_id, at=self._clock())


def _validated(key: SettingKey, value: Any) -> Any:
    if value is None:
        return None
    if key == "daily_channels":
        return check_channels(value)
    if key == "bot_admins":
        return check_users(value)
    if key == "timezone":
        return parse_timezone(value)
    if key == "fallback":
        return parse_fallback(value)
    if key == "daily_time":
        if not isinstance(value, dt.time):
            return parse_time(str(value))
        return value.replace(second=0, microsecond=0)
    raise KeyError(key)  # pragma: no cover


__all__ = [
    "SETTING_KEYS",
    "EffectiveSettings",
    "SettingChange",
    "SettingKey",
    "SettingsInvalid",
    "SettingsService",
    "SettingsStore",
    "SettingsUpdate",
    "SqliteSettingsStore",
    "StoredSettings",
    "check_channels",
    "check_users",
    "common_timezones",
    "effective",
    "is_channel_id",
    "is_user_id",
    "parse_fallback",
    "parse_time",
    "parse_timezone",
    "replace",
]
