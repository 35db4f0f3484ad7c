"""The `alliance-bot` command line: ask questions, check the knowledge base, run the Slack app.

Errors a user can make (a bad date, a broken knowledge base, a missing token) end in one clear
line and exit code 1 or 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from alliance_bot.answering.answer import Answer
from alliance_bot.answering.engine import answer
from alliance_bot.config import ConfigError, knowledge_dir_from, timezone_from
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.mrkdwn import unescape


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a real date in the form YYYY-MM-DD"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alliance-bot",
        description="Answers questions about the US–Japan alliance from a cited knowledge base.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer a question, as /alliance TEXT would")
    ask.add_argument("text", nargs="*", help="the question (empty: help)")
    ask.add_argument("--today", type=_iso_date, help="the date 'on this day' means (YYYY-MM-DD)")
    output = ask.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"text": ..., "today": ...} lines from stdin, print one JSON object per line',
    )

    kb = commands.add_parser("kb", help="knowledge base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    check = kb_commands.add_parser("check", help="validate a knowledge base directory")
    check.add_argument("directory", nargs="?", type=Path, help="default: the one in use")
    draft = kb_commands.add_parser("draft", help="propose entries for a new article (YAML)")
    draft.add_argument("article", type=Path, help="the new article, e.g. seeds/005_new.txt")

    serve = commands.add_parser("serve", help="run the Slack app over HTTP")
    serve.add_argument("--host", default="0.0.0.0", help="default: 0.0.0.0")
    serve.add_argument("--port", type=int, default=3000, help="default: 3000")
    commands.add_parser("socket", help="run the Slack app in Socket Mode")

    post = commands.add_parser("post-today", help="post today's 'on this day' item once")
    post.add_argument("--today", help="the local date to post for (YYYY-MM-DD)")
    post.add_argument("--channel", help="default: ALLIANCE_DAILY_CHANNEL")
    post.add_argument("--dry-run", action="store_true", help="print the message, post nothing")
    return parser


def knowledge_dir() -> Path:
    return knowledge_dir_from(os.environ)


def _load(directory: Path) -> KnowledgeBase | None:
    try:
        return load_knowledge(directory)
    except KnowledgeBaseInvalid as error:
        print(f"The knowledge base in {directory} has errors:", file=sys.stderr)
        print(error.report(), file=sys.stderr)
        return None


def _human(result: Answer) -> str:
    """The answer as a person reads it in a terminal: mrkdwn unescaped, sources last."""
    return unescape(result.text)


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
    result = answer(kb, " ".join(args.text), today)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(_human(result))
    return 0


def _ask_lines(kb: KnowledgeBase, today: dt.date) -> int:
    """Answer one JSON question per input line; a bad line gets an error object, not a crash."""
    for number, raw in enumerate(sys.stdin, start=1):
        if not raw.strip():
            continue
        try:
            request = json.loads(raw)
            text = request["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
            day = dt.date.fromisoformat(request["today"]) if request.get("today") else today
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            message = f'line {number}: expected {{"text": ..., "today": "YYYY-MM-DD"}} ({error})'
            result = {"status": "error", "text": message, "sources": [], "entries": [],
                      "suggestions": []}  # fmt: skip
            print(json.dumps(result, ensure_ascii=False), flush=True)
            continue
        print(json.dumps(answer(kb, text, day).to_json(), ensure_ascii=False), flush=True)
    return 0


def _kb(args: argparse.Namespace) -> int:
    if args.kb_command == "draft":
        from alliance_bot.knowledge.drafting import draft_command

        return int(draft_command(args.article, knowledge_dir()))
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
    parser = _parser()
    args = parser.parse_args(argv)
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
    return 2
