"""The reading-room terminal (reading-room/dist) under /reading-room, and each terminal's configuration.

The app is static and anonymous: it reads only the public GraphQL API (GET, persisted queries) and
``/reading-room/terminal.json?terminal=ID``, its per-terminal settings (cms/reading_room/terminals.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cms.reading_room.terminals import TerminalConfig, public_view, terminal_config
from web.admin import AdminApp

DIST = Path(__file__).resolve().parents[1] / "reading-room" / "dist"
NOT_BUILT = (
    "查阅终端尚未构建：请安装 Node.js 和 npm 后运行 scripts/serve"
    "（或在 reading-room 目录中执行 npm ci && npm run build）。"
)


def reading_room_app(dist: Path = DIST) -> AdminApp:
    """Files from the build, else index.html (client-side routes), like the admin app."""
    return AdminApp(dist, not_built=NOT_BUILT)


def terminal_endpoint(
    terminals: dict[str, TerminalConfig], *, max_age: int
) -> Callable[[Request], Awaitable[Response]]:
    async def terminal(request: Request) -> Response:
        found, config = terminal_config(terminals, request.query_params.get("terminal"))
        # Terminals refetch it at start-up and after each idle reset; a short max-age lets a changed
        # configuration reach them without a restart, and lets a CDN absorb a hall full of them.
        return JSONResponse(
            public_view(found, config),
            headers={"Cache-Control": f"public, max-age={max_age}", "Vary": "Accept"},
        )

    return terminal
