"""Request observation: the request id, per-request metrics, the access log line, and /metrics.

``Observe`` wraps the whole application (outside the Host check, so refused requests are seen too).
It is pure ASGI and does little per request, because it sits on the response-cache hit path: read or
make the request id, stamp ``X-Request-ID`` on the answer, one histogram observation on a
pre-resolved child, one log line. The layers inside report what only they know (the GraphQL
operation and how the cache answered, the user, the first error code) through ``note_*``, which write
to the request's ``RequestFacts`` held in a context variable.
"""

from __future__ import annotations

import contextvars
import hmac
import ipaddress
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.observe.metrics import GRAPHQL_OPERATIONS, HTTP_REQUESTS, record_error
from cms.settings import Settings
from web.cache import ResponseCache
from web.logs import REQUEST_ID

access_log = logging.getLogger("gongkai.access")
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")  # accepted from clients as it is
_ROUTES = (  # prefix → the route template used as label (bounded, unlike paths)
    ("/files/", "/files/{attachment_id}/{name}"),
    ("/thumbnails/", "/thumbnails/{attachment_id}.png"),
    ("/admin", "/admin"),
)
_EXACT_ROUTES = frozenset({"/graphql", "/metrics", "/healthz", "/livez", "/readyz"})


class RequestFacts:
    """What the layers inside learned about one request, for its metrics and its log line."""

    __slots__ = ("cache", "operation", "outcome", "user")

    def __init__(self) -> None:
        self.operation: str | None = None
        self.cache: str | None = None
        self.user: str | None = None
        self.outcome: str | None = None  # the first error code answered


FACTS: contextvars.ContextVar[RequestFacts | None] = contextvars.ContextVar("gongkai_facts", default=None)


def note_operation(operation: str, cache: str) -> None:
    facts = FACTS.get()
    if facts is not None:
        facts.operation, facts.cache = operation, cache


def note_user(user_id: str) -> None:
    facts = FACTS.get()
    if facts is not None:
        facts.user = user_id


def note_error(code: str) -> None:
    """Counted in ``gongkai_errors_total``; the first one is the request's outcome in its log line."""
    record_error(code)
    facts = FACTS.get()
    if facts is not None and facts.outcome is None:
        facts.outcome = code


def route_of(path: str) -> str:
    if path in _EXACT_ROUTES:
        return path
    for prefix, route in _ROUTES:
        if path.startswith(prefix):
            return route
    return "other"


def request_id_of(scope: Scope) -> str:
    """The client's ``X-Request-ID`` when it is a plain token, else a new random one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            if _REQUEST_ID.match(value):
                return str(value.decode("ascii"))
            break
    return os.urandom(12).hex()


class Observe:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._children: dict[tuple[str, str, int], Any] = {}  # label values → histogram child
        self._operations: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope)
        facts = RequestFacts()
        id_token, facts_token = REQUEST_ID.set(request_id), FACTS.set(facts)
        header = (b"x-request-id", request_id.encode("ascii"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, facts)
            FACTS.reset(facts_token)
            REQUEST_ID.reset(id_token)

    def _record(self, scope: Scope, status: int, seconds: float, facts: RequestFacts) -> None:
        route, method = route_of(scope["path"]), scope["method"]
        child = self._children.get((route, method, status))
        if child is None:
            child = self._children[(route, method, status)] = HTTP_REQUESTS.labels(route, method, str(status))
        child.observe(seconds)
        if facts.operation is not None:
            key = (facts.operation, facts.cache or "bypass")
            operation = self._operations.get(key)
            if operation is None:
                operation = self._operations[key] = GRAPHQL_OPERATIONS.labels(*key)
            operation.observe(seconds)
        if status >= 500 and facts.outcome is None:
            note_error("INTERNAL_SERVER_ERROR")
        if access_log.isEnabledFor(logging.INFO):
            outcome = facts.outcome or ("ok" if status < 400 else f"http_{status}")
            access_log.info(
                "%s %s %d %s",
                method,
                route,
                status,
                outcome,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "operation": facts.operation,
                    "cache": facts.cache,
                    "user": facts.user,
                    "outcome": outcome,
                },
            )


class CacheCollector(Collector):
    """The response cache's own counters, read when Prometheus scrapes (nothing extra on a hit)."""

    def __init__(self, cache: Callable[[], ResponseCache | None]) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        cache = self.cache()
        if cache is None:
            return
        stats = cache.stats
        requests = CounterMetricFamily(
            "gongkai_response_cache_requests",
            "Anonymous GraphQL requests by how the response cache answered (hit, miss, coalesced).",
            labels=["result"],
        )
        requests.add_metric(["hit"], stats.hits)
        requests.add_metric(["miss"], stats.misses)
        requests.add_metric(["coalesced"], stats.coalesced)
        yield requests
        yield CounterMetricFamily("gongkai_response_cache_stores", "Answers kept.", value=stats.stores)
        yield CounterMetricFamily(
            "gongkai_response_cache_evictions",
            "Answers pushed out to stay within the entry and byte limits.",
            value=cache.entries.evictions,
        )
        yield GaugeMetricFamily("gongkai_response_cache_entries", "Answers held.", value=len(cache))
        yield GaugeMetricFamily("gongkai_response_cache_bytes", "Bytes held.", value=cache.size_bytes)


class MetricsAccess:
    """Who may read /metrics: a source in the allowed networks, with the token when one is set."""

    def __init__(self, networks: list[str], token: str) -> None:
        self.networks = [ipaddress.ip_network(n, strict=False) for n in networks]
        self.token = token.encode()

    def refusal(self, request: Request) -> Response | None:
        if self.networks and not self._source_allowed(request):
            return _refused(403, "FORBIDDEN", "不允许从该地址读取监控指标。")
        if self.token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.token):
                return _refused(
                    401, "UNAUTHENTICATED", "读取监控指标需要正确的令牌。", {"WWW-Authenticate": "Bearer"}
                )
        return None

    def _source_allowed(self, request: Request) -> bool:
        if request.client is None:
            return False
        try:
            source = ipaddress.ip_address(request.client.host)
        except ValueError:
            return False
        return any(source in network for network in self.networks)


def _refused(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    note_error(code)
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(
        body, status_code=status, headers={"Cache-Control": "private, no-store", **(headers or {})}
    )


def metrics_endpoint(
    settings: Settings, cache: Callable[[], ResponseCache | None]
) -> Callable[[Request], Any]:
    access = MetricsAccess(settings.metrics_allowed_networks, settings.metrics_token.get_secret_value())
    own = CollectorRegistry(auto_describe=True)  # per app: tests build several apps in one process
    own.register(CacheCollector(cache))

    async def metrics(request: Request) -> Response:
        refused = access.refusal(request)
        if refused is not None:
            return refused
        body = generate_latest(REGISTRY) + generate_latest(own)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return metrics
