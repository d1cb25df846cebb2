"""Headers every answer carries, the admin app's security policy, the Host rule and the settings
behind it (``web/headers.py``, ``cms/settings.py``)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from bson import ObjectId
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cms.settings import Settings
from web.app import GongkaiApp

GRAPHQL_RESPONSE = "application/graphql-response+json"
GENRES = "{ genres { value } }"
PUBLIC_BASE_URL = "https://gk.example.gov.cn"
REQUEST_DATA_KEY = "a2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMtZm9yLWFlcy0"  # 32 bytes, URL-safe base64, unpadded


# --- X-Content-Type-Options on every answer ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        pytest.param("GET", f"/graphql?query={GENRES}", {}, 200, id="graphql-get"),
        pytest.param("GET", f"/graphql?query={GENRES}", {"if-none-match": "*"}, 304, id="graphql-304"),
        pytest.param("GET", "/graphql?query={", {"accept": GRAPHQL_RESPONSE}, 400, id="graphql-parse-error"),
        pytest.param("GET", f"/graphql?query={GENRES}", {"accept": "text/csv"}, 406, id="graphql-406"),
        pytest.param("PUT", "/graphql", {}, 405, id="method-not-allowed"),
        pytest.param("GET", "/nowhere", {}, 404, id="unknown-path"),
        pytest.param("GET", f"/files/{ObjectId()}/x.txt", {}, 404, id="unknown-file"),
        pytest.param("GET", f"/thumbnails/{ObjectId()}.png", {}, 404, id="unknown-thumbnail"),
        pytest.param("GET", "/healthz", {}, 200, id="health"),
        pytest.param("GET", "/healthz", {"host": "evil.example"}, 400, id="invalid-host"),
    ],
)
async def test_every_answer_forbids_content_sniffing(client, method, path, headers, status):
    response = await client.request(method, path, headers=headers)

    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]  # once, not twice


async def test_even_an_unexpected_failure_forbids_content_sniffing():
    async def boom(request: Request) -> Response:
        raise RuntimeError("a bug")

    app = GongkaiApp(routes=[Route("/boom", boom)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        response = await http.get("/boom")

    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"


# --- the admin app -------------------------------------------------------------------------------


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = [part.split() for part in policy.split(";")]
    return {words[0]: words[1:] for words in parsed}


@pytest.mark.parametrize(
    "path", [pytest.param("/admin/", id="app"), pytest.param("/admin/catalog/new", id="client-route")]
)
async def test_the_admin_app_runs_its_own_scripts_only_and_may_not_be_framed(client, embedded, path):
    response = await client.get(path)

    assert response.status_code in (200, 503)  # 503 where the app has not been built
    policy = _directives(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]  # hash-wasm, no JavaScript eval
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["connect-src"] == ["'self'", f"http://{embedded.s3_endpoint}"]  # presigned uploads
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"


# --- settings ------------------------------------------------------------------------------------


def _production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mode": "production",
        "secret_key": SecretStr("x" * 40),
        "mongo_url": "mongodb://db.internal:27017/?replicaSet=rs0",
        "s3_endpoint": "minio.internal:9000",
        "s3_access_key": "access",
        "s3_secret_key": SecretStr("secret-key"),
        "graphiql": False,
        "public_base_url": PUBLIC_BASE_URL,
        "request_data_key": SecretStr(REQUEST_DATA_KEY),
        **overrides,
    }
    return Settings(**values)


def test_production_refuses_to_start_without_a_public_base_url():
    assert _production().public_base_url == PUBLIC_BASE_URL

    with pytest.raises(ValueError, match="GONGKAI_PUBLIC_BASE_URL must name the public https:// address"):
        _production(public_base_url="")


def test_production_refuses_to_start_without_a_request_data_key():
    # given production settings that are complete but for the key sealing applicants' personal data
    assert _production().request_data_key.get_secret_value() == REQUEST_DATA_KEY

    # then it refuses, naming the setting (a key derived from the secret key would not survive its
    # rotation), while other modes still derive one
    with pytest.raises(ValueError, match="GONGKAI_REQUEST_DATA_KEY must be set to 32 random bytes"):
        _production(request_data_key=SecretStr(""))
    assert Settings(mode="demo").request_data_key.get_secret_value() == ""


@pytest.mark.parametrize(
    "key",
    [pytest.param("c2hvcnQ", id="16-bits-too-short"), pytest.param("not base64!", id="not-base64")],
)
def test_a_malformed_request_data_key_is_refused_in_every_mode(key):
    with pytest.raises(ValueError, match="GONGKAI_REQUEST_DATA_KEY must be 32 bytes in URL-safe base64"):
        Settings(mode="development", request_data_key=SecretStr(key))


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        pytest.param("https://gk.example.gov.cn/", "https://gk.example.gov.cn", id="trailing-slash"),
        pytest.param("http://10.0.0.5:8080/gongkai", "http://10.0.0.5:8080/gongkai", id="with-path"),
    ],
)
def test_a_public_base_url_is_kept_without_its_trailing_slash(value, kept):
    assert Settings(public_base_url=value).public_base_url == kept


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("public_base_url", "gk.example.gov.cn", "absolute http(s) URL", id="no-scheme"),
        pytest.param("public_base_url", "ftp://gk.example.gov.cn", "absolute http(s) URL", id="ftp"),
        pytest.param("public_base_url", "https://gk.example.gov.cn/?a=1", "absolute http(s) URL", id="query"),
        pytest.param("allowed_hosts", ["localhost:8000"], "without ports", id="host-with-port"),
        pytest.param("allowed_hosts", [""], "without ports", id="empty-host"),
    ],
)
def test_unusable_address_settings_are_refused(field, value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Settings(**{field: value})


def test_allowed_hosts_are_compared_without_case():
    assert Settings(allowed_hosts=["Portal.Example.GOV.cn", "[::1]"]).allowed_hosts == [
        "portal.example.gov.cn",
        "[::1]",
    ]
