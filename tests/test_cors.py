"""CORS (``GONGKAI_CORS_ORIGINS``): preflights answered, listed origins with staff tokens, ``*`` for
anonymous reads only, nothing by default; and the same from real pages on other origins in Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from cms.services import Endpoints
from cms.settings import Settings
from web.app import create_app
from web.cors import Cors

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
PORTAL = "https://www.example.gov.cn"
READ = "{ catalog(first: 1) { totalCount } }"


def preflight(origin: str, method: str = "POST", headers: str = "content-type") -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": method,
        "access-control-request-headers": headers,
    }


@pytest.fixture(scope="module")
async def cors_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The session's app behind the policy ``[PORTAL, "*"]``."""
    transport = httpx.ASGITransport(app=Cors(app, origins=[PORTAL, "*"]))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# -- the setting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ('["https://www.example.gov.cn"]', ["https://www.example.gov.cn"]),
        ('["http://127.0.0.1:8080/", "*"]', ["http://127.0.0.1:8080", "*"]),
        ("[]", []),
    ],
    ids=["origin", "trailing-slash-and-any", "none"],
)
def test_origins_setting_is_a_json_list(monkeypatch: pytest.MonkeyPatch, given: str, kept: list[str]) -> None:
    monkeypatch.setenv("GONGKAI_CORS_ORIGINS", given)
    assert Settings().cors_origins == kept


@pytest.mark.parametrize(
    "origin",
    [
        "www.example.gov.cn",
        "https://www.example.gov.cn/zwgk",
        "ftp://example.gov.cn",
        "https://WWW.example.gov.cn",
    ],
    ids=["no-scheme", "path", "scheme", "upper-case"],
)
def test_origins_setting_refuses_what_browsers_never_send(origin: str) -> None:
    with pytest.raises(ValidationError, match="GONGKAI_CORS_ORIGINS must list origins"):
        Settings(cors_origins=[origin])


def test_no_origin_is_allowed_by_default() -> None:
    assert Settings().cors_origins == []


# -- default: nothing allowed ---------------------------------------------------------------------


async def test_by_default_a_preflight_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.options("/graphql", headers=preflight(PORTAL))
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CORS_NOT_ALLOWED"
    assert "access-control-allow-origin" not in response.headers


async def test_by_default_a_cross_origin_read_is_not_marked(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": READ}, headers={"origin": PORTAL})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_the_setting_reaches_the_app(endpoints: Endpoints) -> None:
    # given an app built from settings that list the portal (preflights need no services)
    app = create_app(Settings(cors_origins=[PORTAL], allowed_hosts=["testserver"]), endpoints)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        # when the portal's page asks before sending a token
        response = await http.options("/graphql", headers=preflight(PORTAL, headers="authorization"))
    # then it may
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert response.headers["x-content-type-options"] == "nosniff"


# -- preflights -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "asked", "allow_origin", "credentials"),
    [
        (PORTAL, "content-type, authorization", PORTAL, "true"),
        (PORTAL, "content-type", PORTAL, "true"),
        ("https://other.example.com", "content-type", "*", None),
        ("https://other.example.com", "Content-Type, apollographql-client-name", "*", None),
    ],
    ids=["listed-with-token", "listed-anonymous", "any-anonymous", "any-apollo-headers"],
)
async def test_preflight_is_answered(
    cors_client: httpx.AsyncClient, origin: str, asked: str, allow_origin: str, credentials: str | None
) -> None:
    response = await cors_client.options("/graphql", headers=preflight(origin, headers=asked))
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == allow_origin
    assert response.headers.get("access-control-allow-credentials") == credentials
    assert response.headers["access-control-allow-methods"] == "GET, POST"
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize(
    ("origin", "method", "asked"),
    [
        ("https://other.example.com", "POST", "content-type, authorization"),
        (PORTAL, "DELETE", "content-type"),
        (PORTAL, "POST", "x-unknown"),
    ],
    ids=["token-from-any-origin", "method", "unknown-header"],
)
async def test_preflight_is_refused(
    cors_client: httpx.AsyncClient, origin: str, method: str, asked: str
) -> None:
    response = await cors_client.options("/graphql", headers=preflight(origin, method, asked))
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CORS_NOT_ALLOWED"
    assert "access-control-allow-origin" not in response.headers


async def test_listed_origin_reads_with_credentials(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.get("/graphql", params={"query": READ}, headers={"origin": PORTAL})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert response.headers["access-control-allow-credentials"] == "true"
    assert (
        response.headers["access-control-expose-headers"]
        == "ETag, Content-Disposition, Content-Range, Accept-Ranges"
    )
    # the GraphQL answer's own Vary is kept, Origin added to it
    assert response.headers["vary"] == "Accept, Authorization, Origin"


async def test_any_origin_reads_anonymously(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.get(
        "/graphql", params={"query": READ}, headers={"origin": "https://x.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


async def test_admin_app_takes_no_part(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options("/admin/", headers=preflight(PORTAL))
    assert "access-control-allow-origin" not in response.headers


# -- from real pages in Chromium ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[int]:
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)  # polling the server's start, not waiting for time to pass
    assert server.started, "a test HTTP server did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def _blank(request: Any) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>portal</title>")


@pytest.fixture
def node() -> str:
    """Node with playwright-core and Chromium: missing tools fail the test, never skip it."""
    found = shutil.which("node")
    assert found is not None, "node is not installed: this test drives Chromium with playwright-core"
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install -y chromium)"
    assert (ROOT / "admin-ui" / "node_modules" / "playwright-core").is_dir(), "npm ci in admin-ui"
    return found


async def test_pages_on_other_origins_in_chromium(app: Starlette, node: str) -> None:
    portal = Starlette(routes=[Route("/", _blank)])
    async with serving(portal) as page_port:
        listed = f"http://127.0.0.1:{page_port}"
        anyone = f"http://localhost:{page_port}"  # the same server by another name: another origin
        async with serving(Cors(app, origins=[listed, "*"])) as api_port:
            # given a portal page on a listed origin and one on any other origin
            process = await asyncio.create_subprocess_exec(
                node,
                str(HERE / "browser" / "cors.mjs"),
                f"http://127.0.0.1:{api_port}",
                f"{listed}/",
                f"{anyone}/",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            # when each reads anonymously, logs in and reads with the staff token
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    lines = [line for line in stdout.decode().splitlines() if line.startswith("RESULT ")]
    assert process.returncode == 0, stderr.decode()
    assert lines, stderr.decode()
    results = json.loads(lines[-1][len("RESULT ") :])
    # then both read anonymously (POST with a preflight, and a cacheable GET with its ETag)
    for origin in (listed, anyone):
        assert results[origin]["read"]["status"] == 200
        assert results[origin]["read"]["body"]["data"]["catalog"]["totalCount"] > 0
        assert results[origin]["cachedRead"]["etag"]
    # and only the listed origin may send the token
    assert results[listed]["me"]["body"]["data"]["me"]["user"]["username"] == "demo-officer"
    assert results[anyone]["me"] == {"failed": "TypeError"}
