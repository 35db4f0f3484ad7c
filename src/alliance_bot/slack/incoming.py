"""Slack's message markup to plain text, before a question reaches the answer engine.

Slack sends `&`, `<`, `>` as entities and mentions, channels and links as `<…>` tokens. The engine
wants what the user meant (`@channel`, `#general`), and escapes everything again on the way out,
so no token a user typed can come back as a live mention.
"""

from __future__ import annotations

import re

from alliance_bot.mrkdwn import unescape

_TOKEN = re.compile(r"<([^<>\n]*)>")
_BOT_MENTION = "<@{}>"


def plain_text(text: str) -> str:
    """`who is <@U1|ann> in <#C1|general>? &lt;3` → `who is @ann in #general? <3`."""
    return unescape(_TOKEN.sub(_token_text, text)).strip()


def strip_bot_mentions(text: str, bot_user_id: str | None) -> str:
    """Remove mentions of the bot itself (`<@UBOT>`, `<@UBOT|alliance>`) from a message."""
    if not bot_user_id:
        return text
    return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>", " ", text)


def _token_text(match: re.Match[str]) -> str:
    inner = match[1]
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        # <!channel>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        if label:
            return label if label.startswith("@") or target.startswith("!date") else "@" + label
        return "@" + target[1:].split("^", 1)[0]
    return label or target
