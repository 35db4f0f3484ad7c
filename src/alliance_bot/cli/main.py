"""The `alliance-bot` command line: ask questions, check the knowledge base, run the Slack app.

Errors a user can make (a bad date, a broken knowledge base, a missing token, a port out of range)
end in one clear line and exit code 1 or 2, never a traceback. A reader that goes away
(`alliance-bot ask … | head -1`) ends the command quietly, as it would `cat`. `--version` reads
the installed distribution's metadata, so pyproject.toml is the one place the version is written.
Each sub-command's `--help` names the settings it reads and the README section about them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from alliance_bot import __version__
from alliance_bot.answering.engine import answer
from alliance_bot.cli.text import answer_text
from alliance_bot.config import ConfigError, cache_dir_from, knowledge_dir_from, timezone_from
from alliance_bot.knowledge.cache import snapshot_cache
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.render.answers import answer_json


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a real date in the form YYYY-MM-DD"
        ) from None


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {port} (0-65535; 0 picks a free one)")
    return port


# What each sub-command reads from the environment (or .env), for its --help, and the README
# sections that explain them (tests check that each section exists).
_SLACK_APP_OPTIONAL = (
    "optional: SLACK_API_URL, ALLIANCE_ADMINS, ALLIANCE_KNOWLEDGE_DIR, ALLIANCE_STATE_DB,",
    "          ALLIANCE_DATABASE_URL, ALLIANCE_CACHE_DIR, ALLIANCE_DAILY_CHANNEL,",
    "          ALLIANCE_DAILY_TIME, ALLIANCE_TIMEZONE, ALLIANCE_DAILY_FALLBACK,",
)
_SETTINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ask": (
        (
            "optional: ALLIANCE_KNOWLEDGE_DIR (default: the knowledge base shipped with the package)",
        ),
        ("Asking questions",),
    ),
    "kb": (
        (
            "optional: ALLIANCE_KNOWLEDGE_DIR (the directory checked when none is given)",
            "publish, export: ALLIANCE_DATABASE_URL, else ALLIANCE_STATE_DB",
        ),
        ("Admin guide: keeping the knowledge base",),
    ),
    "serve": (
        (
            "required: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET",
            *_SLACK_APP_OPTIONAL,
            "          LOG_LEVEL, LOG_FORMAT",
        ),
        ("HTTP mode, step by step", "Settings"),
    ),
    "socket": (
        (
            "required: SLACK_BOT_TOKEN, SLACK_APP_TOKEN",
            *_SLACK_APP_OPTIONAL,
            "          LOG_LEVEL, LOG_FORMAT, ALLIANCE_HEALTH_PORT (/healthz, /metrics; default 3000)",
        ),
        ("Socket Mode, step by step", "Settings"),
    ),
    "post-today": (
        (
            "required: SLACK_BOT_TOKEN (not with --dry-run), ALLIANCE_DAILY_CHANNEL (or --channel)",
            "optional: ALLIANCE_TIMEZONE, ALLIANCE_DAILY_FALLBACK, ALLIANCE_STATE_DB,",
            "          ALLIANCE_DATABASE_URL, ALLIANCE_KNOWLEDGE_DIR, ALLIANCE_CACHE_DIR,",
            "          SLACK_API_URL, LOG_LEVEL, LOG_FORMAT",
        ),
        ("`alliance-bot post-today`", "Settings"),
    ),
}


def _epilog(command: str) -> str:
    settings, sections = _SETTINGS[command]
    lines = [
        "settings (environment variables, or a .env file in the working directory):",
        *(f"  {line}" for line in settings),
        "see README.md, section " + " and ".join(f'"{section}"' for section in sections),
    ]
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: the error and where to read more, no usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="alliance-bot",
        description="Answers questions about the US–Japan alliance from a cited knowledge base.",
    )
    parser.add_argument("--version", action="version", version=f"alliance-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            epilog=_epilog(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            **kwargs,
        )

    ask = command("ask", help="answer a question, as /alliance TEXT would")
    ask.add_argument("text", nargs="*", help="the question (empty: help)")
    ask.add_argument("--today", type=_iso_date, help="the date 'on this day' means (YYYY-MM-DD)")
    output = ask.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"text": ..., "today": ...} lines from stdin, print one JSON object per line',
    )

    kb = command("kb", help="knowledge base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    check = kb_commands.add_parser("check", help="validate a knowledge base directory")
    check.add_argument("directory", nargs="?", type=Path, help="default: the one in use")
    draft = kb_commands.add_parser("draft", help="propose entries for a new article (YAML)")
    draft.add_argument("article", type=Path, help="the new article, e.g. seeds/005_new.txt")
    publish = kb_commands.add_parser(
        "publish", help="validate a directory and store it as the cluster's current version"
    )
    publish.add_argument("directory", type=Path, help="a knowledge directory (seeds beside it)")
    export = kb_commands.add_parser(
        "export", help="write the current version out as files (YAML here, seeds beside it)"
    )
    export.add_argument("directory", type=Path, help="e.g. knowledge (seeds go to ../seeds)")

    serve = command("serve", help="run the Slack app over HTTP")
    serve.add_argument("--host", default="0.0.0.0", help="default: 0.0.0.0")
    serve.add_argument("--port", type=_port, default=3000, help="default: 3000 (0: a free port)")
    command("socket", help="run the Slack app in Socket Mode")

    post = command("post-today", help="post today's 'on this day' item once")
    post.add_argument("--today", help="the local date to post for (YYYY-MM-DD)")
    post.add_argument("--channel", help="default: ALLIANCE_DAILY_CHANNEL")
    post.add_argument("--dry-run", action="store_true", help="print the message, post nothing")
    return parser


def knowledge_dir() -> Path:
    return knowledge_dir_from(os.environ)


def _load(directory: Path) -> KnowledgeBase | None:
    try:
        return load_knowledge(directory, cache=snapshot_cache(cache_dir_from(os.environ)))
    except KnowledgeBaseInvalid as error:
        print(f"The knowledge base in {directory} has errors:", file=sys.stderr)
        print(error.report(), file=sys.stderr)
        return None


def _ask(args: argparse.Namespace) -> int:
    kb = _load(knowledge_dir())
    if kb is None:
        return 1
    try:
        today = args.today or dt.datetime.now(timezone_from(os.environ)).date()
    except ConfigError as error:
        print(f"alliance-bot: {error}", file=sys.stderr)
        return 2
    if args.jsonl:
        return _ask_lines(kb, today)
    question = " ".join(args.text)
    if _lone_surrogate(question) is not None:
        # argv bytes that are not UTF-8 arrive as lone surrogates (surrogateescape).
        print("alliance-bot: the question is not valid UTF-8 text", file=sys.stderr)
        return 2
    result = answer(kb, question, today)
    if args.json:
        print(json.dumps(answer_json(result), ensure_ascii=False))
    else:
        print(answer_text(result))
    return 0


def _ask_lines(kb: KnowledgeBase, today: dt.date) -> int:
    """Answer one JSON question per input line; a bad line gets an error object, not a crash.

    Lines are decoded one by one, so bytes that are not UTF-8 spoil only their own line.
    """
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        if not raw.strip():
            continue
        try:
            request = json.loads(raw.decode("utf-8"))
            text = request["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
            surrogate = _lone_surrogate(text)
            if surrogate is not None:
                raise ValueError(f"text holds a lone surrogate (U+{surrogate:04X}), not text")
            day = dt.date.fromisoformat(request["today"]) if request.get("today") else today
        except RecursionError:
            _print_error(number, "the JSON is nested too deeply")
            continue
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            _print_error(number, f'expected {{"text": ..., "today": "YYYY-MM-DD"}} ({error})')
            continue
        try:
            result = answer_json(answer(kb, text, day))
        except Exception as error:  # one question must not end the batch
            print(f"alliance-bot: line {number}: {type(error).__name__}", file=sys.stderr)
            _print_error(number, "could not answer this question (an internal error)")
            continue
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def _print_error(number: int, message: str) -> None:
    result = {"status": "error", "text": f"line {number}: {message}", "sources": [],
              "entries": [], "suggestions": []}  # fmt: skip
    # ensure_ascii: the message may quote what could not be read.
    print(json.dumps(result), flush=True)


def _lone_surrogate(text: str) -> int | None:
    return next((ord(c) for c in text if 0xD800 <= ord(c) <= 0xDFFF), None)


def _kb(args: argparse.Namespace) -> int:
    if args.kb_command == "draft":
        from alliance_bot.knowledge.drafting import draft_command

        return int(draft_command(args.article, knowledge_dir()))
    if args.kb_command in ("publish", "export"):
        from alliance_bot.cli.versions import export_command, publish_command

        command = publish_command if args.kb_command == "publish" else export_command
        return command(args.directory)
    directory = args.directory or knowledge_dir()
    try:
        kb = load_knowledge(directory)
    except KnowledgeBaseInvalid as error:
        print(error.report())
        print(f"{len(error.problems)} problem(s); this knowledge base would not be used.")
        return 1
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(kb.by_kind.items()))
    print(f"OK: {directory} — {len(kb)} entries ({counts}); version {kb.version}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        status = _run(argv)
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
        return status
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly, as `cat` does. Point stdout at
        # /dev/null so the interpreter's last flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13  # what a shell reports for a process ended by SIGPIPE


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "ask":
        return _ask(args)
    if args.command == "kb":
        return _kb(args)
    if args.command == "serve":
        from alliance_bot.slack.run import serve

        return int(serve(host=args.host, port=args.port))
    if args.command == "socket":
        from alliance_bot.slack.run import socket_mode

        return int(socket_mode())
    if args.command == "post-today":
        from alliance_bot.cli.post_today import post_today

        return int(post_today(today=args.today, channel=args.channel, dry_run=args.dry_run))
    parser.error(f"unknown command {args.command}")
