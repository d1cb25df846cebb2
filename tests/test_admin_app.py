"""The admin app's static files: odd paths (NUL, .., over-long names) are files that are not there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from web.admin import AdminApp

NOT_FOUND = "未找到该页面。"


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "index.html").write_text("<html>后台</html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log(1)")
    app = Starlette(routes=[Mount("/admin", app=AdminApp(tmp_path))])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/admin/%00", id="nul"),
        pytest.param("/admin/assets/%00.js", id="nul-asset"),
        pytest.param("/admin/items/%01x", id="control-character"),
        pytest.param("/admin/assets/%2e%2e/%2e%2e/pyproject.toml", id="dot-dot"),
        pytest.param("/admin/assets/..%2findex.html", id="encoded-slash-dot-dot"),
        pytest.param("/admin/%5c..%5cindex.html", id="backslash"),
        pytest.param("/admin/" + "a" * 256, id="name-over-255"),
        pytest.param("/admin/assets/" + "b" * 300 + ".js", id="asset-name-over-255"),
        pytest.param("/admin/" + "c/" * 600, id="path-over-1024"),
    ],
)
async def test_odd_paths_are_not_found(admin, path):
    response = await admin.get(path)

    assert (response.status_code, response.text) == (404, NOT_FOUND)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/admin/assets/app-1a2b.js", "console.log(1)", id="asset"),
        pytest.param("/admin/items/Q2F0YWxvZ0VudHJ5OjE=", "<html>后台</html>", id="client-route"),
        pytest.param("/admin/", "<html>后台</html>", id="root"),
    ],
)
async def test_ordinary_paths_still_answer(admin, path, body):
    response = await admin.get(path)

    assert (response.status_code, response.text) == (200, body)


async def test_odd_path_through_the_whole_app_is_not_found(client):
    response = await client.get("/admin/assets/%00.js")

    assert (response.status_code, response.text) == (404, NOT_FOUND)
