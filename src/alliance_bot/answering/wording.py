"""How entries read in an answer: Slack mrkdwn, every piece of knowledge base text escaped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from alliance_bot.knowledge.dates import human_range
from alliance_bot.knowledge.models import Entry, Event, Fact, Person, Quote, Source, Term
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.mrkdwn import escape


def speaker_name(kb: KnowledgeBase, quote: Quote) -> str:
    if quote.person:
        person = kb.get(quote.person, Person)
        return person.name if person else quote.person
    return quote.speaker or "unknown"


def roles_text(person: Person) -> str:
    return "; ".join(f"{r.title} ({r.when})" if r.when else r.title for r in person.roles)


def full(kb: KnowledgeBase, entry: Entry) -> str:
    """The whole entry, as the answer to a question about it."""
    if isinstance(entry, Person):
        roles = roles_text(entry)
        head = f"*{escape(entry.name)}*" + (f" — {escape(roles)}" if roles else "")
        return f"{head}\n{escape(entry.summary)}"
    if isinstance(entry, Event):
        return f"*{human_range(entry.date, entry.end)}* — {escape(entry.title)}\n{escape(entry.summary)}"
    if isinstance(entry, Quote):
        when = [entry.date.human()] if entry.date else []
        where = [escape(entry.context)] if entry.context else []
        attribution = ", ".join([f"*{escape(speaker_name(kb, entry))}*", *when, *where])
        return f"> “{escape(entry.text)}”\n— {attribution}"
    if isinstance(entry, Fact):
        lead = f"*{escape(entry.value)}* — " if entry.value else ""
        return f"{lead}{escape(entry.claim)}"
    if isinstance(entry, Term):
        expansion = f" ({escape(entry.expansion)})" if entry.expansion else ""
        return f"*{escape(entry.term)}*{expansion}\n{escape(entry.definition)}"
    if isinstance(entry, Source):
        details = [d for d in (entry.author, entry.publisher) if d]
        if entry.published:
            details.append(entry.published.human())
        extra = f"\n{escape(', '.join(details))}" if details else ""
        return f"*{escape(entry.label)}* ({escape(entry.file)}){extra}"
    return escape(entry.label)


def line(kb: KnowledgeBase, entry: Entry) -> str:
    """One bullet line for an entry in a list."""
    if isinstance(entry, Event):
        return f"• *{human_range(entry.date, entry.end)}* — {escape(entry.title)}"
    if isinstance(entry, Person):
        roles = roles_text(entry)
        return f"• *{escape(entry.name)}*" + (f" — {escape(roles)}" if roles else "")
    if isinstance(entry, Quote):
        when = f", {entry.date.human()}" if entry.date else ""
        return f"• “{escape(entry.text)}” — {escape(speaker_name(kb, entry))}{when}"
    if isinstance(entry, Term):
        expansion = f" ({escape(entry.expansion)})" if entry.expansion else ""
        return f"• *{escape(entry.term)}*{expansion}"
    return f"• {escape(entry.label)}"


def citations(kb: KnowledgeBase, entries: Iterable[Entry]) -> tuple[list[str], str]:
    """The cited files, and the context line naming each file, its article title and lines."""
    lines: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        for citation in entry.sources:
            found = kb.line_of(citation)
            lines[citation.file]
            if found is not None:
                lines[citation.file].add(found)
    parts = []
    for file, numbers in lines.items():
        title = kb.title_of(file)
        named = f"{escape(file)} — “{escape(title)}”" if title else escape(file)
        if numbers:
            ordered = sorted(numbers)
            label = "line" if len(ordered) == 1 else "lines"
            named += f" ({label} {', '.join(str(n) for n in ordered[:6])}"
            named += "…)" if len(ordered) > 6 else ")"
        parts.append(named)
    return list(lines), ("Source: " if len(parts) == 1 else "Sources: ") + " · ".join(parts)


def bullet_list(kb: KnowledgeBase, entries: Sequence[Entry], limit: int = 10) -> str:
    shown = [line(kb, e) for e in entries[:limit]]
    if len(entries) > limit:
        shown.append(f"…and {len(entries) - limit} more.")
    return "\n".join(shown)
