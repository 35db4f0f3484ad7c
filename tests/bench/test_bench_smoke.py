"""Every benchmark runs end to end at a tiny size, so none can rot; no timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(module: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class TestBenchmarksRun:
    def test_generator_writes_a_valid_base(self, tmp_path: Path) -> None:
        """A generated base of 400 entries loads and validates, real entries included."""
        from alliance_bot.knowledge.loader import load_knowledge

        sys.path.insert(0, str(REPO))
        from bench.generate import generate

        kb = load_knowledge(generate(400, tmp_path / "kb"))
        assert len(kb) == 400
        assert kb.get("hamada-yasukazu") is not None
        assert set(kb.by_kind) == {"source", "person", "event", "quote", "fact", "term"}

    @pytest.mark.parametrize(
        ("module", "expected"),
        [
            ("bench.answering", "real set passed"),
            ("bench.loading", "max extra wait ms"),
            ("bench.startup", "serve → healthy s"),
            ("bench.http", "of bare Bolt"),
        ],
    )
    def test_benchmark_prints_its_table(self, module: str, expected: str) -> None:
        """Each benchmark's --quick run exits 0 and prints its table."""
        assert expected in _run(module, "--quick")
