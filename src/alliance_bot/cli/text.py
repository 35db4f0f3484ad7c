"""An answer as a terminal shows it: the same words Slack gets, nothing escaped.

The engine's data is plain text, so this renderer only lays it out: names set off with
`*asterisks*` and things to type in `backticks`, as the Slack reply reads (so a reader who
knows both sees the same answer), items bulleted, quotations after `>`, the context line last.
The words of the context line are the Slack renderer's (`slack/render/words.py`); only the
escaping differs.
"""

from __future__ import annotations

from collections.abc import Iterable

from alliance_bot.answering.answer import LINE_START, Answer, Code, Echo, Em, Line, Piece, Strong
from alliance_bot.slack.render.words import context


def plain(pieces: Iterable[Piece]) -> str:
    """Pieces as text, as written."""
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif isinstance(piece, Strong):
            out.append(f"*{piece.text}*")
        elif isinstance(piece, Em):
            out.append(f"_{piece.text}_")
        elif isinstance(piece, Code):
            out.append(f"`{piece.text}`")
        elif isinstance(piece, Echo):
            out.append(f"“{piece.text}”")
    return "".join(out)


def plain_lines(lines: Iterable[Line]) -> str:
    return "\n".join(LINE_START[line.style] + plain(line.words) for line in lines)


def answer_text(answer: Answer) -> str:
    """The answer, then its context line (sources, what matched) last."""
    body, context_line = plain_lines(answer.statement), plain(context(answer))
    return f"{body}\n{context_line}" if context_line else body
