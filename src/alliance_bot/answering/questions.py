"""Reading one line of text as a question, once: what form it takes and what it is about.

`parse_question` is the only place a question's text is folded, cleaned and corrected. It
1. cuts the text, folds it (case, accents, quotes) and cuts it again, because folding can make
   text many times longer ("\\ufdfa" becomes 18 characters);
2. drops what is chat rather than question: mentions of the bot, greetings, emoji, "quick q",
   "could you tell me", "please", "thx";
3. spells out chat spellings ("whats", "whos", "wht") and corrects misspelt ordinary words
   against the knowledge base's own vocabulary ("goverment", "happned");
4. rewrites the lexicon's phrases into the articles' words ("premier" → "prime minister");
5. finds the form, at the start or after a lead-in ("so when did …", "… — who is Rahm Emanuel?").

The engine then reads only the `Question`. Dates are read with dateutil, which knows "Nov 29",
"29 Nov", "November 29, 2023" and "2023-11-29"; relative dates and periods in `periods.py`.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dateutil import parser as date_parser

from alliance_bot.answering import chat, figures
from alliance_bot.answering.periods import Period, read_period
from alliance_bot.answering.topics import OCCASION
from alliance_bot.knowledge import english
from alliance_bot.knowledge.text import STOPWORDS, fold

if TYPE_CHECKING:
    from alliance_bot.knowledge.index import SearchIndex
    from alliance_bot.knowledge.snapshot import KnowledgeBase

Form = Literal[
    "help",
    "on_this_day",
    "on_date",
    "period",
    "who",
    "when",
    "quote",
    "what",
    "search",
    "figure",
    "about",
    "yesno",
    "participants",
    "compare",
    "counterpart",
    "unrecorded",
    "free",
]
MAX_QUESTION = 2000  # longer input is cut: nothing the knowledge base names is that long
_MAX_WORDS = 80  # after folding; words past these are noise, not a question


@dataclass(frozen=True)
class Question:
    """A parsed question: everything the engine reads about what was asked.

    `text` is the whole question as understood (folded, chat removed, corrected, in the
    articles' words); `asked` is what the user typed, bounded, only for echoing back.
    """

    form: Form
    subject: str = ""
    topic: str = ""
    month: int | None = None
    day: int | None = None
    year: int | None = None
    date_error: str | None = None
    period: Period | None = None
    at: str = ""  # "who was foreign minister in August 2023": the time the role is asked at
    # "place" for a where question: only an entry that names a place answers it.
    # "reason" for a why question: only an entry that states a reason answers it; "purpose"
    # for what something is for ("what's the point of the Quad"), which a term's own
    # definition says.
    asks: str = ""
    text: str = ""
    asked: str = ""
    corrections: tuple[tuple[str, str], ...] = ()
    # Words typed in capitals ("STRATCON"): acronyms, matched exactly, never as a typo.
    acronyms: frozenset[str] = frozenset()
    # The last sentence on its own, when context comes before it ("I'm drafting a backgrounder
    # on the base dispute. Could someone remind me what Tokyo did about Henoko in late 2023?"):
    # the engine asks it when the whole text finds no answer.
    alone: Question | None = None
    # Two questions in one message ("who is Kihara, and who is Hamada"): each on its own, asked
    # when the whole text finds no answer.
    pair: tuple[Question, Question | None] | None = None


# ----------------------------------------------------------------------------- cleaning
# Case-blind: the echo reads the text as typed, where Slack's user ids are in capitals.
_MENTION = re.compile(
    r"<@[a-z0-9]+(?:\|[^<>]*)?>|(?<!\w)@(?:alliance(?:[-_ ]?bot)?|bot)\b[:,]?", re.IGNORECASE
)
# What a message carries besides its words: :emoji_codes:, links (Slack sends a link without
# its own label as the address), and the ">" that quotes a line.
_SLACK_EMOJI = re.compile(r":[a-z0-9_+-]{1,40}:|(?:https?://|www\.)\S+|^[ \t]*>+", re.MULTILINE)
_GREETING = (
    r"(?:he+y+|hi+|hello+|hiya|heya|yo+|sup|morning|good (?:morning|afternoon|evening)|evening"
    r"|ok(?:ay)?|k+|so|um+|uh+|hmm+|er+|btw|ping|guys|team|all|folks|everyone|lol|ah|oh|well|right"
    r"|quick (?:q|question|one)|q|question|random question|sorry to bug you(?: but)?"
    r"|thanks in advance|bot|alliance|alliance bot|there|y'all|quick|also|and|but|hey bot"
    r"|sorry|real quick|one more|another one|i forget|i always forget|remind me again|brb"
    r"|(?:two|2|a couple of|couple of|a couple|couple|a few|few|some) (?:quick )?questions?"
    # "fyi", "+1" (agreeing with the message before), someone else addressed ("@ann").
    r"|fyi|ftr|ps|psst|\+1|@[\w.-]+"
    # An acknowledgement of the reply before: "ok cool, and who …", "got it. what …".
    r"|cool|great|nice|perfect|awesome|got it|gotcha|makes sense|thanks|thank you|thx|ty)"
)
_LEAD_IN = re.compile(rf"^(?:{_GREETING})(?:[\s,!.:;\-]+|$)")
# "alliance is dead", "team has been quiet": a message that opens with a word that may address
# the bot or the channel, and a verb after it with no comma, has it as its subject ("hey
# alliance is Japan in the Quad" addresses the bot after a greeting).
_SUBJECT_FIRST = re.compile(
    r"^(?:alliance(?: bot)?|bot|team|all|guys|folks|everyone|y'all)\s+"
    r"(?:is|was|are|were|has|have|had|will|would|can|could|should|must|seems?|looks?)\b"
)
# A request around a question: "could you tell me about X" asks about X.
_REQUEST = chat.REQUEST
_ABOUT = re.compile(
    r"^(?:any (?:news|updates?|info(?:rmation)?|details?) (?:about|on|re(?:garding)?)"
    r"|(?:what is|what's|what was) (?:the (?:deal|story|latest|status|situation)) (?:with|on|behind|about|of)"
    r"|what (?:do|does|did) (?:we|you|the articles?|they) (?:know|have|say) (?:about|on)"
    r"|anything (?:about|on)|info on|information (?:about|on)|details (?:about|on)"
    r"|i (?:need|want) (?:info|information|details|to know) (?:about|on)"
    r"|(?:tell me|what about) (?:more )?about|more on|thoughts on|background on)\s+(?P<rest>.+)$"
)
_WONDER = re.compile(
    r"^(?:i was wondering|i wonder|i'd like to know|i would like to know|i want to know"
    r"|do you know|does anyone know|anyone know|any idea|any ideas|i need to know"
    r"|can you remind me|remind me|quick check|just checking|curious|i'm curious|wondering"
    r"|do you happen to know|can someone tell me|can anyone tell me|can you check"
    r"|refresh my memory(?: on| about| of)?|(?:do|did) (?:we|you) (?:know|have) anything (?:about|on)"
    r"|(?:anyone|anybody|someone|somebody) (?:got|have|has)(?: any)? (?:details|info|information"
    r"|background) (?:on|about)|everything (?:you have|you've got|you know|we have) (?:on|about)"
    r"|i keep (?:hearing|reading|seeing)(?: about)?|people keep (?:mentioning|talking about)"
    r"|(?:i|someone) (?:heard|mentioned|saw) (?:about )?"
    r"|(?:i )?(?:need|want|am looking for|'m looking for|looking for)(?= (?:a|an|the)\b))"
    r"[\s,:-]+(?P<rest>.+)$"
)
_TAIL = re.compile(
    r"(?:[\s,;:.!?-]+(?:please|thanks|thank you|thx|cheers|again|asap|for me"
    r"|lol|haha|ty|if you can|if possible|real quick|quickly|by any chance|these days|now"
    r"|btw|fyi|tbh|imo|in a nutshell|in short|in brief|briefly|in a few words|in one line"
    r"|in a sentence|in simple terms|in plain english"
    r"|asking for (?:a|my|the|our) [\w-]+"
    r"|then|right now|explained"
    r"|(?:in|from|according to) (?:the|these|your|our|those) (?:articles|docs|documents|sources|files|news"
    r"|knowledge base)|exactly|actually|smh|ngl"
    r"|in all (?:of )?this|(?:i )?saw (?:it|this|that) (?:in|on) [\w' -]+"
    # "…, seen it 3x today", "heard it twice this week": where the asker met it, not what.
    r"|(?:i've |i have |ive |i )?(?:seen|heard|read) (?:it|this|that)(?: [\w'-]+){0,4}))+$"
)
_TRAILING = re.compile(r"[\s?!.,;:~-]+$")

# Words a question is made of; a typo of one of them is corrected even if no article uses it.
_QUESTION_WORDS = frozenset(
    """what when where which who whom whose why how happened happen happening about tell
    between during before after meeting minister secretary president summit attend attended
    announced announce quote quotes said say says date year month week yesterday tomorrow
    today ministers government japanese american spending visit visited compare commander
    ambassador governor chairman representative advisor general admiral defense foreign""".split()
)
# What a misspelt word may be besides the knowledge base's words: the question words, and the
# filler words a question is wrapped in ("agian" is "again", then dropped as filler).
# So may the words of the chat grammar ("rundwon") and of the comparison forms ("diffrence").
_CORRECTABLE = (
    _QUESTION_WORDS
    | chat.FRAME_WORDS
    | {"difference", "different", "differ", "between", "versus"}
    | {w for w in STOPWORDS if len(w) >= 5}
)
# The same words by length, each with those a typo of that length may be (two letters either
# way at most): the corrector then weighs a dozen words, not all of them, per misspelling.
_CORRECTABLE_NEAR = {
    size: tuple(sorted(w for w in _CORRECTABLE if abs(len(w) - size) <= 2)) for size in range(60)
}


def _drop_symbols(text: str) -> str:
    """Emoji and other pictographs carry no question: they become spaces."""
    if text.isascii():  # most questions: the only such characters in ASCII are ^ and `
        return text.translate(_ASCII_SYMBOLS)
    return "".join(
        " " if unicodedata.category(ch) in ("So", "Sk", "Cs", "Co") else ch for ch in text
    )


_ASCII_SYMBOLS = str.maketrans({"^": " ", "`": " "})


def _folding_prefix(text: str) -> str:
    """The longest prefix whose decomposed form fits the cap: folding 2,000 characters that
    each decompose into 18 would otherwise cost tens of milliseconds for text that is cut."""
    if text.isascii():  # a character each
        return text[:MAX_QUESTION]
    size = 0
    for at, ch in enumerate(text):
        size += len(unicodedata.normalize("NFKD", ch)) if ord(ch) > 0x7F else 1
        if size > MAX_QUESTION:
            return text[:at]
    return text


def _clean(text: str, kb: KnowledgeBase | None) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Fold, strip chat, spell out chat words, correct typos and apply the lexicon — once."""
    written = _folding_prefix(text[:MAX_QUESTION])
    if "'" in written or "\u2019" in written or "\u2018" in written:
        written = _APOSTROPHE_YEAR.sub(_year_written_out, written)
    folded = fold(_drop_symbols(written))[:MAX_QUESTION]
    folded = chat.unquoted(chat.unformatted(_SLACK_EMOJI.sub(" ", _MENTION.sub(" ", folded))))
    folded = " ".join(folded.split()[:_MAX_WORDS])
    if "-" in folded or "/" in folded:
        folded = _YEAR_SPAN.sub(_years_written_out, folded)
    folded = _DAY_COMMA_YEAR.sub(r"\g<md> ", chat.spelt_out(folded))
    if "-" in folded or "\u2013" in folded:
        folded = _DAY_RANGE.sub(_day_range_written_out, folded)
    folded = _SHORT_MONTH.sub(lambda short: _MONTH_NAMES[(short[1] or short[2])[:3]], folded)
    folded = _IN_MONTH_SHORT_YEAR.sub(_in_month_year_written_out, folded)
    # "the Quad FMs", "both PMs": an acronym in the plural is the acronym.
    for plural in _PLURAL_ACRONYM.findall(text[:MAX_QUESTION]):
        folded = re.sub(rf"\b{plural.lower()}s\b", plural.lower(), folded)
    folded = _unwrapped(chat.SOURCE_REFERENCE.sub("", _THEY_DID.sub("", _VAGUE.sub("", folded))))
    corrections: list[tuple[str, str]] = []
    if kb is not None:
        folded, corrections = _corrected(folded, text[:MAX_QUESTION], kb)
        folded = kb.lexicon.rewrite(folded)
    return folded, tuple(corrections)


# "oct '23", "back in ’22": a year shortened with an apostrophe, before folding drops the mark.
# Years from 1990 to 2039 cover the articles and the years people ask about beside them.
_APOSTROPHE_YEAR = re.compile(r"(?<![\w'’‘])['’‘](?P<yy>\d\d)\b(?!['’‘]?\w)")


def _year_written_out(short: re.Match[str]) -> str:
    yy = int(short["yy"])
    if yy <= 39:
        return f"{2000 + yy}"
    return f"{1900 + yy}" if yy >= 90 else short[0]


# "in oct 23", "during march 24": after "in" a month with two digits is a month of a year (a day
# is "on oct 23"). Only 19 to 29, the years of the articles and after; a day 1 to 18 stays a day.
_IN_MONTH_SHORT_YEAR = re.compile(
    r"\b(?P<lead>in|during) (?P<month>january|february|march|april|may|june|july|august|september"
    r"|october|november|december) (?P<yy>(?:19|2\d))\b(?!st|nd|rd|th| ?(?:19|20)\d\d)"
)


def _in_month_year_written_out(short: re.Match[str]) -> str:
    return f"{short['lead']} {short['month']} 20{short['yy']}"


# "the 2022-23 polls", "2022/2023": two years, as the articles write them ("in 2022 and 2023").
# "2023-11" is November, and "2023-11-29" a date: a span's second year comes after its first.
_YEAR_SPAN = re.compile(r"\b(?P<a>(?:19|20)\d\d)[-/](?P<b>(?:19|20)?\d\d)\b(?![-/]\d)")


def _years_written_out(span: re.Match[str]) -> str:
    first, second = span["a"], span["b"]
    later = int(first[:2] + second[-2:]) if len(second) == 2 else int(second)
    if not int(first) < later <= int(first) + 20 or (len(second) == 2 and int(second) <= 12):
        return span[0]
    return f"{first} and {later}"


# "the Camp David thing", "the Japan-US Plus idea": a vague noun after a name adds nothing, and
# spelling correction would make "thing" "think".
# ("any idea if …", "no idea what …" ask; the noun is not vague there.)
_VAGUE = re.compile(
    r"(?<=\w)(?<!same)(?<!any)(?<!\bno) (?:thing|things|thingy|thingamajig|whatsit"
    r"|whatchamacallit|doohickey|stuff|idea|saga|episode|front(?! (?:line|lines|page))"
    # "the Henoko business", but not "the business delegation": people described by it.
    r"|business(?! (?:delegations?|leaders?|people|executives?|groups?|community|lobby))"
    # "the Quad cyber folks": the people of a group named by it are the group.
    r"|folks|guys|gang|crowd|bunch|peeps)\b"
)
# "the economic 2+2 they did in San Francisco", "that summit they had at Camp David": who held
# a thing named before says nothing of which it was; where or when it was does.
_THEY_DID = re.compile(
    r"(?<=\w)(?<!\bwhat)(?<!\bwhen)(?<!\bwhere)(?<!\bhow)(?<!\bwhy)(?<!\bwho)"
    r" (?:that |which )?(?:they|we|you|both sides|the two|the two sides|the allies)"
    r" (?:did|held|had|hosted|ran|put on|set up)(?= (?:in|at|on|during|last|this|back|over)\b)"
)
_TOKEN = re.compile(r"[a-z]+")
_CAPITALS = re.compile(r"\b[A-Z]{2,8}\b")
_PLURAL_ACRONYM = re.compile(r"\b([A-Z]{2,6})s\b")
# Distinct unknown words looked up per question (each lookup costs tens of microseconds): a
# question with more misspellings than this is noise, and a crafted one must stay cheap
# (issue 10, item 5). The first ones in the question are the ones mended.
_MAX_LOOKUPS = 16


def _typed_in_capitals(text: str) -> frozenset[str]:
    """The words typed in capitals, folded to lower case: acronyms ("STRATCON"). In a question
    typed all in capitals ("WHO IS KAMIKWA") the capitals say nothing of a long word, which may
    be a misspelt name: there only words of up to five letters ("GCAP", "AUKUS") are acronyms."""
    shouted = not any(c.islower() for c in text)
    return frozenset(w.lower() for w in _CAPITALS.findall(text) if not (shouted and len(w) > 5))


def _corrected(text: str, raw: str, kb: KnowledgeBase) -> tuple[str, list[tuple[str, str]]]:
    """Misspelt ordinary words replaced by the knowledge base's own: each distinct word is
    looked up once, and only words the knowledge base does not know are looked up at all."""
    index = kb.index
    text_capitals = _typed_in_capitals(raw)
    fixes: dict[str, str | None] = {}
    for word in dict.fromkeys(_TOKEN.findall(text)):
        if len(word) < 5 or word in STOPWORDS or word in _QUESTION_WORDS or index.knows(word):
            continue
        if word in kb.lexicon.words or word in chat.FRAME_WORDS:
            continue  # a word the lexicon or chat lists is one people type, not a misspelling
        if word in text_capitals:
            continue  # an acronym typed in capitals is not a misspelt word
        if len(fixes) >= _MAX_LOOKUPS:
            break
        # The lexicon's words are ones people type ("reshuffle", which the articles write
        # "shuffled"): a typo may mean one of them too.
        # (Only a long word's: "brics" is not a misspelt "brits".)
        near: Collection[str] = _CORRECTABLE_NEAR.get(len(word), ())
        if len(word) >= _LEXICON_TYPO:
            near = [*near, *_near_lexicon(kb, len(word))]
        fix = index.correct(word, near)
        if english.is_common(word):
            # "mayor" is a word of its own, not a misspelt "major", and "anyone" is not "any
            # one"; another form of the same word ("meetings" for "meeting") is still the
            # articles' word.
            fixes[word] = fix if fix and (fix.startswith(word) or word.startswith(fix)) else None
        else:
            fixes[word] = fix or _split(word, index)
    found = {w: c for w, c in fixes.items() if c}
    if not found:
        return text, []
    fixed = _TOKEN.sub(lambda m: found.get(m.group(0), m.group(0)), text)
    return fixed, sorted(found.items())


# The shortest typed word that may be a misspelt lexicon word.
_LEXICON_TYPO = 7


def _near_lexicon(kb: KnowledgeBase, size: int) -> list[str]:
    """The lexicon's single words within two letters of `size` long."""
    return [w for w in kb.lexicon.words if abs(len(w) - size) <= 2 and " " not in w]


def _split(word: str, index: SearchIndex) -> str | None:
    """Two words typed as one ("primeminister", "defenseminister"): the one way to cut it into
    two words the knowledge base uses, each of at least three letters; None otherwise."""
    cuts = [
        f"{word[:at]} {word[at:]}"
        for at in range(3, len(word) - 2)
        if index.knows(word[:at]) and index.knows(word[at:])
    ]
    return cuts[0] if len(cuts) == 1 else None


def _unwrapped(text: str) -> str:
    """The greetings and the asker's own context ("prepping a brief for tomorrow", "for my
    notes") removed, before the lexicon reads the words: "memo" there is the asker's, not
    the Florida memorandum."""
    previous = None
    lead = not _SUBJECT_FIRST.match(text)
    while previous != text:
        previous = text
        text = _unwrapped_once(text, lead=lead)
    return text


def _unwrapped_once(text: str, *, lead: bool = True) -> str:
    text = chat.TAIL.sub("", _TRAILING.sub("", text).strip()).strip()
    if lead:
        text = _LEAD_IN.sub("", text).strip()
    text = chat.unmentioned(chat.LEAD.sub("", text).strip())
    if work := chat.WORK_ON.match(text):
        text = work["rest"].strip()
    return text


def _strip_chat(text: str) -> str:
    """Lead-ins and tails that wrap a question, removed until none is left."""
    previous = None
    lead = not _SUBJECT_FIRST.match(text)
    while previous != text:
        previous = text
        text = _TAIL.sub("", _unwrapped_once(text, lead=lead)).strip()
        wonder = _WONDER.match(text)
        if wonder:
            text = _asked_directly(wonder["rest"].strip())
    return _TRAILING.sub("", text).strip()


# A question asked inside another ("does anyone know when the Osprey crashed", "I wonder where
# Abe was shot"): in statement order, with no auxiliary after the question word.
_EMBEDDED = re.compile(
    r"^(?P<wh>when|where|why|how come) (?!(?:did|does|do|is|was|were|are|will|would|has|have"
    r"|had|can|could)\b)(?P<clause>.+)$"
)
_CLAUSE_AUX = re.compile(
    r"^(?P<s>[\w'-]+(?: [\w'-]+){0,3}?) (?P<aux>is|was|were|are|has|had|have|will|would|can"
    r"|could) (?P<rest>.+)$"
)


def _asked_directly(text: str) -> str:
    """An embedded question put as one: "when the Osprey crashed" → "when did the Osprey
    crashed" (the verb's ending is the stemmer's), "where Abe was shot" → "where was Abe shot"."""
    embedded = _EMBEDDED.match(text)
    if not embedded:
        return text
    wh, clause = embedded["wh"], embedded["clause"]
    if aux := _CLAUSE_AUX.match(clause):
        return f"{wh} {aux['aux']} {aux['s']} {aux['rest']}"
    # After "did" the verb is in its base form: "when did Kamikawa become", not "became".
    words = clause.split()
    at = next((i for i, w in enumerate(words[:5]) if w in _IRREGULAR_PAST), None)
    if at is not None:
        words[at] = _IRREGULAR_PAST[words[at]]
    return f"{wh} did {' '.join(words)}"


# The irregular past tenses the articles' events are asked with (a regular "-ed" stems alike).
_IRREGULAR_PAST = {
    "became": "become",
    "went": "go",
    "met": "meet",
    "took": "take",
    "said": "say",
    "made": "make",
    "got": "get",
    "gave": "give",
    "came": "come",
    "began": "begin",
    "won": "win",
    "held": "hold",
    "left": "leave",
    "sent": "send",
    "spoke": "speak",
    "told": "tell",
    "flew": "fly",
    "wrote": "write",
    "broke": "break",
    "chose": "choose",
    "fell": "fall",
    "led": "lead",
    "ran": "run",
    "saw": "see",
    "sold": "sell",
    "stood": "stand",
    "struck": "strike",
    "threw": "throw",
    "shot": "shoot",
    "brought": "bring",
    "bought": "buy",
    "thought": "think",
    "found": "find",
    "knew": "know",
    "rose": "rise",
    "drew": "draw",
}


# ----------------------------------------------------------------------------- forms
_ON_THIS_DAY = re.compile(
    r"^(?:(?:what|anything|something|what's|what is|which events?)\s+)?(?:(?:happened|happen"
    r"|happening|occurred|took place|went on|is there|was there|do you have|have you got)\s+)?"
    r"(?:(?:on|in)\s+)?(?:this (?:day|date)|today(?:'s date)?|today in (?:alliance )?history"
    r"|this day in (?:alliance )?history|on this day in (?:alliance )?history"
    r"|(?:any )?anniversar(?:y|ies) today|today's anniversar(?:y|ies)|the same day in past years"
    r"|this day (?:in )?(?:past|previous|other) years|this date in (?:past|previous|other) years"
    r"|on this day(?: in (?:past|previous|earlier|other) years)?|this day last year)$"
)
# What "which came first", "which is bigger" compare.
_COMPARATIVE = (
    r"(?:first|earlier|sooner|later|last|bigger|larger|smaller|older|newer|longer|shorter|more"
    r"|less|higher|lower)"
)
# What an event is called by its kind ("the call", "the summit"): alone it names no event.
EVENT_NOUN = (
    r"(?:call|calls|phone call|meeting|meetings|talks|summit|session|conference|dialogue|visit"
    r"|trip|panel|delegation|interview|ceremony|event)"
)
_EVENT_TAIL = r"(?:with|between|about|on) .+"
# The words for a person's office, asked of them by name.
_OFFICE = r"position|role|job|title|post|office|portfolio|official title|formal title|rank"
_PATTERNS: list[tuple[Form, re.Pattern[str]]] = [
    ("help", re.compile(r"^(?:help|\?|usage|commands|what can you do|how do i use (?:you|this))$")),
    ("on_this_day", _ON_THIS_DAY),
    (
        "on_date",
        re.compile(
            r"^(?:what|anything|which events?|what else|what events?|what all)?\s*"
            r"(?:happened|happen|was happening|happening|went on|was going on|occurred|took place"
            r"|is there|was there|do you have|events?)\s+(?:on|in|during|over|around|for|at)"
            r"\s+(?P<s>.+)$"
        ),
    ),
    (
        "on_date",
        re.compile(
            r"^(?:what|anything|which events?)\s+(?:happened|was happening|went on|was going on"
            r"|occurred|took place)\s+(?P<s>.+)$"
        ),
    ),
    ("on_date", re.compile(r"^(?:events?|news|timeline)\s+(?:from|of|for)\s+(?P<s>.+)$")),
    # "what happened at the Austin-Kihara meeting" asks about the event, not a date.
    (
        "about",
        re.compile(
            r"^what (?:happened|went on|was decided|was agreed|came out of|was discussed)"
            r"\s+(?:at|in|with|during|to|on)\s+(?P<s>.+)$"
        ),
    ),
    ("on_date", re.compile(r"^(?:on|in|during)\s+(?P<s>.+)$")),
    (
        "participants",
        re.compile(
            r"^who (?:met|were|was|all)?\s*(?:met|attended|took part|participated|was there"
            r"|were there|went|joined|was present|were present|was involved|were involved"
            r"|were the participants|were the attendees|took part|spoke|talked|signed"
            # "who came before Kishida" asks for a predecessor, not who came to something.
            r"|represented|sat in|showed up|turned up|came(?! (?:before|after)\b)|was invited"
            r"|were invited"
            r"|sat at the table|sat around the table|was at the table|were at the table"
            r"|was in the room|were in the room|was at the meeting|were at the meeting)"
            r"\s+(?:at|in|for|of|during|on|to)?\s*(?P<s>.+)$"
        ),
    ),
    # "who was on the Dec 19 phone call", "who was in the Economic 2+2 meeting", "who was on
    # the call with Blinken and Park": the people of an event named by what it was (and more
    # than that: "the meeting" alone names none).
    (
        "participants",
        re.compile(
            rf"^who (?:was|were|all was|all were) (?:on|in|at) (?P<s>(?:the|that|this)"
            rf"(?: .+? {EVENT_NOUN}(?: {_EVENT_TAIL})?| {EVENT_NOUN} {_EVENT_TAIL}))$"
        ),
    ),
    (
        "participants",
        re.compile(
            r"^(?:participants|attendees|who was at|who were at|who was in|list the participants)\s+(?:of|at|in)?\s*(?P<s>.+)$"
        ),
    ),
    (
        "compare",
        re.compile(
            r"^(?:(?:was|were|is)\s+(?P<s>.+?)\s+(?:held\s+)?|(?:did|does)\s+(?P<s2>.+?)\s+"
            r"(?:come|happen|take place|occur)\s+)"
            r"(?P<order>before or after|before|after|earlier than|later than|prior to)\s+(?P<t>.+)$"
        ),
    ),
    (
        "compare",
        re.compile(
            rf"^(?:which|what|who)(?: one| number| figure| share| percentage| stat| result)?"
            rf" (?:came|was|happened|is|were|are|went|did|met|took place|occurred|started|began)"
            rf"(?: \w+)? {_COMPARATIVE}(?: (?:as|in|among|between|of) [^,:]+)?[,:]?\s+(?P<s>.+?)"
            r",?\s+or\s+(?P<t>.+)$"
        ),
    ),
    # "is support for US bases higher than confidence in Japan": two figures ranked.
    (
        "compare",
        re.compile(
            r"^(?:is|was|are|were)\s+(?P<s>.+?)\s+(?:higher|bigger|larger|greater|lower|smaller"
            r"|more|less|fewer)\s+than\s+(?P<t>.+)$"
        ),
    ),
    # "the Camp David summit or the APEC trilateral, which came first?"
    (
        "compare",
        re.compile(
            rf"^(?P<s>.+?)\s+(?:or|and)\s+(?P<t>.+?)(?:\s*[,:;?-]+\s*|\s+)(?:which|what|who)"
            rf"(?: one)? (?:came|was|happened|is|were|are|went|did|met|took place|occurred|started"
            rf"|began)(?: [\w']+){{0,3}}"
            rf" {_COMPARATIVE}$"
        ),
    ),
    # "how is the economic 2+2 different from the regular 2+2", "how does X differ from Y"
    (
        "compare",
        re.compile(
            r"^how (?:is|are|was|were|does|do|did) (?P<s>.+?) (?:different from|different to"
            r"|different than|distinct from|differ from|compare (?:to|with)|stack up against)"
            r" (?P<t>.+)$"
        ),
    ),
    ("compare", re.compile(r"^how (?:do|does|did) (?P<s>.+?) and (?P<t>.+?) (?:differ|compare)$")),
    (
        "compare",
        re.compile(
            r"^(?:compare|(?:what is |what are )?(?:the )?differences? between|contrast)\s+(?P<s>.+?)"
            r"\s+(?:and|with|to|vs|versus)\s+(?P<t>.+)$"
        ),
    ),
    ("compare", re.compile(r"^(?P<s>.+?)\s+(?:vs\.?|versus)\s+(?P<t>.+)$")),
    (
        "compare",
        re.compile(
            r"^(?:is|are|was|were)\s+(?P<s>.+?)\s+(?:the same(?: thing)? as|different from"
            r"|like)\s+(?P<t>.+)$"
        ),
    ),
    (
        "quote",
        re.compile(
            r"^what (?:did|does|has|have) (?P<s>.+?) (?:say|said|says|tell|told|claim|claimed"
            r"|declare|declared|state|stated)(?: (?:to )?(?:\w+ )?(?:about|on|regarding) (?P<t>.+)"
            # "what did Scholz say to Kishida", "what did Biden tell Kishida": whom to.
            r"|(?<=tell|told) (?P<to>[\w'. -]+)| to (?P<to2>[\w'. -]+))?$"
        ),
    ),
    # "who said 'you are not alone'", "who was it that said the alliance is the hub": words
    # from the quote itself, whoever said them (the quote shows its speaker).
    (
        "quote",
        re.compile(
            r"^who (?:(?:was it|is it) (?:that|who) )?(?:said|says|coined|came up with|wrote)"
            r"(?: that| the (?:line|phrase|words?))?\s+(?P<s>.+)$"
        ),
    ),
    (
        "quote",
        re.compile(
            r"^(?:quotes?|quotations?|any quotes?)\s+(?:from\s+|by\s+|of\s+)?(?P<s>.+?)(?:\s+(?:about|on)\s+(?P<t>.+))?$"
        ),
    ),
    (
        "who",
        re.compile(
            # "who was running the foreign ministry", "who was serving as defense minister".
            r"^(?:who(?: (?:is|was|were) (?:running|heading|serving as|acting as)"
            r"| is| was| are| were| holds| held| is the| serves as| served as)|who's)"
            r"\s+(?P<s>.+)$"
        ),
    ),
    # "the USTR is who again?", "Japan's defense minister was who?": the role asked last.
    ("who", re.compile(r"^(?P<s>.+?) (?:is|was|are|were) who(?: again| exactly| now| then)?$")),
    # "what position does Katherine Tai hold in the US administration", "what's Penny Wong's
    # job", "what role did Hamada play": a person's office, which their entry gives.
    (
        "who",
        re.compile(
            rf"^(?:what|which) (?:{_OFFICE}) (?:does|did|do|is|was) (?P<s>[\w'.-]+(?: [\w'.-]+){{0,3}}?)"
            r" (?:hold|have|play|occupy|fill|serve in|held|had|played|occupied|filled|served in)"
            r"(?: (?:in|at|for|with) .+)?$"
            rf"|^what (?:is|was|are|were) (?P<s2>[\w'.-]+(?: [\w'.-]+){{0,3}}?)'s? (?:{_OFFICE})$"
        ),
    ),
    # "who commands X", "who runs X" ask for the holder of a role: "commander of X", "head of X".
    (
        "who",
        re.compile(
            r"^who (?P<s>commands|chairs|heads|runs|leads|directs|is in charge of|is running"
            r"|commanded|chaired|headed|directed|was in charge of)"
            r" (?P<t>.+)$"
        ),
    ),
    # "who ran INDOPACOM", "who led Japan in 2023": the head in the past. A delegation, a
    # meeting or a trip is led by those who took part in it ("who led the business delegation"
    # asks for the event), so those are left to the participants' form.
    (
        "who",
        re.compile(
            r"^who (?P<s>ran|led|was running|was heading|was leading|is heading|is leading)"
            rf" (?!.*\b(?:delegations?|team|teams|mission|{EVENT_NOUN})\b)(?P<t>.+)$"
        ),
    ),
    (
        "when",
        re.compile(
            r"^(?:when|what (?:date|day|year|month)|which (?:date|day|year|month)|what time)"
            r"(?: exactly)? (?:did|was|were|is|does|do|will|has|had)(?: the)? (?P<s>.+?)"
            r"(?: (?:happen|take place|occur|start|begin|end|be held|held))?$"
        ),
    ),
    (
        "when",
        re.compile(
            r"^(?:the )?(?:date|dates|day|year|timing|time) (?:of|for) (?P<s>.+?)"
            r"(?: (?:happen|take place|occur|start|begin|end|be held|held))?$"
        ),
    ),
    (
        "figure",
        re.compile(
            r"^(?P<s>(?:how (?:many|much|large|big|far|long|high|low|fast|often)"
            r"|what (?:%|percentage|share|number|proportion|percent|portion|fraction)) .+"
            # "which meeting number was the Tokyo session", "what number summit": a rank asked.
            rf"|{figures.ORDINAL_LEAD}.+"
            # "what was Zelenskyy's number in the poll", "what is the LDP's figure".
            r"|what (?:is|was|are|were) (?:the )?[\w-]+'s? (?:[\w-]+ )?(?:numbers?|figures?"
            r"|percentage|share|score)\b.*"
            # "where will Japan rank in military spending", "how did Japan place": a rank.
            r"|(?:where|how|what place|what position) (?:does|do|did|will|would|is|was|could)"
            r" .+ (?:rank|ranked|place|placed|stand|come in|end up)\b.*"
            # "LDP support numbers?", "Osprey crash stats": the figures of a thing named
            # alone ("did the reshuffle help Kishida's numbers" is a yes/no).
            r"|(?!(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should|what"
            r"|who|when|where|why|how|which)\b).+ (?:numbers|figures|stats|statistics))$"
        ),
    ),
    # "what's the reason Japan wants Tomahawks", "what was behind the reshuffle": a why question.
    (
        "about",
        re.compile(
            r"^(?P<why>)(?:what(?: is| was| are| were)? (?:the )?(?:reason|reasons|cause|causes)"
            r"(?: (?:for|behind|of|why|that))?|what(?: is| was| are| were)? behind) (?P<s>.+)$"
        ),
    ),
    # "what's the point of X", "what was X trying to achieve with Y", "what is X for": the
    # purpose of something, asked as a why question (an entry that states a reason answers).
    (
        "about",
        re.compile(
            r"^(?P<purpose>)(?:what(?: is| was| are| were)? (?:the|their|its|his|her) (?:point|purpose"
            r"|aim|aims|goal|goals|objective|objectives|idea|thinking|rationale|logic|motive"
            r"|motivation|intention|reasoning|big idea) (?:of|behind|for|with|in) (?P<s>.+)"
            r"|what (?:is|was|are|were|did|does|do) (?P<s2>.+?)(?<!stand)(?<!stands)"
            r" (?:for|(?:trying|meant|supposed"
            r"|hoping|aiming|designed|intended|seeking|wanting|want|hope|aim|seek|wants|hopes|aims"
            r"|seeks|wanted|hoped|aimed|sought) to (?:achieve|accomplish|do|get|gain|win|get out of"
            r"|fix|solve)(?: (?:with|from|by|through|out of) (?P<t>.+))?))$"
        ),
    ),
    (
        "what",
        re.compile(
            r"^(?:what(?: is| are| was| were| does)?(?: (?:up|going on|happening) with)"
            r"|what(?: is| are| was| were| does)|define|meaning of|definition of"
            r"|what is meant by|what do you mean by|what does it mean by"
            # "what means counterstrike", "what mean FRF": as typed by one learning English.
            r"|what means?|explain me)\s+(?P<s>.+?)"
            # "what does C2 mean here", "what was the TPP pitch all about": the asking's tail.
            r"(?: (?:mean|stand for|stands for|refer to|all about|about|involve|entail)"
            r"(?: (?:here|exactly|again|in this context|actually|really|anyway))?)?$"
        ),
    ),
    ("search", re.compile(r"^(?:search|find|look ?up)\s+(?:for\s+)?(?P<s>.+)$")),
    # Why, how and where ask for the fact or event that gives the reason, manner or place.
    (
        "about",
        re.compile(
            r"^(?:why|how|where|in what way|for what reason|what caused|what led to|what made)"
            r"(?: (?:is|are|was|were|did|does|do|has|have|had|will|would|could|can|come))?"
            r"\s+(?P<s>.+?)(?: (?:happen|happened|take place|work|come about|occur))?$"
        ),
    ),
    (
        "yesno",
        re.compile(
            r"^(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should|isn't|wasn't"
            r"|didn't|doesn't|aren't|weren't|hasn't|haven't)\s+(?P<s>.+)$"
        ),
    ),
]
# "the DW guy": nouns that say only that a person is meant; they match no entry's words.
GENERIC_PERSON = "guy|person|woman|man|lady|bloke|dude|gal|fella"
# Nouns that make a phrase a description of a person: "the DW reporter", "the Google CEO".
_PERSON_NOUNS = (
    "reporter|journalist|correspondent|ceo|chief|general|admiral|minister|official|expert"
    "|researcher|scholar|analyst|leader|boss|president|envoy|ambassador|secretary|commander"
    "|diplomat|senator|governor|head|chair|chairman|spokesperson|spokesman|premier|pilot"
    "|representative|executive|professor|lecturer|fellow|director|lawmaker|academic|commentator"
    "|specialist|commandant|" + GENERIC_PERSON
)
DESCRIPTION = re.compile(
    rf"^(?:who (?:is|was) )?(?:the|that|this|[a-z]+'s) (?P<d>(?:[\w+&.'-]+ ){{0,5}}?"
    # "the secretary general of NATO", "the president and CEO": one office of two nouns.
    # "the vice-minister", "the co-chair": a rank joined to its noun.
    rf"(?:[a-z]+-)?(?:{_PERSON_NOUNS})(?:(?: and | )(?:{_PERSON_NOUNS}))*)\b"
)

_RELATIVE = re.compile(r"(?:who|whom|that|which)\b")
# "X - what is that about", "16 areas - what's that figure about": the thing before the break.
_PRONOUN_SUBJECT = re.compile(
    r"^(?:that|it|this|they|those|these|he|she|him|her)(?: one| figure| number| numbers| stat| stats| statistic"
    r"| percentage| share)?(?: all)?(?: about)?"
    # "aukus pillar 2, whats that and where does japan fit": the first ask decides.
    r"(?: and (?:what|where|how|why|who|when|which|is|does|do|did)\b.*)?$"
)
# A noun phrase running straight into "… is building": the lead of a description, not of a
# question ("the fighter jet japan is building", "the missiles tokyo is buying").
_NOUN_LEAD = re.compile(r"^(?:the|a|an|that|this|those|these) [\w' -]*\w $")
# "alliance is dead", "japan is in the quad": a subject with no article before its verb; the
# verb does not start a yes/no of its own (a chat lead-in is stripped before this is checked).
_BARE_SUBJECT = re.compile(
    r"^(?!(?:who|whom|whose|when|what|where|why|how|which)\b)[\w'-]+(?: [\w'-]+)? $"
)
_CLAUSE_BREAK = re.compile(r"\s+[-:;]\s+|[,:;!?]\s+|\s+-\s+")
_QUESTION_START = re.compile(
    r"\b(?:who|when|what|where|why|how|which|did|does|is|was|were|are|has|quote|tell me)\b"
)
# "who was foreign minister a year ago", "… last year": a relative time needs no preposition.
_AT_A_RELATIVE_TIME = re.compile(
    r"^(?P<role>.+?)\s+(?P<at>(?:a|an|one|two|three|four|five|\d{1,3}) (?:day|week|month|year)s?"
    r" ago|(?:last|this) (?:week|month|year)|yesterday)$"
)
# "now", "currently", "the current …": a role asked at `today` (`Question.at` is NOW).
NOW = "now"
# What says a question asks about now: a role's holder today, a plan's latest date.
NOW_WORDS = re.compile(
    r"\b(?:right now|as of (?:now|today)|at the moment|at present|nowadays|these days|currently"
    r"|presently|current|now|today|as we speak|as things stand)\b"
)
_AT_A_TIME = re.compile(
    r"^(?P<role>.+?)\s+(?:back )?(?:in|on|as of|at the time of|at the time(?: when| that)?|during"
    r"|throughout|all through"
    r"|at the|around|when|by)"
    r"\s+(?P<at>.+)$"
)


# "yesterday's joint statement", "last week's call": a relative time that names a thing.
_RELATIVE_OWNER = re.compile(r"(?<!\S)(?P<when>yesterday|last (?:week|month))'s?\s+")


def _time_last(text: str) -> str:
    """ "what did yesterday's joint statement condemn" → "what did the joint statement condemn
    yesterday": the time, said of the thing, is read as when it was done."""
    owner = _RELATIVE_OWNER.search(text)
    if owner is None or _RELATIVE_OWNER.search(text, owner.end()):
        return text
    rest = f"{text[: owner.start()]}the {text[owner.end() :]}".rstrip(" ?!.")
    return f"{rest} {owner['when']}"


def parse_question(
    text: str, *, kb: KnowledgeBase | None = None, today: dt.date | None = None
) -> Question:
    """Classify a line of text. With `kb`, typos are corrected against its vocabulary and the
    lexicon applies; `today` anchors relative dates ("yesterday", "last month")."""
    asked = " ".join(_MENTION.sub(" ", text[:MAX_QUESTION]).split())
    folded, corrections = _clean(text, kb)
    clean = _time_last(_strip_chat(folded))
    today = today or dt.date.today()
    if not clean:
        return Question("help", text=clean, asked=asked)
    if NOW_WORDS.search(folded):
        # "who's the foreign minister right now", "the current defense minister": the holder
        # on `today`, from the roles' spans (the marker is not part of the role).
        current = _strip_chat(" ".join(NOW_WORDS.sub(" ", folded).split()))
        holder = _understand(current, today) if current else None
        now = _role_asked_now(holder, current, today)
        if now is not None:
            return _finish(now, current, asked, corrections)
        if holder is not None and holder.form == "free" and holder.subject:
            # "current US secretary of state?": a bare role asked now. The engine reads it as
            # one only where a role title has all its words; otherwise as the question typed.
            typed = _understand(clean, today)
            if typed.form == "free":
                typed = Question("free", subject=typed.subject, topic=holder.subject, at=NOW)
                return _finish(typed, clean, asked, corrections)
    whole = _finish(_understand(clean, today), clean, asked, corrections)
    # What may be asked on its own when the whole text finds no answer, each tried in turn
    # (`Question.alone` chains them): the question sentence after context, the question
    # without the chatter after it, the thing put in quotation marks.
    parts = [_question_sentence(folded), _without_chatter(clean), *_quoted_things(text, kb)]
    tried = {clean}
    chain: list[Question] = []
    for part in parts:
        if (alone := _strip_chat(part)) and alone not in tried:
            tried.add(alone)
            sentence = _finish(_understand(alone, today), alone, asked, corrections)
            if sentence.form != "help":
                chain.append(sentence)
    for sentence in reversed(chain):
        whole = dataclasses.replace(whole, alone=dataclasses.replace(sentence, alone=whole.alone))
    if two := _two_questions(clean):
        first, second = (
            _finish(_understand(part, today), part, asked, corrections) if part else None
            for part in two
        )
        assert first is not None
        whole = dataclasses.replace(whole, pair=(first, second))
    return whole


# Where a second question starts: "who is Hamada and what did he do", "what is the MLR, where
# is it based", "who's Rahm Emanuel / what's his role".
_NEXT_QUESTION = re.compile(
    r"(?:\s*\?+|\s*[,;/]|\s+-+|\s+(?:and|also|plus|&))\s+(?:(?:and|also|then|plus) )?"
    r"(?=(?:who|whom|whose|what|when|where|why|how|which|is|was|are|were|did|does|do|has"
    r"|have|can)\b)"
)


def _two_questions(clean: str) -> tuple[str, str] | None:
    """The two questions of a message that asks two, each of at least two words, or None."""
    breaks = list(_NEXT_QUESTION.finditer(clean))
    if len(breaks) != 1 or not _DIRECT_QUESTION.match(clean):
        return None
    first = clean[: breaks[0].start()].strip(" ,;?/-")
    second = clean[breaks[0].end() :].strip(" ,;?/-")
    if len(first.split()) < 2 or len(second.split()) < 2:
        return None
    if _POINTS_BACK.search(second):
        # "what is the MLR, where is it based": the second is about the first's thing, and
        # alone it would be asked of anything ("bases"); the first is answered alone.
        return first, ""
    return first, second


# A question asked directly: "who …", "what …", a question word with its auxiliary, or an
# auxiliary first. "when Scholz and Kishida met before Hiroshima, what did they agree" opens
# with a clause of time, not a question of its own.
_DIRECT_QUESTION = re.compile(
    r"^(?:who|what|which)\b"
    r"|^(?:when|where|why|how)(?:'s| (?:is|was|are|were|did|does|do|has|have|had|can|will"
    r"|would|could|should|much|many|long|often|far|big))\b"
    r"|^(?:is|was|are|were|did|does|do|has|have|can)\b"
)
# A word that points back to something named before.
_POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|he|him|his|she|her|hers|they|them|their|theirs|that|this|those|these"
    r"|there|then)\b"
)


# A clause about the asker, after the question: "what's the LDP money scandal, my coworker was
# ranting about it", "who is Hamada - I keep forgetting". Its words count against every entry.
_ABOUT_THE_ASKER = re.compile(
    r"\b(?:i|i'm|im|i've|ive|i'd|my|me|we|we're|our|mine|lol|haha|thanks|thx|ty|cheers)\b"
)
_CHATTER_BREAK = re.compile(r"\s*(?:,|;|\s-+|\s[\u2013\u2014]|\.\.\.)\s+")


def _without_chatter(clean: str) -> str:
    """The text before its trailing clauses of chatter about the asker, or "" when it has
    none: each dropped clause has a word of the asker ("my", "I") and asks nothing itself."""
    pieces = _CHATTER_BREAK.split(clean)
    kept = len(pieces)
    while kept > 1:
        clause = pieces[kept - 1]
        if not _ABOUT_THE_ASKER.search(clause) or _ASKS.match(clause):
            break
        kept -= 1
    rest = ", ".join(pieces[:kept])
    # What is left must ask: "sorry if this was asked already, but I need the gist of X" keeps
    # no question once its clause of the asker goes.
    return rest if kept < len(pieces) and _ASKS.match(_strip_chat(rest)) else ""


# A name in quotation marks: "i keep seeing 'spear and shield' in explainers, what's that".
_QUOTED_THING = re.compile(
    r"(?:^|(?<=[\s(]))[\"\u201c\u2018']([^\"\u201c\u201d\u2018\u2019']{3,60})[\"\u201d\u2019']"
    r"(?=$|[\s,.;:!?)])"
)


# The question asks what the quoted words mean; any other question of them ("when did the
# 'G7 presidency' end") is not answered by what they are.
_ASKS_MEANING = re.compile(
    r"\b(?:what (?:does|do|did) (?:that|it|this|they|those) (?:\w+ )?mean|meaning of (?:that|it|this)"
    r"|what (?:that|it|this) (?:\w+ )?means"
    r"|what (?:is|are|'s) (?:that|it|this|those|these)(?: about)?|explain (?:that|it|this))\W*$"
)


def _quoted_things(text: str, kb: KnowledgeBase | None) -> list[str]:
    """The things the question puts in quotation marks, each asked as "what is …" (a quote
    of someone's words is found by the question as a whole; this is only tried after it)."""
    if kb is None or not _ASKS_MEANING.search(fold(text[:MAX_QUESTION])):
        return []
    found = []
    for quoted in _QUOTED_THING.findall(text[:MAX_QUESTION]):
        thing = _clean(quoted, kb)[0]
        # Only a name of an entry: "the 'America first' line" quotes words that many entries
        # share and names none.
        if 1 <= len(thing.split()) <= 6 and kb.index.names.lookup(thing, limit=1, cutoff=90.0):
            found.append(f"what is {thing}")
    return found[:2]


# Where a sentence ends: its mark, or a colon after a few words of context ("For my notes on
# tech policy: what did Washington do").
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)'\"][.!?:])\s+")
# Only a question stands alone: "repeat after me: the alliance is over" asks nothing.
_ASKS = re.compile(
    r"^(?:who|whom|whose|what|when|where|which|why|how|is|are|was|were|did|does|do|has|have|had"
    r"|can|could|would|will|should|tell me|remind me|explain|any chance|anyone know"
    r"|does anyone)\b"
)


# What the articles never say of anyone: age, birth, family, pay, looks, schooling. "how old is
# Rahm Emanuel" must not be answered with his role, as if the name were the question.
_PERSONAL = re.compile(
    # "how old is the Quad" asks of a thing, which a person's name never starts with.
    r"^how (old|tall|rich|wealthy) (?:is|was|are|were) (?!the\b)"
    r"|^(?:when|where) (?:was|were) .+ (born)$"
    r"|^(?:is|was|are) .+ (married|single|divorced)$"
    r"|^where did .+ (go to (?:school|college|university)|grow up|study)$"
    r"|^how much (?:does|did|do) .+ (earn|make|get paid)\b"
    r"|(?:\w's|\bhis|\bher|\btheir) (age|birthday|birth ?date|birthplace|wife|husband"
    r"|spouse|partner|kids|children|family|salary|pay|net worth|height|religion|hometown"
    r"|education)$"
)


# General facts about a country or city, which no article states: "what is the capital of Japan"
# was answered with Kishida's tour of the G-7 capitals.
_COUNTRY_FACT = re.compile(
    r"^(?:(?:what|which|how big|how large|how many people)\b.*\b)?(?:the )?(?:capital|capital city"
    r"|population|currency|official language|national language|time zone|national anthem)"
    r" (?:of|in) (?!the (?:g7|g-7|quad|alliance)\b)[\w' -]+$"
    # "what is Japan's GDP": the economy's size, not the share of it spent on defense.
    r"|^what (?:is|was) (?:the )?[\w-]+(?:'s|s') (?:gdp|population|capital|currency)$"
)


# An opinion or advice asked of the bot: "should Japan get its own nukes imo?", "do you think
# the alliance is in trouble". The articles report what happened and what people said.
_OPINION = re.compile(
    r"^(?:should|shouldn't|ought)\b(?! i\b| we (?:know|read|look)\b)"
    r"|^(?:do|don't) you (?:think|reckon|believe|feel)\b|^what do you (?:think|reckon|make) of\b"
    r"|^what (?:should|ought) (?!i\b)[\w']+(?: [\w']+){0,2} (?:to )?do\b"
    r"|^(?:is|was|would) it (?:be )?(?:a )?(?:good|bad|wise|smart|right|wrong|better|worse)\b"
    # "was Kishida a better prime minister than Abe": a judgement, not a fact.
    r"|^(?:is|was|are|were) .+ (?:a |the )?(?:better|worse|greater|smarter|weaker|stronger"
    r"|more (?:effective|competent|capable|successful)|less (?:effective|competent)) .*\bthan\b"
    r"|\b(?:in your opinion|in your view|your honest opinion)\b"
)


def _unrecorded(clean: str) -> Question | None:
    """A question of what no entry records, about a person or a country, or an opinion asked
    of the bot, or None."""
    if personal := _PERSONAL.search(clean):
        return Question("unrecorded", subject="person", topic=next(filter(None, personal.groups())))
    if _OPINION.search(clean):
        return Question("unrecorded", subject="opinion")
    return Question("unrecorded", subject="country") if _COUNTRY_FACT.search(clean) else None


def _question_sentence(folded: str) -> str:
    """The question among sentences of context ("I'm drafting a backgrounder. Could someone
    remind me what …?", "what did X find? I only need one line for a slide"): the last sentence
    that asks, ending in a question mark unless it is the last; "" when the text is one sentence
    or none asks."""
    sentences = _SENTENCE_END.split(folded)
    if len(sentences) < 2:
        return ""
    for position in range(len(sentences) - 1, -1, -1):
        sentence = sentences[position]
        if (position == len(sentences) - 1 or sentence.endswith("?")) and _ASKS.match(sentence):
            return sentence
    return ""


def _role_asked_now(holder: Question | None, current: str, today: dt.date) -> Question | None:
    """The who question "now" asks, or None: "who's the foreign minister these days", "who's
    the FM in Tokyo these days" (a place, not a time: Japan's), "who runs the Pentagon
    nowadays" (the lexicon made it "who defense secretary")."""
    if holder is None:
        return None
    if holder.form == "who" and holder.subject:
        if holder.at and (read_period(holder.at, today) or _read_date(holder.at, today)):
            return None  # "now" beside a date: the date is the time asked
        return Question("who", subject=holder.subject, topic=holder.subject, at=NOW)
    bare = re.match(r"who (?:is )?(?P<role>.+)$", current)
    if holder.form == "free" and bare:
        return Question("who", subject=bare["role"], topic=bare["role"], at=NOW)
    return None


def _asked_last(clean: str, today: dt.date) -> Question | None:
    """A who or when question asked at the end of a statement, or None."""
    if who := chat.TRAILING_WHO.match(clean):
        # "the US envoy in Tokyo, who is that", "the DW guy who wrote the piece, what's his
        # name": a who question about what comes before, whatever forms that holds.
        return _parse(f"who is {_strip_chat(who['rest'])}", today)
    if trailing := chat.TRAILING_WHEN.match(clean):
        # "austin and kihara met when?": the when question in the order of a statement.
        return _parse(f"when did {trailing['rest']}", today)
    return None


def _parse_then(clean: str, today: dt.date) -> Question:
    """`_parse`, where "what happened in Congress yesterday" (what happened somewhere at a
    relative time) is a period's question, the place its topic."""
    parsed = _parse(clean, today)
    if parsed.form == "about" and (relative := _relative_inside(clean, today)):
        return relative
    return parsed


def _understand(clean: str, today: dt.date) -> Question:
    """The form of a cleaned question, at its start or after a lead-in."""
    if last := _asked_last(clean, today):
        return last
    if whether := chat.WHETHER.match(clean) or chat.CHECKED.match(clean):
        # "any idea if the MLR is in Okinawa", "I wonder whether Kishida went to the summit",
        # "the G7 summit was in Tokyo, right?": a yes/no in the order of a statement, put back
        # in the order of a question.
        asked = whether["clause"]
        aux = _AUXILIARY.match(asked)
        asked = f"{aux['aux']} {aux['s']} {aux['rest']}" if aux else f"did {asked}"
        parsed = _parse(asked, today)
        if parsed.form == "yesno":
            return parsed
    parsed = _parse_then(clean, today)
    if (
        parsed.form in ("free", "what") or (parsed.form == "about" and parsed.asks != "manner")
    ) and (topic := _topic(clean)):
        # "what's the context on X", "what did the survey find about Japan": a thing wrapped
        # in chat, and what is wanted of it first.
        return topic
    if parsed.form == "free":
        parsed = _period_first(clean, today) or parsed
    if parsed.form == "free":
        # The form may follow a lead-in: "so uh when did …", "before my call — who is X".
        described = DESCRIPTION.match(clean)
        for start in _later_starts(clean):
            if described and start >= described.end() and _RELATIVE.match(clean, start):
                # "the Toyota CEO who met Biden" describes a person; "who met Biden" is not
                # the question.
                break
            later = _parse(_strip_chat(clean[start:]), today)
            if later.form == "yesno" and (
                _NOUN_LEAD.match(clean[:start])
                or (_BARE_SUBJECT.match(clean[:start]) and _strip_chat(clean) == clean)
            ):
                # "the fighter jet Japan is building with Britain": a thing described by what
                # someone is doing, the verb after its subject; no yes/no is asked.
                break
            if later.form == "yesno" and _WH_LEAD.match(clean):
                # "which governors did Hayashi meet", "what edition … did Kishida speak at":
                # the lead asks the question; the rest is not a yes/no on its own.
                break
            if later.form not in ("free", "help"):
                if later.subject and _PRONOUN_SUBJECT.match(later.subject):
                    lead = _strip_chat(clean[:start])
                    if later.form == "what" and later.subject.endswith(" about"):
                        # "Blinken in Tokyo in November — what was that about?"
                        later = Question("about", subject=later.subject)
                    later = _with_subject(later, lead)
                parsed = later
                break
    request = _REQUEST.match(clean)
    if request and (parsed.form == "yesno" or (parsed.form == "period" and parsed.topic)):
        # "can someone explain the spear and shield", "can u explain article 5": a request
        # worded as a question, not a yes/no; "I'd love some background on the space deal
        # from January 2023": the request is not part of the topic asked within the month.
        parsed = Question("free", subject=clean)
    if parsed.form == "free":
        request = request or _ABOUT.match(clean)
        if request:
            rest = _strip_chat(request["rest"])
            # "tell me if Japan is in the Quad" is the yes/no; any other rest is read as it
            # stands ("the Patriots Japan is sending" is no yes/no from its "is").
            inner = _understand(rest, today) if chat.WHETHER.match(rest) else _parse(rest, today)
            if inner.form == "free":
                inner = _topic(rest) or Question("about", subject=inner.subject)
            parsed = inner
    elif parsed.form == "what" and (about := _ABOUT.match(clean)):
        parsed = Question("about", subject=_strip_chat(about["rest"]))
    if parsed.form == "free" and (trailing := chat.TRAILING_ASK.match(clean)):
        # "the Osprey crash, what happened?", "the spear and shield confuses me, explain?": the
        # ask has no object of its own; what comes before it is what it asks about.
        inner = _parse(_strip_chat(trailing["rest"]), today)
        parsed = inner if inner.form != "free" else Question("about", subject=inner.subject)
    return parsed


def _topic(clean: str) -> Question | None:
    """A thing wrapped in a topic frame (`chat.topic_asked`), asked about, or None."""
    topic = chat.topic_asked(clean)
    if topic is None or not (subject := _strip_chat(topic[0])):
        return None
    return Question("about", subject=subject, asks=topic[1])


# The first auxiliary of a statement: "the MLR is in Okinawa" → "is the MLR in Okinawa".
_AUXILIARY = re.compile(
    r"^(?P<s>.+?) (?P<aux>is|are|was|were|has|have|had|will|would|can|could|does|did|do)"
    r" (?P<rest>.+)$"
)


def _with_subject(question: Question, subject: str) -> Question:
    return Question(question.form, subject=subject, topic=question.topic, asks=question.asks)


def _finish(
    q: Question, clean: str, asked: str, corrections: tuple[tuple[str, str], ...]
) -> Question:
    return Question(
        q.form,
        subject=q.subject,
        topic=q.topic,
        month=q.month,
        day=q.day,
        year=q.year,
        date_error=q.date_error,
        period=q.period,
        at=q.at,
        # "the extended deterrence dialogue with the US in December": a thing named by its
        # occasion is what happened there (its event before its term, of entries found alike).
        asks=q.asks
        or (OCCASION if q.form in ("free", "about") and chat.occasion(q.subject) else ""),
        text=clean,
        asked=asked,
        corrections=corrections,
        acronyms=frozenset(w for w in _typed_in_capitals(asked) if w not in chat.SPELLINGS),
    )


def _later_starts(text: str) -> list[int]:
    starts = {m.end() for m in _CLAUSE_BREAK.finditer(text)}
    starts.update(m.start() for m in _QUESTION_START.finditer(text) if m.start() > 0)
    return sorted(s for s in starts if 0 < s < len(text))


def _as_period(clean: str, today: dt.date) -> Question | None:
    """A date with words around it that only ask what happened: "anything in the summer of
    2023?", "two weeks ago what happened", "what was on in mid-December", "the 14th of
    november 2023"; None when the words ask more than that."""
    # "late november 2023 - anything?": a dash or colon only separates the date from the ask.
    spaced = re.sub(r"\s+[-:–—]+\s+|\s*[?!]+\s*", " ", f" {clean} ")
    bare = _ORDINAL_OF.sub(r"\1 ", _EVENT_WORDS.sub(" ", spaced)).strip(" ,")
    bare = " ".join(bare.split())
    period = read_period(bare, today) or _this_day_back(bare, today)
    if period is None and (numeric := _DAY_FIRST.match(bare)):
        # "25/10/2023": day first where it cannot be a month (the articles' readers are
        # international; "10/11/2023" stays for the date parser to read).
        day, month, year = (int(g) for g in numeric.groups())
        if day > 12:
            try:
                exact = dt.date(year, month, day)
            except ValueError:
                return None
            return Question(
                "on_date", subject=bare, year=exact.year, month=exact.month, day=exact.day
            )
    return _period_question(bare, period) if period is not None else None


_DAY_FIRST = re.compile(r"^(?:on )?(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d\d)$")


# "does anyone know what the economic 2+2 is", "remind me who Kamikawa is": a question in the
# word order of a statement, put back in the order of a question.
_INDIRECT = re.compile(
    r"^(?P<wh>what|who|where|when)\s+(?!(?:is|are|was|were|did|does|do|has|had|have|will|can"
    r"|would|could|should)\b)(?P<s>.+?)\s+(?P<verb>is|are|was|were|means|stands for"
    r"|happened|took place)$"
)


def _direct(clean: str) -> str:
    indirect = _INDIRECT.match(clean)
    if not indirect:
        return clean
    subject = " ".join(_FRAME_ADVERBS.sub(" ", f" {indirect['s']} ").split())
    verb = indirect["verb"]
    if verb in ("happened", "took place"):
        return f"when did {subject} happen" if indirect["wh"] == "when" else clean
    if verb in ("means", "stands for"):
        return f"what is {subject}" if indirect["wh"] == "what" else clean
    return f"{indirect['wh']} {verb} {subject}"


# "who is Blinken's Japanese counterpart", "who's the counterpart of Austin in Tokyo", "who does
# Sullivan deal with on the Japanese side": the holder of the same office in another government.
_COUNTERPART = (
    re.compile(
        r"^(?:(?:who is|who was|who were|who's|whos|who|name)\s+)?(?:the )?(?P<name>[\w .'-]+?)"
        r"(?:'s|s'|'| s)\s+(?P<pre>(?:[\w.'-]+ ){0,3}?)(?:counterparts?|opposite numbers?)"
        r"(?P<tail>(?: .*)?)$"
    ),
    re.compile(
        r"^(?:(?:who is|who was|who were|who's|whos|who)\s+)?(?:the )?(?P<pre>(?:[\w.'-]+ ){0,3}?)"
        r"(?:counterparts?|opposite numbers?) (?:of|to|for) (?P<name>[\w .'-]+?)"
        r"(?P<tail>(?: (?:in|on|from|at|during|as of|back in)\b.*)?)$"
    ),
    re.compile(
        r"^who (?:does|did|do) (?P<name>[\w .'-]+?) (?:deal|work|talk|liaise|coordinate) with"
        r"(?P<pre>) (?P<tail>(?:on|from|in|at) (?:the )?\w+(?: side| government| end)\b.*|in \w+.*)$"
    ),
)
_TIME_IN_TAIL = re.compile(r"\b(?:in|during|as of|around|on|back in|at the time of|at)\s+")


def _counterpart(clean: str) -> Question | None:
    for pattern in _COUNTERPART:
        if asked := pattern.match(clean):
            break
    else:
        return None
    tail, at = asked["tail"] or "", ""
    for time in _TIME_IN_TAIL.finditer(tail):
        rest = tail[time.end() :].strip(" ?")
        if _HAS_DIGIT_OR_MONTH.search(rest) or time.group().strip() in (
            "at the time of",
            "at",
            "during",
        ):
            tail, at = tail[: time.start()], rest
            break
    name = _strip_chat(asked["name"]).removeprefix("the ").strip()
    return Question("counterpart", subject=name, topic=f"{asked['pre']} {tail}".strip(), at=at)


# "who held the foreign minister job", "who had the post of secretary of state", "who was in
# the defense portfolio": the holder of the role, asked as "who was …".
_HELD_ROLE = re.compile(
    r"^(?P<who>who|whom)\s+(?:held|had|filled|occupied|was in|were in|sat in|got|took)\s+"
    r"(?:(?:the )?(?:post|job|position|role|office|seat|portfolio) of (?:the )?(?P<a>.+?)"
    r"|(?P<owner>(?:the )?[\w'-]+'s? |the )(?P<b>.+?) (?:post|job|position|role|office|seat"
    r"|portfolio))(?P<rest>(?: (?:in|at|during|on|under|back in|as of|before|after)\b.*)?)$"
)


def _held_role(clean: str) -> str:
    held = _HELD_ROLE.match(clean)
    if not held:
        return clean
    role = held["a"] or held["b"]
    if held["b"] and held["owner"].strip() != "the":
        role = f"{held['owner'].strip()} {role}"
    # "the defense portfolio" is the minister's; "the foreign minister job" already says so.
    role = re.sub(r"^((?:[\w'-]+ )?(?:defen[cs]e|foreign|finance|economy|trade))$", r"\1 minister",
                  role)  # fmt: skip
    return f"who was {role}{held['rest']}"


_WH_ADVERB = re.compile(r"^(what|who|where|when|why|how) (?:even|exactly|actually|really) ")


# "On this day" asked in many words: what is left of the question once the words that only
# frame it ("did anything notable happen", "throwback to", "in alliance history", "in past
# years", "any anniversaries") are gone must be one of these.
_THIS_DAY_FRAME = re.compile(
    r"\b(?:did|does|do|has|have|anything|something|any|notable|noteworthy|interesting|important"
    r"|significant|big|what|what's|whats|which|was|were|is|are|there|the|on|from|for|of|to|at"
    r"|happen|happened|happening|occur|occurred|go on|went on|going on|took place|take place"
    r"|throwback(?: to)?|flashback(?: to)?|history|alliance|our|in|over|during|past|previous"
    r"|earlier|other|prior|years|before|back then|anniversary|anniversaries|events?"
    r"|milestones?|moments?|remember|recall|this time)\b"
)
_THIS_DAY_MARKS = frozenset({"this day", "this date", "today's date", "today", "today's",
                             "this very day", "this day and date", "date"})  # fmt: skip


def _on_this_day(clean: str) -> bool:
    """Whether the question asks what happened on this day in other years."""
    bare = " ".join(_THIS_DAY_FRAME.sub(" ", clean.replace("?", " ")).split())
    return bare in _THIS_DAY_MARKS and bool(re.search(r"\b(?:this|today)", clean))


def _parse(clean: str, today: dt.date) -> Question:
    clean = _held_role(_WH_ADVERB.sub(r"\1 ", _direct(clean)))
    if _on_this_day(clean):
        return Question("on_this_day")
    if (unrecorded := _unrecorded(clean)) is not None:
        return unrecorded
    if (counterpart := _counterpart(clean)) is not None:
        return counterpart
    for form, pattern in _PATTERNS:
        match = pattern.match(clean)
        if not match:
            continue
        if form == "what" and (dated := _as_period(clean, today) or _done_then(clean, today)):
            # "what was on in mid-December 2023" asks for a span, not a term; "what was signed
            # 10 days ago", what was done then, not a term named "signed".
            return dated
        groups = match.groupdict()
        subject = _TRAILING.sub("", (groups.get("s") or groups.get("s2") or "").strip())
        told = groups.get("t") or groups.get("to") or groups.get("to2")
        topic = _TRAILING.sub("", (told or "").strip())
        if form == "who" and topic:
            subject, topic = f"{_HOLDER.get(subject, 'head')} of {topic}", ""
        if form == "who":
            # "who held the Japanese foreign ministry", "who headed the defense ministry": the
            # minister of it.
            subject = _MINISTRY.sub(r"\g<what> minister", subject)
        if form == "on_date":
            parsed = _read_date(subject, today)
            if parsed is None:
                continue
            return parsed
        if form == "compare" and groups.get("order") in ("after", "later than"):
            subject, topic = topic, subject
        if form == "compare":
            # "X vs Y - which came first?", "X vs Y, how are they different": the tail asks
            # the comparison; it is not part of Y.
            topic = _COMPARE_TAIL.sub("", topic).strip()
            # "Japan's defense budget vs the UK's": the second names the same thing of another.
            owner = re.fullmatch(r"(?:the )?(.+?)'s?", topic)
            thing = re.fullmatch(r"(?:the )?.+?'s (.+)", subject)
            if owner and thing:
                topic = f"{owner[1]}'s {thing[1]}"
            topic = _one_completed(subject, topic)
            subject = _bare_completed(subject, topic)
        if form == "who":
            return _who(subject)
        if form in ("yesno", "about"):
            subject = _FRAME_ADVERBS.sub(" ", f" {subject} ").strip() or subject
            subject = " ".join(subject.split())
        subject, topic, asks = _reason_asked(form, groups, clean, subject, topic)
        if (
            form == "about"
            and clean.startswith("what ")
            and (
                within := _topic_in_period(subject, today, months=False)
                or _topic_in_period(_period_last(subject, today), today, months=False)
            )
        ):
            # "what happened with the Ospreys in late November 2023": the events of a period
            # on a topic. A bare year or month stays with the text match, which checks it
            # as a premise ("what happened at the Quad summit in 2024"); "where did …"
            # asks for a place.
            return within
        return Question(form, subject=subject, topic=topic, asks=asks)
    dated = _as_period(clean, today)
    if dated is not None:
        return dated
    bare = " ".join(_ORDINAL_OF.sub(r"\1 ", _EVENT_WORDS.sub(" ", f" {clean} ")).split())
    if _BARE_DATE.match(bare):
        parsed = _read_date(bare, today)
        if parsed is not None:
            return parsed
    # "any Henoko news in late 2023", "what did Kamikawa do in late October 2023": a topic
    # within a span of days.
    return _topic_in_period(clean, today) or Question("free", subject=clean)


def _reason_asked(
    form: str, groups: dict[str, str | None], clean: str, subject: str, topic: str
) -> tuple[str, str, str]:
    """The subject, topic and `asks` of a why or purpose question (`asks` is "" for others)."""
    asks = "reason" if form == "about" and (_WHY.match(clean) or "why" in groups) else ""
    if form == "about" and groups.get("purpose") is not None:
        # "what was Kishida trying to achieve with the state visit": what it was for.
        subject, topic, asks = " ".join(filter(None, (subject, topic))), "", "purpose"
    if asks:
        # "why does the Philippines matter so much to Japan": what matters is the reason;
        # "why did they want to move Futenma": the reason for the move.
        subject = " ".join(_INTENT.sub(" ", _MATTERS.sub(" ", f" {subject} ")).split()) or subject
    elif form == "about" and _HOW.match(clean):
        asks = "manner"
    elif form == "about" and clean.startswith("where "):
        asks = "place"
    return subject, topic, asks


def _topic_in_period(text: str, today: dt.date, *, months: bool = True) -> Question | None:
    """ "any Henoko news in late 2023", "what happened with the Ospreys in late November
    2023", "the Quad since 2023": a topic within a span of days, or None."""
    if DESCRIPTION.match(text):  # "the US admiral who met … in late September"
        return None
    within = _WITHIN.match(text)
    if within is None:
        return _topic_then(text, today)
    when = within["p"] or within["open"]
    if within["open"] and not _HAPPENING.search(within["t"]):
        # "the highest support since 2002" is a claim, not events after 2002: an open span
        # asks for events only beside words that ask what happened or was done.
        return None
    span = read_period(when, today) or (_month_of(when, today) if months else None)
    topic = _period_topic(within["t"])
    if span is not None and not topic and not span.one_day and _ALLIANCE.search(within["t"]):
        return _period_question(when, span)  # "what was going on in the alliance in May 2023"
    if span is None:
        # "what was signed on February 30 2023": the bad date is named; "what happened
        # yesterday between Japan and the US": no span follows "between", the time may sit
        # elsewhere.
        return _impossible(when, within["t"], today) or _relative_inside(text, today)
    if not topic:
        return None
    if span.one_day and not _DONE.search(f" {within['t']} "):
        return None
    return _period_question(when, span, topic)


# Words that join what happened to the thing it happened with: "what happened in late 2023 with
# the Ospreys".
_WITH_WHAT = frozenset(
    {"with", "to", "for", "on", "at", "around", "regarding", "about", "involving"}
)


def _period_last(subject: str, today: dt.date) -> str:
    """ "late 2023 with the Ospreys" → "with the Ospreys in late 2023": a period asked before
    the thing it is asked of, put after it as the question is usually typed; else unchanged."""
    words = subject.split()
    for cut in range(min(5, len(words) - 2), 0, -1):
        if words[cut] in _WITH_WHAT and read_period(" ".join(words[:cut]), today):
            return f"{' '.join(words[cut:])} in {' '.join(words[:cut])}"
    return subject


def _done_then(clean: str, today: dt.date) -> Question | None:
    """ "what was agreed on Oct 12 2023": what was done at a time; "what was going on in the
    alliance in early 2024": everything then; or None."""
    within = _topic_in_period(clean, today)
    if within is None or not (_DONE.search(f" {clean} ") or not within.topic):
        return None
    return within


def _topic_then(text: str, today: dt.date) -> Question | None:
    """ "what was signed 10 days ago", "what did Japan announce yesterday": something done
    at a time named with no preposition before it (a relative day or span), or None."""
    if not _TIMEISH.search(text):
        return None  # most free text names no time: no need to read each of its parts
    words = text.split()
    # "in the last days of December 2023, what did …": a period of up to eight words first.
    leads = min(8, len(words) - 1) if _HAPPENING.search(text) else 0
    for cut in range(leads, 0, -1):
        # "spring 2024 alliance news?", "late 2023 henoko updates": the time first, then
        # what is asked within it.
        if not _TIMEISH.search(words[cut - 1]):
            continue  # a time ends with a word of time ("2023", "spring", "week", "ago")
        span = read_period(" ".join(words[:cut]).rstrip(",;:"), today)
        rest = " ".join(words[cut:])
        if span is not None and not span.one_day and _HAPPENING.search(rest):
            when = " ".join(words[:cut])
            topic = _period_topic(f" {rest} ")
            return _period_question(when, span, topic)
    trails = range(max(1, len(words) - 5), len(words)) if _DONE.search(f" {text} ") else ()
    for cut in trails:
        when = " ".join(words[cut:])
        span = read_period(when, today)
        head = " ".join(words[:cut])
        if span is None:
            if impossible := _impossible(when, head, today):
                return impossible
            continue
        topic = _period_topic(f" {head} ")
        if topic and _DONE.search(f" {head} "):
            return _period_question(when, span, topic)
        return None
    return _relative_inside(text, today)


# What was done, asked with a day: "what was signed", "what did Japan announce", "anything
# agreed"; a day with only a thing named ("the Quad on Dec 5") is left to the text match.
_DONE = re.compile(
    r"(?<=\s)(?:(?:what|anything|something)\s+(?:(?:was|were|got)\s+)?(?:\w+ed|said|held|made"
    r"|sent|met|begun|signed)|what\s+did\s+\S+(?:\s+\S+){0,3}?\s+(?:do|say|sign|agree|announce"
    r"|decide|launch|hold|send|approve|adopt|release|unveil|publish|condemn|criticize"
    r"|warn|urge|propose|pledge|promise|reveal|confirm|reject|welcome|call for|denounce)"
    # The lexicon's rewrite may leave its past form after "did" ("put out" → "released").
    r"(?:d|ed)?"
    # "what was Kishida up to", "what were the Quad ministers doing".
    r"|what\s+(?:was|were|is|are)\s+\S+(?:\s+\S+){0,3}?\s+(?:up to|doing))(?=[\s?,.!])"
)


_HAPPENING = re.compile(
    r"\b(?:happen\w*|did|done|doing|do|news|updates?|going on|went on|up to|anything"
    r"|events?|developments?)\b"
)


# A time relative to today, wherever it sits: "what happened yesterday between Japan and the
# US", "what did the defense chiefs discuss when they met yesterday".
_RELATIVE_TIME = re.compile(
    r"(?<!\S)(?:(?:the day before |earlier |later )?(?:yesterday|today)"
    r"|(?:a|an|one|two|three|four|five|six|\d{1,2}) (?:days?|weeks?|months?) ago(?: today)?"
    r"|(?:last|this|earlier this|later this) (?:week|month))(?!\S)"
)
# What a relative time comes with: meeting and talking besides the verbs of `_DONE`.
_MET_OR_DONE = re.compile(
    rf"{_DONE.pattern}|(?<=\s)what\s+(?:was|is)\s+(?:going on|happening)(?=[\s?,.!])"
    r"|(?<=\s)(?:what|anything)\s+(?:happened|went on|occurred|took place)(?=[\s?,.!])"
    r"|(?<=\s)what\s+did\s+\S+(?:\s+\S+){0,4}?\s+(?:discuss|talk about"
    r"|talk|cover|pledge|promise|commit to)(?=[\s?,.!])"
)


def _impossible(when: str, asked: str, today: dt.date) -> Question | None:
    """A date that cannot be ("February 30 2023"), beside something asked as done then: the
    question that names it; None otherwise."""
    dated = _read_date(when, today) if _DONE.search(f" {asked} ") else None
    return dated if dated is not None and dated.date_error else None


def _relative_inside(text: str, today: dt.date) -> Question | None:
    """Something done or talked about at a relative time inside the question, or None: the
    words around the time are the topic ("between Japan and the US" is none: the alliance)."""
    found = _RELATIVE_TIME.search(text)
    if found is None or (span := read_period(found[0], today)) is None:
        return None
    rest = " ".join(f"{text[: found.start()]} {text[found.end() :]}".split())
    rest = re.sub(
        r"\s(?:when|as|after) (?:they|he|she|the two|both) (?:met|spoke|talked)$", "", rest
    )
    if not _MET_OR_DONE.search(f" {rest} "):
        return None
    return _period_question(found[0], span, _period_topic(f" {rest} "))


def _period_topic(text: str) -> str:
    """What a question asks about within a period: "what did the Quad get up to" → "quad";
    the alliance itself is no topic: every event in the articles is about it."""
    topic = " ".join(_EVENT_WORDS.sub(" ", f" {text} ").split())
    topic = _DOING.sub(" ", f" {topic} ")
    return " ".join(_ALLIANCE.sub(" ", topic).split())


# The alliance as a whole ("alliance news", "US-Japan stuff", "between the US and Japan").
_ALLIANCE = re.compile(
    r"(?<!\S)(?:between )?(?:the )?(?:(?:us|japan|tokyo|washington)(?:[- ]| and (?:the )?)"
    r"(?:japan|us|tokyo|washington)"
    r"(?: security| defense)?(?: (?:alliance|relations?|relationship|ties))?"
    r"|(?:security |defense )?(?:alliance|relations?|relationship|ties))(?!\S)"
)


def _period_first(clean: str, today: dt.date) -> Question | None:
    """ "end of 2022 - what did Japan do": a period, then what is asked about within it."""
    first = _PERIOD_FIRST.match(clean)
    if not first:
        return None
    span = read_period(first["p"], today)
    if span is None:
        return None
    topic = _period_topic(f" {first['t']} ")
    if span.one_day and not (topic and _DONE.search(f" {first['t']} ")):
        # "10 days ago - what was signed?" is something done on the day; a day with no more
        # asked is the date reader's.
        return None
    return _period_question(first["p"], span, topic)


_ONE = re.compile(r"^(?:(?P<det>the|his|her|its|their|that) )?(?P<mod>.*?)\s*\bones?$")
_POSSESSOR = re.compile(r"^(?:the )?(?P<owner>[\w.-]+'s) ")
# What tells one of several alike apart: a date or a word of order or time.
_MODIFIERS = re.compile(
    r"^(?:(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? )?(?:19|20)\d\d"
    r"|original|old|new|first|second|third|previous"
    r"|current|latest|last|next|earlier|later|initial|revised|updated)\s+"
)


def _one_completed(subject: str, topic: str) -> str:
    """ "original Futenma completion date vs the current one", "Kishida's January 2023 trip vs
    his April 2024 one": "one" stands for the first thing, told apart by the second's words."""
    one = _ONE.match(topic)
    if not one or not one["mod"]:
        return topic
    owner = _POSSESSOR.match(subject)
    rest = subject[owner.end() :] if owner else _strip_determiner(subject)
    while (modifier := _MODIFIERS.match(rest)) and modifier.end() < len(rest):
        rest = rest[modifier.end() :]
    if owner and one["det"] in ("his", "her", "its", "their"):
        return f"{owner['owner']} {one['mod']} {rest}"
    return f"the {one['mod']} {rest}"


def _bare_completed(subject: str, topic: str) -> str:
    """ "the 2022 or the 2027 defense budget": a first side that is only a date or an order
    word names the same thing as the second."""
    rest = _strip_determiner(subject) + " "
    if not _MODIFIERS.fullmatch(rest):
        return subject
    thing = _strip_determiner(topic)
    while (modifier := _MODIFIERS.match(thing)) and modifier.end() < len(thing):
        thing = thing[modifier.end() :]
    return f"{subject} {thing}" if thing != _strip_determiner(topic) else subject


def _strip_determiner(text: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", text)


def _month_of(text: str, today: dt.date) -> Period | None:
    """ "January 2024" as the span of that month (or year), "Oct 12 2023" as that day, for a
    topic within it."""
    dated = _read_date(text, today)
    if dated is None or dated.form != "on_date" or dated.year is None:
        return None
    month = dated.month
    if dated.day is not None and month is not None:
        try:
            day = dt.date(dated.year, month, dated.day)
        except ValueError:
            return None
        return Period(day, day, f"{dated.day} {calendar.month_name[month]} {dated.year}")
    first = dt.date(dated.year, month or 1, 1)
    last = dt.date(dated.year, month or 12, calendar.monthrange(dated.year, month or 12)[1])
    label = f"{calendar.month_name[month]} {dated.year}" if month else str(dated.year)
    return Period(first, last, label)


_WITHIN = re.compile(
    r"^(?P<t>.+)\s+(?:(?:in|during|over|around|from|at|on|towards?|near|close to)\s+(?P<p>[^,]+?)"
    r"|(?P<open>(?:since|before|after|between)\s+[^,]+?))$"
)
# "end of 2022 - what did Japan do", "late 2023: anything on the Quad": a period before the ask.
_PERIOD_FIRST = re.compile(r"^(?P<p>[^,:;?]+?)(?:\s*[,:;]|\s+[-–—]+)\s+(?P<t>.+)$")
_DOING = re.compile(r"(?<=\s)(?:did|do|does|done|up to|get up to|doing|stuff|updates?)(?=\s)")


# "did Kishida ever go", "is Japan actually in": the frame of a yes/no or why question, not
# what it is about (an unknown word would count as a key word the answer must have).
_FRAME_ADVERBS = re.compile(
    r"(?<=\s)(?:actually|really|ever|yet|still|already|even|just|basically|officially|truly"
    r"|so much|in the first place|at all|exactly|anyway|(?:a )?part of|(?:one of )?(?:the )?members? of"
    r"|some kind of|some sort of|any kind of|any sort of|instead|going(?= to)|take place"
    r"|took place|happen|happened|occur|occurred|anything|something)(?=\s)"
)
# "under what conditions", "to what extent", "on what basis": a preposition may come first.
_WH_LEAD = re.compile(
    r"^(?:(?:under|in|on|for|to|at|by|from|with|since|until) )?"
    r"(?:which|what|how|whose|where|when|why)\s+\w+"
)
_WHY = re.compile(r"^(?:why|how come|for what reason|what caused|what led to|what made)\b")
# "why does X matter (so much) for Y", "why is X so important to Y": the frame of a why.
_MATTERS = re.compile(
    r"(?<=\s)(?:matter|matters|mattered|so important|important|so significant|significant"
    r"|such a big deal|a big deal|so crucial|crucial|key)(?=\s)"
)
# "why did they want to move X", "why did the plans have to change": the will or need to do
# something is the frame of a why; what was done is what the reason is asked for.
_INTENT = re.compile(
    r"(?<=\s)(?:want|wants|wanted|need|needs|needed|have|has|had|decide|decides|decided"
    r"|choose|chose|plan|plans|planned|try|tries|tried) to(?=\s)"
)
# "how will Japan reach 2%", "how does the counterstrike work": the manner of something (not
# "how many", "how long", which are figures and dates).
_HOW = re.compile(r"^how (?:is|are|was|were|will|would|does|do|did|can|could)\b")
_COMPARE_TAIL = re.compile(
    r"(?:\s+-\s+|\s*[,:;]\s+|\s+)(?:what|which|who|how|when|where|why|is|are|was|were|did)\b.*$"
)
_EVENT_WORDS = re.compile(
    r"(?<=\s)(?:anything|something|what|happened|happening|happen|going on|went on|events?"
    r"|on the calendar|scheduled|planned|coming up|(?:what|which) events?|what's on"
    r"|what is on|for|in|on|during|over|of note|at all|did|do we have|is there|was there"
    r"|the|any|notable|stuff|news|earlier|from|was|were|is|are|there|has|have|been)(?=[\s,?])"
)
_MINISTRY = re.compile(r"^(?:head of )?(?:the )?(?P<what>[\w' -]+?) ministry\b")
# The verb of "who commands X" as the title asked for; any other verb asks for the head.
_HOLDER = {
    "commands": "commander", "chairs": "chair", "commanded": "commander", "chaired": "chair"
}  # fmt: skip
_ORDINAL_OF = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? of\s")


_THIS_DAY_BACK = re.compile(
    r"^(?:this|the same|same|this same) (?:day|date)(?: of the year)?,? (?:(?P<year>(?:19|20)\d\d)"
    r"|(?P<last>last year|a year ago|the year before)|(?P<n>.+?) (?:ago|back|earlier))$"
)


def _this_day_back(text: str, today: dt.date) -> Period | None:
    """ "On this date in 2023", "this day 3 years ago", "the same day last year": one day."""
    match = _THIS_DAY_BACK.match(text)
    if not match:
        return None
    if match["n"]:
        return read_period(f"{match['n']} ago today", today)
    year = int(match["year"]) if match["year"] else today.year - 1
    try:
        day = today.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return None
    return read_period(day.isoformat(), today) or Period(day, day, day.isoformat())


def role_and_time(text: str) -> tuple[str, str] | None:
    """A phrase that may be a role followed by a time, with no "who" before it: "Japan's
    foreign minister back in Aug 2023", "defense minister at the January 2023 2+2", "defence
    minister Oct 2023". The (role, time) parts, or None; whether the first part is a role is
    for the caller, which knows the titles."""
    match = _AT_A_TIME.match(text) or _AT_A_RELATIVE_TIME.match(text)
    if match and match["at"]:
        return match["role"], match["at"]
    # No preposition: a date at the end ("oct 2023", "20 september 2023", "2023").
    bare = _TRAILING_DATE.search(text)
    if bare and bare.start() > 0:
        return text[: bare.start()].strip(" ,"), bare["at"]
    return None


def _who(subject: str) -> Question:
    """ "who was Japan's foreign minister in August 2023": a role at a time."""
    match = _AT_A_TIME.match(subject) or _AT_A_RELATIVE_TIME.match(subject)
    if match and match["at"]:
        role, at = match["role"], match["at"]
        where = _PLACE_THEN.match(at) if subject.startswith(f"{role} in ") else None
        if where and _HAS_DIGIT_OR_MONTH.search(where["at"]):
            # "foreign minister in Japan in July 2023": the country belongs to the role, the
            # date is the time.
            role, at = f"{role} of {where['place']}", where["at"]
        return Question("who", subject=subject, topic=role, at=at)
    return Question("who", subject=subject)


_PLACE_THEN = re.compile(
    r"^(?P<place>(?:the )?(?:us|u\.s\.|usa|united states|uk|[a-z]+))\s+(?:in|during|as of|by)"
    r"\s+(?P<at>.+)$"
)


def _period_question(text: str, period: Period, topic: str = "") -> Question:
    """The events of a period (`topic`: on what); a day alone is asked as a date."""
    if topic:
        return Question("period", subject=text, topic=topic, period=period)
    if period.one_day:
        day = period.first
        return Question("on_date", subject=text, year=day.year, month=day.month, day=day.day)
    return Question("period", subject=text, period=period)


# What dateutil can read a date from without a digit: its own month words (parserinfo.MONTHS).
# The prefixes of `_HAS_DIGIT_OR_MONTH` also let "maritime", "decision" or "mayor" through, and
# each such phrase cost a failed dateutil parse (~40 µs) in every long sentence's reading.
_DATEUTIL_READS = re.compile(
    r"\d|\b(?:jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august"
    r"|sep|sept|september|oct|october|nov|november|dec|december)\b"
)
_HAS_DIGIT_OR_MONTH = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
)
# A word a time is named with: a number or a month, a season or holiday, a word of relative time.
_TIMEISH = re.compile(
    rf"{_HAS_DIGIT_OR_MONTH.pattern}|\b(?:spring|summer|autumn|fall|winter|christmas|xmas"
    r"|holidays?|new year|golden week|obon|thanksgiving|today|yesterday|tomorrow|ago|weeks?"
    r"|months?|years?|weekend|tonight)\b"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# "jan 2023", "dec 5", "5 dec": a month shortened beside a number is the month, as the
# articles write it ("the jan 2023 2+2" is the January 2023 meeting). "may" and "mar" alone are
# words, but not before a year or a day.
_SHORT_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?(?= (?:\d{1,2}(?:st|nd|rd|th)?|(?:19|20)\d\d)\b)"
    r"|(?:(?<=\b\d )|(?<=\b\d\d ))(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b\.?"
)
_MONTH_NAMES = {name[:3].lower(): name.lower() for name in calendar.month_name if name}


# "Jan 9-13 2023", "5-7 December 2023": days of one month, as a range the period reader knows.
_DAY_RANGE = re.compile(
    rf"\b(?:(?P<m>{_MONTH}) (?P<a>\d{{1,2}})(?:st|nd|rd|th)?\s*[-\u2013]\s*(?P<b>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<a2>\d{{1,2}})(?:st|nd|rd|th)?\s*[-\u2013]\s*(?P<b2>\d{{1,2}})(?:st|nd|rd|th)? (?P<m2>{_MONTH}))"
    r"(?:,? (?P<y>(?:19|20)\d\d))?\b"
)


def _day_range_written_out(span: re.Match[str]) -> str:
    month = span["m"] or span["m2"]
    first, last = span["a"] or span["a2"], span["b"] or span["b2"]
    if not 1 <= int(first) < int(last) <= 31:
        return span[0]
    year = f" {span['y']}" if span["y"] else ""
    return f"between {month} {first} and {month} {last}{year}"


# "October 12, 2023": the comma of a date written out is no break between clauses.
_DAY_COMMA_YEAR = re.compile(rf"\b(?P<md>{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?), (?=(?:19|20)\d\d\b)")
# A date typed on its own ("September 18", "18 Sept 2023", "2023-09-18") asks what happened then.
_BARE_DATE = re.compile(
    rf"^(?:{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?:,? \d{{4}})?"
    r"|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d\d)$"
)
_ISO_LIKE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# A day or month of a year anywhere in a phrase ("the January 2023 2+2", "Camp David in Aug
# 2023"), with the preposition before it: the time an event is placed at.
DATE_IN_PHRASE = re.compile(
    rf"(?:\b(?:in|on|of|during) )?\b(?P<at>(?:\d{{1,2}}(?:st|nd|rd|th)? )?{_MONTH}"
    r"(?: \d{1,2}(?:st|nd|rd|th)?)?,? \d{4}|"
    rf"{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH})\b"
)
# A month or day of a year, or a year, ending a phrase ("defence minister oct 2023").
_TRAILING_DATE = re.compile(
    rf"[ ,](?P<at>(?:\d{{1,2}}(?:st|nd|rd|th)? )?{_MONTH}(?: \d{{1,2}}(?:st|nd|rd|th)?)?,? \d{{4}}"
    r"|(?:19|20)\d\d)$"
)


def _read_date(text: str, today: dt.date) -> Question | None:
    """A date or period in any common form; `None` when the text is not a date at all."""
    text = text.strip().removeprefix("the ").strip()
    period = read_period(text, today) or _this_day_back(text, today)
    if period is not None:
        return _period_question(text, period)
    if _ON_THIS_DAY.match(text):
        return Question("on_this_day")
    if not _DATEUTIL_READS.search(text):
        return None
    iso = _ISO_LIKE.match(text)
    if iso:
        try:
            exact = dt.date(*(int(g) for g in iso.groups()))
        except ValueError:
            return Question("on_date", subject=text, date_error=f"{text} is not a real date")
        return Question("on_date", subject=text, year=exact.year, month=exact.month, day=exact.day)
    # Parse twice with different default years: where they differ, the text gave no year.
    try:
        first = date_parser.parse(text, default=dt.datetime(2000, 1, 1), fuzzy=False)
        second = date_parser.parse(text, default=dt.datetime(2004, 2, 2), fuzzy=False)
    except (ValueError, OverflowError) as error:
        message = str(error)
        if "out of range" in message or "must be in" in message:
            return Question("on_date", subject=text, date_error=f"{text} is not a real date")
        return None
    year: int | None = first.year if first.year == second.year else None
    month: int | None = first.month if first.month == second.month else None
    day: int | None = first.day if first.day == second.day else None
    if month is None and day is None and year is None:
        return None
    if month is None:
        # "in 2023": a whole year; handled as a year question.
        return Question("on_date", subject=text, year=year)
    return Question("on_date", subject=text, year=year, month=month, day=day)
