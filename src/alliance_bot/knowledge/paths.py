"""Where the shipped knowledge base lives: inside the installed package, or the repository."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # alliance_bot/


def default_knowledge_dir() -> Path:
    """`alliance_bot/_data/knowledge` in a wheel install; `knowledge/` in a source checkout."""
    bundled = _PACKAGE / "_data" / "knowledge"
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent.parent / "knowledge"
