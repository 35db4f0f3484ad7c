"""Whatever anyone types, the engine returns a well-formed answer and never raises."""

from __future__ import annotations

import datetime as dt
import random
import string
from collections.abc import Collection

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_bot.answering.engine import answer
from alliance_bot.answering.questions import parse_question
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.render.answers import answer_json

KB: KnowledgeBase = load_knowledge(default_knowledge_dir())
STATUSES = {"answer", "suggestions", "no_match", "help", "error"}
WORDS = st.sampled_from(
    ["who is", "when did", "quote", "what is", "on", "search", "Kishida", "hamda", "2+2",
     "<!channel>", "<@U123>", "&", "Nov 29", "2023-02-30", "payload", "about", "?", " "]
)  # fmt: skip


def _check(text: str, today: dt.date) -> None:
    result = answer(KB, text, today)
    data = answer_json(result)
    assert data["status"] in STATUSES
    assert isinstance(data["text"], str)
    assert data["text"]
    assert all(s in data["text"] for s in data["sources"])
    assert all(KB.get(e["id"]) is not None for e in data["entries"])
    assert (data["status"] == "answer") == bool(data["entries"])
    # Nothing a user typed may reach Slack as markup.
    assert "<!" not in data["text"]
    assert "<@" not in data["text"]


class TestAnyInput:
    @settings(max_examples=300, deadline=None)
    @given(text=st.text(max_size=20_000), today=st.dates())
    def test_any_unicode_text(self, text: str, today: dt.date) -> None:
        """Any Unicode text up to 20,000 characters gets a well-formed answer object."""
        _check(text, today)

    @settings(max_examples=300, deadline=None)
    @given(parts=st.lists(WORDS | st.text(max_size=12), max_size=12), today=st.dates())
    def test_question_shaped_text(self, parts: list[str], today: dt.date) -> None:
        """Text made of question words, names and markup gets a well-formed answer object."""
        _check(" ".join(parts), today)


class TestBoundedWork:
    def test_a_question_of_misspellings_looks_up_a_bounded_number(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """2,000 characters of distinct made-up words (no cache can help) cost a bounded number
        of typo lookups, and the first misspelling in the question is still mended (issue 10,
        item 5: the worst question anyone can type stays cheap)."""
        rng = random.Random(5)
        noise = " ".join(
            "".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 11))) for _ in range(250)
        )
        asked: list[str] = []
        correct = KB.index.correct

        def counting(word: str, extra: Collection[str] = ()) -> str | None:
            asked.append(word)
            return correct(word, extra)

        monkeypatch.setattr(KB.index, "correct", counting)
        question = f"goverment {noise}"[:2000]
        answer(KB, question, dt.date(2026, 11, 24))
        assert 1 <= len(asked) <= 16
        assert asked[0] == "goverment"
        parsed = parse_question(question, kb=KB, today=dt.date(2026, 11, 24))
        assert ("goverment", "government") in parsed.corrections
