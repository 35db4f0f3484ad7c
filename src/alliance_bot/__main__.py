"""Allow `python -m alliance_bot`."""

from alliance_bot.cli import main

raise SystemExit(main())
