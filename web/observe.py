"""Request observation: the request id, per-request metrics, the access log line, and /metrics.

``Observe`` wraps the whole application; it is ``web.headers.SecurityHeaders`` with observation
added (refused Hosts are seen too), one layer with one ``send`` wrapper, because it sits on the
response-cache hit path. Per request it reads or makes the request id and sets it, with the
request's ``RequestFacts``, in one context variable (``web.facts.REQUEST``); stamps
``X-Request-ID`` on the answer; adds the duration to one plain-Python histogram series
(``cms.observe.metrics.REQUESTS``, handed to Prometheus only when it scrapes); writes the access
line. The layers inside report what only they know (the GraphQL operation and how the cache answered,
the user, the first error code) through ``note_*``, which write to those facts.

A successful response-cache hit gets no access line unless ``GONGKAI_LOG_CACHE_HITS=true``:
formatting and writing a JSON line cost a hit more than half its time, and the hit is counted all
the same (``gongkai_http_request_duration_seconds``, ``gongkai_graphql_operation_duration_seconds``
with ``cache="hit"``, ``gongkai_response_cache_requests_total{result="hit"}``). Everything else —
misses, uncached and staff requests, errors, files — has its line.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
from binascii import hexlify
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from time import perf_counter
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.observe.metrics import LATENCY_BUCKETS, REQUESTS
from cms.settings import Settings
from web.cache import ResponseCache
from web.facts import REQUEST, RequestFacts, note_error
from web.headers import NOSNIFF, SecurityHeaders, host_name, refuse_host

access_log = logging.getLogger("gongkai.access")
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")  # accepted from clients as it is
_ROUTES = (  # prefix → the route template used as label (bounded, unlike paths)
    ("/files/", "/files/{attachment_id}/{name}"),
    ("/thumbnails/", "/thumbnails/{attachment_id}.png"),
    ("/admin", "/admin"),
)
_EXACT_ROUTES = frozenset({"/graphql", "/metrics", "/healthz", "/livez", "/readyz"})
_INFO = logging.INFO
_SERIES = REQUESTS.series


def route_of(path: str) -> str:
    if path in _EXACT_ROUTES:
        return path
    for prefix, route in _ROUTES:
        if path.startswith(prefix):
            return route
    return "other"


_ids: list[bytes] = []  # request ids made ahead (list.pop is atomic: safe from any thread)


def _more_ids() -> bytes:
    """Request ids: 96 random bits each, from ``os.urandom`` a thousand at a time (one call per
    request cost a cache hit 2 %)."""
    pool = hexlify(os.urandom(12 * 1024))
    _ids.extend(pool[start : start + 24] for start in range(0, len(pool), 24))
    return _ids.pop()


os.register_at_fork(after_in_child=_ids.clear)  # a forked worker must not hand out its parent's ids


class Observe(SecurityHeaders):
    """``SecurityHeaders`` and observation in one layer: one pass over the request headers for the
    Host and ``X-Request-ID``, one ``send`` wrapper that adds both headers (a layer of its own cost
    a response-cache hit 3 %, a second wrapper 5 % more)."""

    def __init__(
        self, app: ASGIApp, *, allowed_hosts: Iterable[str] | None, log_cache_hits: bool = False
    ) -> None:
        super().__init__(app, allowed_hosts=allowed_hosts)
        self.log_cache_hits = log_cache_hits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        host = sent_id = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = host or value  # the first one, as Starlette reads it
            elif name == b"x-request-id":
                sent_id = sent_id or value
        # The client's X-Request-ID when it is a plain token, else a new random one.
        if sent_id is not None and _REQUEST_ID.match(sent_id):
            request_id = sent_id
        else:
            try:
                request_id = _ids.pop()
            except IndexError:
                request_id = _more_ids()
        facts = _Observed(request_id, send)
        token = REQUEST.set(facts)
        try:
            # HTTP/1.0 without Host is let through: Starlette falls back to the server's own address
            if (
                self.allowed_hosts is not None
                and host is not None
                and host_name(host) not in self.allowed_hosts
            ):
                await refuse_host(facts.send_stamped)
            else:
                await self.app(scope, receive, facts.send_stamped)
        finally:
            seconds = perf_counter() - started
            path, method, status = scope["path"], scope["method"], facts.status
            route = path if path in _EXACT_ROUTES else route_of(path)
            counts = _SERIES.get(key := (route, method, status, facts.operation, facts.cache))
            if counts is None:
                counts = REQUESTS.new_series(key)
            counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1  # REQUESTS.observe, inlined: every request
            counts[-1] += seconds
            # A successful cache hit is counted above and in the cache's own counters: no line.
            if status >= 400 or facts.cache != "hit" or self.log_cache_hits:
                self._after(method, route, status, seconds, facts)
            REQUEST.reset(token)

    @staticmethod
    def _after(method: str, route: str, status: int, seconds: float, facts: RequestFacts) -> None:
        if status >= 500 and facts.outcome is None:
            note_error("INTERNAL_SERVER_ERROR")
        if access_log.isEnabledFor(_INFO):
            _access_line(method, route, status, seconds, facts)


class _Observed(RequestFacts):
    """A request's facts and the ``send`` that stamps its answer: one object per request rather
    than an object and a closure."""

    def __init__(self, request_id: bytes, send: Send) -> None:
        self.request_id = request_id
        self.send = send

    async def send_stamped(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message["headers"] = [*message.get("headers", ()), NOSNIFF, (b"x-request-id", self.request_id)]
        await self.send(message)


def _access_line(method: str, route: str, status: int, seconds: float, facts: RequestFacts) -> None:
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
