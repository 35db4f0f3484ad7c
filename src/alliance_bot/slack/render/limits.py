"""Block Kit's limits, in one place, and the one splitter that keeps long mrkdwn inside them.

Slack rejects a whole message that breaks any limit, so a reply would be lost: ≤ 50 blocks in a
message (100 in a Home tab view), ≤ 3000 characters in a section or context text, ≤ 150 in a
header, ≤ 75 in a button's text and ≤ 2000 in its value
(https://docs.slack.dev/reference/block-kit/blocks). The `text` fallback is what notifications
and screen readers show; Slack truncates it at 40,000 characters and advises far less, so it is
clipped at 4,000.
"""

from __future__ import annotations

from typing import Any

from alliance_bot.slack.mrkdwn import clip

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_TEXT = 4000

Block = dict[str, Any]


def split_mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Cut escaped mrkdwn into pieces ≤ `limit`, at line breaks, else spaces, never inside an
    entity like `&amp;`; no piece is empty (Slack rejects an empty section)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(line) > limit:
            cut = line.rfind(" ", limit // 2, limit)
            if cut == -1:
                cut = limit
                amp = line.rfind("&", cut - 6, cut)
                if amp != -1 and ";" not in line[amp:cut]:
                    cut = amp
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        current = line
    pieces.append(current)
    return [p.strip("\n") for p in pieces if p.strip()]


def header(text: str) -> Block:
    """A header block. Its text is plain_text, shown literally: clipped, not escaped."""
    short = text if len(text) <= MAX_HEADER_TEXT else text[: MAX_HEADER_TEXT - 1] + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": short, "emoji": True}}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, MAX_SECTION_TEXT)}}


def context(mrkdwn: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(mrkdwn, MAX_CONTEXT_TEXT)}],
    }


def fallback_text(mrkdwn: str) -> str:
    """The message's `text`: never empty, clipped to `MAX_FALLBACK_TEXT`."""
    return clip(mrkdwn, MAX_FALLBACK_TEXT) or "…"
