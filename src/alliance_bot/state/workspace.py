"""Which workspace the state belongs to: `WorkspaceKey`, and the one the current work is for.

Every per-workspace row (daily posts and claims, the archive rotation, gaps, stats, settings,
admin history) carries the key's `enterprise_id` and `team_id`. The single workspace of
SLACK_BOT_TOKEN is `WorkspaceKey()` ('' and ''), which is what rows written before there were
several workspaces hold. A Grid org-wide install is its enterprise with '' as team.

The stores do not take the key as an argument on every call: the work being done carries it.
`in_workspace(key)` sets it for a block (the scheduler for each workspace's post; the HTTP
handler around each dispatch, inside which a Bolt middleware names the request's workspace with
`enter_workspace`), and the stores read `current_workspace()` in each query. A context
variable follows the work into worker threads (`asyncio.to_thread` copies it) and into tasks
started from it, so an answer recorded after the acknowledgement still lands in its workspace.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_


@dataclass(frozen=True, order=True)
class WorkspaceKey:
    """A workspace (or a Grid org, for an org-wide install); '' where Slack gives no id."""

    enterprise_id: str = ""
    team_id: str = ""

    @classmethod
    def of(cls, *, enterprise_id: str | None, team_id: str | None) -> WorkspaceKey:
        return cls(enterprise_id or "", team_id or "")

    @property
    def shown(self) -> str:
        """For logs: the team id, the org's for an org-wide install, 'the workspace' for one."""
        if not self.enterprise_id and not self.team_id:
            return "the workspace"
        return self.team_id or self.enterprise_id


SINGLE_WORKSPACE = WorkspaceKey()

_current: ContextVar[WorkspaceKey] = ContextVar("alliance_workspace", default=SINGLE_WORKSPACE)


def current_workspace() -> WorkspaceKey:
    """The workspace the current request or job is for (the single one by default)."""
    return _current.get()


@contextlib.contextmanager
def in_workspace(key: WorkspaceKey) -> Iterator[WorkspaceKey]:
    """Run the block (and whatever it starts) for `key`."""
    token = _current.set(key)
    try:
        yield key
    finally:
        _current.reset(token)


def enter_workspace(key: WorkspaceKey) -> None:
    """Set `key` for the rest of the current context (a Bolt middleware, whose listeners run
    after it returns); whoever started the work scopes it with `in_workspace`."""
    _current.set(key)


def of_workspace(table: Table, key: WorkspaceKey | None = None) -> ColumnElement[bool]:
    """`WHERE` the row belongs to `key` (default: the current workspace)."""
    key = key or current_workspace()
    return and_(table.c.enterprise_id == key.enterprise_id, table.c.team_id == key.team_id)


def workspace_values(key: WorkspaceKey | None = None) -> dict[str, str]:
    """The key columns for an `INSERT`."""
    key = key or current_workspace()
    return {"enterprise_id": key.enterprise_id, "team_id": key.team_id}
