"""A weak semantic signal: how close in meaning a question is to a few candidate entries.

It comes from `wordllama`, a small static embedding model whose 16 MB weights ship inside its
wheel; it is loaded from the package's own folder with downloads disabled, once, on first use.
It only ranks candidates the lexical rules have already found and confirmed — it never finds an
entry, and no score of its own turns a weak match into an answer (docs/answering.md has the
measurements). Without the package the signal is simply absent.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_model: Any = None
_loaded = False
# Texts are cut before embedding: a long summary adds cost, not meaning.
_MAX_TEXT = 400


def _load() -> Any:
    """The model, or None when wordllama is not installed or its weights cannot be read."""
    global _model, _loaded
    with _lock:
        if _loaded:
            return _model
        _loaded = True
        # Belt and braces with disable_download: nothing may reach the network at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            # Imported here: loading costs ~0.3 s, paid by the first question that needs it.
            import wordllama

            folder = Path(wordllama.__file__).resolve().parent
            _model = wordllama.WordLlama.load(cache_dir=folder, disable_download=True)
        except Exception as error:  # any failure means: answer without the semantic signal
            _log.warning("semantic signal unavailable: %s", type(error).__name__)
            _model = None
        return _model


@lru_cache(maxsize=4096)
def _vector(text: str) -> Any:
    model = _load()
    if model is None:
        return None
    return model.embed([text[:_MAX_TEXT]], norm=True)[0]


def similarities(question: str, texts: Sequence[str]) -> list[float] | None:
    """Cosine similarity of the question to each text, or None without the model."""
    asked = _vector(question)
    if asked is None:
        return None
    scores: list[float] = []
    for text in texts:
        if not text.strip():
            scores.append(0.0)  # nothing to compare (and wordllama would divide by zero)
            continue
        vector = _vector(text)
        value = float(asked @ vector) if vector is not None else 0.0
        scores.append(value if value == value else 0.0)  # NaN (no known word) counts as 0
    return scores


class Pool:
    """Entries (id, text) to find the one closest in meaning to a question among. Their
    vectors are one matrix, built on first use; a pool belongs to one knowledge base snapshot
    (the engine keeps it with the snapshot's other per-entry tables)."""

    def __init__(self, entries: Sequence[tuple[str, str]]) -> None:
        # Sorted by id, so that equal scores are broken by id whatever the load order.
        ordered = sorted(entries)
        self._ids = tuple(i for i, _ in ordered)
        self._texts = tuple(t for _, t in ordered)
        self._matrix: Any = None

    def nearest(self, question: str) -> tuple[str, float] | None:
        """The id of the entry closest in meaning to the question, and how far its cosine
        leads the next entry's; None without the model or with fewer than two entries."""
        if len(self._ids) < 2:
            return None
        asked = _vector(question)
        if asked is None:
            return None
        if self._matrix is None:
            rows = [_vector(t) if t.strip() else None for t in self._texts]
            zero = np.zeros_like(asked)
            # A text of no known word embeds as NaN: it is close to nothing.
            self._matrix = np.nan_to_num(np.stack([r if r is not None else zero for r in rows]))
        scores = self._matrix @ np.nan_to_num(asked)
        first, second = (int(i) for i in np.argsort(-scores, kind="stable")[:2])
        return self._ids[first], float(scores[first] - scores[second])


def prepare() -> None:
    """Load the model now (about 0.3 s) rather than on the first question that needs it."""
    _load()
