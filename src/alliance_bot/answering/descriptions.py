"""People asked for by a description instead of a name: "the DW reporter", "the Chicago Council
researcher", "the Florida official that signed the trade memo", "the NHK journalist who
interviewed Blinken".

One way in (`describe`): the description is read once (`_read`: where it is, and that it names
no direction — "the ambassador to the US" is a role whose title must say "to the US"), the
people the question names are set aside once, and the decision is taken in order of how much
the description says (a description followed by what the person said, "the analyst who said the
work has only just begun", is decided by the quotation alone: `_by_quote`):

1. the person whose role *titles* carry the description's words, or whose entry covers them,
   preferring a participant of the event the rest of the question names (`_by_fit`);
2. the one person whose titles hold every title word of the description and of what it is of /
   at / for ("the expert at the Berlin think tank"), among the people of the event the rest
   names, where it names one (`_by_titles`);
3. a description that only says a person is meant ("the guy who wrote the DW piece") is the one
   person whose entry covers the question and clearly leads (the asker's text rules).

Two people fitting equally answer nothing. The result is a decision (`Described`); the engine
words the reply.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Protocol

from alliance_bot.answering.questions import DESCRIPTION
from alliance_bot.answering.thresholds import COVERED, KEY_SHARE, PARTLY_COVERED
from alliance_bot.answering.titles import (
    _ALIKE,
    _COUNTRIES,
    _GENERIC,
    _HEAD,
    _LOOSE_NOUNS,
    _OF_BODY,
    _ROLE_TAIL,
    _TOP_RANKS,
    _junior_pairs,
    _junior_titles,
    _junior_unasked,
    _role_words,
    _title_fit,
    _whose,
)
from alliance_bot.knowledge.models import Event, Person, Quote
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.text import name_key, search_words, stem

# What a description says its person said: "the analyst who said the work has only just begun".
_SAID = re.compile(
    r"\s(?:who|that)\s+(?:said|says|argued|argues|warned|warns|told us|wrote|writes|claimed|"
    r"claims|remarked|noted|stated|declared|insisted|insists|put it)(?:\s+that)?\s+(?P<said>.+)$"
)
# Nouns for someone quoted for their view rather than an office; people use them loosely.
_COMMENTATORS = frozenset(
    "analyst expert researcher scholar academic commentator specialist professor lecturer "
    "observer".split()
)
# Description nouns that say a person is a diplomat, and the title words of a diplomat's office.
_DIPLOMATIC_NOUNS = frozenset({"envoy", "envoys", "diplomat", "diplomats"})
_DIPLOMATIC_TITLES = frozenset(
    stem(w) for w in "ambassador envoy representative foreign diplomat affairs state".split()
)
# How far the best quotation's score must lead one of another speaker's that also covers it.
QUOTE_LEAD = 1.25
# Where the person a description names is from: "the envoy from Washington (in Tokyo)".
_FROM = re.compile(
    r"\s+from (?:the )?(?P<where>[\w'-]+(?: [\w'-]+)??)(?=\s+(?:in|to|at|who|that|which|is|was)\b|\s*[,;:?!]|$)"
)
# Share of a question's weight the event a description names covers (COVERED and
# PARTLY_COVERED, the engine's own, decide the rest).
EVENT_NAMED = 0.6
# Without the named event, the best fit must cover this much of the whole question.
LEADS = 0.6


class Asker(Protocol):
    """What a description needs from the engine: the snapshot, titles read as role titles word
    them, the event a text names, and the text rules that find one person."""

    kb: KnowledgeBase

    def role_key(self, phrase: str) -> str: ...
    def titles_of(self, person: Person) -> tuple[tuple[str, ...], frozenset[str]]: ...
    def event_named(self, text: str) -> Event | None: ...
    def person_leading(self, text: str, people: list[Person]) -> Person | None: ...
    def name_parts(self) -> list[tuple[Person, frozenset[str]]]: ...
    def people_named(self, words: frozenset[str]) -> frozenset[str]: ...
    def person_words(self) -> frozenset[str]: ...
    def title_words(self) -> frozenset[str]: ...
    def titled(self, words: frozenset[str]) -> frozenset[str]: ...


@dataclass(frozen=True)
class Described:
    """The person a description names; the event the question names (shown as the heading), and
    whether the person took part in it (then the event is answered too); the words matched."""

    person: Person
    event: Event | None = None
    took_part: bool = False
    matched: str = ""


def describe(asker: Asker, text: str) -> Described | None:
    """The one person the description in `text` names, or None when no one clearly fits."""
    match = DESCRIPTION.search(text)
    if not match or re.match(r"\s+to\b", text[match.end() :]):
        return None  # "the ambassador to the US": a direction the role title must carry
    # The person described is none of the people the text names ("the minister who met
    # Hayashi" is not Hayashi): those few are set aside, not every other person listed.
    named = asker.people_named(frozenset(text.split()))
    said = _SAID.search(text, match.end())
    if said:
        # "the analyst who said the work has only just begun": the person is found through
        # what they said, or not at all (the words of a quotation fit many other entries).
        return _by_quote(asker, match["d"], said["said"], named)
    return _by_fit(asker, text, match, named) or _by_titles(asker, text, match, named)


def _by_quote(asker: Asker, description: str, said: str, named: frozenset[str]) -> Described | None:
    """The one person whose quotations cover what the description says they said, when the
    description fits them too (their entry or the quotation's context names it: "Analyst
    Craig Kafura"), or only says a person is meant ("the guy who said …")."""
    index = asker.kb.index
    found = [m for m in index.text(said, kinds=frozenset({"quote"}), limit=5)]
    if not found or found[0].coverage < COVERED:
        return None
    speaker_of = {
        m.entry_id: q.person for m in found if (q := asker.kb.get(m.entry_id, Quote)) is not None
    }
    speaker = speaker_of.get(found[0].entry_id)
    # Every quotation as close as the best is the same person's ("the work is done" / "it's
    # just begun" are one remark in two entries); another's must trail by the engine's lead.
    quotes = [m for m in found if speaker_of.get(m.entry_id) == speaker]
    if any(
        speaker_of.get(m.entry_id) != speaker and m.score * QUOTE_LEAD > found[0].score
        for m in found
        if m.coverage >= COVERED
    ):
        return None
    person = asker.kb.get(speaker, Person) if speaker and speaker not in named else None
    if person is None:
        return None  # an unattributed quotation ("a common phrase"), or a person named anyway
    noun = _GENERIC.sub("", description).strip()
    if noun and _title_fit(noun, person) < COVERED:
        # The description is the person's by their entry or the quotation's context; the
        # nouns for someone who comments (analyst, expert, scholar …) are one another's.
        nouns = _COMMENTATORS if set(noun.split()) <= _COMMENTATORS else {noun}
        if not any(
            not index.missing(word, entry_id)
            for word in sorted(nouns)
            for entry_id in (person.id, *(m.entry_id for m in quotes))
        ):
            return None
    return Described(person, matched=description)


def _by_fit(
    asker: Asker, text: str, match: re.Match[str], named_people: frozenset[str]
) -> Described | None:
    """The person whose titles (first) or entry carry the description's words, among the
    people of the event the question names and those whose entries cover it."""
    description = _GENERIC.sub("", match["d"]).strip()
    clause = text[match.end() :]
    text = " ".join(_GENERIC.sub("", text).split())
    if not description:
        return None
    index = asker.kb.index
    event: Event | None = None
    pool: dict[str, Person] = {}
    named = asker.person_words()
    # "boss", "chief", "top" say the person holds a body's top rank, which the titles settle
    # below; no entry need use them ("the Google boss Kishida met" is its CEO).
    looked_for = " ".join(w for w in text.split() if w not in _HEAD) or text
    events = [
        m
        for m in index.text(looked_for, kinds=frozenset({"event"}), limit=5)
        if m.coverage >= PARTLY_COVERED
        # The event must have everyone the question names ("… who met Blinken").
        and not named & set(index.missing(looked_for, m.entry_id))
    ]
    if events:
        top = asker.kb.get(events[0].entry_id, Event)
        if top is not None and events[0].coverage >= EVENT_NAMED:
            event = top
            pool.update((p.id, p) for p in asker.kb.people_in(top))
    for m in index.text(looked_for, kinds=frozenset({"person"}), limit=10, min_coverage=0.3):
        person = asker.kb.get(m.entry_id, Person)
        if person is not None:
            pool.setdefault(person.id, person)
    among = [i for i in pool if i not in named_people]
    # "the Korean defense minister": a country the description names is one the person's
    # titles name (Blinken's summary mentions Korea; he is not Korean).
    countries = _role_words(description) & _COUNTRIES
    body = _OF_BODY.match(text, match.end())
    if body:
        # … and so is one the body names: "the commander of the Chinese army" is not the
        # commander of US Army Pacific.
        countries |= _role_words(asker.role_key(body["body"])) & _COUNTRIES
    asked = _role_words(description) | {stem(w) for w in name_key(description).split()}
    # "envoy" and "diplomat" fit any title as to rank, but only a diplomat's: "the envoy from
    # Moscow" is not Putin.
    diplomatic = bool(set(description.split()) & _DIPLOMATIC_NOUNS)
    among = [
        i
        for i in among
        if countries <= _whose(pool[i])
        and (not diplomatic or bool(asker.titles_of(pool[i])[1] & _DIPLOMATIC_TITLES))
        # "the Illinois governor" is not its lieutenant governor: a junior rank is asked.
        and not any(_junior_unasked(name_key(r.title), asked) for r in pool[i].roles)
        # … and "the under secretary" is one whose title has that junior rank.
        and _junior_pairs(description) <= _junior_titles(pool[i])
        # "the head of the Marine Corps" is not its assistant commandant.
        and not (asked & _HEAD and _junior_titles(pool[i]) - _junior_pairs(description))
    ]
    # "the commander of US Forces Japan": the body a role belongs to is one the person's
    # titles name (LaCamera commands US Forces Korea; he met ministers in Japan).
    # "the envoy from Beijing in Tokyo": where a person is *from* is whose the role is (an
    # envoy is any office noun, so without this Marcos, whose summary names the South China
    # Sea, was "the envoy from Beijing").
    origin = _FROM.match(text, match.end())
    if origin:
        home = _role_words(asker.role_key(origin["where"]))
        among = [i for i in among if home <= _whose(pool[i])]
    if body:
        # Words no title uses ("the Japan side of CULCON") cannot tell holders apart.
        wanted = _role_words(asker.role_key(body["body"])) & asker.title_words()
        among = [i for i in among if wanted <= asker.titles_of(pool[i])[1]]
        if not wanted:
            # … but then the person's own entry must name the body: "the president of mark"
            # is no one, though the summit Biden attended "marked" a transformation.
            among = [i for i in among if not index.missing(body["body"], i)]
    if not among:
        return None
    fits = {
        m.entry_id: m.coverage
        for m in index.text(description, among=among, limit=len(among), min_coverage=0.0)
    }
    # "in charge of", "official", "diplomat" say that a person holds an office, not which.
    bare = " ".join(w for w in text.split() if w not in _LOOSE_NOUNS)
    whole = {m.entry_id: m.coverage for m in index.text(bare, among=among, limit=len(among))}
    # A word of other people's titles that the person's titles and names lack names another
    # office: "the Korean defense minister" is not Korea's foreign minister (three words of
    # four fit), and "the Marine general" not Hayashi, whose entry names the general he met.
    office = _role_words(" ".join(w for w in description.split() if w not in _LOOSE_NOUNS))
    office = office & asker.title_words() - _HEAD - _COUNTRIES
    among = [i for i in among if not _names_another_office(asker, office, pool[i])]
    if not among:
        return None
    # A description names an office: the titles carrying it ("the Illinois lieutenant
    # governor", "the business council chairman") come before summaries that mention it.
    titled = {i: _title_fit(description, pool[i]) for i in among}
    ranked = sorted(
        (
            (
                titled[i],
                max(fits.get(i, 0.0), titled[i]),
                event is not None and i in event.people,
                whole.get(i, 0.0),
                i,
            )
            for i in among
            if max(fits.get(i, 0.0), titled[i]) >= COVERED
        ),
        reverse=True,
    )
    if not ranked:
        return None
    best = ranked[0]
    in_event = best[2]
    if _unsaid(asker, clause, best[4], event.id if in_event and event else None):
        return None
    if not in_event and best[3] < LEADS:
        return None
    if len(ranked) > 1 and ranked[1][:3] == best[:3] and ranked[1][3] >= best[3] - 1e-9:
        return None  # two people fit the description equally: not this one
    return Described(pool[best[4]], event, took_part=bool(in_event and event), matched=description)


_MONTHS = frozenset(m.lower() for m in calendar.month_name if m)
_YEAR = re.compile(r"(?:19|20)\d\d")
# Words that place a time loosely ("in late September", "summer 2022"): an entry dated by its
# day need not use them.
_LOOSE_TIME = frozenset("spring summer autumn fall winter early late mid middle end start".split())


def _unsaid(asker: Asker, clause: str, person: str, event: str | None) -> bool:
    """Whether what the rest of the question says of the person ("who met Kamikawa", "who
    addressed Congress", "who signed the space pact") is not theirs: a name, a month or a year
    that neither the person's entry nor the event they took part in has, a word few entries
    use that the event lacks and another event has, or nothing of it in the person's entry. The description
    fitting is not enough: Gen. Smith met Hayashi, and Kishida addressed Congress."""
    if not clause.strip():
        return False
    index = asker.kb.index
    missing = set(index.missing(clause, person))
    if event is not None:
        lacking = set(index.missing(clause, event))
        rare = {
            w
            for w in lacking & missing
            if w not in _LOOSE_TIME and index.knows(w) and index.share_using(w) <= KEY_SHARE
        }
        if rare:
            # … a word few entries use that the event lacks is another event's when the
            # clause names that one better ("who signed the space pact" is not the cyber pact).
            best = index.text(clause, kinds=frozenset({"event"}), limit=1)
            if (
                best
                and best[0].entry_id != event
                and not rare & set(index.missing(clause, best[0].entry_id))
            ):
                return True
        missing &= lacking
    people = asker.person_words()
    if any(w in people or w in _MONTHS or _YEAR.fullmatch(w) for w in missing):
        return True
    said = [w for w in search_words(clause) if index.knows(w)]
    return bool(said) and all(w in missing for w in said)


def _names_a_body(asker: Asker, word: str) -> bool:
    """Whether a word is the whole name of a term (a body, a group: "NATO", "CULCON") or a
    short word of the names of things ("UN" of the UN General Assembly): initials."""
    index = asker.kb.index
    if len(word) <= _INITIALS and index.names.has_token(word) and word not in asker.person_words():
        return True
    return any(index.kind_of(m.entry_id) == "term" for m in index.names.exact(word))


# The longest word read as initials ("UN", "NATO", "NSC").
_INITIALS = 4


def _names_another_office(asker: Asker, words: frozenset[str], person: Person) -> bool:
    """Whether one of `words` (title words of the description) is in none of the person's
    titles and names ("General Smith"), under its own name or a rank alike."""
    own = asker.titles_of(person)[1]
    missing = {w for w in words if w not in own and not own & _ALIKE.get(w, frozenset())}
    return bool(missing) and not missing <= _role_words(name_key(" ".join(person.aliases)))


def _by_titles(
    asker: Asker, text: str, match: re.Match[str], named: frozenset[str]
) -> Described | None:
    """The one person whose titles hold every title word of the description and of what its
    role is of, at or for, among the named event's people where there is one; or, where the
    description only says a person is meant, the person the text rules find."""
    phrase = match["d"] + (t[0] if (t := _ROLE_TAIL.match(text, match.end())) else "")
    required = (_role_words(asker.role_key(name_key(phrase))) & asker.title_words()) - _HEAD
    if not required:
        if not _GENERIC.search(match["d"]):
            return None
        others = [p for p, _ in asker.name_parts() if p.id not in named]
        person = asker.person_leading(text, others)
        return Described(person) if person is not None else None
    event = asker.event_named(text)
    if len(required) < 2 and event is None and not _ROLE_TAIL.match(text, match.end()):
        return None  # one word ("the Japanese official") fits too many people alone

    tail = m["body"] if (m := _ROLE_TAIL.match(text, match.end())) else ""
    # "the president of China": a country the tail names is whose the title is (Marcos's
    # summary names the South China Sea; he is the Philippines').
    tail_countries = _role_words(asker.role_key(tail)) & _COUNTRIES if tail else frozenset()
    # … and so is one the description names, though no title names it: "the Italian PM" is
    # not Japan's former prime minister.
    tail_countries |= _role_words(phrase) & _COUNTRIES
    diplomatic = bool(set(phrase.split()) & _DIPLOMATIC_NOUNS)
    # Junior ranks ("under", "deputy") are asked in full words, some of them stopwords.
    asked = _role_words(name_key(phrase)) | {stem(w) for w in name_key(phrase).split()}
    wanted_junior = _junior_pairs(phrase)
    # What the role is of or at ("at the Heritage Foundation") is the person's own, and so is
    # a body the description names by its short name: "the NATO secretary general" is not the
    # secretary general of Japan's NSC. A body's initials stand for its name as titles spell it
    # ("INDOPACOM" is "US Indo-Pacific Command", which Aquilino's title has). Worked out once,
    # not per person: it was a tenth of a description question at 100,000 entries.
    bodies = " ".join(asker.role_key(w) for w in match["d"].split() if _names_a_body(asker, w))
    owned = f"{tail} {bodies}"

    def fits(person: Person) -> bool:
        keys, own = asker.titles_of(person)
        if not all(
            (w in _whose(person) if w in _COUNTRIES else w in own)
            or own & _ALIKE.get(w, frozenset())
            for w in required
        ):
            return False
        if not tail_countries <= _whose(person):
            return False
        if diplomatic and not own & _DIPLOMATIC_TITLES:
            return False  # "the envoy from Moscow" is not Putin
        if any(_junior_unasked(k, asked) for k in keys):
            return False  # "the Illinois governor" is not its lieutenant governor
        if not wanted_junior <= _junior_titles(person):
            return False  # and "the under secretary" is one
        if asked & _HEAD and _junior_titles(person) - wanted_junior:
            return False  # "the head of the Marine Corps" is not its assistant commandant
        if asked & _HEAD and not own & _TOP_RANKS:
            return False  # "the head of DW" is no DW correspondent
        return all(_role_words(w) <= own for w in asker.kb.index.missing(owned, person.id))

    # Only the people whose titles have the words can fit: reading every person's is slow.
    having = asker.titled(required)
    fitting = [
        p for i in sorted(having - named) if (p := asker.kb.get(i, Person)) is not None and fits(p)
    ]
    if event is not None:
        in_event = [p for p in fitting if p.id in event.people]
        if in_event:
            fitting = in_event
    if len(fitting) != 1:
        return None
    person = fitting[0]
    took_part = event is not None and person.id in event.people
    clause = text[match.end() :]
    if tail and (t := _ROLE_TAIL.match(text, match.end())):
        clause = text[t.end() :]
    if _unsaid(asker, clause, person.id, event.id if took_part and event else None):
        return None
    return Described(person, event if took_part else None, took_part=took_part, matched=phrase)
