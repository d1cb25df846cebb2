"""The GraphQL documents the benchmark sends."""

from __future__ import annotations

from typing import Any

# The public catalog page: 20 entries of 10 fields (the shape bench.baseline answers byte for byte).
CATALOG = (
    "query Catalog($first: Int, $after: String) { catalog(first: $first, after: $after) {"
    " edges { cursor node { id title indexNumber documentNumber publishedDate genre topic validity summary"
    " organization { name } } } pageInfo { hasNextPage endCursor } } }"
)

# The same page of one organization's entries: a selective filter, one plain indexed query in the app
# and in the baseline alike, so the two processes' CPU per page compare like for like.
CATALOG_ORG = (
    "query CatalogOrg($first: Int, $after: String, $org: ID) {"
    " catalog(first: $first, after: $after, filter: {organization: $org}) {"
    " edges { cursor node { id title indexNumber documentNumber publishedDate genre topic validity summary"
    " organization { name } } } pageInfo { hasNextPage endCursor } } }"
)

# The newest 100 entries' ids (the entries the detail scenario opens).
WALK = (
    "query Walk($after: String) { catalog(first: 100, after: $after) {"
    " edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"
)

PROBE = "query Probe($after: String) { catalog(first: 1, after: $after) { edges { cursor } } }"

# One entry with everything a detail page shows, relations included (each through its dataloader).
DETAIL = (
    "query Entry($id: ID!) { node(id: $id) { ... on CatalogEntry {"
    " id title indexNumber documentNumber summary body createdDate publishedDate genre topic keywords"
    " validity validityLabel disclosureModeLabel scope"
    " organization { name } issuingOrganization { name } coIssuers { name }"
    " amendedBy { id title } repealedBy { id title } amends { id title } repeals { id title }"
    " interpretations { id title } gazetteArticles { title issue { title } }"
    " attachments { filename size url } } } }"
)

LOGIN = "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
ORGANIZATION = "query Org($k: String!) { organization(key: $k) { id } }"
CREATE = "mutation Create($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id version } }"
TRANSITION = "mutation Step($i: TransitionInput!) { transition(input: $i) { id version reviewState } }"

INTROSPECT_SEARCH = (
    "{ __schema { queryType { fields { name args { name type { kind name ofType { kind name } } }"
    " type { kind name ofType { kind name ofType { kind name } } } } } } }"
)
TERM_ARGS = ("query", "q", "text", "keywords", "term")
TERM = "政务公开"


def search_field(introspection: dict[str, Any]) -> dict[str, Any] | None:
    fields = introspection["data"]["__schema"]["queryType"]["fields"]
    found: dict[str, Any] | None = next((f for f in fields if f["name"] == "search"), None)
    return found


def search_document(field: dict[str, Any], selection: str) -> str | None:
    """A search query for what the running schema offers, or None when ``search`` takes no text."""
    arguments = {a["name"] for a in field["args"]}
    term = next((a for a in TERM_ARGS if a in arguments), None)
    if term is None:
        return None
    paging = ", first: 20" if "first" in arguments else ""
    return f"query Search($t: String!) {{ search({term}: $t{paging}) {{ {selection} }} }}"


def search_selection(connection: dict[str, str], edge: dict[str, str], node: dict[str, str]) -> str:
    """What a result page shows: each hit's title, snippet and score, and the total."""
    if "edges" not in connection:
        return "__typename"
    inner: list[str] = [name for name in ("title", "snippet", "score") if name in node]
    if "item" in node:
        inner.append(
            "item { __typename ... on Content { title } }"
            if node["item"] == "Content"
            else "item { __typename }"
        )
    selection = f"edges {{ node {{ {' '.join(inner or ['__typename'])} }} }}"
    return selection + (" totalCount" if "totalCount" in connection else "")


def type_fields_query(name: str) -> str:
    return (
        f'{{ __type(name: "{name}") {{ fields {{ name'
        " type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }"
    )


def fields_of(answer: dict[str, Any]) -> dict[str, str]:
    """Field name -> the named type under any list / non-null wrappers."""
    described = answer["data"]["__type"] or {}
    return {f["name"]: named(f["type"]) for f in described.get("fields") or []}


def named(kind: dict[str, Any]) -> str:
    while kind.get("name") is None and kind.get("ofType"):
        kind = kind["ofType"]
    return str(kind.get("name"))
