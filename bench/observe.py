"""What observation costs a response-cache hit (#20): the same app, in one process, with and without
observation — ``web.observe.Observe`` (the security headers and Host check, plus the request id,
the metrics and the access line) against ``web.headers.SecurityHeaders`` alone. A successful hit
has no access line by default; the last variant writes one anyway (``GONGKAI_LOG_CACHE_HITS=true``),
as JSON to a file, to show what that option costs.

Starts the embedded services in a temporary directory with an empty repository, fills the response
cache with one anonymous GET, then drives the ASGI application directly (no HTTP server, so the
overhead is measured against the in-process cost of a hit alone — the strictest comparison; behind
uvicorn the share is smaller) in interleaved rounds. ``python -m bench.observe [--requests N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message

from cms.services import Endpoints
from cms.settings import Settings
from devservers.embedded import start_embedded
from web.app import create_app
from web.headers import SecurityHeaders
from web.logs import formatter_for, lean_records
from web.observe import Observe

QUERY = urlencode({"query": "query BenchHit { catalog(first: 5) { totalCount edges { node { title } } } }"})


def scope_for(query: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"localhost:8000"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def call(app: ASGIApp, scope: dict[str, Any]) -> int:
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(dict(scope), receive, send)
    return status


async def rate(app: ASGIApp, scope: dict[str, Any], requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        await call(app, scope)
    return requests / (time.perf_counter() - started)


async def measure(app: Starlette, requests: int, rounds: int) -> None:
    observed: ASGIApp = app.build_middleware_stack()  # Observe(...), as served
    inner = Starlette.build_middleware_stack(app)
    plain: ASGIApp = SecurityHeaders(inner, allowed_hosts=app.allowed_hosts)
    hit_lines: ASGIApp = Observe(inner, allowed_hosts=app.allowed_hosts, log_cache_hits=True)
    scope = scope_for(QUERY)
    assert await call(observed, scope) == 200  # fills the cache: every later request is a hit
    assert app.state.response_cache.stats.hits == 0
    for variant in (plain, observed, hit_lines):
        await rate(variant, scope, requests // 10)  # warm-up
    access = logging.getLogger("gongkai.access")
    rates: dict[str, list[float]] = {"without": [], "metrics": [], "metrics+log": [], "+hit lines": []}
    for _ in range(rounds):
        rates["without"].append(await rate(plain, scope, requests))
        access.setLevel(logging.WARNING)  # request id and metrics, no access line
        rates["metrics"].append(await rate(observed, scope, requests))
        access.setLevel(logging.INFO)  # as served: lines for all but successful cache hits
        rates["metrics+log"].append(await rate(observed, scope, requests))
        rates["+hit lines"].append(await rate(hit_lines, scope, requests))
    base = statistics.median(rates["without"])
    print(f"in-process cache hits/s, median of {rounds} interleaved rounds of {requests}:")
    for name, found in rates.items():
        value = statistics.median(found)
        print(
            f"  {name:12} {value:9,.0f}/s  overhead {100 * (base - value) / base:5.1f} %"
            f"  ({1e6 / value - 1e6 / base:5.1f} µs per request)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        embedded = start_embedded(Path(tmp) / "embedded")
        try:
            settings = Settings(
                mode="development",
                data_dir=Path(tmp),
                demo_data=False,
                secret_key=SecretStr("bench-" + "k" * 40),
            )
            endpoints = Endpoints(
                mongo_url=embedded.mongo_url,
                s3_endpoint=embedded.s3_endpoint,
                s3_access_key=embedded.s3_access_key,
                s3_secret_key=embedded.s3_secret_key,
            )
            lean_records()
            handler = logging.FileHandler(Path(tmp) / "access.log")  # production writes a line per request
            handler.setFormatter(formatter_for(settings))
            logging.getLogger().addHandler(handler)
            logging.getLogger().setLevel(logging.INFO)
            logging.getLogger("gongkai.web").setLevel(logging.WARNING)
            app = create_app(settings, endpoints)
            asyncio.run(run(app, args.requests, args.rounds))
        finally:
            embedded.stop()


async def run(app: Starlette, requests: int, rounds: int) -> None:
    async with app.router.lifespan_context(app):
        await measure(app, requests, rounds)
    with contextlib.suppress(Exception):
        logging.getLogger().handlers[-1].close()


if __name__ == "__main__":
    main()
