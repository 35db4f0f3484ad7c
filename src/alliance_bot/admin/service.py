"""The admin side of the knowledge base: refresh, dry-run, rollback, gaps, stats, aliases.

Domain code only (no Slack): every method takes the Slack user ID of the caller, records what it
did in `AdminState`, and returns what happened as data (`alliance_bot.admin.outcomes`). The
Slack layer (`alliance_bot.slack.render.admin`) writes the words.

Safe by construction, like `nginx -t && nginx -s reload`: a refresh validates the whole directory
with the same loader `kb check` uses and swaps only a valid base in (`KnowledgeHolder.reload`);
an invalid one changes nothing and the outcome carries each error with file, line and entry id.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from alliance_bot.admin.outcomes import (
    AliasAdded,
    AliasOutcome,
    AliasRefused,
    DryRunOutcome,
    DryRunValid,
    GapItem,
    GapsReport,
    Invalid,
    NotAnAdmin,
    NothingToRollBack,
    NotStored,
    Refreshed,
    RefreshOutcome,
    RollbackOutcome,
    RolledBack,
    StatsReport,
    TopEntry,
    Unchanged,
)
from alliance_bot.admin.state import (
    MAX_QUESTION_CHARS,
    AdminState,
    AskedQuestion,
    RefreshAction,
    RefreshRecord,
    RefreshResult,
)
from alliance_bot.answering.answer import Answer
from alliance_bot.answering.questions import parse_question
from alliance_bot.knowledge.aliases import (
    QUESTION_WORDS,
    AliasError,
    WrittenAlias,
    add_alias,
    clean_alias,
    refuse_surrogates,
)
from alliance_bot.knowledge.archive import ArchiveError
from alliance_bot.knowledge.cluster import KnowledgeCluster, Reach, VersionError
from alliance_bot.knowledge.diff import KbDiff, diff_knowledge
from alliance_bot.knowledge.holder import KnowledgeHolder, Swap
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid, Problem
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.text import fold, name_key
from alliance_bot.state.workspace import WorkspaceKey, current_workspace

logger = logging.getLogger(__name__)

GAP_DAYS = 30
STATS_DAYS = 30
SIGHUP_USER = "SIGHUP"
READ_YOUR_QUESTIONS_WAIT = 2.0  # seconds gaps/stats wait for this process's queued questions

Clock = Callable[[], dt.datetime]

# Refused attempts at these commands go into the refresh history too (gaps/stats only log).
_RECORDED_COMMANDS: dict[str, RefreshAction] = {
    "refresh": "refresh",
    "refresh dry-run": "dry-run",
    "rollback": "rollback",
    "alias": "alias",
}


def normalize_question(text: str) -> str:
    """The form under which two askings count as one gap: folded, spaces and end marks dropped."""
    return fold(text).strip(" ?!.").strip()


def alias_for(question: str) -> str | None:
    """What the gaps button adds as an alias for an unanswered question, or None if nothing
    (`gap_alias` says why)."""
    try:
        return gap_alias(question)
    except AliasError:
        return None


def gap_alias(question: str) -> str:
    """The alias for an unanswered question: its subject ("who is the defense chief" → "the
    defense chief"), since the engine matches names after reading the form. Raises `AliasError`
    when that cannot be an alias — such as "who is …", where only question words are left."""
    # The parser drops what it cannot read; the question itself must still be text.
    refuse_surrogates(question, "the question")
    parsed = parse_question(question)
    if parsed.form in ("who", "what", "when", "search", "free") and parsed.subject:
        candidate = parsed.subject
    else:
        words = normalize_question(question).split()
        while words and name_key(words[0]) in QUESTION_WORDS | {""}:
            words.pop(0)
        candidate = " ".join(words)
        if not candidate or not name_key(candidate):
            raise AliasError("the question has only question words, no subject to add")
    return clean_alias(candidate)


@dataclass(frozen=True)
class _Question:
    """One answer to count, reduced to what is stored (bounded: the text is a prefix)."""

    at: dt.datetime
    answered: bool
    entry_ids: tuple[str, ...]
    gap: tuple[str, str] | None
    suggestions: tuple[str, ...]
    # The asker's context (its workspace, `state.workspace`), for the worker thread to write in
    context: contextvars.Context = field(default_factory=contextvars.copy_context)


class QuestionRecorder:
    """Counts every answered question for `stats`, and records unanswered ones for `gaps`.

    Recording must never cost a user their answer (issue 10: a locked state file stalled every
    answer for the 10 s busy timeout). So `record` only puts a small, bounded item on a queue and
    returns at once; one worker thread writes the items to the database. When the queue is full
    (the database is slow, locked or down), the item is dropped and counted in `dropped`; an item
    the database refused is counted in `failed`. Both are best effort by design: counts for
    `stats` and `gaps`, not data anyone depends on. Every `PRUNE_EVERY` items the worker also
    prunes old gaps.

    Items are written behind, in batches: once one arrives the worker waits `flush_every`
    seconds (or until `flush`/`close`), then writes everything queued in one transaction
    (`AdminState.record_questions`), so a busy second costs one commit, not one per question.
    So `stats` may lag by that second (`gaps` and `stats` call `flush` first, so an admin's own
    question is counted), and a process that dies without `close` loses at most the questions of
    its last second; none is ever counted twice, since a batch is one transaction and a failed
    one is counted in `failed`, not retried.
    """

    QUEUE_SIZE = 1_000  # about a minute of a busy workspace; each item is at most ~1 kB
    PRUNE_EVERY = 500
    FLUSH_EVERY = 1.0  # seconds a question waits in memory to be written with the others

    def __init__(
        self,
        state: AdminState,
        *,
        clock: Clock,
        timezone: dt.tzinfo,
        queue_size: int = QUEUE_SIZE,
        flush_every: float = FLUSH_EVERY,
    ) -> None:
        self._state = state
        self._clock = clock
        self._timezone = timezone
        self._flush_every = flush_every
        self._queue: queue.Queue[_Question | None] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        # Set by flush and close: the worker writes what is queued now instead of waiting.
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self._written = 0
        self.dropped = 0
        self.failed = 0
        self.batches = 0  # transactions written (how many questions each held: written / this)

    def record(self, answer: Answer) -> None:
        """Queue the answer for counting; never blocks, never raises."""
        if answer.status == "help":
            return  # asking for help is not a question about the alliance
        answered = answer.status == "answer"
        unanswered = answer.status in ("no_match", "suggestions")
        # Folding can lengthen text (issue 10: U+FDFA folds to 18 characters), so clip the input
        # before folding and the folded key after.
        typed = answer.question.strip()[:MAX_QUESTION_CHARS]
        normalized = normalize_question(typed)[:MAX_QUESTION_CHARS] if unanswered else ""
        item = _Question(
            # In the team's time zone: the day a question is counted under is the team's day,
            # the one `stats` and `gaps` count back from (ALLIANCE_TIMEZONE), not UTC's.
            at=self._clock().astimezone(self._timezone),
            answered=answered,
            entry_ids=tuple(e.id for e in answer.entries) if answered else (),
            gap=(normalized, typed) if normalized else None,
            suggestions=tuple(s.id for s in answer.suggestions),
        )
        self._ensure_worker()
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            with self._lock:
                self.dropped += 1
                dropped = self.dropped
            if dropped == 1 or dropped % 100 == 0:
                logger.warning("Question recording is behind: %d question(s) not counted", dropped)

    def flush(self, timeout: float = 10.0) -> bool:
        """Write every queued item now and wait until it is written (or given up on); False on
        timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            self._wake.set()
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self, timeout: float = 2.0) -> None:
        """Write what is queued (within `timeout`), then stop the worker."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is None:
            return
        self.flush(timeout)
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._wake.set()
        worker.join(timeout)

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._drain, name="question-recorder", daemon=True
                )
                self._worker.start()

    def _drain(self) -> None:
        while True:
            batch = [self._queue.get()]
            if batch[0] is not None:
                self._wake.wait(self._flush_every)  # gather the second's questions
            self._wake.clear()
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self._queue.get_nowait())
            try:
                self._write([item for item in batch if item is not None])
            finally:
                for _ in batch:
                    self._queue.task_done()
            if None in batch:
                return

    def _write(self, items: list[_Question]) -> None:
        # One transaction per workspace: each item is written in its asker's workspace.
        by_workspace: dict[WorkspaceKey, list[_Question]] = {}
        for item in items:
            by_workspace.setdefault(item.context.run(current_workspace), []).append(item)
        for group in by_workspace.values():
            questions = [
                AskedQuestion(i.at, i.answered, i.entry_ids, i.gap, i.suggestions) for i in group
            ]
            try:
                group[0].context.run(self._state.record_questions, questions)
            except Exception as error:
                with self._lock:
                    before, self.failed = self.failed, self.failed + len(group)
                    failed = self.failed
                if before == 0 or before // 100 != failed // 100:
                    # The type only: a driver's message can quote the statement's parameters.
                    logger.warning(
                        "Could not record %d question(s) (%s); %d not recorded so far",
                        len(group),
                        type(error).__name__,
                        failed,
                    )
                continue
            before, self._written = self._written, self._written + len(group)
            self.batches += 1
            if before // self.PRUNE_EVERY != self._written // self.PRUNE_EVERY:
                try:
                    self._state.prune_gaps(now=group[-1].at)
                except Exception as error:
                    logger.warning("Could not prune old gaps (%s)", type(error).__name__)


class KnowledgeAdmin:
    """Refresh, dry-run, rollback, gaps and stats over one `KnowledgeHolder`."""

    def __init__(
        self,
        holder: KnowledgeHolder,
        state: AdminState,
        *,
        clock: Clock,
        timezone: ZoneInfo,
        recorder: QuestionRecorder | None = None,
        cluster: KnowledgeCluster | None = None,
    ) -> None:
        self.holder = holder
        # The database's versions (the served app always has one): a change is stored there and
        # reaches every replica. Without it, changes stay in this process and its files.
        self.cluster = cluster
        # gaps and stats first wait (briefly) for this process's queued questions, so an admin
        # who just asked something sees it counted.
        self._recorder = recorder
        self.state = state
        self._timezone = timezone
        self._clock = clock
        # Alias writes edit files; two at once could interleave their read-modify-write.
        self._write_lock = threading.Lock()
        self._refresh_lock = threading.Lock()

    # --- who may -------------------------------------------------------------------------------

    def refuse(self, user_id: str, command: str) -> NotAnAdmin:
        """Log and record the attempt; say it was refused."""
        logger.warning("Refused /alliance %s for %s: not in ALLIANCE_ADMINS", command, user_id)
        action = _RECORDED_COMMANDS.get(command)
        if action is not None:
            self._record(user_id, action, "refused", None, None, "not an admin")
        return NotAnAdmin(command)

    # --- refresh, dry-run, rollback --------------------------------------------------------------

    def refresh(self, user_id: str, *, action: RefreshAction = "refresh") -> RefreshOutcome:
        """Validate the directory; swap it in only if it is valid and differs from the current."""
        # One refresh at a time: each installs exactly what it validated, so two running at once
        # could otherwise install an older read of the directory after a newer one.
        with self._refresh_lock:
            return self._refresh(user_id, action)

    def _refresh(self, user_id: str, action: RefreshAction) -> RefreshOutcome:
        before = self.holder.current
        try:
            fresh = self.holder.validate()
        except KnowledgeBaseInvalid as error:
            return self._invalid(user_id, action, before, error.problems)
        except OSError as error:  # a file vanished mid-read: nothing loaded, nothing swapped
            return self._invalid(user_id, action, before, [_os_problem(error)])
        if fresh.version == self.holder.current.version:
            # No swap: the previous snapshot stays what `rollback` returns to.
            self._record(user_id, action, "unchanged", before.version, fresh.version)
            return Unchanged(fresh.version, len(fresh))
        try:
            swap = self._install(fresh, user_id)  # what was validated is what runs: one load
        except _NotStored as error:
            return self._not_stored(user_id, action, before, error.reason)
        diff = diff_knowledge(swap.previous, swap.current)
        self._record(
            user_id, action, "swapped", swap.previous.version, swap.current.version, _counts(diff)
        )
        logger.info(
            "Knowledge base %s -> %s (%s) by %s",
            swap.previous.version,
            swap.current.version,
            _counts(diff),
            user_id,
        )
        return Refreshed(
            swap.previous.version,
            swap.current.version,
            len(swap.current),
            diff,
            replicas=self._reach(swap),
        )

    def dry_run(self, user_id: str) -> DryRunOutcome:
        """Validate and diff against the running base; never swap."""
        current = self.holder.current
        try:
            fresh = self.holder.validate()
        except KnowledgeBaseInvalid as error:
            return self._invalid(user_id, "dry-run", current, error.problems)
        except OSError as error:
            return self._invalid(user_id, "dry-run", current, [_os_problem(error)])
        diff = diff_knowledge(current, fresh)
        self._record(user_id, "dry-run", "valid", current.version, fresh.version, _counts(diff))
        return DryRunValid(fresh.version, len(fresh), diff)

    def rollback(self, user_id: str, target: str = "") -> RollbackOutcome:
        """Return to the version before the last change (running it again undoes the rollback),
        or, with the database's versions, to `target`: any stored version by hash prefix."""
        try:
            swap = self._roll_back(user_id, target)
        except _NotStored as error:
            return self._not_stored(user_id, "rollback", self.holder.current, error.reason)
        if swap is None:
            self._record(user_id, "rollback", "nothing", self.holder.current.version, None)
            return NothingToRollBack()
        diff = diff_knowledge(swap.previous, swap.current)
        self._record(
            user_id,
            "rollback",
            "swapped",
            swap.previous.version,
            swap.current.version,
            _counts(diff),
        )
        logger.info(
            "Knowledge base rolled back %s -> %s by %s",
            swap.previous.version,
            swap.current.version,
            user_id,
        )
        return RolledBack(
            swap.previous.version,
            swap.current.version,
            len(swap.current),
            diff,
            replicas=self._reach(swap),
        )

    def reload_on_signal(self) -> RefreshOutcome:
        """`SIGHUP`: the same refresh, recorded as done by the signal."""
        return self.refresh(SIGHUP_USER, action="sighup")

    # --- what users miss -----------------------------------------------------------------------

    def gaps(self, *, days: int = GAP_DAYS, limit: int = 10) -> GapsReport:
        since = self._today() - dt.timedelta(days=days - 1)
        self._catch_up()
        gaps = self.state.gaps(since=since, limit=limit)
        kb = self.holder.current
        return GapsReport(
            days,
            tuple(
                GapItem(
                    gap,
                    offered=tuple(i for i in gap.suggestions if i in kb.entries),
                    alias=alias_for(gap.text),
                )
                for gap in gaps
            ),
        )

    def stats(self, *, days: int = STATS_DAYS) -> StatsReport:
        since = self._today() - dt.timedelta(days=days - 1)
        self._catch_up()
        stats = self.state.stats(since=since)
        kb = self.holder.current
        top = []
        for entry_id, count in stats.top_entries:
            entry = kb.get(entry_id)
            top.append(TopEntry(entry_id, entry.label if entry is not None else None, count))
        return StatsReport(days, stats, tuple(top))

    # --- one-step aliases ----------------------------------------------------------------------

    def make_alias(self, user_id: str, entry_id: str, question: str) -> AliasOutcome:
        """The gaps button: add the question's subject (`alias_for`) as an alias of `entry_id`,
        then refresh; on any error no file changes and the running base is untouched."""
        try:
            alias = gap_alias(question)
        except AliasError as error:
            self._record(user_id, "alias", "invalid", self.holder.current.version, None, str(error))
            return AliasRefused(str(error))
        return self._write_alias(user_id, entry_id, alias, gap=question)

    def add_typed_alias(self, user_id: str, entry_id: str, text: str) -> AliasOutcome:
        """`/alliance alias ENTRY-ID = TEXT`: add TEXT as the admin typed it (case and accents
        kept, only invisible characters stripped), then refresh."""
        return self._write_alias(user_id, entry_id, text, gap=text)

    def _write_alias(self, user_id: str, entry_id: str, alias: str, *, gap: str) -> AliasOutcome:
        before = self.holder.current
        # An alias write is a refresh too (it installs what it validated): under the refresh lock,
        # a refresh that read the directory before the write cannot install that older read after.
        with self._write_lock, self._refresh_lock:
            try:
                written = self._add_alias(user_id, entry_id, alias)
            except _NotStored as error:
                return self._not_stored(user_id, "alias", before, error.reason)
            except AliasError as error:
                self._record(user_id, "alias", "invalid", before.version, None, str(error))
                return AliasRefused(str(error))
            except KnowledgeBaseInvalid as error:
                return self._invalid(user_id, "alias", before, error.problems)
        alias = clean_alias(alias)  # what add_alias wrote
        self.state.forget_gap(normalize_question(gap))
        diff = diff_knowledge(written.swap.previous, written.swap.current)
        self._record(
            user_id,
            "alias",
            "swapped",
            written.swap.previous.version,
            written.swap.current.version,
            f"{entry_id}: {alias}",
        )
        return AliasAdded(
            alias=alias,
            entry_id=entry_id,
            file=written.file,
            line=written.line,
            before=written.swap.previous.version,
            after=written.swap.current.version,
            diff=diff,
            replicas=self._reach(written.swap),
        )

    # --- the database's versions (KnowledgeCluster) ---------------------------------------------

    def _install(self, fresh: KnowledgeBase, user_id: str) -> Swap:
        if self.cluster is None:
            return self.holder.install(fresh)
        with _storing():
            return self.cluster.publish(fresh, by=user_id)

    def _roll_back(self, user_id: str, target: str) -> Swap | None:
        if self.cluster is None:
            return self.holder.rollback()
        with _storing():
            return self.cluster.rollback(target, by=user_id)

    def _add_alias(self, user_id: str, entry_id: str, alias: str) -> WrittenAlias:
        if self.cluster is None:
            return add_alias(self.holder, entry_id, alias)
        with _storing():
            return self.cluster.add_alias(entry_id, alias, by=user_id)

    def _reach(self, swap: Swap) -> Reach | None:
        """How many replicas serve the new version, once they caught up (or a few seconds)."""
        if self.cluster is None:
            return None
        try:
            return self.cluster.reach(swap.current.version)
        except Exception as error:  # stored and installed; only the count is missing
            logger.warning("Could not count the replicas (%s)", type(error).__name__)
            return None

    def _not_stored(
        self, user_id: str, action: RefreshAction, running: KnowledgeBase, reason: str
    ) -> NotStored:
        self._record(user_id, action, "invalid", running.version, None, reason[:200])
        return NotStored(action, reason, running.version, len(running))

    # --- plumbing ------------------------------------------------------------------------------

    def _invalid(
        self,
        user_id: str,
        action: RefreshAction,
        running: KnowledgeBase,
        problems: Sequence[Problem],
    ) -> Invalid:
        self._record(
            user_id, action, "invalid", running.version, None, f"{len(problems)} problem(s)"
        )
        logger.warning(
            "Knowledge base refused (%s by %s): %d problem(s)", action, user_id, len(problems)
        )
        return Invalid(action, running.version, len(running), tuple(problems))

    def _record(
        self,
        user_id: str,
        action: RefreshAction,
        result: RefreshResult,
        before: str | None,
        after: str | None,
        detail: str = "",
    ) -> None:
        try:
            self.state.record_refresh(
                RefreshRecord(
                    at=self._clock(),
                    user_id=user_id,
                    action=action,
                    result=result,
                    version_before=before,
                    version_after=after,
                    detail=detail,
                )
            )
        except Exception:
            # The swap already happened (or was refused); losing its history line must not
            # turn the admin's reply into an error.
            logger.exception("Could not record the %s by %s", action, user_id)

    def _catch_up(self) -> None:
        if self._recorder is not None:
            self._recorder.flush(timeout=READ_YOUR_QUESTIONS_WAIT)

    def _today(self) -> dt.date:
        # The team's calendar (ALLIANCE_TIMEZONE), as for answers and the daily post.
        return self._clock().astimezone(self._timezone).date()


class _NotStored(Exception):
    """A change that could not be stored in the database; `reason` says why, for the admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@contextlib.contextmanager
def _storing() -> Iterator[None]:
    """Turn what can go wrong storing a version into `_NotStored` (nothing changed anywhere)."""
    try:
        yield
    except (VersionError, ArchiveError) as error:
        raise _NotStored(str(error)) from None
    except DBAPIError as error:
        logger.warning("Could not store the knowledge base version (%s)", type(error).__name__)
        raise _NotStored(
            "the database cannot be reached, so no replica could be told; waiting for the "
            "database, try again when it is back"
        ) from None


def _counts(diff: KbDiff) -> str:
    return f"{diff.added} added, {diff.removed} removed, {diff.changed} changed"


def _os_problem(error: OSError) -> Problem:
    return Problem(str(error.filename or "knowledge"), None, None, f"could not read: {error}")
