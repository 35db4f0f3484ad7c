"""How entries read in an answer: lines of plain words, the names and dates set off (`Strong`).

Nothing here is escaped or marked up: the renderers do that (`slack/render/answers.py` for
Slack, `cli/text.py` for a terminal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from alliance_bot.answering.answer import Cited, Line, Strong
from alliance_bot.answering.answer import line as _line
from alliance_bot.knowledge.dates import human_range
from alliance_bot.knowledge.models import Entry, Event, Fact, Person, Quote, Source, Term
from alliance_bot.knowledge.snapshot import KnowledgeBase


def speaker_name(kb: KnowledgeBase, quote: Quote) -> str:
    if quote.person:
        person = kb.get(quote.person, Person)
        return person.name if person else quote.person
    return quote.speaker or "unknown"


def roles_text(person: Person) -> str:
    return "; ".join(f"{r.title} ({r.when})" if r.when else r.title for r in person.roles)


def full(kb: KnowledgeBase, entry: Entry) -> tuple[Line, ...]:
    """The whole entry, as the answer to a question about it."""
    if isinstance(entry, Person):
        roles = roles_text(entry)
        return (_line(Strong(entry.name), f" — {roles}" if roles else None), _line(entry.summary))
    if isinstance(entry, Event):
        return (
            _line(Strong(human_range(entry.date, entry.end)), f" — {entry.title}"),
            _line(entry.summary),
        )
    if isinstance(entry, Quote):
        attribution: list[str | Strong] = [Strong(speaker_name(kb, entry))]
        if entry.date:
            attribution.append(f", {entry.date.human()}")
        if entry.context:
            attribution.append(f", {entry.context}")
        return (_line(f"“{entry.text}”", style="quote"), _line("— ", attribution))
    if isinstance(entry, Fact):
        lead = (Strong(entry.value), " — ") if entry.value else ()
        return (_line(lead, entry.claim),)
    if isinstance(entry, Term):
        expansion = f" ({entry.expansion})" if entry.expansion else None
        return (_line(Strong(entry.term), expansion), _line(entry.definition))
    if isinstance(entry, Source):
        details = [d for d in (entry.author, entry.publisher) if d]
        if entry.published:
            details.append(entry.published.human())
        head = _line(Strong(entry.label), f" ({entry.file})")
        return (head, _line(", ".join(details))) if details else (head,)
    return (_line(entry.label),)


def line(kb: KnowledgeBase, entry: Entry) -> Line:
    """One item line for an entry in a list."""
    if isinstance(entry, Event):
        return _line(Strong(human_range(entry.date, entry.end)), f" — {entry.title}", style="item")
    if isinstance(entry, Person):
        roles = roles_text(entry)
        return _line(Strong(entry.name), f" — {roles}" if roles else None, style="item")
    if isinstance(entry, Quote):
        when = f", {entry.date.human()}" if entry.date else ""
        return _line(f"“{entry.text}” — {speaker_name(kb, entry)}{when}", style="item")
    if isinstance(entry, Term):
        expansion = f" ({entry.expansion})" if entry.expansion else None
        return _line(Strong(entry.term), expansion, style="item")
    return _line(entry.label, style="item")


def citations(kb: KnowledgeBase, entries: Iterable[Entry]) -> tuple[Cited, ...]:
    """The files the entries cite, in order, each with its article title and cited lines."""
    lines: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        for citation in entry.sources:
            found = kb.line_of(citation)
            lines[citation.file]
            if found is not None:
                lines[citation.file].add(found)
    return tuple(
        Cited(file, kb.title_of(file) or None, tuple(sorted(numbers)))
        for file, numbers in lines.items()
    )


def bullet_list(kb: KnowledgeBase, entries: Sequence[Entry], limit: int = 10) -> tuple[Line, ...]:
    shown = [line(kb, e) for e in entries[:limit]]
    if len(entries) > limit:
        shown.append(_line(f"…and {len(entries) - limit} more."))
    return tuple(shown)
