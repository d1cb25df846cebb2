"""Serves the built admin web app (admin-ui/dist) under /admin, with index.html for client-side routes.

The app is a static single-page application that talks only to /graphql. When it has not been built
(``scripts/serve`` builds it when npm is available), /admin answers 503 with a Chinese explanation.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

DIST = Path(__file__).resolve().parents[1] / "admin-ui" / "dist"

NOT_FOUND = "未找到该页面。"
# Longer names than any file system takes (255 bytes a name, 1024 a path) can only be probes.
MAX_PATH_LENGTH = 1024
MAX_NAME_LENGTH = 255

NOT_BUILT = "管理后台尚未构建：请安装 Node.js 和 npm 后运行 scripts/serve（或在 admin-ui 目录中执行 npm ci && npm run build）。"


def _acceptable(relative: str) -> bool:
    """Whether a path may be looked up at all: the file system raises on NUL and over-long names."""
    if len(relative) > MAX_PATH_LENGTH or any(ord(c) < 32 or c == "\\" for c in relative):
        return False
    names = relative.split("/")
    return all(len(n.encode()) <= MAX_NAME_LENGTH and n != ".." for n in names)


def _route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette keeps the full path and adds the prefix to root_path)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class AdminApp:
    """An ASGI app for ``Mount("/admin", AdminApp())``: files from dist, else index.html."""

    def __init__(self, dist: Path = DIST, *, not_built: str = NOT_BUILT) -> None:
        self.dist = dist
        self.not_built = not_built  # the reading-room app (web/reading_room.py) says its own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = self.respond(request)
        await response(scope, receive, send)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("不支持该请求方法。", status_code=405, headers={"Allow": "GET, HEAD"})
        relative = _route_path(request.scope).lstrip("/")
        if not _acceptable(relative):
            return PlainTextResponse(NOT_FOUND, status_code=404)
        index = self.dist / "index.html"
        if not index.is_file():
            return PlainTextResponse(self.not_built, status_code=503)
        root = self.dist.resolve()
        if relative:
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and _is_file(candidate):
                # hashed build outputs never change; everything else is revalidated
                immutable = candidate.parent == root / "assets"
                cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
            # build outputs (and the reading room's pdf.js data) are files: a missing one is not a route
            if relative.startswith(("assets/", "pdfjs/")):
                return PlainTextResponse("未找到该文件。", status_code=404)
        return FileResponse(index, headers={"Cache-Control": "no-cache"}, media_type="text/html")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name the file system refuses is a file that is not there
        return False
