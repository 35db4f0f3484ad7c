"""CI runs the test command the README gives, so the two cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_test_command() -> str:
    """The `python -m pytest …` of the README's "Run the tests" block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Run the tests", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    [command] = re.findall(r"python -m pytest[^\n&|;]*", block)
    return str(command).strip()


class TestTheTestCommand:
    def test_ci_runs_the_readme_command(self) -> None:
        """`.ci/run` runs exactly the README's test command, in parallel."""
        command = _readme_test_command()
        assert " -n " in f"{command} "
        ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
        ran = [line.split("||", 1)[0].strip() for line in ci.splitlines()]
        assert command in ran

    def test_contributing_lists_the_same_command(self) -> None:
        """CONTRIBUTING's list of CI's checks shows the README's test command."""
        contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
        assert _readme_test_command() in contributing
