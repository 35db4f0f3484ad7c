"""Every message the Slack app sends, rendered to Block Kit: the one rendering module.

A message is a plain dict (`{"text": fallback, "blocks": [...]}`) that can be passed to
`respond(**message)` or `chat.postMessage(**message)`. This module knows Block Kit and its limits,
but nothing about Bolt: listeners call it, tests validate its output with slack-sdk's models.

Block Kit's limits are in `limits.py` (Slack rejects a message that breaks any of them, so a reply
would be lost). The answer engine returns plain data; every piece of it is escaped here (through
`words.py`, with `mrkdwn.escape`), so no message can ping `<!channel>` or a person.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block

from alliance_bot.answering.answer import Answer, Suggestion
from alliance_bot.slack.mrkdwn import clip, escape
from alliance_bot.slack.render.limits import (
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_SECTION_TEXT,
    context,
    fallback_text,
    split_mrkdwn,
)
from alliance_bot.slack.render.words import context as context_words
from alliance_bot.slack.render.words import mrkdwn, mrkdwn_lines

Message = dict[str, Any]

MAX_SUGGESTIONS = 5

SHARE_ACTION = "alliance_share"
SUGGESTION_ACTION_PREFIX = "alliance_suggest_"
SUGGESTION_ACTION = re.compile(rf"^{SUGGESTION_ACTION_PREFIX}\d+$")

_USER_ID = re.compile(r"^[UWB][A-Z0-9]{2,}$")
_ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")

APOLOGY = (
    "Sorry, something went wrong while answering that. The error has been logged; "
    "please try again in a moment."
)


@dataclass(frozen=True)
class ShareRef:
    """What the Share button needs to render the same answer again: a question and the date it
    was asked on (answers about "today" must not change), or the id of an entry."""

    question: str | None = None
    today: dt.date | None = None
    entry_id: str | None = None

    def encode(self) -> str | None:
        """The button value, or None when it would not fit Slack's 2000-character limit."""
        data: dict[str, str] = {}
        if self.entry_id is not None:
            data["e"] = self.entry_id
        if self.question is not None:
            data["q"] = self.question
        if self.today is not None:
            data["d"] = self.today.isoformat()
        value = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return value if len(value) <= MAX_BUTTON_VALUE else None

    @classmethod
    def decode(cls, value: str) -> ShareRef:
        """Read a button value back; raise ValueError if it is not one this module wrote."""
        data = json.loads(value)
        if not isinstance(data, dict):
            raise ValueError("share value is not an object")
        entry_id, question, day = data.get("e"), data.get("q"), data.get("d")
        if entry_id is not None and not (isinstance(entry_id, str) and _ENTRY_ID.match(entry_id)):
            raise ValueError("share value has a malformed entry id")
        if question is not None and not isinstance(question, str):
            raise ValueError("share value has a malformed question")
        if (entry_id is None) == (question is None):
            raise ValueError("share value needs exactly one of a question and an entry id")
        today = dt.date.fromisoformat(day) if isinstance(day, str) else None
        return cls(question=question, today=today, entry_id=entry_id)


def answer_body(answer: Answer) -> str:
    """What the answer says, as mrkdwn."""
    return mrkdwn_lines(answer.statement)


def answer_context(answer: Answer) -> str:
    """The answer's context line (sources, article title, lines, what a fuzzy match matched), as
    mrkdwn; empty when there is none."""
    return mrkdwn(context_words(answer))


def answer_text(answer: Answer) -> str:
    """Exactly what Slack shows: the body, then the context line."""
    body, context_line = answer_body(answer), answer_context(answer)
    return f"{body}\n{context_line}" if context_line else body


def answer_json(answer: Answer) -> dict[str, Any]:
    """The answer as the CLI's `--json` prints it; `text` is what Slack shows (mrkdwn)."""
    return {
        "status": answer.status,
        "text": answer_text(answer),
        "sources": list(answer.sources),
        "entries": [
            {"id": e.id, "kind": e.kind, "score": round(e.score, 1)} for e in answer.entries
        ],
        "suggestions": [{"id": s.id, "kind": s.kind, "label": s.label} for s in answer.suggestions],
    }


def render_answer(answer: Answer, *, share: ShareRef | None = None) -> Message:
    """The reply to the asker: the answer, its context line, did-you-mean buttons and, when
    `share` is given and fits in a button value, a "Share in channel" button."""
    share_value = share.encode() if share is not None else None
    buttons = _suggestion_buttons(answer.suggestions)
    if share_value is not None:
        buttons.append(
            {
                "type": "button",
                "action_id": SHARE_ACTION,
                "text": {"type": "plain_text", "text": "Share in channel"},
                "value": share_value,
                "accessibility_label": "Share this answer with everyone in the channel",
            }
        )
    trailer: list[dict[str, Any]] = []
    if buttons:
        trailer.append({"type": "actions", "block_id": "alliance_actions", "elements": buttons})
    return _message(answer, footer=[], trailer=trailer)


def render_shared(answer: Answer, *, user_id: str, question: str | None = None) -> Message:
    """The answer posted for everyone after a Share click, saying who shared it and what they
    asked; no buttons, since clicking them would answer only the clicker."""
    who = f"<@{user_id}>" if _USER_ID.match(user_id) else escape(user_id)
    line = f"Shared by {who}"
    if question:
        line += f" · asked: {clip(escape(_one_line(question)), 500)}"
    return _message(answer, footer=[context(line)], trailer=[])


def render_apology() -> Message:
    """The short message a user gets when answering failed: never silence."""
    return {
        "text": APOLOGY,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f":warning: {APOLOGY}"}}],
    }


WAITING_FOR_DATABASE = (
    "I'm waiting for the database: it does not answer right now, so I could not do that and "
    "nothing was changed. Questions still get answers; try this again in a minute or two."
)


def render_waiting_for_database() -> Message:
    """The reply when a command needs the state database and it is down: one plain sentence."""
    return {
        "text": WAITING_FOR_DATABASE,
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f":hourglass: {WAITING_FOR_DATABASE}"},
            }
        ],
    }


TEXT_ONLY = (
    "I can only read text, not pictures or files. Type your question, "
    "for example `who is Hamada` or `on this day`."
)


def render_text_only() -> Message:
    """The reply to a message with files and no words: say what the bot reads."""
    return render_notice(TEXT_ONLY)


def render_share_refused(reason: str) -> Message:
    """Private note after a refused Share: the answer stays where it was, only for the asker."""
    return render_notice(
        f"I couldn't share that in the channel: {reason}. Your answer is still here, only for you."
    )


def render_notice(text: str) -> Message:
    """A one-section message for plain notices (admin sub-commands, refusals); `text` is
    escaped here."""
    safe = clip(escape(text), MAX_SECTION_TEXT)
    return {
        "text": fallback_text(safe),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": safe}}],
    }


def validate_message(message: Message) -> None:
    """Check a message against slack-sdk's Block Kit models and the 50-block limit; raise
    `SlackObjectFormationError`/ValueError on the first violation. Used by tests."""
    blocks = message.get("blocks", [])
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; Slack allows at most {MAX_BLOCKS}")
    if not isinstance(message.get("text"), str) or not message["text"]:
        raise ValueError("a message needs a fallback `text`")
    for block in blocks:
        parsed = Block.parse(block)
        if parsed is None:
            raise ValueError(f"not a block: {block!r}")
        parsed.validate_json()
        if parsed.to_dict() != block:
            raise ValueError(f"block does not round-trip through slack-sdk: {block!r}")


# --- building blocks --------------------------------------------------------------------------


def _message(
    answer: Answer, *, footer: list[dict[str, Any]], trailer: list[dict[str, Any]]
) -> Message:
    """Body sections, the context line, then `footer` context and `trailer` (buttons)."""
    body, context_line = answer_body(answer), answer_context(answer)
    sources = [context(context_line)] if context_line.strip() else []
    tail = [*sources, *footer, *trailer]
    room = MAX_BLOCKS - len(tail)
    chunks = split_mrkdwn(body) or ["…"]
    if len(chunks) > room:
        # Past 50 blocks Slack rejects the whole message; a visibly cut answer is better.
        chunks = chunks[:room]
        chunks[-1] = clip(chunks[-1] + "…", MAX_SECTION_TEXT)
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks]
    return {
        "text": fallback_text(answer_text(answer)),
        "blocks": [*sections, *tail],
    }


def _suggestion_buttons(suggestions: Sequence[Suggestion]) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for index, suggestion in enumerate(suggestions[:MAX_SUGGESTIONS]):
        if not _ENTRY_ID.match(suggestion.id):
            continue  # an id we could not look up again is not worth a button
        label = clip(escape(_one_line(suggestion.label)), MAX_BUTTON_TEXT) or suggestion.id
        buttons.append(
            {
                "type": "button",
                "action_id": f"{SUGGESTION_ACTION_PREFIX}{index}",
                "text": {"type": "plain_text", "text": label},
                "value": suggestion.id,
                # Screen readers read this instead of the bare label (≤ 75 characters).
                "accessibility_label": clip(f"Answer about {label}", MAX_BUTTON_TEXT),
            }
        )
    return buttons


def _one_line(text: str) -> str:
    return " ".join(text.split())
