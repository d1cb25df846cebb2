"""The composition root: the Starlette application, its lifespan and routes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cms.demo.loader import is_empty, load_demo
from cms.services import Endpoints, Services, build_services
from cms.settings import Settings
from cms.web.graphql_http import GraphQLEndpoint
from schema.context import Context
from schema.root import build_schema

log = logging.getLogger("gongkai.web")


def create_app(settings: Settings, endpoints: Endpoints) -> Starlette:
    schema = build_schema(
        max_depth=settings.max_query_depth, max_aliases=settings.max_aliases, max_tokens=settings.max_tokens
    )
    holder: dict[str, Services] = {}

    def services() -> Services:
        return holder["services"]

    def context_for(request: Request) -> Context:
        svc = services()
        return Context(services=svc, scope=svc.read_scope())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        svc = await build_services(settings, endpoints)
        holder["services"] = svc
        app.state.services = svc
        try:
            if settings.loads_demo_data and await is_empty():
                log.info("repository is empty: loading demo data")
                await load_demo(svc)
            yield
        finally:
            await svc.close()

    graphql = GraphQLEndpoint(
        schema, context_for, max_request_bytes=settings.max_request_bytes, graphiql=settings.graphiql_enabled
    )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def admin(request: Request) -> Response:
        return PlainTextResponse("管理后台尚未构建。", status_code=503)

    return Starlette(
        routes=[
            Route("/graphql", graphql.handle, methods=["GET", "POST"]),
            Route("/healthz", health, methods=["GET"]),
            Route("/admin", admin, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
