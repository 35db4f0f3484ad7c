"""Load and fully validate a knowledge base directory; a base with any error is never returned.

Every problem names the file, the line and the entry id, so an admin can fix the YAML without
reading code. A load reads plain data (the C parser when PyYAML has it) and keeps nothing of the
YAML once an entry is validated; only when something is wrong is the directory read again as
YAML nodes, whose marks give each entry and key its line number. Keeping every node tree for
every load cost most of the peak memory (874 MB at 100,000 entries) and a quarter of the time.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from alliance_bot.knowledge.cache import SnapshotCache, cache_key
from alliance_bot.knowledge.corpus import SEEDS, Corpus
from alliance_bot.knowledge.files import YAML_LIMIT, UnreadableFile, describe_os_error, read_checked
from alliance_bot.knowledge.lexicon import Lexicon, LexiconEntry, lexicon_problems
from alliance_bot.knowledge.models import MODELS, SECTIONS, Entry, Event, Quote
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid, Problem
from alliance_bot.knowledge.snapshot import KnowledgeBase, citation_lines
from alliance_bot.knowledge.yaml_data import Loader, load_plain

# The section of `lexicon.yaml`: not entries of the knowledge base, but how people name them.
LEXICON = "lexicon"


# A top-level key at the start of a line: a section, when the file is written in block style.
_SECTION_KEY = re.compile(r"^([^\s#:\-][^:\n]*):", re.MULTILINE)


@dataclass(frozen=True)
class _Parsed:
    """One entry read from YAML, before validation; `node` only when reading with line marks."""

    file: str
    line: int
    section: str
    data: Any
    node: yaml.Node | None


class VersionDigest:
    """A knowledge base's version: the hash of its YAML files (name and bytes, in load order) and
    then of the seed articles it cites (name and text, sorted). The loader computes it while
    reading; `archive.py` computes it again over a stored archive's files, so a version names
    exactly the files it was made from."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def add_yaml(self, name: str, raw: bytes) -> None:
        self._digest.update(name.encode() + b"\0" + raw + b"\0")

    def add_seed(self, name: str, text: str) -> None:
        self._digest.update(name.encode() + b"\0" + text.encode() + b"\0")

    def version(self) -> str:
        return self._digest.hexdigest()[:12]


def knowledge_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_knowledge(
    directory: Path,
    *,
    replacing: Mapping[str, bytes] | None = None,
    cache: SnapshotCache | None = None,
) -> KnowledgeBase:
    """Read, validate and index `directory`; raise `KnowledgeBaseInvalid` listing every problem.

    `replacing` maps file names in `directory` to bytes read instead of the file's: a candidate
    edit is validated, with everything around it, before it is written. With a `cache`, an
    unchanged directory is read from its compiled snapshot, and a new valid one is stored there
    for the next load (never with `replacing`: that base is not the one on disk).
    """
    # A load allocates millions of objects; the cyclic collector would run full passes during it,
    # each holding the GIL for up to seconds while questions wait in other threads. Pause it; the
    # holder freezes the snapshot once it is in use (`KnowledgeHolder.install`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if cache is None or replacing:
            return _load_located(directory, replacing or {})
        key = cache.key(directory)
        cached = cache.read(key) if key is not None else None
        if cached is not None:
            return cached
        kb = _load_located(directory, {})
        # Stored only if nothing changed while it loaded: otherwise the key would not describe
        # what was loaded.
        if key is not None and cache_key(directory) == key:
            cache.write(key, kb)
        return kb
    finally:
        if collecting:
            gc.enable()


def _load_located(directory: Path, replacing: Mapping[str, bytes]) -> KnowledgeBase:
    try:
        return _load(directory, replacing, marks=False)
    except KnowledgeBaseInvalid:
        # Read again with line marks, so each problem says where it is. The problems are the
        # same: both readings run the same checks on the same data.
        return _load(directory, replacing, marks=True)


def _load(directory: Path, replacing: Mapping[str, bytes], *, marks: bool) -> KnowledgeBase:
    directory = directory.resolve()
    problems: list[Problem] = []
    files = _list_directory(directory)
    if not files:
        problems.append(Problem(str(directory), None, None, "no *.yaml files in the directory"))
    digest = VersionDigest()
    entries: list[tuple[Entry, _Parsed]] = []
    # Every person id written in the files, valid or not (see `_cross_check`).
    people: set[str] = set()
    lexicon_items: list[_Parsed] = []
    parse = _parse_marked if marks else _parse_plain
    for path in files:
        name = _display(path, directory)
        try:
            raw = (
                replacing[path.name]
                if path.name in replacing
                else read_checked(path, base=directory, limit=YAML_LIMIT)
            )
        except UnreadableFile as error:
            problems.append(Problem(name, None, None, f"cannot read the file: {error}"))
            continue
        digest.add_yaml(path.name, raw)
        # Without marks an entry keeps only its file (for a problem found later); one stand-in
        # per file, not one per entry: 100,000 small objects were ~30 MB of the build's peak.
        in_file = _Parsed(name, 0, "", None, None)
        for item in parse(name, raw, problems):
            if item.section == LEXICON:
                lexicon_items.append(item)
                continue
            if item.section == "people" and isinstance(item.data, dict):
                people.add(str(item.data.get("id")))
            entry = _validate(item, problems)
            if entry is not None:
                # Without marks the raw data is not needed again: drop it as soon as it is
                # validated, so the YAML's dicts and the models never all live at once.
                entries.append((entry, item if marks else in_file))
    lexicon = _validate_lexicon(lexicon_items, problems)

    corpus = Corpus(directory.parent)
    # When a file could not be read at all, its people are unknown: checking references to them
    # would bury the one real error under a cascade of false ones.
    unreadable = bool(problems) and any(p.entry_id is None for p in problems)
    lines = citation_lines((e for e, _ in entries), corpus)
    _cross_check(entries, corpus, lines, problems, people=None if unreadable else people)
    seeds_problem = corpus.directory_problem() if corpus.failed() else None
    if seeds_problem is not None:
        problems.append(Problem(f"{SEEDS}/", None, None, f"cannot read: {seeds_problem}"))
    if problems:
        raise KnowledgeBaseInvalid(problems)
    for name in corpus.files():
        article = corpus.article(name)
        assert article is not None
        digest.add_seed(name, article.text)
    # The articles' texts and word offsets (tens of MB at 100,000 entries) are not needed by the
    # build: its lines are found already. Freed here, they are not part of the build's peak.
    del corpus
    kb = KnowledgeBase.build(
        root=directory,
        entries=[e for e, _ in entries],
        lines=lines,
        version=digest.version(),
        lexicon=Lexicon(e for e, _ in lexicon),
    )
    leading_nowhere = lexicon_problems((e for e, _ in lexicon), kb.index.vocabulary)
    if leading_nowhere:
        where = {e.id: item for e, item in lexicon}
        raise KnowledgeBaseInvalid(
            [Problem(where[i].file, where[i].line, i, message) for i, message in leading_nowhere]
        )
    # Free what the load made one entry at a time: dropping the whole list at once is a single
    # C-level deallocation that holds the GIL for a long stretch at 100,000 entries.
    while entries:
        entries.pop()
    return kb


def _list_directory(directory: Path) -> list[Path]:
    """The YAML files of `directory`; a directory that cannot be listed is one clear problem."""
    try:
        if not directory.is_dir():
            what = "it is a file, not a directory" if directory.exists() else "no such directory"
            raise KnowledgeBaseInvalid([Problem(str(directory), None, None, what)])
        with os.scandir(directory):
            pass  # glob() would hide a permission error as "no files"
    except OSError as error:
        problem = Problem(str(directory), None, None, f"cannot read: {describe_os_error(error)}")
        raise KnowledgeBaseInvalid([problem]) from None
    return knowledge_files(directory)


def _display(path: Path, directory: Path) -> str:
    """File names as admins see them in the repository: `knowledge/people.yaml`."""
    return f"{directory.name}/{path.name}"


def _decode(name: str, raw: bytes, problems: list[Problem]) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(
            Problem(name, line, None, f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be read")
        )
        return None


def _parse_plain(name: str, raw: bytes, problems: list[Problem]) -> Iterator[_Parsed]:
    """Entries as plain data, without line numbers; any problem at all is recorded (with no
    line) so that the load is redone by `_parse_marked`, which says where."""
    text = _decode(name, raw, problems)
    if text is None:
        return
    keys = _SECTION_KEY.findall(text)
    if len(keys) != len(set(keys)):
        # A repeated section: the plain reading would keep only the last one silently.
        problems.append(Problem(name, None, None, "a section is repeated"))
        return
    try:
        data = load_plain(text)  # a SafeLoader's plain data
    except yaml.YAMLError as error:
        problems.append(Problem(name, None, None, f"YAML error: {error}"))
        return
    if not isinstance(data, dict):
        problems.append(Problem(name, None, None, "expected a mapping of sections"))
        return
    for section, items in data.items():
        if section not in SECTIONS and section != LEXICON:
            problems.append(Problem(name, None, None, f"unknown section {section!r}"))
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(Problem(name, None, None, f"section {section!r} must be a list"))
            continue
        # Pop as we go: the file's data then shrinks as the entries are validated.
        items.reverse()
        while items:
            yield _Parsed(name, 0, section, items.pop(), None)


def _parse_marked(name: str, raw: bytes, problems: list[Problem]) -> Iterator[_Parsed]:
    """Entries with their YAML nodes, so every problem can name its line."""
    text = _decode(name, raw, problems)
    if text is None:
        return
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problems.append(
            Problem(
                name, mark.line + 1 if mark else None, None, f"YAML syntax error: {error.problem}"
            )
        )
        return
    except yaml.YAMLError as error:
        problems.append(Problem(name, None, None, f"YAML error: {error}"))
        return
    finally:
        loader.dispose()
    if root is None or data is None:
        problems.append(
            Problem(name, 1, None, f"file is empty; expected sections: {', '.join(SECTIONS)}")
        )
        return
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        problems.append(
            Problem(
                name,
                root.start_mark.line + 1,
                None,
                f"expected a mapping of sections ({', '.join(SECTIONS)}) at the top of the file",
            )
        )
        return
    for key_node, value_node in root.value:
        section = key_node.value
        line = key_node.start_mark.line + 1
        if section not in SECTIONS and section != LEXICON:
            problems.append(
                Problem(
                    name,
                    line,
                    None,
                    f"unknown section {section!r}; expected one of {', '.join(SECTIONS)}",
                )
            )
            continue
        items = data[section]
        if items is None:
            continue
        if not isinstance(value_node, yaml.SequenceNode) or not isinstance(items, list):
            problems.append(Problem(name, line, None, f"section {section!r} must be a list"))
            continue
        for node, item in zip(value_node.value, items, strict=True):
            yield _Parsed(name, node.start_mark.line + 1, section, item, node)


def _validate(item: _Parsed, problems: list[Problem]) -> Entry | None:
    entry_id = item.data.get("id") if isinstance(item.data, dict) else None
    entry_id = entry_id if isinstance(entry_id, str) else None
    if not isinstance(item.data, dict):
        problems.append(
            Problem(item.file, item.line, None, f"each {item.section} entry must be a mapping")
        )
        return None
    model = MODELS[SECTIONS[item.section]]
    try:
        return model.model_validate(item.data)
    except ValidationError as error:
        _report(error, item, entry_id, problems)
        return None


def _report(
    error: ValidationError, item: _Parsed, entry_id: str | None, problems: list[Problem]
) -> None:
    """One problem per pydantic error, on the line of the offending key."""
    for detail in error.errors(include_url=False):
        location = tuple(detail["loc"])
        field = ".".join(str(part) for part in location) or "entry"
        message = detail["msg"]
        if detail["type"] == "missing":
            message = "required key is missing"
        elif detail["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(
            Problem(
                item.file,
                _line_of(item.node, location, item.line),
                entry_id,
                f"{field}: {message}",
            )
        )


def _validate_lexicon(
    items: list[_Parsed], problems: list[Problem]
) -> list[tuple[LexiconEntry, _Parsed]]:
    """The lexicon's entries, each checked like a knowledge entry; ids unique among them."""
    valid: list[tuple[LexiconEntry, _Parsed]] = []
    seen: dict[str, _Parsed] = {}
    for item in items:
        entry_id = item.data.get("id") if isinstance(item.data, dict) else None
        entry_id = entry_id if isinstance(entry_id, str) else None
        if not isinstance(item.data, dict):
            problems.append(
                Problem(item.file, item.line, None, "each lexicon entry must be a mapping")
            )
            continue
        try:
            entry = LexiconEntry.model_validate(item.data)
        except ValidationError as error:
            _report(error, item, entry_id, problems)
            continue
        if entry.id in seen:
            other = seen[entry.id]
            problems.append(
                Problem(
                    item.file,
                    item.line,
                    entry.id,
                    f"duplicate lexicon id (first used at {other.file}:{other.line})",
                )
            )
            continue
        seen[entry.id] = item
        valid.append((entry, item))
    return valid


def _line_of(node: yaml.Node | None, location: tuple[Any, ...], default: int) -> int:
    """Follow a pydantic error location through the YAML nodes to the offending line."""
    line = default
    for part in location:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == part), None)
            key = next((k for k, _ in node.value if k.value == part), None)
            if found is None:
                break
            line = (key or found).start_mark.line + 1
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _cross_check(
    entries: list[tuple[Entry, _Parsed]],
    corpus: Corpus,
    lines: Mapping[tuple[str, str], int],
    problems: list[Problem],
    *,
    people: set[str] | None,
) -> None:
    """Checks that span entries or files: ids, references, cited files and evidence.

    `people` is every person id written in the files (valid or not); None skips the reference
    check because a file could not be read.
    """
    first_seen: dict[str, _Parsed] = {}
    unreadable: dict[str, list[Any]] = {}  # cited file -> [yaml file, line, entry id, citations]
    for entry, item in entries:
        if entry.id in first_seen:
            other = first_seen[entry.id]
            problems.append(
                Problem(
                    item.file,
                    item.line,
                    entry.id,
                    f"duplicate id (first used at {other.file}:{other.line})",
                )
            )
        else:
            first_seen[entry.id] = item
        referenced: list[tuple[str, str]] = []
        if isinstance(entry, Event):
            referenced = [("people", p) for p in entry.people]
        elif isinstance(entry, Quote) and entry.person:
            referenced = [("person", entry.person)]
        for key, person in referenced:
            if people is not None and person not in people:
                problems.append(
                    Problem(
                        item.file,
                        _line_of(item.node, (key,), item.line),
                        entry.id,
                        f"{key}: no person with id {person!r}",
                    )
                )
        cited_texts: list[str] = []
        for index, citation in enumerate(entry.sources):
            article = corpus.article(citation.file)
            if article is None:
                if corpus.directory_problem() is not None:
                    continue  # reported once for the directory, by `_load`
                # One problem per unreadable file, at its first citation: a seed cited by 50
                # entries is one thing to fix, not 50.
                if citation.file not in unreadable:
                    line = _line_of(item.node, ("sources", index, "file"), item.line)
                    unreadable[citation.file] = [item.file, line, entry.id, 0]
                unreadable[citation.file][3] += 1
                continue
            cited_texts.append(article.squashed)
            if (citation.file, citation.evidence) not in lines:
                problems.append(
                    Problem(
                        item.file,
                        _line_of(item.node, ("sources", index, "evidence"), item.line),
                        entry.id,
                        f"evidence not found in {citation.file}: {_clip(citation.evidence)!r}",
                    )
                )
        if isinstance(entry, Quote) and cited_texts:
            words = " ".join(entry.text.split())
            if not any(words in text for text in cited_texts):
                problems.append(
                    Problem(
                        item.file,
                        _line_of(item.node, ("text",), item.line),
                        entry.id,
                        "text: the quoted words are not in any cited file",
                    )
                )
    for cited, (file, line, entry_id, count) in unreadable.items():
        more = f" (cited {count - 1} more times)" if count > 1 else ""
        problems.append(
            Problem(
                file,
                line,
                entry_id,
                f"cannot read cited file {cited}: {corpus.failure(cited)}{more}",
            )
        )


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
