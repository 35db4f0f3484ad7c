"""The Slack app manifests match what the app listens to, so installing from them just works."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from alliance_bot.slack.installations import BOT_SCOPES, REDIRECT_PATH
from alliance_bot.slack.listeners.commands import COMMAND
from alliance_bot.slack.server import EVENTS_PATH

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = Path(__file__).parent / "manifest_schema"  # slackapi/manifest-schema v0.5.0, MIT
# The dispatcher schema refers to the versioned ones by URL; they are served from the vendored
# copies, so the test never touches the network.
_SCHEMA_BASE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
SCHEMA_URL = "https://raw.githubusercontent.com/slackapi/manifest-schema/main/manifest.schema.json"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / name).read_text(encoding="utf-8"))
    return data


def _validator() -> Draft7Validator:
    def resource(version: str) -> tuple[str, Resource[Any]]:
        contents = json.loads(
            (SCHEMA_DIR / f"schemas/manifest.schema.{version}.json").read_text(encoding="utf-8")
        )
        url = f"{_SCHEMA_BASE}manifest.schema.{version}.json"
        return url, Resource.from_contents(contents, default_specification=DRAFT7)

    registry: Registry[Any] = Registry().with_resources(resource(v) for v in ("1.0.0", "2.0.0"))
    schema = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=registry)


class TestManifestSchema:
    @pytest.mark.parametrize("name", ["manifest.json", "manifest.socket-mode.json"])
    def test_valid_against_slacks_schema(self, name: str) -> None:
        """Each manifest validates against Slack's published app-manifest schema and names it."""
        manifest = _load(name)
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _validator().iter_errors(manifest)
        ]
        assert errors == []
        assert manifest["$schema"] == SCHEMA_URL

    def test_schema_catches_a_broken_manifest(self) -> None:
        """The vendored schema really checks: a command without its slash and an unknown key
        are both reported."""
        manifest = _load("manifest.json")
        manifest["features"]["slash_commands"][0]["command"] = "alliance"
        manifest["settings"]["surprise"] = True
        messages = [e.message for e in _validator().iter_errors(manifest)]
        assert messages, "a broken manifest validated"


class TestManifests:
    @pytest.mark.parametrize("name", ["manifest.json", "manifest.socket-mode.json"])
    def test_command_events_scopes_and_interactivity(self, name: str) -> None:
        """Both manifests declare /alliance, the two events, their scopes and interactivity."""
        manifest = _load(name)
        (command,) = manifest["features"]["slash_commands"]
        assert command["command"] == COMMAND
        settings = manifest["settings"]
        assert sorted(settings["event_subscriptions"]["bot_events"]) == [
            "app_home_opened",
            "app_mention",
            "app_uninstalled",
            "message.im",
            "tokens_revoked",
        ]
        assert settings["interactivity"]["is_enabled"] is True
        scopes = set(manifest["oauth_config"]["scopes"]["bot"])
        assert {"commands", "app_mentions:read", "im:history", "chat:write"} <= scopes
        assert manifest["features"]["app_home"]["messages_tab_enabled"] is True

    @pytest.mark.parametrize("name", ["manifest.json", "manifest.socket-mode.json"])
    def test_home_tab_and_the_scopes_it_and_settings_need(self, name: str) -> None:
        """The Home tab is on; users.info and conversations.info have their read scopes, and
        nothing beyond what a feature uses is asked for — the same scopes the install flow asks
        for (`installations.BOT_SCOPES`)."""
        manifest = _load(name)
        assert manifest["features"]["app_home"]["home_tab_enabled"] is True
        assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
        assert set(BOT_SCOPES) == {
            "commands",
            "app_mentions:read",
            "chat:write",
            "im:history",
            "channels:history",
            "groups:history",
            "users:read",
            "channels:read",
            "groups:read",
        }

    def test_http_manifest_points_every_url_at_the_events_path(self) -> None:
        """In HTTP mode the command, events and interactivity all go to /slack/events."""
        manifest = _load("manifest.json")
        urls = [
            manifest["features"]["slash_commands"][0]["url"],
            manifest["settings"]["event_subscriptions"]["request_url"],
            manifest["settings"]["interactivity"]["request_url"],
        ]
        assert all(url.startswith("https://") and url.endswith(EVENTS_PATH) for url in urls)
        assert manifest["settings"]["socket_mode_enabled"] is False

    @pytest.mark.parametrize("name", ["manifest.json", "manifest.socket-mode.json"])
    def test_uninstall_events_are_subscribed(self, name: str) -> None:
        """Both manifests subscribe to app_uninstalled and tokens_revoked, which forget a
        workspace's installation."""
        events = _load(name)["settings"]["event_subscriptions"]["bot_events"]
        assert {"app_uninstalled", "tokens_revoked"} <= set(events)

    def test_http_manifest_names_the_oauth_redirect(self) -> None:
        """Installs in several workspaces come back to /slack/oauth_redirect."""
        urls = _load("manifest.json")["oauth_config"]["redirect_urls"]
        assert [u for u in urls if u.startswith("https://") and u.endswith(REDIRECT_PATH)]

    def test_socket_manifest_enables_socket_mode(self) -> None:
        """The Socket Mode manifest turns it on and needs no public URL."""
        manifest = _load("manifest.socket-mode.json")
        assert manifest["settings"]["socket_mode_enabled"] is True
        assert "url" not in manifest["features"]["slash_commands"][0]
        assert "request_url" not in manifest["settings"]["event_subscriptions"]
