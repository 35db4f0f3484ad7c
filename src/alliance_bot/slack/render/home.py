"""The App Home tab, rendered to a Block Kit `home` view: what the bot is and how to ask, the
knowledge base, today's "on this day" items, the next daily post, a search box with its answer,
and for admins the latest gaps (with their make-alias buttons), the last refreshes and a Refresh
button that asks for confirmation.

Pure rendering: the listener gathers a `HomeContent` and this module turns it into a view. It
stays within Slack's limits whatever the size of the knowledge base — at most 100 blocks a view,
3000 characters a section, 150 a header, 25 elements an actions block — because every part that
grows with the base (today's events, the answer, the gaps) has a fixed budget of blocks and
lines, and the whole is cut to 100 blocks as a last resort. Every text is escaped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.views import View

from alliance_bot.admin.outcomes import GapsReport
from alliance_bot.admin.state import RefreshRecord
from alliance_bot.answering.answer import Answer
from alliance_bot.answering.wording import citations
from alliance_bot.daily.content import events_for
from alliance_bot.knowledge.dates import human_range
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.mrkdwn import clip, escape
from alliance_bot.slack.render.admin import render_gaps
from alliance_bot.slack.render.answers import SUGGESTION_ACTION_PREFIX, render_answer
from alliance_bot.slack.render.daily import day_label
from alliance_bot.slack.render.limits import (
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
    context,
    header,
    section,
    split_mrkdwn,
)
from alliance_bot.slack.render.words import mrkdwn, sources

View_ = dict[str, Any]
Block = dict[str, Any]

HOME_CALLBACK = "alliance_home"
SEARCH_ACTION = "alliance_home_search"
SEARCH_BLOCK_PREFIX = "alliance_home_search_"
REFRESH_ACTION = "alliance_home_refresh"
HOME_SUGGESTION_PREFIX = "alliance_home_suggest_"
HOME_SUGGESTION_ACTION = re.compile(rf"^{HOME_SUGGESTION_PREFIX}\d+$")

# Budgets: parts that grow with the base get at most this many blocks or lines.
MAX_TODAY_SHOWN = 10
MAX_ANSWER_BLOCKS = 30
MAX_GAP_BLOCKS = 8
MAX_REFRESHES_SHOWN = 5

EXAMPLES = (
    "who is Hamada",
    "when did the Osprey crash",
    "quote Kishida",
    "what is the MLR",
    "how many Ospreys did Japan ground",
    "on this day",
    "search Futenma",
)

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_PLURALS = {"person": "people"}


@dataclass(frozen=True)
class NextPost:
    """When and where the next daily post goes; `at` None when no channel is set."""

    channels: tuple[str, ...]
    at: dt.datetime | None
    timezone: str


@dataclass(frozen=True)
class HomeSearch:
    """A question asked in the Home tab's search box and its answer."""

    question: str
    answer: Answer


@dataclass(frozen=True, kw_only=True)
class HomeContent:
    """Everything the Home tab shows to one user."""

    kb: KnowledgeBase
    today: dt.date
    next_post: NextPost
    is_admin: bool
    search: HomeSearch | None = None
    # Already-escaped mrkdwn from the admin feature (a refresh's or an alias's outcome)
    notice: str | None = None
    gaps: GapsReport | None = None
    refreshes: Sequence[RefreshRecord] = ()


def render_home(content: HomeContent) -> View_:
    """The `home` view for `views.publish`."""
    blocks: list[Block] = [
        header("alliance-bot: the US–Japan alliance, cited"),
        section(
            "I answer questions about the US–Japan alliance from a curated knowledge base of "
            "people, dated events, quotes, figures and terms, and cite the article and line of "
            "every answer. Ask with `/alliance …` anywhere, mention me in a channel, write to "
            "me in *Messages*, or use the box below."
        ),
        section("*Try:*\n" + "\n".join(f"`/alliance {e}`" for e in EXAMPLES)),
    ]
    if content.notice:
        blocks.append({"type": "divider"})
        blocks.extend(_sections(content.notice, limit=3))
    blocks.append(_search_input(content.search))
    if content.search is not None:
        blocks.extend(_answer_blocks(content.search))
    blocks.append({"type": "divider"})
    blocks.append(section(_knowledge_text(content.kb)))
    blocks.extend(_today_blocks(content.kb, content.today))
    blocks.append(section(_next_post_text(content.next_post)))
    if content.is_admin:
        blocks.extend(_admin_blocks(content))
    if len(blocks) > MAX_VIEW_BLOCKS:
        # Budgets above keep well under 100; this is the last guard so Slack never rejects it.
        blocks = [*blocks[: MAX_VIEW_BLOCKS - 1], context("…cut to fit the Home tab.")]
    return {"type": "home", "callback_id": HOME_CALLBACK, "blocks": blocks}


def validate_home(view: View_) -> None:
    """Check a view with slack-sdk's models (each block, the 100-block limit); raise
    `SlackObjectFormationError`/ValueError on the first problem. Used by tests."""
    blocks = view.get("blocks", [])
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; a view holds at most {MAX_VIEW_BLOCKS}")
    parsed = View(**view)
    parsed.validate_json()
    for block in parsed.blocks:
        block.validate_json()
    for block in blocks:
        if block.get("type") == "section":
            text = block.get("text", {}).get("text", "")
            if not 0 < len(text) <= MAX_SECTION_TEXT:
                raise ValueError(f"section text of {len(text)} characters")


# --- parts ------------------------------------------------------------------------------------


def _search_input(search: HomeSearch | None) -> Block:
    # A new block id after each question empties the box (Slack keeps what was typed in a block
    # whose id is unchanged), so the next question starts clean.
    suffix = (
        hashlib.sha1(search.question.encode(), usedforsecurity=False).hexdigest()[:8]
        if search is not None
        else "0"
    )
    return {
        "type": "input",
        "block_id": f"{SEARCH_BLOCK_PREFIX}{suffix}",
        "dispatch_action": True,
        "label": {"type": "plain_text", "text": "Ask a question (press Enter)"},
        "element": {
            "type": "plain_text_input",
            "action_id": SEARCH_ACTION,
            "placeholder": {"type": "plain_text", "text": "who is Hamada"},
            "max_length": 500,
            "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
        },
        "optional": True,
    }


def _answer_blocks(search: HomeSearch) -> list[Block]:
    """The same answer `/alliance` gives, minus Share (the Home tab has no channel); its
    did-you-mean buttons get Home action ids, so a click answers here too."""
    asked = clip(escape(" ".join(search.question.split())), 300) or "…"
    message = render_answer(search.answer)
    blocks: list[Block] = [context(f"You asked: {asked}")]
    for block in message["blocks"][:MAX_ANSWER_BLOCKS]:
        if block.get("type") == "actions":
            block = {
                "type": "actions",
                "elements": [
                    {
                        **element,
                        "action_id": element["action_id"].replace(
                            SUGGESTION_ACTION_PREFIX, HOME_SUGGESTION_PREFIX, 1
                        ),
                    }
                    for element in block["elements"]
                    if str(element.get("action_id", "")).startswith(SUGGESTION_ACTION_PREFIX)
                ],
            }
            if not block["elements"]:
                continue
        blocks.append(block)
    return blocks


def _knowledge_text(kb: KnowledgeBase) -> str:
    counts = ", ".join(
        f"{len(entries):,} {kind if len(entries) == 1 else _PLURALS.get(kind, kind + 's')}"
        for kind, entries in sorted(kb.by_kind.items())
        if entries
    )
    return f"*Knowledge base* version `{escape(kb.version)}`: {len(kb):,} entries ({counts})."


def _today_blocks(kb: KnowledgeBase, today: dt.date) -> list[Block]:
    events = events_for(kb, today)
    heading = f"On this day: {day_label(today)}"
    if not events:
        return [
            section(
                f"*{escape(heading)}*\nNothing in the knowledge base happened on this day. "
                "Ask `/alliance on this day` for the nearest dates."
            )
        ]
    lines = [f"*{escape(heading)}*"]
    for event in events[:MAX_TODAY_SHOWN]:
        when = human_range(event.date, event.end)
        line = (
            f"• *{event.date.year}* — {clip(escape(' '.join(event.title.split())), 200)} "
            f"({escape(when)}) · {clip(mrkdwn(sources(citations(kb, [event]))), 200)}"
        )
        lines.append(line)
    if len(events) > MAX_TODAY_SHOWN:
        lines.append(f"…and {len(events) - MAX_TODAY_SHOWN:,} more: ask `/alliance on this day`.")
    return _sections("\n".join(lines), limit=3)


def _next_post_text(post: NextPost) -> str:
    if not post.channels or post.at is None:
        return "*Daily post:* off — no channel is set (an admin can set one with `/alliance settings`)."
    where = ", ".join(f"<#{c}>" for c in post.channels)
    stamp = int(post.at.timestamp())
    fallback = f"{post.at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    # Slack shows <!date^…> in each reader's own time zone; the fallback is for old clients.
    return (
        f"*Next daily post:* <!date^{stamp}^{{date_short_pretty}} at {{time}}|{fallback}> "
        f"({escape(post.timezone)} schedule) to {where}."
    )


def _admin_blocks(content: HomeContent) -> list[Block]:
    blocks: list[Block] = [{"type": "divider"}, header("For admins")]
    if content.gaps is not None:
        gaps = render_gaps(content.gaps, content.kb)["blocks"]
        blocks.extend(gaps[:MAX_GAP_BLOCKS])
    lines = ["*Last refreshes:*"]
    for record in content.refreshes[:MAX_REFRESHES_SHOWN]:
        who = f"<@{record.user_id}>" if _USER_ID.match(record.user_id) else escape(record.user_id)
        versions = " → ".join(
            f"`{escape(v)}`" for v in (record.version_before, record.version_after) if v
        )
        lines.append(
            f"• {record.at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC · {escape(record.action)} · "
            f"{escape(record.result)} · {who}" + (f" · {versions}" if versions else "")
        )
    if len(lines) == 1:
        lines.append("none yet")
    blocks.append(section("\n".join(lines)))
    blocks.append(
        {
            "type": "actions",
            "block_id": "alliance_home_admin",
            "elements": [
                {
                    "type": "button",
                    "action_id": REFRESH_ACTION,
                    "text": {"type": "plain_text", "text": "Refresh the knowledge base"},
                    "value": "refresh",
                    "style": "primary",
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Refresh the knowledge base?"},
                        "text": {
                            "type": "mrkdwn",
                            "text": "This re-reads and validates the knowledge base directory, "
                            "as `/alliance refresh` does. A valid, changed base replaces the "
                            "running one; an invalid one changes nothing.",
                        },
                        "confirm": {"type": "plain_text", "text": "Refresh"},
                        "deny": {"type": "plain_text", "text": "Cancel"},
                    },
                }
            ],
        }
    )
    blocks.append(
        context(
            "Settings (daily channels, time, time zone, fallback, bot admins): "
            "`/alliance settings`."
        )
    )
    return blocks


# --- building blocks --------------------------------------------------------------------------


def _sections(text: str, *, limit: int) -> list[Block]:
    """`text` in sections of ≤ 3000 characters, cut at lines, at most `limit` of them."""
    return [section(c) for c in split_mrkdwn(text)[:limit]]
