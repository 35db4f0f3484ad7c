"""The semantic signal (answering/semantic.py): loaded from the installed package, offline."""

from __future__ import annotations

import subprocess
import sys

from alliance_bot.answering import semantic


class TestSemantic:
    def test_closer_meaning_scores_higher(self) -> None:
        sims = semantic.similarities(
            "did the aircraft go down in the sea",
            ["A US Osprey crashed off the coast during a training flight", "Tax rates for 2024"],
        )
        assert sims is not None
        assert sims[0] > sims[1]

    def test_empty_text_scores_zero_not_nan(self) -> None:
        sims = semantic.similarities("osprey crash", [""])
        assert sims == [0.0]


def test_prepare_loads_what_the_first_question_would_wait_for() -> None:
    """`answering.prepare()` (called by the servers at start-up) reads the English word list and
    the model, in a fresh process where no earlier test has loaded them."""
    probe = (
        "from alliance_bot import answering\n"
        "from alliance_bot.answering import semantic\n"
        "from alliance_bot.knowledge import english\n"
        "before = (english._words is not None, semantic._loaded)\n"
        "answering.prepare()\n"
        "print(before, (bool(english._words), semantic._model is not None))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "(False, False) (True, True)"
