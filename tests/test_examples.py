"""The deployment examples in docs/examples stay true: they parse, every setting they pass is one
alliance-bot reads (config.py) or libpq reads, the command they run is one the CLI accepts, the
probes ask the app's own health paths, and the Kubernetes objects refer to each other correctly."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from alliance_bot import config
from alliance_bot.slack.server import HEALTH_PATH, READY_PATH
from alliance_bot.testing.app_process import alliance_bot_command

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
# Read by libpq itself (the driver), not by alliance-bot: documented in the PostgreSQL manual.
LIBPQ_VARIABLES = {"PGPASSFILE", "PGPASSWORD", "PGSSLMODE", "PGSSLROOTCERT"}


def settings_read() -> set[str]:
    """Every environment variable name config.py reads (as a quoted literal)."""
    source = Path(config.__file__).read_text(encoding="utf-8")
    return set(re.findall(r"""get\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))


def compose_services() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((EXAMPLES / "compose.yaml").read_text(encoding="utf-8"))
    return dict(document["services"])


def kubernetes_objects() -> dict[str, dict[str, Any]]:
    text = (EXAMPLES / "kubernetes.yaml").read_text(encoding="utf-8")
    return {doc["kind"]: doc for doc in yaml.safe_load_all(text) if doc}


def alliance_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose_services().items()
        if "alliance-bot" in str(service.get("image", ""))
    }


def the_container() -> dict[str, Any]:
    [container] = kubernetes_objects()["Deployment"]["spec"]["template"]["spec"]["containers"]
    return dict(container)


class TestCompose:
    def test_three_replicas_of_the_same_service(self) -> None:
        """Three alliance-bot services, identical, each on the shared database URL."""
        services = alliance_services()
        assert len(services) == 3
        first, *others = services.values()
        assert all(other == first for other in others)
        assert first["environment"]["ALLIANCE_DATABASE_URL"].startswith("postgresql://")

    def test_every_variable_is_a_real_setting(self) -> None:
        """No variable alliance-bot would ignore (a typo stays unnoticed in production)."""
        known = settings_read() | LIBPQ_VARIABLES
        for service in alliance_services().values():
            assert set(service["environment"]) - known == set()

    def test_the_proxy_reaches_every_replica(self) -> None:
        """The round-robin upstream lists each replica on the port it serves."""
        document = yaml.safe_load((EXAMPLES / "compose.yaml").read_text(encoding="utf-8"))
        upstream = document["configs"]["nginx"]["content"]
        for name, service in alliance_services().items():
            port = service["command"][service["command"].index("--port") + 1]
            assert f"server {name}:{port};" in upstream

    def test_the_healthcheck_asks_readyz(self) -> None:
        """Compose's health check is the readiness path."""
        for service in alliance_services().values():
            assert f":3000{READY_PATH}" in " ".join(service["healthcheck"]["test"])


class TestKubernetes:
    def test_a_deployment_of_three_a_service_and_a_secret(self) -> None:
        """The objects the README promises are there, and the Service selects the pods."""
        objects = kubernetes_objects()
        assert set(objects) == {"Secret", "Deployment", "Service"}
        deployment = objects["Deployment"]
        assert deployment["spec"]["replicas"] == 3
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert objects["Service"]["spec"]["selector"].items() <= labels.items()
        port_names = {p["name"] for p in the_container()["ports"]}
        assert {p["targetPort"] for p in objects["Service"]["spec"]["ports"]} <= port_names

    def test_secrets_and_variables(self) -> None:
        """The database URL and the tokens come from keys the Secret has; every variable is a
        real setting."""
        secret = kubernetes_objects()["Secret"]
        env = {e["name"]: e for e in the_container()["env"]}
        assert set(env) - settings_read() - LIBPQ_VARIABLES == set()
        for name in ("ALLIANCE_DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
            ref = env[name]["valueFrom"]["secretKeyRef"]
            assert ref["name"] == secret["metadata"]["name"]
            assert ref["key"] in secret["stringData"]

    def test_probes(self) -> None:
        """Readiness on /readyz (503 while the database is down), liveness on /healthz."""
        container = the_container()
        assert container["readinessProbe"]["httpGet"]["path"] == READY_PATH
        assert container["livenessProbe"]["httpGet"]["path"] == HEALTH_PATH


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(lambda: next(iter(alliance_services().values()))["command"], id="compose"),
        pytest.param(lambda: the_container()["args"], id="kubernetes"),
    ],
)
def test_the_command_is_one_the_cli_accepts(args: Any) -> None:
    """The example's argv, with --help appended, is parsed by the real `alliance-bot`."""
    argv = list(args())
    result = subprocess.run(
        [*alliance_bot_command(), *argv, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert argv[0] == "serve"
