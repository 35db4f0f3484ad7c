"""The admin tests' chat with the server: `alliance_bot.testing.chat`, under the names they use."""

from __future__ import annotations

from alliance_bot.testing.chat import ADMIN, NOT_ADMIN, Chat, Reply

__all__ = ["ADMIN", "NOT_ADMIN", "Chat", "Reply"]
