"""Which database the settings mean, without importing the database stack.

Kept apart from `database` so that reading the settings (which every command does, `ask`
included) does not import SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Dialect = Literal["sqlite", "postgresql"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


class DatabaseUnavailable(Exception):
    """The database cannot be reached (or stays locked); the message never contains a password."""


@dataclass(frozen=True)
class DatabaseUrl:
    """Where state lives: a SQLite file or a libpq URL. `shown` is safe to log."""

    dialect: Dialect
    target: str  # the SQLite path, or the libpq URL exactly as configured
    shown: str

    @classmethod
    def sqlite(cls, path: Path | str) -> DatabaseUrl:
        return cls("sqlite", str(path), f"sqlite file {path}")

    @classmethod
    def postgres(cls, url: str) -> DatabaseUrl:
        libpq = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return cls("postgresql", libpq, _redact(libpq))


def parse_database_url(url: str) -> DatabaseUrl:
    """A `DatabaseUrl` for an `ALLIANCE_DATABASE_URL` value; `ValueError` if libpq cannot read it."""
    if not url.startswith(POSTGRES_SCHEMES):
        raise ValueError("must be a PostgreSQL URL (postgresql://USER@HOST/DB)")
    try:
        import psycopg.conninfo

        psycopg.conninfo.conninfo_to_dict(url.replace("+psycopg", "", 1))
    except Exception as error:  # psycopg.ProgrammingError: libpq could not parse it
        raise ValueError("is not a URL libpq can read") from error
    return DatabaseUrl.postgres(url)


def _redact(url: str) -> str:
    """The URL with any password replaced, for logs and messages."""
    try:
        import psycopg.conninfo

        params = psycopg.conninfo.conninfo_to_dict(url)
    except Exception:
        return "PostgreSQL database (ALLIANCE_DATABASE_URL)"
    where = params.get("host") or "localhost"
    return f"PostgreSQL database {params.get('dbname', '?')} on {where}"
