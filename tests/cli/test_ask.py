"""The `alliance-bot` command line, run as a user runs it: a real process, real output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alliance_bot.testing.sample_kb import write_sample_kb


def _run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alliance_bot", *args],
        input=stdin, capture_output=True, text=True, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


class TestAsk:
    def test_plain_answer_with_sources_last(self) -> None:
        """A question prints the answer, and the sources line comes last."""
        result = _run("ask", "who", "is", "Hamada")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.strip().splitlines()
        assert "Hamada Yasukazu" in lines[0]
        assert lines[-1].startswith("Source")
        assert "seeds/" in lines[-1]

    def test_plain_answer_shows_what_was_typed(self) -> None:
        """The terminal shows the asker's words as typed, never Slack's escapes; --json's
        `text` is what Slack shows, escaped."""
        plain = _run("ask", "who is <!channel> & co")
        assert plain.returncode == 0, plain.stderr
        assert "“<!channel> & co”" in plain.stdout
        assert "&lt;" not in plain.stdout
        assert "&amp;" not in plain.stdout
        shown = json.loads(_run("ask", "--json", "who is <!channel> & co").stdout)["text"]
        assert "“&lt;!channel&gt; &amp; co”" in shown

    def test_json_object(self) -> None:
        """--json prints one object with the documented keys; sources are the cited files."""
        result = _run("ask", "--json", "who is hamda")
        data = json.loads(result.stdout)
        assert set(data) == {"status", "text", "sources", "entries", "suggestions"}
        assert data["status"] == "answer"
        assert data["entries"][0]["id"] == "hamada-yasukazu"
        assert data["entries"][0]["kind"] == "person"
        assert data["sources"]
        assert all(s in data["text"] for s in data["sources"])
        assert "matched" in data["text"]

    def test_jsonl_answers_each_line_in_order(self) -> None:
        """--jsonl answers every input line in order, with its own `today`, and survives bad lines."""
        lines = [
            json.dumps({"text": "on this day", "today": "2023-11-29"}),
            "not json",
            json.dumps({"text": "what is the MLR"}),
        ]
        result = _run("ask", "--jsonl", stdin="\n".join(lines) + "\n")
        out = [json.loads(line) for line in result.stdout.splitlines()]
        assert [o["status"] for o in out] == ["answer", "error", "answer"]
        assert "Osprey" in out[0]["text"]
        assert "line 2" in out[1]["text"]
        assert out[2]["entries"][0]["id"] == "term-mlr"

    def test_impossible_today_exits_2_naming_it(self) -> None:
        """--today 2023-02-30 exits 2 and names the date, without a traceback."""
        result = _run("ask", "--today", "2023-02-30", "on this day")
        assert result.returncode == 2
        assert "2023-02-30" in result.stderr
        assert "Traceback" not in result.stderr

    def test_empty_text_prints_help(self) -> None:
        """No question at all prints the help."""
        result = _run("ask", "--json")
        assert json.loads(result.stdout)["status"] == "help"

    def test_knowledge_dir_from_environment(self, tmp_path: Path) -> None:
        """ALLIANCE_KNOWLEDGE_DIR points the CLI at another knowledge base."""
        knowledge = write_sample_kb(tmp_path)
        result = _run(
            "ask", "--json", "quote Austin", env={"ALLIANCE_KNOWLEDGE_DIR": str(knowledge)}
        )
        data = json.loads(result.stdout)
        assert data["entries"][0]["id"] == "q-austin-coercion"
        assert data["sources"] == ["seeds/900_sample.txt"]

    def test_ask_writes_then_reads_the_snapshot_cache(self, tmp_path: Path) -> None:
        """`ask` stores the compiled snapshot itself; the next `ask` answers the same from it."""
        knowledge = write_sample_kb(tmp_path)
        cache = tmp_path / "cache"
        env = {"ALLIANCE_KNOWLEDGE_DIR": str(knowledge), "ALLIANCE_CACHE_DIR": str(cache)}
        first = _run("ask", "--json", "who is hamda", env=env)
        assert len(list(cache.glob("*.snapshot"))) == 1
        second = _run("ask", "--json", "who is hamda", env=env)
        assert second.returncode == 0, second.stderr
        assert json.loads(second.stdout) == json.loads(first.stdout)

    def test_unwritable_cache_still_answers(self, tmp_path: Path) -> None:
        """A cache directory that cannot be made costs one warning line, not the answer."""
        knowledge = write_sample_kb(tmp_path)
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        env = {"ALLIANCE_KNOWLEDGE_DIR": str(knowledge), "ALLIANCE_CACHE_DIR": str(blocker / "c")}
        result = _run("ask", "--json", "who is hamda", env=env)
        assert result.returncode == 0
        assert json.loads(result.stdout)["entries"][0]["id"] == "hamada-yasukazu"
        assert result.stderr.count("loading without a cache") == 1
        assert "Traceback" not in result.stderr

    def test_broken_knowledge_base_is_refused(self, tmp_path: Path) -> None:
        """A broken knowledge base is never used: the CLI says where it is broken and exits 1."""
        knowledge = write_sample_kb(tmp_path)
        (knowledge / "terms.yaml").write_text("terms: [", encoding="utf-8")
        result = _run("ask", "what is the MLR", env={"ALLIANCE_KNOWLEDGE_DIR": str(knowledge)})
        assert result.returncode == 1
        assert "knowledge/terms.yaml:" in result.stderr
        assert "YAML syntax error" in result.stderr
        assert "Traceback" not in result.stderr


def _write_crowded_day(tmp_path: Path) -> Path:
    """The sample base plus 13 one-passage events on 6 December (2010-2021 and 2030) and one
    in 2001 that two passages cite."""
    knowledge = write_sample_kb(tmp_path)
    seed = tmp_path / "seeds" / "900_sample.txt"
    years = [*range(2010, 2022), 2030]
    seed.write_text(
        seed.read_text(encoding="utf-8")
        + "".join(f"Officials met in Sapporo on December 6, {y}.\n" for y in [2001, *years])
        + "The 2001 Sapporo meeting was widely reported.\n",
        encoding="utf-8",
    )

    def event(year: int, *evidence: str) -> str:
        cited = "".join(
            f"\n      - file: seeds/900_sample.txt\n        evidence: {e!r}" for e in evidence
        )
        return f"""
  - id: ev-{year}-12-06-sapporo
    date: "{year}-12-06"
    title: Sapporo meeting of {year}
    summary: Officials met in Sapporo.
    sources:{cited}"""

    events = [event(y, f"Officials met in Sapporo on December 6, {y}.") for y in years]
    events.append(
        event(
            2001,
            "Officials met in Sapporo on December 6, 2001.",
            "The 2001 Sapporo meeting was widely reported.",
        )
    )
    path = knowledge / "events.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(events) + "\n", encoding="utf-8")
    return knowledge


class TestDateLists:
    def test_a_crowded_day_lists_the_best_cited_then_the_latest(self, tmp_path: Path) -> None:
        """A day with more events than a list shows: the one most passages cite first, then
        the nearest before `today`, later ones last; then how many more and how to narrow."""
        env = {"ALLIANCE_KNOWLEDGE_DIR": str(_write_crowded_day(tmp_path))}
        asked = ("ask", "--today", "2023-11-24", "on Dec 6")
        plain = _run(*asked, env=env)
        assert plain.returncode == 0, plain.stderr
        items = [ln for ln in plain.stdout.splitlines() if ln.startswith("• ")]
        years = [int(ln.split("Sapporo meeting of ")[1]) for ln in items]
        assert years == [2001, 2021, 2020, 2019, 2018, 2017, 2016, 2015, 2014, 2013]
        assert "…and 4 more." in plain.stdout
        assert "Add a year to see fewer: `on Dec 6 2001`." in plain.stdout
        data = json.loads(_run(*asked[:1], "--json", *asked[1:], env=env).stdout)
        assert [e["id"] for e in data["entries"]] == [f"ev-{y}-12-06-sapporo" for y in years]
        assert "`on Dec 6 2001`" in data["text"]

    def test_a_year_narrows_the_list_and_needs_no_hint(self, tmp_path: Path) -> None:
        """The same day in one year lists only that year's events, with no hint to narrow."""
        env = {"ALLIANCE_KNOWLEDGE_DIR": str(_write_crowded_day(tmp_path))}
        data = json.loads(_run("ask", "--json", "on Dec 6 2030", env=env).stdout)
        assert [e["id"] for e in data["entries"]] == ["ev-2030-12-06-sapporo"]
        assert "Add a year" not in data["text"]
