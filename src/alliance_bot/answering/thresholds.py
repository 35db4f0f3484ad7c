"""The scores and shares that decide between an answer, a "did you mean" and nothing: one
definition for every part of the engine that applies them (docs/answering.md, "Calibration",
has how they were chosen)."""

from __future__ import annotations

# A name match at or above this score (rapidfuzz token_sort_ratio) is the answer.
CONFIDENT = 90.0
# Below CONFIDENT but at least this, the entry is only offered as "did you mean".
SUGGEST = 60.0
# Share of a question's weight (by IDF) an entry's words must cover to be the answer.
COVERED = 0.75
# Share of a question's weight that must be in what the entry is about (names, title, topic).
ABOUT = 0.4
# Share of a question's weight that makes an entry worth suggesting.
PARTLY_COVERED = 0.4
# A word used by at most this share of entries is a key word of a question.
KEY_SHARE = 0.05
