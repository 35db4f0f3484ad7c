"""An answer as a terminal shows it: the same words Slack gets, nothing escaped.

The engine's data is plain text, so this renderer only lays it out: names set off with
`*asterisks*` and things to type in `backticks`, as the Slack reply reads (so a reader who
knows both sees the same answer), items bulleted, quotations after `>`, the context line last.
The layout and the words of the context line are the Slack renderer's
(`slack/render/words.py`); only the escaping differs.
"""

from __future__ import annotations

from collections.abc import Iterable

from alliance_bot.answering.answer import Answer, Line, Piece
from alliance_bot.slack.render.words import context, mrkdwn, mrkdwn_lines


def plain(pieces: Iterable[Piece]) -> str:
    """Pieces as text, as written: the Slack layout, nothing escaped."""
    return mrkdwn(pieces, escaped=False)


def plain_lines(lines: Iterable[Line]) -> str:
    return mrkdwn_lines(lines, escaped=False)


def answer_text(answer: Answer) -> str:
    """The answer, then its context line (sources, what matched) last."""
    body, context_line = plain_lines(answer.statement), plain(context(answer))
    return f"{body}\n{context_line}" if context_line else body
