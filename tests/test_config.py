"""Settings from the environment: defaults, validation naming the variable, `.env` files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from alliance_bot.config import ConfigError, Settings
from alliance_bot.knowledge.paths import default_knowledge_dir


class TestDefaults:
    def test_empty_environment(self) -> None:
        """With nothing set, every setting has its documented default."""
        settings = Settings.from_env({})
        assert settings.api_url == "https://slack.com/api/"
        assert settings.admins == frozenset()
        assert settings.knowledge_dir == default_knowledge_dir()
        assert settings.state_db == Path("alliance-bot.db")
        assert settings.daily_channel is None
        assert settings.daily_time == dt.time(9, 0)
        assert settings.timezone.key == "UTC"
        assert settings.daily_fallback == "archive"

    def test_values_are_read(self) -> None:
        """Every variable is read into its field."""
        settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_APP_TOKEN": "xapp-1",
                "SLACK_API_URL": "http://127.0.0.1:9/api",
                "ALLIANCE_ADMINS": " U0ADMIN1, W0ADMIN2 ,",
                "ALLIANCE_KNOWLEDGE_DIR": "/srv/kb/knowledge",
                "ALLIANCE_STATE_DB": "/var/lib/bot.db",
                "ALLIANCE_DAILY_CHANNEL": "C0DAILY1",
                "ALLIANCE_DAILY_TIME": "7:05",
                "ALLIANCE_TIMEZONE": "Asia/Tokyo",
                "ALLIANCE_DAILY_FALLBACK": "skip",
            }
        )
        assert settings.api_url == "http://127.0.0.1:9/api/"
        assert settings.admins == {"U0ADMIN1", "W0ADMIN2"}
        assert settings.knowledge_dir == Path("/srv/kb/knowledge")
        assert settings.daily_time == dt.time(7, 5)
        assert settings.timezone.key == "Asia/Tokyo"
        assert settings.daily_fallback == "skip"
        settings.require_http()
        settings.require_socket()

    @pytest.mark.parametrize(
        ("environ", "expected"),
        [
            ({"HOME": "/home/bot"}, Path("/home/bot/.cache/alliance-bot")),
            ({"HOME": "/home/bot", "XDG_CACHE_HOME": "/var/cache"}, Path("/var/cache/alliance-bot")),
            ({"HOME": "/home/bot", "XDG_CACHE_HOME": "relative"},
             Path("/home/bot/.cache/alliance-bot")),
            ({"HOME": "/home/bot", "ALLIANCE_CACHE_DIR": "/srv/cache"}, Path("/srv/cache")),
            ({"HOME": "/home/bot", "ALLIANCE_CACHE_DIR": "off"}, None),
        ],
    )  # fmt: skip
    def test_cache_dir(self, environ: dict[str, str], expected: Path | None) -> None:
        """The snapshot cache: ALLIANCE_CACHE_DIR (or off), else the XDG cache home."""
        assert Settings.from_env(environ).cache_dir == expected


class TestErrors:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("ALLIANCE_DAILY_TIME", "25:00"),
            ("ALLIANCE_DAILY_TIME", "9am"),
            ("ALLIANCE_TIMEZONE", "Mars/Olympus"),
            ("ALLIANCE_DAILY_FALLBACK", "sometimes"),
            ("ALLIANCE_ADMINS", "alice"),
            ("SLACK_API_URL", "slack.com/api"),
        ],
    )
    def test_invalid_value_names_variable(self, name: str, value: str) -> None:
        """An invalid value raises ConfigError naming the variable."""
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})

    @pytest.mark.parametrize(
        ("environ", "check", "name"),
        [
            ({"SLACK_BOT_TOKEN": "xoxb-1"}, Settings.require_http, "SLACK_SIGNING_SECRET"),
            ({"SLACK_SIGNING_SECRET": "s"}, Settings.require_http, "SLACK_BOT_TOKEN"),
            ({"SLACK_BOT_TOKEN": "xoxb-1"}, Settings.require_socket, "SLACK_APP_TOKEN"),
            (
                {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"},
                Settings.require_socket,
                "SLACK_APP_TOKEN",
            ),
            (
                {"SLACK_BOT_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s"},
                Settings.require_http,
                "SLACK_BOT_TOKEN",
            ),
        ],
    )
    def test_requirements_name_the_variable(self, environ, check, name) -> None:  # type: ignore[no-untyped-def]
        """What a mode needs is checked, naming the missing or wrong variable."""
        with pytest.raises(ConfigError, match=name):
            check(Settings.from_env(environ))

    def test_secrets_stay_out_of_repr_and_errors(self) -> None:
        """Tokens and the signing secret never appear in repr() or error messages."""
        settings = Settings.from_env(
            {"SLACK_BOT_TOKEN": "xapp-secret-1", "SLACK_SIGNING_SECRET": "sig-secret"}
        )
        assert "secret" not in repr(settings)
        with pytest.raises(ConfigError) as error:
            settings.require_http()
        assert "secret-1" not in str(error.value)


class TestEnvFile:
    def test_env_file_fills_gaps_and_environment_wins(self, tmp_path: Path) -> None:
        """`.env` supplies unset variables; real environment variables take precedence."""
        env_file = tmp_path / ".env"
        env_file.write_text(
            '# comment\nexport SLACK_BOT_TOKEN=xoxb-file\nSLACK_SIGNING_SECRET="quoted # x"\n'
            "ALLIANCE_TIMEZONE=Asia/Tokyo  # trailing comment\nnot a line\n",
            encoding="utf-8",
        )
        settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-env"}, env_file=env_file)
        assert settings.bot_token == "xoxb-env"
        assert settings.signing_secret == "quoted # x"
        assert settings.timezone.key == "Asia/Tokyo"

    def test_missing_env_file_is_fine(self, tmp_path: Path) -> None:
        """No `.env` file is not an error."""
        assert Settings.from_env({}, env_file=tmp_path / ".env").bot_token is None
