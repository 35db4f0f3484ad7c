"""A small, valid knowledge base written into a directory, for tests that need a real one.

`write_sample_kb(tmp_path)` creates `tmp_path/knowledge/*.yaml` and `tmp_path/seeds/*.txt` and
returns the knowledge directory. Tests break it on purpose by editing the files it wrote.
"""

from __future__ import annotations

from pathlib import Path

SEED_NAME = "900_sample.txt"
SEED_TEXT = """Sample Alliance Report

Defense Minister Hamada Yasukazu met Secretary of Defense Lloyd Austin in Washington on January 11, 2023.
Austin said the allies would “stand together against coercion.”
Japan grounded its 14 Ospreys after a crash on November 29, 2023.
The Marine Littoral Regiment (MLR) is a mobile Marine Corps unit.
"""

PEOPLE = """people:
  - id: hamada-yasukazu
    name: Hamada Yasukazu
    aliases: [Yasukazu Hamada, Hamada]
    roles:
      - title: Minister of Defense of Japan
        when: as of January 2023
    summary: Japan's defense minister, who met Austin in Washington.
    sources:
      - file: seeds/900_sample.txt
        evidence: "Defense Minister Hamada Yasukazu met Secretary of Defense Lloyd Austin"
  - id: austin-lloyd
    name: Lloyd Austin
    aliases: [Austin, Secretary Austin]
    roles:
      - title: US Secretary of Defense
    summary: The US defense secretary, who met Hamada in Washington.
    sources:
      - file: seeds/900_sample.txt
        evidence: "Secretary of Defense Lloyd Austin"
"""

EVENTS = """events:
  - id: ev-2023-01-11-hamada-austin
    date: "2023-01-11"
    title: Hamada and Austin meet in Washington
    summary: The two defense chiefs met in Washington.
    people: [hamada-yasukazu, austin-lloyd]
    aliases: [Hamada Austin meeting]
    sources:
      - file: seeds/900_sample.txt
        evidence: "met Secretary of Defense Lloyd Austin in Washington on January 11, 2023."
  - id: ev-2023-11-29-osprey-crash
    date: "2023-11-29"
    title: An Osprey crashes
    summary: An Osprey crashed and Japan grounded its fleet.
    aliases: [Osprey crash]
    sources:
      - file: seeds/900_sample.txt
        evidence: "after a crash on November 29, 2023."
"""

QUOTES = """quotes:
  - id: q-austin-coercion
    person: austin-lloyd
    text: stand together against coercion.
    about: standing together against coercion
    sources:
      - file: seeds/900_sample.txt
        evidence: "Austin said the allies would “stand together against coercion.”"
"""

FACTS = """facts:
  - id: fact-ospreys-grounded
    claim: Japan grounded its 14 Ospreys after the crash.
    value: "14"
    aliases: [ospreys grounded]
    sources:
      - file: seeds/900_sample.txt
        evidence: "Japan grounded its 14 Ospreys"
"""

TERMS = """terms:
  - id: term-mlr
    term: MLR
    expansion: Marine Littoral Regiment
    definition: A mobile Marine Corps unit.
    aliases: []
    sources:
      - file: seeds/900_sample.txt
        evidence: "The Marine Littoral Regiment (MLR) is a mobile Marine Corps unit."
"""

SOURCES = """sources:
  - id: src-900
    file: seeds/900_sample.txt
    title: Sample Alliance Report
    sources:
      - file: seeds/900_sample.txt
        evidence: Sample Alliance Report
"""

FILES = {
    "people.yaml": PEOPLE,
    "events.yaml": EVENTS,
    "quotes.yaml": QUOTES,
    "facts.yaml": FACTS,
    "terms.yaml": TERMS,
    "sources.yaml": SOURCES,
}


def write_sample_kb(root: Path) -> Path:
    """Write the sample knowledge base under `root`; return its knowledge directory."""
    knowledge = root / "knowledge"
    seeds = root / "seeds"
    knowledge.mkdir(parents=True, exist_ok=True)
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / SEED_NAME).write_text(SEED_TEXT, encoding="utf-8")
    for name, text in FILES.items():
        (knowledge / name).write_text(text, encoding="utf-8")
    return knowledge
