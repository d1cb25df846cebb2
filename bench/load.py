"""A small, bounded load driver: N keep-alive HTTP/1.1 connections on asyncio, for a fixed duration.

Written on bare asyncio streams instead of httpx because httpx's per-request overhead (~0.3 ms of client
CPU) would cap the measured rate well below what a cached endpoint serves on the same two cores; the
driver must not be the bottleneck it measures. Loopback only, every loop ends at its deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import orjson

HOST = "127.0.0.1"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return orjson.loads(self.body)


class Connection:
    """One keep-alive connection; requests on it are sequential."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Connection:
        await self._open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close()

    async def send(self, raw: bytes) -> Reply:
        """One request; a connection the server closed while idle is reopened once."""
        try:
            return await self._exchange(raw)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self._close()
            await self._open()
            return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> Reply:
        assert self._reader is not None
        assert self._writer is not None
        self._writer.write(raw)
        return await _read_reply(self._reader)

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(HOST, self.port)

    async def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return await self.send(request("GET", path, headers=headers))

    async def post_json(self, path: str, payload: object, headers: dict[str, str] | None = None) -> Reply:
        return await self.send(request("POST", path, orjson.dumps(payload), headers))


def request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Accept: application/graphql-response+json"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if method != "GET":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def graphql_get(query: str, variables: dict[str, object] | None = None) -> str:
    params = {"query": query}
    if variables is not None:
        params["variables"] = orjson.dumps(variables).decode()
    return "/graphql?" + urlencode(params)


async def _read_reply(reader: asyncio.StreamReader) -> Reply:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Reply(status, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


@dataclass
class Run:
    """What one scenario measured."""

    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, one per completed operation
    errors: int = 0
    operations: int = 0  # completed operations (requests, or transitions for write loops)
    metered: list[float | None] = field(default_factory=list)  # each meter's increase over the window

    @property
    def rate(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# One unit of work on a connection: the latencies of the operations it completed, and whether all went well.
Step = Callable[[Connection, int], Awaitable[tuple[list[float], bool]]]
Meter = Callable[[], float | None]


async def drive(
    port: int,
    step: Step,
    *,
    concurrency: int,
    duration: float,
    warmup: float = 0.0,
    meters: Sequence[Meter] = (),
    min_operations: int = 1,
    max_seconds: float = 0.0,
) -> Run:
    """Run ``step`` in a loop on ``concurrency`` connections for ``warmup`` + ``duration`` seconds, longer
    (up to ``max_seconds``) while fewer than ``min_operations`` were measured: slow scenarios still get
    a few samples, and every loop still ends by itself.

    Operations started during the warm-up are not counted; ``meters`` (e.g. a process's CPU seconds) are
    read when the warm-up ends and once every connection has finished its last operation.
    """
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + warmup
    deadline = measure_from + duration
    last_call = measure_from + max(duration, max_seconds)
    run = Run(seconds=duration)
    counter = iter(range(1 << 62))
    before: list[float | None] = []

    async def start_metering() -> None:
        await asyncio.sleep(warmup)
        before.extend(meter() for meter in meters)

    async def worker() -> None:
        async with Connection(port) as connection:
            while (now := loop.time()) < deadline or (run.operations < min_operations and now < last_call):
                latencies, ok = await step(connection, next(counter))
                if now < measure_from:
                    continue
                run.latencies.extend(latencies)
                run.operations += len(latencies)
                run.errors += 0 if ok else 1

    metering = asyncio.create_task(start_metering())
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await metering
    run.seconds = loop.time() - measure_from
    after = [meter() for meter in meters]
    run.metered = [None if a is None or b is None else b - a for a, b in zip(before, after, strict=True)]
    return run


def get_step(path_for: Callable[[int], str], expect: int = 200) -> Step:
    async def step(connection: Connection, n: int) -> tuple[list[float], bool]:
        began = time.perf_counter()
        reply = await connection.get(path_for(n))
        return [time.perf_counter() - began], reply.status == expect and b'"errors"' not in reply.body

    return step


async def timed(work: Awaitable[Reply]) -> tuple[float, Reply]:
    began = time.perf_counter()
    reply = await work
    return time.perf_counter() - began, reply
