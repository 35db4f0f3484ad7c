"""`alliance-bot post-today [--today YYYY-MM-DD] [--channel C] [--dry-run]`: the daily job, once.

For system cron or a Kubernetes CronJob instead of (not beside, unless they share the state file)
the scheduler in `serve`/`socket`. It shares the scheduler's state, so running it twice the same
day posts once. It posts from the version the replicas serve (the database's current knowledge
base version), and from ALLIANCE_KNOWLEDGE_DIR only while the database holds none.

Exit codes: 0 done (posted, found already posted, or nothing to post); 1 Slack failed or the
knowledge base is invalid (nothing recorded: run it again); 2 bad input or configuration (an
impossible date, a missing token or channel); 75 (EX_TEMPFAIL) another process holds today's
claim right now, so a retrying runner (a Job's backoffLimit) tries again later.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from alliance_bot.cli.text import plain_lines
from alliance_bot.config import ConfigError, OperationsSettings, Settings
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
from alliance_bot.knowledge.archive import ArchiveError
from alliance_bot.knowledge.cache import snapshot_cache
from alliance_bot.knowledge.cluster import load_served, work_directory
from alliance_bot.knowledge.dates import InvalidDate, PartialDate
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.problems import KnowledgeBaseInvalid
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.knowledge.store import KnowledgeStore
from alliance_bot.logs import configure_logging
from alliance_bot.slack.daily_channel import SlackDailyChannel
from alliance_bot.slack.render.daily import daily_lines
from alliance_bot.slack.web_client import make_slack_client
from alliance_bot.state import (
    Database,
    DatabaseUnavailable,
    open_database,
    waiting_for_database,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TEMPFAIL = 75


def post_today(*, today: str | None, channel: str | None, dry_run: bool) -> int:
    """Run the daily job once; see the module docstring for the exit codes."""
    try:
        # LOG_LEVEL and LOG_FORMAT as in `serve`: a CronJob's lines go to the same log pipeline.
        configure_logging(OperationsSettings.from_env(os.environ, env_file=Path(".env")))
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
    database: Database | None = None
    if not dry_run or settings.database_url is not None or settings.state_db.is_file():
        try:
            database = open_database(settings.database)  # opened here: a bad one is one line
        except DatabaseUnavailable as error:
            return _fail(str(error), EXIT_USAGE)
    cache = snapshot_cache(settings.cache_dir)
    try:
        # The version the replicas serve (the database's), not this image's copy: a CronJob's
        # post and `/alliance` answers come from the same knowledge base.
        kb = (
            load_knowledge(settings.knowledge_dir, cache=cache)
            if database is None
            else load_served(
                KnowledgeStore(database),
                settings.knowledge_dir,
                work_dir=work_directory(settings.cache_dir),
                cache=cache,
            )
        )
    except KnowledgeBaseInvalid as error:
        return _fail(f"the knowledge base is invalid:\n{error.report()}", EXIT_FAILED)
    except ArchiveError as error:
        return _fail(f"the stored knowledge base cannot be read: {error}", EXIT_FAILED)
    except DBAPIError as error:  # the database went away after it opened: run again later
        return _waiting(error)
    if dry_run or not target or not settings.bot_token:  # the last two were refused above
        return _dry_run(kb, settings, target, day)
    try:
        outcome = asyncio.run(_post(kb, settings, target, day, settings.bot_token))
    except DailyPostFailed as error:
        return _fail(f"{error}; nothing recorded, run again to post", EXIT_FAILED)
    except Exception as error:
        return _waiting(error)
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
        lines.extend(["", plain_lines(daily_lines(kb, message))])
    return "\n".join(lines)


def _waiting(error: Exception) -> int:
    """Exit 1 with one line for a database outage; anything else is a bug and propagates."""
    outage = waiting_for_database(error)
    if outage is None:
        raise error
    return _fail(
        f"waiting for the database ({outage}); nothing recorded, run again to post", EXIT_FAILED
    )


def _fail(message: str, code: int) -> int:
    print(f"alliance-bot post-today: {message}", file=sys.stderr)
    return code
