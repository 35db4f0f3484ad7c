"""The knowledge base: entries and their citations, loading and validation, the search index, the
snapshot a question is answered from, and the holder that swaps snapshots.

Nothing here knows about Slack or about how questions are worded.
"""

from alliance_bot.knowledge.cache import SnapshotCache, snapshot_cache
from alliance_bot.knowledge.dates import InvalidDate, PartialDate, human_range
from alliance_bot.knowledge.holder import KnowledgeHolder, Swap
from alliance_bot.knowledge.loader import knowledge_files, load_knowledge
from alliance_bot.knowledge.models import Citation, Entry, Event, Fact, Person, Quote, Source, Term
from alliance_bot.knowledge.paths import default_knowledge_dir
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid, Problem
from alliance_bot.knowledge.snapshot import KnowledgeBase

__all__ = [
    "Citation",
    "Entry",
    "Event",
    "Fact",
    "InvalidDate",
    "KnowledgeBase",
    "KnowledgeBaseInvalid",
    "KnowledgeHolder",
    "PartialDate",
    "Person",
    "Problem",
    "Quote",
    "SnapshotCache",
    "Source",
    "Swap",
    "Term",
    "default_knowledge_dir",
    "human_range",
    "knowledge_files",
    "load_knowledge",
    "snapshot_cache",
]
