"""Peers: the engine side by side with the search engines a user might reach for instead, on the
same generated base and the same question mix, interleaved question by question in one run.

- tantivy-py (BM25 over the same words the engine indexes), plain and with fuzzy terms
  (edit distance 1, as a typo-tolerant search would); optional: `pip install -e '.[bench]'`,
  reported as skipped when it is not installed;
- SQLite FTS5 (porter stemmer), every word required (AND), best 10 by its BM25 rank.

Each document is an entry's names, its own words and its evidence: what the engine's full-text
index holds. The peers do none of the engine's work beyond search (typo-tolerant names, dates,
declining when unsure), so this compares speed only. Times are CPU ms of the asking thread.

    python -m bench.peers [--sizes 1000,10000,100000] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alliance_bot.answering.engine import answer
from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.snapshot import KnowledgeBase
from bench.answering import mixed_questions
from bench.common import SNAPSHOTS, percentile, size_arguments, sizes_of, table
from bench.generate import cached

REPEATS = 3
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class PeerRow:
    size: int
    engine: str
    p50_ms: float | None  # None: skipped
    p99_ms: float | None
    build_seconds: float | None
    memory_mb: float | None
    note: str = ""


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def documents(kb: KnowledgeBase) -> list[tuple[str, str]]:
    return [
        (e.id, " ".join([*e.names(), e.search_text(), *(c.evidence for c in e.sources)]))
        for e in kb.entries.values()
    ]


Search = Callable[[str], object]


def _sqlite(docs: list[tuple[str, str]]) -> Search:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize='porter')")
    with db:
        db.executemany("INSERT INTO docs (id, body) VALUES (?, ?)", docs)

    def search(question: str) -> object:
        words = _WORD.findall(question.lower())
        if not words:
            return []
        match = " AND ".join(f'"{w}"' for w in words)
        return db.execute(
            "SELECT id FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10", (match,)
        ).fetchall()

    return search


def _tantivy(docs: list[tuple[str, str]], *, fuzzy: bool) -> Search | None:
    try:
        import tantivy
    except ImportError:
        return None
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    schema = builder.build()
    index = tantivy.Index(schema)  # in memory
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for entry_id, body in docs:
        writer.add_document(tantivy.Document(id=entry_id, body=body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def search(question: str) -> object:
        if fuzzy:
            words = _WORD.findall(question.lower())
            if not words:
                return []
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should,
                     tantivy.Query.fuzzy_term_query(schema, "body", w, distance=1))
                    for w in words
                ]
            )  # fmt: skip
        else:
            query, _errors = index.parse_query_lenient(question, ["body"])
        return searcher.search(query, 10).hits

    return search


def _timed(search: Search, questions: list[str]) -> list[float]:
    samples = []
    for question in questions:
        start = time.thread_time()
        search(question)
        samples.append((time.thread_time() - start) * 1000)
    return samples


def measure(kb: KnowledgeBase) -> list[PeerRow]:
    asked: list[tuple[str, Any]] = mixed_questions(kb)
    questions = [q for q, _ in asked]
    docs = documents(kb)
    builders: dict[str, Callable[[], Search | None]] = {
        "tantivy-py (BM25)": lambda: _tantivy(docs, fuzzy=False),
        "tantivy-py, fuzzy terms": lambda: _tantivy(docs, fuzzy=True),
        "SQLite FTS5, AND query": lambda: _sqlite(docs),
    }
    searches: dict[str, Search] = {}
    built: dict[str, tuple[float, float]] = {}
    for name, build in builders.items():
        gc.collect()
        before, start = _rss_mb(), time.perf_counter()
        search = build()
        if search is not None:
            searches[name] = search
            built[name] = (time.perf_counter() - start, _rss_mb() - before)

    def engine(question: str, today: Any = asked[0][1]) -> object:
        return answer(kb, question, today)

    everyone: dict[str, Search] = {"alliance-bot": engine, **searches}
    for search in everyone.values():  # warm-up
        _timed(search, questions)
    samples: dict[str, list[float]] = {name: [] for name in everyone}
    for _ in range(REPEATS):
        # Interleaved question by question, so a noisy moment costs every engine alike.
        for question in questions:
            for name, search in everyone.items():
                samples[name] += _timed(search, [question])
    rows = [
        PeerRow(len(kb), "alliance-bot", percentile(samples["alliance-bot"], 50),
                percentile(samples["alliance-bot"], 99), None, None)
    ]  # fmt: skip
    for name in builders:
        if name not in searches:
            rows.append(PeerRow(len(kb), name, None, None, None, None, "skipped: no tantivy"))
            continue
        seconds, memory = built[name]
        rows.append(PeerRow(len(kb), name, percentile(samples[name], 50),
                            percentile(samples[name], 99), seconds, memory))  # fmt: skip
    return rows


HEADERS = ("entries", "engine", "p50 CPU ms", "p99 CPU ms", "index build s", "index memory MB")


def row_cells(row: PeerRow) -> tuple[object, ...]:
    if row.p50_ms is None:
        return (row.size, row.engine, row.note, "", "", "")
    return (row.size, row.engine, row.p50_ms, row.p99_ms,
            "—" if row.build_seconds is None else row.build_seconds,
            "—" if row.memory_mb is None else row.memory_mb)  # fmt: skip


def run(sizes: tuple[int, ...]) -> list[PeerRow]:
    rows: list[PeerRow] = []
    for size in sizes:
        kb = load_knowledge(cached(size), cache=SnapshotCache(SNAPSHOTS))
        rows += measure(kb)
        del kb
        gc.collect()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size_arguments(parser)
    args = parser.parse_args(argv)
    print(table(HEADERS, [row_cells(r) for r in run(sizes_of(args))]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
