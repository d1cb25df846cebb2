"""Serves the built admin web app (admin-ui/dist) under /admin, with index.html for client-side routes.

The app is a static single-page application that talks only to /graphql. When it has not been built
(``scripts/serve`` builds it when npm is available), /admin answers 503 with a Chinese explanation.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

DIST = Path(__file__).resolve().parents[2] / "admin-ui" / "dist"

NOT_BUILT = "管理后台尚未构建：请安装 Node.js 和 npm 后运行 scripts/serve（或在 admin-ui 目录中执行 npm ci && npm run build）。"


def _route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette keeps the full path and adds the prefix to root_path)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class AdminApp:
    """An ASGI app for ``Mount("/admin", AdminApp())``: files from dist, else index.html."""

    def __init__(self, dist: Path = DIST) -> None:
        self.dist = dist

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = self.respond(request)
        await response(scope, receive, send)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("不支持该请求方法。", status_code=405, headers={"Allow": "GET, HEAD"})
        index = self.dist / "index.html"
        if not index.is_file():
            return PlainTextResponse(NOT_BUILT, status_code=503)
        relative = _route_path(request.scope).lstrip("/")
        root = self.dist.resolve()
        if relative:
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                # hashed build outputs never change; everything else is revalidated
                immutable = candidate.parent == root / "assets"
                cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
            if relative.startswith("assets/"):
                return PlainTextResponse("未找到该文件。", status_code=404)
        return FileResponse(index, headers={"Cache-Control": "no-cache"}, media_type="text/html")
