"""The composition root: the Starlette application, its lifespan and routes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from authz import Principal
from cms.content.visibility import ReadScope
from cms.model import User
from cms.observe.metrics import record_job
from cms.services import Endpoints, Services, build_services
from cms.settings import Settings
from schema.context import Context
from schema.cost import CostRules
from schema.root import GongkaiSchema, build_schema
from web.admin import AdminApp
from web.cache import BoundedLRU, PersistedQueries, ResponseCache
from web.cors import Cors
from web.facts import note_user
from web.faults import Faults
from web.feeds import FeedEndpoints
from web.files import files_endpoint
from web.graphiql import GraphiQLAssets, offline_page
from web.graphql_http import GraphQLEndpoint
from web.headers import (
    WithHeaders,
    admin_headers,
    graphiql_headers,
    origin_of,
    reading_room_headers,
)
from web.health import JobWatch, Readiness, livez, readyz_endpoint
from web.imports import import_files_endpoint
from web.logs import keep_secret, keep_secrets_of
from web.observe import Observe, metrics_endpoint
from web.reading_room import reading_room_app, terminal_endpoint
from web.request_files import request_files_endpoint
from web.uploads import uploads_endpoint

log = logging.getLogger("gongkai.web")


MAX_REQUEST_BASE_URLS = 64  # distinct request addresses remembered (see base_url_of)


class GongkaiApp(Starlette):
    """Starlette with ``SecurityHeaders`` (as ``Observe``) outside its error middleware (so even a 500
    gets them)."""

    allowed_hosts: list[str] | None = None  # None: the Host is not used for anything, not checked
    cors_origins: list[str] = []
    log_cache_hits = False  # GONGKAI_LOG_CACHE_HITS (web.observe)

    def build_middleware_stack(self) -> ASGIApp:
        # Observe is SecurityHeaders with observation: refused Hosts get a request id, a metric and a
        # log line too; CORS answers preflights inside it.
        inner = Cors(super().build_middleware_stack(), origins=self.cors_origins)
        return Observe(inner, allowed_hosts=self.allowed_hosts, log_cache_hits=self.log_cache_hits)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def schema_for(settings: Settings) -> GongkaiSchema:
    """The GraphQL schema with the limits the settings give."""
    return build_schema(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        cost=CostRules(
            max_cost=settings.max_query_cost,
            max_page_size=settings.max_page_size,
            default_page_size=settings.default_page_size,
        ),
        introspection=settings.introspection,
        compiled_execution=settings.compiled_execution,
    )


def create_app(settings: Settings, endpoints: Endpoints) -> Starlette:
    keep_secrets_of(settings)
    keep_secret(endpoints.s3_secret_key)  # the embedded MinIO's too: it never appears in a log line
    schema = schema_for(settings)
    holder: dict[str, Services] = {}

    def services() -> Services:
        return holder["services"]

    async def who(request: Request) -> tuple[Services, User | None, Principal, ReadScope]:
        svc = services()
        token = bearer_token(request)
        user = await svc.accounts.authenticate(token) if token else None
        if user is not None:
            note_user(str(user.id))
        principal = svc.access.principal_for(user)
        return svc, user, principal, svc.read_scope(svc.access.draft_orgs(principal))

    cleanup_job = JobWatch("后台任务", stuck_after=settings.job_stuck_seconds)
    readiness = Readiness(
        services,
        [cleanup_job],
        timeout=max(settings.mongo_connect_timeout_seconds, settings.s3_connect_timeout_seconds),
        stream_silence=settings.change_stream_silence_seconds,
    )
    public_base_url = settings.public_base_url  # validated, without a trailing slash
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
            await svc.migrate()  # before serving; the index migrations ran before the indexes were made
            if settings.loads_demo_data and await _demo_wanted():
                log.info("repository is empty: loading demo data")
                from demo.loader import load_demo  # demo mode only: production never imports the demo

                await load_demo(svc, password=settings.demo_password.get_secret_value())
            svc.start_watching()
            svc.search.start()
            jobs = svc.job_runner()  # periodic work, on whichever node holds the jobs lease
            app.state.jobs = jobs
            svc.deliveries.active = lambda: jobs.holding  # webhooks: the lease holder delivers
            jobs.start()
            cleanup_job.current = lambda: jobs.task  # readiness watches the runner for stuck jobs
            jobs.watchers.append(lambda running: cleanup_job.begin() if running else cleanup_job.end())
            jobs.finished.append(record_job)
            try:
                yield
            finally:
                await jobs.stop()
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
    graphiql_page = offline_page() if settings.graphiql_enabled else None
    if graphiql_page is not None and graphiql_page.missing:
        log.warning(
            "GraphiQL answers 503 until graphiql/ensure-built.sh runs: missing %s", graphiql_page.missing
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
        max_tokens=settings.max_tokens,
        graphiql_headers=graphiql_headers(graphiql_page.html) if graphiql_page else None,
        graphiql_page=graphiql_page,
    )

    async def reader_for(request: Request) -> tuple[Principal, ReadScope]:
        _svc, _user, principal, scope = await who(request)
        return principal, scope

    files = files_endpoint(reader_for, services, max_age=settings.cache_http_max_age)
    feeds = FeedEndpoints(services, base_url_of, max_age=settings.cache_http_max_age)

    async def principal_of(request: Request) -> Principal:
        return (await who(request))[2]

    import_files = import_files_endpoint(principal_of, services)
    # Presigned uploads go to the browser-facing S3 endpoint; without one, to this server (/uploads).
    upload_origin = settings.s3_public_endpoint or None
    admin = WithHeaders(
        AdminApp(),
        admin_headers(
            upload_origin=upload_origin, file_origin=origin_of(public_base_url) if public_base_url else None
        ),
    )

    reading_room = WithHeaders(
        reading_room_app(),
        reading_room_headers(file_origin=origin_of(public_base_url) if public_base_url else None),
    )
    terminal = terminal_endpoint(settings.reading_room_terminals, max_age=settings.cache_http_max_age)

    app = GongkaiApp(
        routes=[
            Route("/graphql", graphql.handle, methods=["GET", "POST"]),
            Route("/livez", livez, methods=["GET"]),
            Route("/healthz", livez, methods=["GET"]),  # the old name, kept for existing probes
            Route("/readyz", readyz_endpoint(readiness), methods=["GET"]),
            Route("/metrics", metrics_endpoint(settings, lambda: cache), methods=["GET"]),
            Route("/files/{attachment_id}/{name:path}", files, methods=["GET"]),
            Route("/thumbnails/{attachment_id}.png", files, methods=["GET"]),
            Route("/request-files/{attachment_id}", request_files_endpoint(services), methods=["GET"]),
            Route("/feeds/catalog.atom", feeds.atom, methods=["GET"]),
            Route("/feeds/catalog.rss", feeds.rss, methods=["GET"]),
            Route("/sitemap.xml", feeds.sitemap_index, methods=["GET"]),
            Route("/sitemaps/{organization}.xml", feeds.sitemap, methods=["GET"]),
            Route("/imports/files", import_files, methods=["POST"]),
            Route("/uploads/{attachment_id}", uploads_endpoint(services), methods=["PUT"]),
            Mount("/admin", app=admin),
            *([Mount("/graphiql-assets", app=GraphiQLAssets(graphiql_page))] if graphiql_page else []),
            Route("/reading-room/terminal.json", terminal, methods=["GET"]),
            Mount("/reading-room", app=reading_room),
        ],
        lifespan=lifespan,
        middleware=[Middleware(Faults, database_budget=settings.mongo_timeout_seconds)],
    )
    app.state.readiness = readiness  # read by tests
    app.allowed_hosts = None if public_base_url else settings.allowed_hosts
    app.cors_origins = settings.cors_origins
    app.log_cache_hits = settings.log_cache_hits
    if settings.tracing:
        from web.tracing import instrument  # the optional extra: imported only when turned on

        instrument(app)
    app.state.schema = schema  # read by tests: which execution path the settings chose
    app.state.response_cache = cache  # read by tests and operators; None when turned off
    app.state.persisted_queries = persisted
    return app


async def _demo_wanted() -> bool:
    from demo.loader import is_empty

    return await is_empty()
