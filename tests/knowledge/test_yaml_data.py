"""`load_plain` gives exactly what PyYAML's safe loader gives, value or error, on every kind of
document a knowledge file could hold, and on the shipped knowledge files themselves."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
import yaml

from alliance_bot.knowledge.loader import knowledge_files
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.yaml_data import Loader, load_plain


class _Reference(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's own safe loader (C when present), with the same resolvers as `Loader`."""

    yaml_implicit_resolvers = Loader.yaml_implicit_resolvers


DOCUMENTS = [
    "",
    "# only a comment\n",
    "a: 1",
    "- 1\n- 0x1f\n- 1_000\n- 1:30\n- .inf\n- -.NaN\n- yes\n- No\n- ~\n- null\n- ''\n- '1'",
    "- 2023-11-29\n- !!timestamp 2023-11-29\n- 2023-11-29T10:00:00Z",
    "a: &x {b: [1, 2]}\nc: *x\n",
    "a: &x [1]\nb: *x",
    "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2",
    "? [1,2]\n: x",
    "{1: a, 2.5: b, true: c, null: d}",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!pairs [a: 1, a: 2]",
    "a: !!str 12",
    "a: !!binary aGVsbG8=",
    "a: !foo x",
    "--- 1\n--- 2",
    "a: [unclosed",
    "a: b: c",
    "&a [*a]",
    "&a {x: *a}",
    "a: *nowhere",
    "key: |\n  block\n  text\n",
    "k: >\n  folded\n  text",
    "= : 1",
    "a: !!int '12'",
    "a: !!float '1.5'",
    "a: !!bool 'yes'",
    "[a, {b: c}, [d]]",
    "a: 1\na: 2",
    "'x': \"y\\n\\u00e9\"",
    "!!map {a: 1}",
    "!!seq [1]",
    "a: !!null ''",
    "x: [0o17, 017, +12.5e3, .5, 1e3, -0]",
    "people:\n  - id: a\n    name: Ā\n    roles: [{title: t, start: 2023-01}]\n",
    "\t- tab",
    "a: 'unterminated",
]


def _outcome(load: Any, text: str) -> tuple[str, str]:
    try:
        return "value", repr(load(text))
    except yaml.YAMLError as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize("text", DOCUMENTS)
def test_same_value_or_error_as_pyyaml(text: str) -> None:
    assert _outcome(load_plain, text) == _outcome(lambda t: yaml.load(t, Loader=_Reference), text)


def test_an_alias_is_the_same_object() -> None:
    data = load_plain("a: &x {b: 1}\nc: *x\nd: &y [1]\ne: *y")
    assert data["a"] is data["c"]
    assert data["d"] is data["e"]


@pytest.mark.parametrize("path", knowledge_files(default_knowledge_dir()), ids=lambda p: p.name)
def test_the_shipped_files_read_the_same(path: Path) -> None:
    text = path.read_text()
    assert load_plain(text) == yaml.load(text, Loader=_Reference)


def test_reading_leaves_no_cycle_behind() -> None:
    """A load pauses the cyclic collector, so anything a read leaves in a cycle stays in memory
    until the load ends: a file's whole data, once, through a recursive closure."""
    gc.collect()
    collecting = gc.isenabled()
    gc.disable()
    try:
        load_plain("people:\n  - &p {id: a, roles: [{title: t}]}\n  - *p\n")
        assert gc.collect() == 0
    finally:
        if collecting:
            gc.enable()
