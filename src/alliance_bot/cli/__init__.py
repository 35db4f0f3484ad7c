"""The `alliance-bot` command line: `ask`, `kb …`, `post-today`, `serve` and `socket`."""
