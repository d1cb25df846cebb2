"""The /graphql endpoint follows GraphQL-over-HTTP: media types, methods, status codes and error codes."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid

import pytest

GRAPHQL_RESPONSE = "application/graphql-response+json"
CATALOG = "{ catalog(first: 2) { edges { node { title } } } }"


async def test_post_answers_with_the_graphql_response_media_type(client):
    response = await client.post("/graphql", json={"query": CATALOG}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert len(response.json()["data"]["catalog"]["edges"]) == 2


async def test_get_runs_queries_for_http_caches(client):
    response = await client.get("/graphql", params={"query": CATALOG}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert len(response.json()["data"]["catalog"]["edges"]) == 2


async def test_get_with_variables_and_operation_name(client):
    query = "query A($n: Int) { catalog(first: $n) { edges { cursor } } } query B { genres { value } }"
    response = await client.get(
        "/graphql",
        params={"query": query, "variables": json.dumps({"n": 1}), "operationName": "A"},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert len(response.json()["data"]["catalog"]["edges"]) == 1


TWO_OPERATIONS = "query A { genres { value } } query B { topics { value } }"
NO_OPERATION_NAME = "文档中有多个操作，请用 operationName 指明要执行哪一个。"
UNKNOWN_OPERATION = "文档中没有 operationName 所指定的操作。"


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        pytest.param(GRAPHQL_RESPONSE, 400, id="graphql-response"),
        pytest.param("application/json", 200, id="json"),
    ],
)
@pytest.mark.parametrize(
    ("operation_name", "code", "message"),
    [
        pytest.param(None, "OPERATION_NAME_REQUIRED", NO_OPERATION_NAME, id="several-without-name"),
        pytest.param("Nope", "OPERATION_NOT_FOUND", UNKNOWN_OPERATION, id="unknown-name"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_operation_that_cannot_be_chosen_is_a_request_error(
    client, method, operation_name, code, message, accept, status
):
    params = {"query": TWO_OPERATIONS, **({"operationName": operation_name} if operation_name else {})}
    if method == "GET":
        response = await client.get("/graphql", params=params, headers={"accept": accept})
    else:
        response = await client.post("/graphql", json=params, headers={"accept": accept})

    assert response.status_code == status, response.text
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": code}}]}
    assert response.headers["cache-control"] == "private, no-store"


async def test_several_operations_without_a_name_are_refused_before_anything_runs(gql, client):
    login = await gql('mutation { login(username: "demo-officer", password: "Gongkai-demo-2026") { token } }')
    staff = {"authorization": f"Bearer {login['data']['login']['token']}", "accept": GRAPHQL_RESPONSE}
    org = (await gql('{ organization(key: "yn-gov-office") { id } }'))["data"]["organization"]["id"]
    title = f"不应创建{uuid.uuid4().hex[:8]}"
    document = (
        "mutation Create($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }"
        " query Read { genres { value } }"
    )

    response = await client.post(
        "/graphql",
        json={"query": document, "variables": {"i": {"organization": org, "title": title}}},
        headers=staff,
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_NAME_REQUIRED"
    search = await client.post(
        "/graphql",
        json={
            "query": "query($o: ID!) { catalog(filter: {organization: $o, reviewState: DRAFT}, first: 100)"
            " { edges { node { title } } } }",
            "variables": {"o": org},
        },
        headers=staff,
    )
    assert title not in search.text
    assert "errors" not in search.json()


async def test_legacy_json_clients_get_200_even_for_validation_errors(client):
    response = await client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" not in response.json()


async def test_missing_accept_header_is_treated_as_json(client):
    response = await client.post("/graphql", json={"query": CATALOG})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        pytest.param(b"{not json", "application/json", 400, "BAD_REQUEST", id="malformed-json"),
        pytest.param(b"[1, 2]", "application/json", 400, "BAD_REQUEST", id="json-not-an-object"),
        pytest.param(b'{"variables": {}}', "application/json", 400, "BAD_REQUEST", id="missing-query"),
        pytest.param(
            b'{"query": "{ genres { value } }", "variables": [1]}',
            "application/json",
            400,
            "BAD_REQUEST",
            id="variables-not-object",
        ),
        pytest.param(
            b"query=x", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE", id="form-body"
        ),
    ],
)
async def test_unusable_requests_are_refused_with_a_code(client, body, content_type, status, code):
    response = await client.post(
        "/graphql", content=body, headers={"content-type": content_type, "accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_unacceptable_accept_header_gets_406(client):
    response = await client.post("/graphql", json={"query": CATALOG}, headers={"accept": "text/csv"})
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


async def test_oversized_request_body_gets_413(client, settings):
    padding = "#" * (settings.max_request_bytes + 10)
    response = await client.post(
        "/graphql", json={"query": CATALOG + padding}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 413


async def test_other_methods_are_not_allowed(client):
    response = await client.put("/graphql", json={"query": CATALOG})
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("query", "code"),
    [
        pytest.param("{ catalog(first: 2) { edges { node { title }", "GRAPHQL_PARSE_FAILED", id="syntax"),
        pytest.param(
            "{ catalog(filter: {colour: RED}) { edges { cursor } } }",
            "GRAPHQL_VALIDATION_FAILED",
            id="unknown-filter",
        ),
        pytest.param(
            "{ catalog { edges { node { secretField } } } }", "GRAPHQL_VALIDATION_FAILED", id="unknown-field"
        ),
        pytest.param(
            "{ organizations { " + "children { " * 12 + "name" + " }" * 12 + " } }",
            "QUERY_TOO_DEEP",
            id="too-deep",
        ),
        pytest.param(
            "{ " + " ".join(f"a{i}: genres {{ value }}" for i in range(40)) + " }",
            "TOO_MANY_ALIASES",
            id="too-many-aliases",
        ),
        pytest.param("{ genres { " + "value " * 3000 + "} }", "QUERY_TOO_LARGE", id="too-many-tokens"),
    ],
)
async def test_bad_documents_get_400_and_a_stable_code(client, query, code):
    response = await client.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] == code
    assert "data" not in response.json()
    assert "Traceback" not in response.text


async def test_bad_variable_values_are_user_input_errors(client):
    response = await client.post(
        "/graphql",
        json={
            "query": "query($n: Int) { catalog(first: $n) { edges { cursor } } }",
            "variables": {"n": "many"},
        },
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        pytest.param("first: 101", "PAGE_SIZE_EXCEEDED", id="page-too-large"),
        pytest.param("first: -1", "PAGE_SIZE_EXCEEDED", id="negative-page"),
        pytest.param('after: "not-a-cursor"', "INVALID_CURSOR", id="garbage-cursor"),
        pytest.param('filter: {organization: "bm90LWFuLWlk"}', "INVALID_ID", id="malformed-org-id"),
        pytest.param("filter: {year: 99999}", "BAD_USER_INPUT", id="year-out-of-range"),
        pytest.param("filter: {reviewState: DRAFT}", "FORBIDDEN", id="public-asks-for-drafts"),
    ],
)
async def test_bad_arguments_are_field_errors_with_codes(gql, arguments, code):
    body = await gql(f"{{ catalog({arguments}) {{ edges {{ cursor }} }} }}")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code
    assert body["errors"][0]["path"] == ["catalog"]


async def test_a_tampered_cursor_is_refused(gql):
    first = await gql("{ catalog(first: 1) { pageInfo { endCursor } } }")
    cursor = first["data"]["catalog"]["pageInfo"]["endCursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    body = await gql(
        "query($c: String) { catalog(first: 1, after: $c) { edges { cursor } } }", {"c": tampered}
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_graphiql_is_served_to_browsers_in_development(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = [part.split() for part in policy.split(";")]
    return {words[0]: words[1:] for words in parsed}


async def test_graphiql_may_load_exactly_its_own_assets_and_may_not_be_framed(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    policy = _directives(response.headers["content-security-policy"])
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    external = re.findall(r'<script[^>]*src="([^"]+)"', response.text)
    stylesheets = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', response.text, re.S)

    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert all(url.startswith("/graphiql-assets/") for url in external + stylesheets)
    assert policy["style-src"] == ["'unsafe-inline'", "'self'"]
    assert policy["default-src"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_decoded_get_parameters_are_kept_per_url_and_bounded(monkeypatch):
    from urllib.parse import urlencode

    from web import graphql_http
    from web.graphql_http import GraphQLEndpoint, RequestError

    monkeypatch.setattr(graphql_http, "KEPT_GET_PARAMS", 3)
    endpoint = GraphQLEndpoint(None, None, max_request_bytes=1000, graphiql=False)  # type: ignore[arg-type]

    def url(n: int, **extra: str) -> bytes:
        return urlencode({"query": CATALOG, "variables": json.dumps({"n": n}), **extra}).encode()

    first = endpoint._get_params(url(1))
    assert first.variables == {"n": 1}
    assert endpoint._get_params(url(1)) is first  # decoded once
    for n in range(2, 10):
        assert endpoint._get_params(url(n)).variables == {"n": n}
    assert len(endpoint._kept_params) == 3  # least recently used out
    assert endpoint._get_params(url(1)) is not first
    with pytest.raises(RequestError):
        endpoint._get_params(url(5, operationName="", variables="[1]"))
    assert len(endpoint._kept_params) == 3
    long = url(1, padding="x" * graphql_http.MAX_KEPT_QUERY_STRING)
    assert endpoint._get_params(long).variables == {"n": 1}
    assert long not in endpoint._kept_params  # too long to keep: decoded every time
