"""Every answer is the same whatever Python's string hashing seed: the question sets are
answered in two subprocesses with different PYTHONHASHSEED values and must match exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"

_SCRIPT = """
import datetime as dt, json, sys, yaml
from pathlib import Path
from alliance_bot.answering.engine import answer
from alliance_bot.slack.render.answers import answer_json
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.paths import default_knowledge_dir
kb = load_knowledge(default_knowledge_dir())
out = []
for path in sorted(Path(sys.argv[1]).glob("*questions*.yaml")):
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        today = dt.date.fromisoformat(str(item.get("today") or "2026-11-24"))
        out.append(answer_json(answer(kb, item["q"], today)))
print(json.dumps(out))
"""


def _answers(seed: str) -> list[object]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(DATA)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    answers: list[object] = json.loads(done.stdout)
    return answers


class TestDeterminism:
    def test_same_answers_under_two_hash_seeds(self) -> None:
        """Two hash seeds give identical answers, text and order, to every question."""
        first, second = _answers("1"), _answers("4242")
        assert len(first) > 600
        assert first == second
