"""What observation costs a response-cache hit (#20), measured two ways in one run.

The layer alone: ``Observe`` against ``SecurityHeaders`` around a stub answering like a hit, in CPU µs
per request of the event loop's thread — the figure least moved by other processes on the machine.

In process: the same app, with and without observation — ``web.observe.Observe`` (the security
headers and Host check, plus the request id, the metrics and the access line) against
``web.headers.SecurityHeaders`` alone, both around the same inner layers. A successful hit has no
access line by default; the last variant writes one anyway (``GONGKAI_LOG_CACHE_HITS=true``), as JSON
to a file, to show what that option costs. The ASGI application is driven directly (no HTTP server, so
the overhead is measured against the in-process cost of a hit alone — the strictest comparison), in
requests per CPU second of its thread.

Over HTTP: two uvicorn processes (``bench.server``, one worker each) on the same database, one serving
the app as it is served, one ``--without-observation``; the same cached anonymous GET is sent to each
over keep-alive connections (``bench.load``) in interleaved rounds, and the requests per second and the
serving process's CPU time per request are compared — what an operator's clients see.

Starts the embedded services in a temporary directory with an empty repository and fills each
response cache with one anonymous GET first. ``python -m bench.observe [--only asgi|http]
[--requests N] [--rounds R] [--http-seconds S] [--concurrency C]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bench.load import Connection, drive, get_step
from bench.run import cpu_seconds, free_port, server
from cms.services import Endpoints
from cms.settings import Settings
from devservers.embedded import EmbeddedServices, start_embedded
from web.app import create_app
from web.cors import Cors
from web.facts import note_operation
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
    """Requests per CPU second of this thread (the event loop's): on a shared machine, the time other
    processes take from it does not count, which wall time would (the rates then swung by ±10 %)."""
    started = time.thread_time()
    for _ in range(requests):
        await call(app, scope)
    return requests / (time.thread_time() - started)


async def stub_hit(scope: Scope, receive: Receive, send: Send) -> None:
    """What a response-cache hit does that observation sees: the operation noted, a small answer."""
    note_operation("BenchHit", "hit")
    await send({"type": "http.response.start", "status": 200, "headers": STUB_HEADERS})
    await send({"type": "http.response.body", "body": STUB_BODY})


STUB_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"64")]
STUB_BODY = b"{" + b" " * 62 + b"}"


async def layer_cost(requests: int, rounds: int) -> None:
    """The observing layer alone: ``Observe`` against ``SecurityHeaders`` around a stub that answers
    like a hit, in CPU µs per request — the part of a served hit that observation adds."""
    hosts = ["localhost"]
    variants: dict[str, ASGIApp] = {
        "SecurityHeaders": SecurityHeaders(stub_hit, allowed_hosts=hosts),
        "Observe": Observe(stub_hit, allowed_hosts=hosts),
    }
    scope = scope_for(QUERY)
    micros: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, variant in variants.items():
            micros[name].append(1e6 / await rate(variant, scope, requests))
    plain, observed = (statistics.median(found) for found in micros.values())
    print(f"the layer alone, CPU µs per request, median of {rounds} rounds of {requests}:")
    print(
        f"  SecurityHeaders {plain:5.2f}  Observe {observed:5.2f}  observation adds {observed - plain:5.2f}"
    )


async def measure(app: Starlette, requests: int, rounds: int) -> None:
    observed: ASGIApp = app.build_middleware_stack()  # Observe(...), as served
    inner = Cors(Starlette.build_middleware_stack(app), origins=app.cors_origins)  # as served
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
    print(f"in-process cache hits per CPU second, median of {rounds} interleaved rounds of {requests}:")
    for name, found in rates.items():
        value = statistics.median(found)
        print(
            f"  {name:12} {value:9,.0f}/s  overhead {100 * (base - value) / base:5.1f} %"
            f"  ({1e6 / value - 1e6 / base:5.1f} µs per request)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["asgi", "http"], help="one of the two measurements")
    parser.add_argument("--requests", type=int, default=5000, help="per in-process round and variant")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--http-seconds", type=float, default=3.0, help="per HTTP round and variant")
    parser.add_argument("--concurrency", type=int, default=8, help="HTTP connections")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        embedded = start_embedded(Path(tmp) / "embedded")
        try:
            if args.only != "http":
                in_process(embedded, Path(tmp), args.requests, args.rounds)
            if args.only != "asgi":
                over_http(embedded, Path(tmp), args)
        finally:
            embedded.stop()


def in_process(embedded: EmbeddedServices, tmp: Path, requests: int, rounds: int) -> None:
    settings = Settings(
        mode="development",
        data_dir=tmp,
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
    handler = logging.FileHandler(tmp / "access.log")  # production writes a line per request
    handler.setFormatter(formatter_for(settings))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("gongkai.web").setLevel(logging.WARNING)
    app = create_app(settings, endpoints)
    asyncio.run(run(app, requests, rounds))


async def run(app: Starlette, requests: int, rounds: int) -> None:
    await layer_cost(requests * 4, rounds)
    async with app.router.lifespan_context(app):
        await measure(app, requests, rounds)
    with contextlib.suppress(Exception):
        logging.getLogger().handlers[-1].close()


# --- over HTTP -------------------------------------------------------------------------------------

VARIANTS = {"without": ("--without-observation",), "observed": ()}


def over_http(embedded: EmbeddedServices, tmp: Path, args: argparse.Namespace) -> None:
    """Both servers at once (the same machine load for both), measured in alternating order."""
    env = {
        "GONGKAI_MODE": "development",
        "GONGKAI_DEMO_DATA": "false",
        "GONGKAI_SECRET_KEY": "bench-" + "k" * 40,
        "GONGKAI_MONGO_URL": embedded.mongo_url,
        "GONGKAI_S3_ENDPOINT": embedded.s3_endpoint,
        "GONGKAI_S3_ACCESS_KEY": embedded.s3_access_key,
        "GONGKAI_S3_SECRET_KEY": embedded.s3_secret_key,
        # No job rounds while measuring: only one of the two servers holds the jobs lease, and its
        # rounds every 10 s were counted against its requests (the idle rate, taken over 3 s, missed them).
        "GONGKAI_JOB_TICK_SECONDS": "3600",
    }
    ports = {name: free_port() for name in VARIANTS}
    with contextlib.ExitStack() as stack:
        pids = {}
        for name, flags in VARIANTS.items():
            data = tmp / f"http-{name}"
            data.mkdir()
            own = {**env, "GONGKAI_DATA_DIR": str(data)}
            log = tmp / f"{name}.log"
            pids[name] = stack.enter_context(server("bench.server", ports[name], own, log, "/readyz", *flags))
        asyncio.run(measure_http(ports, pids, args))


async def measure_http(ports: dict[str, int], pids: dict[str, int], args: argparse.Namespace) -> None:
    path = "/graphql?" + QUERY
    for port in ports.values():
        async with Connection(port) as connection:
            assert (await connection.get(path)).status == 200  # fills that server's cache
    idle = await idle_rates(pids)
    step = get_step(lambda _: path)
    rates: dict[str, list[float]] = {name: [] for name in ports}
    cpu: dict[str, list[float]] = {name: [] for name in ports}
    for round_ in range(args.rounds):
        order = list(ports) if round_ % 2 == 0 else list(reversed(ports))  # cancels drift
        for name in order:
            pid = pids[name]
            done = await drive(
                ports[name],
                step,
                concurrency=args.concurrency,
                duration=args.http_seconds,
                warmup=0.5,
                meters=[functools.partial(cpu_seconds, pid)],
            )
            if done.errors:
                raise RuntimeError(f"{name}: {done.errors} failed requests")
            rates[name].append(done.rate)
            busy = (done.metered[0] or 0.0) - idle[name] * done.seconds  # less its background polls
            cpu[name].append(busy / max(done.operations, 1))
    await report_http(ports, rates, cpu, args)


async def idle_rates(pids: dict[str, int], seconds: float = 3.0) -> dict[str, float]:
    """CPU seconds per second each server spends without requests (change-stream polls, job ticks)."""
    before = {name: cpu_seconds(pid) or 0.0 for name, pid in pids.items()}
    await asyncio.sleep(seconds)
    return {name: ((cpu_seconds(pid) or 0.0) - before[name]) / seconds for name, pid in pids.items()}


async def report_http(
    ports: dict[str, int],
    rates: dict[str, list[float]],
    cpu: dict[str, list[float]],
    args: argparse.Namespace,
) -> None:
    base_rate, base_cpu = statistics.median(rates["without"]), statistics.median(cpu["without"])
    print(
        f"over HTTP (uvicorn, 1 worker, {args.concurrency} keep-alive connections), cached GET,"
        f" median of {args.rounds} alternating rounds of {args.http_seconds:g} s"
        " (server CPU: the serving process's, less what it spends idle):"
    )
    for name in ports:
        rate, per = statistics.median(rates[name]), statistics.median(cpu[name])
        print(
            f"  {name:9} {rate:8,.0f}/s  throughput {100 * (rate / base_rate - 1):+5.1f} %"
            f"  server CPU {per * 1e6:6.1f} µs/request  {100 * (per / base_cpu - 1):+5.1f} %"
        )
    for name, port in ports.items():  # every measured request was a hit (the cache's own counter)
        async with Connection(port) as connection:
            metrics = (await connection.get("/metrics")).body.decode()
        hits = next(
            line.rsplit(" ", 1)[1]
            for line in metrics.splitlines()
            if line.startswith('gongkai_response_cache_requests_total{result="hit"}')
        )
        print(f"  {name:9} response-cache hits: {float(hits):,.0f}")


if __name__ == "__main__":
    main()
