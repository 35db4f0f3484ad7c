"""The semantic signal (answering/semantic.py): loaded from the installed package, offline."""

from __future__ import annotations

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
