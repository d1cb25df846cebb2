"""Nothing unpublished reaches the public: not through lists, lookups, relations or counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cms.content.ids import to_global_id
from cms.content.visibility import is_publicly_visible
from cms.kinds.catalog import NewCatalogEntry
from cms.kinds.interpretations import NewInterpretation
from storage.documents import CatalogEntry, ReviewState

DRAFT_MARKER = "（草稿样例）"


async def _everything_public(gql) -> str:
    """Every public read path, concatenated, to search for leaks."""
    parts, after = [], None
    while True:
        body = await gql(
            "query($a: String) { catalog(first: 100, after: $a) { totalCount edges { node { id title indexNumber"
            " interpretations { id title } } } pageInfo { hasNextPage endCursor } } }",
            {"a": after},
        )
        parts.append(str(body))
        if not body["data"]["catalog"]["pageInfo"]["hasNextPage"]:
            break
        after = body["data"]["catalog"]["pageInfo"]["endCursor"]
    for query in [
        # 50 issues of up to 40 articles each stay inside the answer-size ceiling (GONGKAI_MAX_QUERY_COST)
        "{ gazetteIssues(first: 50) { edges { node { title articles { title catalogEntry { title } } } } } }",
        "{ interpretations(first: 100) { edges { node { title interprets { title } } } } }",
        "{ interviews(first: 100) { edges { node { title } } } }",
    ]:
        parts.append(str(await gql(query)))
    return "\n".join(parts)


async def test_demo_drafts_never_appear_publicly(gql, services):
    drafts = await CatalogEntry.find({"review_state": {"$ne": "published"}}).to_list()
    assert drafts, "demo data must hold unpublished items to test against"
    public = await _everything_public(gql)
    assert DRAFT_MARKER not in public
    for draft in drafts:
        # Titles are only unique for the demo samples (other tests reuse titles, and a working copy
        # carries its published original's title); ids are unique for everything.
        if DRAFT_MARKER in draft.title:
            assert draft.title not in public
        assert str(draft.id) not in public
        node = await gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": to_global_id("CatalogEntry", draft.id)}
        )
        assert node == {"data": {"node": None}}


async def test_a_draft_with_an_index_number_cannot_be_looked_up(gql, services, fresh_org):
    org = await fresh_org()
    draft = await services.catalog.create_draft(NewCatalogEntry(org_id=org.id, title="未发布的草稿"))
    number = await services.content.assign_index_number(draft)
    body = await gql("query($i: String!) { catalogEntry(indexNumber: $i) { id } }", {"i": number})
    assert body == {"data": {"catalogEntry": None}}
    count = await gql(
        "query($o: ID) { catalog(filter: {organization: $o}) { totalCount } }",
        {"o": to_global_id("Organization", org.id)},
    )
    assert count["data"]["catalog"]["totalCount"] == 0


async def test_future_effective_date_hides_until_it_comes(gql, services, fresh_org):
    org = await fresh_org()
    entry = await services.catalog.create_draft(NewCatalogEntry(org_id=org.id, title="定时发布的文件"))
    await services.content.publish(entry, effective=datetime.now(UTC) + timedelta(days=3))
    gid = to_global_id("CatalogEntry", entry.id)
    assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": gid}))["data"]["node"] is None
    assert not is_publicly_visible(entry, datetime.now(UTC))
    assert is_publicly_visible(entry, datetime.now(UTC) + timedelta(days=4))


async def test_expired_items_leave_the_public_view(gql, services, fresh_org):
    org = await fresh_org()
    entry = await services.catalog.create_draft(NewCatalogEntry(org_id=org.id, title="已过期的文件"))
    entry.expires = datetime.now(UTC) - timedelta(minutes=1)
    await services.content.publish(entry, effective=datetime.now(UTC) - timedelta(days=1))
    body = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": to_global_id("CatalogEntry", entry.id)}
    )
    assert body["data"]["node"] is None


async def test_an_unpublished_interpretation_does_not_show_on_a_published_entry(gql, services, fresh_org):
    org = await fresh_org()
    entry = await services.catalog.create_draft(
        NewCatalogEntry(org_id=org.id, title="已发布的文件", created_date=date(2024, 1, 2))
    )
    await services.content.publish(entry)
    await services.interpretations.create_draft(
        NewInterpretation(org_id=org.id, title="尚未审核的解读", interprets_ids=[entry.id])
    )
    published = await services.interpretations.create_draft(
        NewInterpretation(org_id=org.id, title="已发布的解读", interprets_ids=[entry.id])
    )
    await services.content.publish(published)
    body = await gql(
        "query($id: ID!) { node(id: $id) { ... on CatalogEntry { interpretations { title } } } }",
        {"id": to_global_id("CatalogEntry", entry.id)},
    )
    assert body["data"]["node"]["interpretations"] == [{"title": "已发布的解读"}]


async def test_published_items_appear_at_once(gql, services, fresh_org):
    org = await fresh_org()
    entry = await services.catalog.create_draft(NewCatalogEntry(org_id=org.id, title="刚刚发布的文件"))
    assert entry.review_state is ReviewState.DRAFT
    await services.content.publish(entry)
    body = await gql(
        "query($o: ID) { catalog(filter: {organization: $o}) { edges { node { title indexNumber } } } }",
        {"o": to_global_id("Organization", org.id)},
    )
    [edge] = body["data"]["catalog"]["edges"]
    assert edge["node"]["title"] == "刚刚发布的文件"
    assert edge["node"]["indexNumber"].startswith(org.code + "/")
