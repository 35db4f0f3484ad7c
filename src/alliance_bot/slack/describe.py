"""What a request from Slack was, for log lines: its kind and ids, never its text or tokens."""

from __future__ import annotations

from typing import Any

_ID_LIMIT = 40


def describe(body: dict[str, Any]) -> str:
    """`command /alliance from U1 in C1`, `event app_mention Ev1 in C1`, `actions [...] from U1`."""
    if "command" in body:
        return (
            f"command {_id(body.get('command'))} from {_id(body.get('user_id'))} "
            f"in {_id(body.get('channel_id'))}"
        )
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        return (
            f"event {_id(event.get('type'))} {_id(body.get('event_id'))} "
            f"in {_id(event.get('channel'))}"
        )
    if body.get("type") == "block_actions":
        actions = [
            _id(a.get("action_id")) for a in body.get("actions") or [] if isinstance(a, dict)
        ]
        return f"actions {actions[:5]} from {_id((body.get('user') or {}).get('id'))}"
    return f"request of type {_id(body.get('type'))!r}"


def _id(value: Any) -> str:
    """An id as sent, bounded and with control characters escaped (ids are Slack's, but a log
    line must not be forgeable even by a malformed one)."""
    text = str(value)
    if len(text) > _ID_LIMIT:
        text = text[:_ID_LIMIT] + "…"
    return text if text.isprintable() and text.isascii() else ascii(text)
