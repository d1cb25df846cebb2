"""Shared fixtures: real embedded services (SecantusDB and MinIO) for the whole session, the app with
demo data loaded through its lifespan, and an HTTP client that talks to it in-process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from cms.admin.organizations import NewOrganization
from cms.reading_room.terminals import TerminalConfig
from cms.services import Endpoints, Services
from cms.settings import Settings
from devservers.embedded import EmbeddedServices, start_embedded
from storage.documents import Organization, utcnow
from web.app import create_app

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServices]:
    services = start_embedded(Path(tmp_path_factory.mktemp("embedded")), in_memory=True)
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture(scope="session")
def mongo_url(embedded: EmbeddedServices) -> str:
    return embedded.mongo_url


@pytest.fixture(scope="session")
def endpoints(embedded: EmbeddedServices) -> Endpoints:
    return Endpoints(
        mongo_url=embedded.mongo_url,
        s3_endpoint=embedded.s3_endpoint,
        s3_access_key=embedded.s3_access_key,
        s3_secret_key=embedded.s3_secret_key,
    )


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, embedded: EmbeddedServices) -> Settings:
    return Settings(
        mode="demo",
        # Presigned uploads to the embedded MinIO, which tests PUT to with a client of their own (the
        # same-origin upload route: tests/test_uploads.py).
        s3_public_endpoint=f"http://{embedded.s3_endpoint}",
        data_dir=tmp_path_factory.mktemp("data"),
        secret_key=SecretStr("test-secret-" + uuid.uuid4().hex),
        mongo_database="gongkai_test",
        demo_data=True,
        # the in-process client's address, besides the loopback names the browser tests use
        allowed_hosts=["testserver", "localhost", "127.0.0.1", "[::1]"],
        # a reading-room terminal showing 昆明市's subtree (tests/test_reading_room.py, tests/e2e)
        reading_room_terminals={
            "km-hall": TerminalConfig(
                organization="km-gov",
                name="昆明市政务服务中心查阅点",
                idle_seconds=60,
                portal_url_template="https://www.km.gov.cn/zwgk/{id}",
            )
        },
    )


@pytest.fixture(scope="session")
async def app(settings: Settings, endpoints: Endpoints) -> AsyncIterator[Starlette]:
    application = create_app(settings, endpoints)
    async with application.router.lifespan_context(application):
        # Start-up's search upkeep pass (statistics, dating entries) is over before any test runs:
        # no test races it, and none depends on whether it has finished yet.
        await application.state.services.search.settled()
        await application.state.jobs.settled()  # the first search upkeep job too
        yield application


@pytest.fixture(scope="session")
def services(app: Starlette) -> Services:
    svc: Services = app.state.services
    return svc


@pytest.fixture(scope="session")
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


GQL = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="session")
def gql(client: httpx.AsyncClient) -> GQL:
    """POST a GraphQL operation; returns the decoded body. Fails on a non-2xx status unless told not to."""

    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"accept": GRAPHQL_RESPONSE, **(headers or {})},
        )
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


@pytest.fixture
async def fresh_org(services: Services) -> Callable[..., Awaitable[Organization]]:
    """Make organizations with unique keys and codes, so tests sharing the database do not collide."""

    async def make(
        parent: Organization | None = None, template: str = "{code}/{year}-{seq:05d}"
    ) -> Organization:
        suffix = uuid.uuid4().hex[:9].upper()
        return await services.orgs.create(
            NewOrganization(
                key=f"t-{suffix.lower()}",
                name=f"测试机构{suffix}",
                code=suffix,
                parent_id=parent.id if parent else None,
                index_template=template,
            )
        )

    return make


class SteppedClock:
    """The services' clock, stepped by a test instead of waiting for real time to pass."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def clock(app: Starlette, services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[SteppedClock]:
    """Everything that judges what the public sees by time (read scopes, kept counts and matches,
    scheduled boundaries, the response cache) follows this clock for the test's duration. Afterwards
    time is real again: answers kept meanwhile were kept for a later instant and are not reused
    (kept values require ``since <= now``), and the response cache is emptied."""
    stepped = SteppedClock()
    monkeypatch.setattr(services.content, "clock", stepped)
    monkeypatch.setattr(services.public_changes, "clock", stepped)
    yield stepped
    if app.state.response_cache is not None:
        app.state.response_cache.clear()


@pytest.fixture
async def quiet_jobs(app: Starlette) -> AsyncIterator[None]:
    """The app's job runner stopped for the test, which runs the jobs it needs itself, with its own
    clock (the runner's jobs follow real time). Afterwards the runner holds the lease again before
    the next test looks."""
    await app.state.jobs.stop()
    await app.state.services.deliveries.stop()  # a run started by an earlier commit, if any
    yield
    await app.state.jobs.tick()
    app.state.jobs.start()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``gongkai verify`` checks the whole shared repository, which later tests damage on purpose in
    their own organizations (tampered registers, removed objects): its tests run first, on the freshly
    loaded demo data, and repair what they damage.

    Under pytest-xdist (scripts/test: ``--dist loadgroup --no-loadscope-reorder``) each worker has its
    own embedded servers, app and demo data; a test file is one unit of work (its module fixtures are
    built once, on one worker), and the browser tests are one unit, so that one worker at a time drives
    Chromium (their scenarios already run two at a time). Units go out in this order: the verify tests
    first, on a worker's fresh repository."""
    first = [item for item in items if item.path.name == "test_verify.py"]
    if first:
        items[:] = first + [item for item in items if item.path.name != "test_verify.py"]
    tests = Path(__file__).resolve().parent
    for item in items:
        browser = item.path.parent.name == "e2e"
        group = "browser" if browser else item.path.resolve().relative_to(tests).as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def stepped(services: Any, monkeypatch: pytest.MonkeyPatch) -> SteppedClock:
    """The requests' clock, stepped by the test (the deadline, fee and retention tests share it)."""
    clock = SteppedClock()
    monkeypatch.setattr(services.requests, "clock", clock)
    return clock
