"""GraphiQL without the internet: strawberry's page with its CDN files served by this server.

Strawberry's page loads React, GraphiQL and the explorer plugin from unpkg, so on an intranet it stays
on "Loading…". ``graphiql/ensure-built.sh`` (run by scripts/serve and scripts/test) copies the same
files from pinned npm packages into ``graphiql/dist/<package>@<version>/<path>``; the page is rewritten
to load them from ``/graphiql-assets/…`` with their integrity hashes kept, so the browser still checks
that they are byte for byte the files strawberry names. When a file is missing (not built, or a
strawberry upgrade names other versions), GraphiQL answers 503 saying what to run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.http.ides import get_graphql_ide_html

DIST = Path(__file__).resolve().parents[1] / "graphiql" / "dist"
PREFIX = "/graphiql-assets/"
_CDN_URL = re.compile(
    r"https://unpkg\.com/((?:@[a-z0-9-]+/)?[a-z0-9.-]+@[0-9][0-9A-Za-z.-]*/[A-Za-z0-9._/-]+)"
)
NOT_BUILT = "GraphiQL 的静态文件尚未构建：请安装 Node.js 和 npm 后运行 graphiql/ensure-built.sh（scripts/serve 会自动运行）。"


@dataclass(frozen=True)
class OfflinePage:
    html: str
    files: dict[str, Path]  # the asset paths the page names, and where they are
    missing: tuple[str, ...]  # those not in dist


def offline_page(html: str | None = None, dist: Path = DIST) -> OfflinePage:
    """Strawberry's page with every unpkg URL pointing at the same file under /graphiql-assets."""
    page = get_graphql_ide_html() if html is None else html
    files = {path: dist / path for path in _CDN_URL.findall(page)}
    missing = tuple(path for path, file in files.items() if not file.is_file())
    return OfflinePage(_CDN_URL.sub(lambda m: PREFIX + m.group(1), page), files, missing)


def page_response(page: OfflinePage, headers: dict[str, str]) -> Response:
    if page.missing:
        return PlainTextResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
    return HTMLResponse(page.html, headers=headers)


class GraphiQLAssets:
    """``Mount("/graphiql-assets", GraphiQLAssets())``: only the files the page names, immutable
    (their URLs carry the package version)."""

    def __init__(self, page: OfflinePage) -> None:
        self.files = page.files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = self.respond(request)
        await response(scope, receive, send)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("不支持该请求方法。", status_code=405, headers={"Allow": "GET, HEAD"})
        file = self.files.get(request.url.path.removeprefix(PREFIX))
        if file is None or not file.is_file():
            return PlainTextResponse("未找到该文件。", status_code=404)
        return FileResponse(file, headers={"Cache-Control": "public, max-age=31536000, immutable"})
