"""The estimated size of an answer has a ceiling (``GONGKAI_MAX_QUERY_COST``), checked before anything
runs: a request above it gets ``QUERY_TOO_COMPLEX`` with the estimate and the ceiling, like the other
limits on documents (HTTP 400 for ``application/graphql-response+json``, no ``data``).

The estimate counts the values an answer can hold (see schema/cost.py); every query the admin app
sends, the README's examples and a portal's pages stay below the default ceiling.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, validate

from cms.settings import Settings
from schema.cost import CostRules, plan
from schema.root import build_schema
from tests.conftest import GRAPHQL_RESPONSE

ROOT = Path(__file__).resolve().parents[1]
CEILING = Settings().max_query_cost
RULES = CostRules(max_cost=CEILING, max_page_size=100, default_page_size=20)
SCHEMA = build_schema()._schema

# Issue #13's request: 30 aliases of a 100-entry page asking for each entry's amends and repeals.
ISSUE_13 = (
    "query{"
    + " ".join(f"a{n}:catalog(first:100){{...F}}" for n in range(30))
    + "} fragment F on CatalogEntryConnection{edges{node{amends{id} repeals{id}}}}"
)
# Lists in lists: the organization tree five levels down from every top-level organization.
DEEP_LISTS = (
    "{ organizations { name children { name children { name children { name"
    " children { name children { name } } } } } } }"
)
# Fragments spreading fragments: each level doubles what the one below costs.
MULTIPLYING = """
query($n: Int) { catalog(first: $n) { edges { node { ...L1 } } } }
fragment L1 on CatalogEntry { amends { ...L2 } repeals { ...L2 } }
fragment L2 on CatalogEntry { amends { ...L3 } repeals { ...L3 } }
fragment L3 on CatalogEntry { amends { id } repeals { id } }
"""
# L3 = 2 x (relation 1 + 3 x id 1) = 8; L2 = 2 x (1 + 3 x L3) = 50; L1 = 2 x (1 + 3 x L2) = 302
NODE = 1 + 2 * (1 + 3 * (2 * (1 + 3 * (2 * (1 + 3)))))
MULTIPLYING_INLINED = """
query($n: Int) { catalog(first: $n) { edges { node {
  amends { amends { amends { id } repeals { id } } repeals { amends { id } repeals { id } } }
  repeals { amends { amends { id } repeals { id } } repeals { amends { id } repeals { id } } }
} } } }
"""


def estimate(text: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(text)
    assert validate(SCHEMA, document) == []
    return plan(SCHEMA, document, RULES).estimate(RULES, None, variables or {})


def refusal(estimate: int) -> str:
    return (
        f"查询过于复杂：预计返回约 {estimate} 项数据，超出上限 {CEILING} 项。"
        "请减少每页条数、别名或嵌套的列表字段。"
    )


async def post(client, query: str, variables: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        # 30 x (catalog 1 + edges 1 + 100 x (node 1 + 2 x (relation 1 + 3 x id 1)))
        pytest.param(ISSUE_13, None, 30 * (2 + 100 * 9), id="issue-13-aliases"),
        # 30 organizations, each level a name and four children, five levels down
        pytest.param(DEEP_LISTS, None, 1 + 30 * (2 + 4 * (2 + 4 * (2 + 4 * (2 + 4 * (2 + 4))))), id="deep"),
        # 50 entries, each node 1 + L1 (see NODE)
        pytest.param(MULTIPLYING, {"n": 50}, 2 + 50 * NODE, id="fragments"),
    ],
)
async def test_a_request_above_the_ceiling_is_refused_before_execution(client, query, variables, expected):
    # given: a short document whose answer would be large
    assert expected > CEILING
    # when: it is sent
    status, body = await post(client, query, variables)
    # then: refused as a whole with the estimate and the ceiling, nothing executed
    assert status == 400
    assert "data" not in body
    assert body["errors"] == [{"message": refusal(expected), "extensions": {"code": "QUERY_TOO_COMPLEX"}}]


@pytest.mark.parametrize(
    ("size", "refused"),
    [pytest.param(5, False, id="five-entries"), pytest.param(50, True, id="fifty-entries")],
)
async def test_variables_giving_first_are_counted_for_each_request(client, size, refused):
    # given: one document text, its page size a variable (checked once as a document, per request
    # for its variables)
    expected = 2 + size * NODE
    for _ in range(2):
        # when: sent with a small or a large page
        status, body = await post(client, MULTIPLYING, {"n": size})
        # then: the small page runs, the large one is refused, every time
        if refused:
            assert (status, body["errors"][0]["message"]) == (400, refusal(expected))
        else:
            assert status == 200
            assert len(body["data"]["catalog"]["edges"]) == size


def test_fragments_count_wherever_they_are_spread() -> None:
    assert estimate(MULTIPLYING, {"n": 7}) == estimate(MULTIPLYING_INLINED, {"n": 7}) == 2 + 7 * NODE


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        # catalog 1 + edges 1 + n x (node 1 + id 1)
        pytest.param({}, 2 + 20 * 2, id="absent-default-page"),
        pytest.param({"n": None}, 2 + 20 * 2, id="null-default-page"),
        pytest.param({"n": 7}, 2 + 7 * 2, id="given"),
        pytest.param({"n": 5000}, 2 + 100 * 2, id="above-the-page-limit"),
        pytest.param({"n": "many"}, 2 + 100 * 2, id="not-a-number"),
    ],
)
def test_a_variable_page_size_is_read_as_the_resolver_reads_it(variables, expected) -> None:
    assert estimate("query($n: Int) { catalog(first: $n) { edges { node { id } } } }", variables) == expected


def test_a_field_of_an_interface_counts_its_largest_concrete_selection() -> None:
    query = """query($id: ID!) { node(id: $id) {
      ... on Content { title attachments { id } }
      ... on CatalogEntry { amends { id } }
      ... on Interview { transcript { text } }
    } }"""
    # Interview: title 1 + attachments (1 + 5) + transcript (1 + 200); a catalog entry is smaller
    assert estimate(query) == 1 + 1 + 6 + 201


def _admin_operations() -> list[Any]:
    # every file of operations (operations.ts, and the screens' own files beside it)
    files = sorted((ROOT / "admin-ui/src/graphql").glob("*.ts"))
    source = "".join(f.read_text(encoding="utf-8") for f in files)
    texts = re.findall(r"export const \w+ = graphql\(`(.*?)`\)", source, re.S)
    # graphql-codegen's client preset appends the fragments an operation spreads (by name): so do we
    fragments = {m.group(1): t for t in texts if (m := re.match(r"\s*fragment (\w+)", t))}

    def expand(text: str, seen: set[str]) -> str:
        spread = dict.fromkeys(re.findall(r"\.\.\.(\w+)", text))
        used = [n for n in spread if n in fragments and n not in seen]
        seen.update(used)
        return text + "".join(expand(fragments[n], seen) for n in used)

    operations = {
        re.findall(r"(?:query|mutation) (\w+)", t)[0]: expand(t, set())
        for t in texts
        if re.match(r"\s*(query|mutation)", t)
    }
    assert len(operations) > 40
    return [pytest.param(text, id=name) for name, text in operations.items()]


@pytest.mark.parametrize("operation", _admin_operations())
def test_every_admin_operation_is_under_the_ceiling_whatever_its_variables(operation) -> None:
    # every variable as large as it could be: page sizes at their limits
    names = [v.variable.name.value for v in parse(operation).definitions[0].variable_definitions or ()]
    assert estimate(operation, dict.fromkeys(names, 10**6)) <= CEILING


def _readme_examples() -> list[Any]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r'\{\\?"query\\?":\\?"(.*?)\\?"\}', readme)
    queries = [q.replace('\\\\"', '"').replace('\\"', '"') for q in found]
    assert len(queries) >= 3
    return [pytest.param(q, id=f"readme-{n}") for n, q in enumerate(queries)]


PORTAL_PAGES = [
    pytest.param(
        """{
          catalog(first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
            id title indexNumber documentNumber publishedDate topic genre validityLabel organization { id name } } } }
          gazetteIssues(first: 6) { edges { node { id title year number publicationDate } } }
          interpretations(first: 10) { edges { node { id title kind publishedDate interprets { id title } } } }
          interviews(first: 6) { edges { node { id title kind scheduledStart guests { name title } } } }
          organizations { id name shortName children { id name shortName } }
          topics { value label parent }
          genres { value label }
        }""",
        id="portal-home",
    ),
    pytest.param(
        """query($id: ID!) { node(id: $id) { ... on CatalogEntry {
          id title indexNumber documentNumber summary body topic genre keywords createdDate publishedDate
          validity validityLabel validityEffectiveDate repealDate disclosureMode disclosureModeLabel scope
          organization { id name } issuingOrganization { id name } coIssuers { id name }
          attachments { id filename size contentType url thumbnailUrl }
          interpretations { id title kind publishedDate attachments { id filename url } }
          gazetteArticles { id title issue { id title year number } }
          amendedBy { id title } repealedBy { id title } amends { id title } repeals { id title }
        } } }""",
        id="portal-entry",
    ),
    pytest.param(
        """query($q: String!, $first: Int) { search(query: $q, first: $first) {
          totalCount truncated pageInfo { hasNextPage endCursor }
          edges { cursor node { type title snippet score article { id title } item { id title path
            ... on CatalogEntry { indexNumber documentNumber publishedDate organization { name } }
            ... on Interview { kind scheduledStart } } } }
          facets { organizations { value label count } topics { value label count }
            genres { value label count } years { value label count } types { value label count } } } }""",
        id="portal-search",
    ),
]


@pytest.mark.parametrize("query", [*_readme_examples(), *PORTAL_PAGES])
async def test_readme_examples_and_portal_pages_are_under_the_ceiling(query) -> None:
    assert estimate(query, {"first": 100}) <= CEILING
