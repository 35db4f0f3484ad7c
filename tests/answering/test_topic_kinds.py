"""A thing named inside chat, figures, and yes/no questions that a fact settles, on the real
knowledge base. The questions (tests/data/topic_questions.yaml) are our own, written for each
kind before its rules; none is in the natural sets. The classes below check the grammar each
kind is read with, so that a rule is a rule of the kind and not of one string."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from question_judging import judge, load_items

from alliance_bot.answering import chat, figures, membership, topics
from alliance_bot.answering.engine import answer
from alliance_bot.answering.questions import parse_question
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Event, Quote, Term
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase

DAY = dt.date(2026, 11, 24)
ITEMS = load_items("topic_questions.yaml")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(default_knowledge_dir())


class TestOwnQuestions:
    @pytest.mark.parametrize("item", ITEMS, ids=[i["q"] for i in ITEMS])
    def test_question(self, kb: KnowledgeBase, item: dict[str, Any]) -> None:
        """The expected entry comes first; an unanswerable question gets no answer; a false
        premise gets the entry with the correct fact and never a "yes"."""
        judge(kb, item)

    def test_the_kinds_have_questions_the_articles_cannot_answer(self) -> None:
        """Each kind has close questions that must be declined, not only answerable ones."""
        assert sum(1 for i in ITEMS if i["expect"] is None) >= 12
        assert sum(1 for i in ITEMS if i.get("premise")) >= 8


class TestTopicFrames:
    @pytest.mark.parametrize(
        ("text", "thing", "wants"),
        [
            ("what is the context on the mlr", "the mlr", "thing"),
            ("what was the story behind the henoko override", "the henoko override", "thing"),
            ("the spear and shield, what is the background", "the spear and shield", "thing"),
            ("the nansei islands - context", "the nansei islands", "thing"),
            ("what is all this about the mlr", "the mlr", "thing"),
            ("what the economic 2+2 actually covered", "the economic 2+2", "thing"),
            ("what ipef is about", "ipef", "thing"),
            (
                "what came out of the extended deterrence dialogue",
                "the extended deterrence dialogue",
                "happened",
            ),
            ("what did the quad cyber group pledge", "the quad cyber group pledge", "said"),
            ("what the dialogue in december covered", "the dialogue in december", "happened"),
            ("the space agreement - what did it cover", "the space agreement", "thing"),
            ("what should i know about the mlr", "the mlr", "thing"),
            ("what is gcap and why does it matter", "gcap", "thing"),
            ("why does the local autonomy act matter here", "the local autonomy act", "thing"),
            (
                "what is the context for the taiwan contingency line",
                "the taiwan contingency",
                "said",
            ),
            (
                "what did the chicago council survey find about japan",
                "the chicago council survey japan",
                "found",
            ),
            (
                "any details on what the quad cyber group committed to",
                "the quad cyber group committed to",
                "said",
            ),
        ],
    )
    def test_frame(self, text: str, thing: str, wants: str) -> None:
        """The frame is dropped wherever it sits; the thing and what is wanted of it remain.
        What was agreed or pledged stays a word of the question: the entry says it."""
        assert chat.topic_asked(text) == (thing, wants)

    @pytest.mark.parametrize(
        "text",
        [
            "what is the quad",
            "what did kishida say about china",
            "what is it",
            "the mlr",
            "what happened",
            "what did they agree",
        ],
    )
    def test_no_frame(self, text: str) -> None:
        """A question in a form of its own, or a frame around a pronoun only, is no topic
        frame: it is read as before."""
        assert chat.topic_asked(text) is None

    @pytest.mark.parametrize(
        ("text", "left"),
        [
            ("someone brought the mlr up in standup, what is it", "the mlr, what is it"),
            ("a colleague keeps mentioning gcap at the all-hands", "gcap"),
            (
                "heard people talking about the spear and shield, context?",
                "the spear and shield, context?",
            ),
            ("this japan-us plus framework everyone mentions", "the japan-us plus framework"),
            (
                "i keep seeing 'integrated deterrence' in the documents, what does it mean",
                "integrated deterrence, what does it mean",
            ),
        ],
    )
    def test_mentions(self, text: str, left: str) -> None:
        """Who brought a thing up, and where, is chat; the thing and the ask are kept (the
        question reaches the grammar without its quotation marks)."""
        assert chat.unmentioned(chat.unquoted(text)) == left

    def test_a_mention_needs_someone_or_somewhere(self) -> None:
        """A verb of mentioning alone starts no frame: "raised defense spending" is content."""
        assert chat.unmentioned("raised defense spending by 2027") == (
            "raised defense spending by 2027"
        )

    def test_frame_words_are_checked_on_load(self) -> None:
        """A frame word saying something the grammar does not know is refused."""
        good = {part: dict(words) for part, words in chat.FRAMES.items()}
        with pytest.raises(ValueError, match="nouns"):
            chat.read_frames({**good, "nouns": {"context": "everything"}})
        with pytest.raises(ValueError, match="frames"):
            chat.read_frames({"nouns": good["nouns"]})

    def test_frame_words_are_spelling_targets(self, kb: KnowledgeBase) -> None:
        """A misspelt frame word is mended to it, so the frame still drops it."""
        question = parse_question(
            "remind me what the economic 2+2 actually covred", kb=kb, today=DAY
        )
        assert (question.form, question.subject, question.asks) == (
            "about",
            "the economic 2+2",
            "thing",
        )


class TestShapeOrder:
    def test_kind_wanted_first(self, kb: KnowledgeBase) -> None:
        """Of entries found alike, the kind the question's shape asks for comes first, the rest
        in the order found."""
        term = kb.get("term-economic-two-plus-two", Term)
        event = kb.get("ev-2023-11-14-economic-2plus2-ministerial", Event)
        quote = kb.get("q-economic-2plus2-promote-coordination", Quote)
        assert term is not None
        assert event is not None
        assert quote is not None
        found = [quote, event, term]
        assert topics.in_order("thing", found) == [2, 1, 0]
        assert topics.in_order("happened", found) == [1, 0, 2]
        assert topics.in_order("said", found) == [0, 1, 2]
        assert topics.in_order("", found) == [0, 1, 2]

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("can anyone explain what IPEF is about", "term"),
            ("what came out of the extended deterrence dialogue in december", "event"),
            ("what did the chicago council survey find about kishida", "fact"),
        ],
    )
    def test_tie_broken_by_shape(self, kb: KnowledgeBase, text: str, kind: str) -> None:
        """A thing with a term, an event and a quote sharing its words: the one the question's
        shape asks for answers first."""
        result = answer(kb, text, DAY)
        assert result.status == "answer"
        assert result.entries[0].kind == kind, [e.id for e in result.entries]


class TestFigureFrames:
    @pytest.mark.parametrize(
        ("text", "left"),
        [
            ("how low did kishida's cabinet approval sink", "did kishida's cabinet approval"),
            ("how far did support for the ldp drop to", "did support for the ldp"),
            ("what share of americans say the bases matter", "americans the bases matter"),
            ("what % of japanese want more defense", "japanese want more defense"),
            ("how many areas did the economic 2+2 cover", "areas did the economic 2+2"),
            ("where will japan rank in military spending", "japan rank military spending"),
        ],
    )
    def test_topic(self, text: str, left: str) -> None:
        """The asking (the lead, a verb of movement or counting at the end, a poll's verb of
        opinion) is not a word the fact must have; what people want or back stays."""
        assert figures.topic(text) == left

    def test_rank_is_a_figure_question(self, kb: KnowledgeBase) -> None:
        """ "where will Japan rank …" asks for a rank, not a place."""
        question = parse_question("where will japan rank among military spenders", kb=kb, today=DAY)
        assert question.form == "figure"


class TestMembership:
    @pytest.mark.parametrize(
        ("text", "asked"),
        [
            ("is japan in nato", ("japan", "nato", True)),
            ("is the uk part of gcap", ("the uk", "gcap", False)),
            ("has japan joined ipef", ("japan", "ipef", False)),
            ("is india a quad member", ("india", "quad", False)),
            ("did the philippines join the quad", ("the philippines", "the quad", False)),
        ],
    )
    def test_read(self, text: str, asked: tuple[str, str, bool]) -> None:
        """Member and group are read from every way of asking; a bare "in" is loose (it may
        ask where something is), so only a country in a defined group is answered from it."""
        assert membership.asked(text) == asked

    def test_not_membership(self) -> None:
        """A question that is no yes/no is not read as one."""
        assert membership.asked("who is in the quad") is None

    def test_the_group_settles_it_without_a_yes_or_no(self, kb: KnowledgeBase) -> None:
        """The group's entry answers; the reply says neither "yes" nor "no" of its own."""
        result = answer(kb, "is south korea in the quad", DAY)
        assert [e.id for e in result.entries] == ["term-quad"]
        assert not re.match(r"\W*(?:yes|no)\b", result.body, re.IGNORECASE)
