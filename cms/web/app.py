"""The composition root: the Starlette application, its lifespan and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from authz import Principal
from cms.demo.loader import is_empty, load_demo
from cms.model import User
from cms.services import Endpoints, Services, build_services
from cms.settings import Settings
from cms.visibility import ReadScope
from cms.web.admin import AdminApp
from cms.web.cache import BoundedLRU, PersistedQueries, ResponseCache
from cms.web.files import files_endpoint
from cms.web.graphql_http import GraphQLEndpoint
from schema.context import Context
from schema.root import build_schema

log = logging.getLogger("gongkai.web")


CLEANUP_INTERVAL = 15 * 60
MAX_REQUEST_BASE_URLS = 64  # distinct request addresses remembered (see base_url_of)


async def _clean_periodically(svc: Services) -> None:
    """Abandoned uploads and unreferenced objects go away without an operator's cron job."""
    while True:
        await asyncio.sleep(CLEANUP_INTERVAL)
        try:
            log.info("attachment cleanup: %s", await svc.attachments.cleanup())
        except Exception:  # a failed round is retried at the next interval
            log.exception("attachment cleanup failed")


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def create_app(settings: Settings, endpoints: Endpoints) -> Starlette:
    schema = build_schema(
        max_depth=settings.max_query_depth, max_aliases=settings.max_aliases, max_tokens=settings.max_tokens
    )
    holder: dict[str, Services] = {}

    def services() -> Services:
        return holder["services"]

    async def who(request: Request) -> tuple[Services, User | None, Principal, ReadScope]:
        svc = services()
        token = bearer_token(request)
        user = await svc.accounts.authenticate(token) if token else None
        principal = svc.access.principal_for(user)
        return svc, user, principal, svc.read_scope(svc.access.draft_orgs(principal))

    async def scope_for(request: Request) -> ReadScope:
        return (await who(request))[3]

    public_base_url = settings.public_base_url.rstrip("/")
    request_base_urls: BoundedLRU[str] = BoundedLRU(MAX_REQUEST_BASE_URLS, MAX_REQUEST_BASE_URLS * 4096)

    def base_url_of(request: Request) -> str:
        """The configured public address, else the request's own (kept per scheme, server, root path
        and Host: building Starlette's URL was a sixth of a response-cache hit's work)."""
        if public_base_url:
            return public_base_url
        scope = request.scope
        seen_as = (
            scope.get("scheme"),
            scope.get("server"),
            scope.get("app_root_path", scope.get("root_path", "")),
            request.headers.get("host"),
        )
        found = request_base_urls.get(seen_as)  # bounded: Host is the client's to choose
        if found is None:
            found = str(request.base_url).rstrip("/")
            request_base_urls.put(seen_as, found, len(found))
        return found

    async def context_for(request: Request) -> Context:
        svc, user, principal, scope = await who(request)
        token = bearer_token(request)
        return Context(
            services=svc,
            scope=scope,
            principal=principal,
            user=user,
            token=token,
            base_url=base_url_of(request),
            source=request.client.host if request.client else None,
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        svc = await build_services(settings, endpoints)
        holder["services"] = svc
        app.state.services = svc
        try:
            await svc.search.prepare()  # the word segmenter's dictionary, before anything is indexed
            if settings.loads_demo_data and await is_empty():
                log.info("repository is empty: loading demo data")
                await load_demo(svc, password=settings.demo_password.get_secret_value())
            svc.start_watching()
            svc.search.start()
            janitor = asyncio.create_task(_clean_periodically(svc))
            try:
                yield
            finally:
                janitor.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await janitor
        finally:
            await svc.close()

    cache = (
        ResponseCache(
            lambda: services().public_changes,
            max_entries=settings.cache_max_entries,
            max_bytes=settings.cache_max_bytes,
            ttl_seconds=settings.cache_ttl_seconds,
        )
        if settings.cache_max_entries and settings.cache_max_bytes
        else None
    )
    persisted = PersistedQueries(settings.persisted_queries_max_entries, max_bytes=16 * 1024 * 1024)
    graphql = GraphQLEndpoint(
        schema,
        context_for,
        max_request_bytes=settings.max_request_bytes,
        graphiql=settings.graphiql_enabled,
        cache=cache,
        persisted=persisted,
        base_url=base_url_of,
        http_max_age=settings.cache_http_max_age,
    )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/graphql", graphql.handle, methods=["GET", "POST"]),
            Route("/healthz", health, methods=["GET"]),
            Route("/files/{attachment_id}/{name:path}", files_endpoint(scope_for, services), methods=["GET"]),
            Route("/thumbnails/{attachment_id}.png", files_endpoint(scope_for, services), methods=["GET"]),
            Mount("/admin", app=AdminApp()),
        ],
        lifespan=lifespan,
    )
    app.state.response_cache = cache  # read by tests and operators; None when turned off
    app.state.persisted_queries = persisted
    return app
