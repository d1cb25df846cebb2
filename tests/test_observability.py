"""Operations (#20): /metrics and who may read it, request ids, JSON log lines without secrets.

Metrics live in prometheus-client's process-wide registry, shared by every test of the session, so
each test compares a sample before and after what it does.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image
from prometheus_client import REGISTRY, CollectorRegistry
from pydantic import SecretStr
from starlette.applications import Starlette

from cms.admin.vocabulary_data import topic_path
from cms.observe.metrics import RequestCollector, RequestLatencies
from cms.services import Endpoints
from cms.settings import Settings
from storage.accounts import User
from tests.helpers import OFFICER, Api, unique
from web.app import create_app
from web.logs import REDACTED, formatter_for
from web.observe import Observe

TOPIC = topic_path("综合政务", "政务公开")
OUTSIDE = ("203.0.113.7", 40000)  # a documentation address: not in the default allowed networks
LOOPBACK = ("127.0.0.1", 40000)
METRICS_TOKEN = "metrics-token-" + "x" * 24
REQUEST = (
    "mutation($item: ID!, $f: String!, $s: Int!) { requestUpload(item: $item, filename: $f, size: $s)"
    " { uploadUrl attachment { id } } }"
)
COMPLETE = "mutation($id: ID!, $sha: String!) { completeUpload(id: $id, sha256: $sha) { id } }"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(body: str, name: str, **labels: str) -> float | None:
    """A sample's value in a /metrics answer (labels in any order), None when absent."""
    for line in body.splitlines():
        match = re.match(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'([a-z_]+)="([^"]*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    return None


async def get(app: Starlette, path: str, *, source: tuple[str, int], **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=source)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get(path, headers=headers)


@pytest.fixture(scope="module")
def api(gql: Any, settings: Settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
def token_app(settings: Settings, endpoints: Endpoints) -> Starlette:
    """An app whose /metrics wants a token (its routes that need services are not used)."""
    return create_app(settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)}), endpoints)


# --- who may read /metrics -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "status", "code"),
    [
        pytest.param(OUTSIDE, 403, "FORBIDDEN", id="outside-network-denied"),
        pytest.param(LOOPBACK, 200, None, id="loopback-allowed"),
    ],
)
async def test_metrics_answer_only_allowed_networks(
    app: Starlette, source: tuple[str, int], status: int, code: str | None
) -> None:
    # given the default networks (loopback only) and no token; when a source asks for /metrics
    response = await get(app, "/metrics", source=source)
    # then
    assert response.status_code == status
    if code is None:
        assert response.headers["content-type"].startswith("text/plain")
        assert "gongkai_http_request_duration_seconds_bucket" in response.text
    else:
        assert response.json()["errors"][0]["extensions"]["code"] == code
        assert response.json()["errors"][0]["message"] == "不允许从该地址读取监控指标。"


@pytest.mark.parametrize(
    ("source", "authorization", "status", "code"),
    [
        pytest.param(LOOPBACK, None, 401, "UNAUTHENTICATED", id="no-token"),
        pytest.param(LOOPBACK, "Bearer wrong-token", 401, "UNAUTHENTICATED", id="wrong-token"),
        pytest.param(OUTSIDE, f"Bearer {METRICS_TOKEN}", 403, "FORBIDDEN", id="right-token-wrong-network"),
        pytest.param(LOOPBACK, f"Bearer {METRICS_TOKEN}", 200, None, id="right-token"),
    ],
)
async def test_metrics_token_is_required_when_set(
    token_app: Starlette, source: tuple[str, int], authorization: str | None, status: int, code: str | None
) -> None:
    # given an app with GONGKAI_METRICS_TOKEN set; when
    headers = {"authorization": authorization} if authorization else {}
    response = await get(token_app, "/metrics", source=source, **headers)
    # then
    assert response.status_code == status
    if code is not None:
        assert response.json()["errors"][0]["extensions"]["code"] == code
    else:
        assert "gongkai_errors_total" in response.text


# --- what is counted -------------------------------------------------------------------------


async def test_requests_operations_cache_and_errors_are_counted(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # given a named public query not asked before
    name = "ObsCatalog" + hashlib.sha256(unique().encode()).hexdigest()[:8]
    query = f"query {name} {{ catalog(first: 1) {{ totalCount }} }}"
    parse_errors = sample("gongkai_errors_total", code="GRAPHQL_PARSE_FAILED")
    finds = sample("gongkai_mongodb_command_duration_seconds_count", command="find", outcome="ok")
    # when it is asked twice (a miss, then a hit) and a broken document once
    for _ in range(2):
        assert (await client.get("/graphql", params={"query": query})).status_code == 200
    assert (await client.get("/graphql", params={"query": "{ catalog("})).status_code == 200
    body = (await get(app, "/metrics", source=LOOPBACK)).text
    # then the operation is counted once per cache outcome, under its name
    operation = "gongkai_graphql_operation_duration_seconds_count"
    assert scraped(body, operation, operation=name, cache="miss") == 1.0
    assert scraped(body, operation, operation=name, cache="hit") == 1.0
    assert (scraped(body, "gongkai_response_cache_requests_total", result="hit") or 0) >= 1
    assert scraped(body, "gongkai_response_cache_evictions_total") is not None
    assert (
        scraped(
            body, "gongkai_http_request_duration_seconds_count", route="/graphql", method="GET", status="200"
        )
        or 0
    ) >= 3
    assert sample("gongkai_errors_total", code="GRAPHQL_PARSE_FAILED") == parse_errors + 1
    assert sample("gongkai_mongodb_command_duration_seconds_count", command="find", outcome="ok") > finds


async def test_transitions_are_counted_by_action_and_outcome(api: Api) -> None:
    # given
    submitted = sample("gongkai_transitions_total", action="submit", outcome="ok")
    approved = sample("gongkai_transitions_total", action="approve", outcome="ok")
    refused = sample("gongkai_transitions_total", action="withdraw", outcome="FORBIDDEN")
    officer = await api.token(OFFICER)
    root = await api.root()
    # when an entry goes through the whole chain, and the officer tries to withdraw a draft (refused)
    await api.demo_publish(root, unique("指标"), topic=TOPIC)
    draft = await api.create_entry(officer, root, unique("指标草稿"), topic=TOPIC)
    body = await api.transition(officer, draft["id"], "WITHDRAW", opinion="撤回。")
    # then
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert sample("gongkai_transitions_total", action="submit", outcome="ok") == submitted + 1
    assert sample("gongkai_transitions_total", action="approve", outcome="ok") == approved + 3
    assert sample("gongkai_transitions_total", action="withdraw", outcome="FORBIDDEN") == refused + 1


@pytest.mark.parametrize(
    ("log_cache_hits", "logged"),
    [
        pytest.param(False, ["miss"], id="hit-counted-without-a-line"),
        pytest.param(True, ["miss", "hit"], id="hit-lines-when-asked"),
    ],
)
async def test_a_cache_hit_is_counted_in_metrics_without_an_access_line(
    app: Starlette, log_lines: io.StringIO, log_cache_hits: bool, logged: list[str]
) -> None:
    # given the served stack, or the same app with GONGKAI_LOG_CACHE_HITS=true, and a query not asked before
    served = app.build_middleware_stack()
    assert isinstance(served, Observe)
    assert served.log_cache_hits is False  # the default setting
    stack = Observe(
        Starlette.build_middleware_stack(app), allowed_hosts=app.allowed_hosts, log_cache_hits=True
    )
    observed = stack if log_cache_hits else served
    name = "ObsHit" + hashlib.sha256(unique().encode()).hexdigest()[:8]
    query = {"query": f"query {name} {{ catalog(first: 1) {{ totalCount }} }}"}
    hits = app.state.response_cache.stats.hits
    transport = httpx.ASGITransport(app=observed)
    # when it is asked twice: a miss, then a hit
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answers = [await http.get("/graphql", params=query) for _ in range(2)]
    body = (await get(app, "/metrics", source=LOOPBACK)).text
    # then both answers carry their request id, and only the lines asked for are written
    assert [a.status_code for a in answers] == [200, 200]
    assert all(re.fullmatch(r"[0-9a-f]{24}", a.headers["x-request-id"]) for a in answers)
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "gongkai.access" and line["operation"] == name]
    assert [line["cache"] for line in access] == logged
    assert [line["request_id"] for line in access] == [a.headers["x-request-id"] for a in answers][
        : len(logged)
    ]
    # and the hit is counted in /metrics all the same
    operation = "gongkai_graphql_operation_duration_seconds_count"
    assert scraped(body, operation, operation=name, cache="miss") == 1.0
    assert scraped(body, operation, operation=name, cache="hit") == 1.0
    assert app.state.response_cache.stats.hits == hits + 1


def test_request_latencies_are_exposed_as_cumulative_histograms() -> None:
    # given requests recorded in plain Python: two fast hits and a slow miss of one operation
    latencies = RequestLatencies()
    latencies.observe(("/graphql", "GET", 200, "Q", "hit"), 0.0004)
    latencies.observe(("/graphql", "GET", 200, "Q", "hit"), 0.0005)  # on a bound: counted in it (le)
    latencies.observe(("/graphql", "GET", 200, "Q", "miss"), 0.02)
    latencies.observe(("/files/{attachment_id}/{name}", "GET", 404, None, None), 0.003)
    # when Prometheus scrapes them
    registry = CollectorRegistry()
    registry.register(RequestCollector(latencies))
    # then the route histogram sums the operation's series, and requests without an operation are
    # left out of the operation histogram
    http = "gongkai_http_request_duration_seconds"
    graphql = {"operation": "Q", "cache": "hit"}
    route = {"route": "/graphql", "method": "GET", "status": "200"}
    assert registry.get_sample_value(f"{http}_count", route) == 3
    assert registry.get_sample_value(f"{http}_bucket", {**route, "le": "0.0005"}) == 2
    assert registry.get_sample_value(f"{http}_bucket", {**route, "le": "0.01"}) == 2
    assert registry.get_sample_value(f"{http}_bucket", {**route, "le": "0.025"}) == 3
    assert registry.get_sample_value(f"{http}_bucket", {**route, "le": "+Inf"}) == 3
    assert registry.get_sample_value(f"{http}_sum", route) == pytest.approx(0.0209)
    operations = "gongkai_graphql_operation_duration_seconds"
    assert registry.get_sample_value(f"{operations}_count", graphql) == 2
    assert registry.get_sample_value(f"{operations}_count", {"operation": "Q", "cache": "miss"}) == 1
    samples = [s for m in registry.collect() if m.name == operations for s in m.samples]
    assert {s.labels["operation"] for s in samples} == {"Q"}


# --- request ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        pytest.param("req-42.abc:7", True, id="client-id-returned"),
        pytest.param(None, False, id="none-sent-one-made"),
        pytest.param("has space <script>", False, id="unsafe-id-replaced"),
        pytest.param("x" * 129, False, id="too-long-replaced"),
    ],
)
async def test_request_id_is_accepted_and_returned(
    client: httpx.AsyncClient, sent: str | None, kept: bool
) -> None:
    # when
    headers = {"x-request-id": sent} if sent is not None else {}
    response = await client.get("/graphql", params={"query": "{ __typename }"}, headers=headers)
    # then
    returned = response.headers["x-request-id"]
    if kept:
        assert returned == sent
    else:
        assert re.fullmatch(r"[0-9a-f]{24}", returned)


# --- logs ------------------------------------------------------------------------------------


@pytest.fixture
def log_lines(settings: Settings) -> Iterator[io.StringIO]:
    """Every line the process logs during the test, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_for(settings))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(out, "PDF")
    return out.getvalue()


async def test_logs_of_a_login_and_an_upload_hold_no_secret(
    api: Api, settings: Settings, endpoints: Endpoints, log_lines: io.StringIO
) -> None:
    # given a fresh sign-in and an upload through a presigned URL
    presigned = sample(
        "gongkai_s3_operation_duration_seconds_count", operation="get_presigned_url", outcome="ok"
    )
    root = await api.root()
    log_lines.seek(0)
    log_lines.truncate()  # only the lines of what follows
    password = settings.demo_password.get_secret_value()
    token = await api.login(OFFICER, password)
    entry = await api.create_entry(token, root, unique("日志"), topic=TOPIC)
    data = pdf_bytes()
    ticket = (await api.post(REQUEST, {"item": entry["id"], "f": "报告.pdf", "s": len(data)}, token))["data"][
        "requestUpload"
    ]
    url = ticket["uploadUrl"]
    signature = parse_qs(urlsplit(url).query)["X-Amz-Signature"][0]
    async with httpx.AsyncClient(trust_env=False) as s3:
        assert (
            await s3.put(url, content=data, headers={"content-type": "application/pdf"})
        ).status_code == 200
    done = await api.post(
        COMPLETE, {"id": ticket["attachment"]["id"], "sha": hashlib.sha256(data).hexdigest()}, token
    )
    assert "errors" not in done, done
    # and code that carelessly logs what it should not
    careless = logging.getLogger("gongkai.careless")
    careless.warning("upload to %s with authorization: Bearer %s", url, token)
    careless.warning('config {"password": "%s", "s3_secret_key": "%s"}', password, endpoints.s3_secret_key)
    # when the lines are read
    text = log_lines.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    # then no secret is in any line
    for secret in (password, token, signature, endpoints.s3_secret_key):
        assert secret not in text
    assert sum(REDACTED in line["message"] for line in lines if line["logger"] == "gongkai.careless") == 2
    # and every request has its access line: request id, user, operation, duration, outcome
    access = [line for line in lines if line["logger"] == "gongkai.access"]
    assert len(access) == 4  # login, createCatalogEntry, requestUpload, completeUpload
    user = await User.find_one(User.username == OFFICER)
    assert user is not None
    assert [line["outcome"] for line in access] == ["ok"] * 4
    assert all(re.fullmatch(r"[0-9a-f]{24}", line["request_id"]) for line in access)
    assert all(line["route"] == "/graphql" and line["duration_ms"] > 0 for line in access)
    assert access[0]["user"] is None
    assert [line["user"] for line in access[1:]] == [str(user.id)] * 3
    assert [line["operation"] for line in access] == ["_anonymous"] * 4  # the helpers send unnamed documents
    # and the object store's calls were timed
    after = sample("gongkai_s3_operation_duration_seconds_count", operation="get_presigned_url", outcome="ok")
    assert after == presigned + 1


# --- tracing ---------------------------------------------------------------------------------

TRACING_IMPORTS = """
import sys
from cms.services import Endpoints
from cms.settings import Settings
from web.app import create_app
from web.cli import main

assert main(["serve"]) == 2  # GONGKAI_LOG_FORMAT=xml: refused after serve's own imports
nowhere = Endpoints(mongo_url="mongodb://127.0.0.1:9", s3_endpoint="127.0.0.1:9", s3_access_key="k", s3_secret_key="s")
create_app(Settings(log_format="json", data_dir=sys.argv[1]), nowhere)
print(sorted(m for m in sys.modules if m == "web.tracing" or m.startswith("opentelemetry")))
"""


def test_tracing_is_not_imported_unless_turned_on(tmp_path: Path) -> None:
    # given GONGKAI_TRACING unset (the OpenTelemetry packages are installed in development)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGKAI_", "OTEL_"))}
    env["GONGKAI_LOG_FORMAT"] = "xml"
    # when a fresh process goes through `gongkai serve` and builds the app
    done = subprocess.run(
        [sys.executable, "-c", TRACING_IMPORTS, str(tmp_path)],
        cwd=Path(__file__).parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then neither web.tracing nor any OpenTelemetry module was imported
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


TRACED = """
import asyncio, json, sys
import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr
from cms.services import Endpoints
from cms.settings import Settings
from web.app import create_app

exporter = InMemorySpanExporter()  # a real exporter that keeps the finished spans in memory
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)  # the app keeps a provider the process set up
mongo_url, s3_endpoint, s3_access, s3_secret, database, data_dir = sys.argv[1:]
settings = Settings(
    mode="development", tracing=True, demo_data=False, data_dir=data_dir, mongo_database=database,
    secret_key=SecretStr("tracing-" + "k" * 40), allowed_hosts=["testserver"],
)
endpoints = Endpoints(mongo_url=mongo_url, s3_endpoint=s3_endpoint, s3_access_key=s3_access, s3_secret_key=s3_secret)
QUERY = "query Traced { catalog(first: 1) { totalCount } }"


async def main() -> None:
    app = create_app(settings, endpoints)
    async with app.router.lifespan_context(app):
        exporter.clear()  # only what the request does (and background work meanwhile)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert (await http.get("/graphql", params={"query": QUERY})).status_code == 200
        spans = exporter.get_finished_spans()
        await app.state.services.client.drop_database(database)
    print(json.dumps([
        {
            "name": s.name,
            "kind": s.kind.name,
            "trace": s.context.trace_id,
            "route": s.attributes.get("http.route"),
            "db": s.attributes.get("db.system") or s.attributes.get("db.system.name"),
        }
        for s in spans
    ]))


asyncio.run(main())
"""


def test_tracing_produces_spans_for_a_request_and_its_database_commands(
    tmp_path: Path, endpoints: Endpoints
) -> None:
    # given a fresh process with GONGKAI_TRACING=true and an in-memory span exporter, on a database
    # of its own (a process of its own: the instrumentation and the tracer provider are process-wide)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGKAI_", "OTEL_"))}
    database = f"gongkai_tracing_{unique('')}"
    args = [endpoints.mongo_url, endpoints.s3_endpoint, endpoints.s3_access_key, endpoints.s3_secret_key]
    # when it serves one anonymous GraphQL query
    done = subprocess.run(
        [sys.executable, "-c", TRACED, *args, database, str(tmp_path)],
        cwd=Path(__file__).parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    # then the request has a server span on its route, and its database commands are spans of the
    # same trace
    assert done.returncode == 0, done.stderr
    spans = json.loads(done.stdout.strip().splitlines()[-1])
    servers = [s for s in spans if s["kind"] == "SERVER"]
    assert [(s["name"], s["route"]) for s in servers] == [("GET /graphql", "/graphql")]
    commands = [s for s in spans if s["trace"] == servers[0]["trace"] and s["kind"] == "CLIENT"]
    assert {s["db"] for s in commands} == {"mongodb"}
    assert {s["name"].partition(".")[0] for s in commands} == {database}
    assert f"{database}.find" in {s["name"] for s in commands}
