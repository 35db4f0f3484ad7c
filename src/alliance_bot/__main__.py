"""Allow `python -m alliance_bot`."""

from alliance_bot.cli.main import main

raise SystemExit(main())
