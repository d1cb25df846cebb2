"""The process's Prometheus metrics, defined once (prometheus-client's default registry).

Every metric a room records is declared here, so an operator reads one module to learn what is
exported. The rooms below (``storage``) know nothing of Prometheus: they call observers that the
service container wires to the functions here. Label values are bounded: routes are the app's route
templates, GraphQL operations the first ``MAX_OPERATION_NAMES`` names seen (then ``_other``), error
codes the stable codes of ``cms.errors`` and the HTTP layer.

Recording on the hot path (a response-cache hit) is one histogram observation on a pre-resolved
child; the cache's own counters are read at scrape time by a collector (``web.metrics``), not
incremented twice.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Histogram
from pymongo import monitoring

# Latency buckets in seconds: a cache hit is ~100 µs, an uncached page tens of ms, an upload seconds.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
MAX_OPERATION_NAMES = 256
OTHER = "_other"
ANONYMOUS_OPERATION = "_anonymous"  # a document whose operation has no name

HTTP_REQUESTS = Histogram(
    "gongkai_http_request_duration_seconds",
    "HTTP requests by route template, method and status, with their latency.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_OPERATIONS = Histogram(
    "gongkai_graphql_operation_duration_seconds",
    "GraphQL operations by name and how the response cache answered them (hit, miss, bypass).",
    ["operation", "cache"],
    buckets=LATENCY_BUCKETS,
)
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
    """For the webhook deliveries (not built yet): one call per attempt."""
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
