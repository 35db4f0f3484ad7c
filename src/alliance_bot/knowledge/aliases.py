"""Add an alias to an entry in its YAML file, keeping every comment and the layout, then refresh.

A careful insert at the positions PyYAML reports rather than a round-trip dump: the files are
hand-written (section comments, `>-` summaries, long flow lists), and any re-dump — even
ruamel.yaml's round-trip mode — reflows some of it. Here exactly one thing changes: the alias is
appended to the entry's `aliases` list (flow `[...]` or block `- ...`), or an `aliases: [...]`
line is added under the entry's `id`.

Crash-safe by order: the whole base is validated *with the candidate file in memory* first
(`load_knowledge(..., replacing=...)`); only a valid candidate is written, and that write is atomic
— a temporary file in the same directory, fsync, rename over the original, fsync the directory —
so a crash at any moment leaves the old file or the new one, both valid, and at worst a hidden
`.people.yaml.*.writing` file that no load reads. The validated snapshot is then swapped in. A
failed write (a full disk) removes its temporary file and changes nothing.

Aliases are text: control, bidirectional and zero-width characters are stripped (they are invisible
in Slack and in an editor, so an alias carrying one would never match what anyone types), a lone
surrogate is refused, and so is an alias made only of question words ("who is").
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from alliance_bot.knowledge.files import (
    YAML_LIMIT,
    UnreadableFile,
    describe_os_error,
    read_checked,
)
from alliance_bot.knowledge.holder import KnowledgeHolder, Swap
from alliance_bot.knowledge.loader import knowledge_files, load_knowledge
from alliance_bot.knowledge.models import SECTIONS
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.text import STOPWORDS, name_key

MAX_ALIAS = 200
# Words that make a question a question; an alias made only of these names nothing.
QUESTION_WORDS = frozenset(
    "who whom whose what when where which why how is are was were did does do s quote search "
    "tell me about many much".split()
)
# Unicode categories stripped from an alias: Cc control (NUL, ESC), Cf format (BOM, U+200B
# zero-width space, U+202E right-to-left override and the other bidi controls).
_INVISIBLE = frozenset({"Cc", "Cf"})


class AliasError(Exception):
    """The alias cannot be added (unknown entry, already a name, unusual YAML); nothing changed."""


@dataclass(frozen=True)
class WrittenAlias:
    """Where the alias went (`knowledge/people.yaml`, 1-based line) and the refresh it caused."""

    file: str
    line: int
    swap: Swap


@dataclass(frozen=True)
class _Edit:
    text: str
    line: int


def refuse_surrogates(text: str, what: str) -> None:
    """Raise `AliasError` if `text` holds a lone surrogate: it cannot be written as UTF-8 (to a
    file or the state database), and it is no character anyone typed."""
    surrogate = next((c for c in text if 0xD800 <= ord(c) <= 0xDFFF), None)
    if surrogate is not None:
        raise AliasError(
            f"{what} contains a lone surrogate (U+{ord(surrogate):04X}), which is not a "
            "character; type it again"
        )


def clean_alias(text: str) -> str:
    """`text` as an alias: invisible characters stripped, white space collapsed, otherwise as
    typed (case and accents kept). Raises `AliasError` for what cannot be an alias."""
    refuse_surrogates(text, "the alias")
    visible = "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE)
    alias = " ".join(visible.split())
    if not alias:
        raise AliasError("the alias is empty")
    if len(alias) > MAX_ALIAS:
        raise AliasError(f"the alias is longer than {MAX_ALIAS} characters")
    if all(word in QUESTION_WORDS or word in STOPWORDS for word in name_key(alias).split()):
        raise AliasError(
            f"{alias!r} has only question words (or words like 'the'); an alias must name the entry"
        )
    return alias


@dataclass(frozen=True)
class AliasEdit:
    """An alias ready to add: the new bytes of one YAML file, and the base they make, validated
    with every other file of the directory; nothing is written yet."""

    file: str  # as shown: `knowledge/people.yaml`
    name: str  # the file's name in its directory: `people.yaml`
    line: int  # 1-based line of the alias in the new file
    data: bytes
    candidate: KnowledgeBase


def prepare_alias(kb: KnowledgeBase, directory: Path, entry_id: str, alias: str) -> AliasEdit:
    """The edit that adds `alias` to `entry_id`'s YAML entry among `directory`'s files (those of
    the running base `kb`). Raises `AliasError` or `KnowledgeBaseInvalid`."""
    alias = clean_alias(alias)
    entry = kb.get(entry_id)
    if entry is None:
        raise AliasError(f"no entry with id {entry_id!r} in the running knowledge base")
    if name_key(alias) in {name_key(n) for n in entry.names()}:
        raise AliasError(f"{alias!r} is already a name of {entry_id}")

    path, original = _find_file(directory, entry_id)
    newline = "\r\n" if "\r\n" in original else "\n"
    edit = _insert_alias(original, entry_id, alias, newline=newline)
    data = edit.text.encode("utf-8")
    candidate = load_knowledge(directory, replacing={path.name: data})
    return AliasEdit(f"{directory.name}/{path.name}", path.name, edit.line, data, candidate)


def add_alias(holder: KnowledgeHolder, entry_id: str, alias: str) -> WrittenAlias:
    """Write `alias` into `entry_id`'s YAML entry in the holder's directory, then swap in the base
    it makes (a holder without a database: the served app stores aliases as versions instead,
    `cluster.KnowledgeCluster.add_alias`).

    Raises `AliasError` or `KnowledgeBaseInvalid` without having written anything: the candidate
    file is validated in memory, with the rest of the directory, before it is written.
    """
    edit = prepare_alias(holder.current, holder.directory, entry_id, alias)
    try:
        replace_file(holder.directory / edit.name, edit.data)
    except OSError as error:
        raise AliasError(
            f"could not write {edit.file}: {describe_os_error(error)}; nothing was changed"
        ) from None
    return WrittenAlias(file=edit.file, line=edit.line, swap=holder.install(edit.candidate))


def _find_file(directory: Path, entry_id: str) -> tuple[Path, str]:
    for path in knowledge_files(directory):
        try:
            text = read_checked(path, base=directory, limit=YAML_LIMIT).decode("utf-8")
            if _entry_node(text, entry_id) is not None:
                return path, text
        except (UnreadableFile, UnicodeDecodeError, yaml.YAMLError):
            continue  # a file being edited by hand; the entry is not in a file we can read
    raise AliasError(f"no YAML file in {directory.name}/ holds the entry {entry_id!r}")


def _entry_node(text: str, entry_id: str) -> yaml.MappingNode | None:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, section in root.value:
        if key.value not in SECTIONS or not isinstance(section, yaml.SequenceNode):
            continue
        for item in section.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            for k, v in item.value:
                if k.value == "id" and isinstance(v, yaml.ScalarNode) and v.value == entry_id:
                    return item
    return None


def _insert_alias(text: str, entry_id: str, alias: str, *, newline: str) -> _Edit:
    node = _entry_node(text, entry_id)
    assert node is not None  # _find_file found it in this very text
    scalar = _scalar(alias)
    found = next(((k, v) for k, v in node.value if k.value == "aliases"), None)
    if found is None:
        id_key = next(k for k, _ in node.value if k.value == "id")
        line_end = _end_of_line(text, id_key.start_mark.index)
        indent = " " * id_key.start_mark.column
        return _Edit(
            text[:line_end] + f"{newline}{indent}aliases: [{scalar}]" + text[line_end:],
            id_key.start_mark.line + 2,
        )
    key, value = found
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        # end_mark is just past the closing bracket; scan back over it.
        close = text.rindex("]", 0, value.end_mark.index)
        separator = ", " if value.value else ""
        return _Edit(text[:close] + separator + scalar + text[close:], value.end_mark.line + 1)
    if isinstance(value, yaml.SequenceNode) and value.value:
        last = value.value[-1]
        line_end = _end_of_line(text, max(last.end_mark.index - 1, last.start_mark.index))
        indent = " " * value.start_mark.column
        return _Edit(
            text[:line_end] + f"{newline}{indent}- {scalar}" + text[line_end:],
            last.end_mark.line + 2,
        )
    raise AliasError(
        f"the aliases of {entry_id} (line {key.start_mark.line + 1}) are not written as a "
        "list; add the alias by hand"
    )


def _scalar(alias: str) -> str:
    """The alias as YAML: plain when that reads back as the same string, else double-quoted."""
    plain_safe = not any(c in alias for c in ",[]{}#:&*!|>'\"%@`") and alias[0] not in "-?"
    if plain_safe:
        try:
            if yaml.safe_load(f"[{alias}]") == [alias]:
                return alias
        except yaml.YAMLError:
            pass
    # JSON strings are valid YAML double-quoted scalars.
    return json.dumps(alias, ensure_ascii=False)


def _end_of_line(text: str, index: int) -> int:
    end = text.find("\n", index)
    if end == -1:
        return len(text)
    return end - 1 if end > 0 and text[end - 1] == "\r" else end


def replace_file(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically and durably: readers and crashes see the old file or
    the new one, never half of one.

    The temporary file is in the same directory (a rename is atomic only within one file system)
    and its name does not end in .yaml, so a refresh running meanwhile does not load it. The data
    is fsynced before the rename and the directory after it, so the rename cannot reach the disk
    before the bytes do. On any error the temporary file is removed and `path` is untouched.
    """
    status = path.stat()
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".writing")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp creates 0600; the file keeps the mode (and, where allowed, the owner) it had.
        os.chmod(temporary, status.st_mode & 0o7777)
        if (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
            with contextlib.suppress(PermissionError):
                os.chown(temporary, status.st_uid, status.st_gid)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename itself has happened
    finally:
        os.close(directory)
