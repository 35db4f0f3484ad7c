"""Engine changes prototyped for measurement only: `apply()` monkeypatches them into this process.

The engine (search_index.py, answering.py) is owned and edited elsewhere; these mirror its code as
of commit 474cd51 plus the smallest changes that close the latency gap found by the benchmarks, so
their effect can be measured with `--prototype` before anyone ports them. `bench.answering`
compares every answer with and without them: the text pruning changes none; the name lookup one
does change a few typo answers, so it is off unless asked for.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable

from rapidfuzz import fuzz, process

from alliance_bot import search_index
from alliance_bot.models import Kind
from alliance_bot.search_index import NameMatch, NameTable, SearchIndex, TextMatch
from alliance_bot.text import name_key

# Every caller of SearchIndex.text drops matches covering less than this share of the question
# (answering.py: PARTLY_COVERED = 0.4 is the lowest threshold used; search and quotes use 0.5).
MIN_COVERAGE = 0.4


def text(
    self: SearchIndex, text: str, *, kinds: frozenset[Kind] | None = None, limit: int = 10
) -> list[TextMatch]:
    """`SearchIndex.text`, pruned: candidates come only from the rarest stems that an entry must
    contain to cover MIN_COVERAGE of the question, and only the top `limit` are built and sorted.

    Exact for every match with coverage ≥ MIN_COVERAGE: an entry containing none of the stems
    whose IDF sum exceeds (1 - MIN_COVERAGE) of the question's weight covers less than
    MIN_COVERAGE. Stems are taken rarest first (highest IDF), as the original orders them, and the
    original candidate cap applies to each stem unchanged.
    """
    stems = self.query_stems(text)
    total = sum(stems.values())
    if not total:
        return []
    known = sorted((s for s in stems if s in self._postings), key=lambda s: len(self._postings[s]))
    candidates: set[int] = set()
    needed = (1 - MIN_COVERAGE) * total
    gathered = 0.0
    for stemmed in known:
        if gathered > needed:
            break
        gathered += stems[stemmed]
        posting = self._postings[stemmed]
        if len(posting) <= search_index._CANDIDATE_CAP:
            candidates.update(posting)
        elif not candidates:
            candidates.update(
                sorted(posting, key=posting.__getitem__, reverse=True)[
                    : search_index._CANDIDATE_CAP
                ]
            )
    k1, b = search_index._BM25_K1, search_index._BM25_B
    scored: list[tuple[float, float, str]] = []
    for position in candidates:
        entry_id = self._ids[position]
        if kinds is not None and self._kinds[entry_id] not in kinds:
            continue
        score = 0.0
        covered = 0.0
        named = 0.0
        subject = self._name_stems[position]
        norm = k1 * (1 - b + b * self._lengths[position] / self._average_length)
        for stemmed in known:
            tf = self._postings[stemmed].get(position)
            if tf:
                idf = stems[stemmed]
                covered += idf
                named += idf if stemmed in subject else 0.0
                score += idf * tf * (k1 + 1) / (tf + norm)
        if covered / total >= MIN_COVERAGE:
            scored.append((covered / total, score, entry_id, named / total))
    best = heapq.nsmallest(limit, scored, key=lambda m: (-m[0], -m[1], m[2]))
    return [TextMatch(entry_id, score, cover, name) for cover, score, entry_id, name in best]


_ORIGINAL_LOOKUP = NameTable.lookup
# A token in more names than this says little about which name is meant ("minister", "of");
# names are then found through the question's rarer tokens.
_COMMON_TOKEN = 500


def lookup(
    self: NameTable,
    phrase: str,
    *,
    limit: int = 10,
    cutoff: float = 50.0,
    scorer: Callable[..., float] = fuzz.token_sort_ratio,
) -> list[NameMatch]:
    """`NameTable.lookup` that counts candidates from rare tokens first and skips a very common
    token when rarer ones already found candidates.

    The original updates a Counter with every name holding each token: "who is the chairman of
    the joint chiefs of staff" walks every role title containing "of" (all 20,000 synthetic ones
    at 100,000 entries) to keep 200 of them. Not exact in general (a name sharing only the common
    token drops out), so `bench.answering --prototype` reports any answer that changes.
    """
    key = name_key(phrase)
    if not key:
        return []
    best: dict[str, NameMatch] = {m.entry_id: m for m in self.exact(key)}
    expanded: list[tuple[int, str]] = []
    for token in key.split():
        for known in self._vocabulary.expand(token):
            names = self._token_names.get(known, ())
            expanded.append((len(names), known))
    candidates: Counter[str] = Counter()
    for count, known in sorted(expanded):
        if count > _COMMON_TOKEN and candidates:
            continue
        candidates.update(self._token_names.get(known, ()))
    if candidates:
        pool = [name for name, _ in candidates.most_common(200)]
        for name, score, _ in process.extract(
            key, pool, scorer=scorer, processor=None, score_cutoff=cutoff, limit=limit * 3
        ):
            for entry_id in self._names[name]:
                if entry_id not in best or best[entry_id].score < score:
                    best[entry_id] = NameMatch(entry_id, float(score), name)
    ranked = sorted(best.values(), key=lambda m: (-m.score, m.entry_id))
    return ranked[:limit]


_ORIGINAL_TEXT = SearchIndex.text


def apply(*, names: bool = False) -> None:
    """Patch the prototypes into the engine classes for the rest of this process."""
    SearchIndex.text = text  # type: ignore[method-assign]
    if names:
        NameTable.lookup = lookup  # type: ignore[method-assign]


def restore() -> None:
    SearchIndex.text = _ORIGINAL_TEXT  # type: ignore[method-assign]
    NameTable.lookup = _ORIGINAL_LOOKUP  # type: ignore[method-assign]
