"""Faults of the backing services answer fast and with a stable code, never a plain-text 500.

Every HTTP request runs under one database deadline (``GONGKAI_MONGO_TIMEOUT_SECONDS``: every command
and its retries together); the object store bounds its own calls (storage/objectstore.py). When the
database or the object store is unreachable or silent, the request answers 503 with
``DATABASE_UNAVAILABLE`` or ``STORAGE_UNAVAILABLE`` and ``Retry-After``: GraphQL, ``/files`` and
``/thumbnails`` alike. A download whose source fails after its first bytes were sent cannot change
its status any more: the error propagates and the server aborts the connection, so the client sees
an error, never a short file that looks complete.
"""

from __future__ import annotations

import logging

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.attachments.service import StorageUnavailable
from cms.errors import DatabaseUnavailable, DomainError
from storage.mongo import is_unavailable, operation_budget
from storage.objectstore import ObjectStoreUnavailable

log = logging.getLogger("gongkai.faults")

RETRY_AFTER = "5"  # seconds: long enough for a restarted service, short enough not to lose readers
_MAX_CAUSES = 8  # how far down a chain of causes to look


def fault_of(exc: BaseException | None) -> DomainError | None:
    """The unavailable service behind ``exc`` (itself or one of its causes), or None."""
    for _ in range(_MAX_CAUSES):
        if exc is None:
            return None
        if isinstance(exc, StorageUnavailable | ObjectStoreUnavailable):
            return StorageUnavailable()
        if isinstance(exc, DatabaseUnavailable) or is_unavailable(exc):
            return DatabaseUnavailable()
        exc = exc.__cause__ or exc.__context__
    return None


def unavailable_body(faults: list[DomainError]) -> bytes:
    errors = [{"message": fault.message, "extensions": {"code": fault.code}} for fault in faults]
    return orjson.dumps({"errors": errors})


UNAVAILABLE_HEADERS = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"private, no-store"),
    (b"retry-after", RETRY_AFTER.encode()),
]


class Faults:
    """ASGI middleware: the request's database deadline, and 503 for a fault that escapes a route.

    It sits inside Starlette's error middleware, so a fault reaches it before it could become a
    plain 500; anything else passes through unchanged."""

    def __init__(self, app: ASGIApp, *, database_budget: float) -> None:
        self.app = app
        self.database_budget = database_budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            with operation_budget(self.database_budget):
                await self.app(scope, receive, tracking)
        except Exception as exc:
            fault = fault_of(exc)
            if fault is None or started:
                raise  # mid-stream: the server aborts the connection
            log.warning("%s %s: %s (%s)", scope.get("method"), scope.get("path"), fault.code, exc)
            await _send_unavailable(send, fault)


async def _send_unavailable(send: Send, fault: DomainError) -> None:
    body = unavailable_body([fault])
    headers = [*UNAVAILABLE_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
