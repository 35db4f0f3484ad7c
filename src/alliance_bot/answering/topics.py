"""What a question that names a thing wants of it first, by the question's own shape.

A thing often has several entries that share its words: the Economic 2+2 is a term, two
meetings and a quote. Which one a user wants first is said by the frame the thing is wrapped in
(`chat.topic_asked`): "what's the context on X" or "what did X cover" asks what X *is* (its
term), "what came out of X" or "what did they agree" what *happened* (its event), "what did the
survey find" what was *found* (the fact that states it), "what did the paper say" what was
*said* (its quote). Among entries the words found equally, that kind comes first; the words
still decide which entries are found at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from alliance_bot.knowledge.models import Entry, Kind

# For each thing wanted (`chat.WANTS`), the kinds of entry in the order they answer it.
FIRST: dict[str, tuple[Kind, ...]] = {
    "thing": ("term", "event", "fact", "quote", "person", "source"),
    "happened": ("event", "fact", "quote", "term", "person", "source"),
    "found": ("fact", "event", "quote", "term", "person", "source"),
    "said": ("quote", "fact", "event", "term", "person", "source"),
}


def rank(wants: str, entry: Entry) -> int:
    """Where `entry`'s kind comes for what is wanted (0 first); every kind ranks 0 for a
    question that wants nothing in particular."""
    kinds = FIRST.get(wants)
    if kinds is None:
        return 0
    return kinds.index(entry.kind) if entry.kind in kinds else len(kinds)


# A thing named by its occasion ("the dialogue in December", "the cyber group meeting in
# Tokyo"), in any question: its event before the term for that kind of meeting; nothing else
# moves (a person described by the meeting is still the person).
OCCASION = "occasion"


def in_order(wants: str, entries: Sequence[Entry]) -> list[int]:
    """The positions of `entries`, those of the kind wanted first ahead; otherwise in the
    order found (a stable sort)."""
    if wants == OCCASION:
        order = list(range(len(entries)))
        event = next((i for i in order if entries[i].kind == "event"), None)
        if event is not None and entries[0].kind == "term":
            order.remove(event)
            order.insert(0, event)
        return order
    return sorted(range(len(entries)), key=lambda i: rank(wants, entries[i]))
