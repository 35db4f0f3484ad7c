"""Add an alias to an entry in its YAML file, keeping every comment and the layout, then refresh.

A careful insert at the positions PyYAML reports rather than a round-trip dump: the files are
hand-written (section comments, `>-` summaries, long flow lists), and any re-dump — even
ruamel.yaml's round-trip mode — reflows some of it. Here exactly one thing changes: the alias is
appended to the entry's `aliases` list (flow `[...]` or block `- ...`), or an `aliases: [...]`
line is added under the entry's `id`.

The write is atomic (temporary file + rename, so a concurrent refresh reads the old file or the new
one), then the whole base is validated and swapped in by `KnowledgeHolder.reload`. If that fails,
the original bytes are put back and the running base is untouched.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from alliance_bot.knowledge.holder import KnowledgeHolder, Swap
from alliance_bot.knowledge.loader import knowledge_files
from alliance_bot.knowledge.models import SECTIONS
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.text import name_key

MAX_ALIAS = 200


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


def add_alias(holder: KnowledgeHolder, entry_id: str, alias: str) -> WrittenAlias:
    """Write `alias` into `entry_id`'s YAML entry, then refresh.

    Raises `AliasError` before touching any file, or `KnowledgeBaseInvalid` after restoring the
    file when the refreshed base does not validate.
    """
    alias = " ".join(alias.split())
    if not alias:
        raise AliasError("the alias is empty")
    if len(alias) > MAX_ALIAS:
        raise AliasError(f"the alias is longer than {MAX_ALIAS} characters")
    entry = holder.current.get(entry_id)
    if entry is None:
        raise AliasError(f"no entry with id {entry_id!r} in the running knowledge base")
    if name_key(alias) in {name_key(n) for n in entry.names()}:
        raise AliasError(f"{alias!r} is already a name of {entry_id}")

    path, original = _find_file(holder.directory, entry_id)
    newline = "\r\n" if "\r\n" in original else "\n"
    edit = _insert_alias(original, entry_id, alias, newline=newline)
    _replace(path, edit.text.encode("utf-8"))
    try:
        swap = holder.reload()
    except (KnowledgeBaseInvalid, OSError):
        _replace(path, original.encode("utf-8"))
        raise
    return WrittenAlias(file=f"{holder.directory.name}/{path.name}", line=edit.line, swap=swap)


def _find_file(directory: Path, entry_id: str) -> tuple[Path, str]:
    for path in knowledge_files(directory):
        try:
            text = path.read_bytes().decode("utf-8")
            if _entry_node(text, entry_id) is not None:
                return path, text
        except (UnicodeDecodeError, yaml.YAMLError):
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


def _replace(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename: readers see the old file or the new, never half.

    The temporary name does not end in .yaml, so a refresh running meanwhile does not load it.
    """
    temporary = path.with_name(f".{path.name}.writing")
    temporary.write_bytes(data)
    os.replace(temporary, path)
