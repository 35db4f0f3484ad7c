"""Prototype (for the owner of knowledge/text.py): where a cold load's `fold` time goes and what
a faster `fold` would save, measured on a generated base's own texts. Not used by the engine.

`fold` runs NFKD, a per-character generator over `unicodedata.combining` and 12 synonym regex
passes, several times per entry at index build. The prototype keeps its output identical (checked
on every text) with two changes: ASCII text skips NFKD and the per-character pass (it has nothing
to decompose or strip), and a cheap pre-check skips each synonym pattern whose literal anchor
word is absent.

    python -m bench.fold_prototype [--size 10000]
"""

from __future__ import annotations

import argparse
import time
import unicodedata

from alliance_bot.knowledge import text
from alliance_bot.knowledge.cache import SnapshotCache
from alliance_bot.knowledge.loader import load_knowledge
from bench.common import SNAPSHOTS, table
from bench.generate import cached

# A word each synonym pattern cannot match without (same order as text._SYNONYMS).
_ANCHORS = ("u.", "u.s", "united states", "defence", "g7", "plus", "american", "japanese",
            "korean", "minister", "minister", "secretary of")  # fmt: skip


def fast_fold(value: str) -> str:
    value = value.translate(text._QUOTES)
    if not value.isascii():
        value = unicodedata.normalize("NFKD", value)
        value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.casefold()
    for (pattern, replacement), anchor in zip(text._SYNONYMS, _ANCHORS, strict=True):
        if anchor in value or (anchor == "plus" and "+" in value):
            value = pattern.sub(replacement, value)
    return " ".join(value.split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args(argv)
    kb = load_knowledge(cached(args.size), cache=SnapshotCache(SNAPSHOTS))
    texts = []
    for entry in kb.entries.values():
        texts += [*entry.names(), entry.subject_text(), entry.search_text(),
                  " ".join(c.evidence for c in entry.sources)]  # fmt: skip
    mismatches = sum(1 for t in texts if fast_fold(t) != text.fold(t))
    timings = []
    for name, function in (("text.fold", text.fold), ("prototype", fast_fold)):
        start = time.process_time()
        for t in texts:
            function(t)
        timings.append((name, time.process_time() - start))
    distinct = len(set(texts))
    print(table(("fold", "texts", "distinct", "CPU s", "differs on"),
                [(n, len(texts), distinct, s, mismatches if n == "prototype" else 0)
                 for n, s in timings]))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
