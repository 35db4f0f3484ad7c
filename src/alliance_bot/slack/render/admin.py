"""The admin feature's words: `KnowledgeAdmin`'s outcomes (`alliance_bot.admin.outcomes`) as
mrkdwn (`admin_text`, every text from files or users escaped), that text in sections, and the
gaps list with its "make alias" buttons (shown in `/alliance gaps` and in the Home tab)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from alliance_bot.admin.outcomes import (
    AdminOutcome,
    AliasAdded,
    AliasRefused,
    DryRunValid,
    GapsReport,
    Invalid,
    NotAnAdmin,
    NothingToRollBack,
    NotStored,
    Refreshed,
    RolledBack,
    StatsReport,
    Unchanged,
)
from alliance_bot.knowledge.cluster import Reach
from alliance_bot.knowledge.diff import KbDiff
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.text import shorten
from alliance_bot.slack.mrkdwn import clip, escape
from alliance_bot.slack.render.limits import (
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    fallback_text,
    section,
    split_mrkdwn,
)

GAP_ALIAS_PREFIX = "alliance_gap_alias_"
GAP_ALIAS_ACTION = re.compile(rf"^{GAP_ALIAS_PREFIX}\d+$")

_BUTTONS_PER_BLOCK = 25
# A reply lists this many problems; `kb check` prints all of them.
MAX_PROBLEMS = 15

Message = dict[str, Any]


def admin_text(outcome: AdminOutcome) -> str:
    """What `KnowledgeAdmin` did, as one mrkdwn reply."""
    match outcome:
        case NotAnAdmin():
            return _not_an_admin(outcome)
        case Unchanged():
            return _unchanged(outcome)
        case Refreshed():
            return _refreshed(outcome)
        case DryRunValid():
            return _dry_run_valid(outcome)
        case RolledBack():
            return _rolled_back(outcome)
        case NothingToRollBack():
            return _nothing_to_roll_back(outcome)
        case AliasAdded():
            return _alias_added(outcome)
        case AliasRefused():
            return _alias_refused(outcome)
        case Invalid():
            return _invalid(outcome)
        case NotStored():
            return _not_stored(outcome)
        case GapsReport():
            return _gaps_report(outcome)
        case StatsReport():
            return _stats_report(outcome)


def render_admin(outcome: AdminOutcome) -> Message:
    """An outcome as an ephemeral message's text and sections."""
    return render_admin_text(admin_text(outcome))


def _not_an_admin(outcome: NotAnAdmin) -> str:
    return (
        f"Sorry, `/alliance {escape(outcome.command)}` is only for the knowledge base admins "
        "(ALLIANCE_ADMINS). Your attempt has been logged; ask an admin if you need it."
    )


def _unchanged(outcome: Unchanged) -> str:
    return (
        f"Knowledge base unchanged (version `{outcome.version}`, {outcome.entries} entries); "
        "nothing to swap."
    )


def _refreshed(outcome: Refreshed) -> str:
    return (
        f":white_check_mark: Knowledge base refreshed: `{outcome.before}` → "
        f"`{outcome.after}` ({outcome.entries} entries).\n{_diff_text(outcome.diff)}"
        + _replicas(outcome.replicas)
    )


def _dry_run_valid(outcome: DryRunValid) -> str:
    return (
        f"Dry run: the knowledge base in the directory is valid (version `{outcome.version}`, "
        f"{outcome.entries} entries). Nothing was swapped; `/alliance refresh` would change:\n"
        f"{_diff_text(outcome.diff)}"
    )


def _rolled_back(outcome: RolledBack) -> str:
    return (
        f":leftwards_arrow_with_hook: Rolled back: `{outcome.before}` → "
        f"`{outcome.after}` ({outcome.entries} entries). The files on disk are "
        f"unchanged; the next refresh loads them again.\n{_diff_text(outcome.diff)}"
        + _replicas(outcome.replicas)
    )


def _nothing_to_roll_back(outcome: NothingToRollBack) -> str:
    return "Nothing to roll back to: the knowledge base has not been refreshed since start."


def _alias_added(outcome: AliasAdded) -> str:
    return (
        f":white_check_mark: Added “{escape(outcome.alias)}” as an alias of "
        f"`{escape(outcome.entry_id)}` in `{escape(outcome.file)}` (line {outcome.line}) and "
        f"refreshed: `{outcome.before}` → `{outcome.after}`.\n{_diff_text(outcome.diff)}"
        + _replicas(outcome.replicas)
    )


def _replicas(reach: Reach | None) -> str:
    """ "3 replicas now answer from version 1a2b3c…" on a line of its own (nothing without one)."""
    return "" if reach is None else "\n" + escape(reach.summary())


def _not_stored(outcome: NotStored) -> str:
    what = {"rollback": "Not rolled back", "alias": "Alias not added"}.get(
        outcome.action, "Not refreshed"
    )
    return (
        f":x: {what}: {escape(outcome.reason)}. The running version "
        f"`{outcome.running_version}` ({outcome.running_entries} entries) keeps answering."
    )


def _alias_refused(outcome: AliasRefused) -> str:
    return f"Could not add the alias: {escape(outcome.reason)}"


def _invalid(outcome: Invalid) -> str:
    problems = outcome.problems
    what = "Dry run: the knowledge base" if outcome.dry_run else "Not refreshed: the knowledge base"
    lines = [
        f":x: {what} in the directory has {len(problems)} problem(s). The running "
        f"version `{outcome.running_version}` ({outcome.running_entries} entries) keeps answering.",
    ]
    for problem in problems[:MAX_PROBLEMS]:
        where = problem.file if problem.line is None else f"{problem.file}:{problem.line}"
        entry = f" [{escape(problem.entry_id)}]" if problem.entry_id else ""
        lines.append(f"• `{escape(where)}`{entry} {clip(escape(problem.message), 300)}")
    if len(problems) > MAX_PROBLEMS:
        lines.append(
            f"…and {len(problems) - MAX_PROBLEMS} more: run `alliance-bot kb check` to see all."
        )
    return "\n".join(lines)


def _gaps_report(report: GapsReport) -> str:
    if not report.items:
        return f"No unanswered questions in the last {report.days} days."
    lines = [f"*Most frequent unanswered questions, last {report.days} days:*"]
    for number, item in enumerate(report.items, start=1):
        gap = item.gap
        times = "once" if gap.count == 1 else f"{gap.count} times"
        # Clipped before escaping, so `&` padding cannot hide text.
        line = (
            f"{number}. “{escape(shorten(gap.text, 200))}” — {times}, "
            f"last {gap.last_asked.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        )
        if item.offered:
            line += " · suggested: " + ", ".join(f"`{escape(i)}`" for i in item.offered[:3])
            # Exactly what a button adds (never clipped: an alias is at most MAX_ALIAS long).
            line += (
                f" · its button adds the alias “{escape(item.alias)}”"
                if item.alias is not None
                else " · no alias to add (only question words)"
            )
        lines.append(line)
    lines.append(
        "_Make a question an alias of an entry with its button, or "
        "`/alliance alias ENTRY-ID = TEXT`._"
    )
    return "\n".join(lines)


def _stats_report(report: StatsReport) -> str:
    stats = report.stats
    if not stats.asked:
        return f"No questions asked in the last {report.days} days."
    share = round(100 * stats.answered / stats.asked)
    lines = [
        f"*Questions, last {report.days} days:* {stats.asked} asked, {stats.answered} answered "
        f"({share}%).",
        "*Per day:*",
    ]
    lines += [f"• {d.day.isoformat()}: {d.asked} asked, {d.answered} answered" for d in stats.days]
    if report.top_entries:
        lines.append("*Most-asked entries:*")
        for number, top in enumerate(report.top_entries, start=1):
            label = f"{escape(shorten(top.label, 80))} " if top.label is not None else ""
            lines.append(f"{number}. {label}(`{escape(top.entry_id)}`) — {top.count}")
    return "\n".join(lines)


def _diff_text(diff: KbDiff) -> str:
    return escape(diff.summary())


def render_admin_text(text: str) -> Message:
    """Already-escaped mrkdwn from `KnowledgeAdmin` as sections (split at lines, ≤ 3000 each)."""
    return {
        "text": fallback_text(text),
        "blocks": [section(chunk) for chunk in (split_mrkdwn(text) or ["…"])[: MAX_BLOCKS - 5]],
    }


def render_gaps(report: GapsReport, kb: KnowledgeBase) -> Message:
    """The gaps list with one "make alias" button per gap and suggested entry still in the base."""
    message = render_admin(report)
    buttons: list[dict[str, Any]] = []
    for number, item in enumerate(report.items, start=1):
        gap, alias = item.gap, item.alias
        if alias is None:
            continue  # the list says there is nothing to add; a button would only be refused
        for entry_id in gap.suggestions[:2]:
            entry = kb.get(entry_id)
            if entry is None:
                continue
            value = json.dumps({"e": entry_id, "q": gap.text}, ensure_ascii=False)
            if len(value) > MAX_BUTTON_VALUE:
                continue
            label = clip(f"{number}. alias of {' '.join(entry.label.split())}", MAX_BUTTON_TEXT)
            buttons.append(
                {
                    "type": "button",
                    "action_id": f"{GAP_ALIAS_PREFIX}{len(buttons)}",
                    "text": {"type": "plain_text", "text": label},
                    "value": value,
                    "accessibility_label": clip(
                        f"Add question {number} as an alias of {' '.join(entry.label.split())}",
                        MAX_BUTTON_TEXT,
                    ),
                }
            )
    for start in range(0, len(buttons), _BUTTONS_PER_BLOCK):
        message["blocks"].append(
            {"type": "actions", "elements": buttons[start : start + _BUTTONS_PER_BLOCK]}
        )
    return message
