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

    async def context_for(request: Request) -> Context:
        svc = services()
        token = bearer_token(request)
        user = await svc.accounts.authenticate(token) if token else None
        principal = svc.access.principal_for(user)
        scope = svc.read_scope(svc.access.draft_orgs(principal))
        return Context(services=svc, scope=scope, principal=principal, user=user, token=token)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        svc = await build_services(settings, endpoints)
        holder["services"] = svc
        app.state.services = svc
        try:
            if settings.loads_demo_data and await is_empty():
                log.info("repository is empty: loading demo data")
                await load_demo(svc, password=settings.demo_password.get_secret_value())
            svc.access.start_watching()
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
