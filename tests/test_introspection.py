"""``GONGKAI_INTROSPECTION`` (default on: front-end teams generate types from it) turns ``__schema`` and
``__type`` off with ``INTROSPECTION_DISABLED``; ``__typename`` is not schema introspection and works.

The session's application has the default; a second endpoint, with its schema built from the same
settings but introspection off, answers over HTTP with the session's services.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from cms.services import Services
from cms.settings import Settings
from schema.context import Context
from tests.conftest import GRAPHQL_RESPONSE
from web.app import schema_for
from web.graphql_http import GraphQLEndpoint

SCHEMA_QUERY = "{ __schema { queryType { name } } }"
TYPE_QUERY = '{ __type(name: "CatalogEntry") { name } }'
MIXED_QUERY = '{ catalog(first: 1) { totalCount } __type(name: "Query") { fields { name } } }'
TYPENAME_QUERY = "{ __typename catalog(first: 1) { edges { node { __typename } } } }"
REFUSAL = "本服务已关闭 GraphQL 内省查询（__schema、__type）。"


@pytest.fixture(scope="module")
async def closed(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """An endpoint whose schema is built from the settings with ``introspection`` off."""
    schema = schema_for(settings.model_copy(update={"introspection": False}))

    async def anonymous(request: Request) -> Context:
        return Context(
            services=services, scope=services.read_scope(), principal=services.access.principal_for(None)
        )

    endpoint = GraphQLEndpoint(
        schema, anonymous, max_request_bytes=settings.max_request_bytes, graphiql=False
    )
    app = Starlette(routes=[Route("/graphql", endpoint.handle, methods=["GET", "POST"])])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


async def post(http: httpx.AsyncClient, query: str) -> tuple[int, dict[str, Any]]:
    response = await http.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(SCHEMA_QUERY, {"__schema": {"queryType": {"name": "Query"}}}, id="schema"),
        pytest.param(TYPE_QUERY, {"__type": {"name": "CatalogEntry"}}, id="type"),
    ],
)
async def test_introspection_is_on_by_default(client, query, expected):
    # given: the default settings
    assert Settings().introspection is True
    # when: the schema is asked about
    status, body = await post(client, query)
    # then: it answers
    assert (status, body) == (200, {"data": expected})


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(SCHEMA_QUERY, id="schema"),
        pytest.param(TYPE_QUERY, id="type"),
        pytest.param(MIXED_QUERY, id="type-beside-a-query"),
    ],
)
async def test_introspection_turned_off_is_refused_with_a_code(closed, query):
    # given: introspection turned off; when: the schema is asked about
    status, body = await post(closed, query)
    # then: the request is refused as a whole, once, with a code
    assert status == 400
    assert "data" not in body
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        (REFUSAL, {"code": "INTROSPECTION_DISABLED"})
    ]


@pytest.mark.parametrize("where", ["default", "turned-off"])
async def test_typename_works_with_introspection_on_or_off(client, closed, where):
    # given: either setting; when: __typename is asked for
    status, body = await post(client if where == "default" else closed, TYPENAME_QUERY)
    # then: it answers
    assert status == 200
    assert body["data"]["__typename"] == "Query"
    assert body["data"]["catalog"]["edges"] == [{"node": {"__typename": "CatalogEntry"}}]
