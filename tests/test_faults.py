"""Health and faults: a server of its own, on embedded services of its own, whose processes the tests
freeze (SIGSTOP) and kill. Never the session's shared services.

The server runs as a subprocess started the way operators start one (``gongkai serve``): Beanie binds
its documents to one database per process, so a second app in the test process would take the
session's documents away from the other tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devservers.embedded import EmbeddedServices, start_embedded
from devservers.process import Service
from storage.objectstore import ObjectStore, ObjectStoreConfig, ObjectStoreUnavailable
from tests.servers import ROOT, free_port, start, stop
from web.health import JobWatch

CONNECT_TIMEOUT = 1.0  # the server's connect and server-selection timeouts (database and S3)
BUDGET = 2.0  # its per-request database deadline and S3 read timeout
SLACK = 1.5  # scheduling on a busy 2-core machine
ENTRY = "query($n: String!) { catalogEntry(indexNumber: $n) { title } }"

pytestmark = pytest.mark.timeout(180)


def _process(services: EmbeddedServices, name: str) -> Service:
    handle = services._handle
    assert handle is not None
    return next(service for service in handle.services if service.name == name)


@contextlib.contextmanager
def frozen(services: EmbeddedServices, name: str) -> Iterator[None]:
    """The named embedded server stopped with SIGSTOP (it keeps its sockets, answers nothing)."""
    service = _process(services, name)
    service.signal_group(signal.SIGSTOP)
    try:
        yield
    finally:
        service.signal_group(signal.SIGCONT)


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServices]:
    services = start_embedded(tmp_path_factory.mktemp("faults-embedded"), in_memory=True, db_cache="256M")
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture(scope="module")
def server(private: EmbeddedServices, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("faults-server")
    env = {
        **os.environ,
        "GONGKAI_MODE": "development",
        "GONGKAI_DEMO_DATA": "false",
        "GONGKAI_PORT": str(port),
        "GONGKAI_DATA_DIR": str(data_dir),
        "GONGKAI_MONGO_URL": private.mongo_url,
        "GONGKAI_S3_ENDPOINT": private.s3_endpoint,
        "GONGKAI_S3_ACCESS_KEY": private.s3_access_key,
        "GONGKAI_S3_SECRET_KEY": private.s3_secret_key,
        "GONGKAI_MONGO_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT),
        "GONGKAI_MONGO_TIMEOUT_SECONDS": str(BUDGET),
        "GONGKAI_S3_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT),
        "GONGKAI_S3_TIMEOUT_SECONDS": str(BUDGET),
    }
    # Until /readyz says ready: the change stream opens just after start-up.
    started = start(env, data_dir, ready_path="/readyz")
    try:
        yield started.url
    finally:
        stop(started.proc)


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30, trust_env=False) as client:
        yield client


def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def graphql(http: httpx.Client, index_number: str = "none") -> httpx.Response:
    """An anonymous lookup; a new ``index_number`` makes it a response-cache miss."""
    return http.get("/graphql", params={"query": ENTRY, "variables": f'{{"n": "{index_number}"}}'})


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


# --- healthy ------------------------------------------------------------------------------------


def test_livez_and_readyz_when_everything_answers(http: httpx.Client) -> None:
    live = http.get("/livez")
    ready = http.get("/readyz")

    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "mongodb": True,
        "changeStreams": True,
        "objectStore": True,
        "jobs": True,
    }


# --- frozen (SIGSTOP) ---------------------------------------------------------------------------


def test_a_frozen_object_store_makes_the_server_unready_fast(http: httpx.Client, private) -> None:
    with frozen(private, "MinIO"):
        response, took = timed(lambda: http.get("/readyz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert response.json()["status"] == "unavailable"
    assert (checks["objectStore"]["ok"], checks["mongodb"]["ok"]) == (False, True)
    assert took < CONNECT_TIMEOUT + SLACK


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/readyz", id="readyz"),
        pytest.param("/graphql", id="graphql-uncached"),
        pytest.param(f"/files/{'a' * 24}/x.pdf", id="files"),
        pytest.param(f"/thumbnails/{'a' * 24}.png", id="thumbnails"),
    ],
)
def test_a_frozen_database_answers_503_with_a_code_within_the_budget(
    http: httpx.Client, private, path: str
) -> None:
    org = str(uuid.uuid4())  # a query nobody asked before: no cached answer can help
    with frozen(private, "SecantusDB"):
        if path == "/graphql":
            response, took = timed(lambda: graphql(http, org))
        else:
            response, took = timed(lambda: http.get(path))
    assert response.status_code == 503, response.text
    assert took < BUDGET + SLACK
    if path == "/readyz":
        assert response.json()["checks"]["mongodb"]["ok"] is False
        return
    assert codes(response) == ["DATABASE_UNAVAILABLE"]
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["retry-after"] == "5"


def test_cached_anonymous_reads_are_served_while_the_database_is_frozen(http: httpx.Client, private) -> None:
    before = graphql(http)
    assert before.status_code == 200, before.text

    with frozen(private, "SecantusDB"):
        during = graphql(http)

    assert during.status_code == 200
    assert during.json() == before.json()


def test_the_server_is_ready_again_once_the_database_thaws(http: httpx.Client, private) -> None:
    with frozen(private, "SecantusDB"):
        assert http.get("/readyz").status_code == 503

    deadline = time.monotonic() + 10
    response = http.get("/readyz")
    while response.status_code != 200 and time.monotonic() < deadline:
        response = http.get("/readyz")
    assert response.status_code == 200, response.text


# --- the object store: a download cut mid-stream ----------------------------------------------


def test_a_download_from_a_store_frozen_mid_stream_fails_instead_of_ending_short(private, tmp_path) -> None:
    store = ObjectStore(
        ObjectStoreConfig(
            endpoint=private.s3_endpoint,
            access_key=private.s3_access_key,
            secret_key=private.s3_secret_key,
            bucket=f"midstream-{uuid.uuid4().hex[:8]}",
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=BUDGET,
        )
    )
    data = os.urandom(32 * 1024 * 1024)  # larger than what the sockets buffer between the two

    async def upload_and_open() -> Any:
        await store.ensure_bucket()
        await store.put_stream("big.bin", io.BytesIO(data), len(data), "application/octet-stream")
        return await store.open_range("big.bin")

    reader = asyncio.run(upload_and_open())
    chunks = iter(reader)
    received = [len(next(chunks))]
    started = time.monotonic()
    with frozen(private, "MinIO"), pytest.raises(ObjectStoreUnavailable):
        received.extend(len(chunk) for chunk in chunks)
    assert sum(received) < len(data)
    assert time.monotonic() - started < BUDGET + SLACK + 1


# --- killed -------------------------------------------------------------------------------------


def test_a_dead_database_answers_503_fast(http: httpx.Client, private) -> None:
    """Last: the database does not come back (supervision is for `gongkai serve`'s own servers)."""
    _process(private, "SecantusDB").signal_group(signal.SIGKILL)

    response, took = timed(lambda: graphql(http, str(uuid.uuid4())))
    ready = http.get("/readyz")

    assert response.status_code == 503
    assert codes(response) == ["DATABASE_UNAVAILABLE"]
    assert took < BUDGET + SLACK
    assert ready.status_code == 503
    assert ready.json()["checks"]["mongodb"]["ok"] is False


# --- jobs ---------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("running_for", "problem"),
    [
        pytest.param(None, None, id="idle"),
        pytest.param(59.0, None, id="within-its-time"),
        pytest.param(61.0, "附件清理 已运行 61 秒，超过 60 秒", id="stuck"),
    ],
)
async def test_a_job_round_running_too_long_counts_as_stuck(
    running_for: float | None, problem: str | None
) -> None:
    clock = Clock()
    watch = JobWatch("附件清理", stuck_after=60, clock=clock)
    watch.task = asyncio.create_task(asyncio.Event().wait())
    try:
        if running_for is not None:
            watch.begin()
            clock.now += running_for
        assert watch.problem() == problem
    finally:
        watch.task.cancel()


def test_a_job_that_is_not_running_counts_as_a_problem() -> None:
    assert JobWatch("附件清理", stuck_after=60).problem() == "附件清理 未在运行"


async def test_a_runner_started_again_is_watched_through_its_new_task() -> None:
    # given a watch that finds the runner's current task (stopping and starting makes a new one)
    tasks = [asyncio.create_task(asyncio.Event().wait())]
    watch = JobWatch("后台任务", stuck_after=60, current=lambda: tasks[-1])
    # when the runner stops, then readiness sees it not running
    tasks[0].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await tasks[0]
    assert watch.problem() == "后台任务 未在运行"
    # when it is started again, then the new task is the one watched
    tasks.append(asyncio.create_task(asyncio.Event().wait()))
    assert watch.problem() is None
    tasks[-1].cancel()


# --- gongkai serve on a taken port --------------------------------------------------------------


def test_serve_on_a_taken_port_exits_at_once_with_one_line_and_starts_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "GONGKAI_MODE": "development",
            "GONGKAI_PORT": str(port),
            "GONGKAI_DATA_DIR": str(tmp_path),
        }
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "web.cli", "serve"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        took = time.monotonic() - started

    assert result.returncode == 5
    assert result.stderr.splitlines() == [
        f"无法监听 / cannot listen on 127.0.0.1:{port}: Address already in use"
    ]
    assert not (tmp_path / "embedded").exists()  # no embedded server was started
    assert took < 20  # the interpreter's imports; nothing waits
