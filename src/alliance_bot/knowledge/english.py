"""Common English words, so that a typo correction never turns one real word into another.

The spelling corrector (`answering.questions._corrected`, and the text index for the words it
leaves as typed) mends words the knowledge base does not know against the words it does ("goverment" → "government"). A word the articles happen not to use
is not a typo for that: "mayor" is not a misspelt "major", nor "prize" a misspelt "prime". The
word list is pyspellchecker's English frequency dictionary, which ships inside its wheel (no
download); a word counted at least `COMMON` times there is left as typed. Rarer entries
("minster", counted 106 times) are still corrected, as in "the health minster".
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import threading
from importlib import resources

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_words: frozenset[str] | None = None
# Chosen on the dev questions' corrections: every word corrected wrongly there ("thing",
# "water", "walked", "prize", "charity", "presidential", "mount", "ashore") is counted over
# 4,000 times, and the rarest real typo corrected rightly ("minster") 106 times.
COMMON = 500


def _load() -> frozenset[str]:
    global _words
    with _lock:
        if _words is None:
            try:
                # The dictionary SpellChecker(language="en") reads; read directly, it loads
                # in a third of the time and only the common words are kept (~26,000).
                data = resources.files("spellchecker").joinpath("resources", "en.json.gz")
                counts = json.loads(gzip.decompress(data.read_bytes()))
                _words = frozenset(w for w, n in counts.items() if n >= COMMON)
            except (OSError, ModuleNotFoundError, ValueError) as error:
                _log.warning("English word list unavailable: %s", type(error).__name__)
                _words = frozenset()
        return _words


# British spellings of the American words the list counts ("apologise", "defence", "colour",
# "programme"): the bot's users write both, and neither is a typo.
_BRITISH = (
    (re.compile(r"is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"our(s|ed|ing|ite|ites|able)?$"), r"or\1"),
    (re.compile(r"ence(s)?$"), r"ense\1"),
    (re.compile(r"tre(s)?$"), r"ter\1"),
    (re.compile(r"amme(s)?$"), r"am\1"),
    (re.compile(r"ll(ed|ing|er|ers)$"), r"l\1"),
)


def is_common(word: str) -> bool:
    """Whether `word` (folded, lower case) is a common English word, in British or American
    spelling."""
    words = _words if _words is not None else _load()
    return word in words or any(
        american != word and american in words
        for pattern, replacement in _BRITISH
        for american in (pattern.sub(replacement, word),)
    )


def prepare() -> None:
    """Read the word list now (about half a second) rather than on the first question."""
    _load()
