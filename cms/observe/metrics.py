"""The process's Prometheus metrics, defined once (prometheus-client's default registry).

Every metric a room records is declared here, so an operator reads one module to learn what is
exported. The rooms below (``storage``) know nothing of Prometheus: they call observers that the
service container wires to the functions here. Label values are bounded: routes are the app's route
templates, GraphQL operations the first ``MAX_OPERATION_NAMES`` names seen (then ``_other``), error
codes the stable codes of ``cms.errors`` and the HTTP layer.

Recording on the hot path (every request, a response-cache hit above all) touches no
prometheus-client object: a prometheus-client child takes a lock and builds its samples on every
call, which cost a cache hit a fifth of its time. Requests and GraphQL operations go into
``RequestLatencies`` (plain lists of bucket counts, updated with ``bisect`` on the event loop's
thread) and become Prometheus histograms only when /metrics is scraped (``RequestCollector``); the response
cache's own counters are likewise read at scrape time (``web.observe.CacheCollector``). The rarer
events below (errors, MongoDB commands, S3 calls, transitions, jobs) keep prometheus-client's own
metrics, which are safe to record from any thread.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from pymongo import monitoring

# Latency buckets in seconds: a cache hit is ~100 µs, an uncached page tens of ms, an upload seconds.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
MAX_OPERATION_NAMES = 256
OTHER = "_other"
ANONYMOUS_OPERATION = "_anonymous"  # a document whose operation has no name


# What one request is recorded under: route template, method, status, GraphQL operation (None when the
# request was no GraphQL operation), how the response cache answered (None: not asked).
RequestKey = tuple[str, str, int, str | None, str | None]


class RequestLatencies:
    """Latency histograms of requests, in plain Python: one ``observe`` per request, a dict lookup, a
    ``bisect`` and two additions. /metrics shows them as two histograms (``collect``): by route,
    method and status, and by GraphQL operation and cache outcome, summed from the same series.
    Not thread-safe: only the event loop's thread records into it (the ASGI middleware), and the
    scrape runs on that thread too."""

    def __init__(self) -> None:
        self.bounds = LATENCY_BUCKETS
        # key → [count per bucket (not cumulative) ..., count above the last bound, sum of seconds]
        self.series: dict[RequestKey, list[float]] = {}

    def observe(self, key: RequestKey, seconds: float) -> None:
        """(``web.observe.Observe`` does the same inline.)"""
        counts = self.series.get(key)
        if counts is None:
            counts = self.new_series(key)
        counts[bisect_left(self.bounds, seconds)] += 1  # ``le``: a bound holds values equal to it
        counts[-1] += seconds

    def new_series(self, key: RequestKey) -> list[float]:
        counts: list[float] = [0] * (len(self.bounds) + 2)
        self.series[key] = counts
        return counts

    def family(
        self,
        name: str,
        documentation: str,
        labels: tuple[str, ...],
        pick: Callable[[RequestKey], tuple[str, ...] | None],
    ) -> HistogramMetricFamily:
        """The series summed by the labels ``pick`` makes of each key (None: left out)."""
        merged: dict[tuple[str, ...], list[float]] = {}
        for key, counts in list(self.series.items()):
            values = pick(key)
            if values is not None:
                into = merged.setdefault(values, [0] * len(counts))
                for i, count in enumerate(counts):
                    into[i] += count
        family = HistogramMetricFamily(name, documentation, labels=labels)
        edges = [*(repr(b) for b in self.bounds), "+Inf"]  # as prometheus-client writes them
        for values, counts in merged.items():
            cumulative, buckets = 0.0, []
            for edge, count in zip(edges, counts[:-1], strict=True):
                cumulative += count
                buckets.append((edge, cumulative))
            family.add_metric(values, buckets, sum_value=counts[-1])
        return family


class RequestCollector(Collector):
    """Hands ``REQUESTS`` to Prometheus when it scrapes."""

    def __init__(self, requests: RequestLatencies) -> None:
        self.requests = requests

    def collect(self) -> Iterator[Metric]:
        yield self.requests.family(
            "gongkai_http_request_duration_seconds",
            "HTTP requests by route template, method and status, with their latency.",
            ("route", "method", "status"),
            lambda key: (key[0], key[1], str(key[2])),
        )
        yield self.requests.family(
            "gongkai_graphql_operation_duration_seconds",
            "GraphQL operations by name and how the response cache answered them (hit, miss, bypass).",
            ("operation", "cache"),
            lambda key: None if key[3] is None else (key[3], key[4] or "bypass"),
        )


REQUESTS = RequestLatencies()
REGISTRY.register(RequestCollector(REQUESTS))
ERRORS = Counter(
    "gongkai_errors_total",
    "Errors answered to clients, by stable code (GraphQL extensions.code or the HTTP error's code).",
    ["code"],
)
MONGO_COMMANDS = Histogram(
    "gongkai_mongodb_command_duration_seconds",
    "MongoDB commands by name and outcome (PyMongo command monitoring).",
    ["command", "outcome"],
    buckets=LATENCY_BUCKETS,
)
S3_OPERATIONS = Histogram(
    "gongkai_s3_operation_duration_seconds",
    "Object store (S3) calls by operation and outcome.",
    ["operation", "outcome"],
    buckets=LATENCY_BUCKETS,
)
TRANSITIONS = Counter(
    "gongkai_transitions_total",
    "Review-chain transitions by action and outcome (ok, or the refusal's code).",
    ["action", "outcome"],
)
JOBS = Histogram(
    "gongkai_job_duration_seconds",
    "Runs of periodic background jobs by job and outcome (ok, failed).",
    ["job", "outcome"],
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_DELIVERIES = Histogram(
    "gongkai_webhook_delivery_duration_seconds",
    "Webhook delivery attempts by outcome (delivered, failed, gave_up), with their latency.",
    ["outcome"],
    buckets=LATENCY_BUCKETS,
)

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")  # a GraphQL operation name (bounded length)
_known_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """A bounded label for a GraphQL operation name: clients choose names, so only the first
    ``MAX_OPERATION_NAMES`` distinct valid ones get their own series."""
    if not name:
        return ANONYMOUS_OPERATION
    if name in _known_operations:
        return name
    if not _NAME.match(name):
        return OTHER
    if len(_known_operations) >= MAX_OPERATION_NAMES:
        return OTHER
    _known_operations.add(name)
    return name


def record_error(code: str) -> None:
    ERRORS.labels(code).inc()


def record_transition(action: str, outcome: str) -> None:
    TRANSITIONS.labels(action, outcome).inc()


def record_job(job: str, outcome: str, seconds: float) -> None:
    JOBS.labels(job, outcome).observe(seconds)


def record_webhook_delivery(outcome: str, seconds: float) -> None:
    """For the webhook deliveries (cms.changes.delivery): one call per attempt."""
    WEBHOOK_DELIVERIES.labels(outcome).observe(seconds)


def record_s3(operation: str, seconds: float, outcome: str) -> None:
    """An ``ObjectStore`` observer."""
    S3_OPERATIONS.labels(operation, outcome).observe(seconds)


class MongoCommandMetrics(monitoring.CommandListener):
    """PyMongo command monitoring: the driver measures each command; we only record it."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        MONGO_COMMANDS.labels(event.command_name, "ok").observe(event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        MONGO_COMMANDS.labels(event.command_name, "failed").observe(event.duration_micros / 1e6)
