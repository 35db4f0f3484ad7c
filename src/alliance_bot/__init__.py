"""alliance-bot: answers questions about the US–Japan alliance from a curated, cited knowledge base."""

__version__ = "0.1.0"
