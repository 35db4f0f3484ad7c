"""What the daily post says for a local date: events with citations, or the labelled archive."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from daily_support import ARCHIVE_IDS
from slack_sdk.models.blocks import Block

from alliance_bot.daily.content import (
    ArchiveRotation,
    DailyMessage,
    archive_items,
    compose_daily,
    events_for,
    next_archive_pick,
)
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.render.daily import MAX_EVENTS_SHOWN, render_daily


def _validate_blocks(kb: KnowledgeBase, message: DailyMessage) -> None:
    """Every block parses with slack_sdk's models and passes their Block Kit limit checks."""
    blocks = render_daily(kb, message).blocks
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
        assert block.to_dict() == raw


class TestOnThisDay:
    def test_events_of_the_day_with_year_and_citation(self, kb: KnowledgeBase) -> None:
        """A day with events lists each with its year, our words, article title and line."""
        message = compose_daily(
            kb, dt.date(2024, 12, 6), fallback="archive", rotation=ArchiveRotation()
        )
        assert message is not None
        assert message.kind == "events"
        assert message.entry_ids == ("ev-okinawa-exercise", "ev-tokyo-talks")
        assert "*2023* — *Allies meet in Tokyo*" in render_daily(kb, message).text
        assert (
            "*2022* — *Joint exercise off Okinawa* (5–7 December 2022)"
            in render_daily(kb, message).text
        )
        assert (
            "Source: seeds/tiny.txt — “Alliance Weekly: A Tiny Chronicle” (line 2)"
            in render_daily(kb, message).text
        )
        _validate_blocks(kb, message)

    def test_feb_29_in_a_leap_year(self, kb: KnowledgeBase) -> None:
        """On 29 February the leap-day events are posted, and only they."""
        message = compose_daily(
            kb, dt.date(2024, 2, 29), fallback="skip", rotation=ArchiveRotation()
        )
        assert message is not None
        assert message.entry_ids == ("ev-leap-drill",)
        assert "On this day: 29 February" in render_daily(kb, message).text

    def test_feb_28_in_a_common_year_adds_the_leap_day(self, kb: KnowledgeBase) -> None:
        """In a common year 28 February also shows 29 February's events, marked as a leap day."""
        assert [e.id for e in events_for(kb, dt.date(2023, 2, 28))] == [
            "ev-logistics-pact",
            "ev-leap-drill",
        ]
        assert [e.id for e in events_for(kb, dt.date(2024, 2, 28))] == ["ev-logistics-pact"]
        message = compose_daily(
            kb, dt.date(2023, 2, 28), fallback="skip", rotation=ArchiveRotation()
        )
        assert message is not None
        assert "29 February 2020, a leap day" in render_daily(kb, message).text

    def test_kb_text_is_escaped(self, kb: KnowledgeBase) -> None:
        """Mentions in knowledge base text render as text and ping nobody."""
        message = compose_daily(
            kb, dt.date(2024, 3, 10), fallback="skip", rotation=ArchiveRotation()
        )
        assert message is not None
        rendered = render_daily(kb, message).text + str(render_daily(kb, message).blocks)
        assert "<!channel>" not in rendered
        assert "<@U123>" not in rendered
        assert "<!here>" not in rendered
        assert "&lt;!channel&gt;" in render_daily(kb, message).text
        assert "&amp;" in render_daily(kb, message).text

    def test_year_only_events_are_never_on_a_day(self, kb: KnowledgeBase) -> None:
        """An event known only to the year is not "on this day" on 1 January."""
        assert events_for(kb, dt.date(2024, 1, 1)) == ()


class TestFallback:
    def test_archive_posts_a_labelled_quote_or_fact(self, kb: KnowledgeBase) -> None:
        """With no event, `archive` posts a quote or fact clearly not tied to the date."""
        message = compose_daily(
            kb, dt.date(2024, 1, 2), fallback="archive", rotation=ArchiveRotation()
        )
        assert message is not None
        assert message.kind == "archive"
        assert message.entry_ids[0] in ARCHIVE_IDS
        assert "not tied to today's date" in render_daily(kb, message).text
        assert message.archive is not None
        assert message.archive.cycle == 0
        assert "It is not tied to today's date" in str(render_daily(kb, message).blocks[1])
        assert (
            "seeds/tiny.txt — “Alliance Weekly: A Tiny Chronicle” (line"
            in render_daily(kb, message).text
        )
        _validate_blocks(kb, message)

    def test_skip_posts_nothing(self, kb: KnowledgeBase) -> None:
        """With no event, `skip` gives no message at all."""
        assert (
            compose_daily(kb, dt.date(2024, 1, 2), fallback="skip", rotation=ArchiveRotation())
            is None
        )


class TestArchiveRotation:
    def test_nothing_repeats_until_everything_was_shown(self, kb: KnowledgeBase) -> None:
        """Each pass shows every quote and fact once before any repeats, over several passes."""
        rotation = ArchiveRotation()
        shown: list[str] = []
        for _ in range(len(ARCHIVE_IDS) * 4):
            pick = next_archive_pick(kb, rotation)
            assert pick is not None
            shown.append(pick.entry_id)
            seen = rotation.shown if pick.cycle == rotation.cycle else frozenset()
            rotation = ArchiveRotation(pick.cycle, seen | {pick.entry_id}, pick.entry_id)
        size = len(ARCHIVE_IDS)
        passes = [shown[i : i + size] for i in range(0, len(shown), size)]
        assert all(set(p) == ARCHIVE_IDS for p in passes)
        assert all(a != b for a, b in itertools.pairwise(shown))
        assert passes[0] != passes[1], "each pass is shuffled differently"

    def test_the_pick_depends_only_on_the_rotation(self, kb: KnowledgeBase) -> None:
        """The same rotation gives the same pick, so a preview is the real post."""
        rotation = ArchiveRotation(2, frozenset({"q-together"}), "q-together")
        assert next_archive_pick(kb, rotation) == next_archive_pick(kb, rotation)

    def test_pool_is_every_quote_and_fact(self, kb: KnowledgeBase) -> None:
        """The archive pool holds exactly the quotes and the facts."""
        assert {e.id for e in archive_items(kb)} == ARCHIVE_IDS


class TestBlockKitLimits:
    def test_many_events_stay_within_fifty_blocks(self, tmp_path: Path) -> None:
        """A day with more events than fit lists the first ones and says how many more."""
        from daily_support import write_tiny_kb

        knowledge = write_tiny_kb(tmp_path)
        extra = "\n".join(
            f"""  - id: ev-many-{n}
    date: "{1990 + n}-12-06"
    title: Event {n} {"long " * 60}
    summary: {"word " * 700}
    aliases: []
    sources:
      - {{file: seeds/tiny.txt, evidence: "On 6 December 2023 the allies met in Tokyo"}}"""
            for n in range(MAX_EVENTS_SHOWN + 5)
        )
        path = knowledge / "tiny.yaml"
        path.write_text(
            path.read_text().replace("events:\n", "events:\n" + extra + "\n", 1),
            encoding="utf-8",
        )
        kb = load_knowledge(knowledge)
        message = compose_daily(
            kb, dt.date(2024, 12, 6), fallback="skip", rotation=ArchiveRotation()
        )
        assert message is not None
        _validate_blocks(kb, message)
        assert len(render_daily(kb, message).blocks) <= 49, "room for the preview note"
        assert "more on this day" in str(render_daily(kb, message).blocks[-1])


class TestRealKnowledgeBase:
    def test_every_day_of_a_leap_year_renders_valid_blocks(self) -> None:
        """With the shipped knowledge base, each day of 2024 gives a valid post."""
        try:
            kb = load_knowledge(default_knowledge_dir())
        except KnowledgeBaseInvalid as error:  # pragma: no cover - depends on the data
            pytest.skip(f"the shipped knowledge base does not validate: {error}")
        day, rotation, kinds = dt.date(2024, 1, 1), ArchiveRotation(), set()
        while day.year == 2024:
            message = compose_daily(kb, day, fallback="archive", rotation=rotation)
            assert message is not None
            _validate_blocks(kb, message)
            kinds.add(message.kind)
            day += dt.timedelta(days=1)
        assert kinds == {"events", "archive"}
