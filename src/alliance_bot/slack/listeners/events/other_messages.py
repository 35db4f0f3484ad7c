"""Message events we do not answer (edits, deletions, bot posts in a DM): acknowledge and drop.

Without a listener Bolt answers such an event 404, which Slack counts as a failed delivery: it
retries it, and too many failures get the app's event subscription disabled.
"""

from __future__ import annotations

from typing import Any


async def ignore_other_messages(event: dict[str, Any]) -> None:
    """Do nothing; Bolt acknowledges events on its own."""
