"""Plain data from a YAML file, as PyYAML's safe loader makes it, but about four times faster.

At 100,000 entries the YAML was more than half of a cold load: composing the node tree (in C,
but calling the Python resolver for each of 1.7 M scalars) and then constructing plain data from
it with PyYAML's general constructor (a generator per collection, a method call per scalar). Here
the loader's resolver is one dictionary look-up and a few regexes for a plain scalar, and the
tree is constructed by `plain_data`, a loop that knows the few tags a knowledge file uses (str,
int, float, bool, null, seq, map). Any other node — an explicit or unknown tag, a merge key, an
unhashable key, an alias inside itself — makes it give the whole document to PyYAML's own
constructor, so values and errors are always exactly PyYAML's.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# Scalars of these tags are made by the safe constructor's own method (rare in knowledge files).
_SCALARS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null"))


class Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader that keeps dates as text, so an impossible date is reported, not a crash."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        # `BaseResolver.resolve` without path resolvers (this loader has none) and with each
        # first character's resolvers joined once, not on every scalar.
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
assert not Loader.yaml_path_resolvers, "Loader.resolve assumes no path resolvers"
_WILDCARD: list[tuple[str, Any]] = Loader.yaml_implicit_resolvers.get(None, [])
_IMPLICIT: dict[str, list[tuple[str, Any]]] = {
    first: [*resolvers, *_WILDCARD]
    for first, resolvers in Loader.yaml_implicit_resolvers.items()
    if first is not None
}


class _Unusual(Exception):
    """A node `plain_data` leaves to PyYAML's constructor."""


def load_plain(text: str) -> Any:
    """`yaml.load(text, Loader=Loader)`: the same value, or the same error."""
    loader = Loader(text)
    try:
        return _from_events(loader)
    except (_Unusual, yaml.YAMLError):
        pass  # read again below, by PyYAML's own path, which says what PyYAML says
    finally:
        loader.dispose()
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        try:
            return plain_data(root, loader)
        except _Unusual:
            return loader.construct_document(root)
    finally:
        loader.dispose()


_NO_KEY = object()


def _from_events(loader: Any) -> Any:
    """The document's plain data straight from libyaml's events, with no node tree: composing
    the tree was the load's peak memory (a node and a mark object per scalar, 1.7 M of them at
    100,000 entries) and a third of the YAML's time. Raises `_Unusual` for anything this loop
    does not read as the composer and `plain_data` would (a tag, an anchor or alias, a merge
    key, a non-scalar key, more than one document)."""
    get = loader.get_event
    resolve = loader.resolve
    scalars = loader.yaml_constructors
    get()  # StreamStartEvent
    if type(get()) is not DocumentStartEvent:
        return None  # an empty stream
    # Open collections, and for each a pending key (`_NO_KEY` for a sequence or a map awaiting
    # its next key).
    stack: list[Any] = []
    keys: list[Any] = []
    value: Any
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            value = event.value
            tag = resolve(ScalarNode, value, event.implicit)
            if tag != _STR:
                if tag not in _SCALARS:
                    raise _Unusual  # a merge key, `=`
                value = scalars[tag](loader, ScalarNode(tag, value))
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            stack.append({} if kind is MappingStartEvent else [])
            keys.append(_NO_KEY)
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value = stack.pop()
            keys.pop()
        else:
            raise _Unusual  # an alias
        if not stack:
            break
        top = stack[-1]
        if type(top) is list:
            top.append(value)
        elif keys[-1] is _NO_KEY:
            if type(value) is dict or type(value) is list:
                raise _Unusual  # unhashable: PyYAML's own error
            keys[-1] = value
        else:
            top[keys[-1]] = value
            keys[-1] = _NO_KEY
    if type(get()) is not DocumentEndEvent or type(get()) is not StreamEndEvent:
        raise _Unusual  # more than one document: PyYAML's error
    return value


def plain_data(root: Node, loader: Any) -> Any:
    """The value PyYAML's safe constructor makes of `root`; raises `_Unusual` where it would
    do more than this loop does."""
    return _Builder(loader).value_of(root)


class _Builder:
    """One document's construction. A class, not a closure: a nested function that calls itself
    is a reference cycle, and with the collector paused during a load (`load_knowledge`) the
    cycle kept every collection of every file alive (+180 MB at 100,000 entries)."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader
        self._scalars = loader.yaml_constructors
        # Collections by node identity: an alias is the very node of its anchor, and gets the
        # very object PyYAML would give it. A node still being built is an alias inside itself.
        self._made: dict[int, Any] = {}
        self._building: set[int] = set()

    def value_of(self, node: Node) -> Any:
        kind = type(node)
        if kind is ScalarNode:
            tag = node.tag
            if tag == _STR:
                return node.value
            if tag in _SCALARS:
                return self._scalars[tag](self._loader, node)
            raise _Unusual
        ident = id(node)
        if ident in self._made:
            return self._made[ident]
        if ident in self._building:
            raise _Unusual
        self._building.add(ident)
        result: Any
        if kind is MappingNode and node.tag == _MAP:
            result = {}
            for key_node, item_node in node.value:
                if type(key_node) is ScalarNode and key_node.tag == _STR:
                    key = key_node.value
                else:
                    key = self.value_of(key_node)
                    if not isinstance(key, str | int | float | bool | None):
                        raise _Unusual  # unhashable, or a tag the safe constructor treats alike
                if type(item_node) is ScalarNode and item_node.tag == _STR:
                    result[key] = item_node.value
                else:
                    result[key] = self.value_of(item_node)
        elif kind is SequenceNode and node.tag == _SEQ:
            result = [self.value_of(item) for item in node.value]
        else:
            raise _Unusual  # !!omap, !!set, !!pairs, a merge's tags, an unknown tag
        self._building.discard(ident)
        self._made[ident] = result
        return result
