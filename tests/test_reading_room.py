"""The reading-room terminal's server side: its per-terminal configuration, its pages and their headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from cms.reading_room.terminals import TerminalConfig
from cms.settings import Settings
from web.headers import WithHeaders, reading_room_headers
from web.reading_room import NOT_BUILT, reading_room_app

DEFAULTS = {
    "terminal": None,
    "organization": None,
    "name": "政府信息查阅终端",
    "idleSeconds": 120,
    "portalUrlTemplate": None,
}


async def test_a_configured_terminal_gets_its_organization_name_and_idle_time(
    client: httpx.AsyncClient,
) -> None:
    # given the session's settings configure terminal km-hall
    # when the terminal asks for its configuration
    response = await client.get("/reading-room/terminal.json", params={"terminal": "km-hall"})
    # then it gets them, cacheable for a short while
    assert response.status_code == 200
    assert response.json() == {
        "terminal": "km-hall",
        "organization": "km-gov",
        "name": "昆明市政务服务中心查阅点",
        "idleSeconds": 60,
        "portalUrlTemplate": "https://www.km.gov.cn/zwgk/{id}",
    }
    assert response.headers["cache-control"] == "public, max-age=30"


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="no-terminal"),
        pytest.param({"terminal": "hall-99"}, id="unknown-terminal"),
        pytest.param({"terminal": "../km-hall"}, id="malformed-id"),
        pytest.param({"terminal": "x" * 65}, id="overlong-id"),
    ],
)
async def test_a_terminal_without_configuration_gets_the_defaults(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    # a kiosk with a mistyped address still shows the whole tree rather than an error page all day
    response = await client.get("/reading-room/terminal.json", params=params)
    assert response.status_code == 200
    assert response.json() == DEFAULTS


@pytest.mark.parametrize("path", ["/reading-room/", "/reading-room/item/abc", "/reading-room/terminal.json"])
async def test_reading_room_pages_may_not_be_framed_and_run_only_their_own_scripts(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    if path.endswith(".json"):
        assert "content-security-policy" not in response.headers  # data, not a page
        return
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("file_origin", "connect"),
    [
        pytest.param(None, "connect-src 'self';", id="files-from-this-server"),
        pytest.param(
            "https://files.gov.example",
            "connect-src 'self' https://files.gov.example;",
            id="files-from-a-cdn",
        ),
    ],
)
def test_pdf_js_may_run_its_worker_and_fetch_attachments_and_nothing_more(
    file_origin: str | None, connect: str
) -> None:
    # pdf.js's worker (and the service worker) are the app's own scripts; the PDF comes from where
    # attachments are delivered
    policy = reading_room_headers(file_origin=file_origin)["Content-Security-Policy"]
    assert "worker-src 'self';" in policy
    assert connect in policy
    assert "script-src 'self';" in policy  # no 'wasm-unsafe-eval', no 'unsafe-eval'


async def test_client_routes_answer_with_the_app_page(tmp_path: Path) -> None:
    # given a built app
    (tmp_path / "index.html").write_text("<!doctype html><title>查阅终端</title>", encoding="utf-8")
    app = WithHeaders(reading_room_app(tmp_path), reading_room_headers(file_origin=None))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        # when a terminal reloads on a client-side route
        response = await http.get("/search", params={"q": "政务公开"})
    # then it gets the app, revalidated on every load
    assert response.status_code == 200
    assert "查阅终端" in response.text
    assert response.headers["cache-control"] == "no-cache"


async def test_missing_pdf_js_data_is_not_found_rather_than_the_app_page(tmp_path: Path) -> None:
    # pdf.js would otherwise read index.html as a CMap of a Chinese PDF
    (tmp_path / "index.html").write_text("<!doctype html><title>查阅终端</title>", encoding="utf-8")
    app = reading_room_app(tmp_path)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        response = await http.get("/pdfjs/cmaps/UniGB-UCS2-H.bcmap")
    assert response.status_code == 404
    assert response.text == "未找到该文件。"


async def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    app = reading_room_app(tmp_path / "missing")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        response = await http.get("/")
    assert response.status_code == 503
    assert response.text == NOT_BUILT


@pytest.mark.parametrize(
    ("terminals", "message"),
    [
        pytest.param({"hall 1": {}}, "invalid terminal id 'hall 1'", id="id-with-space"),
        pytest.param({"hall-1": {"idle_seconds": 5}}, "greater than or equal to 30", id="idle-too-short"),
        pytest.param({"hall-1": {"colour": "red"}}, "Extra inputs are not permitted", id="unknown-setting"),
        pytest.param(
            {"hall-1": {"portal_url_template": "https://gov.example/item"}},
            "should match pattern",
            id="template-without-id",
        ),
    ],
)
def test_settings_refuse_a_bad_terminal_configuration(terminals: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(reading_room_terminals=terminals)


def test_terminals_are_read_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "GONGKAI_READING_ROOM_TERMINALS", '{"dl-hall": {"organization": "dl-gov", "idle_seconds": 90}}'
    )
    assert Settings().reading_room_terminals == {
        "dl-hall": TerminalConfig(organization="dl-gov", idle_seconds=90)
    }
