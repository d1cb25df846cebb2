"""List pages read only the stored fields their selection shows (schema.selection, ContentService.page):
every field a query asks for still answers exactly what a whole-document read answers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLOutputType, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from cms.admin.organizations import NewOrganization
from cms.content.ids import to_global_id
from cms.content.store import READ_PROJECTION, _projection
from cms.model import CatalogEntry, DisclosureMode, Validity
from cms.services import Services
from schema import queries
from schema.context import Context
from schema.root import build_schema
from schema.selection import stored_fields
from storage.documents import Confirmation

SCHEMA = build_schema()


def _named(kind: GraphQLOutputType) -> Any:
    while isinstance(kind, (GraphQLNonNull, GraphQLList)):
        kind = kind.of_type
    return kind


def _fields_of(type_name: str) -> dict[str, str]:
    """Each field of the type as a selection; object fields with their id (or __typename)."""
    node_type = SCHEMA._schema.get_type(type_name)
    assert isinstance(node_type, GraphQLObjectType)
    selections = {}
    for name, field in node_type.fields.items():
        inner = _named(field.type)
        if isinstance(inner, GraphQLObjectType):
            selections[name] = f"{name} {{ {'id' if 'id' in inner.fields else '__typename'} }}"
        else:
            selections[name] = name
    return selections


ENTRY_FIELDS = _fields_of("CatalogEntry")


def _page(selection: str) -> str:
    return (
        "query($n: Int, $f: CatalogFilter) { catalog(first: $n, filter: $f) {"
        f" edges {{ cursor node {{ {selection} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )


@pytest.fixture(scope="module")
async def rich_org(services: Services) -> str:
    """An organization whose published entries set every field to something other than its default,
    so that a field read from a default (not projected) cannot pass for the stored value."""
    suffix = uuid.uuid4().hex[:9].upper()
    orgs = [
        await services.orgs.create(
            NewOrganization(key=f"p-{suffix.lower()}-{n}", name=f"投影{n}{suffix}", code=f"{suffix}{n}")
        )
        for n in range(3)
    ]
    org, other, third = orgs
    moment = datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)
    newer = CatalogEntry(org_id=org.id, title="修改与废止文件", published_date=date(2024, 6, 1))
    await services.content.publish(await services.content.insert(newer))
    entry = CatalogEntry(
        org_id=org.id,
        title="字段齐全的条目",
        description="描述",
        language="zh-Hans",
        subjects=["主题一"],
        creators=["作者"],
        expires=datetime(2099, 1, 1, tzinfo=UTC),
        submitted_at=moment,
        involves_org_ids=[other.id],
        confirmations=[Confirmation(org_id=third.id, actor_id="someone", at=moment)],
        summary="概述",
        document_number="投影发〔2024〕1号",
        issuing_org_id=other.id,
        co_issuer_ids=[other.id, third.id],
        topic="综合政务\\政务公开",
        genre="通知",
        keywords=["甲", "乙"],
        created_date=date(2024, 2, 1),
        published_date=date(2024, 3, 1),
        disclosure_mode=DisclosureMode.ON_REQUEST,
        non_disclosure_reason="理由",
        legal_basis="依据",
        scope="部分公开",
        validity=Validity.REPEALED,
        validity_effective_date=date(2024, 3, 10),
        repeal_date=date(2024, 6, 1),
        amended_by_ids=[newer.id],
        repealed_by_ids=[newer.id],
        body="正文",
    )
    await services.content.publish(await services.content.insert(entry))
    newer.amended_by_ids = []  # the newer one amends and repeals the older: "amends" / "repeals"
    await services.content.publish(newer)
    return to_global_id("Organization", org.id)


async def _execute(services: Services, query: str, *, staff: bool, **variables: Any) -> dict[str, Any]:
    drafts = frozenset(o.id for o in services.orgs.tree.by_key.values()) if staff else frozenset()
    context = Context(
        services=services, scope=services.read_scope(drafts), principal=services.access.principal_for(None)
    )
    result = await SCHEMA.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


@pytest.mark.parametrize("staff", [False, True], ids=["public", "staff"])
@pytest.mark.parametrize("field", sorted(ENTRY_FIELDS))
async def test_each_field_on_a_projected_page_answers_like_whole_documents(
    services: Services, monkeypatch: pytest.MonkeyPatch, rich_org: str, field: str, staff: bool
) -> None:
    # One field at a time: a resolver that reads an undeclared attribute is not hidden by another
    # selected field that happens to read it. The newest entries (a windowed read for the public)
    # and an organization's entries with every field set.
    query = _page(ENTRY_FIELDS[field])
    assert _stored(query) is not None, "every field declares what it reads"
    for variables in ({"n": 40}, {"n": 5, "f": {"organization": rich_org}}):
        projected = await _execute(services, query, staff=staff, **variables)
        with monkeypatch.context() as whole_documents:
            whole_documents.setattr(queries, "stored_fields", lambda *args: None)
            whole = await _execute(services, query, staff=staff, **variables)
        assert len(projected["catalog"]["edges"]) in (40, 2)
        assert projected == whole


async def test_a_page_of_every_field_answers_like_whole_documents(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = _page(" ".join(ENTRY_FIELDS.values()))
    projected = await _execute(services, query, staff=False, n=100)
    monkeypatch.setattr(queries, "stored_fields", lambda *args: None)
    assert projected == await _execute(services, query, staff=False, n=100)


@pytest.mark.parametrize("staff", [False, True], ids=["public", "staff"])
async def test_a_page_answers_like_strawberrys_own_executor(
    services: Services, monkeypatch: pytest.MonkeyPatch, rich_org: str, staff: bool
) -> None:
    """The compiled fields (schema.execution) against graphql-core's general path, for every field of
    a catalog entry and a few levels of objects below it."""
    fields = {**ENTRY_FIELDS, "organization": "organization { id name shortName level parent { name } }"}
    query = _page(" ".join(fields.values()) + " __typename")
    for variables in ({"n": 60}, {"n": 5, "f": {"organization": rich_org}}):
        compiled = await _execute(services, query, staff=staff, **variables)
        with monkeypatch.context() as general:
            general.setattr(SCHEMA, "execution_context_class", StrawberryGraphQLCoreExecutionContext)
            assert compiled == await _execute(services, query, staff=staff, **variables)


async def test_body_and_summary_on_a_list_page_are_the_stored_ones(services: Services) -> None:
    page = await _execute(
        services, "{ catalog(first: 30) { edges { node { id body summary } } } }", staff=False
    )
    nodes = [e["node"] for e in page["catalog"]["edges"]]
    assert any(n["body"] for n in nodes)
    assert any(n["summary"] for n in nodes)
    for node in nodes:
        one = await _execute(
            services,
            "query($id: ID!) { node(id: $id) { ... on CatalogEntry { id body summary } } }",
            staff=False,
            id=node["id"],
        )
        assert one["node"] == node


class RawInfo:
    def __init__(self, query: str) -> None:
        document = parse(query)
        operation, *fragments = document.definitions
        self.schema = SCHEMA._schema
        self.field_nodes = [operation.selection_set.selections[0]]  # type: ignore[attr-defined]
        self.fragments = {f.name.value: f for f in fragments}  # type: ignore[attr-defined]


class FakeInfo:
    def __init__(self, query: str) -> None:
        self._raw_info = RawInfo(query)


def _stored(query: str) -> frozenset[str] | None:
    return stored_fields(FakeInfo(query), "CatalogEntry", ("edges", "node"))


def test_the_benchmark_page_reads_the_fields_it_shows() -> None:
    from bench.queries import CATALOG

    assert _stored(CATALOG) == {
        "id", "title", "index_number", "document_number", "published_date", "genre", "topic",
        "validity", "summary", "org_id",
    }  # fmt: skip


def test_fragments_aliases_and_typename_are_followed() -> None:
    query = (
        "{ catalog { edges { node { __typename heading: title ...More ... on Content { reviewStateLabel }"
        " ... on CatalogEntry { validityLabel } } } } }"
        " fragment More on CatalogEntry { body organization { name } }"
    )
    # body is read through the withholding rule (cms.content.visibility.content_withheld): its mode too
    assert _stored(query) == {"title", "body", "disclosure_mode", "org_id", "review_state", "validity"}


def test_a_field_whose_reads_are_not_declared_makes_the_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = SCHEMA._schema.get_type("CatalogEntry")
    assert isinstance(entry, GraphQLObjectType)
    definition = entry.fields["validityLabel"].extensions["strawberry-definition"]
    monkeypatch.setattr(definition, "metadata", {})
    assert _stored("{ catalog { edges { node { title validityLabel } } } }") is None


def test_a_projection_keeps_required_fields_and_falls_back_on_unknown_names() -> None:
    # disclosure_mode always: read as its default (主动公开) it would reveal withheld content
    always = {"title": 1, "org_id": 1, "sort_key": 1, "disclosure_mode": 1}
    assert _projection(CatalogEntry, {"summary"}) == {"summary": 1, **always}
    assert _projection(CatalogEntry, {"id"}) == {"_id": 1, **always}
    assert _projection(CatalogEntry, {"summary", "no_such_field"}) is READ_PROJECTION
    assert _projection(CatalogEntry, None) is READ_PROJECTION


async def test_the_catalog_query_passes_its_projection_to_the_read(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench.queries import CATALOG

    seen: list[Any] = []
    page = services.catalog.page

    async def recording(*args: Any, fields: Any = None, **kwargs: Any) -> Any:
        seen.append(fields)
        return await page(*args, fields=fields, **kwargs)

    monkeypatch.setattr(services.catalog, "page", recording)
    await _execute(services, CATALOG, staff=False, first=20)
    assert seen == [_stored(CATALOG)]
