"""`alliance-bot kb draft seeds/NEW.txt`: propose knowledge base entries for a new article.

Reads the article and prints YAML for an admin to review and append: a `sources` entry, dated
lines and sentences as `events`, quotations with their speakers as `quotes`, and titled names as
`people`. Every `evidence` is copied verbatim from the article, so `kb check` accepts it as is.
Fields that must be in our own words (`summary`, `about`, `definition`) are left empty on purpose:
`kb check` then points at each one (file, line, id) until an admin has written it, so an
unreviewed draft can never go live. Never writes into `knowledge/`.

Heuristics only (regular expressions, no model): they aim at recall, and the admin deletes what
is not worth keeping. People already in the knowledge base are not proposed again; the draft
lists them in a comment with the citation to add.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.text import name_key

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_FULL_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
# "Nov. 29, 2023", "Dec. 5-7, 2023", "January 13, 2023"
_DAY_DATE = re.compile(
    rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:\s*[-–]\s*(?P<d2>\d{{1,2}}))?,?\s+(?P<y>(?:19|20)\d\d)\b"
)
_MONTH_DATE = re.compile(
    rf"\b(?:in|In|since|Since|by|By|until|of)\s+(?P<m>{_FULL_MONTH})\s+(?P<y>(?:19|20)\d\d)\b"
)
_YEAR_DATE = re.compile(r"\b(?:in|In|since|Since|by|By|until)\s+(?P<y>(?:19|20)\d\d)\b(?!-)")
# "last December", "in early September", "this May": resolved against the article's own date.
_RELATIVE_MONTH = re.compile(
    rf"\b(?P<rel>[Ll]ast|[Tt]his|[Ii]n|[Ee]arly|[Ll]ate|[Mm]id-?)\s+(?:(?:early|late|mid-?)\s*)?"
    rf"(?P<m>{_FULL_MONTH})\b(?!\s*\d)"
)
_RELATIVE_YEAR = re.compile(r"\b(?P<rel>[Ll]ast|[Tt]his)\s+(?P<unit>year|month)\b")
_STATED_DATE = re.compile(r"\bdate\s+(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-\d\d\b")
# A chronology line: "Nov. 29, 2023: A US Air Force CV-22 Osprey crashes …"
_CHRONOLOGY = re.compile(rf"^\s*{_DAY_DATE.pattern}\s*:\s*(?P<rest>\S.*)$")

_TITLES = (
    r"(?:Prime Minister|Vice President|President|Secretary of State|Secretary of Defense|"
    r"Defense Secretary|Secretary of Commerce|Secretary|Deputy Secretary|Under Secretary|"
    r"Assistant Secretary|Foreign Minister|Defense Minister|Minister for Foreign Affairs|"
    r"Minister of Defense|Minister|State Minister|Ambassador|Chief Cabinet Secretary|"
    r"Governor|Senator|Representative|Speaker|Chancellor|Admiral|Adm\.|General|Gen\.|"
    r"Lt\. Gen\.|Commander|Chairman|Chair|Director|Director General|CEO|Spokesperson|"
    r"Trade Representative|National Security Advisor|King|Queen|Emperor|Mayor|Dr\.)"
)
_NAME_WORD = r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}"
_TITLED = re.compile(rf"\b(?P<title>{_TITLES})\s+(?P<name>{_NAME})")
_ORG_WORD = r"(?:[A-Z][\w&’'-]*|of|for|and|the|on)"
_TWO_NAMES = rf"{_NAME_WORD}\s+{_NAME_WORD}(?![\w-]| [A-Z])"
# "Under Secretary of Commerce for International Trade Marisa Lago hold …"
_TITLED_OF = re.compile(
    rf"\b(?P<title>{_TITLES}\s+(?:of|for)\s+{_ORG_WORD}(?:\s+{_ORG_WORD})*?)\s+(?P<name>{_TWO_NAMES})"
)
# "said Alexandra Sakaki, a Japan expert at …" / "as Jeffrey Hornung has pointed out"
_CITED = re.compile(
    rf"\b(?:said|says|according to|as|by)\s+(?P<name>{_TWO_NAMES})"
    rf"(?:,\s+(?:a|an|the)\s+(?P<title>[^,.;]{{3,80}})|(?=\s+(?:argued|has|have|said|noted|wrote|writes)\b))"
)
# Words a capitalised run may start with that are not names.
_NOT_NAMES = frozenset(
    "The A An And Of In On At For To With By From Japan Japanese US American China Chinese "
    "Korea Korean South North Tokyo Washington Okinawa Russia Ukraine Indo-Pacific It This That "
    "He She They His Her Their Meanwhile However".split()
)

_QUOTED = re.compile(r"“(?P<curly>[^“”]{2,600})”|\"(?P<straight>[^\"\n]{2,600})\"")
_SPEECH = re.compile(
    r"\b(?:said|says|say|declared|stated|told|noted|added|warned|remarked|wrote|affirmed|"
    r"pledged|stressed|emphasized|called|according to|explained|insisted|argued)\b"
)
_ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k mr mrs ms dr gen adm lt st no vs "
    "e.g i.e eg ie inc jr sr".split()
)
_SENTENCE_END = re.compile(r"[.!?][”\"’)]*\s+(?=[“\"A-Z0-9(])")


@dataclass
class DraftPerson:
    id: str
    name: str
    titles: list[str]
    evidence: str
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DraftEvent:
    id: str
    date: str
    end: str | None
    title: str
    evidence: str
    people: tuple[str, ...]


@dataclass(frozen=True)
class DraftQuote:
    id: str
    text: str
    person: str | None
    speaker: str | None
    date: str | None
    evidence: str


@dataclass
class Draft:
    """What `kb draft` proposes for one article."""

    file: str
    source_id: str
    title: str
    people: list[DraftPerson]
    events: list[DraftEvent]
    quotes: list[DraftQuote]
    known_people: dict[str, str]  # person id already in the base -> evidence in this article


def draft_command(article: Path, knowledge_dir: Path) -> int:
    """Print the draft for `article` as YAML; exit status 1 if the article cannot be read."""
    try:
        text = article.read_bytes().decode("utf-8")
    except OSError as error:
        print(f"alliance-bot: cannot read {article}: {error.strerror}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"alliance-bot: {article} is not UTF-8 text", file=sys.stderr)
        return 1
    try:
        kb: KnowledgeBase | None = load_knowledge(knowledge_dir)
    except KnowledgeBaseInvalid:
        # Drafting still helps while the base is being fixed; only collision checks are weaker.
        print(
            f"alliance-bot: note: {knowledge_dir} has errors; ids are checked against the "
            "files' ids only where they could be read",
            file=sys.stderr,
        )
        kb = None
    draft = draft_article(text, f"seeds/{article.name}", kb)
    print(render_draft(draft), end="")
    return 0


def draft_article(text: str, file: str, kb: KnowledgeBase | None) -> Draft:
    """Propose entries for `text` (the article cited as `file`), ids unique against `kb`."""
    taken: set[str] = set(kb.entries) if kb is not None else set()
    known = _known_names(kb)
    sentences = list(_sentences(text))
    reference = _reference_month(text)

    prefix = re.match(r"(\d+)", Path(file).name)
    source_id = _unique(f"src-{prefix[1]}" if prefix else f"src-{_slug(Path(file).stem)}", taken)
    title = _title(text)

    people: dict[str, DraftPerson] = {}
    known_people: dict[str, str] = {}
    for sentence in sentences:
        matches = [*_TITLED_OF.finditer(sentence), *_TITLED.finditer(sentence)]
        matches += list(_CITED.finditer(sentence))
        for match in matches:
            role = (match["title"] or "").strip()
            name = _trim_name(match["name"])
            if name is None:
                continue
            key = name_key(name)
            if key in known:
                known_people.setdefault(known[key], sentence)
                continue
            existing = _same_person(people, key)
            if existing is not None:
                if role and role not in existing.titles:
                    existing.titles.append(role)
                if name != existing.name and name not in existing.aliases:
                    existing.aliases.append(name)
                continue
            people[key] = DraftPerson(
                id="", name=name, titles=[role] if role else [""], evidence=match.group(0).strip()
            )
    for person in people.values():
        person.id = _unique(_slug(person.name), taken)
    by_name = {name_key(p.name): p.id for p in people.values()}
    by_name.update({name_key(a): p.id for p in people.values() for a in p.aliases})
    # "Kamikawa said …" after "Foreign Minister Kamikawa Yoko": one word of a name, when only
    # one drafted person has it.
    word_counts = Counter(w for p in people.values() for w in set(name_key(p.name).split()))
    for person in people.values():
        for word in name_key(person.name).split():
            if word_counts[word] == 1 and len(word) >= 4:
                by_name.setdefault(word, person.id)
    all_names = {**known, **by_name}

    events: list[DraftEvent] = []
    seen_evidence: set[str] = set()
    for sentence in sentences:
        dated = _date_of(sentence, reference)
        if dated is None or sentence in seen_evidence:
            continue
        seen_evidence.add(sentence)
        date, end, rest = dated
        involved = tuple(dict.fromkeys(i for n, i in _names_in(sentence, all_names)))
        events.append(
            DraftEvent(
                id=_unique(f"ev-{date}-{_slug(' '.join(_content_words(rest)[:4]))}", taken),
                date=date,
                end=end,
                title=_clip(rest, 100),
                evidence=sentence,
                people=involved,
            )
        )

    quotes: list[DraftQuote] = []
    for sentence in sentences:
        for match in _QUOTED.finditer(sentence):
            words = (match["curly"] or match["straight"]).strip()
            if len(words.split()) < 4 and not _SPEECH.search(sentence):
                continue  # a scare-quoted word ("counterstrike"), not a quotation
            speaker_id, speaker = _speaker(sentence, all_names)
            dated = _date_of(sentence, reference)
            base = speaker_id or _slug(speaker or "unknown")
            quotes.append(
                DraftQuote(
                    id=_unique(f"q-{base}-{_slug(' '.join(_content_words(words)[:4]))}", taken),
                    text=words,
                    person=speaker_id,
                    speaker=None if speaker_id else speaker,
                    date=dated[0] if dated else None,
                    evidence=sentence,
                )
            )

    return Draft(
        file=file,
        source_id=source_id,
        title=title,
        people=list(people.values()),
        events=events,
        quotes=quotes,
        known_people=known_people,
    )


def render_draft(draft: Draft) -> str:
    """The draft as YAML with review comments; strings are JSON-quoted (valid YAML)."""
    q = _quote
    out = [
        f"# Draft entries for {draft.file} — review before appending to knowledge/.",
        '# Evidence is copied verbatim. Empty "" fields need our own words: `alliance-bot kb',
        "# check` lists each one (file, line, id) until it is written. Delete what is not worth",
        "# keeping; ids do not collide with the current knowledge base.",
        "sources:",
        f"  - id: {draft.source_id}",
        f"    file: {draft.file}",
        f"    title: {q(draft.title)}",
        "    aliases: []",
        "    sources:",
        f"      - file: {draft.file}",
        f"        evidence: {q(draft.title)}",
    ]
    if draft.known_people:
        out.append("# Already in the knowledge base; add this article to their sources:")
        for person_id, evidence in draft.known_people.items():
            out.append(
                f"#   {person_id}: {{file: {draft.file}, evidence: {q(_clip(evidence, 160))}}}"
            )
    out.append("people:" if draft.people else "people: []")
    for person in draft.people:
        out += [
            f"  - id: {person.id}",
            f"    name: {q(person.name)}",
            f"    aliases: [{', '.join(q(a) for a in person.aliases)}]",
            "    roles:",
            *(f"      - title: {q(t)}   # as the article words it; check" for t in person.titles),
            '    summary: ""',
            "    sources:",
            f"      - file: {draft.file}",
            f"        evidence: {q(person.evidence)}",
        ]
    out.append("events:" if draft.events else "events: []")
    for event in draft.events:
        out += [
            f"  - id: {event.id}",
            f"    date: {q(event.date)}",
            *([f"    end: {q(event.end)}"] if event.end else []),
            f"    title: {q(event.title)}   # shorten, in our words",
            '    summary: ""',
            f"    people: [{', '.join(event.people)}]",
            "    aliases: []",
            "    sources:",
            f"      - file: {draft.file}",
            f"        evidence: {q(event.evidence)}",
        ]
    out.append("quotes:" if draft.quotes else "quotes: []")
    for quote in draft.quotes:
        who = f"person: {quote.person}" if quote.person else f"speaker: {q(quote.speaker or '')}"
        out += [
            f"  - id: {quote.id}",
            f"    {who}",
            f"    text: {q(quote.text)}",
            *(
                [f"    date: {q(quote.date)}   # the date in the sentence; check"]
                if quote.date
                else []
            ),
            '    about: ""',
            "    aliases: []",
            "    sources:",
            f"      - file: {draft.file}",
            f"        evidence: {q(quote.evidence)}",
        ]
    return "\n".join(out) + "\n"


# --- reading the article -----------------------------------------------------------------------


def _sentences(text: str) -> Iterator[str]:
    """Sentences, each an exact substring of `text`; a chronology line is one sentence."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if _CHRONOLOGY.match(line):
            yield line
            continue
        start = 0
        for boundary in _SENTENCE_END.finditer(line):
            end = boundary.start() + len(boundary.group(0).rstrip())
            last_word = line[start : boundary.start() + 1].split()[-1].rstrip(".").lower()
            if last_word in _ABBREVIATIONS or len(last_word) == 1:
                continue  # "Jan. 13", "U.S. officials", "Joe B. Smith"
            piece = line[start:end].strip()
            if piece:
                yield piece
            start = boundary.end()
        piece = line[start:].strip()
        if piece:
            yield piece


def _reference_month(text: str) -> tuple[int, int] | None:
    """(year, month) the article was written: a stated `date YYYY-MM-DD`, else its latest date."""
    stated = _STATED_DATE.search(text)
    if stated is not None:
        return int(stated["y"]), int(stated["m"])
    found = [(int(m["y"]), _MONTHS[m["m"][:3].lower()]) for m in _DAY_DATE.finditer(text)]
    return max(found) if found else None


def _date_of(
    sentence: str, reference: tuple[int, int] | None = None
) -> tuple[str, str | None, str] | None:
    """(date, end, the words after the date) for a dated sentence or chronology line; month
    names without a year ("last December") are read relative to `reference`."""
    line = _CHRONOLOGY.match(sentence)
    match = line or _DAY_DATE.search(sentence)
    if match is not None:
        month = _MONTHS[match["m"][:3].lower()]
        year = int(match["y"])
        day = int(match["d"])
        if not 1 <= day <= 31:
            return None
        date = f"{year:04d}-{month:02d}-{day:02d}"
        end = f"{year:04d}-{month:02d}-{int(match['d2']):02d}" if match["d2"] else None
        return date, end, line["rest"] if line else sentence
    match = _MONTH_DATE.search(sentence)
    if match is not None:
        return f"{int(match['y']):04d}-{_MONTHS[match['m'][:3].lower()]:02d}", None, sentence
    match = _YEAR_DATE.search(sentence)
    if match is not None:
        return match["y"], None, sentence
    if reference is None:
        return None
    year, month = reference
    relative = _RELATIVE_MONTH.search(sentence)
    if relative is not None:
        named = _MONTHS[relative["m"][:3].lower()]
        this_year = relative["rel"].lower() == "this" or named <= month
        return f"{year if this_year else year - 1:04d}-{named:02d}", None, sentence
    relative = _RELATIVE_YEAR.search(sentence)
    if relative is not None:
        back = 1 if relative["rel"].lower() == "last" else 0
        if relative["unit"] == "year":
            return f"{year - back:04d}", None, sentence
        total = year * 12 + (month - 1) - back
        return f"{total // 12:04d}-{total % 12 + 1:02d}", None, sentence
    return None


def _title(text: str) -> str:
    """The headline: the first short line repeated near the top (sites print it twice), else the
    first line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:20]
    for line in lines:
        if len(line.split()) >= 4 and lines.count(line) > 1:
            return line
    return lines[0] if lines else "Untitled"


def _trim_name(raw: str) -> str | None:
    words = raw.split()
    while words and words[-1] in _NOT_NAMES:
        words.pop()
    if not words or words[0] in _NOT_NAMES:
        return None
    return " ".join(words)


def _same_person(people: dict[str, DraftPerson], key: str) -> DraftPerson | None:
    """A one-word name ("Kamikawa") is the person whose full name has that word."""
    if key in people:
        return people[key]
    for other_key, person in people.items():
        if key in other_key.split() or other_key in key.split():
            return person
    return None


def _known_names(kb: KnowledgeBase | None) -> dict[str, str]:
    if kb is None:
        return {}
    names: dict[str, str] = {}
    for person in kb.of_kind("person"):
        for name in person.names():
            names.setdefault(name_key(name), person.id)
    return names


def _names_in(sentence: str, names: dict[str, str]) -> list[tuple[int, str]]:
    """(position, person id) of every known name in `sentence`, longest names first."""
    folded = name_key(sentence)
    found: list[tuple[int, str]] = []
    for key, person_id in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if len(key) < 4:
            continue
        at = f" {folded} ".find(f" {key} ")
        if at != -1:
            found.append((at, person_id))
    return sorted(found)


def _speaker(sentence: str, names: dict[str, str]) -> tuple[str | None, str | None]:
    """The person id of the known name before the speech verb (or the first one in the
    sentence), else a titled name in the sentence, else a capitalised name before a verb."""
    found = _names_in(sentence, names)
    verb = _SPEECH.search(sentence)
    if found and verb is not None:
        # "…,” Kishida said. / Kishida said “…”: the name just before the speech verb.
        at = len(name_key(sentence[: verb.start()]))
        before = [f for f in found if f[0] <= at]
        if before:
            return before[-1][1], None
    if found:
        return found[0][1], None  # the sentence's subject comes first
    titled = _TITLED.search(sentence)
    if titled is not None:
        return None, _trim_name(titled["name"]) or titled["name"]
    named = re.search(rf"({_NAME})\s+{_SPEECH.pattern}", sentence)
    if named is not None and _trim_name(named[1]):
        return None, _trim_name(named[1])
    return None, None


# --- ids and text --------------------------------------------------------------------------------


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name_key(text).encode("ascii", "ignore").decode()).strip("-")
    return slug[:60].rstrip("-") or "entry"


def _unique(candidate: str, taken: set[str]) -> str:
    """`candidate`, or `candidate-2`, `-3`… whichever no entry (nor earlier draft) uses."""
    result, number = candidate, 2
    while result in taken:
        result, number = f"{candidate}-{number}", number + 1
    taken.add(result)
    return result


def _content_words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", text)
    return [w for w in words if w.lower() not in {"the", "a", "an", "of", "and", "in", "on", "to"}]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _quote(text: str) -> str:
    # JSON strings are valid YAML double-quoted scalars, and keep curly quotes as they are.
    return json.dumps(text, ensure_ascii=False)
