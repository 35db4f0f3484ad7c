"""The answer engine: a line of text and a knowledge base snapshot in, an `Answer` out.

`parse_question` reads the text once; `answer` decides what (if anything) answers it, and
`answer_entry` answers a known entry (a did-you-mean click).
"""

from alliance_bot.answering import semantic
from alliance_bot.answering.answer import Answer, ScoredEntry, Status, Suggestion
from alliance_bot.answering.engine import answer, answer_entry, prepare_snapshot
from alliance_bot.answering.questions import Question, parse_question
from alliance_bot.knowledge import english


def prepare() -> None:
    """Load now what answering otherwise reads on the first question that needs it (the common
    English words, the embedding model: about a second in all), so that no user waits for it.
    A server calls it at start-up; a one-shot `ask` need not."""
    english.prepare()
    semantic.prepare()


__all__ = [
    "Answer",
    "Question",
    "ScoredEntry",
    "Status",
    "Suggestion",
    "answer",
    "answer_entry",
    "parse_question",
    "prepare",
    "prepare_snapshot",
]
