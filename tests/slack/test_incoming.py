"""Slack's message markup is read back to the plain text the user meant."""

from __future__ import annotations

import pytest

from alliance_bot.slack.incoming import plain_text, strip_bot_mentions


class TestPlainText:
    @pytest.mark.parametrize(
        ("raw", "plain"),
        [
            ("who is <!channel>", "who is @channel"),
            ("who is &lt;!channel&gt;", "who is <!channel>"),
            ("<@U0ANN001|ann> in <#C0GEN001|general>", "@ann in #general"),
            ("<@U0ANN001> hi", "@U0ANN001 hi"),
            ("<!subteam^S0TEAM01|@team> x", "@team x"),
            ("see <https://example.com|the site> &amp; more", "see the site & more"),
            ("<https://example.com>", "https://example.com"),
            ("  payload  ", "payload"),
        ],
    )
    def test_markup(self, raw: str, plain: str) -> None:
        """Mentions, channels, links and entities become what the user typed or saw."""
        assert plain_text(raw) == plain

    def test_strip_bot_mentions(self) -> None:
        """Mentions of the bot are removed; other mentions stay."""
        text = strip_bot_mentions("<@UBOT|alliance> who is <@U0ANN001> <@UBOT>", "UBOT")
        assert plain_text(text) == "who is @U0ANN001"
