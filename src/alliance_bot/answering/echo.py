"""Quoting the asker's own words back: "I don't have anything on “Taylor SWIFT”".

The engine matches on folded text (lower case, accents stripped, quotes straightened), so the
phrase it wants to quote is folded too. Echoing that reads as if the bot rewrote the question;
`as_typed` finds the words of the original question that fold to the phrase and returns them as
the user typed them. Folding works word by word, so a run of original words whose folded tokens
equal the phrase's tokens is the span; when none is found (a synonym rewrote several words into
one), the folded phrase is the honest fallback.
"""

from __future__ import annotations

from alliance_bot.answering.questions import MAX_QUESTION
from alliance_bot.knowledge.text import fold

# Punctuation the question parser drops at the end of a question; compared without it.
_EDGE = "?!.,;:"
# Bounds the work: an echo is at most 80 characters, and the question at most MAX_QUESTION.
_MAX_WORDS = 400


def as_typed(question: str, phrase: str) -> str:
    """The words of `question` that fold to `phrase`, as typed; `phrase` if there are none."""
    wanted = [_bare(t) for t in phrase.split()]
    if not wanted:
        return phrase
    tokens: list[str] = []
    owner: list[int] = []  # index of the original word each folded token came from
    words = question[:MAX_QUESTION].split()[:_MAX_WORDS]
    for index, word in enumerate(words):
        for token in fold(word).split():
            tokens.append(_bare(token))
            owner.append(index)
    size = len(wanted)
    for start in range(len(tokens) - size + 1):
        if tokens[start : start + size] == wanted:
            span = words[owner[start] : owner[start + size - 1] + 1]
            return " ".join(span).strip(_EDGE + "\"'“”‘’") or phrase
    return phrase


def _bare(token: str) -> str:
    return token.strip(_EDGE)
