"""Knowledge base versions in the state database, on SQLite and on PostgreSQL: two replicas'
`KnowledgeCluster`s on one real database, each with its own copy of the files, and the
`kb publish` / `kb export` commands run as the real CLI."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from alliance_bot.knowledge.archive import archive_of, read_archive
from alliance_bot.knowledge.cluster import (
    IMAGE,
    KnowledgeCluster,
    VersionError,
    prune_versions,
)
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.knowledge.store import KnowledgeStore
from alliance_bot.state import Database, DatabaseUrl
from alliance_bot.testing.app_process import run_to_exit
from alliance_bot.testing.sample_kb import write_sample_kb

NEW_TERM = """  - id: term-osprey
    term: Osprey
    definition: A tilt-rotor aircraft.
    aliases: []
    sources:
      - file: seeds/900_sample.txt
        evidence: "Japan grounded its 14 Ospreys"
"""


class FakeTime:
    """A clock that moves only when `sleep` is called."""

    def __init__(self) -> None:
        self.now = dt.datetime(2024, 3, 11, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def replica(database: Database, root: Path, name: str, time: FakeTime) -> KnowledgeCluster:
    image = write_sample_kb(root / name / "image")
    return KnowledgeCluster.start(
        KnowledgeStore(database),
        image,
        work_dir=root / name / "work",
        replica=name,
        clock=time,
        sleep=time.sleep,  # the reply's wait runs on the fake clock
    )


def add_term(cluster: KnowledgeCluster) -> None:
    with (cluster.holder.directory / "terms.yaml").open("a", encoding="utf-8") as terms:
        terms.write(NEW_TERM)


class TestStartUp:
    def test_an_empty_database_gets_the_image_as_first_version(
        self, database: Database, tmp_path: Path
    ) -> None:
        """The first replica publishes its directory, approved by 'image'; the next serves it."""
        time = FakeTime()
        one = replica(database, tmp_path, "one", time)
        versions = KnowledgeStore(database).versions()
        assert [(v.version, v.approved_by) for v in versions] == [
            (one.holder.current.version, IMAGE)
        ]
        two = replica(database, tmp_path, "two", time)
        assert two.serving == one.serving
        assert len(KnowledgeStore(database).versions()) == 1

    def test_a_later_replica_serves_the_stored_version_not_its_image(
        self, database: Database, tmp_path: Path
    ) -> None:
        """After a publish, a replica started from an unchanged image serves the new version."""
        time = FakeTime()
        one = replica(database, tmp_path, "one", time)
        add_term(one)
        one.publish(one.holder.validate(), by="U1")
        later = replica(database, tmp_path, "later", time)
        assert later.holder.current.version == one.holder.current.version
        assert later.holder.current.get("term-osprey") is not None


class TestFollowing:
    def test_a_publish_reaches_the_other_replica_and_the_count_waits_for_it(
        self, database: Database, tmp_path: Path
    ) -> None:
        """Until replica two catches up the count says 1 of 2 (after waiting on the clock); once
        it has loaded the version, 2."""
        time = FakeTime()
        one = replica(database, tmp_path, "one", time)
        two = replica(database, tmp_path, "two", time)
        add_term(one)
        swap = one.publish(one.holder.validate(), by="U1")
        started = time.now
        reach = one.reach(swap.current.version)
        assert (reach.serving, reach.live) == (1, 2)
        assert time.now - started >= dt.timedelta(seconds=5)  # it waited, on the fake clock
        assert "1 replica now answers" in reach.summary()
        assert "1 not yet" in reach.summary()

        caught = two.catch_up()
        assert caught is not None
        assert two.holder.current.version == swap.current.version
        assert two.holder.current.get("term-osprey") is not None
        reach = one.reach(swap.current.version)
        assert (reach.serving, reach.live) == (2, 2)
        assert reach.summary() == f"2 replicas now answer from version {swap.current.version}."
        assert two.catch_up() is None  # nothing new

    def test_a_replica_gone_quiet_is_not_counted(self, database: Database, tmp_path: Path) -> None:
        """A heartbeat older than the live window drops out of the count."""
        time = FakeTime()
        one = replica(database, tmp_path, "one", time)
        replica(database, tmp_path, "two", time)
        time.sleep(60)
        one.heartbeat()
        reach = one.reach(one.serving)
        assert (reach.serving, reach.live) == (1, 1)


class TestRollback:
    def test_previous_and_prefix_reach_every_replica_and_survive_a_restart(
        self, database: Database, tmp_path: Path
    ) -> None:
        """Rollback moves the current version for all; a restarted replica serves it too."""
        time = FakeTime()
        one = replica(database, tmp_path, "one", time)
        two = replica(database, tmp_path, "two", time)
        first = one.serving
        add_term(one)
        second = one.publish(one.holder.validate(), by="U1").current.version
        (one.holder.directory / "facts.yaml").write_text("facts: []\n", encoding="utf-8")
        third = one.publish(one.holder.validate(), by="U1").current.version

        swap = two.rollback("previous", by="U2")  # two never loaded third: it rolls back anyway
        assert swap is not None
        assert swap.current.version == second
        assert one.catch_up() is not None
        assert one.serving == second
        swap = one.rollback(first[:5], by="U1")
        assert swap is not None
        assert swap.current.version == first
        assert two.catch_up() is not None
        assert two.serving == first
        restarted = replica(database, tmp_path, "one-again", time)
        assert restarted.serving == first
        swap = restarted.rollback("", by="U1")  # a plain rollback again undoes the last one
        assert swap is not None
        assert swap.current.version == second
        assert {third, second, first} <= {v.version for v in one.versions()}

    def test_unknown_and_current_targets_are_refused(
        self, database: Database, tmp_path: Path
    ) -> None:
        """A prefix of no version, or the version served, changes nothing and says why."""
        time = FakeTime()
        one = replica(database, tmp_path, "one", time)
        assert one.rollback("previous", by="U1") is None  # nothing before the first version
        with pytest.raises(VersionError, match="no stored version"):
            one.rollback("ffffffffff", by="U1")
        with pytest.raises(VersionError, match="being served already"):
            one.rollback(one.serving, by="U1")


class TestExtractedVersions:
    def test_only_long_unused_versions_beyond_the_kept_ones_are_removed(
        self, tmp_path: Path
    ) -> None:
        """The `keep` most recently used stay; older ones go once unused for the grace period,
        and so does a staging directory a crash left behind; a recent one stays however many."""
        now = 1_000_000.0
        ages = {"v0": 10, "v1": 20, "v2": 30, "v3": 5000, "v4": 6000, ".v9.abc.writing": 7000}
        for name, age in ages.items():
            (tmp_path / name / "knowledge").mkdir(parents=True)
            os.utime(tmp_path / name, (now - age, now - age))
        removed = prune_versions(tmp_path, keep=2, unused_for=3600, now=now)
        assert sorted(p.name for p in removed) == [".v9.abc.writing", "v3", "v4"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["v0", "v1", "v2"]

    def test_a_pruned_version_is_extracted_again_when_rolled_back_to(
        self, database: Database, tmp_path: Path
    ) -> None:
        """Versions stay in the database: removing an extracted copy loses nothing."""
        time = FakeTime()
        one = replica(database, tmp_path, "one", time)
        add_term(one)
        second = one.publish(one.holder.validate(), by="U1").current.version
        one.add_alias("term-osprey", "tilt-rotor", by="U1")  # edits an extracted `second`
        work = tmp_path / "one" / "work"
        assert (work / second).is_dir()
        prune_versions(work, keep=0, unused_for=0)
        assert not (work / second).exists()
        swap = one.rollback(second, by="U1")
        assert swap is not None
        assert swap.current.version == second
        assert (work / second / "knowledge").is_dir()


class TestAliases:
    def test_an_alias_is_a_new_version_and_no_image_file_changes(
        self, database: Database, tmp_path: Path
    ) -> None:
        """The alias is stored as a version (its archive holds the alias) that the other
        replica loads; neither replica's own files are written."""
        time = FakeTime()
        one = replica(database, tmp_path, "one", time)
        two = replica(database, tmp_path, "two", time)
        image_people = (one.holder.directory / "people.yaml").read_bytes()
        written = one.add_alias("hamada-yasukazu", "the defense chief", by="U1")
        assert written.file == "knowledge/people.yaml"
        assert (one.holder.directory / "people.yaml").read_bytes() == image_people
        store = KnowledgeStore(database)
        stored = store.archive(written.swap.current.version)
        assert stored is not None
        assert b"the defense chief" in read_archive(stored).members["knowledge/people.yaml"]
        two.catch_up()
        entry = two.holder.current.get("hamada-yasukazu")
        assert entry is not None
        assert "the defense chief" in entry.names()


class TestArchive:
    def test_an_archive_hashes_to_its_version_and_holds_only_cited_seeds(
        self, tmp_path: Path
    ) -> None:
        """The stored files are the YAML and the cited seeds; they hash to the loaded version."""
        directory = write_sample_kb(tmp_path / "kb")
        (directory.parent / "seeds" / "999_uncited.txt").write_text("nobody cites me\n")
        kb = load_knowledge(directory)
        archive = archive_of(kb)
        assert archive.version == kb.version
        assert "seeds/999_uncited.txt" not in archive.members
        assert read_archive(archive.data).version == kb.version


# --- the CLI ----------------------------------------------------------------------------------


def cli_env(state_url: DatabaseUrl, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALLIANCE_", "SLACK_"))}
    env["ALLIANCE_CACHE_DIR"] = str(tmp_path / "cli-cache")
    if state_url.dialect == "sqlite":
        env["ALLIANCE_STATE_DB"] = state_url.target
    else:
        env["ALLIANCE_DATABASE_URL"] = state_url.target
    return env


class TestCommandLine:
    async def test_publish_then_export_round_trips(
        self, state_url: DatabaseUrl, tmp_path: Path
    ) -> None:
        """`kb publish` stores the directory as current; `kb export` writes files that load as
        the same version."""
        env = cli_env(state_url, tmp_path)
        directory = write_sample_kb(tmp_path / "kb")
        code, out, err = await run_to_exit(["kb", "publish", str(directory)], env, tmp_path)
        assert code == 0, err
        version = load_knowledge(directory).version
        assert f"as version {version}" in out
        assert "No replica is running" in out
        code, out, err = await run_to_exit(
            ["kb", "export", str(tmp_path / "out" / "knowledge")], env, tmp_path
        )
        assert code == 0, err
        assert f"Exported version {version} (changed by cli" in out
        assert load_knowledge(tmp_path / "out" / "knowledge").version == version

    async def test_a_broken_publish_exits_2_and_leaves_the_current_version(
        self, state_url: DatabaseUrl, tmp_path: Path
    ) -> None:
        """A broken directory is reported with file, line and entry; nothing is stored."""
        env = cli_env(state_url, tmp_path)
        good = write_sample_kb(tmp_path / "good")
        code, _, err = await run_to_exit(["kb", "publish", str(good)], env, tmp_path)
        assert code == 0, err
        broken = write_sample_kb(tmp_path / "broken")
        people = broken / "people.yaml"
        people.write_text(people.read_text().replace("name: Lloyd Austin", "name: 42"))
        code, _out, err = await run_to_exit(["kb", "publish", str(broken)], env, tmp_path)
        assert code == 2
        line = next(
            n for n, text in enumerate(people.read_text().splitlines(), 1) if "name: 42" in text
        )
        assert f"knowledge/people.yaml:{line} [austin-lloyd]" in err
        assert "nothing was published, the current version stays" in err
        database = Database.open(state_url)
        try:
            current = KnowledgeStore(database).current()
            assert current is not None
            assert current.version == load_knowledge(good).version
            assert len(KnowledgeStore(database).versions()) == 1
        finally:
            database.dispose()

    async def test_export_of_an_empty_database_says_so(
        self, state_url: DatabaseUrl, tmp_path: Path
    ) -> None:
        """Nothing published yet: one line, exit 2, nothing written."""
        env = cli_env(state_url, tmp_path)
        code, _, err = await run_to_exit(["kb", "export", str(tmp_path / "out")], env, tmp_path)
        assert code == 2
        assert "holds no knowledge base version yet" in err
        assert "Traceback" not in err
        assert not (tmp_path / "out").exists()
