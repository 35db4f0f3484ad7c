"""Generate large, realistic knowledge bases for the benchmarks, with the real one embedded.

`generate(size, out)` writes `out/knowledge/*.yaml` and `out/seeds/*.txt`: the real knowledge base
and its five articles copied verbatim, plus synthetic entries of every kind (in the real base's
proportions) up to `size` entries in all, each citing a synthetic seed article that contains its
evidence word for word, so `load_knowledge` validates the result exactly as it does the real one.

The synthetic entries recombine the real entries' material: given names, family-name syllables,
role ranks, places, dates and topic words. Synthetic family names are kept away from every real
name (no equal or near-equal token) and synthetic acronyms from every real term: otherwise "who is
hamda" would become genuinely ambiguous, and the question set would measure the generator's
collisions instead of the engine's behaviour at scale.

    python -m bench.generate --size 100000 --out /tmp/kb-100k
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import itertools
import os
import random
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz.distance import Levenshtein

from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.models import Event, Person
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.text import name_key

# Bump when the synthetic output changes, so cached bases (see `cached`) are regenerated; an
# edit of the real base alone is copied into them.
GENERATOR_VERSION = "4"
REPO = Path(__file__).resolve().parent.parent
# Generated bases and their snapshots; ALLIANCE_BENCH_CACHE moves them (the smoke tests point it
# at their temporary directory, so a test run writes nothing into the checkout).
CACHE = Path(os.environ.get("ALLIANCE_BENCH_CACHE") or REPO / "bench" / ".cache")
SIZES = (1_000, 10_000, 100_000)

# Share of each kind in the real base (99 events, 66 people, 62 terms, 56 facts, 36 quotes);
# sources are added on top, one per synthetic article.
_KIND_WEIGHTS = {"event": 99, "person": 66, "term": 62, "fact": 56, "quote": 36}
_ENTRIES_PER_ARTICLE = 50
_PLAIN_NAME_ATTEMPTS = 30

# Topic words taken from the real entries' titles and claims (only those the real base contains
# are used, see `_Pools`), so synthetic text reads like the real text and shares its common words.
_TOPIC_WORDS = (
    "alliance", "maritime", "cyber", "supply", "chain", "deterrence", "exercise", "dialogue",
    "radar", "missile", "semiconductor", "export", "controls", "security", "defense", "trade",
    "energy", "critical", "technology", "cooperation", "coast", "guard", "space", "command",
    "logistics", "investment", "infrastructure", "intelligence", "training", "budget", "reform",
    "shipbuilding", "research", "talent", "economic", "strategy", "posture", "readiness",
)  # fmt: skip
_MEETINGS = (
    "talks", "summit", "dialogue", "consultations", "working group", "forum", "review",
    "roundtable", "conference", "visit",
)  # fmt: skip
_RANKS = (
    "Minister", "Deputy Minister", "Vice Minister", "Director", "Ambassador", "Governor",
    "Commander", "Secretary", "Senator", "Chief of Staff", "Mayor", "Adviser", "Envoy",
)  # fmt: skip
_PLACES = (
    "Tokyo", "Washington", "Okinawa", "Yakushima", "San Francisco", "New York", "Hiroshima",
    "Palo Alto", "Camp David", "Honolulu", "Naha", "Seoul", "Manila", "Beijing", "Kyiv", "Berlin",
    "London", "Paris", "Ottawa", "Rome", "Chicago", "Indiana", "Kansas", "Minnesota", "Nebraska",
    "Illinois", "New Jersey", "Florida", "Guam", "Taiwan", "Australia", "India", "Kagoshima",
    "Nagasaki", "Yokosuka", "Sasebo", "Iwakuni", "Misawa", "Kadena", "Hawaii", "Singapore",
    "Jakarta", "Hanoi", "Canberra", "Brussels", "Vilnius", "Madrid", "Osaka", "Kyoto",
)  # fmt: skip
_UNITS = ("billion yen", "million dollars", "ships", "aircraft", "bases", "officers", "percent")
_SAY = ("said", "told reporters", "declared", "stressed", "warned", "wrote")


@dataclass
class _Pools:
    """What the real base offers to recombine, and the names synthetic entries must avoid."""

    given: list[str]
    halves: tuple[list[str], list[str]]
    places: list[str]
    topics: list[str]
    months_days: list[tuple[int, int]]
    years: list[int]
    real_tokens: set[str]
    real_terms: set[str]
    used_names: set[str] = field(default_factory=set)


def _split(family: str) -> tuple[str, str]:
    """A family name cut after a vowel near its middle: "kamikawa" -> ("kami", "kawa")."""
    middle = len(family) // 2
    for offset in range(len(family)):
        for at in (middle + offset, middle - offset):
            if 1 < at < len(family) - 1 and family[at - 1] in "aeiou":
                return family[:at], family[at:]
    return family[:middle], family[middle:]


def _pools(real_dir: Path) -> _Pools:
    kb = load_knowledge(real_dir)
    people = [p for p in kb.of_kind("person") if isinstance(p, Person)]
    given = sorted({" ".join(p.id.split("-")[1:]).title() for p in people if "-" in p.id})
    firsts, seconds = set(), set()
    for person in people:
        first, second = _split(person.id.split("-")[0])
        firsts.add(first)
        seconds.add(second)
    real_tokens = {t for e in kb.entries.values() for n in e.names() for t in name_key(n).split()}
    texts = " ".join(e.search_text() for e in kb.entries.values())
    entry_names = {name_key(n) for e in kb.entries.values() for n in e.names()}
    # Places the real entries mention; a place that is itself an entry (Henoko, Futenma) is left
    # out, or every synthetic talk held there would compete with the real entry for its name.
    places = [p for p in _PLACES if p in texts and name_key(p) not in entry_names]
    events = [e for e in kb.of_kind("event") if isinstance(e, Event)]
    days = sorted({(e.date.month, e.date.day) for e in events if e.date.precision == "day"})
    years = sorted({e.date.year for e in events})
    folded = texts.lower()
    return _Pools(
        given=given,
        halves=(sorted(firsts), sorted(seconds)),
        places=places,
        topics=[w for w in _TOPIC_WORDS if w in folded],
        months_days=[(m or 1, d or 1) for m, d in days],
        years=years,
        real_tokens=real_tokens,
        real_terms={name_key(n) for t in kb.of_kind("term") for n in t.names()},
    )


class _Synth:
    """Draws synthetic names, dates and sentences from the pools, deterministically."""

    def __init__(self, pools: _Pools, seed: int) -> None:
        self.pools = pools
        self.rng = random.Random(seed)
        self._families = self._family_names()
        self._acronyms: set[str] = set()
        self._ids: set[str] = set()

    def _family_names(self) -> list[str]:
        firsts, seconds = self.pools.halves
        near_real = [t for t in self.pools.real_tokens if len(t) >= 4]
        names = []
        for first in firsts:
            for second in seconds:
                name = first + second
                if len(name) < 5 or name in self.pools.real_tokens:
                    continue
                # Two edits or fewer from a real name would make a real typo question ambiguous.
                if any(Levenshtein.distance(name, t, score_cutoff=2) <= 2 for t in near_real):
                    continue
                names.append(name.title())
        return names

    def unique_id(self, stem: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:100]
        candidate, n = base, 1
        while candidate in self._ids:
            n += 1
            candidate = f"{base}-{n}"
        self._ids.add(candidate)
        return candidate

    def person_name(self) -> tuple[str, str]:
        # About 93,000 family-given pairs exist; a base of 1,000,000 entries has ~200,000
        # people, so once a draw keeps hitting used pairs a second given name is added (never
        # reached below a few hundred thousand entries, so smaller bases are as they were).
        for attempt in itertools.count():
            family = self.rng.choice(self._families)
            given = self.rng.choice(self.pools.given)
            if attempt >= _PLAIN_NAME_ATTEMPTS:
                given = f"{given} {self.rng.choice(self.pools.given)}"
            full = f"{family} {given}"
            if full not in self.pools.used_names:
                self.pools.used_names.add(full)
                return family, given
        raise AssertionError("unreachable")

    def place(self) -> str:
        # Half real places, half new ones built like the synthetic family names.
        if self.rng.random() < 0.5:
            return self.rng.choice(self.pools.places)
        return self.rng.choice(self._families) + self.rng.choice(
            (" Prefecture", " Island", " Bay", "")
        )

    def date(self) -> tuple[str, str]:
        """A date string in one of the three precisions, and the words an article uses for it."""
        year = self.rng.choice(self.pools.years) + self.rng.randint(-12, 12)
        month, day = self.rng.choice(self.pools.months_days)
        # Keep the real base's share of imprecise dates: most events are dated to the day.
        roll = self.rng.random()
        if roll < 0.1:
            return str(year), f"in {year}"
        if roll < 0.3:
            return f"{year}-{month:02d}", f"in {calendar.month_name[month]} {year}"
        day = min(day, calendar.monthrange(year, month)[1])
        return f"{year}-{month:02d}-{day:02d}", f"on {calendar.month_name[month]} {day}, {year}"

    def topic(self, n: int = 2) -> str:
        return " ".join(self.rng.sample(self.pools.topics, n))

    def acronym(self) -> tuple[str, str]:
        while True:
            words = [w.title() for w in self.rng.sample(self.pools.topics, self.rng.randint(3, 5))]
            expansion = " ".join([*words[:-1], self.rng.choice(("Council", "Initiative", "Office",
                                                                "Framework", "Program"))])  # fmt: skip
            acronym = "".join(w[0] for w in expansion.split())
            if self._taken(acronym):
                # Disambiguate like real programmes do ("CSC-2"), never reuse a real term.
                acronym = f"{acronym}-{self.rng.randint(2, 99)}"
                if self._taken(acronym):
                    continue
            self._acronyms.add(name_key(acronym))
            return acronym, expansion

    def _taken(self, acronym: str) -> bool:
        key = name_key(acronym)
        # "PAC-3" against the real "PAC3" too: the lookup ignores the hyphen's absence in typos.
        squeezed = {key, key.replace("-", "")}
        real = self.pools.real_terms | self.pools.real_tokens
        return bool(squeezed & real) or key in self._acronyms


def _sentence(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case the place names)."""
    return text[:1].upper() + text[1:]


def _cite(file: str, evidence: str) -> list[dict[str, str]]:
    return [{"file": file, "evidence": evidence}]


def _entries(synth: _Synth, kind: str, file: str, people: list[str]) -> tuple[dict[str, Any], str]:
    """One synthetic entry of `kind` citing `file`, and the evidence sentence for the article."""
    rng = synth.rng
    if kind == "person":
        family, given = synth.person_name()
        rank = rng.choice(_RANKS)
        title = f"{rank} for {synth.topic(1).title()} of {synth.place()}"
        when = f"as of {calendar.month_name[rng.randint(1, 12)]} {rng.choice(synth.pools.years)}"
        evidence = f"{title} {family} {given} {rng.choice(_SAY)} the {synth.topic()} agenda would continue."
        entry = {
            "id": synth.unique_id(f"{family}-{given}"),
            "name": f"{family} {given}",
            "aliases": [f"{given} {family}", family, f"{rank} {family}"],
            "roles": [{"title": title, "when": when}],
            "summary": f"{title} who speaks on {synth.topic()} and {synth.topic()}.",
            "sources": _cite(file, evidence),
        }
        return entry, evidence
    if kind == "event":
        date, spoken = synth.date()
        place = synth.place()
        meeting = rng.choice(_MEETINGS)
        topic = synth.topic()
        involved = rng.sample(people, min(len(people), rng.randint(0, 2)))
        title = f"{place} {topic} {meeting}"
        evidence = f"{_sentence(spoken)}, officials held {topic} {meeting} in {place}."
        entry = {
            "id": synth.unique_id(f"ev-{date}-{place}-{meeting}"),
            "date": date,
            "title": _sentence(title),
            "summary": f"Officials met in {place} for {meeting} on {topic} and {synth.topic()}.",
            "people": involved,
            "aliases": [f"{place} {meeting}"],
            "sources": _cite(file, evidence),
        }
        return entry, evidence
    if kind == "quote":
        speaker = rng.choice(people)
        words = f"we will deepen {synth.topic()} with every partner in {synth.place()}"
        evidence = f"The minister {rng.choice(_SAY)}: “{words}.”"
        entry = {
            "id": synth.unique_id(f"q-{speaker}-{synth.topic(1)}"),
            "person": speaker,
            "text": words,
            "context": f"Remarks on {synth.topic()}",
            "about": f"{synth.topic()} and {synth.topic()}",
            "aliases": [],
            "sources": _cite(file, evidence),
        }
        return entry, evidence
    if kind == "fact":
        amount = f"{rng.randint(2, 900)} {rng.choice(_UNITS)}"
        place = synth.place()
        topic = synth.topic()
        year = rng.choice(synth.pools.years) + rng.randint(0, 10)
        claim = f"{place} committed {amount} to {topic} by {year}."
        evidence = f"{place} will commit {amount} to {topic} by {year}, the plan says."
        entry = {
            "id": synth.unique_id(f"fact-{place}-{topic}-{year}"),
            "claim": claim,
            "value": amount,
            "date": str(year),
            "aliases": [f"{place} {topic}"],
            "sources": _cite(file, evidence),
        }
        return entry, evidence
    acronym, expansion = synth.acronym()
    evidence = f"The {expansion} ({acronym}) coordinates {synth.topic()} across agencies."
    entry = {
        "id": synth.unique_id(f"term-{acronym}"),
        "term": acronym,
        "expansion": expansion,
        "definition": f"A body that coordinates {synth.topic()} and {synth.topic()}.",
        "aliases": [expansion],
        "sources": _cite(file, evidence),
    }
    return entry, evidence


def _kinds(count: int, rng: random.Random) -> Iterator[str]:
    kinds = list(_KIND_WEIGHTS)
    weights = list(_KIND_WEIGHTS.values())
    # People first in each article, so events and quotes always have someone to refer to.
    for _ in range(count):
        yield rng.choices(kinds, weights)[0]


def generate(size: int, out: Path, *, seed: int = 0, real_dir: Path | None = None) -> Path:
    """Write a knowledge base of `size` entries (real ones included) under `out`; return its
    knowledge directory."""
    real_dir = (real_dir or default_knowledge_dir()).resolve()
    if out.exists():
        shutil.rmtree(out)
    knowledge, seeds = out / "knowledge", out / "seeds"
    knowledge.mkdir(parents=True)
    seeds.mkdir()
    for path in real_dir.glob("*.yaml"):
        shutil.copy2(path, knowledge / path.name)
    for path in (real_dir.parent / "seeds").glob("*.txt"):
        shutil.copy2(path, seeds / path.name)

    real_count = len(load_knowledge(real_dir))
    pools = _pools(real_dir)
    synth = _Synth(pools, seed)
    remaining = max(0, size - real_count)
    sections: dict[str, list[dict[str, Any]]] = {k: [] for k in ("sources", *_SECTION_OF.values())}
    people: list[str] = []
    number = 0
    while remaining > 0:
        number += 1
        file = f"seeds/{_SYNTHETIC_SEED}{number:05d}.txt"
        title = f"{synth.place()} and the alliance: {synth.topic()} in focus"
        sections["sources"].append(
            {
                "id": synth.unique_id(f"src-synth-{number:05d}"),
                "file": file,
                "title": title,
                "aliases": [],
                "sources": _cite(file, title),
            }
        )
        remaining -= 1
        sentences = [title, ""]
        batch = min(remaining, _ENTRIES_PER_ARTICLE - 1)
        for kind in _kinds(batch, synth.rng):
            if kind in ("event", "quote") and not people:
                kind = "person"
            entry, evidence = _entries(synth, kind, file, people)
            if kind == "person":
                people.append(entry["id"])
            sections[_SECTION_OF[kind]].append(entry)
            sentences.append(evidence)
        remaining -= batch
        # One paragraph of a few sentences per block, as a news article is laid out.
        body = "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(2, len(sentences), 4))
        (out / file).write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    # Synthetic entries go in their own file per kind, beside the real files, as an admin's
    # imported articles would.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for section, items in sections.items():
        if items:
            text = yaml.dump(
                {section: items}, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100
            )
            (knowledge / f"{_SYNTHETIC_YAML}{section}.yaml").write_text(text, encoding="utf-8")
    return knowledge


_SECTION_OF = {"person": "people", "event": "events", "quote": "quotes", "fact": "facts",
               "term": "terms"}  # fmt: skip


# Generated files are named so that they can never be taken for a real one (the real base has no
# `synthetic-*.yaml` and no `synth_*.txt`): everything else in a generated base is a real file.
_SYNTHETIC_YAML = "synthetic-"
_SYNTHETIC_SEED = "synth_"
_STAMP = "GENERATED"


def _stamp(size: int, seed: int) -> str:
    """What a generated base's synthetic part is made from. The real files are not in it: they
    are copied in as they are now by `cached` (a lexicon edit then costs a copy, not a
    regeneration). The synthetic part was kept away from the real names of the real base it was
    generated beside; a real edit that adds a colliding name is what a bump of
    GENERATOR_VERSION is for."""
    return f"generator {GENERATOR_VERSION}, {size} entries, seed {seed}\n"


def _is_current(out: Path, stamp: str) -> bool:
    try:
        return (out / _STAMP).read_text() == stamp
    except OSError:
        return False


def _real_files(knowledge: Path) -> dict[Path, Path]:
    """The real files of the base whose knowledge directory is `knowledge`: path -> its place in a
    generated base's `out` (relative)."""
    found = {p: Path("knowledge") / p.name for p in knowledge.glob("*.yaml")}
    found.update({p: Path("seeds") / p.name for p in (knowledge.parent / "seeds").glob("*.txt")})
    return found


def _sync_real(out: Path, real_dir: Path) -> None:
    """Make the generated base's real files those of `real_dir` now: changed ones copied in (each
    atomically, so a reader sees the old file or the new one), removed ones removed."""
    wanted = _real_files(real_dir)
    for source, relative in wanted.items():
        target = out / relative
        data = source.read_bytes()
        with contextlib.suppress(FileNotFoundError):
            if target.read_bytes() == data:
                continue
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(descriptor, "wb") as copy:
            copy.write(data)
        os.replace(temporary, target)
    kept = set(wanted.values())
    for path, relative in _real_files(out / "knowledge").items():
        generated = path.name.startswith((_SYNTHETIC_YAML, _SYNTHETIC_SEED))
        if not generated and relative not in kept:
            path.unlink(missing_ok=True)


def cached(size: int, *, seed: int = 0, cache: Path = CACHE, real_dir: Path | None = None) -> Path:
    """The knowledge directory of a generated base, generated once per size, seed and generator
    version (100,000 entries take minutes to write), with the real files (of `real_dir`, by
    default the repository's) as they are now."""
    real_dir = (real_dir or default_knowledge_dir()).resolve()
    if not any(real_dir.glob("*.yaml")):
        # A half-copied tree or a wrong path would empty (or regenerate) a shared base.
        raise SystemExit(f"bench: no knowledge files in {real_dir}; the base is left as it is")
    out = cache / f"kb-{size}-s{seed}"
    stamp = _stamp(size, seed)
    if not _is_current(out, stamp):
        _generate_in_place(size, seed, out, stamp, real_dir)
    _sync_real(out, real_dir)
    return out / "knowledge"


def _generate_in_place(size: int, seed: int, out: Path, stamp: str, real_dir: Path) -> None:
    # Generated beside `out` and renamed into place, so two benchmarks (or test workers) asking
    # for the same base at once never read or remove a half-written one: the first rename wins.
    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{out.name}.", dir=out.parent))
    try:
        generate(size, building, seed=seed, real_dir=real_dir)
        (building / _STAMP).write_text(stamp)
        if out.exists() and not _is_current(out, stamp):  # an older generator's base
            shutil.rmtree(out, ignore_errors=True)
        with contextlib.suppress(OSError):  # not empty: another caller put its base there first
            building.rename(out)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    if not _is_current(out, stamp):
        raise RuntimeError(f"could not put a generated base in place at {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True, help="entries in all, real included")
    parser.add_argument("--out", type=Path, required=True, help="directory to (re)create")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    knowledge = generate(args.size, args.out, seed=args.seed)
    kb = load_knowledge(knowledge)
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(kb.by_kind.items()))
    print(f"{knowledge}: {len(kb)} entries ({counts})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
