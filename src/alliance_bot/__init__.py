"""alliance-bot: answers questions about the US–Japan alliance from a curated, cited knowledge base."""

from importlib.metadata import PackageNotFoundError, version

try:
    # pyproject.toml is the one place the version is written; this reads it back as installed.
    __version__ = version("alliance-bot")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
