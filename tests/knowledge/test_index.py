"""The search index's name lookup and full-text search: their shortcuts return what the plain
definitions do."""

from __future__ import annotations

import heapq
import random
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from alliance_bot.knowledge.index import NameMatch, NameTable, SearchIndex, TextMatch
from alliance_bot.knowledge.models import Citation, Term
from alliance_bot.knowledge.text import name_key

# Few words and entries, so that many entries share a name, and names share words and scores
# (the same words in another order score 100, as the name itself does).
_WORDS = st.sampled_from(["okinawa", "okinawan", "tokyo", "base"])
_NAMES = st.lists(_WORDS, min_size=1, max_size=2).map(" ".join)
_PAIRS = st.lists(
    st.tuples(st.integers(0, 25).map(lambda n: f"e{n:02d}"), _NAMES), min_size=1, max_size=80
)


def _plain_lookup(table: NameTable, phrase: str, limit: int, cutoff: float) -> list[NameMatch]:
    """The definition: every entry of every name the fuzzy search reaches, its best score kept,
    ranked by score and then entry id (what `NameTable.lookup` did before its shortcuts)."""
    key = name_key(phrase)
    best = {i: (100.0, key) for i in table._names.get(key, ())}
    expanded = sorted(
        (len(table._token_names.get(known, ())), known)
        for token in sorted(set(key.split()))
        for known in table._vocabulary.expand(token)
    )
    candidates: Counter[str] = Counter()
    for count, known in expanded:
        if count > 500 and candidates:
            continue
        candidates.update(table._token_names.get(known, ()))
    pool = [n for n, _ in candidates.most_common(200)]
    for name, score, _ in process.extract(
        key,
        pool,
        scorer=fuzz.token_sort_ratio,
        processor=None,
        score_cutoff=cutoff,
        limit=limit * 3,
    ):
        for entry_id in table._names[name]:
            if entry_id not in best or best[entry_id][0] < score:
                best[entry_id] = (float(score), name)
    ranked = heapq.nsmallest(limit, best.items(), key=lambda item: (-item[1][0], item[0]))
    return [NameMatch(entry_id, score, name) for entry_id, (score, name) in ranked]


class TestNameLookup:
    @settings(max_examples=500, deadline=None)
    @example(  # the same words in another order reach an entry before the name's own
        pairs=[("e05", "tokyo base"), ("e06", "tokyo base"), ("e01", "base tokyo")],
        phrase="tokyo base",
        limit=2,
        cutoff=50.0,
    )
    @given(
        pairs=_PAIRS,
        phrase=_NAMES,
        limit=st.integers(1, 6),
        cutoff=st.sampled_from([0.0, 50.0, 80.0, 100.0]),
    )
    def test_same_as_the_plain_definition(
        self, pairs: list[tuple[str, str]], phrase: str, limit: int, cutoff: float
    ) -> None:
        """Stopping once `limit` entries are placed, and taking only a name's first entries,
        return exactly the plain definition's matches, scores and names, in its order."""
        table = NameTable(pairs)
        assert table.lookup(phrase, limit=limit, cutoff=cutoff) == _plain_lookup(
            table, phrase, limit, cutoff
        )

    @settings(max_examples=200, deadline=None)
    @given(pairs=_PAIRS, token=_WORDS)
    def test_entries_with_a_token(self, pairs: list[tuple[str, str]], token: str) -> None:
        """The entries with a name that has the word, and only those."""
        table = NameTable(pairs)
        assert table.entries_with_token(token) == {
            entry_id for entry_id, name in pairs if token in name_key(name).split()
        }
        assert set(table.tokens()) == {t for _, name in pairs for t in name_key(name).split()}


# Few words over many entries: a question of them has thousands of candidates, so `text` takes
# its shortcuts (coverage first over whole postings, only the candidates reaching the limit-th
# best coverage scored).
_TEXT_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india")


def _text_index(size: int) -> SearchIndex:
    rng = random.Random(size)
    entries = []
    for n in range(size):
        # Word frequencies from common to rare, so that words weigh differently.
        words = [w for at, w in enumerate(_TEXT_WORDS) if rng.random() < 0.9 / (at + 1)]
        words += rng.sample(_TEXT_WORDS, 1)
        entries.append(
            Term(
                id=f"t{n:05d}",
                term=f"Term {n}",
                definition=" ".join(words),
                sources=(Citation(file="seeds/900_sample.txt", evidence=words[0]),),
            )
        )
    return SearchIndex(entries)


@pytest.fixture(scope="module")
def text_index() -> SearchIndex:
    return _text_index(3000)


def _plain_text(index: SearchIndex, text: str, limit: int, min_coverage: float) -> list[TextMatch]:
    """The definition: every candidate scored one by one, the best `limit` covering enough."""
    stems = index.query_stems(text)
    total = sum(stems.values())
    groups = {s: index._alternatives(s) for s in stems}
    known = sorted((s for s in stems if groups[s]), key=lambda s: index._count(groups[s][0]))
    candidates = index._candidates(stems, groups, known, total, None, min_coverage)
    scored = index._score_few(candidates.tolist(), stems, groups, known, total)
    return heapq.nsmallest(
        limit,
        (m for m in scored if m.coverage >= min_coverage),
        key=lambda m: (-m.coverage, -m.score, m.entry_id),
    )


class TestFullText:
    @settings(max_examples=60, deadline=None)
    @given(
        words=st.lists(st.sampled_from(_TEXT_WORDS), min_size=1, max_size=9),
        limit=st.sampled_from([1, 3, 10, 20, 50]),
        min_coverage=st.sampled_from([0.0, 0.3, 0.4, 0.7]),
    )
    def test_same_as_the_plain_definition(
        self, text_index: SearchIndex, words: list[str], limit: int, min_coverage: float
    ) -> None:
        """Pruning by coverage and scoring in numpy return exactly the matches, scores and
        coverages of scoring every candidate one by one."""
        text = " ".join(words)
        assert text_index.text(text, limit=limit, min_coverage=min_coverage) == _plain_text(
            text_index, text, limit, min_coverage
        )
