"""Two server processes stay in step: a role granted or revoked through one instance takes effect on the
other within seconds, through the grant store's watcher (a change stream on the grants collection).

Both instances are full applications (``create_app``) against the same embedded MongoDB and database,
each with its own client, its own in-memory policy snapshot and its own watcher (started by the app's
lifespan), and each is talked to over HTTP. Instance A's ``grantRole`` reloads A at once; B learns of it
only through its watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from beanie import Document
from starlette.applications import Starlette

from cms.content.ids import to_global_id
from cms.services import Endpoints, Services
from cms.settings import Settings
from storage.documents import Organization
from web.app import create_app

GRAPHQL_RESPONSE = "application/graphql-response+json"
DEMO_PASSWORD = "Gongkai-demo-2026"
USER_PASSWORD = "Policy-sync-2026"
PROPAGATION_LIMIT = 10.0  # seconds B may take to follow a change made through A
POLL_INTERVAL = 0.05

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
PERMISSIONS = "query($org: ID!) { me { grants { role } permissions(organization: $org) } }"
GRANT = "mutation($input: RoleGrantInput!) { grantRole(input: $input) { role } }"
REVOKE = "mutation($input: RoleGrantInput!) { revokeRole(input: $input) }"
CREATE = "mutation($input: CatalogEntryInput!) { createCatalogEntry(input: $input) { id reviewState } }"


class Instance:
    """One application instance and an HTTP client talking to it."""

    def __init__(self, name: str, app: Starlette, http: httpx.AsyncClient) -> None:
        self.name, self.app, self.http = name, app, http

    @property
    def services(self) -> Services:
        svc: Services = self.app.state.services
        return svc

    async def gql(self, query: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        headers = {"accept": GRAPHQL_RESPONSE}
        if token:
            headers["authorization"] = f"Bearer {token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        assert response.status_code == 200 or "errors" in body, response.text
        return body

    async def login(self, username: str, password: str) -> str:
        body = await self.gql(LOGIN, {"u": username, "p": password})
        assert "errors" not in body, body
        token: str = body["data"]["login"]["token"]
        return token

    async def permissions(self, token: str, org_gid: str) -> set[str]:
        body = await self.gql(PERMISSIONS, {"org": org_gid}, token)
        assert "errors" not in body, body
        return set(body["data"]["me"]["permissions"])

    async def create_entry(self, token: str, org_gid: str, title: str) -> dict[str, Any]:
        return await self.gql(CREATE, {"input": {"organization": org_gid, "title": title}}, token)


def _beanie_bindings() -> dict[type[Document], Any]:
    """Each initialized Beanie document class and the settings that bind it to a client's database."""
    found: dict[type[Document], Any] = {}
    stack: list[type[Document]] = list(Document.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        bound = cls.__dict__.get("_document_settings")
        if bound is not None:
            found[cls] = bound
    return found


@contextlib.asynccontextmanager
async def two_instances(settings: Settings, endpoints: Endpoints) -> AsyncIterator[tuple[Instance, Instance]]:
    """Instances A and B, each started the way a server process starts.

    Beanie binds its document classes once per process, to the client of the latest ``init_beanie``,
    and every instance's start-up calls it with a client of its own. In separate processes that is
    harmless; here the classes end up bound to B's client, which is what B's transactions need (a
    session only works with the client that started it) and fine for A's plain reads (same server,
    same database). Before either instance shuts down (closing its client) the binding goes back to
    the test session's own client, so that nothing else in the session is left with a closed one."""
    config = settings.model_copy(update={"demo_data": False})
    session_bindings = _beanie_bindings()
    try:
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(lambda: _rebind(session_bindings))  # runs first on the way out
            made = []
            for name in ("A", "B"):
                app = create_app(config, endpoints)
                await stack.enter_async_context(app.router.lifespan_context(app))
                transport = httpx.ASGITransport(app=app)
                http = await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://testserver")
                )
                made.append(Instance(name, app, http))
            a, b = made
            assert a.services.client is not b.services.client, "the instances must not share a client"
            assert a.services.access is not b.services.access, "the instances must not share a policy"
            yield a, b
    finally:
        _rebind(session_bindings)


def _rebind(bindings: dict[type[Document], Any]) -> None:
    for cls, bound in bindings.items():
        cls._document_settings = bound


async def seconds_until(
    check: Callable[[], Awaitable[bool]], limit: float = PROPAGATION_LIMIT
) -> float | None:
    """Seconds until ``check`` holds, or None if it still does not after ``limit`` seconds."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > limit:
            return None
        await asyncio.sleep(POLL_INTERVAL)
    return time.monotonic() - started


async def test_grant_and_revoke_propagate_between_instances(
    settings: Settings,
    endpoints: Endpoints,
    services: Services,
    fresh_org: Callable[..., Awaitable[Organization]],
) -> None:
    # A fresh organization in the demo province (where demo-admin may grant roles) and a user there
    # without any role, made before the instances start so that both load them.
    org = await fresh_org(parent=services.orgs.tree.by_key["yn-gov"])
    assert org.id is not None
    org_gid = to_global_id("Organization", org.id)
    username = f"sync-{uuid.uuid4().hex[:10]}"
    user = await services.accounts.create_user(username, USER_PASSWORD, org.id, "同步测试")
    assert user.id is not None
    grant = {
        "user": to_global_id("User", user.id),
        "role": "OFFICER",
        "organization": org_gid,
        "subtree": True,
    }

    async with two_instances(settings, endpoints) as (a, b):
        admin = await a.login("demo-admin", DEMO_PASSWORD)
        token = await b.login(username, USER_PASSWORD)

        async def b_permits() -> bool:
            return "CONTENT_CREATE" in await b.permissions(token, org_gid)

        async def b_refuses() -> bool:
            return not await b_permits()

        # Before the grant, B refuses.
        assert await b_refuses()
        refused = await b.create_entry(token, org_gid, "授权前的草稿")
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused

        # Grant through A: A knows at once, B within seconds.
        body = await a.gql(GRANT, {"input": grant}, admin)
        assert "errors" not in body, body
        assert "CONTENT_CREATE" in await a.permissions(token, org_gid)
        granted = await seconds_until(b_permits)
        assert granted is not None, f"instance B did not follow the grant within {PROPAGATION_LIMIT} s"
        created = await b.create_entry(token, org_gid, "授权后的草稿")
        assert "errors" not in created, created
        assert created["data"]["createCatalogEntry"]["reviewState"] == "DRAFT"

        # Revoke through A: B refuses again within seconds.
        body = await a.gql(REVOKE, {"input": grant}, admin)
        assert body.get("data", {}).get("revokeRole") is True, body
        assert "CONTENT_CREATE" not in await a.permissions(token, org_gid)
        revoked = await seconds_until(b_refuses)
        assert revoked is not None, f"instance B still permitted {PROPAGATION_LIMIT} s after the revocation"
        refused = await b.create_entry(token, org_gid, "撤销后的草稿")
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused

    print(f"\npolicy propagation A -> B: grant {granted * 1000:.0f} ms, revoke {revoked * 1000:.0f} ms")
