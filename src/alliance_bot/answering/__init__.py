"""The answer engine: a line of text and a knowledge base snapshot in, an `Answer` out.

`parse_question` reads the text once; `answer` decides what (if anything) answers it, and
`answer_entry` answers a known entry (a did-you-mean click).
"""

from alliance_bot.answering.answer import Answer, ScoredEntry, Status, Suggestion
from alliance_bot.answering.engine import answer, answer_entry
from alliance_bot.answering.questions import Question, parse_question

__all__ = [
    "Answer",
    "Question",
    "ScoredEntry",
    "Status",
    "Suggestion",
    "answer",
    "answer_entry",
    "parse_question",
]
