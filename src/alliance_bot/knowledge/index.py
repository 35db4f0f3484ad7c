"""The search index built once per knowledge base load, so a question never scans every entry.

Two structures:
- names: every name, alias, term and title under its folded key, with a token -> names map and a
  character-trigram map over name tokens, so a typo ("hamda") reaches "hamada" by looking up a few
  trigrams instead of comparing against every name;
- full text: an inverted index of English stems with BM25 weights over each entry's own words and
  its evidence, used for free text, events and figures questions.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from alliance_bot.knowledge.models import Entry, Kind, Person
from alliance_bot.knowledge.text import STOPWORDS, name_key, search_words, stem

# A name's typo must still be this close (rapidfuzz ratio, 0-100) to count as the same word.
_TOKEN_CUTOFF = 80.0
# Above this many postings a stem is too common to generate candidates on its own.
_CANDIDATE_CAP = 3000
# A name word found in more names than this only counts when rarer words found nothing.
_COMMON_TOKEN = 500
# Remembered typo lookups per vocabulary (a few MB at most).
_EXPAND_CACHE = 20000
# No word in the knowledge base is longer; longer "words" are noise and are not corrected.
_LONGEST_WORD = 40
# A question's first this many words are searched; nothing the base names needs more.
_MOST_QUERY_WORDS = 60
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?![\w'’-])")
_EQUIVALENT_WEIGHT = 0.4
_BM25_K1 = 1.2
_BM25_B = 0.75


@dataclass(frozen=True)
class NameMatch:
    """An entry whose name matched a phrase: the score and the name that matched."""

    entry_id: str
    score: float
    name: str


@dataclass(frozen=True)
class TextMatch:
    """An entry found by free text: BM25 score and the share of the question's weight it covers."""

    entry_id: str
    score: float
    coverage: float
    # Share of the question's weight found in what the entry is about (its names, a quote's
    # speaker and topic): an entry that mentions the words only in passing (an article's
    # "[World War II]") covers the question without being about it.
    name_coverage: float = 0.0


def _grams(token: str) -> set[str]:
    padded = f" {token} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class _FuzzyVocabulary:
    """Words reachable by exact spelling or, for longer words, by a close misspelling.

    `exact_only` words (short acronyms: "MLR", "AUKUS") are never reached by a misspelling: one
    letter off a five-letter acronym is usually another acronym, not a typo.
    """

    def __init__(self, vocabulary: Iterable[str], exact_only: Collection[str] = ()) -> None:
        self.words = set(vocabulary)
        grams: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.words):
            if len(word) >= 4 and word not in exact_only:
                for gram in _grams(word):
                    grams[gram].append(word)
        self._grams = dict(grams)
        # Lookups repeat (the same word in many questions, or many times in one): remember them,
        # boundedly, so a crafted question cannot make each repeat cost a full search.
        self._cache: dict[str, dict[str, float]] = {}

    def expand(self, word: str) -> dict[str, float]:
        """Known words that `word` may mean, each with its similarity (100 for exact)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found = self._expand(word)
        if len(self._cache) >= _EXPAND_CACHE:
            self._cache.clear()
        self._cache[word] = found
        return found

    def _expand(self, word: str) -> dict[str, float]:
        found = {word: 100.0} if word in self.words else {}
        if len(word) < 4 or len(word) > _LONGEST_WORD:
            return found
        shared: Counter[str] = Counter()
        for gram in _grams(word):
            shared.update(self._grams.get(gram, ()))
        # Words sharing too few trigrams cannot reach the cutoff; don't score them.
        needed = max(2, (len(word) + 2) // 3)
        candidates = sorted(w for w, n in shared.items() if n >= needed and w != word)
        for candidate, score, _ in process.extract(
            word,
            candidates,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=_TOKEN_CUTOFF,
            limit=8,
        ):
            found.setdefault(candidate, score)
        return found


class NameTable:
    """Names (or role titles) of entries under their folded keys, with typo-tolerant lookup."""

    def __init__(
        self, pairs: Iterable[tuple[str, str]], *, exact_only: Collection[str] = ()
    ) -> None:
        owners: dict[str, set[str]] = defaultdict(set)
        for entry_id, name in pairs:
            key = name_key(name)
            if key:
                owners[key].add(entry_id)
        self._names = {k: tuple(sorted(v)) for k, v in owners.items()}
        token_names: dict[str, list[str]] = defaultdict(list)
        for key in self._names:
            for token in set(key.split()):
                token_names[token].append(key)
        self._token_names = dict(token_names)
        self._vocabulary = _FuzzyVocabulary(self._token_names, exact_only)

    def has_token(self, token: str) -> bool:
        return token in self._token_names

    def exact(self, phrase: str) -> list[NameMatch]:
        key = name_key(phrase)
        return [NameMatch(i, 100.0, key) for i in self._names.get(key, ())]

    def lookup(
        self,
        phrase: str,
        *,
        limit: int = 10,
        cutoff: float = 50.0,
        scorer: Callable[..., float] = fuzz.token_sort_ratio,
    ) -> list[NameMatch]:
        """Entries whose name is close to `phrase`, best first; one match per entry."""
        key = name_key(phrase)
        if not key:
            return []
        best: dict[str, NameMatch] = {m.entry_id: m for m in self.exact(key)}
        expanded = sorted(
            (len(self._token_names.get(known, ())), known)
            for token in sorted(set(key.split()))
            for known in self._vocabulary.expand(token)
        )
        candidates: Counter[str] = Counter()
        for count, known in expanded:
            # Rarest words first; a word in hundreds of names ("minister", "of") says little
            # about which one is meant, and counting them all is most of a lookup's cost.
            if count > _COMMON_TOKEN and candidates:
                continue
            candidates.update(self._token_names.get(known, ()))
        if candidates:
            pool = [name for name, _ in candidates.most_common(200)]
            for name, score, _ in process.extract(
                key, pool, scorer=scorer, processor=None, score_cutoff=cutoff, limit=limit * 3
            ):
                for entry_id in self._names[name]:
                    if entry_id not in best or best[entry_id].score < score:
                        best[entry_id] = NameMatch(entry_id, float(score), name)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.entry_id))
        return ranked[:limit]

    def sharing_a_word(self, phrase: str, *, limit: int = 30) -> list[str]:
        """Up to `limit` entries with a name containing one of the phrase's words exactly (for
        did-you-mean), rarest words first: they say most about what was meant."""
        tokens = [t for t in name_key(phrase).split() if len(t) >= 3 and t not in STOPWORDS]
        tokens.sort(key=lambda t: len(self._token_names.get(t, ())))
        found: dict[str, None] = {}
        for token in tokens:
            for name in self._token_names.get(token, ()):
                for entry_id in self._names[name]:
                    found.setdefault(entry_id)
                if len(found) >= limit:
                    return list(found)
        return list(found)


class SearchIndex:
    """Immutable lookup structures over one knowledge base snapshot."""

    def __init__(
        self, entries: Sequence[Entry], *, equivalents: Mapping[str, frozenset[str]] | None = None
    ) -> None:
        self._ids = [e.id for e in entries]
        self._positions = {entry_id: position for position, entry_id in enumerate(self._ids)}
        self._kind_at: list[Kind] = [e.kind for e in entries]
        self._kinds: dict[str, Kind] = {e.id: e.kind for e in entries}
        acronyms = _acronyms(name for e in entries for name in e.names())
        self.names = NameTable(
            ((e.id, name) for e in entries for name in e.names()), exact_only=acronyms
        )
        self.roles = NameTable(
            (e.id, role.title) for e in entries if isinstance(e, Person) for role in e.roles
        )

        postings: dict[str, dict[int, float]] = defaultdict(dict)
        name_stems: list[frozenset[str]] = []
        lengths: list[int] = []
        surface: dict[str, str] = {}
        ordinary: set[str] = set()
        for position, entry in enumerate(entries):
            counts: Counter[str] = Counter()
            name_stems.append(frozenset(stem(w) for w in search_words(entry.subject_text())))
            fields = [
                (" ".join(entry.names()), 3.0),
                (entry.search_text(), 1.0),
                (" ".join(c.evidence for c in entry.sources), 1.0),
            ]
            for text, weight in fields:
                for word in search_words(text):
                    stemmed = stem(word)
                    surface.setdefault(word, stemmed)
                    counts[stemmed] += weight  # type: ignore[assignment]
            for citation in entry.sources:
                ordinary.update(_LOWER_WORD.findall(citation.evidence))
            lengths.append(int(sum(counts.values())))
            for stemmed, tf in counts.items():
                postings[stemmed][position] = tf
        self._postings = dict(postings)
        self._name_stems = name_stems
        self._lengths = lengths
        self._average_length = (sum(lengths) / len(lengths)) if lengths else 1.0
        count = max(1, len(entries))
        self._idf = {
            s: math.log(1 + (count - len(p) + 0.5) / (len(p) + 0.5)) for s, p in postings.items()
        }
        self._unknown_idf = math.log(1 + (count + 0.5) / 0.5)
        self._surface = surface
        self._text_vocabulary = _FuzzyVocabulary(surface, acronyms)
        self._equivalents: Mapping[str, frozenset[str]] = equivalents or {}
        # Words the articles write in lower case: ordinary words a question's typo may mean.
        self.ordinary_words = frozenset(w for w in ordinary if len(w) >= 3)
        self._ordinary = _FuzzyVocabulary(self.ordinary_words)
        self.vocabulary = frozenset(self._postings)

    # full text -------------------------------------------------------------------------------
    def query_stems(self, text: str) -> dict[str, float]:
        """The question's meaningful stems with their weights; typos are corrected when close."""
        stems: dict[str, float] = {}
        for word in search_words(text)[:_MOST_QUERY_WORDS]:
            stemmed = stem(word)
            if stemmed in self._postings:
                stems.setdefault(stemmed, self._idf[stemmed])
                continue
            alternatives = self._alternatives(stemmed)
            if alternatives:
                # A lexicon word no entry uses, standing for words entries do use.
                stems.setdefault(stemmed, min(self._idf[s] for s in alternatives))
                continue
            corrected = [
                self._surface[w] for w in self._text_vocabulary.expand(word) if w in self._surface
            ]
            if corrected:
                stems.setdefault(corrected[0], self._idf[corrected[0]])
            else:
                # An unknown word is the most telling word of all: nothing we have covers it.
                stems.setdefault(stemmed, self._unknown_idf)
        return stems

    def knows(self, word: str) -> bool:
        """Whether a folded word is one the knowledge base uses (in any entry or name)."""
        return stem(word) in self._postings or self.names.has_token(word)

    def correct(self, word: str, extra: Collection[str] = ()) -> str | None:
        """The ordinary word (one the articles write in lower case, or one of `extra`) that a
        misspelt word most likely is: one edit from five letters, two from nine; None if none
        is that close or two are equally close."""
        if len(word) < 5 or len(word) > _LONGEST_WORD:
            return None
        allowed = 1 if len(word) < 9 else 2
        pool = {w for w in self._ordinary.expand(word) if w != word}
        pool.update(w for w in extra if abs(len(w) - len(word)) <= allowed)
        scored = sorted((Levenshtein.distance(word, w, score_cutoff=allowed + 1), w) for w in pool)
        scored = [(d, w) for d, w in scored if d <= allowed]
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None
        return scored[0][1]

    def _alternatives(self, stemmed: str) -> tuple[str, ...]:
        """The stem and its lexicon equivalents that some entry uses."""
        same = self._equivalents.get(stemmed)
        if not same:
            return (stemmed,) if stemmed in self._postings else ()
        return tuple(sorted(s for s in same if s in self._postings))

    def missing(self, text: str, entry_id: str) -> list[str]:
        """The words of `text` (as typed, folded) that an entry's words do not cover, even
        through a lexicon equivalent or a close spelling."""
        position = self._positions.get(entry_id)
        if position is None:
            return search_words(text)
        missing: list[str] = []
        for word in search_words(text)[:_MOST_QUERY_WORDS]:
            stemmed = stem(word)
            options = set(self._alternatives(stemmed))
            if not options:
                options = {
                    self._surface[w]
                    for w in self._text_vocabulary.expand(word)
                    if w in self._surface
                }
            if not any(position in self._postings.get(o, ()) for o in options):
                missing.append(word)
        return missing

    def share_using(self, word: str) -> float:
        """The share of entries whose words include `word` (0 for a word none uses)."""
        posting = self._postings.get(stem(word))
        return len(posting) / len(self._ids) if posting and self._ids else 0.0

    def kind_of(self, entry_id: str) -> Kind:
        return self._kinds[entry_id]

    def text(
        self,
        text: str,
        *,
        kinds: frozenset[Kind] | None = None,
        among: Collection[str] | None = None,
        limit: int = 10,
        min_coverage: float = 0.4,
    ) -> list[TextMatch]:
        """Entries ranked by share of the question covered, then BM25; only those covering at
        least `min_coverage`. `among` restricts the search to these entry ids."""
        stems = self.query_stems(text)
        total = sum(stems.values())
        if not total:
            return []
        groups = {s: self._alternatives(s) for s in stems}
        known = sorted(
            (s for s in stems if groups[s]),
            key=lambda s: sum(len(self._postings[a]) for a in groups[s]),
        )
        kind_at = self._kind_at
        candidates: set[int] = set()
        if among is not None:
            candidates = {self._positions[i] for i in among if i in self._positions}
        else:
            # Rarest stems first. Once the stems taken hold more than 1 - min_coverage of the
            # question's weight, an entry with none of them cannot reach min_coverage, so the
            # common stems' long postings need not be read.
            taken = 0.0
            for stemmed in known:
                if taken > total * (1 - min_coverage) and candidates:
                    break
                taken += stems[stemmed]
                for alternative in groups[stemmed]:
                    posting = self._postings[alternative]
                    if len(posting) <= _CANDIDATE_CAP:
                        candidates.update(posting)
                        continue
                    # Over the cap: keep the strongest of the wanted kinds (filtering first, so
                    # other kinds can't crowd the wanted ones out of the cap).
                    fitting = (
                        [p for p in posting if kind_at[p] in kinds]
                        if kinds is not None
                        else list(posting)
                    )
                    candidates.update(
                        heapq.nlargest(_CANDIDATE_CAP, fitting, key=posting.__getitem__)
                    )
        results: list[TextMatch] = []
        for position in candidates:
            if kinds is not None and kind_at[position] not in kinds:
                continue
            score = 0.0
            covered = 0.0
            named = 0.0
            subject = self._name_stems[position]
            norm = _BM25_K1 * (
                1 - _BM25_B + _BM25_B * self._lengths[position] / self._average_length
            )
            for stemmed in known:
                best: tuple[float, str] | None = None
                about = False
                for alternative in groups[stemmed]:
                    tf = self._postings[alternative].get(position)
                    if tf:
                        # A lexicon equivalent covers the word but ranks below the word itself.
                        exact = 1.0 if alternative == stemmed else _EQUIVALENT_WEIGHT
                        weight = exact * tf * (_BM25_K1 + 1) / (tf + norm)
                        about = about or alternative in subject
                        if best is None or weight > best[0]:
                            best = (weight, alternative)
                if best is not None:
                    idf = stems[stemmed]
                    covered += idf
                    named += idf if about else 0.0
                    score += idf * best[0]
            if covered / total >= min_coverage:
                results.append(
                    TextMatch(self._ids[position], score, covered / total, named / total)
                )
        return heapq.nsmallest(limit, results, key=lambda m: (-m.coverage, -m.score, m.entry_id))


def _acronyms(names: Iterable[str]) -> frozenset[str]:
    """All-capital words in names ("MLR", "STRATCOM"), folded: never matched by a typo."""
    found: set[str] = set()
    for name in names:
        for token in name.split():
            bare = token.strip("(),.;:'\"")
            if 2 <= len(bare) <= 8 and bare.isupper() and bare.isalpha():
                found.add(bare.lower())
    return frozenset(found)
