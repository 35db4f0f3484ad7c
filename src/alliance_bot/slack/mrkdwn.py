"""Slack mrkdwn text: escaping so no text can ping or link, and safe truncation (the Slack
layer's alone: the domain returns plain text and data, `slack/render/` escapes it)."""

from __future__ import annotations

_LIMIT_MARK = "…"


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` so `<!channel>` or `<@U123>` render as text and ping nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo `escape`, for printing in a terminal."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """Shorten escaped text to at most `limit` characters without cutting an `&amp;` in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(_LIMIT_MARK)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + _LIMIT_MARK
