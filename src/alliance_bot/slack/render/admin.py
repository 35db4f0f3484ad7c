"""The admin feature's messages as Block Kit: `KnowledgeAdmin`'s mrkdwn in sections, and the
gaps list with its "make alias" buttons (shown in `/alliance gaps` and in the Home tab)."""

from __future__ import annotations

import json
import re
from typing import Any

from alliance_bot.admin.service import GapsReport
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.mrkdwn import clip
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

Message = dict[str, Any]


def render_admin_text(text: str) -> Message:
    """Already-escaped mrkdwn from `KnowledgeAdmin` as sections (split at lines, ≤ 3000 each)."""
    return {
        "text": fallback_text(text),
        "blocks": [section(chunk) for chunk in (split_mrkdwn(text) or ["…"])[: MAX_BLOCKS - 5]],
    }


def render_gaps(report: GapsReport, kb: KnowledgeBase) -> Message:
    """The gaps list with one "make alias" button per gap and suggested entry still in the base."""
    message = render_admin_text(report.text)
    buttons: list[dict[str, Any]] = []
    for number, (gap, alias) in enumerate(zip(report.gaps, report.aliases, strict=True), start=1):
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
