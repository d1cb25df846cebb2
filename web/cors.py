"""Cross-origin reads for portals and apps on other origins (``GONGKAI_CORS_ORIGINS``).

Pure ASGI, outside Starlette's error handling like ``SecurityHeaders`` (so a 500 still reaches the
calling page as a 500, not as an opaque network error). Only the public API paths take part:
``/graphql``, attachment files and thumbnails; the admin app is same-origin only.

Listed origins may send credentials (the ``Authorization`` header carrying a staff token, and
``Access-Control-Allow-Credentials: true``). ``*`` in the list lets any other origin read anonymously:
the answer says ``Access-Control-Allow-Origin: *`` and a preflight asking to send ``Authorization``
is refused, so a foreign page can never act with a staff member's token. Nothing is allowed by default.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ANY_ORIGIN = "*"
CORS_PATHS = ("/graphql", "/files/", "/thumbnails/")
ALLOWED_METHODS = frozenset({"GET", "POST"})
# Headers a front end may send: content negotiation, revalidation, ranges of files, and what Apollo
# Client and urql add. ``authorization`` only from listed origins.
ANONYMOUS_HEADERS = frozenset(
    {
        "accept",
        "content-type",
        "if-none-match",
        "range",
        "apollo-require-preflight",
        "apollographql-client-name",
        "apollographql-client-version",
        "x-apollo-operation-name",
    }
)
CREDENTIAL_HEADERS = ANONYMOUS_HEADERS | {"authorization"}
# Readable by the page besides the CORS-safelisted ones: revalidation with ETags, file downloads.
EXPOSED = b"ETag, Content-Disposition, Content-Range, Accept-Ranges"
PREFLIGHT_MAX_AGE = b"600"
REFUSED = orjson.dumps(
    {
        "errors": [
            {
                "message": "不允许该来源跨域访问：请联系管理员将其加入 GONGKAI_CORS_ORIGINS。",
                "extensions": {"code": "CORS_NOT_ALLOWED"},
            }
        ]
    }
)


class Cors:
    """Answers preflights on the API paths and marks the answers to allowed origins."""

    def __init__(self, app: ASGIApp, *, origins: Iterable[str]) -> None:
        self.app = app
        listed = frozenset(origins)
        self.any_origin = ANY_ORIGIN in listed
        self.credentialed = listed - {ANY_ORIGIN}
        self.enabled = bool(listed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(CORS_PATHS):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        origin = headers.get(b"origin")
        if (
            scope["method"] == "OPTIONS"
            and origin is not None
            and b"access-control-request-method" in headers
        ):
            await self._preflight(origin.decode("latin-1"), headers, send)
            return
        extra = self._response_headers(origin.decode("latin-1") if origin is not None else None)
        if not extra and not self.enabled:
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_vary_origin([*message.get("headers", ()), *extra])
            await send(message)

        await self.app(scope, receive, send_marked)

    def _response_headers(self, origin: str | None) -> list[tuple[bytes, bytes]]:
        if origin is None:
            return []
        if origin in self.credentialed:
            return [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", EXPOSED),
            ]
        if self.any_origin:
            return [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", EXPOSED)]
        return []

    async def _preflight(self, origin: str, headers: dict[bytes, bytes], send: Send) -> None:
        method = headers[b"access-control-request-method"].decode("latin-1").strip().upper()
        asked = {
            name.strip().lower()
            for name in headers.get(b"access-control-request-headers", b"").decode("latin-1").split(",")
            if name.strip()
        }
        allowed = CREDENTIAL_HEADERS if origin in self.credentialed else ANONYMOUS_HEADERS
        answer = self._response_headers(origin)
        if not answer or method not in ALLOWED_METHODS or not asked <= allowed:
            await _send(send, 403, [(b"content-type", b"application/json")], REFUSED)
            return
        answer += [
            (b"access-control-allow-methods", b"GET, POST"),
            (b"access-control-allow-headers", ", ".join(sorted(allowed)).encode("latin-1")),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE),
            (b"cache-control", b"no-store"),
        ]
        await _send(send, 204, answer, b"")


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name: value for name, value in scope["headers"]}


def _with_vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The answer depends on Origin (shared caches must keep one per origin): merged into any Vary."""
    for i, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            headers[i] = (name, value + b", Origin")
            return headers
    return [*headers, (b"vary", b"Origin")]


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = _with_vary_origin([*headers, (b"content-length", str(len(body)).encode("latin-1"))])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
