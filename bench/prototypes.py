"""Engine changes prototyped for measurement only: `apply()` monkeypatches them into this process.

What is left here is the name-lookup change, not yet ported because it changes a few typo
answers: `bench.answering --prototype` measures it and counts the answers that differ. (The
full-text pruning measured here first is now in `SearchIndex.text`.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from rapidfuzz import fuzz, process

from alliance_bot.search_index import NameMatch, NameTable
from alliance_bot.text import name_key

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


def apply() -> None:
    """Patch the prototypes into the engine classes for the rest of this process."""
    NameTable.lookup = lookup  # type: ignore[method-assign]


def restore() -> None:
    NameTable.lookup = _ORIGINAL_LOOKUP  # type: ignore[method-assign]
