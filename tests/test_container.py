"""The container contract, without a Docker engine: read the Dockerfile and the README together
and run the argv the image would run — ENTRYPOINT + CMD, each documented `docker run … IMAGE
ARGS`, and the Kubernetes CronJob's `args` — against the installed `alliance-bot`.

Where a command serves, the test binds 127.0.0.1 on a free port instead of 0.0.0.0:3000 (other
test runs share this machine), and runs the image's HEALTHCHECK command against that port.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from alliance_bot.config import DEFAULT_HEALTH_PORT
from alliance_bot.slack.operations import SHUTDOWN_GRACE
from alliance_bot.testing.app_process import (
    TEST_APP_TOKEN,
    process_env,
    run_to_exit,
    start_process,
)
from alliance_bot.testing.fake_slack import FakeSlack

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "alliance-bot"
# `docker run` options the README may use: those that take a value, and flags.
_VALUED = {
    *("-p", "-e", "-v", "--name", "--env-file", "-u", "--user", "--network", "--mount"),
    "--stop-timeout",
}
_FLAGS = {"--rm", "-d", "-i", "-t", "-it", "--init"}


def dockerfile() -> dict[str, Any]:
    """ENTRYPOINT, CMD (exec form, JSON), HEALTHCHECK's command, EXPOSE of the final stage."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    final = text.rsplit("\nFROM ", 1)[1]
    found: dict[str, Any] = {}
    for line in final.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word in ("ENTRYPOINT", "CMD"):
            found[word] = json.loads(rest)
        elif word == "HEALTHCHECK":
            found["HEALTHCHECK"] = json.loads(rest[rest.index("CMD ") + 4 :])
        elif word == "EXPOSE":
            found["EXPOSE"] = [int(p) for p in rest.split()]
    return found


def documented_runs() -> list[list[str]]:
    """The arguments after the image name of every `docker run` in the README's code blocks."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runs = []
    for block in re.findall(r"```(?:sh|bash)\n(.*?)```", readme, flags=re.S):
        for command in block.replace("\\\n", " ").splitlines():
            words = shlex.split(command, comments=True)
            if words[:2] != ["docker", "run"]:
                continue
            rest = words[2:]
            while rest and rest[0].startswith("-"):
                option = rest.pop(0)
                assert option in _VALUED | _FLAGS, f"unknown docker run option {option}"
                if option in _VALUED:
                    rest.pop(0)
            assert rest[0] == IMAGE, command
            runs.append(rest[1:])
    return runs


def cronjob_args() -> list[list[str]]:
    """`args` of every container of the README's Kubernetes CronJobs."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S):
        manifest = yaml.safe_load(block)
        if manifest.get("kind") != "CronJob":
            continue
        pod = manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        found += [container["args"] for container in pod["containers"]]
    return found


def locked() -> dict[str, tuple[str, list[str]]]:
    """requirements.lock: each pinned package's canonical name -> (version, its hashes)."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=\S)", text):
        if block.startswith("#"):
            continue
        name, _, rest = block.partition("==")
        version = rest.split()[0]
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", rest)
        pins[canonicalize_name(name)] = (version, hashes)
    return pins


def runtime_requirements() -> list[Requirement]:
    """pyproject's dependencies and the image's extra: what the image installs from the lock."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = [*project["dependencies"], *project["optional-dependencies"]["image"]]
    return [Requirement(spec) for spec in specs]


def image_argv(args: list[str]) -> list[str]:
    """What the image runs for `docker run IMAGE ARGS`: ENTRYPOINT + (ARGS or CMD)."""
    spec = dockerfile()
    return [*spec["ENTRYPOINT"], *(args or spec["CMD"])]


def local(argv: list[str]) -> list[str]:
    """`argv` with `serve`'s fixed address swapped for 127.0.0.1 and a free port."""
    out = list(argv)
    for option, replacement in (("--host", "127.0.0.1"), ("--port", "0")):
        if option in out:
            out[out.index(option) + 1] = replacement
    return out


def healthcheck(port: int) -> int:
    """Run the image's HEALTHCHECK command against `port`; its exit status."""
    command = dockerfile()["HEALTHCHECK"]
    assert command[0] == "python"
    code = [part.replace(":3000/", f":{port}/") for part in command]
    return subprocess.run([sys.executable, *code[1:]], check=False, timeout=30).returncode


class TestTheImage:
    def test_entry_point_is_the_cli(self) -> None:
        """ENTRYPOINT is alliance-bot, so `docker run IMAGE ask …` runs `alliance-bot ask …`."""
        spec = dockerfile()
        assert spec["ENTRYPOINT"] == ["alliance-bot"]
        assert spec["CMD"][0] == "serve"

    def test_healthcheck_port_is_both_modes_port(self) -> None:
        """The HEALTHCHECK asks the port serve listens on and Socket Mode's health port."""
        spec = dockerfile()
        cmd = spec["CMD"]
        port = int(cmd[cmd.index("--port") + 1])
        assert f"127.0.0.1:{port}/healthz" in " ".join(spec["HEALTHCHECK"])
        assert port == DEFAULT_HEALTH_PORT
        assert spec["EXPOSE"] == [port]

    def test_the_uid_to_chown_is_the_images(self) -> None:
        """The README's `chown` for a bind-mounted /app/data names the image's uid and gid."""
        text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
        (uid,) = re.findall(r"useradd .*--uid (\d+)", text)
        (gid,) = re.findall(r"groupadd .*--gid (\d+)", text)
        assert re.search(rf"useradd .*--gid {gid}\b", text), "the user is in its own group"
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        assert f"chown {uid}:{gid} " in readme
        assert f"runs as uid {uid}" in readme

    def test_serving_runs_outlast_the_drain(self) -> None:
        """Each documented `docker run` that serves gives `docker stop` more time than the
        drain's bound, so a full drain still exits 0 instead of being killed."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
        runs = [line for line in readme.splitlines() if line.startswith("docker run ")]
        serving = [r for r in runs if r.split()[-1] in (IMAGE, "socket")]
        assert len(serving) == 2
        for run in serving:
            words = shlex.split(run)
            assert float(words[words.index("--stop-timeout") + 1]) > SHUTDOWN_GRACE, run

    def test_the_cronjob_can_write_its_volume(self) -> None:
        """The CronJob's pod runs with the image's gid as fsGroup, so a fresh volume is
        writable by the app (else post-today stops with the uid line)."""
        text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
        (gid,) = re.findall(r"groupadd .*--gid (\d+)", text)
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "CronJob" in b]
        pod = yaml.safe_load(block)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["securityContext"]["fsGroup"] == int(gid)

    def test_every_documented_invocation_is_known(self) -> None:
        """The README documents the default, socket, ask, kb check and post-today runs, and the
        CronJob runs post-today."""
        commands = sorted(" ".join(args[:1]) for args in documented_runs())
        assert commands == ["", "ask", "kb", "post-today", "socket"]
        assert cronjob_args() == [["post-today"]]


class TestTheLock:
    def test_every_runtime_dependency_is_pinned_within_its_bounds(self) -> None:
        """Each dependency in pyproject (and its extras) is pinned, with hashes, at a version
        its range allows: a build from the lock runs what pyproject promises."""
        pins = locked()
        assert len(pins) > 10
        assert all(hashes for _, hashes in pins.values()), "every pin has its hashes"
        for requirement in runtime_requirements():
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement.name} is not in requirements.lock"
            version, _ = pins[name]
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {name}=={version}, outside pyproject's {requirement}"
            )
            for extra in requirement.extras:  # psycopg[binary] needs psycopg-binary
                assert f"{name}-{extra}" in pins, f"{requirement} needs {name}-{extra} pinned"

    def test_every_major_is_bounded(self) -> None:
        """No runtime dependency is open-ended (tzdata's versions are dates, not majors)."""
        for requirement in runtime_requirements():
            if requirement.name == "tzdata":
                continue
            assert any(s.operator in ("<", "<=", "~=", "==") for s in requirement.specifier), (
                f"{requirement} has no upper bound"
            )

    def test_readme_refresh_command_is_the_locks_own(self) -> None:
        """The README's pip-compile command has the options the lock was compiled with."""
        header = (ROOT / "requirements.lock").read_text(encoding="utf-8")
        (compiled,) = re.findall(r"^#    (pip-compile .*)$", header, flags=re.M)
        readme = (ROOT / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
        (documented,) = [
            line.split("#")[0]
            for line in readme.splitlines()
            if line.startswith("pip-compile ") and "--output-file" in line
        ]
        assert sorted(shlex.split(documented)) == sorted(shlex.split(compiled))


class TestRunningTheArgv:
    async def test_default_command_serves_and_is_healthy(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """`docker run IMAGE` (ENTRYPOINT + CMD): the server starts; the HEALTHCHECK passes."""
        (args,) = [a for a in documented_runs() if not a]
        argv = local(image_argv(args))
        app = await start_process(
            argv[1:], process_env(fake_slack, tmp_path), tmp_path, ready="alliance-bot listening"
        )
        try:
            assert healthcheck(int(app.url.rsplit(":", 1)[1])) == 0
        finally:
            assert await app.stop() == 0

    async def test_socket_mode_is_healthy(self, fake_slack: FakeSlack, tmp_path: Path) -> None:
        """`docker run IMAGE socket`: connected, and the same HEALTHCHECK passes on its port."""
        (args,) = [a for a in documented_runs() if a[:1] == ["socket"]]
        argv = image_argv(args)
        env = process_env(fake_slack, tmp_path, SLACK_APP_TOKEN=TEST_APP_TOKEN)
        app = await start_process(argv[1:], env, tmp_path, ready="alliance-bot connected")
        try:
            (line,) = [x for x in app.early_lines if x.startswith("alliance-bot health on")]
            assert healthcheck(int(line.rsplit(":", 1)[1])) == 0
        finally:
            assert await app.stop() == 0

    async def test_ask_and_kb_check(self, fake_slack: FakeSlack, tmp_path: Path) -> None:
        """`docker run IMAGE ask "who is Hamada"` answers; `kb check` passes."""
        env = process_env(fake_slack, tmp_path)
        for args in documented_runs():
            if args[:1] not in (["ask"], ["kb"]):
                continue
            argv = image_argv(args)
            assert argv[0] == "alliance-bot"
            status, out, err = await run_to_exit(argv[1:], env, tmp_path)
            assert status == 0, err
            assert ("Hamada" in out) if args[0] == "ask" else out.startswith("OK:")

    async def test_post_today_from_docker_run_and_the_cronjob(
        self, fake_slack: FakeSlack, tmp_path: Path
    ) -> None:
        """`docker run IMAGE post-today` and the CronJob's args post once, then find it done."""
        env = process_env(fake_slack, tmp_path, ALLIANCE_DAILY_CHANNEL="C0DAILY01")
        runs = [a for a in documented_runs() if a[:1] == ["post-today"]] + cronjob_args()
        for args in runs:
            status, _, err = await run_to_exit(image_argv(args)[1:], env, tmp_path)
            assert status == 0, err
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
