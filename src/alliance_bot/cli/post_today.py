"""`alliance-bot post-today [--today YYYY-MM-DD] [--channel C] [--dry-run]`: the daily job, once.

For system cron or a Kubernetes CronJob instead of (not beside, unless they share the state file)
the scheduler in `serve`/`socket`. It shares the scheduler's state, so running it twice the same
day posts once.

Exit codes: 0 done (posted, found already posted, or nothing to post); 1 Slack failed or the
knowledge base is invalid (nothing recorded: run it again); 2 bad input or configuration (an
impossible date, a missing token or channel); 75 (EX_TEMPFAIL) another process holds today's
claim right now, so a retrying runner (a Job's backoffLimit) tries again later.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
from pathlib import Path

from alliance_bot.config import ConfigError, Settings
from alliance_bot.daily.clock import local_date
from alliance_bot.daily.content import ArchiveRotation, DailyMessage, compose_daily
from alliance_bot.daily.job import (
    DailyJob,
    DailyOutcome,
    DailyPostFailed,
    default_owner,
    describe,
    post_daily,
)
from alliance_bot.daily.state import PostRecord, SqlPostState
from alliance_bot.knowledge.cache import snapshot_cache
from alliance_bot.knowledge.dates import InvalidDate, PartialDate
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.mrkdwn import unescape
from alliance_bot.slack.daily_channel import SlackDailyChannel
from alliance_bot.slack.render.daily import render_daily
from alliance_bot.slack.web_client import make_slack_client
from alliance_bot.state import DatabaseUnavailable, waiting_for_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TEMPFAIL = 75


def post_today(*, today: str | None, channel: str | None, dry_run: bool) -> int:
    """Run the daily job once; see the module docstring for the exit codes."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(os.environ, env_file=Path(".env"))
    except ConfigError as error:
        return _fail(str(error), EXIT_USAGE)
    try:
        day = _parse_today(today, settings)
    except InvalidDate as error:
        return _fail(f"--today: {error}", EXIT_USAGE)
    target = channel or settings.daily_channel
    if not dry_run:
        if not settings.bot_token:
            return _fail(
                "SLACK_BOT_TOKEN is not set; post-today needs the bot token to post "
                "(or use --dry-run to print the message only)",
                EXIT_USAGE,
            )
        if not target:
            return _fail("no channel: set ALLIANCE_DAILY_CHANNEL or pass --channel", EXIT_USAGE)
    # A dry run reads the state only if it exists (it must not create files).
    if not dry_run or settings.database_url is not None or settings.state_db.is_file():
        try:
            SqlPostState.for_settings(settings)  # opened here: a bad database is one line
        except DatabaseUnavailable as error:
            return _fail(str(error), EXIT_USAGE)
    try:
        kb = load_knowledge(settings.knowledge_dir, cache=snapshot_cache(settings.cache_dir))
    except KnowledgeBaseInvalid as error:
        return _fail(f"the knowledge base is invalid:\n{error.report()}", EXIT_FAILED)
    if dry_run or not target or not settings.bot_token:  # the last two were refused above
        return _dry_run(kb, settings, target, day)
    try:
        outcome = asyncio.run(_post(kb, settings, target, day, settings.bot_token))
    except DailyPostFailed as error:
        return _fail(f"{error}; nothing recorded, run again to post", EXIT_FAILED)
    except Exception as error:
        outage = waiting_for_database(error)
        if outage is None:
            raise
        return _fail(
            f"waiting for the database ({outage}); nothing recorded, run again to post",
            EXIT_FAILED,
        )
    print(describe(outcome))
    return EXIT_TEMPFAIL if outcome.status == "busy" else EXIT_OK


def _parse_today(text: str | None, settings: Settings) -> dt.date:
    if text is None:
        return local_date(dt.datetime.now(dt.UTC), settings.timezone)
    parsed = PartialDate.parse(text)
    if parsed.precision != "day":
        raise InvalidDate(f"{text!r} is not a full date; give one like 2024-03-10")
    return parsed.first_day()


async def _post(
    kb: KnowledgeBase, settings: Settings, channel: str, day: dt.date, token: str
) -> DailyOutcome:
    client = make_slack_client(token=token, base_url=settings.api_url)
    job = DailyJob(
        state=SqlPostState.for_settings(settings),
        fallback=settings.daily_fallback,
        owner=default_owner(),
    )
    return await post_daily(job, kb, SlackDailyChannel(client, channel, settings.timezone), day)


def _dry_run(kb: KnowledgeBase, settings: Settings, channel: str | None, day: dt.date) -> int:
    rotation = ArchiveRotation()
    record: PostRecord | None = None
    # Read the state only if it exists: a dry run must not create files.
    if channel and (settings.database_url is not None or settings.state_db.is_file()):
        state = SqlPostState.for_settings(settings)
        rotation = asyncio.run(state.rotation(channel))
        record = asyncio.run(state.get(channel, day))
    message = compose_daily(kb, day, fallback=settings.daily_fallback, rotation=rotation)
    print(_dry_run_text(kb, day, channel, message, record))
    return EXIT_OK


def _dry_run_text(
    kb: KnowledgeBase,
    day: dt.date,
    channel: str | None,
    message: DailyMessage | None,
    record: PostRecord | None,
) -> str:
    where = channel or "(no channel set)"
    lines = [f"Dry run for {day.isoformat()} in {where}: nothing is posted."]
    if record is not None and record.status != "claimed":
        lines.append(
            f"Note: {day.isoformat()} is already {record.status} there; a real run "
            "would not post again."
        )
    if message is None:
        lines.append("No event on this day and ALLIANCE_DAILY_FALLBACK is skip: nothing to post.")
    else:
        lines.extend(["", unescape(render_daily(kb, message).text)])
    return "\n".join(lines)


def _fail(message: str, code: int) -> int:
    print(f"alliance-bot post-today: {message}", file=sys.stderr)
    return code
