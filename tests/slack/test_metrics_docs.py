"""docs/operations.md against the metrics the app really exports: the table lists exactly the
registry's metrics, with their types and labels, and every metric name, label and label value
the alert rules and example expressions use exists."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from alliance_bot.knowledge.holder import KnowledgeHolder
from alliance_bot.slack.metrics import QUESTION_STATUSES, Metrics
from alliance_bot.testing.sample_kb import write_sample_kb

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
# The sample names a family of each type exports (prometheus-client, `_created` disabled).
_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


def exported(tmp_path: Path) -> dict[str, tuple[str, set[str]]]:
    """Every family `GET /metrics` would serve: name as documented -> (type, label names).

    Each observer hook is called once, so labelled families have a sample to show their labels.
    """
    metrics = Metrics()
    metrics.watch_knowledge(KnowledgeHolder.load(write_sample_kb(tmp_path)))
    metrics.watch_in_flight(lambda: 0)
    metrics.question_answered("answer", 0.2)
    metrics.acked("http", 0.1)
    metrics.attempted("chat.postMessage", "ok")
    metrics.retrying("chat.postMessage", "rate_limited")
    now = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    metrics.next_post("C0DAILY01", now)
    metrics.post_done("C0DAILY01", now.date(), now)
    metrics.refreshed("refresh", "swapped")
    found = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = {label for sample in family.samples for label in sample.labels} - {"le"}
        found[name] = (family.type, labels)
    return found


def documented() -> dict[str, tuple[str, str]]:
    """The metrics table: name -> (type, the labels cell)."""
    rows = re.findall(r"^\| `(alliance_\w+)` \| (\w+) \| ([^|]*) \|", DOCS.read_text(), re.M)
    assert len({name for name, _, _ in rows}) == len(rows), "a metric listed twice"
    return {name: (kind, labels) for name, kind, labels in rows}


def expressions() -> list[str]:
    """The alert rules' `expr`s and the other example expressions (inline code with a metric)."""
    text = DOCS.read_text()
    (block,) = re.findall(r"```yaml\n(.*?)```", text, re.S)
    rules = [rule for group in yaml.safe_load(block)["groups"] for rule in group["rules"]]
    assert rules, "no alert rules"
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Z][A-Za-z]+", rule["alert"]), rule
        assert "for" not in rule or re.fullmatch(r"\d+[smh]", rule["for"]), rule
    spans = re.findall(r"`([^`\n]+)`", text)
    inline = [span for span in spans if "alliance_" in span and "(" in span]
    return [str(rule["expr"]) for rule in rules] + inline


class TestTheMetricsTable:
    def test_lists_exactly_what_is_exported_with_types_and_labels(self, tmp_path: Path) -> None:
        """Every exported metric is in the table and every row is exported, with its type and
        each of its labels named."""
        real, docs = exported(tmp_path), documented()
        assert sorted(docs) == sorted(real)
        for name, (kind, cell) in docs.items():
            real_kind, labels = real[name]
            assert kind == real_kind, name
            named = set(re.findall(r"`(\w+)`", cell))
            assert labels <= named, f"{name}: labels {labels - named} not documented"
            if not labels:
                assert cell.strip() == "—", f"{name} has no labels"

    def test_question_statuses_are_ask_jsons(self) -> None:
        """`status` lists the statuses of `ask --json`, in the table's order."""
        _, cell = documented()["alliance_questions_total"]
        assert tuple(re.findall(r"`(\w+)`", cell.split(":", 1)[1])) == QUESTION_STATUSES


class TestTheAlertRules:
    def test_expressions_use_real_metrics_labels_and_values(self, tmp_path: Path) -> None:
        """Each metric an expression names is exported (as a sample name: `_bucket` for a
        histogram), and each label it matches or groups by is one of that metric's, with a
        value the table documents."""
        real, docs = exported(tmp_path), documented()
        samples = {
            name.removesuffix("_total") + suffix: name
            for name, (kind, _) in real.items()
            for suffix in _SUFFIXES[kind]
        }
        exprs = expressions()
        assert len(exprs) >= 5
        for expr in exprs:
            assert expr.count("(") == expr.count(")")
            assert expr.count("{") == expr.count("}")
            used = re.findall(r"\b(alliance_\w+)\b(?:\{([^}]*)\})?", expr)
            assert used, expr
            for sample, matchers in used:
                assert sample in samples, f"{sample} in {expr!r} is not exported"
                metric = samples[sample]
                for label, value in re.findall(r'(\w+)="([^"]*)"', matchers):
                    assert label in real[metric][1], f"{metric} has no label {label}"
                    assert f"`{value}`" in docs[metric][1], f"{value} is not a {label} value"
            labels = set().union(*(real[samples[s]][1] for s, _ in used))
            for group in re.findall(r"\bby \(([^)]*)\)", expr):
                assert {x.strip() for x in group.split(",")} <= labels, expr

    @pytest.mark.parametrize("rule", ["AllianceDailyPostLate", "AllianceDailyPostMissing"])
    def test_the_daily_post_alerts_watch_the_daily_gauges(self, rule: str) -> None:
        """The "daily post did not go out today" rules compare the daily gauges with time()."""
        (block,) = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)
        rules = {r["alert"]: r for g in yaml.safe_load(block)["groups"] for r in g["rules"]}
        assert re.match(
            r"time\(\) - alliance_daily_post_\w+_timestamp_seconds > ", rules[rule]["expr"]
        )
