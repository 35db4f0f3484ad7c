"""`alliance-bot kb draft`: entries proposed from an article, evidence verbatim, ids unique, and
how much of the hand-curated base it would have proposed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from alliance_bot.knowledge.drafting import draft_article, render_draft
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Event, Person, Quote
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.text import name_key
from alliance_bot.testing.sample_kb import SEED_NAME, write_sample_kb

OWN_WORDS = ("summary", "about", "speaker", "title")


def squash(text: str) -> str:
    return " ".join(text.split())


class TestDraft:
    def test_evidence_is_verbatim_and_only_our_words_are_missing(self, tmp_path: Path) -> None:
        """Appended as is, a draft fails `kb check` only on the fields we must write ourselves."""
        knowledge = write_sample_kb(tmp_path)
        kb = load_knowledge(knowledge)
        article = tmp_path / "seeds" / SEED_NAME
        draft = render_draft(draft_article(article.read_text("utf-8"), f"seeds/{SEED_NAME}", kb))
        (knowledge / "zz_draft.yaml").write_text(draft, encoding="utf-8")
        with pytest.raises(KnowledgeBaseInvalid) as caught:
            load_knowledge(knowledge)
        problems = caught.value.problems
        assert problems
        assert all(p.message.startswith(OWN_WORDS) for p in problems), caught.value.report()

    def test_ids_do_not_collide_with_the_knowledge_base(self, tmp_path: Path) -> None:
        """Every proposed id is new, even for an article already in the base."""
        knowledge = write_sample_kb(tmp_path)
        kb = load_knowledge(knowledge)
        text = (tmp_path / "seeds" / SEED_NAME).read_text("utf-8")
        data = yaml.safe_load(render_draft(draft_article(text, f"seeds/{SEED_NAME}", kb)))
        ids = [e["id"] for entries in data.values() for e in entries or []]
        assert len(ids) == len(set(ids))
        assert not set(ids) & set(kb.entries)

    def test_finds_dated_lines_quotes_and_people(self, tmp_path: Path) -> None:
        """A dated sentence becomes an event, a quotation gets its speaker, a titled name a person."""
        text = (
            "Report\n\nForeign Minister Kamikawa Yoko met Ambassador Rahm Emanuel on Nov. 30, 2023."
            " Kamikawa said the allies “will stand firm against any coercion at sea.”\n"
        )
        draft = draft_article(text, "seeds/950_new.txt", None)
        assert [e.date for e in draft.events] == ["2023-11-30"]
        assert {p.name for p in draft.people} == {"Kamikawa Yoko", "Rahm Emanuel"}
        (quote,) = draft.quotes
        assert quote.text == "will stand firm against any coercion at sea."
        assert quote.person == "kamikawa-yoko"

    def test_cli_prints_yaml_and_writes_nothing(self, tmp_path: Path) -> None:
        """`kb draft` prints YAML to stdout and leaves knowledge/ untouched."""
        knowledge = write_sample_kb(tmp_path)
        before = {p.name: p.read_bytes() for p in knowledge.iterdir()}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "alliance_bot",
                "kb",
                "draft",
                str(tmp_path / "seeds" / SEED_NAME),
            ],
            capture_output=True,
            text=True,
            env={"ALLIANCE_KNOWLEDGE_DIR": str(knowledge), "PATH": ""},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert yaml.safe_load(done.stdout)["sources"]
        assert {p.name: p.read_bytes() for p in knowledge.iterdir()} == before


def recall(kind: str) -> tuple[int, int]:
    """(found, curated): curated entries of `kind` the draft of their article proposed."""
    knowledge = default_knowledge_dir()
    kb = load_knowledge(knowledge)
    found = total = 0
    for seed in sorted((knowledge.parent / "seeds").glob("*.txt")):
        file = f"seeds/{seed.name}"
        draft = draft_article(seed.read_text("utf-8"), file, None)  # as if the article were new
        events = [squash(e.evidence) for e in draft.events]
        quotes = [squash(q.text) for q in draft.quotes]
        names = {name_key(n) for p in draft.people for n in [p.name, *p.aliases]}
        for entry in kb.of_kind(kind):  # type: ignore[arg-type]
            cited = [squash(c.evidence) for c in entry.sources if c.file == file]
            if not cited:
                continue
            total += 1
            if isinstance(entry, Event):
                found += any(a in b or b in a for a in cited for b in events)
            elif isinstance(entry, Quote):
                found += any(squash(entry.text) in q or q in squash(entry.text) for q in quotes)
            elif isinstance(entry, Person):
                found += bool({name_key(n) for n in entry.names()} & names)
    return found, total


@pytest.mark.skipif(
    not (default_knowledge_dir().parent / "seeds").is_dir(),
    reason="needs the curated knowledge base and its seeds",
)
class TestRecallOnTheCuratedBase:
    @pytest.mark.parametrize(("kind", "floor"), [("event", 0.75), ("quote", 0.8), ("person", 0.75)])
    def test_share_of_curated_entries_proposed(self, kind: str, floor: float) -> None:
        """Over the five articles the draft proposes most curated events, quotes and people."""
        found, total = recall(kind)
        assert total > 0
        assert found / total >= floor, f"{kind}: {found}/{total}"
