"""`alliance_bot.logs`: the JSON and text formats, library records in the same format, request
ids through tasks and worker threads, and libraries kept off DEBUG."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance_bot.config import ConfigError, OperationsSettings
from alliance_bot.logs import REQUEST_ID, configure_logging, excerpt


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root logger back as pytest had it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = ("slack_bolt", "slack_sdk", "aiohttp", "slack_sdk.webhook", "alembic.runtime.plugins")
    libraries = {name: logging.getLogger(name).level for name in names}
    yield
    logging.captureWarnings(False)
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in libraries.items():
        logging.getLogger(name).setLevel(old)


@pytest.mark.usefixtures("restore_logging")
class TestJsonFormat:
    def test_ours_bolts_and_slack_sdks_records_are_json(self) -> None:
        """Every record, whoever logs it, is one JSON object on one line."""
        out = io.StringIO()
        configure_logging(OperationsSettings(log_format="json"), stream=out)
        logging.getLogger("alliance_bot.x").info("ours %d", 1)
        logging.getLogger("slack_bolt.AsyncApp").warning("bolt's\nsecond line")
        logging.getLogger("slack_sdk.web.async_base_client").error("sdk's")
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [(x["logger"], x["level"], x["message"]) for x in lines] == [
            ("alliance_bot.x", "INFO", "ours 1"),
            ("slack_bolt.AsyncApp", "WARNING", "bolt's\nsecond line"),
            ("slack_sdk.web.async_base_client", "ERROR", "sdk's"),
        ]
        assert all(x["time"].endswith("+00:00") for x in lines)

    def test_python_warnings_are_records_too(self) -> None:
        """A library's `warnings.warn` comes out as one JSON object, not raw stderr lines."""
        out = io.StringIO()
        configure_logging(OperationsSettings(log_format="json"), stream=out)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("old API", DeprecationWarning, stacklevel=1)
        (line,) = out.getvalue().splitlines()
        record = json.loads(line)
        assert record["logger"] == "py.warnings"
        assert "DeprecationWarning: old API" in record["message"]

    def test_traceback_stays_inside_the_object(self) -> None:
        """An exception's traceback is a field, not extra lines."""
        out = io.StringIO()
        configure_logging(OperationsSettings(log_format="json"), stream=out)
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("alliance_bot.x").exception("failed")
        (line,) = out.getvalue().splitlines()
        assert "ValueError: boom" in json.loads(line)["exc_info"]

    async def test_request_id_reaches_tasks_and_threads(self) -> None:
        """A request id set where a request enters is on the lines of what it starts."""
        out = io.StringIO()
        configure_logging(OperationsSettings(log_format="json"), stream=out)
        log = logging.getLogger("alliance_bot.x")

        async def handle() -> None:
            REQUEST_ID.set("req-1")
            await asyncio.create_task(asyncio.to_thread(log.info, "in a thread"))

        await asyncio.create_task(handle())
        log.info("outside")
        inside, outside = (json.loads(line) for line in out.getvalue().splitlines())
        assert inside["request_id"] == "req-1"
        assert "request_id" not in outside


@pytest.mark.usefixtures("restore_logging")
class TestLevels:
    def test_debug_is_ours_only(self) -> None:
        """LOG_LEVEL=DEBUG shows our debug lines; Bolt and slack-sdk stay at INFO."""
        out = io.StringIO()
        configure_logging(OperationsSettings(log_level="DEBUG"), stream=out)
        logging.getLogger("alliance_bot.x").debug("ours")
        logging.getLogger("slack_sdk.web").debug("a request body")
        assert "ours" in out.getvalue()
        assert "a request body" not in out.getvalue()

    def test_webhook_retry_lines_are_dropped(self) -> None:
        """slack-sdk's webhook client's INFO lines (they name the response_url) are not
        written; its warnings are."""
        out = io.StringIO()
        configure_logging(OperationsSettings(log_level="DEBUG"), stream=out)
        webhook = logging.getLogger("slack_sdk.webhook.async_client")
        webhook.info("A retry handler found: … for POST https://hooks.slack.com/commands/T/1/x")
        webhook.warning("a warning")
        logging.getLogger("slack_sdk.web.async_base_client").info("a Web API retry")
        assert "hooks.slack.com" not in out.getvalue()
        assert "a warning" in out.getvalue()
        assert "a Web API retry" in out.getvalue()

    def test_text_format_shows_the_request_id(self) -> None:
        """The text format keeps its layout and adds [request id] after the logger name."""
        out = io.StringIO()
        configure_logging(OperationsSettings(), stream=out)
        token = REQUEST_ID.set("abc123")
        logging.getLogger("alliance_bot.x").warning("hello")
        REQUEST_ID.reset(token)
        assert out.getvalue().rstrip().endswith("WARNING alliance_bot.x [abc123]: hello")


class TestSettings:
    @pytest.mark.parametrize(
        ("env", "variable"),
        [
            ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
            ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
            ({"ALLIANCE_HEALTH_PORT": "99999"}, "ALLIANCE_HEALTH_PORT"),
        ],
    )
    def test_bad_value_names_the_variable(self, env: dict[str, str], variable: str) -> None:
        """A bad value is a ConfigError naming the variable."""
        with pytest.raises(ConfigError, match=variable):
            OperationsSettings.from_env(env)

    def test_defaults_and_off(self) -> None:
        """Text at INFO by default; the health port defaults to 3000 and can be turned off."""
        assert OperationsSettings.from_env({}) == OperationsSettings(
            log_level="INFO", log_format="text", health_port=3000
        )
        assert OperationsSettings.from_env({"ALLIANCE_HEALTH_PORT": "off"}).health_port is None


class TestExcerpt:
    @given(st.text(), st.integers(min_value=1, max_value=200))
    def test_is_one_printable_ascii_line_of_bounded_length(self, text: str, limit: int) -> None:
        shown = excerpt(text, limit)
        assert shown.isascii()
        assert shown.isprintable()  # so no newline or carriage return: one line
        # Each character escapes to at most 10 (\U0010ffff); the quotes and the ellipsis add 8.
        assert len(shown) <= 10 * limit + 8

    def test_short_text_is_quoted_whole_and_long_text_is_cut(self) -> None:
        assert excerpt("who is Hamada") == "'who is Hamada'"
        assert excerpt("x" * 100, 5) == "'xxxxx\\u2026'"
        assert excerpt("line\nforged: ERROR") == "'line\\nforged: ERROR'"
