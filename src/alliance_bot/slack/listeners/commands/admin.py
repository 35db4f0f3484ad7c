"""Slack wiring of the knowledge base admin: `/alliance refresh [dry-run]`, `rollback`, `gaps`,
`stats`, `alias`, the gaps list's "make alias" buttons, question recording and SIGHUP.

Thin by design: each handler calls `alliance_bot.admin.service.KnowledgeAdmin` in a worker
thread (loading a knowledge base is CPU and disk work; the event loop must keep answering) and
renders the outcome it returns (`alliance_bot.slack.render.admin`). The entry points use one call, `wire_admin(settings, knowledge)`, and plug the result
into `build_app` (sub-commands, answer engine), the Bolt app (button listener) and the server's
background jobs (SIGHUP).

The sub-commands are `admin_only`: the dispatcher checks the caller through the `AdminGate`,
whose refusal (`KnowledgeAdmin.refuse`) logs and records the attempt; the button asks the same gate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import re
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from alliance_bot.admin.service import KnowledgeAdmin, QuestionRecorder
from alliance_bot.admin.state import AdminState, SqlAdminState
from alliance_bot.config import Settings
from alliance_bot.knowledge.cluster import KnowledgeCluster
from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.logs import excerpt
from alliance_bot.slack.features import AdminGate, AnswerEngine, Subcommand, SubcommandRequest
from alliance_bot.slack.mrkdwn import unescape
from alliance_bot.slack.render.admin import (
    GAP_ALIAS_ACTION,
    GAP_ALIAS_PREFIX,
    admin_text,
    render_admin,
    render_admin_text,
    render_gaps,
)
from alliance_bot.slack.server import BackgroundJob
from alliance_bot.slack.signals import take_over

logger = logging.getLogger(__name__)


_ALIAS_ARGS = re.compile(r"^\s*([a-z0-9][a-z0-9-]*)\s*(?:=|\s)\s*(.+?)\s*$")

Listener = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class AdminWiring:
    """Everything the admin feature adds to the app, built once by `wire_admin`."""

    admin: KnowledgeAdmin
    recorder: QuestionRecorder
    subcommands: Mapping[str, Subcommand] = field(default_factory=dict)

    def engine(self, base: AnswerEngine | None = None) -> AnswerEngine:
        """`base` (default: the real engine) with every answer recorded for gaps and stats."""
        return recording_engine(base or AnswerEngine.default(), self.recorder)

    def register(self, app: AsyncApp, gate: AdminGate) -> None:
        """Add the gaps list's "make alias" button listener to `app`."""
        register_admin_actions(app, self.admin, gate)

    def background(self) -> list[BackgroundJob]:
        """Jobs to run next to the server: reload on SIGHUP; write out queued questions at exit."""
        return [sighup_reloader(self.admin), recorder_closer(self.recorder)]


def wire_admin(
    settings: Settings,
    knowledge: KnowledgeHolder,
    *,
    state: AdminState | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    cluster: KnowledgeCluster | None = None,
) -> AdminWiring:
    """Build the admin, its state (the database of `Settings.database`) and its sub-commands;
    with `cluster`, refresh, rollback and aliases change the database's current version."""
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    store = state if state is not None else SqlAdminState.for_settings(settings)
    recorder = QuestionRecorder(store, clock=now, timezone=settings.timezone)
    admin = KnowledgeAdmin(
        knowledge, store, clock=now, timezone=settings.timezone, recorder=recorder, cluster=cluster
    )
    return AdminWiring(
        admin=admin,
        recorder=recorder,
        subcommands=admin_subcommands(admin),
    )


# --- answer recording ------------------------------------------------------------------------


def recording_engine(engine: AnswerEngine, recorder: QuestionRecorder) -> AnswerEngine:
    """Wrap `engine.answer` so every reply is counted and unanswered questions are recorded.

    Wrapping the engine is the narrowest hook: every place that answers typed text (slash command,
    mention, DM) goes through it, and the listeners stay unaware. `record` only queues: the
    database write happens on the recorder's own thread, never on the answer's path.
    """

    def answer(kb: KnowledgeBase, text: str, today: dt.date) -> Any:
        result = engine.answer(kb, text, today)
        recorder.record(result)
        return result

    return AnswerEngine(answer=answer, answer_entry=engine.answer_entry)


def recorder_closer(recorder: QuestionRecorder) -> BackgroundJob:
    """A background job that does nothing until the server stops, then writes out the queue."""

    async def close_recorder() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.to_thread(recorder.close)

    return close_recorder


# --- sub-commands -----------------------------------------------------------------------------


def admin_subcommands(admin: KnowledgeAdmin) -> dict[str, Subcommand]:
    """The `/alliance` sub-commands of the knowledge base admin."""

    async def refresh(request: SubcommandRequest) -> None:
        dry = request.args.lower() in ("dry-run", "dry run", "--dry-run", "check")
        work = admin.dry_run if dry else admin.refresh
        outcome = await asyncio.to_thread(work, request.user_id)
        await request.respond(**render_admin(outcome), response_type="ephemeral")

    async def rollback(request: SubcommandRequest) -> None:
        outcome = await asyncio.to_thread(admin.rollback, request.user_id, request.args)
        await request.respond(**render_admin(outcome), response_type="ephemeral")

    async def gaps(request: SubcommandRequest) -> None:
        report = await asyncio.to_thread(admin.gaps)
        message = render_gaps(report, admin.holder.current)
        await request.respond(**message, response_type="ephemeral")

    async def stats(request: SubcommandRequest) -> None:
        report = await asyncio.to_thread(admin.stats)
        await request.respond(**render_admin(report), response_type="ephemeral")

    async def alias(request: SubcommandRequest) -> None:
        match = _ALIAS_ARGS.match(request.args)
        if match is None:
            text = "Usage: `/alliance alias ENTRY-ID = TEXT`, e.g. `/alliance alias hamada-yasukazu = defense chief`."
        else:
            outcome = await asyncio.to_thread(
                admin.add_typed_alias, request.user_id, match[1], match[2]
            )
            text = admin_text(outcome)
        await request.respond(**render_admin_text(text), response_type="ephemeral")

    return {
        "refresh": Subcommand(
            refresh,
            admin_only=True,
            summary="reload the knowledge base (`refresh dry-run`: check only)",
        ),
        "rollback": Subcommand(
            rollback,
            admin_only=True,
            summary="return to the previous base (`rollback VERSION`: to any earlier one)",
        ),
        "gaps": Subcommand(gaps, admin_only=True, summary="most frequent unanswered questions"),
        "stats": Subcommand(stats, admin_only=True, summary="questions per day, share answered"),
        "alias": Subcommand(alias, admin_only=True, summary="add an alias to an entry"),
    }


# --- the "make alias" button ------------------------------------------------------------------


def register_admin_actions(app: AsyncApp, admin: KnowledgeAdmin, gate: AdminGate) -> None:
    """Register the gaps list's buttons by their action ids."""
    app.action(GAP_ALIAS_ACTION)(gap_alias_clicked(admin, gate))


def gap_alias_clicked(admin: KnowledgeAdmin, gate: AdminGate) -> Listener:
    """The "make alias" listener: add the gap's question as an alias of the entry, refresh."""

    async def handle_gap_alias(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id = str((body.get("user") or {}).get("id", ""))
        if not await gate.allows(user_id):
            text = await gate.refuse(user_id, "alias")
        else:
            try:
                value = json.loads(str(action.get("value", "")))
                entry_id, question = str(value["e"]), str(value["q"])
            except (ValueError, KeyError, TypeError):
                text = "That button is from an older gaps list; run `/alliance gaps` again."
            else:
                outcome = await asyncio.to_thread(admin.make_alias, user_id, entry_id, question)
                text = admin_text(outcome)
        await respond(**render_admin_text(text), response_type="ephemeral", replace_original=False)

    return handle_gap_alias


# --- SIGHUP -----------------------------------------------------------------------------------


def sighup_reloader(admin: KnowledgeAdmin) -> BackgroundJob:
    """A background job: on each SIGHUP, refresh exactly as `/alliance refresh` does."""

    async def reload_on_sighup() -> None:
        loop = asyncio.get_running_loop()
        wanted = asyncio.Event()
        # A SIGHUP queued during start-up (`queue_signal`) is replayed here as one reload.
        take_over(loop, signal.SIGHUP, wanted.set)
        logger.info("SIGHUP reloads the knowledge base (pid %d)", os.getpid())
        try:
            while True:
                await wanted.wait()
                wanted.clear()  # signals arriving during a reload collapse into one more reload
                outcome = await asyncio.to_thread(admin.reload_on_signal)
                logger.info("SIGHUP reload: %s", excerpt(unescape(admin_text(outcome)), 300))
        finally:
            loop.remove_signal_handler(signal.SIGHUP)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)  # shutting down: a reload is moot

    return reload_on_sighup


__all__ = [
    "GAP_ALIAS_ACTION",
    "GAP_ALIAS_PREFIX",
    "AdminWiring",
    "admin_subcommands",
    "recording_engine",
    "register_admin_actions",
    "render_admin",
    "render_admin_text",
    "render_gaps",
    "sighup_reloader",
    "wire_admin",
]
