"""Prometheus metrics (prometheus-client), served at `GET /metrics` in both modes.

One `Metrics` per process owns a `CollectorRegistry` of its own (not the library's global one),
so a test can build as many apps as it likes and each sees only its own numbers. It implements
the observer protocols of the parts it watches — `WebApiObserver` (Web API calls),
`ScheduleObserver` (the daily post) — and reads the knowledge base and the in-flight count when
scraped. Every metric and its meaning is listed in docs/operations.md.

Labels are low-cardinality by construction: fixed words, Web API method names from our own code,
entry kinds, the daily channel id, and the knowledge base version (one series at a time). Never
user ids or question text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Protocol

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from alliance_bot.knowledge.holder import KnowledgeHolder

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The Content-Type of `Metrics.render()`: text format 0.0.4, which every Prometheus reads."""

# The statuses of `alliance-bot ask --json`.
QUESTION_STATUSES = ("answer", "suggestions", "no_match", "help", "error")
# Slack's deadline for acknowledging a request.
ACK_DEADLINE = 3.0
# From a cached answer (milliseconds) to a slow Slack (seconds); Slack users notice past ~2 s.
_ANSWER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


class Metrics:
    """Every metric alliance-bot exposes, in one registry."""

    def __init__(self) -> None:
        # No `_created` series: they double the output and no alert or dashboard here uses them.
        disable_created_metrics()  # type: ignore[no-untyped-call]  # unannotated upstream
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._questions = Counter(
            "alliance_questions",
            "Questions answered, by the status of the answer (as in ask --json).",
            ["status"],
            registry=r,
        )
        for status in QUESTION_STATUSES:
            self._questions.labels(status)  # every status is exported, at 0 until it happens
        self._answer_seconds = Histogram(
            "alliance_answer_seconds",
            "From a question's listener starting (just before the ack) to its reply handed to "
            "Slack.",
            buckets=_ANSWER_BUCKETS,
            registry=r,
        )
        self._acks = Counter(
            "alliance_acks", "Requests from Slack acknowledged, by mode.", ["mode"], registry=r
        )
        self._acks_late = Counter(
            "alliance_acks_late",
            f"Acknowledgements sent more than {ACK_DEADLINE:g} s after the request arrived "
            "(Slack has given up on them).",
            ["mode"],
            registry=r,
        )
        for mode in ("http", "socket"):
            self._acks.labels(mode)
            self._acks_late.labels(mode)
        self._api_requests = Counter(
            "alliance_slack_api_requests",
            "Web API HTTP attempts (retries included), by method and outcome; HTTP 429s are "
            'outcome="rate_limited".',
            ["method", "outcome"],
            registry=r,
        )
        self._api_retries = Counter(
            "alliance_slack_api_retries",
            "Web API attempts retried, by method and reason.",
            ["method", "reason"],
            registry=r,
        )
        self._daily_last = Gauge(
            "alliance_daily_post_last_success_timestamp_seconds",
            "When the scheduler last found a day's post done (Unix time), per channel.",
            ["channel"],
            registry=r,
        )
        self._daily_next = Gauge(
            "alliance_daily_post_next_timestamp_seconds",
            "When the next post not yet made is due (Unix time), per channel; it stays at "
            "today's time until today's post is done.",
            ["channel"],
            registry=r,
        )
        self._refreshes = Counter(
            "alliance_refreshes",
            "Knowledge base refreshes, dry runs, rollbacks, SIGHUP reloads and aliases, by "
            "action and result.",
            ["action", "result"],
            registry=r,
        )
        self._refresh_records_dropped = 0
        self._recorder: _Recorder | None = None
        r.register(_DroppedCollector(self))
        self._in_flight = Gauge(
            "alliance_answers_in_flight",
            "Listeners acknowledged and still working (what a shutdown waits for).",
            registry=r,
        )

    def render(self) -> bytes:
        """The text exposition of every metric, for `GET /metrics`."""
        return generate_latest(self.registry)

    # --- questions and acks --------------------------------------------------------------------

    def question_answered(self, status: str, seconds: float) -> None:
        self._questions.labels(status if status in QUESTION_STATUSES else "error").inc()
        self._answer_seconds.observe(seconds)

    def acked(self, mode: str, seconds: float) -> None:
        self._acks.labels(mode).inc()
        if seconds > ACK_DEADLINE:
            self._acks_late.labels(mode).inc()

    # --- WebApiObserver ------------------------------------------------------------------------

    def attempted(self, method: str, outcome: str) -> None:
        self._api_requests.labels(method, outcome).inc()

    def retrying(self, method: str, reason: str) -> None:
        self._api_retries.labels(method, reason).inc()

    # --- ScheduleObserver ----------------------------------------------------------------------

    def next_post(self, channel: str, due: dt.datetime) -> None:
        self._daily_next.labels(channel).set(due.timestamp())

    def post_done(self, channel: str, day: dt.date, at: dt.datetime) -> None:
        self._daily_last.labels(channel).set(at.timestamp())

    # --- the knowledge base and its admin ------------------------------------------------------

    def refreshed(self, action: str, result: str) -> None:
        self._refreshes.labels(action, result).inc()

    def refresh_record_dropped(self) -> None:
        self._refresh_records_dropped += 1

    def watch_recorder(self, recorder: _Recorder) -> None:
        """Export the question recorder's dropped (queue full) and failed (database) items."""
        self._recorder = recorder

    def watch_knowledge(self, holder: KnowledgeHolder) -> None:
        """Export the running knowledge base's version and entry counts, read at each scrape."""
        self.registry.register(_KnowledgeCollector(holder))

    def watch_in_flight(self, count: Callable[[], int]) -> None:
        self._in_flight.set_function(lambda: float(count()))


class _Recorder(Protocol):
    dropped: int
    failed: int


class _DroppedCollector(Collector):
    """`alliance_recordings_dropped_total`, from the recorder's own counts at each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def describe(self) -> Iterable[Metric]:
        return self.collect()

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            "alliance_recordings_dropped",
            "Records not kept, by kind: questions for gaps and stats (queue full, or the "
            "database refused them) and refresh history lines; the user's reply went out "
            "regardless.",
            labels=["kind"],
        )
        recorder = self._metrics._recorder
        questions = 0 if recorder is None else recorder.dropped + recorder.failed
        family.add_metric(["question"], float(questions))
        family.add_metric(["refresh"], float(self._metrics._refresh_records_dropped))
        return [family]


class _KnowledgeCollector(Collector):
    """Reads `holder.current` when scraped, so a refresh or rollback shows at once."""

    def __init__(self, holder: KnowledgeHolder) -> None:
        self._holder = holder

    def describe(self) -> Iterable[Metric]:
        return []  # no fixed series: the version label changes with the base

    def collect(self) -> Iterable[Metric]:
        kb = self._holder.current
        info = GaugeMetricFamily(
            "alliance_knowledge_info",
            "The running knowledge base: 1, labelled with its version.",
            labels=["version"],
        )
        info.add_metric([kb.version], 1.0)
        entries = GaugeMetricFamily(
            "alliance_knowledge_entries",
            "Entries in the running knowledge base, by kind.",
            labels=["kind"],
        )
        for kind, items in sorted(kb.by_kind.items()):
            entries.add_metric([kind], float(len(items)))
        return [info, entries]
