"""Settings set from Slack: the order they apply in, validation, and the recorded history, on a
real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance_bot.admin.settings import (
    SettingsInvalid,
    SettingsService,
    SettingsUpdate,
    SqlSettingsStore,
    common_timezones,
    parse_timezone,
)
from alliance_bot.config import Settings
from alliance_bot.slack.render.settings import problems_text
from alliance_bot.state import Database

AT = dt.datetime(2024, 12, 6, 9, 30, tzinfo=dt.UTC)


def service(database: Database, **env: str) -> SettingsService:
    """The settings service on the test's state database (each backend: see `state_url`)."""
    defaults = Settings.from_env(env)
    return SettingsService(SqlSettingsStore(database), defaults, clock=lambda: AT)


class TestOrder:
    def test_built_in_defaults_when_nothing_is_set(self, database: Database) -> None:
        """No environment, nothing stored: 09:00 UTC, archive, no channel, no bot admins."""
        now = service(database).current()
        assert (now.daily_channels, now.daily_time, now.timezone.key, now.fallback) == (
            (), dt.time(9, 0), "UTC", "archive",
        )  # fmt: skip
        assert now.origins["daily_time"] == "default"

    def test_environment_over_defaults_and_stored_over_environment(
        self, database: Database
    ) -> None:
        """ALLIANCE_* beat the defaults; a value set from Slack beats ALLIANCE_*."""
        settings = service(
            database, ALLIANCE_DAILY_CHANNEL="C0ENV00001", ALLIANCE_TIMEZONE="Asia/Tokyo"
        )
        before = settings.current()
        assert before.daily_channels == ("C0ENV00001",)
        assert before.origins["daily_channels"] == "environment"
        settings.apply("U0ADMIN001", SettingsUpdate(daily_channels=("C0SLACK001",)))
        after = settings.current()
        assert after.daily_channels == ("C0SLACK001",)
        assert after.origins["daily_channels"] == "Slack"
        assert after.timezone.key == "Asia/Tokyo"  # still the environment's

    def test_an_empty_channel_list_from_slack_turns_the_post_off(self, database: Database) -> None:
        """`daily off` is a setting too: it overrides ALLIANCE_DAILY_CHANNEL."""
        settings = service(database, ALLIANCE_DAILY_CHANNEL="C0ENV00001")
        settings.apply("U0ADMIN001", SettingsUpdate(daily_channels=()))
        assert settings.current().daily_channels == ()

    def test_clearing_a_setting_hands_it_back_to_the_environment(self, database: Database) -> None:
        """`None` removes the stored value; the history says so with a null new value."""
        settings = service(database, ALLIANCE_DAILY_TIME="06:15")
        settings.apply("U0ADMIN001", SettingsUpdate(daily_time=dt.time(7, 0)))
        settings.apply("U0ADMIN002", SettingsUpdate(daily_time=None))
        assert settings.current().daily_time == dt.time(6, 15)
        changes = settings.store.history()
        assert [(c.user_id, c.old, c.new) for c in changes] == [
            ("U0ADMIN002", '"07:00"', None),
            ("U0ADMIN001", None, '"07:00"'),
        ]
        assert changes[0].at == AT


class TestValidation:
    def test_every_bad_field_is_named_and_nothing_saved(self, database: Database) -> None:
        """A bad zone and a bad channel id in one update: both reported, neither saved."""
        settings = service(database)
        with pytest.raises(SettingsInvalid) as raised:
            settings.apply(
                "U0ADMIN001",
                SettingsUpdate(timezone="Mars/Base", daily_channels=("general",)),
            )
        assert set(raised.value.problems) == {"timezone", "daily_channels"}
        assert "“Mars/Base” is not a time zone" in raised.value.problems["timezone"]
        assert settings.store.history() == []

    def test_zone_names_are_matched_case_insensitively(self) -> None:
        """`asia/tokyo` is saved as `Asia/Tokyo`."""
        assert parse_timezone("asia/tokyo") == "Asia/Tokyo"

    def test_user_text_in_messages_is_escaped(self) -> None:
        """A zone typed as `<!channel>` comes back as text: the problem quotes it as typed, and
        the Slack reply escapes it."""
        with pytest.raises(SettingsInvalid) as raised:
            parse_timezone("<!channel>")
        assert "“<!channel>” is not a time zone" in str(raised.value)
        shown = problems_text(raised.value)
        assert "&lt;!channel&gt;" in shown
        assert "<!channel>" not in shown

    def test_the_modal_zones_fit_a_static_select_and_start_with_the_current(self) -> None:
        """At most 100 options, each a real zone, the current one first."""
        zones = common_timezones("Europe/Lisbon")
        assert zones[0] == "Europe/Lisbon"
        assert len(zones) == len(set(zones)) <= 100
        assert all(parse_timezone(z) == z for z in zones)

    def test_an_unchanged_value_is_not_recorded(self, database: Database) -> None:
        """Saving the same value twice records one change."""
        settings = service(database)
        settings.apply("U0ADMIN001", SettingsUpdate(fallback="skip"))
        assert settings.apply("U0ADMIN001", SettingsUpdate(fallback="skip")) == []
        assert len(settings.store.history()) == 1
