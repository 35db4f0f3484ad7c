"""Benchmarks for alliance-bot: answering, loading, HTTP and start-up at 1,000 to 100,000 entries."""
