"""Reading a published view (the Home tab, a modal) in tests: its texts, its interactive elements,
and whether it is valid Block Kit within Slack's limits."""

from __future__ import annotations

from typing import Any

from alliance_bot.slack.render.home import validate_home


def texts(view: dict[str, Any]) -> str:
    """Every text of the view's sections, headers and contexts, one per line."""
    parts: list[str] = []
    for block in view["blocks"]:
        if block["type"] in ("section", "header"):
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(e.get("text", "") for e in block["elements"])
    return "\n".join(parts)


def elements(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Every interactive element of the view (buttons, inputs)."""
    found: list[dict[str, Any]] = []
    for block in view["blocks"]:
        if block["type"] == "actions":
            found.extend(block["elements"])
        elif block["type"] == "input":
            found.append(block["element"])
    return found


def action_ids(view: dict[str, Any]) -> set[str]:
    return {str(e.get("action_id")) for e in elements(view)}


def valid(view: dict[str, Any]) -> dict[str, Any]:
    """`view`, after checking it with slack-sdk's models and Slack's limits."""
    validate_home(view)
    assert len(view["blocks"]) <= 100
    return view
