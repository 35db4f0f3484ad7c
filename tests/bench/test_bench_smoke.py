"""Every benchmark runs end to end at a tiny size, so none can rot; no timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(module: str, *args: str, hide: str | None = None) -> str:
    """`python -m module args`; `hide` makes that package unimportable, as if not installed."""
    code = (
        (f"import runpy, sys\nsys.modules[{hide!r}] = None\n" if hide else "import runpy, sys\n")
        + f"sys.argv = [{module!r}, *{list(args)!r}]\nrunpy.run_module({module!r}, run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
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
            ("bench.startup", "serve → healthy, cached s"),
            ("bench.peers", "SQLite FTS5"),
            ("bench.http", "of bare Bolt"),
            ("bench.replicas", "refresh on every replica"),
            ("bench.crafted", "crafted question"),
        ],
    )
    def test_benchmark_prints_its_table(self, module: str, expected: str) -> None:
        """Each benchmark's --quick run exits 0 and prints its table."""
        assert expected in _run(module, "--quick")

    def test_peers_say_skipped_without_tantivy(self) -> None:
        """Without tantivy installed the peers benchmark still runs and says what it skipped."""
        out = _run("bench.peers", "--quick", hide="tantivy")
        assert "skipped: no tantivy" in out
        assert "SQLite FTS5" in out


class TestTargets:
    def test_verdicts(self) -> None:
        """A figure within its limit is met; otherwise the factor it is off by, either way."""
        sys.path.insert(0, str(REPO))
        from bench.targets import Target

        assert Target("t", 1.5, 2.0, "ms").verdict() == "met"
        assert Target("t", 6.0, 2.0, "ms").verdict() == "missed by ×3"
        assert Target("t", 0.45, 0.9, "×", at_most=False).verdict() == "missed by ×2"
        assert Target("t", None, 2.0, "ms", note="run with --million").verdict() == (
            "not measured (run with --million)"
        )
