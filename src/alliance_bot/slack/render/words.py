"""The answering data's words as Slack mrkdwn, and the one citation formatter.

The answer engine returns plain pieces (`answering.answer`: strings, `Strong`, `Code`, `Echo`,
lines); here each piece is escaped with `mrkdwn.escape` and set in mrkdwn, so no text from the
knowledge base or the asker can ping `<!channel>` or forge a link. `sources` and `context` write
the words of a context line; the CLI prints the same words unescaped (`cli/text.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from alliance_bot.answering.answer import (
    LINE_START,
    Answer,
    Cited,
    Code,
    Echo,
    Em,
    Line,
    Piece,
    Strong,
    Words,
)
from alliance_bot.slack.mrkdwn import escape

# Cited line numbers shown per article; more end in "…".
MAX_LINES_CITED = 6


def sources(cited: Sequence[Cited]) -> Words:
    """ "Source: seeds/001.txt — “Title” (lines 3, 9)", each article once, `·` between them."""
    parts = []
    for article in cited:
        named = f"{article.file} — “{article.title}”" if article.title else article.file
        if article.lines:
            label = "line" if len(article.lines) == 1 else "lines"
            shown = ", ".join(str(n) for n in article.lines[:MAX_LINES_CITED])
            more = "…" if len(article.lines) > MAX_LINES_CITED else ""
            named += f" ({label} {shown}{more})"
        parts.append(named)
    return (("Source: " if len(parts) == 1 else "Sources: ") + " · ".join(parts),)


def context(answer: Answer) -> Words:
    """An answer's context line: its sources, then what matched or what the articles correct."""
    cited = sources(answer.citations) if answer.citations else ()
    if cited and answer.note:
        return (*cited, " · ", *answer.note)
    return cited or answer.note


def mrkdwn(pieces: Iterable[Piece], *, escaped: bool = True) -> str:
    """Pieces as mrkdwn, every text escaped; with `escaped=False`, the same layout with the text
    as written (what the CLI prints: a terminal is not a Slack message)."""
    text: Callable[[str], str] = escape if escaped else str
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(text(piece))
        elif isinstance(piece, Strong):
            out.append(f"*{text(piece.text)}*")
        elif isinstance(piece, Em):
            out.append(f"_{text(piece.text)}_")
        elif isinstance(piece, Code):
            out.append(f"`{text(piece.text)}`")
        elif isinstance(piece, Echo):
            out.append(f"“{text(piece.text)}”")
    return "".join(out)


def mrkdwn_lines(lines: Iterable[Line], *, escaped: bool = True) -> str:
    """Lines as mrkdwn, one per line: items bulleted, quotations set off with `>`."""
    return "\n".join(LINE_START[line.style] + mrkdwn(line.words, escaped=escaped) for line in lines)
