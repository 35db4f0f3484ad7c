"""Slack's message markup is read back to the plain text the user meant."""

from __future__ import annotations

import pytest

from alliance_bot.slack.incoming import plain_text, question_from_mention, strip_bot_mentions


class TestPlainText:
    @pytest.mark.parametrize(
        ("raw", "plain"),
        [
            ("who is <!channel>", "who is @channel"),
            ("who is &lt;!channel&gt;", "who is <!channel>"),
            ("<@U0ANN001|ann> in <#C0GEN001|general>", "@ann in #general"),
            ("<@U0ANN001> hi", "@someone hi"),
            ("<@W0123ABCD|@ann> hi", "@ann hi"),
            ("<#C0GEN001> and <#C0GEN002|>", "#a-channel and #a-channel"),
            ("<!subteam^S0TEAM01> x", "@a-group x"),
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
        assert plain_text(text) == "who is @someone"


class TestQuestionFromMention:
    @pytest.mark.parametrize(
        ("raw", "question"),
        [
            ("<@UBOT> who is Hamada", "who is Hamada"),
            ("hi <@UBOT>, who is Hamada?", "who is Hamada?"),
            ("Good morning <@UBOT|alliance>: quote Kishida", "quote Kishida"),
            ("who is Hamada, <@UBOT>?", "who is Hamada"),
            ("<@UBOT>", ""),
            ("who is Hamada <@UBOT> <@UBOT>", "who is Hamada"),
            ("no mention of the bot", "no mention of the bot"),
        ],
    )
    def test_greeting_and_address(self, raw: str, question: str) -> None:
        """The question is what follows the bot's mention, or precedes it when nothing does."""
        assert question_from_mention(raw, "UBOT") == question
