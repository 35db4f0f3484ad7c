"""Slack's message markup to plain text, before a question reaches the answer engine.

Slack sends `&`, `<`, `>` as entities and mentions, channels and links as `<…>` tokens. The engine
wants what the user meant (`@channel`, `#general`), and escapes everything again on the way out,
so no token a user typed can come back as a live mention.
"""

from __future__ import annotations

import re

from alliance_bot.slack.mrkdwn import unescape

_TOKEN = re.compile(r"<([^<>\n]*)>")
# What is left of a greeting or an address once the mention is taken out ("hi <@BOT>, …").
_LEAD = re.compile(r"^[\s,.:;!?\-–—]+")


def plain_text(text: str) -> str:
    """`who is <@U1|ann> in <#C1|general>? &lt;3` → `who is @ann in #general? <3`."""
    return unescape(_TOKEN.sub(_token_text, text)).strip()


def strip_bot_mentions(text: str, bot_user_id: str | None) -> str:
    """Remove mentions of the bot itself (`<@UBOT>`, `<@UBOT|alliance>`) from a message."""
    if not bot_user_id:
        return text
    return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>", " ", text)


def question_from_mention(text: str, bot_user_id: str | None) -> str:
    """The question in a channel message that mentions the bot, still in Slack markup.

    People greet or address the bot before asking ("hi <@BOT>, who is Hamada?") or after ("who is
    Hamada, <@BOT>?"): the question is what follows the first mention of the bot, or, when
    nothing but punctuation follows it, what precedes it.
    """
    if not bot_user_id:
        return text
    mention = re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>")
    found = mention.search(text)
    if found is None:
        return text
    after = _LEAD.sub("", mention.sub(" ", text[found.end() :]))
    if any(ch.isalnum() for ch in after):
        return after
    return mention.sub(" ", text[: found.start()]).strip().rstrip(",:;-–—").strip()


def _token_text(match: re.Match[str]) -> str:
    inner = match[1]
    target, _, label = inner.partition("|")
    # Slack sends most mentions without a label (`<@W0123ABCD>`); the id means nothing to the
    # asker, and the engine cannot look people up, so it reads as "someone".
    if target.startswith("@"):
        return "@" + (label.removeprefix("@") or "someone")
    if target.startswith("#"):
        return "#" + (label or "a-channel")
    if target.startswith("!"):
        # <!channel>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        if label:
            return label if label.startswith("@") or target.startswith("!date") else "@" + label
        if target.startswith("!subteam"):
            return "@a-group"
        return "@" + target[1:].split("^", 1)[0]
    return label or target
