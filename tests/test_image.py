"""The built image itself, where a Docker engine is at hand: `ALLIANCE_TEST_IMAGE=alliance-bot
python -m pytest tests/test_image.py` after `docker build -t alliance-bot .`. Skipped otherwise
(tests/test_container.py checks the same contract without an engine).

The stand-in Slack listens on the Docker bridge's gateway address, so the containers reach it
as they would reach Slack; each test starts its own container on a free published port.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from alliance_bot.testing.app_process import TEST_APP_TOKEN, TEST_BOT_TOKEN, TEST_SIGNING_SECRET
from alliance_bot.testing.fake_slack import FakeSlack
from alliance_bot.testing.slack_requests import SlackSender

IMAGE = os.environ.get("ALLIANCE_TEST_IMAGE", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not IMAGE, reason="set ALLIANCE_TEST_IMAGE to a built image to run"),
]
# Safety nets, never measurements. The HEALTHCHECK's first probe comes after its 30 s interval.
HEALTHY_WITHIN = 90.0
WAIT = 30.0


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def bridge_gateway() -> str:
    """The host's address on Docker's default bridge, which containers can reach."""
    out = docker("network", "inspect", "bridge", "--format", "{{json .IPAM.Config}}").stdout
    (config,) = json.loads(out)
    # Older engines leave Gateway out of the default bridge's config: it is the subnet's first.
    return str(config.get("Gateway") or next(ipaddress.ip_network(config["Subnet"]).hosts()))


@pytest.fixture
async def slack_for_containers() -> AsyncIterator[FakeSlack]:
    """The stand-in Slack, reachable from containers."""
    fake = FakeSlack()
    await fake.start(host=bridge_gateway())
    try:
        yield fake
    finally:
        await fake.stop()


class Container:
    """One `docker run -d` of the image; removed at the end of the test."""

    def __init__(self, fake: FakeSlack, *args: str, env: dict[str, str]) -> None:
        self.name = f"alliance-test-{uuid.uuid4().hex[:8]}"
        settings = {"SLACK_BOT_TOKEN": TEST_BOT_TOKEN, "SLACK_API_URL": fake.base_url, **env}
        flags = [f"--env={k}={v}" for k, v in settings.items()]
        docker("run", "-d", "--name", self.name, "-p", "127.0.0.1::3000", *flags, IMAGE, *args)
        port = docker("port", self.name, "3000").stdout.splitlines()[0].rsplit(":", 1)[1]
        self.url = f"http://127.0.0.1:{port}"

    def inspect(self, template: str) -> str:
        return docker("inspect", "--format", template, self.name).stdout.strip()

    async def healthy(self) -> str:
        """The HEALTHCHECK's first verdict: `healthy` or `unhealthy`."""
        async with asyncio.timeout(HEALTHY_WITHIN):
            while True:
                status = self.inspect("{{.State.Health.Status}}")
                if status != "starting":
                    return status
                await asyncio.sleep(1)  # Docker has no way to wait for a health change

    def logs(self) -> tuple[str, str]:
        result = docker("logs", self.name)
        return result.stdout, result.stderr

    def remove(self) -> None:
        docker("rm", "-f", self.name, check=False)


@pytest.fixture
def containers() -> Iterator[list[Container]]:
    started: list[Container] = []
    yield started
    for container in started:
        container.remove()


async def metrics(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


class TestOneShotCommands:
    def test_ask(self) -> None:
        """`docker run IMAGE ask "who is Hamada"` answers with a citation."""
        result = docker("run", "--rm", IMAGE, "ask", "who is Hamada")
        assert "Hamada" in result.stdout
        assert "Source: seeds/" in result.stdout

    def test_post_today_help(self) -> None:
        """`docker run IMAGE post-today --help` names its settings and the README section."""
        result = docker("run", "--rm", IMAGE, "post-today", "--help")
        assert "ALLIANCE_DAILY_CHANNEL" in result.stdout
        assert "see README.md" in result.stdout

    def test_root_owned_bind_mount_is_one_line(self, tmp_path: Path) -> None:
        """A bind-mounted /app/data the app cannot write: exit 2 and one line naming the path
        and the uid that must own it, no traceback."""
        data = tmp_path / "data"
        data.mkdir(mode=0o755)  # owned by whoever runs the tests: not uid 10001
        assert data.stat().st_uid != 10001
        result = docker(
            "run", "--rm", "-e", "SLACK_BOT_TOKEN=xoxb-x", "-e", "SLACK_SIGNING_SECRET=s",
            "-v", f"{data}:/app/data", IMAGE, check=False,
        )  # fmt: skip
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        (line,) = [x for x in result.stderr.splitlines() if x.startswith("alliance-bot:")]
        assert "cannot write /app/data/alliance-bot.db" in line
        assert "writable by uid 10001" in line
        assert f"owned by uid {data.stat().st_uid}" in line


class TestServing:
    @pytest.mark.parametrize("mode", ["http", "socket"])
    async def test_healthy_metrics_and_a_clean_stop(
        self, mode: str, slack_for_containers: FakeSlack, containers: list[Container]
    ) -> None:
        """Healthy by the image's HEALTHCHECK; a question is counted on /metrics; `docker
        stop` while Slack holds the answer's response_url call: the answer is delivered, exit
        0; every stderr line is JSON and none holds a token or the question."""
        fake = slack_for_containers
        env = {"LOG_FORMAT": "json"}
        if mode == "socket":
            container = Container(fake, "socket", env={**env, "SLACK_APP_TOKEN": TEST_APP_TOKEN})
        else:
            container = Container(fake, env={**env, "SLACK_SIGNING_SECRET": TEST_SIGNING_SECRET})
        containers.append(container)
        assert await container.healthy() == "healthy"
        sender = SlackSender(f"{container.url}/slack/events", TEST_SIGNING_SECRET, fake)

        async def ask(text: str) -> None:
            if mode == "socket":
                await fake.send_socket_request("slash_commands", sender.command_form(text))
            else:
                assert (await sender.command(text)).status == 200

        await ask("who is Hamada")
        await fake.wait_for_responses(1, timeout=WAIT)
        async with asyncio.timeout(WAIT):
            while True:
                samples = await metrics(container.url)
                if samples.get(("alliance_questions_total", (("status", "answer"),))) == 1:
                    break
                await asyncio.sleep(0.1)  # counted just after the reply Slack saw
        assert samples[("alliance_acks_total", (("mode", mode),))] == 1

        fake.hold_responses()
        await ask("who is Kishida")
        await fake.wait_for_responses(2, timeout=WAIT)
        stop = await asyncio.create_subprocess_exec("docker", "stop", container.name)
        async with asyncio.timeout(WAIT):
            while True:
                if "answer(s) in flight" in container.logs()[1]:
                    break
                await asyncio.sleep(0.1)  # the log is Docker's: nothing to wait on but a re-read
        fake.release_responses()
        assert await asyncio.wait_for(stop.wait(), WAIT) == 0
        assert container.inspect("{{.State.ExitCode}}") == "0"
        assert fake.responses_answered == 2
        stdout, stderr = container.logs()
        lines = [json.loads(line) for line in stderr.splitlines()]
        assert any(x["message"] == "stopping: every answer in flight finished" for x in lines)
        for secret in (TEST_BOT_TOKEN, TEST_SIGNING_SECRET, TEST_APP_TOKEN, "Hamada", "/response/"):
            assert secret not in stderr
        ready = "alliance-bot connected" if mode == "socket" else "alliance-bot listening on"
        assert any(line.startswith(ready) for line in stdout.splitlines())
