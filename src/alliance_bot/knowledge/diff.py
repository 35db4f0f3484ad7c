"""What changed between two knowledge base snapshots: entries added, removed and changed, per kind.

Used by refresh, dry-run and rollback to tell the admin what their edit did. Entries are compared
by id; an entry is "changed" when any field differs (pydantic models compare by value). An id that
moved to another kind counts as removed from the old kind and added to the new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance_bot.knowledge.models import SECTIONS, Kind
from alliance_bot.knowledge.snapshot import KnowledgeBase

# Kinds in the order admins know them from the YAML files, named as the YAML sections are.
_PLURAL: dict[Kind, str] = {kind: section for section, kind in SECTIONS.items()}


@dataclass(frozen=True)
class KindDiff:
    """The ids added, removed and changed within one kind, each sorted."""

    kind: Kind
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        """The YAML section name: `people`, `events`, …"""
        return _PLURAL[self.kind]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class KbDiff:
    """Differences from `old_version` to `new_version`; only kinds with a change are listed."""

    old_version: str
    new_version: str
    kinds: tuple[KindDiff, ...]

    @property
    def empty(self) -> bool:
        return not self.kinds

    @property
    def added(self) -> int:
        return sum(len(k.added) for k in self.kinds)

    @property
    def removed(self) -> int:
        return sum(len(k.removed) for k in self.kinds)

    @property
    def changed(self) -> int:
        return sum(len(k.changed) for k in self.kinds)

    def summary(self, *, per_list: int = 5) -> str:
        """Plain text, one line per kind with at most `per_list` ids per list, then the counts.

        The ids are bounded so a reply about a large edit still fits in one Slack message.
        """
        if self.empty:
            return "No entries changed."
        lines: list[str] = []
        for kind in self.kinds:
            parts = [
                f"{label} {len(ids)}: {_short_list(ids, per_list)}"
                for label, ids in (
                    ("added", kind.added),
                    ("removed", kind.removed),
                    ("changed", kind.changed),
                )
                if ids
            ]
            lines.append(f"{kind.section} — {'; '.join(parts)}")
        lines.append(f"In all: {self.added} added, {self.removed} removed, {self.changed} changed.")
        return "\n".join(lines)


def diff_knowledge(old: KnowledgeBase, new: KnowledgeBase) -> KbDiff:
    """Compare two snapshots entry by entry."""
    kinds: list[KindDiff] = []
    for kind in _PLURAL:
        before = {e.id: e for e in old.of_kind(kind)}
        after = {e.id: e for e in new.of_kind(kind)}
        result = KindDiff(
            kind=kind,
            added=tuple(sorted(after.keys() - before.keys())),
            removed=tuple(sorted(before.keys() - after.keys())),
            changed=tuple(sorted(i for i in before.keys() & after.keys() if before[i] != after[i])),
        )
        if result:
            kinds.append(result)
    return KbDiff(old_version=old.version, new_version=new.version, kinds=tuple(kinds))


def _short_list(ids: tuple[str, ...], limit: int) -> str:
    shown = ", ".join(ids[:limit])
    rest = len(ids) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
