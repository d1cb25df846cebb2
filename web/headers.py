"""Headers on every answer, the Host check, and the content security policies of the HTML pages.

``SecurityHeaders`` wraps the whole application, outside Starlette's own error handling, so 404s, 405s
and 500s get ``X-Content-Type-Options: nosniff`` like everything else. When attachment URLs are built
from the request (no ``GONGKAI_PUBLIC_BASE_URL``), it also refuses a Host that is not allowed before
anything else runs: such a Host would otherwise end up in answers that caches keep for everyone.

The admin app (``/admin``), the reading-room terminal (``/reading-room``) and GraphiQL (``GET /graphql``
from a browser) are the only HTML this server sends; each gets a ``Content-Security-Policy`` that allows what they load and nothing more, and may not
be framed (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.facts import note_error

NOSNIFF = (b"x-content-type-options", b"nosniff")
INVALID_HOST = orjson.dumps(
    {
        "errors": [
            {
                "message": "不接受该 Host 请求头：请通过本服务配置的地址访问。",
                "extensions": {"code": "INVALID_HOST"},
            }
        ]
    }
)
_INVALID_HOST_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(INVALID_HOST)).encode("latin-1")),
    (b"cache-control", b"private, no-store"),
]  # nosniff is added by the wrapper, like on every answer
FRAMING = {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def host_name(header: bytes) -> str:
    """The name in a Host header (``name[:port]``, ``[v6]:port``), lower-cased; "" when malformed."""
    host = header.decode("latin-1").strip().lower()
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return ""
        name, rest = host[: end + 1], host[end + 1 :]
    else:
        name, colon, port = host.partition(":")
        rest = colon + port
    if rest and not (rest[0] == ":" and rest[1:].isascii() and rest[1:].isdigit()):
        return ""
    return name


class SecurityHeaders:
    """Pure ASGI (a ``BaseHTTPMiddleware`` would cost a task per request on the cached GET path)."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: Iterable[str] | None) -> None:
        self.app = app
        self.allowed_hosts = frozenset(allowed_hosts) if allowed_hosts is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), NOSNIFF]
            await send(message)

        if self.allowed_hosts is not None and not self.host_allowed(scope):
            await refuse_host(send_nosniff)
        else:
            await self.app(scope, receive, send_nosniff)

    def host_allowed(self, scope: Scope) -> bool:
        assert self.allowed_hosts is not None
        for name, value in scope["headers"]:
            if name == b"host":
                return host_name(value) in self.allowed_hosts
        return True  # HTTP/1.0 without Host: Starlette falls back to the server's own address


async def refuse_host(send: Send) -> None:
    """400 ``INVALID_HOST``, through ``send`` of the caller (which adds the headers of every answer)."""
    note_error("INVALID_HOST")
    await send({"type": "http.response.start", "status": 400, "headers": _INVALID_HOST_HEADERS})
    await send({"type": "http.response.body", "body": INVALID_HOST})


class WithHeaders:
    """Adds fixed headers to every answer of one mounted app (the admin app's policy)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with)


def _policy(directives: dict[str, Iterable[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def admin_headers(*, upload_origin: str | None, file_origin: str | None) -> dict[str, str]:
    """The built Vue app loads only its own hashed scripts and stylesheets from /admin/assets; it
    talks to /graphql and PUTs attachments to the browser-facing object store (presigned URLs) or to
    this server, and shows thumbnails from the public base URL when one is set. Element Plus and Vue's
    static content set ``style`` attributes, hence ``'unsafe-inline'`` for styles (never for scripts).
    The upload hashes files with hash-wasm, a WebAssembly module: ``'wasm-unsafe-eval'`` lets the page
    compile WebAssembly, and nothing else (no eval of JavaScript)."""
    images = ["'self'", "data:", "blob:", *([file_origin] if file_origin else [])]
    policy = _policy(
        {
            "default-src": ["'self'"],
            "script-src": ["'self'", "'wasm-unsafe-eval'"],
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": images,
            "font-src": ["'self'", "data:"],
            "connect-src": ["'self'", *([upload_origin] if upload_origin else [])],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        }
    )
    return {"Content-Security-Policy": policy, **FRAMING}


def reading_room_headers(*, file_origin: str | None) -> dict[str, str]:
    """The terminal runs only its own hashed scripts, reads /graphql and its configuration, and shows
    attachment images and thumbnails (from the public base URL when one is set). PDFs are read by
    pdf.js in a worker script of the app's own (``worker-src 'self'``), which fetches the file from
    where attachments are delivered. It loads nothing from elsewhere (no WebAssembly, no eval) and may
    not be framed: a kiosk must not be turned into a window on another site."""
    files = [file_origin] if file_origin else []
    policy = _policy(
        {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "worker-src": ["'self'"],
            "style-src": ["'self'", "'unsafe-inline'"],  # Vue's style bindings
            "img-src": ["'self'", "data:", *files],
            "font-src": ["'self'"],
            "connect-src": ["'self'", *files],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'none'"],
            "frame-ancestors": ["'none'"],
        }
    )
    return {"Content-Security-Policy": policy, **FRAMING}


_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"((?:https://|/)[^\"]+)\"", re.S)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_STYLESHEET = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"((?:https://|/)[^\"]+)\"", re.S)


def graphiql_headers(html: str) -> dict[str, str]:
    """The policy of the GraphiQL page, read from the page itself: its scripts and stylesheets (served
    by this server since #16, so ``'self'``; CDN ones by their exact URLs; all carry integrity hashes),
    its one inline script by its sha256, fonts from CDN stylesheets, and requests to /graphql only."""
    scripts = _sources(_EXTERNAL_SCRIPT.findall(html))
    inline = [_sha256_source(body) for body in _INLINE_SCRIPT.findall(html)]
    stylesheets = _STYLESHEET.findall(html)
    font_origins = sorted({origin_of(url) for url in stylesheets if url.startswith("https://")})
    policy = _policy(
        {
            "default-src": ["'none'"],
            "script-src": [*scripts, *inline],
            "style-src": ["'unsafe-inline'", *_sources(stylesheets)],  # the page's <style> and editor styles
            "font-src": [*font_origins, "data:"],
            "img-src": ["'self'", "data:"],
            "connect-src": ["'self'"],
            "base-uri": ["'none'"],
            "form-action": ["'none'"],
            "frame-ancestors": ["'none'"],
        }
    )
    return {"Content-Security-Policy": policy, **FRAMING}


def _sources(urls: list[str]) -> list[str]:
    """CSP sources for URLs: same-origin paths as ``'self'`` (a source cannot name a path alone)."""
    found = ["'self'" if url.startswith("/") else url for url in urls]
    return list(dict.fromkeys(found))


def _sha256_source(body: str) -> str:
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
