"""The search index built once per knowledge base load, so a question never scans every entry.

Two structures:
- names: every name, alias, term and title under its folded key, with a token -> names map and a
  character-trigram map over name tokens, so a typo ("hamda") reaches "hamada" by looking up a few
  trigrams instead of comparing against every name;
- full text: an inverted index of English stems with BM25 weights over each entry's own words and
  its evidence, used for free text, events and figures questions. Its postings are numpy arrays
  (one slice per stem, positions ascending), so a question is scored over all its candidates at
  once: at 100,000 entries a question of common words has ~20,000 of them, and scoring them one
  dict lookup at a time was the whole of the slowest answers.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from alliance_bot.knowledge import english
from alliance_bot.knowledge.models import Entry, Kind, Person
from alliance_bot.knowledge.text import (
    STOPWORDS,
    all_words,
    is_search_word,
    name_key,
    search_words,
    stem,
)

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
# Of two words a typo is equally close to, the one used by this many times more entries is meant.
_CLEAR_FAVOURITE = 3
# The shortest ordinary word a misspelling is mended into (as `correct` and the question reader do).
_ORDINARY_TYPO = 5
_BM25_K1 = 1.2
_BM25_B = 0.75
# `missing` plans kept: one question's texts, not a cache of questions.
_PLANS = 8
# Fewer candidates than this are scored one by one: numpy's per-call cost would be most of it.
_FEW_CANDIDATES = 64
# More candidates than this are first checked for coverage alone, stem by stem.
_MANY_CANDIDATES = 2048
# A stem in at least this share of entries is checked against an array of whether each entry
# holds it (a byte an entry), made on its first use and kept: one gather per check instead of a
# search of its long posting. At 100,000 entries ~70 stems are this common (7 MB if all are
# asked; their postings take 4 bytes an entry holding them).
_MARKED_SHARE = 1 / 32


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
        # A list, not a set, per key, and sorted only where it holds more than one id: at
        # 100,000 entries nearly every one of ~200,000 names is its entry's alone, and making a
        # set and then sorting a tuple for each was a third of this table's build.
        owners: dict[str, list[str]] = {}
        for entry_id, name in pairs:
            key = name_key(name)
            if key:
                same = owners.get(key)
                if same is None:
                    owners[key] = [entry_id]
                else:
                    same.append(entry_id)
        self._names = {
            k: (v[0],) if len(v) == 1 else tuple(sorted(set(v))) for k, v in owners.items()
        }
        token_names: dict[str, list[str]] = defaultdict(list)
        for key in self._names:
            for token in set(key.split()):
                token_names[token].append(key)
        self._token_names = dict(token_names)
        self._vocabulary = _FuzzyVocabulary(self._token_names, exact_only)
        self._longest = max(map(len, self._names), default=0)

    def has_token(self, token: str) -> bool:
        return token in self._token_names

    def tokens(self) -> Collection[str]:
        """Every word of every name, as `name_key` spells it."""
        return self._token_names.keys()

    def entries_with_token(self, token: str) -> set[str]:
        """The entries with a name that has `token` as a word: a role question reads only the
        people whose titles use its words, not every person's titles."""
        return {i for name in self._token_names.get(token, ()) for i in self._names[name]}

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
        shortest = _shortest_reaching(len(key), cutoff) if scorer in _LENGTH_BOUNDED else 0
        if not key or shortest > self._longest:
            return []
        # (score, name) per entry; NameMatch only for the few returned: a common name ("Okinawa")
        # belongs to hundreds of entries at 100,000. Matches rank by score, then entry id, and
        # each name's entries are in id order, so of the entries first reached through a name
        # only the first `limit` can be returned: the rest rank after them.
        exact_key = name_key(key)
        best: dict[str, tuple[float, str]] = {
            i: (100.0, exact_key) for i in self._names.get(exact_key, ())[:limit]
        }
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
            # `most_common(200)` is `heapq.nlargest` with a Python key: ~130 µs over the 1,600
            # names sharing "tokyo" at 100,000 entries. A stable sort, largest first, keeps the
            # same names in the same order (equal counts in insertion order) in half the time.
            ranked_names = sorted(candidates.items(), key=itemgetter(1), reverse=True)[:200]
            pool = [n for n, _ in ranked_names if len(n) >= shortest]
            # Best score first, so an entry's first name is its best: once `limit` entries are
            # found, names scoring less than those (the next score down) cannot place.
            reached = len(best)
            level = 100.0  # the exact name's entries
            for name, score, _ in process.extract(
                key, pool, scorer=scorer, processor=None, score_cutoff=cutoff, limit=limit * 3
            ):
                if score < level:
                    if reached >= limit:
                        break
                    level = score
                added = 0
                for entry_id in self._names[name]:
                    if entry_id in best:
                        continue
                    best[entry_id] = (float(score), name)
                    added += 1
                    if added == limit:
                        break
                reached += added
        ranked = heapq.nsmallest(limit, best.items(), key=lambda item: (-item[1][0], item[0]))
        return [NameMatch(entry_id, score, name) for entry_id, (score, name) in ranked]

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
        self._kinds: dict[str, Kind] = {e.id: e.kind for e in entries}
        # Each entry's names, derived once: the acronyms, the name table and the names field
        # all read them.
        names_of = [e.names() for e in entries]
        acronyms = _acronyms(name for names in names_of for name in names)
        self.names = NameTable(
            ((e.id, name) for e, names in zip(entries, names_of, strict=True) for name in names),
            exact_only=acronyms,
        )
        self.roles = NameTable(
            (e.id, role.title) for e in entries if isinstance(e, Person) for role in e.roles
        )

        stem_ids: dict[str, int] = {}
        # Each distinct word's stem id, or -1 for a word `search_words` drops: a 100,000-entry
        # base has ~3 M word occurrences but a few thousand distinct words, so each is
        # filtered and stemmed once, not at every occurrence.
        word_ids: dict[str, int] = {}
        surface: dict[str, str] = {}

        def ids_of(text: str) -> list[int]:
            found = []
            for word in all_words(text):
                stem_id = word_ids.get(word)
                if stem_id is None:
                    if is_search_word(word):
                        stemmed = stem(word)
                        surface[word] = stemmed
                        stem_id = stem_ids.setdefault(stemmed, len(stem_ids))
                    else:
                        stem_id = -1
                    word_ids[word] = stem_id
                if stem_id >= 0:
                    found.append(stem_id)
            return found

        # One row per (entry, stem): array.array keeps the ~6 M rows of a 100,000-entry base
        # compact until they become the numpy postings.
        row_stem, row_position, row_tf, row_about = array("i"), array("i"), array("f"), array("b")
        lengths: list[int] = []
        ordinary: set[str] = set()
        for position, (entry, names) in enumerate(zip(entries, names_of, strict=True)):
            counts: dict[int, float] = {}
            names_text = " ".join(names)
            name_ids = ids_of(names_text)
            fields = [
                (name_ids, 3.0),
                (ids_of(entry.search_text()), 1.0),
                (ids_of(" ".join(c.evidence for c in entry.sources)), 1.0),
            ]
            subject_text = entry.subject_text()
            # Most kinds are about their names alone: the same text, so the same words. Else
            # looked up, not added: a stem's id is its order of first use in the fields.
            subject = set(
                name_ids
                if subject_text == names_text
                else (stem_ids.get(stem(w), -1) for w in search_words(subject_text))
            )
            for ids, weight in fields:
                for stem_id in ids:
                    counts[stem_id] = counts.get(stem_id, 0.0) + weight
            for citation in entry.sources:
                ordinary.update(_LOWER_WORD.findall(citation.evidence))
            lengths.append(int(sum(counts.values())))
            # An entry's rows at once, not four appends a row.
            row_stem.extend(counts)
            row_position.extend(array("i", (position,)) * len(counts))
            # tf is a sum of field weights 3 and 1: exact in float32.
            row_tf.extend(counts.values())
            row_about.extend([stem_id in subject for stem_id in counts])
        del names_of
        stems_of_rows = np.frombuffer(row_stem, dtype=np.int32)
        # Stable: within a stem, rows stay in entry order, so each slice is sorted by position.
        order = np.argsort(stems_of_rows, kind="stable")
        self._stem_ids = stem_ids
        self._offsets: list[int] = [
            0,
            *np.cumsum(np.bincount(stems_of_rows, minlength=len(stem_ids))).tolist(),
        ]
        # Each row array goes as soon as it is used (the stems once counted and ordered), not all
        # at the end: the build's most-held-at-once is the cold load's peak RSS.
        del stems_of_rows, row_stem
        self._position_of: npt.NDArray[np.int32] = np.frombuffer(row_position, dtype=np.int32)[
            order
        ]
        del row_position
        self._tf_of: npt.NDArray[np.float32] = np.frombuffer(row_tf, dtype=np.float32)[order]
        del row_tf
        # Whether the row's stem is in what its entry is about (names, speaker, topic).
        self._about_of: npt.NDArray[np.bool_] = np.frombuffer(row_about, dtype=np.bool_)[order]
        del row_about, order
        # Long postings also sorted by weight (strongest first, then by position, as
        # heapq.nlargest breaks ties), so capping one is a slice.
        self._by_weight: dict[str, npt.NDArray[np.int32]] = {}
        for stemmed, stem_id in stem_ids.items():
            start, end = self._offsets[stem_id], self._offsets[stem_id + 1]
            if end - start > _CANDIDATE_CAP:
                positions = self._position_of[start:end]
                by_weight = np.lexsort((positions, -self._tf_of[start:end]))
                self._by_weight[stemmed] = positions[by_weight]
        # Each position's place in entry id order: ties in score are broken by id, in numpy.
        self._id_rank_at = np.empty(len(self._ids), dtype=np.int32)
        self._id_rank_at[sorted(range(len(self._ids)), key=self._ids.__getitem__)] = np.arange(
            len(self._ids), dtype=np.int32
        )
        kinds_used = sorted({e.kind for e in entries})
        self._kind_codes: dict[Kind, int] = {kind: code for code, kind in enumerate(kinds_used)}
        self._kind_code_at = np.array(
            [self._kind_codes[e.kind] for e in entries], dtype=np.int8
        ).reshape(-1)
        average_length = (sum(lengths) / len(lengths)) if lengths else 1.0
        # BM25's length normalisation per entry, computed as the scoring loop once did.
        self._norm_at = _BM25_K1 * (
            1 - _BM25_B + _BM25_B * np.array(lengths, dtype=np.float64) / average_length
        )
        count = max(1, len(entries))
        self._idf = {
            s: math.log(1 + (count - n + 0.5) / (n + 0.5))
            for s, n in ((s, self._count(s)) for s in stem_ids)
        }
        self._unknown_idf = math.log(1 + (count + 0.5) / 0.5)
        self._surface = surface
        self._text_vocabulary = _FuzzyVocabulary(surface, acronyms)
        self._equivalents: Mapping[str, frozenset[str]] = equivalents or {}
        # Words the articles write in lower case: ordinary words a question's typo may mean.
        self.ordinary_words = frozenset(w for w in ordinary if len(w) >= 3)
        self._ordinary = _FuzzyVocabulary(self.ordinary_words)
        self.vocabulary = frozenset(stem_ids)
        self._plans: dict[str, tuple[tuple[str, tuple[tuple[int, int], ...]], ...]] = {}
        self._common_marks: dict[str, npt.NDArray[np.bool_]] = {}

    def _span(self, stemmed: str) -> tuple[int, int]:
        """Where a stem's postings are in the posting arrays ((0, 0) for a stem none uses)."""
        stem_id = self._stem_ids.get(stemmed)
        if stem_id is None:
            return 0, 0
        return self._offsets[stem_id], self._offsets[stem_id + 1]

    def _count(self, stemmed: str) -> int:
        start, end = self._span(stemmed)
        return end - start

    # full text -------------------------------------------------------------------------------
    def query_stems(self, text: str) -> dict[str, float]:
        """The question's meaningful stems with their weights; typos are corrected when close."""
        stems: dict[str, float] = {}
        for word in search_words(text)[:_MOST_QUERY_WORDS]:
            stemmed = stem(word)
            if stemmed in self._stem_ids:
                stems.setdefault(stemmed, self._idf[stemmed])
                continue
            alternatives = self._alternatives(stemmed)
            if alternatives:
                # A lexicon word no entry uses, standing for words entries do use.
                stems.setdefault(stemmed, min(self._idf[s] for s in alternatives))
                continue
            corrected = [self._surface[w] for w in self._corrections(word)]
            if corrected:
                stems.setdefault(corrected[0], self._idf[corrected[0]])
            else:
                # An unknown word is the most telling word of all: nothing we have covers it.
                stems.setdefault(stemmed, self._unknown_idf)
        return stems

    def _corrections(self, word: str) -> list[str]:
        """The articles' words a word no entry uses may be a misspelling of, closest first.

        Ordinary words (ones the articles write in lower case) are mended once, when the
        question is read, from five letters and never into another common English word; a
        shorter word left as typed there is not mended here either. Otherwise "mars" became
        "marks", and "who is the president of mars" was answered with the summit that "marked"
        a transformation. A four-letter word may still be a name one letter off ("hamda" is
        Hamada), but not two ("mars" is not Marcos).
        """
        if len(word) >= _ORDINARY_TYPO:
            found = [w for w in self._text_vocabulary.expand(word) if w in self._surface]
            # A common English word the articles don't use is no misspelling of another word:
            # only of its own forms ("signed" → "sign", "presidential" → "president"). "paris"
            # was "party" and "write" "white"; "unpopular" was "popular", its opposite.
            return [w for w in found if w[:4] == word[:4]] if english.is_common(word) else found
        return [
            w
            for w in self._text_vocabulary.expand(word)
            if w in self._surface
            and (w not in self.ordinary_words or self.names.has_token(w))
            and OSA.distance(word, w, score_cutoff=2) <= 1
        ]

    def knows(self, word: str) -> bool:
        """Whether a folded word is one the knowledge base uses (in any entry or name)."""
        return stem(word) in self._stem_ids or self.names.has_token(word)

    def correct(self, word: str, extra: Collection[str] = ()) -> str | None:
        """The ordinary word (one the articles write in lower case, or one of `extra`) that a
        misspelt word most likely is: one edit from five letters, two from nine (two neighbouring
        letters swapped count as one edit, the commonest slip: "minsiter"); None if none is that
        close or two are equally close."""
        if len(word) < 5 or len(word) > _LONGEST_WORD:
            return None
        allowed = 1 if len(word) < 9 else 2
        pool = {w for w in self._ordinary.expand(word) if w != word}
        pool.update(w for w in extra if abs(len(w) - len(word)) <= allowed)
        scored = sorted((OSA.distance(word, w, score_cutoff=allowed + 1), w) for w in pool)
        scored = [(d, w) for d, w in scored if d <= allowed]
        if not scored:
            return None
        tied = sorted(
            {stem(w): w for d, w in scored if d == scored[0][0]}.values(),
            key=lambda w: (-self._count(stem(w)), w),
        )
        if len(tied) > 1 and (
            not self._count(stem(tied[1]))
            or self._count(stem(tied[0])) < _CLEAR_FAVOURITE * self._count(stem(tied[1]))
        ):
            # Two words equally close, neither far the commoner: no guess. ("ministr" is
            # "minister", used by many times more entries than "ministry".)
            return None
        return tied[0]

    def _alternatives(self, stemmed: str) -> tuple[str, ...]:
        """The stem and its lexicon equivalents that some entry uses."""
        same = self._equivalents.get(stemmed)
        if not same:
            return (stemmed,) if stemmed in self._stem_ids else ()
        return tuple(sorted(s for s in same if s in self._stem_ids))

    def missing(self, text: str, entry_id: str) -> list[str]:
        """The words of `text` (as typed, folded) that an entry's words do not cover, even
        through a lexicon equivalent or a close spelling."""
        position = self._positions.get(entry_id)
        if position is None:
            return search_words(text)
        # bisect over a memoryview (its items are plain ints): numpy's searchsorted with a Python
        # int first casts the whole slice to int64, so a common stem cost ~20 µs a check.
        positions = self._position_of.data
        missing: list[str] = []
        for word, spans in self._coverage_plan(text):
            for start, end in spans:
                at = bisect.bisect_left(positions, position, start, end)
                if at < end and positions[at] == position:
                    break
            else:
                missing.append(word)
        return missing

    def _coverage_plan(self, text: str) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
        """Each word of `text` with the postings that cover it (its stem, the stem's lexicon
        equivalents, or the stems of close spellings). One question asks `missing` of the same
        text for its ~30 candidates; reading the words once is most of each check's cost, so the
        last few texts' plans are kept (few: a repeated question still pays for its own)."""
        plan = self._plans.get(text)
        if plan is not None:
            return plan
        words = []
        for word in search_words(text)[:_MOST_QUERY_WORDS]:
            options = set(self._alternatives(stem(word)))
            if not options:
                options = {self._surface[w] for w in self._corrections(word)}
            words.append((word, tuple(self._span(o) for o in sorted(options))))
        plan = tuple(words)
        if len(self._plans) >= _PLANS:
            self._plans.clear()
        self._plans[text] = plan
        return plan

    def share_using(self, word: str) -> float:
        """The share of entries whose words include `word` (0 for a word none uses)."""
        count = self._count(stem(word))
        return count / len(self._ids) if count and self._ids else 0.0

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
            key=lambda s: sum(self._count(a) for a in groups[s]),
        )
        wanted: npt.NDArray[np.bool_] | None = None
        if kinds is not None:
            wanted = np.zeros(len(self._kind_codes) + 1, dtype=np.bool_)
            wanted[[self._kind_codes[k] for k in kinds if k in self._kind_codes]] = True
        if among is not None:
            chosen = sorted({self._positions[i] for i in among if i in self._positions})
            candidates = np.array(chosen, dtype=np.int32)
        else:
            candidates = self._candidates(stems, groups, known, total, wanted, min_coverage)
        if wanted is not None:
            candidates = candidates[wanted[self._kind_code_at[candidates]]]
        if not len(candidates) or limit <= 0:
            return []
        if len(candidates) < _FEW_CANDIDATES:
            results = self._score_few(candidates.tolist(), stems, groups, known, total)
        else:
            results = self._score_many(candidates, stems, groups, known, total, min_coverage, limit)
        return heapq.nsmallest(
            limit,
            (m for m in results if m.coverage >= min_coverage),
            key=lambda m: (-m.coverage, -m.score, m.entry_id),
        )

    def _candidates(
        self,
        stems: Mapping[str, float],
        groups: Mapping[str, tuple[str, ...]],
        known: Sequence[str],
        total: float,
        wanted: npt.NDArray[np.bool_] | None,
        min_coverage: float,
    ) -> npt.NDArray[np.int32]:
        """Positions of the entries that may cover `min_coverage` of the question, ascending."""
        # Rarest stems first. Once the stems taken hold more than 1 - min_coverage of the
        # question's weight, an entry with none of them cannot reach min_coverage, so the
        # common stems' long postings need not be read.
        parts: list[npt.NDArray[np.int32]] = []
        gathered = 0
        taken = 0.0
        for stemmed in known:
            if taken > total * (1 - min_coverage) and gathered:
                break
            taken += stems[stemmed]
            for alternative in groups[stemmed]:
                start, end = self._span(alternative)
                if end - start <= _CANDIDATE_CAP:
                    parts.append(self._position_of[start:end])
                else:
                    # Over the cap: keep the strongest of the wanted kinds (filtering first, so
                    # other kinds can't crowd the wanted ones out of the cap).
                    strongest = self._by_weight[alternative]
                    if wanted is not None:
                        strongest = strongest[wanted[self._kind_code_at[strongest]]]
                    parts.append(strongest[:_CANDIDATE_CAP])
                gathered += len(parts[-1])
        if not parts:
            return np.zeros(0, dtype=np.int32)
        if gathered * 16 < len(self._ids):
            # Sorting and dropping repeats: np.unique hashes first, ~0.7 ms for 3,000 positions.
            joined = np.sort(np.concatenate(parts))
            first = np.ones(len(joined), dtype=np.bool_)
            np.not_equal(joined[1:], joined[:-1], out=first[1:])
            return joined[first]
        # Many: marking them in an array as long as the base is cheaper than hashing them all.
        marked = np.zeros(len(self._ids), dtype=np.bool_)
        for part in parts:
            marked[part] = True
        return np.flatnonzero(marked).astype(np.int32)

    def _tfs(
        self, alternative: str, positions: npt.NDArray[np.int32]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """The stem's term frequency at each position (0 where it has none), whether it has one,
        and whether the stem is in what that entry is about."""
        start, end = self._span(alternative)
        at = self._position_of[start:end].searchsorted(positions) + start
        np.minimum(at, end - 1, out=at)
        hit = self._position_of[at] == positions
        tf = np.where(hit, self._tf_of[at].astype(np.float64), 0.0)
        return tf, hit, hit & self._about_of[at]

    def _tfs_by_slot(
        self, alternative: str, slot: npt.NDArray[np.int32], count: int
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """`_tfs` by reading the stem's whole posting: `slot` maps each position to its
        candidate's index (-1 for none). Cheaper than searching when the posting is not much
        longer than the candidates."""
        start, end = self._span(alternative)
        at = slot[self._position_of[start:end]]
        rows = np.flatnonzero(at >= 0)
        where = at[rows]
        rows += start
        tf = np.zeros(count)
        tf[where] = self._tf_of[rows]
        hit = np.zeros(count, dtype=np.bool_)
        hit[where] = True
        about = np.zeros(count, dtype=np.bool_)
        about[where] = self._about_of[rows]
        return tf, hit, about

    def _score_many(
        self,
        candidates: npt.NDArray[np.int32],
        stems: Mapping[str, float],
        groups: Mapping[str, tuple[str, ...]],
        known: Sequence[str],
        total: float,
        min_coverage: float,
        limit: int,
    ) -> list[TextMatch]:
        """`_score_few`'s sums over all candidates at once, in the same order of operations (so
        the same floats), and only the best `limit` (with ties) made into matches."""
        if len(candidates) > _MANY_CANDIDATES:
            candidates = self._covering(
                candidates, stems, groups, known, total, min_coverage, limit
            )
            if not len(candidates):
                return []
            if len(candidates) < _FEW_CANDIDATES:
                return self._score_few(candidates.tolist(), stems, groups, known, total)
        norm = self._norm_at[candidates]
        # Each position's candidate index, for reading whole postings; made only when one is
        # read (an array as long as the base, while the candidates are often a few dozen).
        slot: npt.NDArray[np.int32] | None = None
        score = np.zeros(len(candidates))
        covered = np.zeros(len(candidates))
        named = np.zeros(len(candidates))
        for stemmed in known:
            # Weights are never negative, so a start of 0 where no equivalent occurs is exact.
            best = np.zeros(len(candidates))
            present = np.zeros(len(candidates), dtype=np.bool_)
            about = np.zeros(len(candidates), dtype=np.bool_)
            for alternative in groups[stemmed]:
                if self._count(alternative) > 8 * len(candidates):
                    tf, hit, in_subject = self._tfs(alternative, candidates)
                else:
                    if slot is None:
                        slot = np.full(len(self._ids), -1, dtype=np.int32)
                        slot[candidates] = np.arange(len(candidates), dtype=np.int32)
                    tf, hit, in_subject = self._tfs_by_slot(alternative, slot, len(candidates))
                # A lexicon equivalent covers the word but ranks below the word itself.
                exact = 1.0 if alternative == stemmed else _EQUIVALENT_WEIGHT
                np.maximum(best, exact * tf * (_BM25_K1 + 1) / (tf + norm), out=best)
                present |= hit
                about |= in_subject
            idf = stems[stemmed]
            covered += np.where(present, idf, 0.0)
            named += np.where(about, idf, 0.0)
            score += idf * best
        coverage = covered / total
        kept = np.flatnonzero(coverage >= min_coverage)
        if len(kept) > limit:
            # The best `limit` by coverage, score and entry id (as `text` orders them): first
            # those with at least the limit-th best coverage, then a full sort of only those.
            bound = -np.partition(-coverage[kept], limit - 1)[limit - 1]
            kept = kept[coverage[kept] >= bound]
            ranked = np.lexsort((self._id_rank_at[candidates[kept]], -score[kept], -coverage[kept]))
            kept = kept[ranked[:limit]]
        ids = self._ids
        return [
            TextMatch(ids[p], float(score[i]), float(coverage[i]), float(named[i] / total))
            for i, p in zip(kept.tolist(), candidates[kept].tolist(), strict=True)
        ]

    def _covering(
        self,
        candidates: npt.NDArray[np.int32],
        stems: Mapping[str, float],
        groups: Mapping[str, tuple[str, ...]],
        known: Sequence[str],
        total: float,
        min_coverage: float,
        limit: int,
    ) -> npt.NDArray[np.int32]:
        """The candidates covering at least `min_coverage` that may be among the best `limit`
        (the same sums, in the same order, as the scoring). A long question of common words has
        most of the base as candidates, few of which cover enough of it: adding up coverage
        alone is far cheaper than scoring them all.

        Stems are added rarest first, the order the scoring adds them, so each candidate's sum
        is the same float. After each stem, a candidate that could not reach `min_coverage`, or
        the coverage `limit` others already have, even with every stem still to come, is
        dropped: matches rank by coverage first, so it could not be returned. At 100,000
        entries a sentence of common words starts with ~8,000 candidates and keeps a few
        hundred after its rare words; a full sum over every posting cost ~1 ms."""
        if not known:  # no known word: nothing is covered
            return candidates[np.zeros(len(candidates)) / total >= min_coverage]
        floor = min_coverage * total
        # The bound is only a float estimate of what the remaining stems can add: a margin far
        # above rounding keeps every candidate the exact sums could keep.
        slack = 1e-9 * total
        rest = sum(stems[s] for s in known)
        alive = candidates
        covered = np.zeros(len(alive))
        for stemmed in known:
            idf = stems[stemmed]
            rest -= idf
            # Adding 0.0 where it is absent leaves a sum as it was: the scoring's floats.
            covered += self._holding(groups[stemmed], alive) * idf
            if rest >= floor and rest >= total - rest:
                # No sum yet exceeds what the stems to come may still add (the stems taken
                # weigh total - rest): nothing can be dropped, so the check is skipped.
                continue
            bound = floor
            if len(alive) > limit:
                bound = max(bound, -np.partition(-covered, limit - 1)[limit - 1])
            keep = np.flatnonzero(covered >= bound - (rest + slack))
            if len(keep) < len(alive):
                alive, covered = alive.take(keep), covered.take(keep)
                if not len(alive):
                    return alive
        coverage = covered / total
        kept = np.flatnonzero(coverage >= min_coverage)
        if len(kept) > limit:
            bound = -np.partition(-coverage[kept], limit - 1)[limit - 1]
            kept = kept[coverage[kept] >= bound]
        return alive[kept]

    def _holding(
        self, alternatives: tuple[str, ...], positions: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.bool_]:
        """Whether each of `positions` (ascending) holds any of the stems `alternatives`."""
        held: npt.NDArray[np.bool_] | None = None
        for alternative in alternatives:
            start, end = self._span(alternative)
            if end - start >= len(self._ids) * _MARKED_SHARE:
                these = self._marked(alternative, start, end).take(positions)
            else:
                # A shorter posting is searched in the positions (not the other way round).
                posting = self._position_of[start:end]
                at = positions.searchsorted(posting)
                np.minimum(at, len(positions) - 1, out=at)
                these = np.zeros(len(positions), dtype=np.bool_)
                these[at[positions.take(at) == posting]] = True
            held = these if held is None else held | these
        return held if held is not None else np.zeros(len(positions), dtype=np.bool_)

    def _marked(self, stemmed: str, start: int, end: int) -> npt.NDArray[np.bool_]:
        """Whether each entry holds a common stem, made on its first use and kept."""
        marked = self._common_marks.get(stemmed)
        if marked is None:
            marked = np.zeros(len(self._ids), dtype=np.bool_)
            marked[self._position_of[start:end]] = True
            self._common_marks[stemmed] = marked
        return marked

    def _score_few(
        self,
        candidates: list[int],
        stems: Mapping[str, float],
        groups: Mapping[str, tuple[str, ...]],
        known: Sequence[str],
        total: float,
    ) -> list[TextMatch]:
        """Score a few candidates one by one (BM25 with the best of each word's equivalents).
        Each stem's posting is searched for all of them at once, then read item by item
        through memoryviews (plain ints and floats): numpy's per-call cost on arrays this short
        was most of it (~0.3 ms for 20 candidates of an 8-word question at 100,000 entries)."""
        positions, tfs, abouts = self._position_of.data, self._tf_of.data, self._about_of.data
        array_of = np.array(candidates, dtype=np.int32)
        plan = []
        for stemmed in known:
            alternatives = []
            for alternative in groups[stemmed]:
                start, end = self._span(alternative)
                at = self._position_of[start:end].searchsorted(array_of) + start
                # A lexicon equivalent covers the word but ranks below the word itself.
                exact = 1.0 if alternative == stemmed else _EQUIVALENT_WEIGHT
                alternatives.append((at.tolist(), end, exact))
            plan.append((stems[stemmed], alternatives))
        results: list[TextMatch] = []
        for row, position in enumerate(candidates):
            score = 0.0
            covered = 0.0
            named = 0.0
            norm = float(self._norm_at[position])
            for idf, alternatives in plan:
                best: float | None = None
                about = False
                for found, end, exact in alternatives:
                    at = found[row]
                    if at < end and positions[at] == position:
                        tf = tfs[at]
                        weight = exact * tf * (_BM25_K1 + 1) / (tf + norm)
                        about = about or abouts[at]
                        if best is None or weight > best:
                            best = weight
                if best is not None:
                    covered += idf
                    named += idf if about else 0.0
                    score += idf * best
            results.append(TextMatch(self._ids[position], score, covered / total, named / total))
        return results


# Scorers (rapidfuzz's normalised Indel similarity, of the strings or of their sorted words, which
# are as long) that score two strings at most 200 * shorter / (sum of both lengths).
_LENGTH_BOUNDED: tuple[Callable[..., float], ...] = (fuzz.ratio, fuzz.token_sort_ratio)


def _shortest_reaching(length: int, cutoff: float) -> float:
    """The shortest name a `_LENGTH_BOUNDED` scorer can score at least `cutoff` against a phrase
    of `length` characters (a pasted paragraph reaches no name: nothing to score)."""
    return length * cutoff / (200 - cutoff) if 0 < cutoff < 200 else 0


def _acronyms(names: Iterable[str]) -> frozenset[str]:
    """All-capital words in names ("MLR", "STRATCOM"), folded: never matched by a typo."""
    found: set[str] = set()
    for name in names:
        for token in name.split():
            bare = token.strip("(),.;:'\"")
            if 2 <= len(bare) <= 8 and bare.isupper() and bare.isalpha():
                found.add(bare.lower())
    return frozenset(found)
