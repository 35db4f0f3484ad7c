"""The answer engine: one line of text in, one cited answer out — exactly what `/alliance` replies.

Confident or honest: an entry is presented as the answer only when its name matches closely (or a
typo of it does), or when the entry's own words cover the question; otherwise the reply says so
and offers up to three "did you mean" suggestions. Knows nothing about Slack.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from rapidfuzz.distance import OSA

from alliance_bot.answering import counterparts, figures, membership, semantic, topics, wording
from alliance_bot.answering.answer import (
    Answer,
    Code,
    Echo,
    Line,
    ScoredEntry,
    Status,
    Strong,
    Suggestion,
    Words,
    line,
    pieces,
)
from alliance_bot.answering.descriptions import describe
from alliance_bot.answering.echo import as_typed
from alliance_bot.answering.honesty import distinct_names, goes_there, numerals_fit
from alliance_bot.answering.periods import Period, read_period
from alliance_bot.answering.questions import (
    DATE_IN_PHRASE,
    DESCRIPTION,
    EVENT_NOUN,
    NOW,
    NOW_WORDS,
    Question,
    parse_question,
    role_and_time,
)
from alliance_bot.answering.thresholds import (
    ABOUT,
    CONFIDENT,
    COVERED,
    KEY_SHARE,
    PARTLY_COVERED,
    SUGGEST,
)
from alliance_bot.answering.titles import (
    _ALIKE,
    _COUNTRIES,
    _COUNTRY,
    _GENERIC,
    _HEAD,
    _JUNIOR,
    _ROLE_TAIL,
    _TOP_RANKS,
    _role_words,
)
from alliance_bot.knowledge import english
from alliance_bot.knowledge.dates import human_range
from alliance_bot.knowledge.index import NameMatch, SearchIndex, TextMatch
from alliance_bot.knowledge.models import Entry, Event, Fact, Kind, Person, Role, Term
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.text import STOPWORDS, fold, name_key, search_words, stem

# A yes/no, why or how question is settled by an entry covering this share of it, that has
# its key words and leads the next by this much coverage or this ratio of score.
SETTLE = 0.55
SETTLE_ALL = True
# Candidates that pass the lexical rules but lead one another by too little: the one closer in
# meaning to the question by this much (wordllama cosine) is chosen among the first few.
SEMANTIC = True
SEMANTIC_POOL = 4
SEMANTIC_LEAD = 0.08
# A paraphrase (see `_paraphrased`): the entry closest in meaning, by this lead over the next,
# answers when its words cover this share of the question and it has every key word.
PARAPHRASE = True
PARAPHRASE_COVERED = 0.5
PARAPHRASE_LEAD = 0.03
# Closest in meaning among all entries is worked out for a hand-curated base, not a huge one:
# past this many entries the vectors alone would take ~1 KB each (see docs/answering.md).
PARAPHRASE_MAX_ENTRIES = 20_000
# A why question answered from an entry's text that states a reason (see `by_reason`).
REASON_TEXT = True
# "Did you mean" suggestions are ordered by closeness in meaning, and those this far below the
# closest are left out.
SUGGEST_BY_MEANING = True
SUGGEST_SPREAD = 0.2
KEY_ORDINARY = True
# In a question of at least this many words, common English words the articles never use are
# the asker's phrasing ("undertake", "bulk up", "roll out"), not what is asked about, when they
# are at most a quarter of its words; in a shorter one each may be the point ("sing", "pilot").
LONG_QUESTION = 5
SETTLE_LEAD = 0.1
RIVALS_ABOUT = True
# A question that is only a description of a person is answered through roles, not text.
DESCRIPTION_ONLY = True
# A place a question names is a word its text answer must have (a yes/no checks it instead).
PLACES_ARE_KEYS = True
# So is a country it names, by any of its names (see `_lacks_country`).
COUNTRIES_ARE_KEYS = True
# Every person a question names is a key word the answer must have, whatever kind it is.
PEOPLE_ARE_KEYS = True
SETTLE_SCORE_LEAD = 1.25
# Candidates within this many points of the best are "just as good": an ambiguous question.
TIE = 2.0
LIST_LIMIT = 10
# "Now" asked this long after the articles' last dated day is past what they can say.
STALE_AFTER = dt.timedelta(days=183)

_ARTICLES = ("the ", "a ", "an ")
_TITLES = (
    "prime minister", "vice president", "president", "secretary of state", "secretary of defense",
    "defense secretary", "secretary", "foreign minister", "defense minister", "minister",
    "ambassador", "admiral", "adm", "general", "gen", "governor", "chancellor", "senator",
    "speaker", "mr", "mrs", "ms", "dr", "japanese", "us", "japan's", "former",
)  # fmt: skip

HELP = (
    line(
        Strong("Ask me about the US–Japan alliance."),
        " I answer from five news articles and cite them.",
    ),
    line(
        Code("who is Hamada"),
        " — a person (typos and either name order are fine: ",
        Code("kishda"),
        ", ",
        Code("yoko kamikawa"),
        ")",
        style="item",
    ),
    line(Code("who is the US trade representative"), " — who held a role", style="item"),
    line(Code("when did the Osprey crash"), " — when something happened", style="item"),
    line(
        Code("quote Kishida"),
        " · ",
        Code("what did Biden say about nuclear"),
        " — exact quotations",
        style="item",
    ),
    line(Code("what is the MLR"), " — acronyms and named things", style="item"),
    line(Code("how many Ospreys did Japan ground"), " — figures and findings", style="item"),
    line(
        Code("on this day"),
        " · ",
        Code("on Nov 29"),
        " · ",
        Code("what happened on 2023-11-29"),
        " — events by date",
        style="item",
    ),
    line(Code("search Futenma"), " — a short ranked list across everything", style="item"),
    line(Code("help"), " — this message", style="item"),
)


@dataclass(frozen=True)
class _Found:
    """Entries presented as the answer, with their scores and what matched."""

    entries: tuple[Entry, ...]
    scores: tuple[float, ...]
    matched: Words = ()  # "matched 'hamda' → Hamada Yasukazu" when not exact


def answer(kb: KnowledgeBase, text: str, today: dt.date) -> Answer:
    """Answer one line of text as `/alliance TEXT` does."""
    question = parse_question(text, kb=kb, today=today)
    asker = _Asker(kb, question, today)
    found = asker.only_met(asker.ask(question))
    part = question.alone
    while found.status != "answer" and part is not None:
        # Context before the question ("I'm writing about the Okinawa base dispute. What did
        # Tokyo do about Henoko in late 2023?") or chatter after it counts against every
        # entry; the question alone may be answered. Only an answer replaces the whole text's
        # reply, so a part alone cannot turn a decline into suggestions of its own.
        alone = _Asker(kb, part, today).ask(part)
        if alone.status == "answer":
            return alone
        part = part.alone
    if found.status != "answer" and (said := asker.said_in_quotes()) is not None:
        return said
    if found.status != "answer" and question.pair is not None:
        # Two questions in one message: each answered on its own; both answers together, or
        # the first alone when the second needs it ("what did he do" after "who is Hamada").
        one, other = question.pair
        first = _Asker(kb, one, today).ask(one)
        if first.status == "answer":
            second = _Asker(kb, other, today).ask(other) if other is not None else None
            return asker.both(first, second) if second and second.status == "answer" else first
    return found


def answer_entry(kb: KnowledgeBase, entry_id: str, today: dt.date | None = None) -> Answer:
    """The answer for one entry, as when a user picks a did-you-mean suggestion."""
    asker = _Asker(kb, Question("free", subject=entry_id, asked=entry_id), today or dt.date.today())
    entry = kb.get(entry_id)
    if entry is None:
        return asker.reply("no_match", line("That entry is no longer in the knowledge base."))
    return asker.found(_Found((entry,), (100.0,)))


# Words the asker quotes: 'you are not alone', "you are not alone", “you are not alone”.
_IN_QUOTES = re.compile(r"(?:^|(?<=\W))['‘\"“](\w[^'’\"”]*?\w)['’\"”](?=\W|$)")

# "how old is Rahm Emanuel", "who is Austin's wife": nothing of the kind is in any entry.
# What no entry records: "how old is Rahm Emanuel", "who is Austin's wife", "what is the
# capital of Japan".
_UNRECORDED = {
    "person": line(
        "The articles don't say anyone's age, birthday, family, pay or schooling, so I can't"
        " tell you that."
    ),
    "country": line(
        "The articles are about the alliance, not general facts about countries, so I can't"
        " tell you that."
    ),
    "opinion": line(
        "I report what the articles say happened and what people said; I don't give opinions"
        " or advice. Ask me what someone said about it."
    ),
}


# What a question asks of a meeting's content: "what did X and Y talk about / discuss / agree".
_ASKS_CONTENT = re.compile(
    r"^what (?:did|do|have|had) .+ (?:talk about|talk|discuss|agree on|agree|cover|say|decide)$"
    r"|^what (?:was|were) (?:discussed|agreed|said|decided)\b"
)
# The words of a summary that records only a meeting: who (capitalised names and titles), where,
# and these.
_MEETING_WORDS = frozenset(
    """held hold holds met meet meets meeting meetings talks talk talked spoke speak telephone
    phone call called face-to-face trilateral bilateral three-way in with and the a an who heads
    head of on by at for new former his her their its""".split()
)


def _only_a_meeting(summary: str) -> bool:
    """Whether a summary says no more than that people met: every word is a name or title
    (capitalised) or a word of meeting ("Kamikawa held a meeting in Tokyo with former Secretary
    of State Hillary Clinton")."""
    words = re.findall(r"[A-Za-z][\w'.-]*", summary)
    return all(w[0].isupper() or w.lower().strip(".,") in _MEETING_WORDS for w in words)


class _Asker:
    """The answering of one question against one knowledge base snapshot."""

    def __init__(self, kb: KnowledgeBase, question: Question, today: dt.date) -> None:
        self.kb = kb
        self.q = question
        self.today = today
        # For this question only (a memo across questions would make a repeated question free
        # and hide its cost): one question asks the same name lookups and "which words does this
        # entry lack" checks several times over, and at 100,000 entries each costs milliseconds.
        self._lookups: dict[tuple[bool, str, int, float], list[NameMatch]] = {}
        self._missing: dict[tuple[str, str], list[str]] = {}
        self._phrasings: dict[tuple[str, bool], frozenset[str]] = {}

    def only_met(self, found: Answer) -> Answer:
        """ "what did Hillary Clinton and Kamikawa talk about": when the meeting found records
        only that it took place (who, where, when), the articles don't say what was said at it;
        the meeting is offered, not passed off as the answer."""
        if found.status != "answer" or not _ASKS_CONTENT.search(self.q.text):
            return found
        event = self.kb.get(found.entries[0].id, Event)
        if event is None or not _only_a_meeting(event.summary):
            return found
        return self.reply(
            "suggestions",
            line("The articles record only that this meeting took place, not what was said at it:"),
            [wording.line(self.kb, event)],
            suggestions=[event],
        )

    # replies ----------------------------------------------------------------------------------
    def reply(
        self,
        status: Status,
        *statement: Line | Iterable[Line],
        entries: Sequence[Entry] = (),
        scores: Sequence[float] = (),
        suggestions: Sequence[Entry] = (),
        note: Words = (),
    ) -> Answer:
        cited = [*entries, *suggestions] if status == "suggestions" else list(entries)
        return Answer(
            status=status,
            question=self.q.asked,
            statement=tuple(
                part
                for lines in statement
                for part in ((lines,) if isinstance(lines, Line) else lines)
            ),
            note=note,
            citations=wording.citations(self.kb, cited),
            entries=tuple(
                ScoredEntry(e.id, e.kind, s)
                for e, s in zip(entries, scores or [100.0] * len(entries), strict=True)
            ),
            suggestions=tuple(Suggestion(e.id, e.kind, e.label) for e in suggestions),
        )

    def found(self, found: _Found, heading: Line | None = None, tail: Words = ()) -> Answer:
        """The entries found as the answer: one in full, or a list under `heading` of the first
        `LIST_LIMIT`, saying how many more, then `tail` (how to see fewer) when it is cut."""
        wants = self.q.asks or ("said" if self.q.form == "quote" else "")
        if len(found.entries) > 1 and (wants in topics.FIRST or wants == topics.OCCASION):
            # "what did the survey find", "what came out of X": of the entries found alike,
            # the kind the question's shape asks for comes first.
            order = topics.in_order(wants, found.entries)
            found = _Found(
                tuple(found.entries[i] for i in order),
                tuple(found.scores[i] for i in order),
                found.matched,
            )
        entries = found.entries
        months = _asked_months(self.q.subject) if self.q.form == "yesno" else frozenset()
        when = _date_of(entries[0]) if months and entries else None
        if when is not None and getattr(entries[0], "date", None) and when.month not in months:
            dated = getattr(entries[0], "date")  # noqa: B009 - events and facts alike
            if dated.precision in ("month", "day"):
                said = f"the articles date this {when:%B %Y}"
                note = (*found.matched, " · ", said) if found.matched else (said,)
                found = _Found(found.entries, found.scores, note)
        years = {int(y) for y in _YEAR_ASKED.findall(self.q.subject)} if not months else set()
        if (
            self.q.form == "yesno"
            and years
            and entries
            and not self._fits_years(entries[0].id, years)
            and (when := _date_of(entries[0])) is not None
        ):
            said = f"the articles date this {when.year}"
            if not any(said in part for part in found.matched if isinstance(part, str)):
                note = (*found.matched, " · ", said) if found.matched else (said,)
                found = _Found(found.entries, found.scores, note)
        if len(entries) == 1:
            body = wording.full(self.kb, entries[0])
        else:
            lead = heading or line("Several entries match ", Echo(self._short()), ":")
            body = (lead, *wording.bullet_list(self.kb, entries, LIST_LIMIT))
            if tail and len(entries) > LIST_LIMIT:
                body = (*body, line(tail))
        shown = entries[:LIST_LIMIT]
        return self.reply(
            "answer", body, entries=shown, scores=found.scores[:LIST_LIMIT], note=found.matched
        )

    def unknown(self, what: Words, candidates: Sequence[Entry]) -> Answer:
        """Say plainly that nothing matched, offering up to three suggestions."""
        top = self._relevant(_unique(candidates))[:3]
        if not top:
            return self.reply(
                "no_match",
                line(
                    "I don't have anything on ",
                    what,
                    " in the articles I know. Try ",
                    Code("help"),
                    " for the kinds of questions I answer.",
                ),
            )
        lines = [wording.line(self.kb, e) for e in top]
        return self.reply(
            "suggestions",
            line("I'm not sure about ", what, ". Did you mean:"),
            lines,
            suggestions=top,
        )

    def _relevant(self, candidates: list[Entry]) -> list[Entry]:
        """Suggestions, closest in meaning to the question first. Every candidate was found by
        the words (a name or a text match); the meaning only orders them, and drops those far
        from the best, which would mislead more than help."""
        if not SUGGEST_BY_MEANING or len(candidates) < 2:
            return candidates
        sims = semantic.similarities(self.q.text, [e.search_text() for e in candidates])
        if sims is None:
            return candidates
        best = max(sims)
        # Equal closeness keeps the order the words gave (a stable sort).
        order = sorted(range(len(candidates)), key=lambda i: -sims[i])
        return [candidates[i] for i in order if sims[i] >= best - SUGGEST_SPREAD]

    def _short(self, limit: int = 80) -> str:
        text = self.q.asked
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def both(self, first: Answer, second: Answer) -> Answer:
        """The answers to a message's two questions as one reply, first question first."""
        ids = list(dict.fromkeys(s.id for s in (*first.entries[:3], *second.entries[:3])))
        entries = tuple(e for e in (self.kb.get(i) for i in ids) if e)
        if len(entries) == 1:
            return first
        heading = line("Answers to both questions:")
        return self.found(_Found(entries, (100.0,) * len(entries)), heading)

    def said_in_quotes(self) -> Answer | None:
        """ "what was Kishida's big line to Congress, the 'you are not alone' thing": words the
        asker put in quotation marks, found as they stand in one quotation, are that quotation,
        whatever else the question says. Tried only when nothing answered, so a name or term in
        quotation marks keeps its own answer."""
        for span in _IN_QUOTES.findall(self.q.asked):
            words = fold(span).split()
            if len(words) < 2:
                continue
            wanted = " ".join(words)
            # Words all too common to search for ("we are with you") are looked for among the
            # quotations of the people the question names ("the … line Kishida used").
            named = self.people_named(frozenset(fold(self.q.text).split()))
            found = [
                *(m.entry_id for m in self.kb.index.text(wanted, kinds=frozenset({"quote"}))),
                *(q.id for person in sorted(named) for q in self.kb.quotes_by(person)),
            ]
            holding = [
                e
                for entry_id in dict.fromkeys(found)
                if (e := self.kb.get(entry_id)) is not None
                and wanted in " ".join(fold(getattr(e, "text", "")).split())
            ]
            if len(holding) == 1:
                return self.found(_Found((holding[0],), (100.0,)))
        return None

    def _quoted(self, phrase: str) -> Words:
        shown = as_typed(self.q.asked, phrase)  # the asker's words, not the folded ones
        return (Echo(shown if len(shown) <= 80 else shown[:79] + "…"),)

    # forms ------------------------------------------------------------------------------------
    def ask(self, q: Question) -> Answer:
        if q.form in ("help", "unrecorded"):
            return (
                self.reply("help", HELP)
                if q.form == "help"
                else self.reply("no_match", _UNRECORDED[q.subject])
            )
        if q.form == "on_this_day":
            return self.on_day(self.today.month, self.today.day, None, today=True)
        if q.form == "on_date":
            return self.on_date(q)
        if found := self.members_of(q) or self.of_a_role(q):
            return found
        if q.form == "who":
            return self.who_form(q)
        if q.form == "period":
            assert q.period is not None
            return self.in_period(q.period)
        if q.form == "participants":
            return self.participants(q.subject)
        if q.form == "counterpart":
            return self.counterpart(q)
        if q.form == "compare":
            return self.compare(q.subject, q.topic)
        if q.form == "yesno" and (checked := self.role_check(q.subject) or self.member_of(q.text)):
            return checked
        if q.form in ("about", "yesno"):
            result = self.unnamed_topic(q) or self.free(q.subject, settle=True)
            if q.form == "yesno":
                result = self.premised(q.subject, result)
            if q.asks == "manner" and result.status == "answer":
                return self.with_manner(result)
            if q.asks == "place" and result.status == "answer":
                return self.with_place(result)
            return self.why(q.subject, result) if q.asks in ("reason", "purpose") else result
        if q.form == "when":
            return self.when(q.subject)
        if q.form == "quote":
            return self.quote(q.subject, q.topic)
        if q.form == "what":
            return self.what(q.subject)
        if q.form == "figure":
            return self.figure(q.subject)
        if q.form == "search":
            return self.search(q.subject)
        return self.bare(q)

    def premised(self, subject: str, result: Answer) -> Answer:
        """A yes/no's month and year are premises to check against the entries' dates, not
        words they must have (`found` says the entry's own date)."""
        months = _asked_months(subject)
        if result.status != "answer" and months:
            # "was the Camp David summit in July 2023": tried without the month only when the
            # question with it finds nothing: a right month helps the match.
            result = self.free(_MONTH_WORD.sub(" ", subject), settle=True)
        if result.status == "answer" and months:
            result = self.in_month_first(subject, result)
        if result.status != "answer":
            result = self.year_premise(subject) or result
        return result

    def in_month_first(self, subject: str, result: Answer) -> Answer:
        """ "did the economic 2+2 ministers meet in Tokyo in November": a month asked is a
        date to check, not a word (the October session's text says "November"). When the
        answer's first entry is of another month, the entries found alike without the month
        are asked again, and one dated in the month asked comes first. When none is and the
        first entry has no date ("did the EDD take place in November" → its term), the one
        entry answered that is dated to the month comes first, and `found` says its date."""
        months = _asked_months(subject)
        first = self.kb.get(result.entries[0].id) if result.entries else None
        when = _date_of(first) if first is not None else None
        if first is None or (when is not None and when.month in months):
            return result
        retried = self.free(_MONTH_WORD.sub(" ", subject), settle=True)
        if retried.status == "answer":
            found = self._with_first(retried, lambda day: day.month in months)
            if found is not None:
                return found
        if when is None:
            return self._with_first(result, lambda _: True) or result
        return result

    def _with_first(self, result: Answer, fits: Callable[[dt.date], bool]) -> Answer | None:
        """The answer with the first entry dated to the month or day that `fits` first, when
        all that fit are of one month; None otherwise."""
        entries = [e for e in (self.kb.get(s.id) for s in result.entries) if e is not None]
        dated = [
            e
            for e in entries
            if (date := getattr(e, "date", None)) is not None
            and date.precision in ("month", "day")
            and fits(date.first_day())
        ]
        # A quote and the event it was said at are one story, dated alike.
        days = [_date_of(e) for e in dated]
        if not days or len({(d.year, d.month) for d in days if d is not None}) != 1:
            return None
        scores = {s.id: s.score for s in result.entries}
        order = [dated[0], *(e for e in entries if e is not dated[0])]
        return self.found(_Found(tuple(order), tuple(scores[e.id] for e in order), result.note))

    def bare(self, q: Question) -> Answer:
        """A question in no form: a role asked "now" when a role title has every word of
        it ("current US secretary of state?"), else free text."""
        if q.at == NOW and q.topic:
            now = self.role_now(q.topic) if self.is_role(q.topic) else None
            if now is not None:
                return now
        return self.free(q.subject)

    def unnamed_topic(self, q: Question) -> Answer | None:
        """Suggestions only, for a topic frame whose leftover names nothing; else None."""
        if q.form == "about" and q.asks in topics.FIRST and not self._names_a_thing(q.subject):
            # The frame's words are gone ("what's the context for the 'America first' line"):
            # what is left names nothing ("us first" is in many entries), so it is only offered.
            phrase = _strip_articles(q.subject)
            return self.by_text(phrase, None, self._quoted(phrase), suggest_only=True)
        return None

    def _names_a_thing(self, phrase: str) -> bool:
        """Whether a phrase left by a topic frame names something: a name the articles know,
        or a word few entries use (at most `KEY_SHARE` of them), a figure or a word the articles
        never use — not only words like "US" and "first", which half the entries share."""
        bare = _strip_articles(phrase)
        if self.decide(self.names(bare, None), bare):
            return True
        index = self.kb.index
        places = _places(self.kb)  # "what happened in Washington": a place is a thing named
        return any(
            any(c.isdigit() for c in w)
            or not index.knows(w)
            or index.share_using(w) <= KEY_SHARE
            or w in places
            for w in search_words(bare)
        )

    def members_of(self, q: Question) -> Answer | None:
        """ "which countries are in the Quad", "how many members does GCAP have": the group's
        own term, named outright, when it names its members; None otherwise."""
        group = membership.members_asked(q.text)
        if group is None:
            return None
        phrase = _strip_articles(group)
        named = self.decide(self.names(phrase, ("term",)), phrase)
        if named is None or len(named.entries) != 1:
            return None
        term = named.entries[0]
        if not isinstance(term, Term) or not membership.names_members(fold(term.definition)):
            return None  # "which countries are in NATO": the articles never say
        return self.found(_Found(named.entries, named.scores, named.matched))

    def member_of(self, subject: str) -> Answer | None:
        """ "is Japan in NATO", "has Japan joined IPEF": the group's own entry, named outright,
        settles it (`membership.py`); None when the question is not of that shape."""
        asked = membership.asked(subject)
        if asked is None:
            return None
        member, group, loose = asked
        member = _strip_articles(member)
        if not membership.is_country(member) and (
            loose or self.decide(self.names(_strip_articles(member), None), member) is None
        ):
            return None
        kinds: tuple[Kind, ...] = ("term",) if loose else ("term", "event")
        phrase = _strip_articles(group)
        named = self.decide(self.names(phrase, kinds), phrase)
        # IPEF is a term and its leaders' meeting: the group is the term.
        if named is None:
            return None
        terms = [i for i, e in enumerate(named.entries) if isinstance(e, Term)]
        chosen = terms or list(range(len(named.entries)))
        if len(chosen) != 1:
            return None
        one = chosen[0]
        # "matched 'quadd' → Quad" when the group was a near name.
        matched = named.matched if len(named.entries) == 1 else ()
        return self.found(
            _Found(named.entries[one : one + 1], named.scores[one : one + 1], matched)
        )

    def role_check(self, subject: str) -> Answer | None:
        """ "is Austin the secretary of state", "is Kishida Japan's prime minister": the person
        named, whose entry gives the role; when the articles give the role to someone else, a
        note says so and the holder follows. None when the question is not of that shape."""
        if not _TITLE.search(subject) or _A_TIME.search(subject):
            return None  # the cheap test first: most yes/no questions name no title
        words = subject.split()
        for cut in range(1, min(len(words) - 1, 4) + 1):
            name, role = " ".join(words[:cut]), _strip_articles(" ".join(words[cut:]))
            if not _TITLE.search(role) or _A_TIME.search(role):
                # "was Kishida the first Japanese PM to go to a NATO summit" is no title, and
                # "was Hayashi foreign minister in 2023" asks of a time.
                continue
            named = self.decide(self.names(name, ("person",), strip_titles=True), name)
            if not named or len(named.entries) != 1:
                continue
            holders = self.role_holders(role)
            key = self.role_key(role)
            person = named.entries[0]
            assert isinstance(person, Person)
            if any(_role_score(key, name_key(r.title)) for r in person.roles):
                return self.found(_Found((person,), (100.0,), named.matched))
            # "is Kishida the president of China": no one the articles name holds it.
            held = holders.entries if holders is not None else ()
            others = [p for p in (self.kb.get(e.id, Person) for e in held) if p]
            titles = "; ".join(r.title for r in person.roles) or "none"
            note = (f"the articles give {person.label}'s role as {titles}",)
            entries = (person, *(p for p in others if p.id != person.id))
            return self.found(_Found(entries, (100.0,) * len(entries), note))
        return None

    def who_form(self, q: Question) -> Answer:
        """A who question: a role now or at a time, an event's participants, or a name."""
        if q.at == NOW:
            return self.role_now(q.topic) or self.who(q.subject)
        if q.at and _TAKING_PART.fullmatch(q.topic):
            # "who were the three leaders at the APEC trilateral": people in the plural at
            # an event are its participants, not the holder of a role then.
            return self.participants(q.at)
        if q.at:
            at_a_time = self.role_at(q.topic, q.at)
            if at_a_time:
                return at_a_time
        found = self.who(q.subject)
        if found.status != "answer" and _GENERIC.search(q.subject):
            # "who is the DW guy who wrote the piece": a person described with a noun that says
            # only "someone", read as the description typed without "who is" reads; only a
            # person answers it.
            described = self.free(q.subject)
            if described.status == "answer" and described.entries[0].kind == "person":
                return described
            if (took := self.took_part(q.text)) is not None:
                return took
        person = self.kb.get(found.entries[0].id, Person) if found.status == "answer" else None
        if person and person.roles and all(_other_side(q.subject, r.title) for r in person.roles):
            # "who chairs the US side of CULCON": the text found its Japan Chair.
            return self.unknown(self._quoted(q.subject), [person])
        if found.status == "answer" and _GENERIC.search(q.subject):
            # "who's the Google guy Kishida met": a person asked for, found through the one
            # event that fits; the one person in it the question does not name is meant.
            return self.person_of_event(q.subject, found) or found
        return found

    def took_part(self, text: str) -> Answer | None:
        """ "who's the guy who spoke to Congress in April 2024": the one person, not named in
        the question, of the event found as "who spoke to Congress in April 2024" finds its
        participants; None when the text is not that shape or no single person fits."""
        shape = _SOMEONE_WHO.match(text)
        if shape is None:
            return None
        again = parse_question(f"who {shape['rest']}", kb=self.kb, today=self.today)
        if again.form != "participants":
            return None
        took = _Asker(self.kb, again, self.today).ask(again)
        if took.status != "answer":
            return None
        events = tuple(
            e for e in (self.kb.get(s.id, Event) for s in took.entries if s.kind == "event") if e
        )
        if len(events) != 1:
            return None
        return self.person_of_event(text, self.found(_Found(events, (100.0,))))

    def person_of_event(self, subject: str, found: Answer) -> Answer | None:
        """The one person of the one event found whom the question does not name, with the
        event; None when the answer is not one event, or it has no such single person."""
        event = self.kb.get(found.entries[0].id, Event) if len(found.entries) == 1 else None
        if event is None:
            return None
        named = self.people_named(frozenset(fold(subject).split()))
        others = [p for p in self.kb.people_in(event) if p.id not in named]
        if len(others) != 1:
            return None
        return self.found(_Found((others[0], event), (100.0, 100.0)))

    def counterpart(self, q: Question) -> Answer:
        """ "who is Blinken's Japanese counterpart": who held the person's office in the other
        government while they held theirs (at `q.at` when a time is asked)."""
        people = self.names(q.subject, ("person",), strip_titles=True)
        named = self.decide(people, q.subject)
        person = named.entries[0] if named and len(named.entries) == 1 else None
        if person is None and self.is_role(q.subject):
            # "the Japanese counterpart of the US national security adviser": the office's
            # one holder in the articles stands for it.
            holders = self.role_holders(_strip_articles(q.subject))
            if holders is not None and len(holders.entries) == 1:
                person = self.kb.get(holders.entries[0].id)
        if not isinstance(person, Person):
            return self.unknown(
                self._quoted(q.subject), self.suggestions(q.subject, people, ("person",))
            )
        asked = counterparts.side(q.topic)
        held = (
            counterparts.counterparts(person, asked, self.kb.of_kind("person"))
            if asked is not None
            else []
        )
        if not held:
            # No office of a government, or no one holding it in the articles: say so, and
            # offer the person.
            return self.unknown(pieces("a counterpart of ", Strong(person.name)), [person])
        if q.at and (then := self.role_at(held[0][1].title, q.at)) is not None:
            return then
        found = _unique(p for p, _ in held)
        if len(found) == 1:
            return self.found(_Found((found[0],), (100.0,)))
        heading = line("Counterparts of ", Strong(person.name), " in the articles:")
        return self.found(_Found(tuple(found), (100.0,) * len(found)), heading)

    def of_a_role(self, q: Question) -> Answer | None:
        """A question about a role's holders whatever its form: a succession ("who was PM
        before Kishida"), or a role and a time with no "who"."""
        if q.form in ("who", "free", "yesno") and (future := self.next_holder(q.text)):
            return future
        if q.form in ("who", "free", "yesno") and (succession := self.succession(q.text)):
            return succession
        if q.form == "period" and (succession := self.succession(q.topic)):
            # "who replaced Kishida as PM in 2024": the year is when, the question a succession.
            return succession
        if q.form == "period" and q.period and (began := self.became_in(q.topic, q.period)):
            return began
        if q.form in ("free", "period", "about"):
            return self.bare_role_at(q.text)
        return None

    def became_in(self, topic: str, period: Period) -> Answer | None:
        """ "who took over as Japan's foreign minister in September 2023": the one holder of
        the role named outright whose span, as the articles give it, begins in the period;
        None when the topic is no such question or no one's (or more than one's) begins then."""
        asked = _BECAME_ROLE.match(topic)
        if asked is None:
            return None
        key = self.role_key(_strip_articles(asked["role"]))
        matches = self._lookup(key, roles=True, limit=20, cutoff=CONFIDENT)
        if not matches:
            return None
        top = matches[0].score
        began = {
            person.id: person
            for m in matches
            if top - m.score <= TIE and (person := self.kb.get(m.entry_id, Person)) is not None
            for r in person.roles
            if name_key(r.title) == m.name
            and r.start is not None
            and period.first <= r.start.first_day() <= period.last
        }
        if len(began) != 1:
            return None
        (person,) = began.values()
        return self.found(_Found((person,), (100.0,), (f"took the role in {period.label}",)))

    def bare_role_at(self, text: str) -> Answer | None:
        """A role and a time typed with no "who" ("Japan's foreign minister back in Aug 2023",
        "defence minister Oct 2023"): its holder then, as `who was …` answers, when the first
        part names a role outright; None otherwise, and the question is read as it was."""
        parts = role_and_time(text)
        if parts is None:
            return None
        role, at = parts
        if not self._lookup(
            self.role_key(_strip_articles(role)), roles=True, limit=1, cutoff=CONFIDENT
        ):
            return None
        held = self.role_at(role, at)
        return held if held is not None and held.status == "answer" else None

    def with_manner(self, result: Answer) -> Answer:
        """A how question answered with several entries: one that says how ("partly by
        widening what counts", "by striking deep into enemy territory") comes first."""
        entries = [e for e in (self.kb.get(s.id) for s in result.entries) if e is not None]
        manner = [e for e in entries if _MANNER.search(fold(e.search_text()))]
        scores = {s.id: s.score for s in result.entries}
        if not manner:
            # None of them says how: one entry that does, covers most of the question with
            # its key words, and is the only such one, comes first ("how will Japan reach 2%
            # of GDP": the fact on what counts as defense spending, which says "2% target").
            text = self.q.subject
            found = self.kb.index.text(text, limit=20)
            # As close as the entries found: it replaces the first of them.
            first = next((m.coverage for m in found if m.entry_id == entries[0].id), 1.0)
            saying_how = [
                (m, e)
                for m in found
                if m.coverage >= max(SETTLE, first - 1e-9)
                and m.entry_id not in scores
                and (e := self.kb.get(m.entry_id)) is not None
                and _MANNER.search(fold(e.search_text()))
                and self._has_keys(text, m)
            ]
            if len(saying_how) != 1:
                return result
            match, entry = saying_how[0]
            scores[entry.id] = round(100 * match.coverage, 1)
            manner = [entry]
            entries = [entry, *entries][:5]
        elif manner[0] is entries[0]:
            return result
        order = [*manner, *(e for e in entries if e not in manner)]
        return self.found(_Found(tuple(order), tuple(scores[e.id] for e in order)))

    def why(self, subject: str, result: Answer) -> Answer:
        """A why question, given what the text match found for it (see `with_reason`,
        `by_reason`); a question of what something is for, see `purpose`."""
        if self.q.asks == "purpose" and (purposed := self.purpose(result)):
            return purposed
        if result.status != "answer":
            return self.by_reason(subject) or result
        reasoned = self.with_reason(result)
        if reasoned.status == "answer":
            return reasoned
        # The entries the question names give no reason: another may, if it is also the
        # closest in meaning and says why in so many words ("to head off protests").
        return self.by_reason(subject, strict=True) or reasoned

    def purpose(self, result: Answer) -> Answer | None:
        """What something is for ("what's the point of the Quad"): a term named outright is
        answered by its definition, which says what it is; None for anything else, which is
        answered as a why question, by an entry stating a reason ("what was Kishida trying to
        achieve with the state visit")."""
        first = self.kb.get(result.entries[0].id) if result.entries else None
        if result.status == "answer" and first is not None and first.kind == "term":
            return result
        return None

    def with_place(self, result: Answer) -> Answer:
        """A where question is answered only by an entry that names a place: the entry on
        Abe's assassination says when, not where, so it is offered, not given as the answer."""
        entries = [e for e in (self.kb.get(s.id) for s in result.entries) if e is not None]
        # A country is no answer to where ("Japan"): a city, island or site is.
        places = _places(self.kb) - _COUNTRIES
        if any(places.intersection(fold(e.search_text()).split()) for e in entries):
            return result
        return self.unknown(pieces("where ", self._quoted(self.q.subject)), entries)

    def with_reason(self, result: Answer) -> Answer:
        """A why question is answered only by an entry that states a reason: the entry about
        Abe's assassination says when, not why, so it is offered, not given as the answer.
        Of several entries, those that state one come first."""
        entries = [e for e in (self.kb.get(s.id) for s in result.entries) if e is not None]
        if not any(self._states_reason(e) for e in entries):
            return self.unknown(pieces("why ", self._quoted(self.q.subject)), entries)
        # One that says why (not only when: "after the crash") comes first.
        reasoned = [
            e for e in entries if self._states_reason(e) and _CAUSE.search(fold(e.search_text()))
        ]
        if not reasoned and not self._states_reason(entries[0]):
            # The reason is another entry's, not the one shown: "why did the Osprey go down"
            # found the crash (no cause given) and the grounding "after the crash", whose
            # reason is the crash itself. Offered, never given as the answer.
            return self.unknown(pieces("why ", self._quoted(self.q.subject)), entries)
        if not reasoned or reasoned[0] is entries[0]:
            return result
        scores = {s.id: s.score for s in result.entries}
        order = [*reasoned, *(e for e in entries if e not in reasoned)]
        return self.found(_Found(tuple(order), tuple(scores[e.id] for e in order)))

    def _states_reason(self, entry: Entry) -> bool:
        return bool(_REASON.search(fold(entry.search_text()))) and _explains(entry, self.q.subject)

    def by_reason(self, subject: str, *, strict: bool = False) -> Answer | None:
        """A why question whose words an entry's text covers though its names do not ("why
        did the Henoko design have to change": the replacement facility's entry says soft
        seabed forced design changes): the one entry that covers the question, has its key
        words, and states a reason, clearly ahead of any other that does. None otherwise."""
        if not REASON_TEXT:
            return None
        text = _ungeneric(_strip_articles(subject)) or subject
        years = _asked_years(text)
        people = _person_words(self.kb)
        fitting = []
        for match in self.kb.index.text(text, limit=20):
            entry = self.kb.get(match.entry_id)
            if entry is None or match.coverage < COVERED or not self._states_reason(entry):
                continue
            if (strict or match.name_coverage < ABOUT) and not _CAUSE.search(
                fold(entry.search_text())
            ):
                # Not named by the question: "after" or "amid" in its text tells when, which
                # is no reason for what the question asks.
                continue
            if (
                not self._has_keys(text, match)
                or any(w in people for w in self._missing_words(text, match.entry_id))
                or self._lacks_country(text, match)
                or self._place_missing(text, match)
                or not self._fits_years(match.entry_id, years)
            ):
                continue
            fitting.append((match, entry))
        if not fitting:
            return None
        best, entry = fitting[0]
        if (strict or best.name_coverage < ABOUT) and self._nearest(None) != entry.id:
            # Not named by the question: only the entry closest to it in meaning, too.
            return None
        if len(fitting) > 1:
            other = fitting[1][0]
            if not (
                best.coverage >= other.coverage + SETTLE_LEAD
                or best.score >= other.score * SETTLE_SCORE_LEAD
            ):
                return None
        return self.found(_Found((entry,), (round(100 * best.coverage, 1),)))

    def who(self, subject: str) -> Answer:
        # "the guy running the Pentagon": "guy" only says a person is meant.
        phrase = _strip_articles(_ungeneric(subject)) or _strip_articles(subject)
        people = self.names(phrase, ("person",), strip_titles=True)
        decided = self.decide(people, phrase)
        if decided:
            return self.found(decided)
        holders = self.role_holders(phrase)
        if holders:
            return holders
        # "ambassador to the US" names a direction the role title must carry (see _role_score);
        # "the governor that came to Tokyo" is a description all the same.
        described = self.described(f"the {phrase}")
        if described:
            return described
        # "who is the MLR" or a body: any kind that is confidently named.
        other = self.decide(self.names(phrase, None), phrase)
        if other:
            return self.found(other)
        return self.unknown(self._quoted(phrase), self.suggestions(phrase, people, ("person",)))

    def role_key(self, phrase: str) -> str:
        """The phrase as role titles word it: a body named by its acronym or short name
        ("INDOPACOM", "STRATCOM") is spelt as its term ("US Indo-Pacific Command")."""
        words = name_key(phrase).split()
        for at, word in enumerate(words):
            named = [
                e
                for e in (self.kb.get(m.entry_id) for m in self.kb.index.names.exact(word))
                if isinstance(e, Term)
            ]
            if len(named) == 1:
                words[at] = name_key(re.sub(r"\s*\(.*?\)", "", named[0].term))
        return " ".join(words)

    def is_role(self, phrase: str) -> bool:
        """Whether a phrase is a role title in other words: "aussie foreign minister", "US
        secretary of state" (at least two of a title's words, and every word in one title)."""
        key = self.role_key(_strip_articles(phrase))
        words = _role_words(key)
        if len(words) < 2:
            return False
        # Most free text has a word no title uses: no need to score every title against it.
        titles = _title_words(self.kb)
        if any(w not in titles and w not in _HEAD and w not in _ALIKE for w in words):
            return False
        return bool(self.kb.index.roles.lookup(key, cutoff=SUGGEST, scorer=_role_score, limit=1))

    def role_holders(self, phrase: str) -> Answer | None:
        key = self.role_key(phrase)
        if not key:
            return None
        matches = self._lookup(key, roles=True, limit=20, cutoff=SUGGEST)
        people = {p.id: p for p in (self.kb.get(m.entry_id, Person) for m in matches) if p}
        if not people:
            return None
        # Past holders ("Former Prime Minister") rank below the holder the articles describe.
        ranked = sorted(
            (
                (m.score - (5.0 if _former(people[m.entry_id]) else 0.0), m)
                for m in matches
                if m.entry_id in people
            ),
            key=lambda pair: (-pair[0], -len(people[pair[1].entry_id].sources), pair[1].entry_id),
        )
        top = ranked[0][0]
        chosen = [(s, m) for s, m in ranked if top - s <= TIE]
        if len(chosen) > 1 and not _role_words(key) & _COUNTRIES:
            # "the secretary of state", asked of no place: the national office ("US Secretary
            # of State"), not a state's own ("Secretary of State of Florida").
            national = [
                (s, m) for s, m in chosen if _role_words(m.name) - _role_words(key) <= _COUNTRIES
            ]
            chosen = national or chosen
        holders = tuple(people[m.entry_id] for _, m in chosen)
        scores = tuple(s for s, _ in chosen)
        if len(holders) == 1:
            return self.found(
                _Found(holders, scores, pieces("matched role ", self._quoted(phrase)))
            )
        heading = line("People who held roles matching ", self._quoted(phrase), ":")
        return self.found(_Found(holders, scores), heading)

    def role_now(self, role: str) -> Answer | None:
        """The holder of a role "now": the one whose span, as the articles date it, covers
        `today`. When `today` is past every span, the latest holder, saying how far the articles
        go; in a gap between spans, or before them, no one. None when the articles date no
        holder of the role (the caller answers it as "who is the …")."""
        key = self.role_key(_strip_articles(role))
        matches = self._lookup(key, roles=True, limit=20, cutoff=SUGGEST)
        if not matches:
            return None
        top = matches[0].score
        spans: list[tuple[Person, Role]] = []
        for match in matches:
            person = self.kb.get(match.entry_id, Person)
            if person is None or top - match.score > TIE:
                continue
            spans += [
                (person, r)
                for r in person.roles
                if r.start is not None and name_key(r.title) == match.name
            ]
        if not spans:
            return None
        today = self.today
        ends_on = _articles_end(self.kb)
        if ends_on is not None and today > ends_on + STALE_AFTER:
            # "who's the PM right now", asked long after the articles' last day: they can't
            # say who holds it today; who held it when they end is offered, not answered.
            last = _unique(p for p, r in spans if r.held_throughout(ends_on, ends_on))
            if not last:  # the articles stop naming the holder before they end
                finish = {p.id: (r.end or r.start).last_day() for p, r in spans if r.start}
                latest = max(finish.values(), default=None)
                last = _unique(p for p, _ in spans if finish.get(p.id) == latest)
            return self.reply(
                "suggestions",
                line(
                    f"The articles end in {ends_on:%B %Y}, so they can't say who is ",
                    self._quoted(_strip_articles(role)),
                    " today." + (" The latest they show:" if last else ""),
                ),
                [wording.line(self.kb, e) for e in last[:3]],
                suggestions=last[:3],
            )
        holding = _unique(p for p, r in spans if r.held_throughout(today, today))
        ends = [(r.end or r.start).last_day() for _, r in spans if r.start is not None]
        note: Words = ()
        if not holding and all(end < today for end in ends):
            latest = max(ends)
            holding = _unique(p for (p, r), end in zip(spans, ends, strict=True) if end == latest)
            note = (f"the latest holder the articles show, to {latest:%B %Y}",)
        if len(holding) != 1:
            return self.unknown(
                pieces(self._quoted(_strip_articles(role)), " today"), _unique(p for p, _ in spans)
            )
        return self.found(_Found((holding[0],), (top,), note))

    def when(self, subject: str) -> Answer:
        phrase = _strip_articles(subject)
        named = self.decide(self.names(phrase, ("event",)), phrase)
        if named:
            return self.found(named)
        # Only events answer "when": a fact that mentions the words ("since the end of World
        # War II") is offered as a suggestion, not passed off as the date asked for.
        dated = self.by_text(
            phrase, ("event",), self._quoted(phrase), dated_only=True, also_suggest=("fact",)
        )
        term = self._term_named(phrase) if dated.status == "answer" else None
        if term is not None and not any(
            not self.kb.index.missing(name, dated.entries[0].id) for name in term.names()
        ):
            # "when was the security treaty signed": the treaty is named, and an event that
            # never mentions it (a cybersecurity pact "signed") is no date for it.
            return self.unknown(pieces("a date for ", Strong(term.label)), [term])
        if dated.status == "answer" and (
            NOW_WORDS.search(phrase) or _STILL_AHEAD.search(self.q.text)
        ):
            return self._latest_plan(phrase, dated) or dated
        if (
            dated.status == "answer"
            and _JOINED.search(phrase)
            and (first := self.kb.get(dated.entries[0].id)) is not None
            and not _JOINED.search(fold(first.search_text()))
        ):
            # "when did Japan join NATO": Kishida at a NATO summit is no date for joining it;
            # only an entry that says someone joined (or became a member) dates that.
            return self.unknown(pieces("when ", self._quoted(phrase)), [first])
        if dated.status == "answer" and _BECAME.search(phrase):
            first = self.kb.get(dated.entries[0].id)
            if first is not None and not self._says_became(phrase, first):
                # "when did Kihara become defense minister": a meeting he held as minister is
                # no date for when he became one; the articles show him in the role only.
                return self.unknown(pieces("when ", self._quoted(phrase)), [first])
        return dated

    def _says_became(self, phrase: str, entry: Entry) -> bool:
        """Whether the entry says someone became what the question asks, and that it is the
        person the question names ("Kamikawa becomes foreign minister" is no date for when
        Kishida became prime minister)."""
        text = fold(entry.search_text())
        if not _BECAME.search(text):
            return False
        asked = self.people_named(frozenset(fold(phrase).split()))
        if not asked or _WAS_REPLACED.search(phrase):
            return True  # "when did Hayashi get replaced": the one asked is who was replaced
        became = {m[1] for m in _WHO_BECAME.finditer(text)}
        return bool(asked & self.people_named(frozenset(became)))

    def _latest_plan(self, phrase: str, dated: Answer) -> Answer | None:
        """ "when is the Futenma replacement facility now supposed to be finished": asked now,
        a date the articles give for the same thing later than the one found (its completion
        now expected in 2035, not the 2022 it missed) answers, when one event alone does."""
        first = self.kb.get(dated.entries[0].id, Event)
        if first is None:
            return None
        text = " ".join(NOW_WORDS.sub(" ", phrase).split())
        # The same thing at a later date is found by the first event's own title ("Original
        # completion date for the Futenma relocation" finds its "Expected completion", which the
        # question's other words are not in), else by the question's words.
        for query in (re.sub(r"\([^)]*\)", " ", first.title), text):
            later = [
                (m, e)
                for m in self.kb.index.text(query, kinds=frozenset({"event"}), limit=10)
                if m.coverage >= PARTLY_COVERED
                and m.name_coverage >= ABOUT
                and (e := self.kb.get(m.entry_id, Event)) is not None
                and e.date.first_day() > (first.end or first.date).last_day()
                and self._has_keys(query, m)
            ]
            if later:
                break
        if len(later) != 1:
            return None
        match, event = later[0]
        note = ("the latest date the articles give",)
        return self.found(_Found((event,), (round(100 * match.coverage, 1),), note))

    def _term_named(self, phrase: str) -> Entry | None:
        """The term whose whole name (of two words or more) the phrase has, or None."""
        words = set(name_key(phrase).split())
        for match in self.names(phrase, ("term",)):
            named = name_key(match.name).split()
            if len(named) >= 2 and set(named) <= words:
                return self.kb.get(match.entry_id)
        return None

    def what(self, subject: str) -> Answer:
        phrase = _strip_articles(subject)
        for kinds in (("term",), ("fact", "event", "source"), ("person",)):
            named = self.decide(self.names(phrase, kinds), phrase)
            if named:
                return self.found(named)
        described = _CALLED.sub("", phrase).strip()
        if described and described != phrase:
            # "what's the ability to hit back deep in enemy territory called": the name of a
            # thing described is a term's; "called" is no word the term must have.
            named_term = self.by_text(described, ("term",), self._quoted(phrase))
            if named_term.status == "answer":
                return named_term
        # Defining something needs its name; words that merely occur in an event ("capitals",
        # "France") are only worth a suggestion, so text answers come from terms and facts.
        defined = self.by_text(
            phrase, ("term", "fact"), self._quoted(phrase), also_suggest=("event", "person")
        )
        if defined.status == "answer" or self._unknown_acronym():
            return defined
        # An agreement or a meeting is an event: "what is the Japan-UK reciprocal access
        # agreement" is answered by the event whose own title and names hold the words (and
        # any year asked: "what was the Camp David summit of 2021" is none).
        years = _asked_years(phrase)
        # "what was the Camp David summit in August": a month is the event's date to check, not
        # a word of its name.
        months = _asked_months(phrase)
        undated = " ".join(_MONTH_WORD.sub(" ", phrase).split()) if months else phrase
        found = self.kb.index.text(undated, kinds=frozenset({"event"}), limit=10)
        events = [
            m
            for m in found
            if m.name_coverage >= COVERED
            and self._fits_years(m.entry_id, years)
            and self._in_months(m.entry_id, months)
        ]
        leader = self._leader(undated, events)
        event = self.kb.get(leader.entry_id, Event) if leader else None
        if leader is None or event is None:
            # An agreement described, not named ("the pact letting British and Japanese forces
            # train on each other's soil - what's that"): the event closest in meaning, if its
            # words confirm it (`_paraphrased`).
            closest = self._paraphrased(phrase, found, years, frozenset({"event"}))
            if closest is None:
                # "what's up with the Japan UK access deal Kishida did on his tour": the words
                # after the name are context; an event they all cover, as free text must be
                # covered, answers as it would asked without "what's".
                as_text = self.by_text(phrase, None, self._quoted(phrase))
                first = as_text.entries[0].kind if as_text.entries else None
                return as_text if as_text.status == "answer" and first == "event" else defined
            event_found, match = closest
            return self.found(_Found((event_found,), (round(100 * match.coverage, 1),)))
        return self.found(_Found((event,), (round(100 * leader.coverage, 1),)))

    def quote(self, subject: str, topic: str) -> Answer:
        phrase = _strip_articles(subject)
        person = self.decide(self.names(phrase, ("person",), strip_titles=True), phrase)
        if person and len(person.entries) == 1:
            who = person.entries[0]
            quotes = list(self.kb.quotes_by(who.id))
            name = who.label
            if not quotes:
                return self.reply(
                    "no_match",
                    line("The articles don't quote ", Strong(name), " directly."),
                    note=person.matched,
                )
            if topic:
                # Only this person's quotes compete: across the whole base a common topic word
                # would fill the candidate list with other entries.
                wanted = {
                    m.entry_id: m
                    for m in self.kb.index.text(
                        topic, among=[q.id for q in quotes], limit=len(quotes), min_coverage=0.5
                    )
                }
                on_topic = [q for q in quotes if q.id in wanted and wanted[q.id].coverage >= 0.5]
                on_topic.sort(key=lambda q: (-wanted[q.id].coverage, -wanted[q.id].score))
                if not on_topic:
                    return self.reply(
                        "suggestions",
                        line(
                            "I have no quote from ",
                            Strong(name),
                            " about ",
                            self._quoted(topic),
                            f". Quotes from {name} I do have:",
                        ),
                        [wording.line(self.kb, q) for q in quotes[:3]],
                        suggestions=quotes[:3],
                    )
                quotes = on_topic
            heading = (
                line(Strong(name), f" is quoted {len(quotes)} times:") if len(quotes) > 1 else None
            )
            return self.found(
                _Found(tuple(quotes), (100.0,) * len(quotes), person.matched), heading
            )
        if person:  # several people match equally: let the user pick
            return self.found(person)
        # A body ("the National Security Strategy") or words from the quote itself.
        # Words of the quotation itself ("who said 'you are not alone'") must all be in it; a
        # body and a topic ("what did the Quad say about cyber attacks") are matched as text.
        said = self.by_text(
            " ".join([phrase, topic]), ("quote",), self._quoted(phrase), worded=not topic
        )
        if said.status != "answer" and topic and _DOCUMENT.search(phrase):
            # "what did the Chicago Council poll say about Japan": a survey, a report or a
            # statement says what it found, which its entries give, not a quotation.
            found = self.free(f"{phrase} {topic}")
            if found.status == "answer":
                return found
        return said

    def search(self, subject: str) -> Answer:
        hits: dict[str, float] = {}
        for match in self.names(subject, None):
            if match.score >= SUGGEST:
                hits[match.entry_id] = match.score
        for text_match in self.kb.index.text(subject, limit=10):
            if text_match.coverage >= 0.5:
                hits.setdefault(text_match.entry_id, round(100 * text_match.coverage, 1))
        ranked = sorted(hits.items(), key=lambda item: -item[1])[:5]
        if not ranked:
            return self.unknown(self._quoted(subject), [])
        entries = tuple(e for e in (self.kb.get(i) for i, _ in ranked) if e)
        heading = line("Top results for ", self._quoted(subject), ":")
        if len(entries) == 1:
            return self.found(_Found(entries, (ranked[0][1],)))
        return self.found(_Found(entries, tuple(s for _, s in ranked)), heading)

    def resolve(self, phrase: str, kinds: Sequence[Kind] | None = None) -> Entry | None:
        """The one entry a phrase names or whose words it covers, or None."""
        phrase = _strip_articles(phrase)
        named = self.decide(self.names(phrase, kinds, strip_titles=True), phrase)
        if named:
            return named.entries[0]
        wanted = frozenset(kinds) if kinds is not None else None
        matches = self.kb.index.text(phrase, kinds=wanted, limit=5)
        good = [m for m in matches if m.coverage >= COVERED and m.name_coverage >= ABOUT]
        if good:
            return self.kb.get(good[0].entry_id)
        # "Saito's Henoko override": the one entry with the phrase's key words, clearly ahead.
        leader = self._leader(phrase, matches)
        if leader is None:
            return None
        years = _asked_years(phrase)
        return self.kb.get(leader.entry_id) if self._fits_years(leader.entry_id, years) else None

    def role_at(self, role: str, at: str) -> Answer | None:
        """The holder of a role on a date or at the time of an event, from the roles' spans;
        None when the time is not a date or event we know (the caller reads it as a name)."""
        period = self._period_of(at)
        periods = [period] if period is not None else self._times_of(at)
        if not periods:
            return None
        key = self.role_key(_strip_articles(role))
        matches = self._lookup(key, roles=True, limit=20, cutoff=SUGGEST)
        if not matches:
            return None
        top = matches[0].score
        # Every event the time may name must have the same one holder: "the Quad meeting in
        # New York" is one of several New York meetings that week, all in Kamikawa's time.
        each: list[list[Person]] = []
        partly: Role | None = None  # the span of a holder shown for most of the period only
        for p in periods:
            held = self._holders(matches, p) or self._attested(matches, p)
            if not held and (mostly := self._mostly(matches, p)):
                held, partly = [mostly[0]], mostly[1]
            each.append(held)
        if any(len(h) != 1 for h in each) or len({h[0].id for h in each}) != 1:
            candidates = [self.kb.get(m.entry_id) for m in matches if top - m.score <= TIE]
            return self.unknown(
                pieces(
                    "who held ",
                    self._quoted(role),
                    f" {'at' if periods[0].label.startswith('the time of') else 'in'}"
                    f" {periods[0].label}",
                ),
                [e for e in candidates if e is not None],
            )
        holder = each[0][0]
        shown = [
            e
            for p in periods
            for e in self.kb.events_between(p.first, p.last)
            if holder.id in e.people and not self._holders(matches, p)
        ]
        note = (
            pieces(
                "the articles show ",
                holder.label,
                f" in the role {human_range(partly.start, partly.end)}, only part of {periods[0].label}",
            )
            if partly is not None and partly.start is not None
            else pieces(
                "the articles give no dates for the role; ",
                holder.label,
                " held it at the time of “",
                shown[0].title,
                f"” ({human_range(shown[0].date, shown[0].end)})",
            )
            if shown
            else ()
        )
        return self.found(_Found((holder,), (top,), note))

    def _holders(self, matches: list[NameMatch], period: Period) -> list[Person]:
        """The people whose role, matched as `matches`, spans the whole period."""
        top = matches[0].score
        holders: list[Person] = []
        for match in matches:
            person = self.kb.get(match.entry_id, Person)
            if person is None or top - match.score > TIE or person in holders:
                continue
            if any(
                r.held_throughout(period.first, period.last)
                for r in person.roles
                if name_key(r.title) == match.name
            ):
                holders.append(person)
        return holders

    def _mostly(self, matches: list[NameMatch], period: Period) -> tuple[Person, Role] | None:
        """Where no one's span covers the whole period, the one holder whose span covers most of
        it and no rival's touches it ("PM in spring 2024": the articles end Kishida's in April)."""
        top = matches[0].score
        near = [m for m in matches if top - m.score <= TIE]
        spans = [
            (person, role)
            for m in near
            if (person := self.kb.get(m.entry_id, Person)) is not None
            for role in person.roles
            if name_key(role.title) == m.name and role.start is not None
        ]
        touching = {
            p.id
            for p, r in spans
            if r.start is not None
            and r.start.first_day() <= period.last
            and (r.end is None or r.end.last_day() >= period.first)
        }
        mostly = [(p, r) for p, r in spans if r.held_mostly(period.first, period.last)]
        return mostly[0] if len(mostly) == 1 and touching == {mostly[0][0].id} else None

    def _attested(self, matches: list[NameMatch], period: Period) -> list[Person]:
        """Holders of a role the articles give no span for, shown holding it within the period
        by an event they took part in ("the USTR in November 2023": Tai, who met Kamikawa on
        13 November). Only where no one holds a matching title with a span: a dated holder
        says more than an undated one."""
        top = matches[0].score
        near = [m for m in matches if top - m.score <= TIE]
        found = (self.kb.get(m.entry_id, Person) for m in near)
        people = list({p.id: p for p in found if p is not None}.values())
        titled = [
            (p, r)
            for p in people
            for r in p.roles
            if any(name_key(r.title) == m.name for m in near)
        ]
        if not titled or any(r.start is not None or _former(p) for p, r in titled):
            return []
        events = self.kb.events_between(period.first, period.last)
        return [
            p
            for p in people
            if any(
                p.id in e.people
                and (e.end or e.date).last_day() <= period.last
                and e.date.first_day() >= period.first
                for e in events
            )
        ]

    def _times_of(self, at: str) -> list[Period]:
        """The spans of the event a phrase names: the one it resolves to, or else every event
        that has the phrase's key words and covers it nearly as well as the best one."""
        event = self.resolve(at, ("event",))
        if isinstance(event, Event):
            events = [event]
        else:
            matches = [
                m
                for m in self.kb.index.text(at, kinds=frozenset({"event"}), limit=10)
                if m.coverage >= 0.5 and m.name_coverage >= ABOUT and self._has_keys(at, m)
            ]
            if not matches:
                return []
            best = matches[0].coverage
            near = [m for m in matches if m.coverage >= best - SETTLE_LEAD]
            events = [e for e in (self.kb.get(m.entry_id, Event) for m in near) if e]
        return [
            Period(
                e.date.first_day(),
                (e.end or e.date).last_day(),
                f"the time of {e.title}",
            )
            for e in events
        ]

    def _same_story(self, one: str, other: str) -> bool:
        """Two entries dated to the day, at most a day apart."""
        dates = [getattr(self.kb.get(i), "date", None) for i in (one, other)]
        if any(d is None or d.precision != "day" for d in dates):
            return False
        first, second = (d.first_day() for d in dates if d is not None)
        return bool(abs((first - second).days) <= 1)

    def _elsewhere(self, text: str, match: TextMatch) -> str | None:
        """The entry's own place when the question names a place the entry lacks ("when did
        Biden visit Tokyo" against the San Francisco meeting); None otherwise."""
        places = _places(self.kb) | self._unknown_places(text)
        asked = [w for w in self._missing_words(text, match.entry_id) if w in places]
        if not asked:
            return None
        entry = self.kb.get(match.entry_id)
        own = _place_of(entry) if entry is not None else None
        return own if own and own not in text else None

    def _lacks_someone(self, text: str, entry_id: str) -> bool:
        """Whether an entry neither has nor lists (its people, its speaker) a person whose
        name `text` has."""
        people = _person_words(self.kb)
        missing = [w for w in self.kb.index.missing(text, entry_id) if w in people]
        if not missing:
            return False
        entry = self.kb.get(entry_id)
        linked = {entry_id, *getattr(entry, "people", ()), getattr(entry, "person", None)}
        by_part = _people_by_name_part(self.kb)
        return any(by_part.get(w, frozenset()).isdisjoint(linked) for w in missing)

    def _shows_no_one(self, text: str, entry_id: str) -> bool:
        """Whether an entry lacks the people a yes/no names and names no one of its own, so
        it cannot show who really took part: the poll ranking Germany does not settle "did
        Kishida go to Germany in 2023"."""
        entry = self.kb.get(entry_id)
        if getattr(entry, "people", ()) or getattr(entry, "person", None):
            return False
        people = _person_words(self.kb)
        return any(w in people for w in self._missing_words(text, entry_id))

    def _lacks_person(self, text: str, match: TextMatch) -> bool:
        """Whether an entry lacks a person a question (other than a yes/no) names."""
        if not PEOPLE_ARE_KEYS or self.q.form == "yesno":
            return False
        people = _person_words(self.kb)
        return any(w in people for w in self.kb.index.missing(text, match.entry_id))

    def _lacks_country(self, text: str, match: TextMatch) -> bool:
        """Whether a text answer lacks a country the question names, by any of its names
        ("chip sales to India" is not the controls on China; "Beijing" is China), other than
        Japan and the US. A yes/no checks the country as a premise instead."""
        if not COUNTRIES_ARE_KEYS or self.q.form == "yesno":
            return False
        missing = set(self.kb.index.missing(text, match.entry_id))
        for word in missing:
            country = _COUNTRY.get(word, word)
            # Japan and the US are what every entry is about, often without naming them.
            if stem(country) not in _COUNTRIES or country in ("japan", "us"):
                continue
            names = {country, word, *_COUNTRY_GROUPS.get(country, ())}
            if all(self.kb.index.missing(name, match.entry_id) for name in names):
                return True
        return False

    def _place_missing(self, text: str, match: TextMatch) -> bool:
        """Whether the question names a place ("when did Austin meet Kihara in Washington")
        the entry does not: a text match that lacks the place does not confirm it."""
        # Only where the question puts something ("in Washington"): "Tokyo's target" is
        # Japan's government, not a place.
        places = _places(self.kb) & set(
            re.findall(r"\b(?:in|at|off|near) (?:the )?(?:\w+ )?(\w+)", text)
        )
        if not places:
            return False
        return any(w in places for w in self.kb.index.missing(text, match.entry_id))

    def _unknown_places(self, text: str) -> frozenset[str]:
        """Words the articles never use that a yes/no question puts after "in", "off" or "at"
        ("did Harris meet Marcos in Manila"): a place to check, not a topic."""
        if self.q.form != "yesno":
            return frozenset()
        index = self.kb.index
        return frozenset(
            w
            for w in re.findall(r"\b(?:in|off|at|to|into|near) ([a-z]{3,})\b", text)
            if not index.knows(w) and w not in _NOT_PLACES
        )

    def _has_keys(self, text: str, match: TextMatch) -> bool:
        """Whether an entry has every key word of `text`, years aside (see `_key_word`)."""
        bare = re.sub(r"\b(?:19|20)\d\d\b", " ", text)
        index = self.kb.index
        # A person's entry must name every person the question names, however often the
        # articles name them: Putin's entry does not settle "did Kishida meet Putin".
        # Nor does any entry that lacks a person the question names: Blinken's Tokyo visit is
        # not "when did Biden visit Tokyo".
        # (A yes/no is settled by the entry that shows who really took part.)
        # But a yes/no naming two people is settled only by an entry with both: Hayashi's talks
        # with Cotton in Tokyo say nothing of "did Hayashi meet Blinken in Tokyo".
        people = (
            _person_words(self.kb)
            if PEOPLE_ARE_KEYS and (self.q.form != "yesno" or self._names_two_people(bare))
            else ()
        )
        if isinstance(self.kb.get(match.entry_id), Person):
            people = _person_words(self.kb)
        # So is a top rank ("president", "minister", "governor"): "when was the former US
        # president shot" is not Abe's assassination, whose entry names no president. (A yes/no
        # is settled by the entry that shows the right rank.)
        ranks = _TOP_RANKS if self.q.form != "yesno" else frozenset()
        phrasing = self._phrasing(bare, bool(people))
        return not any(
            w not in phrasing and (w in people or _key_word(index, w) or stem(w) in ranks)
            for w in self._missing_words(bare, match.entry_id)
        )

    def _phrasing(self, text: str, people_are_keys: bool) -> frozenset[str]:
        """The words of a long question that are only its phrasing (see `LONG_QUESTION`),
        once per text: `_has_keys` asks it of every match."""
        key = (text, people_are_keys)
        found = self._phrasings.get(key)
        if found is None:
            found = self._phrasings[key] = frozenset()
            words = search_words(text)
            if len(words) >= LONG_QUESTION:
                people = _person_words(self.kb) if people_are_keys else frozenset()
                index = self.kb.index
                unused = frozenset(
                    w
                    for w in words
                    if len(w) > 3
                    and w not in people
                    and not index.knows(w)
                    and english.is_common(w)
                )
                if len(unused) <= len(words) // 4:
                    found = self._phrasings[key] = unused
        return found

    def succession(self, text: str) -> Answer | None:
        """ "who was foreign minister before Kamikawa", "who replaced Hayashi": the holder of
        the same role whose span, as the articles give it, ends as this person's begins (or
        begins as it ends). None when the text is not such a question; declined when the
        articles show no such holder (Hayashi's predecessor is not in them)."""
        match = _SUCCESSION.match(text) or _SUCCEEDED.match(text) or _PREDECESSOR.match(text)
        if not match:
            return None
        groups = match.groupdict()
        named = self.decide(self.names(groups["name"], ("person",), strip_titles=True), "")
        if not named or len(named.entries) != 1:
            return None
        person = named.entries[0]
        assert isinstance(person, Person)
        earlier = groups["dir"] in _EARLIER
        # "at the foreign ministry": the office is named by its ministry's minister.
        asked = _MINISTRY.sub("minister", name_key(_strip_articles(groups.get("role") or "")))
        roles = [
            r
            for r in person.roles
            if (r.start if earlier else r.end) is not None
            and (not asked or _role_score(asked, name_key(r.title)))
        ]
        if not roles and asked:
            named_role = [r for r in person.roles if _role_score(asked, name_key(r.title))]
            if len(named_role) == 1:
                # The role asked, with no end (start) in the articles: they don't say who came
                # after (before), and a text match on the name would pass for an answer.
                what = f"{'before' if earlier else 'after'} {person.label} as {named_role[0].title}"
                return self._no_holder(person, what)
        if not roles and person.roles and not asked:
            # No role of theirs ends (starts) in the articles ("who replaced Emanuel"): they
            # don't show who came after (before), and a name match would pass them off as it.
            only = f" as {person.roles[0].title}" if len(person.roles) == 1 else ""
            return self._no_holder(
                person, f"{'before' if earlier else 'after'} {person.label}{only}"
            )
        if len(roles) != 1:
            return None
        role = roles[0]
        said = self._said_to_succeed(person, role, earlier=earlier)
        if said is not None:
            what = f"{'before' if earlier else 'after'} {person.label}"
            return self.found(_Found((said,), (100.0,), (f"the articles call this {what}",)))
        edge = role.start if earlier else role.end
        what = f"{'before' if earlier else 'after'} {person.label} as {role.title}"
        found: list[Person] = []
        if edge is not None:
            for other in self.kb.of_kind("person"):
                if not isinstance(other, Person) or other.id == person.id:
                    continue
                for r in other.roles:
                    if name_key(r.title) != name_key(role.title):
                        continue
                    # The other holder's span must end (start) within the month the asked
                    # person's begins (ends): a predecessor, not any earlier holder.
                    near = r.end if earlier else r.start
                    if near is not None and abs((near.first_day() - edge.first_day()).days) <= 31:
                        found.append(other)
        if len(found) != 1:
            return self._no_holder(person, what)
        return self.found(_Found((found[0],), (100.0,), (f"held the role {what}",)))

    def next_holder(self, text: str) -> Answer | None:
        """ "who will be the next US ambassador to Japan", "who will succeed Kishida": the
        articles report the past, so they can't say; who they show in the role, or the person
        asked, is offered. None when the text asks no such thing."""
        match = _NEXT_HOLDER.match(text)
        if not match:
            return None
        ends_on = _articles_end(self.kb)
        ends = f"The articles end in {ends_on:%B %Y} and" if ends_on else "The articles"
        if match["name"]:
            named = self.decide(self.names(match["name"], ("person",), strip_titles=True), "")
            if not named or len(named.entries) != 1:
                return None
            person = named.entries[0]
            return self.reply(
                "suggestions",
                line(
                    f"{ends} don't say who will succeed ", Strong(person.label), ". Did you mean:"
                ),
                wording.line(self.kb, person),
                suggestions=[person],
            )
        role = _strip_articles(match["role"])
        holders = self.role_holders(role)
        shown = list(holders.entries) if holders and holders.status == "answer" else []
        people = [e for e in (self.kb.get(s.id, Person) for s in shown) if e][:3]
        return self.reply(
            "suggestions" if people else "no_match",
            line(
                f"{ends} don't say who will be the next ",
                self._quoted(role),
                "." + (" Who they show in the role:" if people else ""),
            ),
            [wording.line(self.kb, p) for p in people],
            suggestions=people,
        )

    def _no_holder(self, person: Person, what: str) -> Answer:
        """The decline of a succession the articles don't show, offering the person asked."""
        return self.reply(
            "suggestions",
            line(f"The articles don't show who held the role {what}. Did you mean:"),
            wording.line(self.kb, person),
            suggestions=[person],
        )

    def _said_to_succeed(self, person: Person, role: Role, *, earlier: bool) -> Person | None:
        """The one person whose entry calls them `person`'s predecessor (or successor) in the
        role ("Kishida's predecessor as prime minister"), where the roles' spans don't show it."""
        # The name the articles write with "'s": the family name, which ids put first.
        surname = person.id.split("-")[0]
        word = "predecessor" if earlier else "successor"
        asked = _role_words(name_key(role.title)) - _COUNTRIES
        found = [
            other
            for other in self.kb.of_kind("person")
            if isinstance(other, Person)
            and other.id != person.id
            and word in other.summary  # the cheap test first
            and re.search(rf"\b{re.escape(surname)}'s {word}\b", fold(other.summary))
            and asked
            <= _role_words(name_key(other.summary + " " + " ".join(r.title for r in other.roles)))
        ]
        return found[0] if len(found) == 1 else None

    def participants(self, phrase: str) -> Answer:
        """Who took part in an event: its people, then the event itself for the evidence."""
        if re.fullmatch(rf"(?:(?:the|that|this|a) )?{EVENT_NOUN}", phrase):
            # "who was at the meeting": which one is not said, so no event is the answer.
            return self.unknown(self._quoted(phrase), [])
        event = self.resolve(phrase, ("event",))
        if not isinstance(event, Event):
            # "the Japan Florida memo": the one event that has the phrase's key words and
            # clearly leads the other events.
            events = self.kb.index.text(phrase, kinds=frozenset({"event"}), limit=10)
            leader = self._leader(phrase, events)
            event = self.kb.get(leader.entry_id, Event) if leader else None
        if not isinstance(event, Event):
            event = self._event_then(phrase)
        if not isinstance(event, Event):
            return self.free(phrase)
        months = _asked_months(phrase)
        if not self._fits_years(event.id, _asked_years(phrase)) or (
            months and not self._in_months(event.id, months)
        ):
            # "who was at Camp David in 2021": the summit of August 2023 is not the one asked.
            return self.unknown(self._quoted(phrase), [event])
        people = self.kb.people_in(event)
        if not people:
            return self.found(_Found((event,), (100.0,)))
        heading = line(
            "Taking part in ", Strong(event.title), f" ({human_range(event.date, event.end)}):"
        )
        entries: tuple[Entry, ...] = (event, *people)
        return self.found(_Found(entries, (100.0,) * len(entries)), heading)

    def _event_then(self, phrase: str) -> Event | None:
        """ "Camp David in Aug 2023", "the Dec 19 North Korea call": the one event of that
        time that the rest of the phrase names and that clearly leads the others then."""
        dated = DATE_IN_PHRASE.search(phrase)
        period = self._period_of(dated["at"]) if dated else None
        if dated is None or period is None:
            return None
        rest = " ".join((phrase[: dated.start()] + " " + phrase[dated.end() :]).split())
        inside = {e.id for e in self.kb.events_between(period.first, period.last)}
        then = self.kb.index.text(rest, kinds=frozenset({"event"}), among=inside, limit=20)
        leader = self._leader(rest, then)
        return self.kb.get(leader.entry_id, Event) if leader else None

    def _period_of(self, at: str) -> Period | None:
        """The span a time phrase names: a period, or a day, month or year ("1 december 2023",
        "aug 2023")."""
        # "foreign minister a year ago" is the holder on that day, not throughout that year.
        period = read_period(f"{at} today" if at.endswith(" ago") else at, self.today)
        if period is not None:
            return period
        dated = parse_question(f"on {at}", today=self.today)
        if dated.form != "on_date" or dated.year is None:
            return None
        last_month = dated.month or 12
        last_day = dated.day or calendar.monthrange(dated.year, last_month)[1]
        return Period(
            dt.date(dated.year, dated.month or 1, dated.day or 1),
            dt.date(dated.year, last_month, last_day),
            dated.subject,
        )

    def compare(self, first: str, second: str) -> Answer:
        """Two things side by side: both entries, dated and in order."""
        # "which came first" compares events; "what's the difference" compares things.
        preferred: tuple[Kind, ...] = ()
        if _ORDER.search(self.q.text):
            preferred = ("event",)
        elif _DIFFERENCE.search(self.q.text):
            preferred = ("term",)
        one, other = (self._compared(phrase, preferred) for phrase in (first, second))
        if isinstance(one, Person) and other is not None and not isinstance(other, Person):
            # "Kishida vs Zelenskyy favorability with Americans": the second side's words after
            # its name ask the same of the first ("Kishida favorability with Americans").
            shared = " ".join(second.split()[len(first.split()) :])
            asked = self._compared(f"{first} {shared}", preferred) if shared else None
            if asked is not None and asked.id == other.id:
                # One entry states it of both ("66%, second only to Zelenskyy's 68%").
                return self.found(_Found((other,), (100.0,)))
            if asked is not None and not isinstance(asked, Person):
                one = asked
        if one is None or other is None or one.id == other.id:
            missing = first if one is None else second
            return self.unknown(
                self._quoted(missing), self.suggestions(missing, self.names(missing, None), _ALL)
            )
        if _MAGNITUDE.search(self.q.text) and (sized := self.by_size(one, other)) is not None:
            return sized
        found = [one, other]
        dates = [_date_of(e) for e in found]
        if dates[0] is not None and dates[1] is not None and dates[1] < dates[0]:
            found.reverse()
            dates.reverse()
        if dates[0] is not None and dates[1] is not None:
            heading = (
                line(Strong(found[0].label), " came first, then ", Strong(found[1].label), ":")
                if dates[0] < dates[1]
                else line("Both at the same time:")
            )
        else:
            heading = line("The two side by side:")
        return self.found(_Found(tuple(found), (100.0, 100.0)), heading)

    def by_size(self, one: Entry, other: Entry) -> Answer | None:
        """ "which was higher, support for US bases or confidence in Japan": two figures of the
        same kind (both a percentage, stated plainly), the larger first, saying which it is;
        None when they are not two such figures (qualified ones, "below 20%", are not ranked)."""
        sizes = [_plain_figure(e) for e in (one, other)]
        if sizes[0] is None or sizes[1] is None or sizes[0][1] != sizes[1][1]:
            return None
        found, values = [one, other], [sizes[0][0], sizes[1][0]]
        # "which is lower": the smaller first; otherwise the larger.
        lower = bool(_LOWER.search(self.q.text))
        if (values[1] < values[0]) if lower else (values[1] > values[0]):
            found.reverse()
            values.reverse()
        shown = [cast(Fact, e).value or "" for e in found]
        heading = (
            line("Both the same:")
            if values[0] == values[1]
            else line(
                Strong(shown[0]), " is lower than " if lower else " is higher than ",
                Strong(shown[1]), ":",
            )
        )  # fmt: skip
        return self.found(_Found(tuple(found), (100.0, 100.0)), heading)

    def _compared(self, phrase: str, preferred: tuple[Kind, ...]) -> Entry | None:
        """The entry one side of a comparison names, of the preferred kind where there is one
        ("kishida's reshuffle" is the event, not the fact about it); a person named stays."""
        entry = self.resolve(phrase)
        if entry is None and (plain := _PLAIN.sub("", phrase)) != phrase:
            # "the regular 2+2": the thing itself, as against the kind the other side names.
            phrase, entry = plain, self.resolve(plain)
        if preferred and (entry is None or entry.kind not in (*preferred, "person")):
            entry = self.resolve(phrase, preferred) or entry
        return entry

    def free(self, text: str, *, settle: bool = False) -> Answer:
        phrase = _strip_articles(text)
        named = self.decide(self.names(phrase, None, strip_titles=True), phrase)
        if named and not (
            # "the secretary general of NATO", "the Japan chair of CULCON": a person holding an
            # office of the body named, not the body.
            not any(isinstance(e, Person) for e in named.entries)
            and _only_a_description(text, _person_words(self.kb))
        ):
            return self.found(self._count_first(text, named))
        if self.is_role(phrase):
            # "aussie foreign minister?": a role named without "who is".
            holders = self.role_holders(phrase)
            if holders:
                return holders
        described = self.described(text)
        if described:
            return described
        if DESCRIPTION_ONLY and _only_a_description(text, _person_words(self.kb)):
            # "the Japanese ambassador", "the Illinois governor": a person described by a role
            # is found through the roles above, or not at all — an entry that merely has the
            # words (the US Ambassador to Japan, a lieutenant governor) is not that person.
            return self.by_text(
                _ungeneric(phrase) or phrase, ("person",), self._quoted(phrase), suggest_only=True
            )
        # "the guy who wrote the DW piece": "guy" is no word the entry must have.
        phrase = _ungeneric(phrase) or phrase
        return self.by_text(phrase, None, self._quoted(phrase), settle=settle)

    def described(self, text: str) -> Answer | None:
        """A person named by a description ("the NHK journalist who interviewed Blinken", "the
        Florida official that signed the trade memo"), found in `descriptions.py`."""
        found = describe(self, text)
        if found is None:
            return None
        person, event = found.person, found.event
        if not found.matched:  # "the guy who wrote the DW piece": found by the text rules
            return self.found(_Found((person,), (100.0,)))
        note = pieces("matched the description ", self._quoted(found.matched))
        heading = line(Strong(person.label), ", in ", Strong(event.title), ":") if event else None
        entries: tuple[Entry, ...] = (person, event) if found.took_part and event else (person,)
        return self.found(_Found(entries, (100.0,) * len(entries), note), heading)

    # What `descriptions.describe` reads through the engine (its `Asker`).
    def titles_of(self, person: Person) -> tuple[tuple[str, ...], frozenset[str]]:
        return self._titles_of(person)

    def event_named(self, text: str) -> Event | None:
        return self._event_named(text)

    def name_parts(self) -> list[tuple[Person, frozenset[str]]]:
        return _name_parts(self.kb)

    def people_named(self, words: frozenset[str]) -> frozenset[str]:
        """Ids of the people with a word of their name (longer than two letters) in `words`."""
        by_part = _people_by_name_part(self.kb)
        return frozenset().union(*(by_part[w] for w in words if w in by_part))

    def _names_two_people(self, text: str) -> bool:
        """Whether `text` names two different people ("Hayashi" and "Blinken"; "Hillary
        Clinton" is one)."""
        # The outline's name words first: most questions name fewer than two, and reading the
        # people themselves would make every person's model.
        words = [w for w in dict.fromkeys(fold(text).split()) if w in _person_words(self.kb)]
        if len(words) < 2:
            return False
        by_part = _people_by_name_part(self.kb)
        named = [by_part[w] for w in words if w in by_part]
        return any(a.isdisjoint(b) for i, a in enumerate(named) for b in named[i + 1 :])

    def person_words(self) -> frozenset[str]:
        return _person_words(self.kb)

    def title_words(self) -> frozenset[str]:
        return _title_words(self.kb)

    def titled(self, words: frozenset[str]) -> frozenset[str]:
        """Ids of the people whose titles may carry every one of `words` (role words: the word
        itself or a rank `_ALIKE` it), a superset of those a description's title words fit:
        checking every person's titles took 0.1-0.5 s at 100,000 entries."""
        tokens_of, everywhere = _title_tokens(self)
        roles = self.kb.index.roles
        # Each word's people once per snapshot: "minister" is in thousands of titles at
        # 100,000 entries, and gathering them was most of a description question's time.
        memo = _memo(self.kb, "titled")
        found: frozenset[str] | None = None
        for word in sorted(words):
            having = cast(frozenset[str] | None, memo.get(word))
            if having is None:
                tokens = {t for w in (word, *_ALIKE.get(word, ())) for t in tokens_of.get(w, ())}
                having = frozenset().union(*(roles.entries_with_token(t) for t in sorted(tokens)))
                memo[word] = having
            found = having if found is None else found & having
        return (found or frozenset()) | everywhere

    def _titles_of(self, person: Person) -> tuple[tuple[str, ...], frozenset[str]]:
        """A person's title keys as role titles word them, and their words (worked out once
        per snapshot: every description question reads every person's titles)."""
        memo = _memo(self.kb, "titles-of")
        found = memo.get(person.id)
        if found is None:
            keys = tuple(self.role_key(name_key(r.title)) for r in person.roles)
            found = (keys, frozenset().union(*(_role_words(k) for k in keys)))
            memo[person.id] = found
        return cast(tuple[tuple[str, ...], frozenset[str]], found)

    def _folded_text(self, entry: Entry) -> tuple[str, str]:
        """An entry's names and search text, folded (once per snapshot)."""
        memo = _memo(self.kb, "folded")
        found = memo.get(entry.id)
        if found is None:
            found = (fold(" ".join(entry.names())), fold(entry.search_text()))
            memo[entry.id] = found
        return cast(tuple[str, str], found)

    def _event_named(self, text: str) -> Event | None:
        """The event the text clearly names by its words, or None."""
        people = _person_words(self.kb)
        matches = [
            m
            for m in self.kb.index.text(text, kinds=frozenset({"event"}), limit=5)
            if m.coverage >= 0.6 and not people & set(self.kb.index.missing(text, m.entry_id))
        ]
        if not matches:
            return None
        if len(matches) > 1 and matches[1].coverage > matches[0].coverage - SETTLE_LEAD:
            rival = self.kb.get(matches[1].entry_id, Event)
            top = self.kb.get(matches[0].entry_id, Event)
            if rival is None or top is None or set(rival.people) != set(top.people):
                return None  # two events fit: which one is meant is not clear
        return self.kb.get(matches[0].entry_id, Event)

    def person_leading(self, text: str, people: list[Person]) -> Person | None:
        """ "the guy who wrote the DW piece": the person whose entry covers the question."""
        bare = _ungeneric(text)
        matches = self.kb.index.text(bare, among=[p.id for p in people], limit=3)
        if not matches or matches[0].coverage < COVERED or not self._has_keys(bare, matches[0]):
            return None
        if len(matches) > 1 and matches[1].coverage > matches[0].coverage - SETTLE_LEAD:
            return None
        return self.kb.get(matches[0].entry_id, Person)

    def by_text(
        self,
        text: str,
        kinds: Iterable[Kind] | None,
        what: Words,
        *,
        dated_only: bool = False,
        also_suggest: Iterable[Kind] = (),
        settle: bool = False,
        only: Callable[[str], bool] | None = None,
        suggest_only: bool = False,
        worded: bool = False,
    ) -> Answer:
        """Answer from entries whose own words cover the question.

        With `worded` (words from a quotation: "who said the alliance is dead"), only entries
        covering them answer: what was said is its words, so none is settled or paraphrased.

        With `settle` (a yes/no, why or how question, whose frame words "did", "part of",
        "go down" cover nothing), an entry covering less is the answer when it has every key
        word of the question — names, acronyms, figures and words the articles never use —
        and clearly leads the rest. A year it lacks is a false premise: the entry with the
        right date answers, and says its date."""
        wanted = frozenset(kinds) if kinds is not None else None
        searched = text
        found = self.kb.index.text(text, kinds=wanted, limit=20)
        if (places := self._unknown_places(text)) and not any(
            m.coverage >= PARTLY_COVERED for m in found
        ):
            # "is the MLR going to Hokkaido": a place the articles never name outweighs the rest
            # of the question; the entry is found without it, and its own place answers. So
            # may the verb that takes it there ("be sent to Sapporo").
            searched = _without(text, places)
            if not any(m.coverage >= PARTLY_COVERED for m in self.kb.index.text(searched, limit=5)):
                alternation = "|".join(map(re.escape, sorted(places)))
                index = self.kb.index
                # Only a word the articles use goes with the place ("sent", "going"): "cup"
                # in "the World Cup in Qatar" is what is asked about, not how it got there.
                searched = re.sub(
                    rf"\b(\w+) (?:in|off|at|to|into|near) (?:{alternation})\b",
                    lambda m: " " if index.knows(m[1]) or _MOVED.fullmatch(m[1]) else f" {m[1]} ",
                    text,
                )
        if searched != text:
            found = self.kb.index.text(searched, kinds=wanted, limit=20)
        # An acronym typed in capitals is matched exactly; text search would correct "QUADD"
        # to "Quad", so a question with one the articles never use is only offered entries.
        suggest_only = suggest_only or self._unknown_acronym()
        matches = [
            m
            for m in found
            if (not dated_only or self._dated(m.entry_id)) and (only is None or only(m.entry_id))
        ]
        years = _asked_years(text)
        two_people = self._names_two_people(text)

        def good(m: TextMatch) -> bool:
            return (
                m.coverage >= COVERED
                and m.name_coverage >= ABOUT
                and self._fits_years(m.entry_id, years)
                # A yes/no question names a place to be checked: the entry placing it elsewhere
                # still settles it (with a note); any other question is not about that entry.
                and (self.q.form == "yesno" or not self._elsewhere(text, m))
                and (
                    self.q.form == "yesno"
                    or not PLACES_ARE_KEYS
                    or not self._place_missing(text, m)
                )
                and not self._lacks_country(text, m)
                and self._goes_there(text, m.entry_id)
                # Of two people named, an entry with one does not answer: Clinton's entry
                # (she met Kamikawa) is not "Hayashi met Hillary Clinton in Tokyo?".
                and not (two_people and self._lacks_someone(text, m.entry_id))
                and not (self.q.form == "yesno" and self._shows_no_one(text, m.entry_id))
            )

        # Only the first good match and those tied with it answer, so the checks (a few
        # hundred µs a match at 100,000 entries) run on those alone: matches come by coverage,
        # best first, so none after the first covering less than it can tie.
        at = -1 if suggest_only else next((i for i, m in enumerate(matches) if good(m)), -1)
        if at >= 0:
            best = matches[at]
            # Equal coverage and nearly equal weight: the question does not single one out.
            tied: list[TextMatch] = []
            for m in matches[at:]:
                if m.coverage < best.coverage - 1e-9 or len(tied) == 5:
                    break
                if m.score >= best.score * 0.85 and good(m):
                    tied.append(m)
            entries = tuple(e for e in (self.kb.get(m.entry_id) for m in tied) if e)
            scores = tuple(round(100 * m.coverage, 1) for m in tied)
            elsewhere = self._elsewhere(text, best)
            note = (
                (f"the articles place this at {elsewhere.title()}, not where asked",)
                if elsewhere
                else ()
            )
            counted = self._count_first(text, _Found(entries, scores, note))
            return self.found(self._fact_first(text, counted, matches))
        settled = (
            self.settled(text, matches, years)
            if (settle or SETTLE_ALL) and not suggest_only and not worded
            else None
        )
        if settled:
            return settled
        if (
            not suggest_only
            and not worded
            and (named := self._paraphrased(text, matches, years, wanted))
        ):
            return self.found(_Found((named[0],), (round(100 * named[1].coverage, 1),)))
        partly = [m.entry_id for m in matches if m.coverage >= PARTLY_COVERED]
        if also_suggest:
            extra = self.kb.index.text(text, kinds=frozenset(also_suggest), limit=5)
            partly += [m.entry_id for m in extra if m.coverage >= PARTLY_COVERED]
        names = [
            m.entry_id
            for m in self.names(text, tuple(kinds) if kinds else None)
            if m.score >= SUGGEST
        ]
        candidates = [e for e in (self.kb.get(i) for i in [*names, *partly]) if e]
        return self.unknown(what, candidates)

    def _count_first(self, text: str, found: _Found) -> _Found:
        """A yes/no asking a count ("did Japan ground 20 Ospreys", "did anyone survive the
        crash"): the one fact among the entries found that states a count comes first, saying
        its count when it is not the one asked. Anything else is left as found."""
        if self.q.form != "yesno":
            return found
        asked = {n for n in _NUMBER.findall(text) if n[0].isdigit() and not _YEAR.fullmatch(n)}
        facts = [e for e in found.entries if isinstance(e, Fact) and e.value]
        if len(facts) != 1:
            return found
        fact = facts[0]
        value = fact.value or ""
        if _ORDINAL.match(fold(value)):
            # "did Americans rank Japan third": a rank asked of a fact that states one.
            asked |= {m[0] for m in _ORDINAL.finditer(text)}
        # "did anyone survive the crash", "were any Ospreys grounded": whether there were any
        # is settled by how many, so the fact that counts them comes first, as it stands.
        any_asked = not asked and _ANY_COUNT.search(text) and _NUMBER.search(fold(value))
        if not asked and not any_asked:
            return found
        order = sorted(range(len(found.entries)), key=lambda i: found.entries[i].id != fact.id)
        note = found.matched
        stated = {_DIGITS.get(n, n) for n in _NUMBER.findall(fold(value))}
        if asked and not asked & (stated | {m[0] for m in _ORDINAL.finditer(fold(value))}):
            note = (f"the articles give {value}",)
        return _Found(
            tuple(found.entries[i] for i in order), tuple(found.scores[i] for i in order), note
        )

    def _fact_first(self, text: str, found: _Found, matches: list[TextMatch]) -> _Found:
        """ "is the Henoko base finished yet": a yes/no answered by a term alone, whose names
        cover the thing but not what is asked of it ("finished"), is settled by the one fact
        about the thing whose claim states that ("originally due to be finished in 2022 …
        now expected around 2035") and whose figure the term's definition gives (2035): it
        comes first, the term after it."""
        if self.q.form != "yesno" or len(found.entries) != 1:
            return found
        term = found.entries[0]
        if not isinstance(term, Term):
            return found
        named = {stem(w) for name in term.names() for w in search_words(name)}
        asked = {stem(w) for w in search_words(text)} - named
        if not asked:
            return found
        # The fact tells more of what the term's own definition says (its figure is in it):
        # a fact about something else the term's words reach does not settle it.
        defined = {stem(w) for w in search_words(term.definition)}
        facts = [
            (m, entry)
            for m in matches
            if m.coverage >= SETTLE
            and m.name_coverage >= ABOUT
            and isinstance(entry := self.kb.get(m.entry_id), Fact)
            and entry.value
            and {stem(w) for w in search_words(entry.value)} <= defined
            and asked <= {stem(w) for w in search_words(entry.claim)}
            and self._has_keys(text, m)
        ]
        if len(facts) != 1:
            return found
        match, fact = facts[0]
        return _Found((fact, term), (round(100 * match.coverage, 1), *found.scores), found.matched)

    def settled(self, text: str, matches: list[TextMatch], years: set[int]) -> Answer | None:
        """The entry that settles a yes/no, why or how question, or None (see `by_text`)."""
        best = self._leader(text, matches)
        if best is None:
            return None
        entry = self.kb.get(best.entry_id)
        if entry is None:
            return None
        note: Words = ()
        if not self._fits_years(entry.id, years):
            if self.q.form != "yesno":
                # Only a yes/no question carries a premise to correct: the 2023 death toll is
                # not how many crashed in 2022, nor the 2023 tour what happened in 2024.
                return None
            when = _date_of(entry)
            note = (f"the articles date this {when.year}",) if when else ()
        elsewhere = self._elsewhere(text, best)
        if elsewhere:
            note = (f"the articles place this at {elsewhere.title()}, not where asked",)
        if self.q.form == "yesno" and not isinstance(entry, Person):
            # "did Biden go to the ASEAN summit" settled by the entry on who went (Harris): it
            # shows who really took part, and the reply says the person asked is not in it.
            people = _person_words(self.kb)
            if absent := [w for w in self._missing_words(text, entry.id) if w in people]:
                if self._shows_no_one(text, entry.id):
                    return None
                said = f"the articles do not name {', '.join(w.title() for w in absent)} in this"
                note = (*note, " · ", said) if note else (said,)
        found = _Found((entry,), (round(100 * best.coverage, 1),), note)
        return self.found(self._count_first(text, found))

    def _leader(self, text: str, matches: list[TextMatch]) -> TextMatch | None:
        """The match that has every key word of `text` (years aside) and clearly leads."""
        fitting = [m for m in matches if m.coverage >= SETTLE and m.name_coverage >= ABOUT]
        if not fitting:
            return None

        def has_keys(match: TextMatch) -> bool:
            if not self._goes_there(text, match.entry_id):
                return False
            if self.q.form != "yesno" and PLACES_ARE_KEYS and self._place_missing(text, match):
                return False
            if self._lacks_country(text, match):
                return False
            entry = self.kb.get(match.entry_id)
            premises: frozenset[str] = frozenset()
            if self.q.form == "yesno" and isinstance(entry, Fact) and entry.value:
                # "were 6 people killed in the crash": the fact that gives the count settles
                # it; the count asked is the premise, not a word the fact must have.
                # So is what it counts ("6 people"), which the fact may name its own way.
                counted = re.findall(r"\b(\d[\d,.]*%?)(?: (\w+))?", text)
                premises = frozenset(w for pair in counted for w in pair if w) - _years(text)
                if _ORDINAL.match(fold(entry.value)):
                    # "did Americans rank Japan third": the rank asked is the premise too.
                    premises |= frozenset(m[0] for m in _ORDINAL.finditer(text))
            if self.q.form == "yesno" and self._elsewhere(text, match):
                # "was the Osprey crash off Okinawa?": the entry that places it off Yakushima
                # settles it; its place answers, and the reply never says "yes".
                premises |= _places(self.kb) | self._unknown_places(text)
            return self._has_keys(_without(text, premises) if premises else text, match)

        best = fitting[0]
        place = self._settles_place(text, fitting)
        if place is not None:
            best = place
        # What happened the same day or the next (the crash, its death toll, the grounding
        # that followed) tells one story: it does not compete with the best of it.
        rest = [
            m
            for m in matches
            if m.entry_id != best.entry_id
            and not self._same_story(best.entry_id, m.entry_id)
            # A yes/no's place is settled by the entries that say where: one that names no
            # place, or the same one, is no rival.
            and (
                place is None
                or self._elsewhere(text, m) not in (None, self._elsewhere(text, place))
            )
            and (not RIVALS_ABOUT or m.name_coverage >= ABOUT)
            # An entry without a person the question names is not about it: no rival.
            and not self._lacks_person(text, m)
        ]
        if rest and not (
            best.coverage >= rest[0].coverage + SETTLE_LEAD
            or best.score >= rest[0].score * SETTLE_SCORE_LEAD
        ):
            return self._closest_in_meaning(text, fitting, has_keys) if SEMANTIC else None
        if has_keys(best):
            return best
        # The leader lacks a key word: one of the others that has them may still be clearly
        # closest in meaning ("is Japan part of the Quad" → the Quad's own entry).
        return self._closest_in_meaning(text, fitting, has_keys) if SEMANTIC else None

    def _settles_place(self, text: str, fitting: list[TextMatch]) -> TextMatch | None:
        """ "did Kishida host the G7 summit in Kyoto": a yes/no naming a place that the entries
        found lack, where those of them that say where all put it in one other place — the
        first of them, which settles it (Hiroshima) over an entry as close that names no place.
        None otherwise."""
        if self.q.form != "yesno":
            return None
        top = [m for m in fitting if m.coverage >= fitting[0].coverage - 1e-9][:SEMANTIC_POOL]
        placed = [(m, where) for m in top if (where := self._elsewhere(text, m))]
        if not placed or len({where for _, where in placed}) != 1:
            return None
        return placed[0][0]

    def _paraphrased(
        self,
        text: str,
        matches: list[TextMatch],
        years: set[int],
        kinds: frozenset[Kind] | None,
    ) -> tuple[Entry, TextMatch] | None:
        """A thing named in other words than its entry's names ("the warplane Tokyo is building
        with London and Rome"): the entry closest in meaning to the question among all entries
        of the kinds asked, confirmed by the words — it covers `PARAPHRASE_COVERED` of the
        question, has every key word, country, person and place of it, and no entry covers
        the question clearly better. The semantic signal only proposes; the words decide."""
        if not PARAPHRASE or self.q.form == "yesno":
            # A yes/no carries a premise: a paraphrase of it may be what the articles never
            # state, and is settled only by an entry its words name (`settled`).
            return None
        close = [m for m in matches if m.coverage >= PARAPHRASE_COVERED]
        if not close:
            return None
        near = self._nearest(kinds)
        if near is None:
            return None
        match = next((m for m in close if m.entry_id == near), None)
        entry = self.kb.get(near)
        if match is None or entry is None:
            return None
        if any(m.coverage >= match.coverage + SETTLE_LEAD for m in matches):
            return None
        people = _person_words(self.kb)
        if (
            not self._has_keys(text, match)
            # Every person named, in any form: "the summit Biden went to in Hiroshima" is
            # not the summit's entry, which does not say he went.
            or any(w in people for w in self._missing_words(text, match.entry_id))
            or self._lacks_country(text, match)
            or self._place_missing(text, match)
            or self._elsewhere(text, match)
            or not self._goes_there(text, match.entry_id)
            or not self._fits_years(match.entry_id, years)
        ):
            return None
        return entry, match

    def _nearest(self, kinds: frozenset[Kind] | None) -> str | None:
        """The entry of these kinds closest in meaning to the question, by at least
        `PARAPHRASE_LEAD` over the next; None if none is (or without the model)."""
        if len(self.kb.entries) > PARAPHRASE_MAX_ENTRIES:
            return None
        pools = _memo(self.kb, "semantic-pools")
        key = ",".join(sorted(kinds or ()))
        pool = pools.get(key)
        if not isinstance(pool, semantic.Pool):
            pool = pools[key] = semantic.Pool(
                [
                    (e.id, e.search_text())
                    for e in self.kb.entries.values()
                    if kinds is None or e.kind in kinds
                ]
            )
        near = pool.nearest(self.q.text)
        return near[0] if near is not None and near[1] >= PARAPHRASE_LEAD else None

    def _closest_in_meaning(
        self, text: str, fitting: list[TextMatch], has_keys: Callable[[TextMatch], bool]
    ) -> TextMatch | None:
        """Among candidates that each pass the lexical rules but that lead one another by too
        little, the one clearly closest in meaning to the question; None if none is."""
        close = [m for m in fitting[:SEMANTIC_POOL] if has_keys(m)]
        if len(close) < 2:
            return None
        entries = [self.kb.get(m.entry_id) for m in close]
        sims = semantic.similarities(self.q.text, [e.search_text() if e else "" for e in entries])
        if sims is None:
            return None
        ranked = sorted(zip(sims, close, strict=True), key=lambda pair: -pair[0])
        if ranked[0][0] - ranked[1][0] < SEMANTIC_LEAD:
            return None
        return ranked[0][1]

    def how_long(self, question: str) -> Answer | None:
        """ "how long did Kishida's G-7 tour last": an event the articles date from one day to
        another answers with its span; one dated to a single day or less precisely gives no
        length ("how long was Kishida's speech to Congress"), so it is offered. None when no
        event is named (a role's length is a person's entry: "for more than four years")."""
        match = _HOW_LONG.match(question)
        if match is None:
            return None
        phrase = _strip_articles(match["s"])
        found = self.decide(self.names(phrase, ("event",)), phrase)
        if found is None and self.people_named(frozenset(fold(phrase).split())):
            return None  # "how long was Hayashi foreign minister": a role, not an event
        if found is None:
            by_words = self.by_text(phrase, ("event",), self._quoted(phrase))
            if by_words.status != "answer":
                return None
            found = _Found(
                tuple(e for e in (self.kb.get(s.id) for s in by_words.entries[:1]) if e),
                (100.0,),
            )
        event = found.entries[0] if len(found.entries) == 1 else None
        if not isinstance(event, Event):
            return None
        if event.end is None or event.end == event.date or event.date.precision != "day":
            return self.unknown(pieces("how long ", self._quoted(phrase)), [event])
        days = (event.end.last_day() - event.date.first_day()).days + 1
        return self.found(_Found((event,), (100.0,), (f"{days} days, as the articles date it",)))

    def figure(self, question: str) -> Answer:
        if (lasted := self.how_long(question)) is not None:
            return lasted
        # "how big is the buildup in euros": the unit is asked of the figure, not a word the
        # entry must use; the answer must state an amount in it.
        currency = _CURRENCY.search(question)
        symbol = _CURRENCIES[currency["unit"].removesuffix("s")] if currency else None
        asked = " ".join(_CURRENCY.sub(" ", question).split()) if currency else question
        # "what percentage of", "how big", "the number of" ask for a figure; they are not words
        # the entry must use (the entry says "63%", not "percentage").
        topic = figures.topic(asked)
        wants_share = _wants_share(question)

        def of_the_sort(entry_id: str) -> bool:
            """Only entries stating a figure of the sort asked compete: a share for "what
            percentage", an amount in the currency asked."""
            entry = self.kb.get(entry_id)
            if entry is None:
                return False
            if symbol and symbol not in entry.search_text():
                return False
            return not wants_share or _states_share(entry)

        facts = self.by_text(topic, ("fact",), self._quoted(question), only=of_the_sort)
        if facts.status != "answer":
            facts = self.by_text(
                topic, ("fact", "event", "term"), self._quoted(question), only=of_the_sort
            )
            if facts.status != "answer":
                if symbol and facts.status == "no_match":
                    # Nothing states an amount in that currency: what matches is only offered.
                    loose = self.by_text(topic, ("fact", "event", "term"), self._quoted(question))
                    matched = [e for e in (self.kb.get(s.id) for s in loose.entries) if e]
                    return self.unknown(self._quoted(question), matched) if matched else loose
                return facts
        if self._figure_fits(asked, facts):
            return facts
        offered = [e for e in (self.kb.get(s.id) for s in facts.entries) if e]
        return self.unknown(self._quoted(question), offered)

    def _figure_fits(self, question: str, result: Answer) -> bool:
        """ "How many" wants a count and "what percentage" a share: a poll's "55%" is not the
        number of troops, so a fact whose figure is the wrong sort is not the answer."""
        wants_share = _wants_share(question)
        # "How many Americans oppose …" is answered by a poll's share; "how many troops" is not.
        about_people = re.search(
            r"\b(americans?|japanese|people|public|respondents|voters|citizens)\b",
            self.q.text,
        )
        wants_count = question.startswith("how many") and not about_people
        wants_money = bool(_ASKS_MONEY.search(self.q.text))
        first = self.kb.get(result.entries[0].id, Fact) if result.entries else None
        lead = self.kb.get(result.entries[0].id) if result.entries else None
        if lead is not None and first is None and not _gives_a_figure(lead, question):
            # A term or event that names what was asked ("PAC-3") but states no number is not
            # how many of it there are.
            return False
        if figures.asks_ordinal(question) and not (
            first is not None and _ORDINAL.match(fold(first.value or ""))
        ):
            # "what number G7 summit was Hiroshima": the summit's date is not its place in
            # the series, and neither is an event that states none.
            return False
        if (had := figures.possessed(question)) and not (first and _figure_of(first, *had)):
            # "how many tiltrotors does the US Air Force fly": the crash's "eight crew killed"
            # counts no aircraft; only a figure of the thing had is how many there are.
            return False
        if first is not None and not first.value:
            # A fact with no figure ("the US would set up a regiment in Okinawa") does not say
            # how many: offered, not given as the number — unless its own names are what was
            # asked ("how many tomahawks": the fact that the articles give no number).
            about = self.kb.index.text(question, among=[first.id], limit=1)
            if not about or about[0].name_coverage < COVERED:
                return False
        for scored in result.entries:
            fact = self.kb.get(scored.id, Fact)
            is_share = fact is not None and _states_share(fact)
            if (wants_share and not is_share) or (
                wants_count
                and fact
                and fact.value
                and ("%" in fact.value or _ORDINAL.match(fold(fact.value)))
            ):
                # A share or a rank ("the third meeting") is not how many of something.
                return False
            if (
                fact
                and _POLLED.search(fold(fact.claim))
                and not (wants_share or about_people or _OPINION.search(self.q.text))
            ):
                # "how much is the defense buildup": a poll's share of people who back it is
                # not its size; a poll's figure answers what people think, or a share asked.
                return False
            if (
                wants_money
                and fact
                and fact.value
                and not _is_money(fact.value)
                and not _SPENT.search(fold(fact.claim))
            ):
                # "how much does Japan pay for US bases": a poll's "63%" of Americans is no
                # sum paid; an amount, or a share of a budget or of GDP, is.
                return False
            if wants_count and fact and _is_money(fact.value) and not _is_money(self.q.text):
                # "how many members does the LDP have": "millions of dollars" is no head count.
                return False
        return True

    def year_premise(self, subject: str) -> Answer | None:
        """ "was Abe killed in 2021": a wrong year outweighs the rest of a short yes/no, but it
        is a premise to check (`found` says the entry's own year), not a word the entry must
        have. Tried only when the question with it finds nothing, and when it names no place
        the articles don't: two premises off is another story."""
        if not _YEAR_ASKED.search(subject) or self._unknown_places(subject):
            return None
        undated = _YEAR_ASKED.sub(" ", subject)
        if not self._one_year(undated):  # first: it is one search, the retry many
            return self._whole_story(undated)
        retried = self.free(undated, settle=True)
        if retried.status != "answer" or any("place this at" in str(p) for p in retried.note):
            return None
        # The year must be the only thing off: the entry covers the rest of the question (the
        # Japan–Florida memo is not "a US-Japan trade deal", in 2024 or any year).
        lead = self.kb.index.text(undated, among=[retried.entries[0].id], limit=1)
        return retried if lead and lead[0].coverage >= COVERED else None

    def _whole_story(self, text: str) -> Answer | None:
        """ "is the Futenma move supposed to be done by 2030": where the entries that could
        settle a yes/no are dated in several years (the missed 2022 date, the 2035 one), an
        entry of the latest of them that states every one of those years tells the whole
        story as it stands now, and settles it with its date. None if none does."""
        close = [
            (m, entry, when.year)
            for m in self.kb.index.text(text, limit=10)
            if m.coverage >= SETTLE
            and m.name_coverage >= ABOUT
            and (entry := self.kb.get(m.entry_id)) is not None
            and (when := _date_of(entry)) is not None
        ]
        years = {str(year) for _, _, year in close}
        if len(years) < 2:
            return None
        latest = max(year for _, _, year in close)
        whole = [
            (m, entry)
            for m, entry, year in close
            if year == latest and years <= set(re.findall(r"\d{4}", entry.search_text()))
        ]
        if not whole or not self._has_keys(text, whole[0][0]):
            return None
        match, entry = whole[0]
        when = _date_of(entry)
        note = (f"the articles date this {when.year}",) if when else ()
        return self.found(_Found((entry,), (round(100 * match.coverage, 1),), note))

    def _one_year(self, text: str) -> bool:
        """Whether the entries that could settle `text` are all dated in one year: "the Futenma move done by 2030" matches the missed 2022 date and the 2035
        one, and "Kishida's Washington visit" two visits, so a wrong year asked about them
        cannot say which was meant."""
        years = {
            when.year
            for m in self.kb.index.text(text, limit=10)
            if m.coverage >= SETTLE
            and m.name_coverage >= ABOUT
            and (entry := self.kb.get(m.entry_id)) is not None
            and (when := _date_of(entry)) is not None
        }
        return len(years) <= 1

    def _in_months(self, entry_id: str, months: frozenset[int]) -> bool:
        """Whether the entry is dated in one of `months` (any, when none is asked)."""
        if not months:
            return True
        entry = self.kb.get(entry_id)
        when = _date_of(entry) if entry is not None else None
        return when is not None and when.month in months

    def _fits_years(self, entry_id: str, years: set[int]) -> bool:
        """A question naming a year is not answered by an entry dated in another one: "the
        2024 G7 summit" is not the 2023 one (a false premise gets no "yes")."""
        if not years:
            return True
        entry = self.kb.get(entry_id)
        date = getattr(entry, "date", None)
        if date is None:
            return True
        end = getattr(entry, "end", None) or date
        if any(date.year <= y <= end.year for y in years):
            return True
        # "the second-highest support since 2002": a year the entry itself states.
        words = set(re.findall(r"\d{4}", entry.search_text())) if entry is not None else set()
        return all(str(y) in words for y in years)

    def _unknown_acronym(self) -> bool:
        """Whether the question has a word typed in capitals that no entry, name or lexicon
        phrase uses ("QUADD", "III")."""
        typed = re.findall(r"[A-Za-z]{2,}", self.q.asked)
        if sum(w.isupper() for w in typed) * 2 > len(typed):
            return False  # a question typed all in capitals marks no acronym
        index = self.kb.index
        said = _lexicon_words(self.kb)
        return any(
            not index.knows(a)
            and a not in said
            # "CV-22" is one word: its letters are not an acronym of their own.
            and re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", self.q.text)
            for a in self.q.acronyms
        )

    def _goes_there(self, text: str, entry_id: str) -> bool:
        """Where a visit goes and which numbered thing ("Pillar 1") is asked are the entry's
        own; in a yes/no a number is a premise to check, so it is not required there."""
        entry = self.kb.get(entry_id)
        if entry is None:
            return False
        names, own = self._folded_text(entry)
        if self.q.form != "yesno" and not numerals_fit(text, own):
            return False
        if not _sides_named(text, names):
            return False
        return goes_there(text, names, own)

    def _dated(self, entry_id: str) -> bool:
        entry = self.kb.get(entry_id)
        return entry is not None and getattr(entry, "date", None) is not None

    # dates ------------------------------------------------------------------------------------
    def on_date(self, q: Question) -> Answer:
        if q.date_error:
            return self.reply(
                "error",
                line(
                    f"{q.date_error}. Try a date like ",
                    Code("Nov 29"),
                    ", ",
                    Code("29 November 2023"),
                    " or ",
                    Code("2023-11-29"),
                    ".",
                ),
            )
        if q.month is not None and q.day is not None:
            return self.on_day(q.month, q.day, q.year)
        if q.year is None:
            return self.reply(
                "error", line("I couldn't read a date there. Try ", Code("on Nov 29"), ".")
            )
        month = q.month
        first = dt.date(q.year, month or 1, 1)
        last = dt.date(q.year, month or 12, calendar.monthrange(q.year, month or 12)[1])
        label = f"{calendar.month_name[month]} {q.year}" if month else str(q.year)
        events = self.kb.events_between(first, last)
        if not events:
            return self.reply("no_match", line(f"I have no events dated in {label}."))
        heading = line(Strong(label), f" — {len(events)} event{'s' if len(events) != 1 else ''}:")
        return self.found(_Found(tuple(events), (100.0,) * len(events)), heading)

    def in_period(self, period: Period) -> Answer:
        """Events dated within a span: a season, part of a month or year, last week."""
        if self.q.form == "period" and _HOW_OFTEN.match(self.q.topic):
            # "over the last four months of 2023, how often did the ministers meet": a count
            # asked within the span is the fact that gives it, when one does.
            counted = self.figure(self.q.topic)
            if counted.status == "answer":
                return counted
        # An event dated only to its month counts in part of that month ("early January 2024"),
        # but an event known only to the year is not in every season of it.
        span = max((period.last - period.first).days, 31)
        events = [
            e
            for e in self.kb.events_between(
                period.first - dt.timedelta(days=span), period.last + dt.timedelta(days=span)
            )
            if (e.end or e.date).last_day() >= period.first
            and e.date.first_day() <= period.last
            and ((e.end or e.date).last_day() - e.date.first_day()).days <= span
            # One day ("what was signed 10 days ago") is not in every event of its month.
            and (not period.one_day or e.date.precision == "day")
        ]
        # Events known to the day inside the span come first; one known only to its month may
        # fall outside "late October", so it follows them (a stable sort keeps date order).
        events.sort(
            key=lambda e: (
                not (
                    e.date.precision == "day"
                    and period.first <= e.date.first_day()
                    and (e.end or e.date).last_day() <= period.last
                )
            )
        )
        if events and self.q.topic and self.q.form == "period":
            # Only what the topic names: "Henoko news in late 2023" is not every event then.
            fits = {
                m.entry_id: m
                for m in self.kb.index.text(
                    self.q.topic, among=[e.id for e in events], limit=len(events)
                )
            }
            # A person the topic names must be in the event: Komura's memorandum is not "what
            # did Kishida sign in October 2023".
            people = _person_words(self.kb)
            on_topic = [
                e
                for e in events
                if e.id in fits
                and fits[e.id].coverage >= SETTLE
                and not any(w in people for w in self._missing_words(self.q.topic, e.id))
                # Nor may a country: talks with "a third country" are not the Korean meetings.
                and not self._lacks_country(self.q.topic, fits[e.id])
                # "who won Taiwan's election in January 2024": an event that names no one
                # does not say who.
                and (e.people or not _WHO_TOPIC.match(self.q.topic))
            ]
            if not on_topic:
                # Suggested: the span's events that share a word with the topic, the nearest
                # first, else all of them; none when the topic has a word no entry uses ("Taylor
                # Swift in late 2023" has no lead in the cabinet shuffle).
                near = sorted(fits.values(), key=lambda m: -m.coverage)
                index = self.kb.index
                return self.unknown(
                    pieces(self._quoted(self.q.topic), f" in {period.label}"),
                    [e for m in near if (e := self.kb.get(m.entry_id)) is not None]
                    or [e for e in events if all(map(index.knows, search_words(self.q.topic)))],
                )
            # Equal cover: what the event is about (its title) before what it mentions.
            on_topic.sort(key=lambda e: (-fits[e.id].coverage, -fits[e.id].name_coverage))
            events = on_topic
        if not events:
            nearest = self.kb.nearest_dates(period.first)
            if not nearest:
                return self.reply("no_match", line(f"I have no events dated in {period.label}."))
            return self.reply(
                "suggestions",
                line(f"I have no events dated in {period.label}. The nearest dated events:"),
                wording.bullet_list(self.kb, nearest, 6),
                suggestions=nearest[:6],
            )
        heading = line(
            Strong(period.label), f" — {len(events)} event{'s' if len(events) != 1 else ''}:"
        )
        if len(events) == 1:
            return self.found(_Found(tuple(events), (100.0,)))
        return self.found(_Found(tuple(events), (100.0,) * len(events)), heading)

    def on_day(self, month: int, day: int, year: int | None, *, today: bool = False) -> Answer:
        label = f"{day} {calendar.month_name[month]}" + (f" {year}" if year else "")
        events = _day_list(self.kb, month, day, self.today, year)
        if events:
            lead = "On this day" if today else "On"
            heading = line(Strong(f"{lead} — {label}" if today else f"{lead} {label}"), ":")
            found = _Found(tuple(events), (100.0,) * len(events))
            if len(events) == 1:
                return self.found(found)
            # A list cut at LIST_LIMIT says how to see the rest: the same day in one year.
            example = f"on {calendar.month_abbr[month]} {day} {events[0].date.year}"
            narrow = () if year else ("Add a year to see fewer: ", Code(example), ".")
            return self.found(found, heading, pieces(narrow))
        if year is not None:
            nearest: list[Entry]
            try:
                nearest = list(self.kb.nearest_dates(dt.date(year, month, day)))
            except ValueError:
                nearest = []
        else:
            before, after = self.kb.nearest_days(month, day)
            nearest = _unique(
                [
                    *(self.kb.events_on(*before) if before else ()),
                    *(self.kb.events_on(*after) if after else ()),
                ]
            )
        if not nearest:
            return self.reply(
                "no_match", line(f"Nothing in the knowledge base happened on {label}.")
            )
        return self.reply(
            "suggestions",
            line(f"Nothing in the knowledge base happened on {label}. The nearest dated events:"),
            wording.bullet_list(self.kb, nearest, 6),
            suggestions=nearest[:6],
        )

    # matching ---------------------------------------------------------------------------------
    def _lookup(self, phrase: str, *, roles: bool, limit: int, cutoff: float) -> list[NameMatch]:
        """`NameTable.lookup` of the names (or, with `roles`, of the role titles), memoised."""
        key = (roles, phrase, limit, cutoff)
        found = self._lookups.get(key)
        if found is None:
            if roles:
                found = self.kb.index.roles.lookup(
                    phrase, cutoff=cutoff, scorer=_role_score, limit=limit
                )
            else:
                found = self.kb.index.names.lookup(phrase, limit=limit, cutoff=cutoff)
            self._lookups[key] = found
        return list(found)

    def _missing_words(self, text: str, entry_id: str) -> list[str]:
        """`SearchIndex.missing`, memoised."""
        key = (text, entry_id)
        found = self._missing.get(key)
        if found is None:
            found = self._missing[key] = self.kb.index.missing(text, entry_id)
        return list(found)

    def names(
        self, phrase: str, kinds: Sequence[Kind] | None, *, strip_titles: bool = False
    ) -> list[NameMatch]:
        phrases = [phrase]
        if strip_titles:
            bare = _strip_titles(phrase)
            if bare and bare != name_key(phrase):
                phrases.append(bare)
        best: dict[str, NameMatch] = {}
        for candidate in phrases:
            for match in self._lookup(candidate, roles=False, limit=10, cutoff=SUGGEST - 10):
                if kinds is not None and self.kb.index.kind_of(match.entry_id) not in kinds:
                    continue
                score = max(
                    match.score, _typo_score(name_key(candidate), match.name, self.q.acronyms)
                )
                if CONFIDENT <= score < 100 and _another_word(name_key(candidate), match.name):
                    # "the best prime minister" is not "Prime Minister Abe": a word in place of
                    # another that is no typo of it names someone else; it is only suggested.
                    score = min(score, CONFIDENT - 1)
                if score >= CONFIDENT and distinct_names(
                    name_key(candidate), match.name, premise=self.q.form == "yesno"
                ):
                    # "AUKUS Pillar III" is not Pillar II: a name one numeral, letter or
                    # qualifier away from a known one is offered, never given as the answer.
                    score = min(score, CONFIDENT - 1.0)
                if score >= CONFIDENT and _acronym_unmatched(
                    name_key(candidate), match.name, self.q.acronyms
                ):
                    # "AUKAS Pillar 2" is not AUKUS Pillar II: a word typed in capitals is an
                    # acronym, matched exactly, however close the rest of the name is.
                    score = min(score, CONFIDENT - 1.0)
                if match.entry_id not in best or best[match.entry_id].score < score:
                    best[match.entry_id] = NameMatch(match.entry_id, score, match.name)
        return sorted(best.values(), key=lambda m: (-m.score, m.entry_id))

    def decide(self, matches: list[NameMatch], phrase: str) -> _Found | None:
        """The confidently matched entries, or None when nothing is close enough."""
        if not matches or matches[0].score < CONFIDENT:
            return None
        top = matches[0].score
        tied = [m for m in matches if m.score >= CONFIDENT and top - m.score <= TIE]
        # Equally named: the entry that is called this ("the Entity List" term) before one
        # that is only also called so (the export-controls event with it as an alias).
        # Then a term, which says what the name is ("IPEF", "EDD"), before an occasion that
        # also goes by it (the IPEF leaders' meeting).
        own = {m.entry_id for m in tied if (e := self.kb.get(m.entry_id)) and _called(e, m.name)}
        terms = {m.entry_id for m in tied if isinstance(self.kb.get(m.entry_id), Term)}
        tied.sort(
            key=lambda m: (-m.score, m.entry_id not in own, m.entry_id not in terms, m.entry_id)
        )
        entries = tuple(e for e in (self.kb.get(m.entry_id) for m in tied) if e)
        matched: Words = ()
        if len(tied) == 1 and tied[0].score < 100:
            matched = pieces("matched ", self._quoted(phrase), f" → {entries[0].label}")
        return _Found(entries, tuple(m.score for m in tied), matched)

    def suggestions(
        self, phrase: str, matches: list[NameMatch], kinds: Sequence[Kind]
    ) -> list[Entry]:
        """Close names first, then entries whose name shares a word with the phrase."""
        ids = [m.entry_id for m in matches if m.score >= SUGGEST]
        ids += self.kb.index.names.sharing_a_word(_strip_titles(phrase) or phrase)
        found = (self.kb.get(i) for i in ids)
        return [e for e in found if e is not None and e.kind in kinds]


# "who was foreign minister before Kamikawa", "who became foreign minister after Hayashi",
# "who replaced Hayashi (as foreign minister)", "who did Kamikawa succeed".
_EARLIER = (
    "before", "prior to", "preceded", "preceding", "ahead of", "predecessor", "came before",
    "was before",
)  # fmt: skip
_SUCCESSION = re.compile(
    r"^(?:who|which person)\s+(?:was|is|became|had been|served as|held the job of)\s+"
    r"(?P<role>.+?)\s+(?P<dir>before|prior to|preceding|after|following)\s+(?P<name>[\w' -]+?)$"
)
_SUCCEEDED = re.compile(
    r"^who\s+(?:(?P<dir>replaced|succeeded|took over from|came after|followed|preceded"
    r"|came before|was before)"
    # "as prime minister", "at the foreign ministry" (the office by its ministry); a year after
    # it is when the change came, not part of the role.
    r"\s+(?P<name>[\w' -]+?)(?:\s+(?:as|at)\s+(?P<role>.+?))?)(?:\s+in\s+(?:19|20)\d\d)?$"
)
# A holder still to come: "who will be the next PM", "who's next as foreign minister", "who
# will succeed Kishida".
_WILL = r"(?:will|would|might|could|is going to|'s going to|is gonna|'s gonna|is likely to)"
_NEXT_HOLDER = re.compile(
    rf"^who(?:'s| is| {_WILL} (?:be|become))?\s+(?:the )?next\s+(?:as\s+|in line (?:as|for)\s+)?"
    r"(?P<role>.+?)(?:\s+after\s+[\w' -]+)?$"
    rf"|^who {_WILL} (?:succeed|replace|take over from|follow|come after)\s+"
    r"(?P<name>[\w' -]+?)(?:\s+as\s+.+)?$"
)
_MINISTRY = re.compile(r"\bministry\b")
# A verb that takes something to a place, the articles' word or not ("sent", "stationed").
_MOVED = re.compile(r"\w+(?:ed|ing)|sent|went|gone|flown|flew|put|held|met|based|go|goes|be")

# "who was Kishida's predecessor (as prime minister)".
_PREDECESSOR = re.compile(
    r"^who\s+(?:was|is|were)\s+(?P<name>[\w -]+?)'s\s+(?P<dir>predecessor|successor)"
    r"(?:\s+as\s+(?P<role>.+?))?$"
)

# "is Kishida the prime minister": where a role follows a name without "the", it must end like
# a title does.
_ROLE_ENDS = (
    "minister", "secretary", "president", "ambassador", "commander", "chairman", "chancellor",
    "governor", "speaker", "advisor", "adviser", "representative", "envoy", "leader", "chief",
)  # fmt: skip
_TITLE = re.compile(
    rf"\b(?:{'|'.join(_ROLE_ENDS)})(?: (?:of|to|for) (?:the )?[\w'.-]+(?: [\w'.-]+){{0,2}})?$"
)
_A_TIME = re.compile(
    r"\b(?:in|during|as of|on|since|until|before|after|when|at the time|back then|then|ago"
    r"|still|now|yet|anymore|any more|(?:19|20)\d\d)\b"
)
# A year a yes/no names ("in 2021", "by 2030"): a premise, checked against the entry's date.
_YEAR_ASKED = re.compile(r"(?:\b(?:in|by|during|of|since|before|after) )?\b((?:19|20)\d\d)\b")
_MONTH_WORD = re.compile(
    r"\b(?:in |of )?(?:january|february|march|april|may|june|july|august|september|october"
    r"|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b(?! \d{1,2}\b)"
)
_MONTH_NUMBER = (
    {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
    | {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
    | {"sept": 9}
)


def _asked_months(text: str) -> frozenset[int]:
    """The months a question names without a day ("in July 2023"), as numbers."""
    found = (m.group(0).split()[-1] for m in _MONTH_WORD.finditer(text))
    # "may" is a month only before a year: "may 2023", not "Japan may buy".
    return frozenset(
        _MONTH_NUMBER[w] for w in found if w != "may" or re.search(r"\bmay (?:19|20)\d\d\b", text)
    )


_PLAIN = re.compile(r"\b(?:normal|regular|usual|ordinary|standard|plain|traditional) ")
_TAKING_PART = re.compile(
    r"(?:the )?(?:\w+ )?(?:leaders|ministers|people|officials|participants|attendees"
    r"|delegates|heads of state|countries|parties|signatories)"
)
_ORDER = re.compile(r"\b(?:before|after|first|earlier|later|sooner|order)\b")
# "which was higher", "which number is bigger", "more or fewer": two figures ranked by size.
_MAGNITUDE = re.compile(
    r"\b(?:higher|highest|bigger|biggest|larger|largest|greater|lower|lowest|smaller|smallest"
    r"|more|most|less|fewer|least)\b"
)
_LOWER = re.compile(r"\b(?:lower|lowest|smaller|smallest|less|fewer|least)\b")
# A figure stated plainly ("63%", "66% favorable", "55% oppose"): its number and its unit.
_PLAIN_FIGURE = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>%|percent)(?: [a-z]+)?$")


def _plain_figure(entry: Entry) -> tuple[float, str] | None:
    value = entry.value if isinstance(entry, Fact) else None
    plain = _PLAIN_FIGURE.match(value.strip().lower()) if value else None
    return (float(plain["n"]), "%") if plain else None


_DIFFERENCE = re.compile(r"\b(?:differ\w*|same (?:thing|idea|as)|distinguish)\b")


# How the articles' entries state a reason or purpose: "because", "so as to", "to head off
# protests", "aim", "shocked … persuaded". An entry with none of these tells what, not why.
_REASON = re.compile(
    r"\b(?:because|so as to|in order to|so that|aim(?:s|ed)?|purpose|meant to|intended to"
    r"|reasons?|due to|amid|as a result|given|prompted|convinc\w*|persuad\w*|shock\w*"
    r"|necessar\w*|necessitat\w*|led to|driven|motivat\w*|ahead of|in response|respond"
    r"|after|critics?|fail(?:ed|ure)|so (?:it|they|that|japan|the us) can"
    # What is at stake: "the stakes for Japan are huge", "would gravely affect Japan".
    r"|why|stakes|consequences|gravely affect\w*"
    r"|to (?:head off|thwart|counter|lift|focus|refill|deter|line up|show|ensure|prepare"
    r"|avoid|strengthen|take on|boost|protect|safeguard|bring|replace|concentrate|win|curb"
    r"|enhance|respond|keep|make it|match|close|reduce|stop|prevent|address))\b"
)


# The reasons `_REASON` finds that say why rather than when ("after", "amid", "ahead of" are
# also times): an entry the question does not name must give one of these to explain it.
_CAUSE = re.compile(
    r"\b(?:because|so as to|in order to|so that|aim(?:s|ed)?|purpose|meant to|intended to"
    r"|reasons?|due to|as a result|prompted|forced|necessit\w*|led to|driven|motivat\w*"
    r"|to (?:head off|thwart|counter|deter|ensure|prevent|replace|avoid|protect|address))\b"
)
# A thing's name asked for by describing it: "the term for …", "… called".
_CALLED = re.compile(r"^(?:the )?(?:name|term|word|phrase) (?:for|of) |\s+(?:is )?called$")
# How the articles state the manner of something: "partly by widening", "by striking".
_MANNER = re.compile(r"\b(?:(?:partly |mainly |largely )?by \w+ing|by means of|through \w+ing)\b")
# Words after which the articles give an effect of what came before: "Russia's invasion
# shocked many Japanese … persuaded them" explains the Japanese public's support, not the war.
_CAUSE_FIRST = re.compile(r"\b(?:shock\w*|persuad\w*|convinc\w*|prompt\w*|led to)\b")


def _explains(entry: Entry, subject: str) -> bool:
    """False when what a why question asks about is only the cause in the entry, not what
    the entry explains (its words all come before a "shocked"/"persuaded" turn)."""
    body = fold(
        getattr(entry, "claim", None) or getattr(entry, "summary", None) or entry.search_text()
    )
    turn = _CAUSE_FIRST.search(body)
    if turn is None:
        return True
    stems = {w[:4] for w in re.findall(r"[a-z]{3,}", subject) if w not in STOPWORDS}
    before = {w[:4] for w in re.findall(r"[a-z]{3,}", body[: turn.start()])}
    after = {w[:4] for w in re.findall(r"[a-z]{3,}", body[turn.start() :])}
    asked = stems & (before | after)
    return not asked or bool(asked & after - before) or not asked <= before


def _only_a_description(text: str, people: frozenset[str]) -> bool:
    """Whether the text is only a description of a person ("the Japanese ambassador", "the
    expert at the Heritage Foundation"), with nothing after it but who they are or what the
    role is of: "the defense minister meeting" is not. `people`: the words of people's names."""
    match = DESCRIPTION.match(_strip_articles_keep(text))
    if not match:
        return False
    rest = text[match.end() :] if text.startswith(match[0]) else ""
    if not rest.strip() or re.match(r"\s+(?:who|that|whom)\b", rest):
        return True  # "the general who met Kihara" asks for a person, not Kihara's entry
    if (named := re.match(r"\s+(\w+)\s+\w", rest)) and named[1] in people:
        return True  # … and so does "the Philippine defense secretary Blinken met"
    tail = _ROLE_TAIL.match(rest) or _TO_TAIL.match(rest)
    return bool(tail and not rest[tail.end() :].strip())


_TO_TAIL = re.compile(r"\s+to (?:the )?[\w' &+-]+?(?=\s*[,;:?!]|$)")


def _strip_articles_keep(text: str) -> str:
    return text.strip()


def _ungeneric(text: str) -> str:
    """The text without the nouns that only say a person is meant ("the guy who …")."""
    return _strip_articles(" ".join(_GENERIC.sub(" ", text).split()))


def _key_word(index: SearchIndex, word: str) -> bool:
    """A word a question is about, not its frame: a name, an acronym, a figure, or a word the
    articles never use (what the question asks about that nothing here covers)."""
    if any(c.isdigit() for c in word) or not index.knows(word):
        return True
    # A name's word is telling when few entries use it: "Yakushima", not "base" or "Japan".
    # One the articles also write in lower case is an ordinary word ("base", "fleet").
    return (
        index.names.has_token(word)
        and index.share_using(word) <= KEY_SHARE
        and not (KEY_ORDINARY and word in index.ordinary_words)
    )


# A place as a title names one: a capitalised name after "in", "off", "at" ("off Yakushima",
# "in New York"); an acronym there is a meeting ("at APEC", "at a NATO summit"), not a place.
_PLACED = re.compile(
    r"\b(?:in|off|at|near) (?:the )?((?:[A-Z][a-z][\w'.-]*)(?: [A-Z][a-z][\w'.-]*)*)"
)
_PLACED_IN = re.compile(r"\b(?:in|off) ((?:[A-Z][a-z][\w'.-]*)(?: [A-Z][a-z][\w'.-]*)*)")
_MONTH_NAMES = frozenset(m.lower() for m in calendar.month_name if m)


def _place_of(entry: Entry) -> str | None:
    """Where an event's title puts it ("… crashes off Yakushima" → "yakushima"); for another
    entry, the one place its text names after "in" or "off" (the MLR: "station in Okinawa")."""
    if not isinstance(entry, Event):
        placed = (fold(p).strip() for p in _PLACED_IN.findall(entry.search_text()))
        named = {p for p in placed if p.split()[0] not in _MONTH_NAMES}
        return named.pop() if len(named) == 1 else None
    found = _PLACED.findall(entry.title)
    return fold(found[-1]).strip() if found else None


# Each snapshot's tables (word sets, per-entry memos), by the snapshot's id. Only the id is kept,
# never the snapshot: a cache holding it kept every old 100,000-entry snapshot alive after a
# refresh (so the releaser never took it apart). A finalizer removes the tables when the snapshot
# goes, before its id can be reused.
_TABLES: dict[int, dict[str, object]] = {}


def _tables(kb: KnowledgeBase) -> dict[str, object]:
    tables = _TABLES.get(id(kb))
    if tables is None:
        mine: dict[str, object] = {}
        tables = _TABLES.setdefault(id(kb), mine)
        if tables is mine:  # two threads may get here at once; one finalizer is enough
            weakref.finalize(kb, _TABLES.pop, id(kb), None)
    return tables


def _cached(kb: KnowledgeBase, what: str, build: Callable[[], frozenset[str]]) -> frozenset[str]:
    """Word sets worked out once per knowledge base snapshot."""
    tables = _tables(kb)
    words = tables.get(what)
    if words is None:
        words = tables[what] = build()
    return cast(frozenset[str], words)


def _memo(kb: KnowledgeBase, what: str) -> dict[str, object]:
    """A per-snapshot table of values worked out once per entry (a snapshot is immutable)."""
    return cast(dict[str, object], _tables(kb).setdefault("memo:" + what, {}))


def _articles_end(kb: KnowledgeBase) -> dt.date | None:
    """The last day the articles date an event to: how far they go. (A year or a month, such as
    "2027" for a target or "2035" for a completion expected, is a plan, not a report.)"""
    memo = _memo(kb, "articles_end")
    if "" not in memo:
        days = [e.date.last_day() for e in kb.entries.values() if isinstance(e, Event)]
        dated = [
            e.date.last_day()
            for e in kb.entries.values()
            if isinstance(e, Event) and e.date.precision == "day"
        ]
        memo[""] = max(dated) if dated else max(days, default=None)
    return cast(dt.date | None, memo[""])


def prepare_snapshot(kb: KnowledgeBase) -> None:
    """Work out now the tables a question would otherwise build from the whole snapshot on its
    first look (every person's name words, the places events' titles name, ...): a refresh calls
    this before the swap, so the first questions on a new 100,000-entry base don't pay for it."""
    _person_words(kb)
    _people_by_name_part(kb)
    _lexicon_words(kb)
    _title_words(kb)
    _places(kb)
    _articles_end(kb)
    # Role titles' words (200 ms CPU at 100,000 entries): the first "who is the president of
    # France" on a new snapshot built them while it waited (105 ms extra in a refresh).
    _title_tokens(_Asker(kb, Question("free", subject="", asked=""), dt.date.today()))


_WHO_TOPIC = re.compile(r"who(?:m|se)?\b")


def _person_words(kb: KnowledgeBase) -> frozenset[str]:
    """The words of people's names (surnames and given names, longer than two letters)."""
    return _cached(
        kb,
        "people",
        lambda: frozenset(
            w for name in kb.outline.person_names for w in name_key(name).split() if len(w) > 2
        ),
    )


def _name_parts(kb: KnowledgeBase) -> list[tuple[Person, frozenset[str]]]:
    """Every person with the words of their name longer than two letters (once per snapshot)."""
    memo = _memo(kb, "name-parts")
    found = memo.get("")
    if found is None:
        found = [
            (p, frozenset(w for w in name_key(p.name).split() if len(w) > 2))
            for p in kb.of_kind("person")
            if isinstance(p, Person)
        ]
        memo[""] = found
    return cast(list[tuple[Person, frozenset[str]]], found)


def _people_by_name_part(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """`_name_parts` the other way round: each name word with the ids of the people it names
    (once per snapshot), so a question's words find the people it names without reading
    every person (~20,000 at 100,000 entries)."""
    memo = _memo(kb, "people-by-name-part")
    found = memo.get("")
    if found is None:
        ids: dict[str, set[str]] = {}
        for person, parts in _name_parts(kb):
            for part in parts:
                ids.setdefault(part, set()).add(person.id)
        found = memo[""] = {part: frozenset(these) for part, these in ids.items()}
    return cast(dict[str, frozenset[str]], found)


def _lexicon_words(kb: KnowledgeBase) -> frozenset[str]:
    """Every word the lexicon's phrases use ("fm", "ustr", "secdef")."""
    return _cached(
        kb,
        "lexicon",
        lambda: frozenset(
            w for e in kb.lexicon.entries for p in (*e.say, *e.same) for w in name_key(p).split()
        ),
    )


def _title_tokens(asker: _Asker) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    """Each role word with the title words (as `name_key` spells them) that give it, read as
    `_titles_of` and `_whose` read titles, and the people whose titles join two words into one
    ("united states" is "us"), who may carry any word (once per snapshot)."""
    memo = _memo(asker.kb, "title-tokens")
    found = memo.get("")
    if found is None:
        roles = asker.kb.index.roles
        tokens_of: dict[str, list[str]] = {}
        joining: set[str] = set()
        for token in sorted(roles.tokens()):
            # A title's words are read one by one, except "united states": a word may also
            # be spelt as the term it names (`role_key`).
            spelt = asker.role_key(token)
            for word in _role_words(token) | _role_words(spelt):
                tokens_of.setdefault(word, []).append(token)
            if any(w.endswith("united") or w.startswith("states") for w in (token, spelt)):
                joining.update(roles.entries_with_token(token))
        found = ({w: tuple(t) for w, t in tokens_of.items()}, frozenset(joining))
        memo[""] = found
    return cast(tuple[dict[str, tuple[str, ...]], frozenset[str]], found)


def _title_words(kb: KnowledgeBase) -> frozenset[str]:
    """Every word of every role title, as `_role_words` reads them."""
    return _cached(
        kb,
        "titles",
        lambda: frozenset().union(*(_role_words(name_key(t)) for t in kb.outline.role_titles)),
    )


def _places(kb: KnowledgeBase) -> frozenset[str]:
    """The last word of every place an event's title names: "york", "tokyo", "yakushima"."""
    return _cached(kb, "places", lambda: _find_places(kb))


def _find_places(kb: KnowledgeBase) -> frozenset[str]:
    # A month is a time, and "met with Kishida's …" names a person. (One union, not one per
    # place found: it is ~20,000 words at 100,000 entries.)
    not_places = STOPWORDS | _NOT_PLACES | _person_words(kb)
    outline = kb.outline
    words = set()
    for title, summary in zip(outline.event_titles, outline.event_summaries, strict=True):
        # Summaries name more places than titles do ("in Okinawa").
        for place in _PLACED.findall(title) + _PLACED_IN.findall(summary):
            last = fold(place).split()[-1].rstrip(".").removesuffix("'s")
            if last and last not in not_places:
                words.add(last)
    return frozenset(words)


_NOT_PLACES = frozenset(
    [m.lower() for m in calendar.month_name[1:]]
    + [d.lower() for d in calendar.day_name]
    + ["sept", "dec", "nov", "oct", "jan", "feb", "aug"]
)


def _years(text: str) -> frozenset[str]:
    return frozenset(_YEAR.findall(text))


def _asked_years(text: str) -> set[int]:
    """The years a question names as whole words ("in 2023"), as numbers."""
    return {int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", text)}


def _without(text: str, words: frozenset[str]) -> str:
    return " ".join(w for w in text.split() if w not in words)


def _strip_articles(phrase: str) -> str:
    phrase = phrase.strip()
    lowered = phrase.lower()
    for article in _ARTICLES:
        if lowered.startswith(article):
            return phrase[len(article) :].strip()
    return phrase


def _strip_titles(phrase: str) -> str:
    """The phrase without leading titles: "Prime Minister Kishida" -> "kishida"."""
    key = name_key(phrase)
    changed = True
    while changed:
        changed = False
        for title in _TITLES:
            if key.startswith(title + " "):
                key = key[len(title) + 1 :]
                changed = True
    return key


def _typo_score(query: str, name: str, exact: frozenset[str] = frozenset()) -> float:
    """90 when every word of the query is a plausible typo of a word of the name, in any order.

    rapidfuzz's ratio punishes one wrong letter in a short name ("blinkin" scores 85.7 against
    "blinken"), so a word-by-word edit distance decides typos instead: one edit from five letters,
    two from nine, two letters swapped being one edit ("kishdia", "hmaada"). Shorter words must be
    exact, so "Kim" never becomes "Kin", and so must words typed as acronyms ("STRATCON" is not a
    typo of "Stratton").
    """
    asked, known = query.split(), name.split()
    if not asked or len(asked) != len(known):
        return 0.0
    remaining = list(known)
    for word in sorted(asked, key=len, reverse=True):
        allowed = 0 if len(word) < 5 or word in exact else (1 if len(word) < 9 else 2)
        best = min(
            remaining,
            key=lambda k: OSA.distance(word, k),
        )
        if OSA.distance(word, best, score_cutoff=allowed + 1) > allowed:
            return 0.0
        remaining.remove(best)
    return CONFIDENT


def _acronym_unmatched(query: str, name: str, acronyms: frozenset[str]) -> bool:
    """Whether a word typed as an acronym stands where the matched name has another word
    close to it in spelling ("AUKAS" where the name says "aukus"): a near miss, not a typo."""
    asked, words = query.split(), name.split()
    return any(
        OSA.distance(a, k) <= (1 if len(a) < 6 else 2)
        for a in asked
        if a in acronyms and a not in words
        for k in words
        if k not in asked
    )


_NAME_PARTS = re.compile(r"[\s-]+")


def _another_word(query: str, name: str) -> bool:
    """Whether the query has a word where the name has another that it is no typo of. One
    country is never a typo of another ("the Japan-UK security treaty" is not the Japan-US
    one), so the words of a hyphenated name are compared one by one."""
    asked, known = set(_NAME_PARTS.split(query)), set(_NAME_PARTS.split(name))
    extra, missing = asked - known, known - asked
    if not extra or not missing:
        return False
    return not any(
        (
            not (stem(a) in _COUNTRIES and stem(k) in _COUNTRIES)
            and OSA.distance(a, k) <= (1 if len(a) < 9 else 2)
        )
        or a.startswith(k)
        or k.startswith(a)
        or _abbreviates(a, k)
        for a in extra
        for k in missing
    )


def _called(entry: Entry, name: str) -> bool:
    """Whether `name` (a name key) is the entry's own name, or its term's expansion."""
    own = [entry.label, *([entry.expansion] if isinstance(entry, Term) and entry.expansion else [])]
    return any(name_key(o) == name for o in own)


def _abbreviates(short: str, word: str) -> bool:
    """ "grp" for "group", "govt" for "government": the first letter and the rest in order."""
    if len(short) < 3 or len(short) >= len(word) or short[0] != word[0]:
        return False
    rest = iter(word[1:])
    return all(ch in rest for ch in short[1:])


def _role_score(query: str, title: str, **_: object) -> float:
    """How well a role title answers "who is the <query>".

    Every word asked for must be in the title ("foreign minister" is in "Foreign Minister of
    South Korea"); among titles that have them all, the one with fewest other words wins. Words
    are compared as `_role_words` reads them, so "Aussie", "Japanese" and "Philippine" are the
    countries the titles name. "head" ("who heads X", "the head of X") is the title's top rank;
    a rank of the same office under another name ("foreign secretary" for a minister) counts,
    but below the rank itself, so an exact title still wins.
    """
    asked, known = _role_words(query), _role_words(title)
    if not asked:
        return 0.0
    alike = 0
    for word in asked - known:
        if word in _HEAD and known & _TOP_RANKS:
            continue
        if known & _ALIKE.get(word, frozenset()):
            alike += 1
            continue
        return 0.0
    # An assistant commandant is not the commandant: a junior rank must be asked for.
    if (known & _JUNIOR) - asked:
        return 0.0
    # "ambassador to the US" is not "ambassador to Japan": where the query says to whom, the
    # title must say the same.
    to = re.search(r"\bto (.+)$", query)
    if to and f"to {to.group(1)}" not in title:
        return 0.0
    # "the Japanese ambassador" is not the US Ambassador to Japan: a country asked without
    # "to" is whose the role is, named before any "to" in the title.
    if not to and " to " in title and asked & _COUNTRIES - _role_words(title.split(" to ")[0]):
        return 0.0
    if _other_side(query, title):
        return 0.0
    return 80.0 + 20.0 * len(asked) / len(known) - 5.0 * alike


_HEAD_OF_TITLE = re.compile(r"\s+(?:of|to|for|on|at|from|in|with|who|that)\s+", re.IGNORECASE)


def _other_side(asked: str, title: str) -> bool:
    """ "the US chair of CULCON" is not its Japan Chair: a country named with the rank, before
    "of", says whose side the holder is on, and a title naming another there is not theirs."""
    asked_side = _side_asked(asked)
    title_side = _side_held(title)
    return bool(asked_side and title_side and not asked_side <= title_side)


@lru_cache(maxsize=4096)
def _side_asked(asked: str) -> frozenset[str]:
    """The countries a question names with a side's rank (per text: `_role_score` asks it of
    every title a lookup weighs)."""
    asked_key = name_key(asked)
    # "the chair of the US side of CULCON": the side named with its country.
    side = re.search(r"\b((?:\w+ )?\w+) side\b", asked_key)
    head = _role_words(side[0] if side else _HEAD_OF_TITLE.split(asked_key, maxsplit=1)[0])
    # "the German think tank expert": the body's country, not a side.
    return head & _COUNTRIES if head & _SIDE_RANKS else frozenset()


@lru_cache(maxsize=8192)
def _side_held(title: str) -> frozenset[str]:
    """The countries a title names before its "of", "to" or "at": whose side the holder is on."""
    return _role_words(_HEAD_OF_TITLE.split(name_key(title), maxsplit=1)[0]) & _COUNTRIES


# The ranks that hold one side of something two countries share: a chair, an envoy.
_SIDE_RANKS = frozenset(
    {"chair", "chairman", "chairwoman", "co-chair", "cochair", "side", "ambassador", "envoy"}
    | {"delegate", "delegation", "representative", "head"}
)


# "the Japan-China summit", "the Japan and India talks": the countries a meeting is between.
_BETWEEN = re.compile(
    r"\b(?P<sides>(?:[a-z]+(?:-| and | )){1,3}[a-z]+) (?:summit|meeting|meet|talks|dialogue"
    r"|call|visit|agreement|deal|pact|trilateral|bilateral|ministerial|ties|framework"
    r"|partnership|exercise|drills|relations)\b"
)
_ALLIANCE = frozenset({stem("us"), stem("japan")})


def _sides_named(text: str, names: str) -> bool:
    """Whether every country other than the alliance's own that the question puts on a side of
    a meeting ("the Japan-China summit") is in the entry's names: an entry that only mentions
    China ("criticism of Russia, China …" in a quote from a US-Japan summit) is not a summit
    with China. The US and Japan are a side of nearly every entry, so they are not required."""
    asked = _sides_asked(text)
    return not asked or asked <= _role_words(_BRITAIN.sub("uk", names))


@lru_cache(maxsize=1024)
def _sides_asked(text: str) -> frozenset[str]:
    """The countries other than the US and Japan that `text` puts on a side of a meeting."""
    asked: set[str] = set()
    for match in _BETWEEN.finditer(text):
        words = _BRITAIN.sub("uk", " ".join(re.split(r"-| and | ", match["sides"])))
        asked |= {c for c in _role_words(words) if c in _COUNTRIES} - _ALLIANCE
    return frozenset(asked)


_BRITAIN = re.compile(r"\b(?:britain|british|great britain|united kingdom|brits?)\b")


def _ranks(person: Person) -> frozenset[str]:
    """The words of all a person's titles, as `_role_words` reads them."""
    return frozenset().union(*(_role_words(name_key(r.title)) for r in person.roles))


def _former(person: Person) -> bool:
    return all(
        "former" in name_key(r.title) or "former" in name_key(r.when or "") for r in person.roles
    )


# A count, not a part of a name: the 2s of "2+2" count nothing.
_NUMBER = re.compile(
    r"(?<![\w+-])(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|dozens?"
    r"|hundreds?|thousands?|millions?|billions?|half|quarters?)(?![\w+-])"
)


_YEAR = re.compile(r"(?:19|20)\d\d")
# "did anyone survive", "were there any casualties", "was nobody hurt": a count asked as a yes/no.
_ANY_COUNT = re.compile(r"\b(?:any|anyone|anybody|no one|nobody|none)\b")
_DIGITS = {
    w: str(n)
    for n, w in enumerate("one two three four five six seven eight nine ten".split(), start=1)
}
_CURRENCIES = {"dollar": "$", "usd": "$", "euro": "€", "eur": "€", "yen": "¥"}
_CURRENCY = re.compile(r"\b(?:in |of )?(?P<unit>dollars?|usd|euros?|eur|yen)\b")
_ORDINAL = re.compile(
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\b"
)


def _figure_of(fact: Fact, thing: str, owner: str) -> bool:
    """Whether the fact's figure counts `thing` and its claim names `owner` before the figure
    ("Japan grounded the 14 Osprey aircraft it operates": Japan's, not the US's)."""
    value = search_words(fact.value or "")
    if not value or stem(thing) not in {stem(w) for w in value}:
        return False
    claim = fold(fact.claim)
    at = claim.find(value[0])
    before = {stem(w) for w in search_words(claim[: at if at >= 0 else len(claim)])}
    return all(stem(w) in before for w in search_words(owner))


# "how much does Japan pay / spend / cost", "how much money": a sum is asked.
_ASKS_MONEY = re.compile(
    r"\bhow much (?:money\b|.*\b(?:pay|pays|paid|paying|cost|costs|costing|spend|spends|spent"
    r"|spending|charge|charged|fund|funds|funded|contribute|contributes|contributed)\b)"
)
# A figure that is a share of people polled, and the words of a question about what people think.
_POLLED = re.compile(
    r"\b(?:polls?|survey|respondents)\b|\d% of (?:americans|japanese|people|the public|voters)\b"
)
_OPINION = re.compile(
    r"\b(?:polls?|polled|polling|surveys?|surveyed|support|supports|supported|backs?|backed|oppose"
    r"|opposes|opposed|opposition|against|favou?rs?|favou?rably|favou?rable|confidence|trust|think|thinks|feel|feels"
    r"|say|says|approve|approval|rate|rated|rating|ratings|popular|popularity|opinion|views?"
    r"|percent|percentage|%|share|proportion|majority)\b"
)
# What a sum's share is of: a budget, spending, GDP, a cost.
_SPENT = re.compile(r"\b(?:gdp|budgets?|spending|spend|spends|spent|costs?|funds?|yen|dollars?)\b")


# Becoming what one is: asked, and said by the event that dates it ("Kamikawa becomes foreign
# minister", "replaced Hayashi", "succeeded").
_BECAME = re.compile(
    r"\b(?:become|becomes|became|becoming|replac\w*|succeed\w*|appoint\w*|named|took over"
    r"|take over|takes over|new (?:foreign|defense|prime) minister)\b"
)
_JOINED = re.compile(
    r"\b(?:join|joins|joined|joining|rejoin\w*|members?|membership|accession|acceded?"
    r"|sign(?:s|ed)? up)\b"
)
# "who took over as foreign minister", "who became PM": the role someone came to.
_BECAME_ROLE = re.compile(
    # ("over" may be gone: a period's reading takes it as "over the summer" takes it.)
    r"^(?:who|which person)(?:'s| is| was)? (?:became|become|took (?:over )?as|take over as"
    r"|was named|was appointed|got appointed|got named|stepped in as|came in as|was made)"
    r" (?:the )?(?P<role>.+)$"
)
# "who's the guy who spoke to Congress": someone described only by what they did.
# (Not "woman" or "man": the articles give no one's sex, and "the woman who met Blinken in
# Tokyo" would be answered with Kishida.)
_SOMEONE_WHO = re.compile(
    r"^who(?: is| was|'s)? the (?:guy|person|one|fellow|dude|official|leader)"
    r" (?:who|that) (?P<rest>.+)$"
)
_WAS_REPLACED = re.compile(r"\b(?:get|got|was|were|been|be|gets) (?:replaced|succeeded)\b")
_WHO_BECAME = re.compile(
    r"\b(\w+) (?:becomes|became|took over|takes over|replaces|replaced|succeeds|succeeded"
    r"|was appointed|is appointed|was named)\b"
)
# "how long did the G-7 tour last", "how long was the state visit": the length of an event.
_HOW_LONG = re.compile(
    r"^how long (?:was|were|did|does|is|will) (?P<s>.+?)(?: (?:last|lasts|take|takes|run"
    r"|go on|be|stay))?$"
)
# What says things without being someone: "the Chicago Council poll", "the joint statement".
_DOCUMENT = re.compile(
    r"\b(?:polls?|surveys?|reports?|statements?|study|studies|papers?|strateg(?:y|ies)"
    r"|documents?|communiques?|communiqués?|declarations?|readouts?|white paper|review|nss)$"
)
_HOW_OFTEN = re.compile(r"^how (?:often|frequently|many times)\b")


def _is_money(text: str | None) -> bool:
    """Whether `text` (a fact's value, or the question) is an amount of money."""
    if not text:
        return False
    return any(sign in text for sign in _CURRENCIES.values()) or bool(_CURRENCY.search(fold(text)))


def _wants_share(question: str) -> bool:
    return bool(
        re.search(r"%|\b(?:percent|percentage|share|proportion|fraction|portion)\b", question)
    )


def _states_share(entry: Entry) -> bool:
    """Whether an entry's figure is a share ("63%", "55 percent")."""
    if isinstance(entry, Fact):
        figure = fold(f"{entry.value or ''} {entry.claim}")
    else:
        figure = fold(entry.search_text())
    return "%" in figure or "percent" in figure


def _gives_a_figure(entry: Entry, question: str) -> bool:
    """Whether an entry states a number the question did not itself give; an event that ran
    over several days answers "how many days" / "how long" with its dates."""
    if (
        isinstance(entry, Event)
        and entry.end is not None
        and re.search(r"\b(?:days?|long)\b", question)
    ):
        return True
    asked = set(_NUMBER.findall(question))
    # A year dates the entry; it is not a count of anything.
    stated = [n for n in _NUMBER.findall(fold(entry.search_text())) if not _YEAR.fullmatch(n)]
    return any(n not in asked for n in stated)


def _day_list(
    kb: KnowledgeBase, month: int, day: int, today: dt.date, year: int | None = None
) -> list[Event]:
    """The events on a day of the year (of `year` only, if given), in the order a list of them
    is shown (docs/answering.md, "Date lists"): what happened on the day itself before a longer
    event that merely spans it (the APEC week is not "what happened on 16 November"); then the
    events the articles cite most passages for; then the nearest in time to `today`, the past
    before the future.

    At 100,000 entries a day has ~500 events, so what does not depend on the question is worked
    out once per snapshot and day: groups of equal rank, each in date order, which `year` and
    `today` only cut with a bisection."""
    memo = _memo(kb, "day-list")
    groups = cast("list[_DayGroup] | None", memo.get(f"{month}-{day}"))
    if groups is None:
        ranked: dict[tuple[bool, int], list[Event]] = {}
        for event in kb.events_on(month, day):  # in date order
            spans = (event.date.month, event.date.day) != (month, day)
            cited = len(event.sources) + _said_there(kb, event)
            ranked.setdefault((spans, -cited), []).append(event)
        groups = [_DayGroup.of(events) for _, events in sorted(ranked.items())]
        memo[f"{month}-{day}"] = groups
    shown: list[Event] = []
    for group in groups:
        if year is None:
            past = bisect.bisect_right(group.dates, today)
            shown += group.newest[len(group.events) - past :]
            shown += group.events[past:]
            continue
        start = bisect.bisect_left(group.years, year)
        stop = bisect.bisect_right(group.years, year)
        # Events begun in an earlier year that last into this one, then those begun in it: few.
        events = [e for e in group.long if e.date.year < year <= (e.end or e.date).year]
        events += group.events[start:stop]
        shown += sorted(events, key=lambda e: _nearest(e, today))
    return shown


def _said_there(kb: KnowledgeBase, event: Event) -> int:
    """The quotations its people gave on an event's day (the Congress speech on the day of the
    address): what the articles record being said there documents the event as much as a
    passage about it does. Without them, a buried day's real event tied with the generated ones
    cited once, and fell out of the list by its id."""
    if event.date.precision != "day":
        return 0
    day = event.date.first_day()
    return sum(
        1
        for person in event.people
        for quote in kb.quotes_by(person)
        if quote.date is not None
        and quote.date.precision == "day"
        and quote.date.first_day() == day
    )


def _nearest(event: Event, today: dt.date) -> tuple[bool, int, str]:
    """Nearest in time to `today` first, the past before the future, then by id."""
    when = event.date.first_day()
    return when > today, abs((when - today).days), event.id


@dataclass(frozen=True)
class _DayGroup:
    """Events of one day of equal rank, in date order, with what `_day_list` bisects."""

    events: tuple[Event, ...]  # by date, then id
    dates: list[dt.date]
    years: list[int]
    newest: tuple[Event, ...]  # the latest date first, then by id
    long: tuple[Event, ...]  # those lasting into a later year

    @classmethod
    def of(cls, events: Sequence[Event]) -> _DayGroup:
        dates = [e.date.first_day() for e in events]
        newest = sorted(range(len(events)), key=lambda i: (-dates[i].toordinal(), events[i].id))
        return cls(
            tuple(events),
            dates,
            [e.date.year for e in events],
            tuple(events[i] for i in newest),
            tuple(e for e in events if e.end is not None and e.end.year > e.date.year),
        )


_ALL: tuple[Kind, ...] = ("person", "event", "quote", "fact", "term", "source")


def _date_of(entry: Entry) -> dt.date | None:
    date = getattr(entry, "date", None)
    return date.first_day() if date is not None else None


# "when is Henoko supposed to be done", "when will the move be finished": asked in the present or
# future of a plan, so a later date the articles give for it answers before a deadline it missed.
_STILL_AHEAD = re.compile(
    r"\b(?:when|what year)\b.*\b(?:(?:is|are)\b.*\b(?:supposed|expected|going)\s+to|will|gonna)\b"
)


def _unique(entries: Iterable[Entry]) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        seen.setdefault(entry.id, entry)
    return list(seen.values())


# Countries the articles name more than one way: an entry that says "the UK" names Britain.
_COUNTRY_GROUPS = {"britain": ("uk",), "uk": ("britain",), "korea": ("rok",), "us": ("usa",)}
