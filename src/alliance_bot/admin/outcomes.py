"""What the knowledge base admin did, as data: one small frozen dataclass per outcome.

`KnowledgeAdmin` returns these; the Slack layer (`alliance_bot.slack.render.admin`) writes the
words, emoji and mrkdwn, and any other front end (a CLI, a log line) can write its own. Each
outcome carries what a reader needs and nothing Slack-shaped: versions, entry counts, the diff,
the problems. To report more (say, how many replicas serve the new version), add a field with a
default to the outcome and teach the renderer to show it.
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance_bot.admin.state import Gap, RefreshAction, Stats
from alliance_bot.knowledge.cluster import Reach
from alliance_bot.knowledge.diff import KbDiff
from alliance_bot.knowledge.problems import Problem

# --- who may -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotAnAdmin:
    """`/alliance COMMAND` refused: the caller is not an admin (the attempt is logged)."""

    command: str


# --- refresh, dry run, rollback, aliases -------------------------------------------------------


@dataclass(frozen=True)
class Invalid:
    """The directory has problems: nothing was swapped, `running` keeps answering."""

    action: RefreshAction
    running_version: str
    running_entries: int
    problems: tuple[Problem, ...]

    @property
    def dry_run(self) -> bool:
        return self.action == "dry-run"


@dataclass(frozen=True)
class Unchanged:
    """The directory holds the version already running: nothing to swap."""

    version: str
    entries: int


@dataclass(frozen=True)
class Refreshed:
    """A valid, different base was swapped in (`/alliance refresh`, SIGHUP)."""

    before: str
    after: str
    entries: int
    diff: KbDiff
    # How many replicas serve the new version (None: no database of versions, one process).
    replicas: Reach | None = None


@dataclass(frozen=True)
class DryRunValid:
    """`refresh dry-run`: the directory is valid; `diff` is what a refresh would change."""

    version: str
    entries: int
    diff: KbDiff


@dataclass(frozen=True)
class RolledBack:
    """Back to the snapshot before the last swap (the files on disk are untouched)."""

    before: str
    after: str
    entries: int
    diff: KbDiff
    # How many replicas serve the new version (None: no database of versions, one process).
    replicas: Reach | None = None


@dataclass(frozen=True)
class NothingToRollBack:
    """No swap since start, so no previous snapshot."""


@dataclass(frozen=True)
class AliasAdded:
    """`alias` was written to `file` at `line` as an alias of `entry_id`, and swapped in."""

    alias: str
    entry_id: str
    file: str
    line: int
    before: str
    after: str
    diff: KbDiff
    replicas: Reach | None = None


@dataclass(frozen=True)
class AliasRefused:
    """The alias could not be added (`reason`, plain text); no file changed."""

    reason: str


@dataclass(frozen=True)
class NotStored:
    """A change that could not be stored as the cluster's version (the database cannot be
    reached, the version named is not stored, the files changed meanwhile): nothing changed
    anywhere. `reason` is plain text."""

    action: RefreshAction
    reason: str
    running_version: str
    running_entries: int


RefreshOutcome = Refreshed | Unchanged | Invalid | NotStored
DryRunOutcome = DryRunValid | Invalid
RollbackOutcome = RolledBack | NothingToRollBack | NotStored
AliasOutcome = AliasAdded | AliasRefused | Invalid | NotStored


# --- what users miss ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GapItem:
    """One unanswered question: the gap, the suggested entries still in the base, and the
    alias its buttons write (None: no button, the question has no usable subject)."""

    gap: Gap
    offered: tuple[str, ...]
    alias: str | None


@dataclass(frozen=True)
class GapsReport:
    """The most frequent unanswered questions of the last `days` days, most asked first."""

    days: int
    items: tuple[GapItem, ...]

    @property
    def gaps(self) -> tuple[Gap, ...]:
        return tuple(item.gap for item in self.items)


@dataclass(frozen=True)
class TopEntry:
    """An entry often given as the answer; `label` is None when it is no longer in the base."""

    entry_id: str
    label: str | None
    count: int


@dataclass(frozen=True)
class StatsReport:
    """Questions of the last `days` days, per day, and the most-asked entries."""

    days: int
    stats: Stats
    top_entries: tuple[TopEntry, ...]


AdminOutcome = (
    NotAnAdmin
    | RefreshOutcome
    | DryRunOutcome
    | RollbackOutcome
    | AliasOutcome
    | GapsReport
    | StatsReport
)
"""Everything `KnowledgeAdmin` returns."""
