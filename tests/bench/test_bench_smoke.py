"""Every benchmark runs end to end at a tiny size, so none can rot; no timing is asserted.

The benchmarks' cache of generated bases and snapshots (ALLIANCE_BENCH_CACHE) is a temporary
directory of this module's, so the tests write nothing into the checkout and two pytest-xdist
workers never share one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH_CACHE_ENV = "ALLIANCE_BENCH_CACHE"


@pytest.fixture(scope="module")
def bench_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One generated-base cache for this module's runs (a 400-entry base takes a while to write,
    so the benchmarks share it here as they do in bench/.cache)."""
    cache = tmp_path_factory.mktemp("bench-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BENCH_CACHE_ENV, str(cache))
        yield cache


def _run(module: str, *args: str, hide: str | None = None) -> str:
    """`python -m module args`; `hide` makes that package unimportable, as if not installed."""
    code = (
        (f"import runpy, sys\nsys.modules[{hide!r}] = None\n" if hide else "import runpy, sys\n")
        + f"sys.argv = [{module!r}, *{list(args)!r}]\nrunpy.run_module({module!r}, run_name='__main__')"
    )
    assert BENCH_CACHE_ENV in os.environ  # the `bench_cache` fixture: never the checkout's cache
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.usefixtures("bench_cache")
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

    def test_real_edit_is_copied_not_regenerated(self, tmp_path: Path) -> None:
        """A cached base follows the real files by copying them; only a new generator version
        regenerates its synthetic part."""
        import shutil

        from alliance_bot.knowledge.loader import load_knowledge

        sys.path.insert(0, str(REPO))
        from bench import generate

        real = tmp_path / "real"
        shutil.copytree(REPO / "knowledge", real / "knowledge")
        shutil.copytree(REPO / "seeds", real / "seeds")
        cache = tmp_path / "cache"
        knowledge = generate.cached(400, cache=cache, real_dir=real / "knowledge")
        synthetic = knowledge / "synthetic-people.yaml"
        made = synthetic.stat().st_mtime_ns, synthetic.stat().st_ino
        edited = (real / "knowledge" / "lexicon.yaml").read_text() + "# an edit\n"
        (real / "knowledge" / "lexicon.yaml").write_text(edited)
        (real / "knowledge" / "extra.yaml").write_text("terms: []\n")

        again = generate.cached(400, cache=cache, real_dir=real / "knowledge")
        assert again == knowledge
        assert (synthetic.stat().st_mtime_ns, synthetic.stat().st_ino) == made
        assert (knowledge / "lexicon.yaml").read_text() == edited
        assert (knowledge / "extra.yaml").exists()
        (real / "knowledge" / "extra.yaml").unlink()
        generate.cached(400, cache=cache, real_dir=real / "knowledge")
        assert not (knowledge / "extra.yaml").exists()
        assert len(load_knowledge(knowledge)) == 400

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(generate, "GENERATOR_VERSION", "test")
            generate.cached(400, cache=cache, real_dir=real / "knowledge")
        assert synthetic.stat().st_ino != made[1]

        # A source with no knowledge files (a tree half copied) leaves the base as it is.
        kept = sorted(p.name for p in knowledge.iterdir())
        with pytest.raises(SystemExit, match="no knowledge files"):
            generate.cached(400, cache=cache, real_dir=tmp_path / "empty" / "knowledge")
        assert sorted(p.name for p in knowledge.iterdir()) == kept

    @pytest.mark.parametrize(
        ("module", "expected"),
        [
            ("bench.answering", "real set passed"),
            ("bench.loading", "first on new ms"),
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
