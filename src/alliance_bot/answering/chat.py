"""What people wrap a question in when they type it in chat, and how they spell it.

`questions.parse_question` reads this once per question. Two things live here:

- the chat spellings ("whats", "rn", "idk", "ne1"), a table of data in `chat_words.yaml`: ordinary
  English, not knowledge (the articles' own synonyms are `knowledge/lexicon.yaml`);
- a small grammar of request frames, built from its parts rather than listed phrase by phrase: a
  polite asker ("could you", "any chance you could", "I'd love", "need"), a verb of telling
  ("tell me about", "fill me in on", "walk me through") and/or a noun for what is wanted ("a quick
  rundown of", "the gist of", "some background on"); a clause saying what the asker is doing
  ("prepping a brief for tomorrow", "for my notes"); and a trailing ask with no object of its own
  ("X, what happened?", "X confuses me, explain?").

A frame word can also be what a question is about ("the Florida memo", "the space deal"): the
grammar only removes such a word where it sits in a frame ("working on a memo, …"), never on its
own, so "give me the gist of the Florida memo" keeps "the florida memo".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources

import yaml


def read_spellings(data: object) -> dict[str, str]:
    """The chat spellings, every group of `chat_words.yaml` (as loaded) in one table."""
    if not isinstance(data, dict):
        raise ValueError("chat_words.yaml: not a mapping of groups")
    table: dict[str, str] = {}
    for group, words in data.items():
        if not isinstance(words, dict):
            raise ValueError(f"chat_words.yaml, {group}: not a mapping")
        for typed, meant in words.items():
            if not isinstance(typed, str) or not isinstance(meant, str) or typed in table:
                # The file ships with the package; a bad row is a bug of this release.
                raise ValueError(f"chat_words.yaml, {group}: bad or repeated entry {typed!r}")
            table[typed] = meant
    return table


def read_frames(data: object) -> dict[str, dict[str, str]]:
    """The topic frames' words, the `frames` group of `chat_words.yaml` (as loaded): for each
    part of the grammar, its words and what each says the asker wants first."""
    if not isinstance(data, dict) or set(data) != set(_FRAME_PARTS):
        raise ValueError(f"chat_words.yaml, frames: not a mapping of {', '.join(_FRAME_PARTS)}")
    parts: dict[str, dict[str, str]] = {}
    for part, words in data.items():
        wants = _FRAME_PARTS[part]
        if (
            not isinstance(words, dict)
            or not words
            or any(
                not isinstance(w, str) or not isinstance(v, str) or v not in wants
                for w, v in words.items()
            )
        ):
            raise ValueError(f"chat_words.yaml, frames, {part}: each word must say one of {wants}")
        parts[part] = {fold_spaces(w): v for w, v in words.items()}
    return parts


def fold_spaces(text: str) -> str:
    return " ".join(text.lower().split())


# What a frame word may say the asker wants first (`WANTS`); the mention parts say nothing.
WANTS = ("thing", "happened", "found", "said")
_FRAME_PARTS = {
    "nouns": WANTS,
    "verbs": WANTS,
    "mentioners": ("",),
    "mention_verbs": ("",),
    "places": ("",),
}
_DATA = yaml.safe_load(resources.files(__package__).joinpath("chat_words.yaml").read_text("utf-8"))
if not isinstance(_DATA, dict) or "frames" not in _DATA:
    raise ValueError("chat_words.yaml: no frames group")  # shipped with the package: a bug
SPELLINGS = read_spellings({g: w for g, w in _DATA.items() if g != "frames"})
FRAMES = read_frames(_DATA["frames"])
SPELLING = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(re.escape(w) for w in sorted(SPELLINGS, key=len, reverse=True))
    + r")(?![\w'])"
)


def spelt_out(text: str) -> str:
    """Folded text with its chat spellings written out ("whos kihara rn" → "who is kihara right
    now")."""
    return SPELLING.sub(lambda m: SPELLINGS[m.group(0)], text)


# Slack's own markup around words: _italic_, *bold*, ~struck~, `code`.
_MARKUP = re.compile(r"(?<![\w*_~`])[*_~`]+(?=[^\s*_~`])|(?<=[^\s*_~`])[*_~`]+(?![\w*_~`])")
# Words struck through are words taken back ("what is the ~nato~ quad"); a lone "~" is "about".
_STRUCK = re.compile(r"(?<![\w~])~(?=[^\s~])[^~]*?(?<=[^\s~])~(?![\w~])")


def unformatted(text: str) -> str:
    """Folded text without Slack's markup around words ("what's _the quad_?"), and without the
    words struck through."""
    if "~" in text:
        text = _STRUCK.sub(" ", text)
    return _MARKUP.sub("", text) if any(c in text for c in "*_~`") else text


# Quotation marks around words; an apostrophe inside a word ("kishida's", "who's") stays.
_QUOTE_MARK = re.compile(r"(?<!\w)['\"]+|['\"]+(?!\w)")


def unquoted(text: str) -> str:
    """Folded text without quotation marks around words or the whole question: '"who is
    Hamada?"', 'the "spear and shield" thing', "the 'America first' line"."""
    if "'" not in text and '"' not in text:
        return text
    return " ".join(_QUOTE_MARK.sub(" ", text).split())


# ----------------------------------------------------------------------------- requests
_ME = r"(?:me|us|the team)"
# Who asks, and how politely: any number of these may come before the request itself.
_ASKER = (
    r"(?:(?:could|can|would|will) (?:you|someone|anyone|somebody|anybody)"
    r"(?: (?:please|maybe|possibly|quickly|just|pls))?"
    r"|please|kindly|just|(?:would|do) you mind|mind|any chance(?: (?:you|u) (?:could|can))?"
    r"|is it possible to|(?:i'd|i would|id|would|i) (?:love|like|appreciate|welcome)"
    r"|i (?:need|want|could use|could do with)|need|want|could use|could do with"
    r"|(?:i am |i'm )?(?:looking for|after|hoping for)"
    r"|(?:can you |could you )?help me(?: out)?(?: with)?"
    # "anyone have the gist of X", "does anybody know the background on X", "u got info on X".
    r"|(?:does |do )?(?:anyone|anybody|someone|somebody|you|u|ya|y'all)"
    r" (?:have|has|got|know|remember|happen to (?:have|know))(?: got)?)"
)
# Verbs of learning, whose object is the subject: "trying to understand X", "help me make sense
# of X", "want to know more about X".
_LEARN = (
    r"(?:(?:i am |i'm )?trying to|help me|(?:i )?(?:want|need|would like|'d like|wanna) to"
    r"|hoping to|i'd like to)"
    r" (?:understand|figure out|get my head around|wrap my head around|make sense of"
    r"|learn(?: more)? about|find out(?: more)? about|know more about|read up on|get a handle on)"
)
# Verbs of telling, with their own preposition ("fill me in on", "walk me through").
_TELL = (
    r"(?:(?:tell|telling|give|giving|get|getting|send|sending|share|sharing|show|showing|remind"
    rf"|grab|find|fetch|dig up) {_ME}(?: about| of| on)?"
    rf"|fill {_ME} in(?: on| about)?|catch {_ME} up(?: on| with)?|bring {_ME} up to speed on"
    rf"|brief {_ME} on|update {_ME} on|walk {_ME} through|run {_ME} through|talk {_ME} through"
    rf"|clue {_ME} in on|school {_ME} on|enlighten {_ME} (?:on|about)"
    r"|explain(?:ing)?(?: to (?:me|us))?|summari[sz](?:e|ing)|describ(?:e|ing)|recap(?:ping)?"
    rf"|filling {_ME} in(?: on| about)?|walking {_ME} through|break(?:ing)? down|outline|go over"
    r"|look up|pull up|talk about|let me know about|give|share|get|find|dig up)"
)
# What is wanted, as a noun: "a quick rundown of", "the gist of", "some background on".
_WANTED = (
    r"(?:(?:a|an|the|some|any|your|more|a bit of|a little) )?"
    r"(?:(?:quick|short|brief|little|basic|rough|simple|high-level|high level|one-line|general"
    r"|fuller|bit more|few) )*"
    r"(?:summary|overview|rundown|run-down|lowdown|low-down|gist|basics|background|context"
    r"|explainer|explanation|primer|refresher|breakdown|recap|info|information|details|detail"
    r"|update|updates|take|scoop|short version|tl;dr|tldr|picture|story|status|facts|intel"
    r"|quick take|lines|word|words|everything|anything|all|whatever you (?:know|have|got))"
    r" (?:of|on|about|regarding|re|behind|around|concerning)"
)
REQUEST = re.compile(
    rf"^(?:{_ASKER} )*(?:{_TELL}(?: {_WANTED})?|{_WANTED}|{_LEARN})\s+(?P<rest>.+)$"
)

# ----------------------------------------------------------------------------- context
# What the asker is doing: "prepping a brief for tomorrow", "working on my notes". The thing
# they work on is only dropped as part of this clause.
_WORK = (
    r"(?:brief|briefing|briefing deck|memo|memorandum|notes|note|deck|report|slides|presentation"
    r"|talking points|summary|one-pager|doc|document|email|newsletter|piece|paper|write-up"
    r"|meeting|call|class|lecture|talk|exam|interview|prep)"
)
_WHEN = (
    r"(?:tomorrow|today|tonight|later|this (?:week|afternoon|morning|evening)|next week"
    r"|on (?:monday|tuesday|wednesday|thursday|friday)|at \d{1,2}(?::\d\d)?(?: ?[ap]m)?)"
)
_WHOSE = (
    r"(?:a|an|my|the|our|some|this|these|tomorrow's|today's|next week's|the boss's|my boss's"
    r"|(?:monday|tuesday|wednesday|thursday|friday)'s)"
)
_DOING = (
    r"(?:(?:i am|i'm|we are|we're|am|just|currently|still) )*(?:working on|prepping|preparing"
    r"|prep|writing up|writing|putting together|drafting|doing|updating|building|finishing"
    r"|reviewing|getting ready for|studying for|reading up for)"
)
# Only words that describe the work itself may come between: "for the quad meeting" is about
# the Quad, not the asker's meeting.
_KIND_OF_WORK = (
    r"(?:(?:quick|short|big|weekly|daily|morning|evening|team|internal|policy|news|staff|board"
    r"|client|press|class|research|background|prep|briefing) )?"
)
_FOR_WORK = rf"(?:{_WHOSE} )?{_KIND_OF_WORK}{_WORK}(?: (?:for|on) {_WHEN}| {_WHEN})?"
# Someone else asking through the user: "my boss wants to know", "the team is asking".
_SOMEONE = (
    r"(?:my|the|our) (?:boss|ceo|head|chief|manager|editor|team|client|colleague|minister"
    r"|ambassador|professor|teacher) (?:wants|needs|would like|asked|is asking|was asking"
    r"|asked me)(?: (?:to know|me to (?:find out|check|ask)))?"
)
# Chat markers that carry no question ("tbh", "got a sec?").
_MARKER = (
    r"(?:tbh|fwiw|iirc|afaik|ngl|imo|imho|omg|pls|please|nvm|yeah|yea|yep|yup|wait|hmm+"
    r"|gm|re(?=\s*:)|fwd(?=\s*:)"
    r"|got a (?:sec|second|minute|min)"
    r"|(?:i|we) (?:do not|don't) (?:know|get|understand|remember|recall)|not sure|no idea"
    r"|quick favou?r|question for you|a question|silly question|dumb question|noob question"
    # "sorry if this is basic but", "might be a dumb question but": an apology, no question.
    r"|(?:(?:sorry |apologies )?if this is|(?:this )?(?:might|may) be|probably|prob) (?:a |an )?"
    r"(?:basic|dumb|stupid|silly|obvious|noob|naive|newbie) ?(?:one|question|q)?(?: but)?"
    r"|before (?:my|the|a|our) (?:\d{1,2}(?::\d\d)? ?(?:[ap]m)?|[\w'-]+ )?(?:meeting|call|brief"
    r"|briefing)?)"
)
# "I was wondering if you could tell me about X": the request follows.
_IF_YOU_COULD = (
    r"(?:if|whether) (?:you|u|someone|anyone|somebody|anybody) (?:could|can|would|will|might)"
    r"(?: (?:please|maybe|possibly|quickly|just|pls))?"
)
LEAD = re.compile(
    rf"^(?:{_DOING} {_FOR_WORK}|for {_FOR_WORK}|{_SOMEONE}|{_MARKER}|{_IF_YOU_COULD})"
    r"(?:[\s,!.:;?-]+(?:and |so |but )?|$)"
)
# "writing up notes on the Osprey crash, what happened": what the notes are on is the subject.
WORK_ON = re.compile(rf"^{_DOING} (?:{_WHOSE} )?{_KIND_OF_WORK}{_WORK} (?:on|about) (?P<rest>.+)$")
TAIL = re.compile(
    r"(?:[\s,;:.!?-]+(?:(?:i )?need (?:it|this|that) |asking |it's |its |it is )?for"
    rf" {_FOR_WORK}"
    r"|[\s,;:.!?-]+if (?:you|u)(?: have| know| can| could| have got|'ve got| got| do| remember)"
    r"(?: (?:it|one|any|that|this|anything|some|them))?"
    r"|[\s,;:.!?-]+(?:can you |could you )?help(?: me)?(?: (?:out|pls|please))?"
    # What the asker says of themselves: "… i lost track", "… i can't remember", "no idea".
    r"|[\s,;:.!?-]+(?:tbh |honestly |lol |sorry )?(?:i(?:'ve| have|'m| am)? (?:totally |completely"
    r" |kind of |kinda )?(?:lost track|forgot(?:ten)?|forget|keep forgetting|can't remember"
    r"|cant remember|don't remember|dont remember|confused|lost|never understood(?: it)?"
    r"|never got it|no idea)|no idea|(?:so |totally )?confused)(?: (?:tbh|lol|honestly))?"
    r"|[\s,;:.!?-]+(?:(?:much )?appreciated|appreciate it|(?:thanks|thank you|ty) in advance"
    r"|tia|cheers mate|many thanks|(?:and|n|&) (?:thanks|thank you)|(?:lol )?jk|j/k"
    # "explain X to me like I'm five", "… for dummies": how simply, not what.
    r"|(?:to me |for me )?(?:like i am|as if i am|as if i were|like i was)"
    r" (?:5|five|a child|a kid|a newbie|a beginner|new here)"
    r"|(?:to me )?for (?:a )?(?:dummies|beginners|newbies|newbie|beginner|layman|laymen"
    r"|non-experts|non-expert)))+$"
)
# "if the MLR is in Okinawa", "whether Kishida went": a yes/no put as a statement. "if you
# could tell me about X" is a request, not a yes/no, and is left to the request grammar.
WHETHER = re.compile(
    r"^(?:if|whether"
    # "is it correct that the Futenma deal dates from 1996", "can you confirm that …".
    r"|(?:is|was|isn't|wasn't) it (?:true|correct|right|the case|accurate|so) that"
    r"|(?:(?:can|could) (?:you|someone|anyone) )?(?:confirm|check|verify) (?:that|whether|if))"
    r" (?!(?:you|u|someone|anyone|somebody|anybody) (?:could|can|would|will"
    r"|might|know|have)\b)(?P<clause>.+)$"
)
# A claim put up to be checked: "I have a draft that says the Futenma move was agreed in 2006. Is
# that right?", "the May 2023 G7 summit was in Tokyo right?": a yes/no on the claim.
CHECKED = re.compile(
    r"^(?:(?:i (?:have|have got|'ve got|got) (?:a|an|the|my|our) (?:draft|memo|note|notes|slide"
    r"|brief|report|piece) (?:that|which) (?:says?|claims?)|(?:my|the|our) (?:draft|memo|notes?"
    r"|slide|brief) says?|(?:someone|a colleague|my boss|my editor) (?:told me|says|said|claims)"
    r"|i (?:read|heard|think|thought|believe)|i was told)(?: that)? )?"
    r"(?P<clause>(?!(?:who|whom|whose|what|when|where|which|why|how)\b).+?)[\s,;:.!?-]+"
    r"(?:is (?:that|this|it) (?:right|correct|true|accurate|so)"
    r"|(?:am i|is that) (?:right|correct)|right|true|correct|is that the case|yeah|yes|no|yep"
    r"|isn't it|wasn't it|didn't (?:he|she|they|it)|did(?:n't)? (?:he|she|they|it) not"
    r"|can (?:you|someone|anyone) (?:confirm|check)(?: (?:that|this|it))?)$"
)

# Where the answer is to come from, which every answer cites anyway: "according to our
# material", "in the articles", "as the author sees it".
SOURCE_REFERENCE = re.compile(
    r"[\s,;:-]*\b(?:according to|in|from|per|based on) (?:the|these|our|your|those|this)"
    r" (?:articles?|material|materials|sources?|reporting|coverage|notes|files|data|piece|pieces"
    r"|reports?|texts?|documents?|knowledge base|chronology|timeline|news)\b"
    r"|[\s,;:-]*\b(?:as|how) (?:the|these) (?:authors?|articles?|piece|report) (?:sees? it|puts? it"
    r"|tells? it|says?|describes? it)\b|[\s,;:-]*\bin the (?:author's|articles') (?:view|words)\b"
)

# A trailing ask with no object of its own: what comes before it is the subject.
TRAILING_ASK = re.compile(
    r"^(?P<rest>.+?)(?:[\s,;:.!?-]+)(?:(?:what happened(?: there| then| exactly)?"
    r"|what (?:is|was) (?:that|it|this|the story)(?: about| all about)?)(?: and .+)?"
    r"|explain(?: (?:it|that|this))?"
    r"|thoughts|details|any details|more info|any info|background|context|summary|anything"
    r"|what do (?:we|you) (?:know|have)|what is the story|what is up with (?:that|it)"
    r"|(?:it |that |this )?(?:confuses|baffles|puzzles|loses|lost) me(?:[\s,;:.-]+explain)?"
    r"|i (?:do not|don't) (?:get|understand) (?:it|that|this))$"
)

# A person described, then asked for: "the US envoy in Tokyo, who is that", "the Philippine
# foreign secretary, what is his name". What comes before it is who is asked about.
TRAILING_WHO = re.compile(
    r"^(?P<rest>.+?)(?:[\s,;:.!?-]+)(?:who is (?:that|it|this|he|she|they|they are)"
    r"|who (?:was|were) (?:that|it|this|he|she|they)|what (?:is|was|are) (?:his|her|their) names?"
    # "jeffrey hornung - who is he and what was his point": the first ask decides.
    r"|(?:his|her|their) names?|name)(?: and .+)?$"
)

# The time asked last: "austin and kihara met when?", "the osprey crash happened when exactly".
TRAILING_WHEN = re.compile(
    r"^(?!(?:when|what|who|where|why|how|which|did|does|do|is|was|were|are)\b)"
    r"(?P<rest>.*\b(?:[a-z]{2,}ed|met|took|began|went|came|flew|fell|spoke|won|gave|made|held"
    r"|said|told|became|left)\b.*?)(?: (?:that|it))? when(?: exactly| again| was that| was it)?$"
)


# ----------------------------------------------------------------------------- topics
# A thing named inside chat that is not about it: "can someone remind me what the Economic 2+2
# actually covered", "whats the context on X", "X, background?", "someone brought X up in
# standup". The words are data (`FRAMES`); the grammar here says where they go. What is left is
# the thing, and the frame says what the asker wants first of it (`WANTS`).
def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NOUN = _alternation(FRAMES["nouns"])
_VERB = _alternation(FRAMES["verbs"])
_MENTIONER = _alternation(FRAMES["mentioners"])
_MENTIONS = _alternation(FRAMES["mention_verbs"])
_PLACE = _alternation(FRAMES["places"])
# Adverbs of chat that sit anywhere in a frame and ask nothing.
_ADV = r"(?:actually|really|exactly|even|basically|ever|all|just|specifically|concretely|again)"
_ADJ = r"(?:(?:quick|short|brief|basic|general|rough|real|whole|full|main|big|overall|bigger) )*"
_OF = r"(?:on|for|about|with|behind|of|re|regarding|around|concerning|surrounding|over|w|to)"
_DET = r"(?:(?:the|all the|all this|any|some|a|more|a bit of|a little) )?"
# A break between clauses: punctuation, or a dash set off by spaces ("Japan-US Plus" is a name).
_BREAK = r"(?:\s*[,;:.!?]+\s*|\s+[-\u2014\u2013]+\s+)"
_AUX = r"(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could)"
_ANY_BREAK = re.compile(_BREAK)

# "what is the context on X", "what's the gist of X", "what was the story behind X".
_WHAT_NOUN = re.compile(
    rf"^what (?:{_ADV} )?(?:is|was|are|were) {_DET}{_ADJ}(?P<noun>{_NOUN}) {_OF} (?P<x>.+)$"
)
# "context on X", "any background on X?": the noun alone, as the whole question.
_NOUN_ON = re.compile(rf"^{_DET}{_ADJ}(?P<noun>{_NOUN}) {_OF} (?P<x>.+)$")
# "X — what's the background?", "X, context?", "X: the gist pls", "X — what's that deal",
# "X, what's going on" (what happened in it).
_NOUN_AFTER = re.compile(
    rf"^(?P<x>.+?){_BREAK}(?:(?:so |and |but |ok )?what (?:is|was|are|were) )?"
    rf"(?:(?:(?:that|this) )?{_DET}{_ADJ}(?P<noun>{_NOUN})|(?P<going>going on|happening))"
    r"(?: (?:here|there|on (?:it|that|this)|behind (?:it|that|this)|with (?:it|that|this)"
    r"|please|pls|anyone|someone))*$"
)
# "what's all this about X", "what is the fuss over X".
_ALL_THIS = re.compile(
    r"^what (?:is|was) (?:all )?(?:this|that) (?:about|with|around|over) (?P<x>.+)$"
)
# "what X actually covered", "what X is about" (after "remind me", "explain", "anyone know").
_WHAT_CLAUSE = re.compile(
    rf"^what (?:{_ADV} )?(?!{_AUX}\b|happened\b|came\b)(?P<x>.+?) (?:{_ADV} )*(?P<verb>{_VERB})$"
)
# "what should I know about X", "what is X and why does it matter", "why does X matter here":
# what X is.
_WHAT_KNOW = re.compile(
    r"^(?:what|anything) (?:should|do|does|would|must|might) (?:i|we|you|one|people|someone|a newbie)"
    r" (?:need to |have to |ought to |want to )?know about (?P<x>.+)$"
)
_AND_WHY = re.compile(r"^what (?:is|are|was|were) (?P<x>.+?) and (?:why|how) .+$")
_WHY_MATTER = re.compile(
    r"^(?:why|how come) (?:does|do|did|is|are|was|were|would|should) (?P<x>.+?)"
    r" (?:matter|matters|important|so important|significant|so significant|relevant"
    r"|(?:such )?a big deal)(?: here| now| at all| to (?:us|japan|the us|the alliance))*$"
)
# "what came out of X", "what was agreed at X": what happened there.
_WHAT_HAPPENED = re.compile(
    r"^what (?:came out of|resulted from|was (?:agreed|decided|announced|signed|achieved|settled)"
    r" (?:at|in|during|by|on)|happened (?:at|with|during|in)|went on (?:at|with|during|in)"
    r"|(?:is|was) (?:the )?(?:outcome|result|upshot) of) (?P<x>.+)$"
)
# "what did X cover", "what did the survey find about Japan", "what has X achieved".
_WHAT_DID = re.compile(
    rf"^what (?:did|does|do|has|have|had|will) (?P<x>.+?) (?:{_ADV} )*(?P<verb>{_VERB})"
    r"(?: (?:about|on|regarding|re|for|of|in|at|when|after|during|while) (?P<t>.+))?$"
)
_PRONOUN = re.compile(r"^(?:it|that|this|they|them|those|these|he|she)$")
# "the space agreement - what did it cover?": the ask after the thing, about it by a pronoun.
_ASK_AFTER = re.compile(
    rf"^(?P<x>.+?){_BREAK}(?:so |and |but |ok )?(?P<ask>what (?:did|does|do|has|have|is|was)"
    r" (?:it|that|this|they) .+)$"
)
# A thing named by its occasion ("the Quad cyber group meeting in Tokyo", "the dialogue in
# December") is what happened there: its event, before the term for the kind of meeting.
_OCCASION = re.compile(
    r"\b(?:meeting|meetings|summit|talks|call|visit|trip|session|ministerial|conference"
    r"|ceremony|interview|speech|address|tour|(?:in|on|during|at|from|of) (?:january|february"
    r"|march|april|may|june|july|august|september|october|november|december|(?:19|20)\d\d))\b"
)


def occasion(thing: str) -> bool:
    """Whether `thing` names a meeting or a time of its own."""
    return bool(_OCCASION.search(thing))


def topic_asked(text: str) -> tuple[str, str] | None:
    """The thing a frame wraps and what the asker wants first of it (one of `WANTS`), or None
    when `text` is no topic frame: "what's the context on the MLR" → ("the mlr", "thing"),
    "what did the Chicago Council survey find about Japan" → ("the chicago council survey
    japan", "found")."""
    # The dearer patterns only where they can match: a what-question, or a break in the text.
    asks = text.startswith("what ")
    broken = bool(_ANY_BREAK.search(text))
    found = (
        (asks and (_WHAT_NOUN.match(text) or _ALL_THIS.match(text)))
        or _NOUN_ON.match(text)
        or (broken and _NOUN_AFTER.match(text))
    )
    if found:
        noun = found.groupdict().get("noun")
        # "any details on what X committed to": the clause inside says more than the noun.
        inner = topic_asked(found["x"]) if found["x"].startswith("what ") else None
        going = found.groupdict().get("going")
        wants = FRAMES["nouns"][noun] if noun else "happened" if going else "thing"
        return inner or _thing(found["x"], wants)
    if broken and (after := _ASK_AFTER.match(text)) and not _ASK_AFTER.match(after["ask"]):
        ask = re.sub(r" (?:it|that|this|they) ", f" {after['x']} ", after["ask"], count=1)
        return topic_asked(ask)
    if known := _WHAT_KNOW.match(text) or _AND_WHY.match(text) or _WHY_MATTER.match(text):
        return _thing(known["x"], "thing")
    if happened := _WHAT_HAPPENED.match(text):
        return _thing(happened["x"], "happened")
    if not asks:
        return None
    if did := _WHAT_DID.match(text):
        verb = did["verb"]
        if verb in ("is", "was", "are", "were", "say", "said", "says"):
            return None  # "what did X say" is a quote question, asked its own way
        return _thing(did["x"], FRAMES["verbs"][verb], verb, did["t"])
    if clause := _WHAT_CLAUSE.match(text):
        return _thing(clause["x"], FRAMES["verbs"][clause["verb"]], clause["verb"])
    return None


# "the Taiwan contingency line", "the spear and shield remark": a thing named as words said.
_SAID_NOUN = re.compile(r" (?:line|remark|remarks|comment|comments|quote|phrase|slogan|soundbite)$")


def _thing(phrase: str, wants: str, verb: str = "", about: str = "") -> tuple[str, str] | None:
    phrase = phrase.strip()
    if said := _SAID_NOUN.search(phrase):
        phrase, wants = phrase[: said.start()].strip(), "said"
    if not phrase or _PRONOUN.match(phrase):
        return None
    # What was agreed or pledged is what the entry says ("committed to", "agreed"): the verb
    # stays a word of the question. What a thing covers, is or says says nothing of it.
    kept = verb if wants in ("happened", "said") and verb not in ("say", "said", "says") else ""
    if wants == "thing" and occasion(phrase):
        wants = "happened"
    return " ".join(filter(None, (phrase, kept, about))), wants


# "someone brought X up in standup", "heard people talking about X, what is it", "a colleague
# keeps mentioning X at the all-hands": who brings it up and where are chat; X and what follows
# are the question.
_MENTIONED = re.compile(
    rf"^(?:(?P<who>{_MENTIONER})(?: (?:in|at|during|on) (?:{_PLACE}))? )?(?:{_MENTIONS})(?: (?P<who2>{_MENTIONER}) (?:{_MENTIONS}))?"
    rf" (?P<x>.+?)(?P<up> up)?(?: (?:in|at|during|on|over|from|via) (?P<place>{_PLACE}))?"
    rf"(?P<rest>{_BREAK}.*)?$"
)
# "this X everyone mentions", "the X people keep talking about": the clause after the thing.
_MENTIONED_AFTER = re.compile(
    rf"^(?P<x>.+?) (?:that |which )?(?:{_MENTIONER}) (?:{_MENTIONS})"
    rf"(?: (?:in|at|during|on) (?:{_PLACE}))?(?P<rest>{_BREAK}.*)?$"
)


# The last word of each way of mentioning ("mentions", "about" of "talking about"): a text
# without one cannot end a thing with a mention.
_MENTION_WORDS = frozenset(v.split()[-1] for v in FRAMES["mention_verbs"])


def unmentioned(text: str) -> str:
    """`text` without the chat saying who brought a thing up and where ("someone brought the
    MLR up in standup, what is it" → "the mlr, what is it")."""
    mentioned = _MENTIONED.match(text)
    if mentioned and any(mentioned[part] for part in ("who", "who2", "place", "up")):
        return (mentioned["x"].strip() + (mentioned["rest"] or "")).strip()
    after = _MENTIONED_AFTER.match(text) if _MENTION_WORDS.intersection(text.split()) else None
    if after:
        return re.sub(r"^(?:this|that|these|those) ", "the ", after["x"]) + (after["rest"] or "")
    return text


_PATTERNED = ("summarize", "summarise", "summarizing", "describe", "describing", "favour", "favor")
# The grammar's own words: never spelling-corrected ("explainer" is not a misspelt "explain").
FRAME_WORDS = frozenset(
    w
    for source in (_ASKER, _LEARN, _TELL, _WANTED, _WORK, _DOING, _SOMEONE, _MARKER)
    # Whole words only: "summari[sz]e" and "favou?r" are patterns, not words.
    for w in [*re.findall(r"(?<![\\\w])[a-z]{5,}(?![\w\[(?])", source), *_PATTERNED]
) | frozenset(
    # The topic frames' words ("coverd" is "covered"), whole words of five letters or more.
    w
    for part in FRAMES.values()
    for phrase in part
    for w in phrase.split()
    if len(w) >= 5 and w.isalpha()
)
