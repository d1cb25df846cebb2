"""Browsing without a query (issue #16): vocabularies with public counts, search by filters alone, the
year facet and the types enum, published-date ranges, interviews by date, ancestors with the
organization itself. Counts and lists are exactly what the public may read: a draft and a 不予公开
entry are never counted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from cms.content.ids import to_global_id
from cms.kinds.interviews import default_event_date
from cms.model import Organization
from cms.services import Services
from storage.documents import CatalogEntry, DisclosureMode, Interview
from tests.helpers import error_of

TOP = "综合政务"
SUB = "综合政务\\政务公开"
OTHER_TOP = "国民经济管理、国有资产监管"
GENRE = "决定"

TERMS = """
query($f: CatalogFilter) {
  topics(filter: $f) { value count }
  genres(filter: $f) { value count }
}
"""

CATALOG = """
query($f: CatalogFilter) { catalog(filter: $f, first: 50) { totalCount edges { node { title } } } }
"""

BROWSE = """
query($q: String, $f: SearchFilter, $first: Int, $after: String) {
  search(query: $q, filter: $f, first: $first, after: $after) {
    totalCount truncated
    pageInfo { hasNextPage endCursor }
    facets { years { value label count } types { value label count } topics { value count } }
    edges { node { type title } }
  }
}
"""


async def _publish(services: Services, item: Any) -> Any:
    await services.content.insert(item)
    return await services.content.publish(item)


@pytest.fixture
async def browsing_org(services: Services, fresh_org: Any) -> dict[str, Any]:
    """An organization holding three public entries (two proactive, one 依申请公开), one 不予公开 entry
    and one draft, all under the same topic and genre."""
    org: Organization = await fresh_org()

    def entry(title: str, day: date, **fields: Any) -> CatalogEntry:
        fields.setdefault("topic", SUB)
        fields.setdefault("genre", GENRE)
        return CatalogEntry(org_id=org.id, title=title, created_date=day, published_date=day, **fields)

    await _publish(services, entry("公开一", date(2021, 3, 1)))
    await _publish(services, entry("公开二", date(2022, 6, 30), topic=TOP))
    await _publish(services, entry("依申请", date(2023, 1, 1), disclosure_mode=DisclosureMode.ON_REQUEST))
    await _publish(
        services, entry("不予公开", date(2022, 7, 1), disclosure_mode=DisclosureMode.NOT_DISCLOSED)
    )
    await services.content.insert(entry("草稿", date(2022, 8, 1)))
    return {"org": org, "id": to_global_id("Organization", org.id)}


# --------------------------------------------------------------------------------------------------
# Vocabularies with public counts
# --------------------------------------------------------------------------------------------------


async def test_vocabulary_counts_are_the_public_entries_of_the_filter(gql, browsing_org):
    # given an organization with three public entries, a 不予公开 one and a draft under one topic
    # when the public asks for topics and genres under that organization, in one request
    body = await gql(TERMS, {"f": {"organization": browsing_org["id"]}})
    # then a top topic counts its sub-topics' entries, and only what the public may read is counted
    topics = {t["value"]: t["count"] for t in body["data"]["topics"]}
    genres = {g["value"]: g["count"] for g in body["data"]["genres"]}
    assert (topics[TOP], topics[SUB], topics[OTHER_TOP]) == (3, 2, 0)
    assert (genres[GENRE], sum(genres.values())) == (3, 3)


@pytest.mark.parametrize("topic", [pytest.param(TOP, id="top"), pytest.param(SUB, id="sub")])
async def test_a_topic_count_is_the_public_catalog_total_of_that_topic(gql, browsing_org, topic):
    # given the browsing organization
    scope = {"organization": browsing_org["id"]}
    # when the counts and the anonymous catalog are asked under the same filter
    counts = await gql(TERMS, {"f": scope})
    listed = await gql(CATALOG, {"f": {**scope, "topic": topic}})
    # then they agree, and the list holds neither the draft nor the 不予公开 entry
    count = next(t["count"] for t in counts["data"]["topics"] if t["value"] == topic)
    titles = {e["node"]["title"] for e in listed["data"]["catalog"]["edges"]}
    assert count == listed["data"]["catalog"]["totalCount"] == len(titles)
    assert not titles & {"草稿", "不予公开"}


async def test_vocabulary_counts_follow_the_year_filter(gql, browsing_org):
    body = await gql(TERMS, {"f": {"organization": browsing_org["id"], "year": 2022}})
    topics = {t["value"]: t["count"] for t in body["data"]["topics"]}
    assert (topics[TOP], topics[SUB]) == (1, 0)


# --------------------------------------------------------------------------------------------------
# Search without a query
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [pytest.param(None, id="omitted"), pytest.param("", id="empty"), pytest.param(" \u3000", id="blank")],
)
async def test_a_blank_query_browses_the_filter_newest_first(gql, browsing_org, query):
    # given the browsing organization
    # when the public searches it without a query
    body = await gql(BROWSE, {"q": query, "f": {"organization": browsing_org["id"]}, "first": 10})
    result = body["data"]["search"]
    # then every public item is listed newest first, with facets; the draft and 不予公开 never
    assert [e["node"]["title"] for e in result["edges"]] == ["依申请", "公开二", "公开一"]
    assert (result["totalCount"], result["truncated"]) == (3, False)
    assert result["facets"]["years"] == [
        {"value": 2023, "label": "2023", "count": 1},
        {"value": 2022, "label": "2022", "count": 1},
        {"value": 2021, "label": "2021", "count": 1},
    ]
    assert result["facets"]["types"] == [{"value": "CatalogEntry", "label": "公开目录", "count": 3}]


async def test_a_year_facet_value_goes_back_as_the_year_filter(gql, browsing_org):
    # given the year facet of a browse
    scope = {"organization": browsing_org["id"]}
    first = await gql(BROWSE, {"f": scope, "first": 0})
    year = first["data"]["search"]["facets"]["years"][1]
    # when its value is sent back unchanged as the year filter
    body = await gql(BROWSE, {"f": {**scope, "year": year["value"]}, "first": 10})
    # then it selects exactly what the facet counted
    assert body["data"]["search"]["totalCount"] == year["count"] == 1
    assert [e["node"]["title"] for e in body["data"]["search"]["edges"]] == ["公开二"]


async def test_browsing_pages_are_disjoint_and_in_order(gql, browsing_org):
    scope = {"organization": browsing_org["id"]}
    one = (await gql(BROWSE, {"f": scope, "first": 2}))["data"]["search"]
    two = (await gql(BROWSE, {"f": scope, "first": 2, "after": one["pageInfo"]["endCursor"]}))["data"][
        "search"
    ]
    assert [e["node"]["title"] for e in one["edges"] + two["edges"]] == ["依申请", "公开二", "公开一"]
    assert (one["pageInfo"]["hasNextPage"], two["pageInfo"]["hasNextPage"]) == (True, False)


async def test_a_types_filter_takes_the_enum(gql, browsing_org):
    scope = {"organization": browsing_org["id"]}
    entries = await gql(
        "query($f: SearchFilter) { search(filter: $f) { totalCount } }",
        {"f": {**scope, "types": ["CatalogEntry"]}},
    )
    issues = await gql("{ search(filter: {types: [GazetteIssue]}) { totalCount } }")
    assert entries["data"]["search"]["totalCount"] == 3
    assert issues["data"]["search"]["totalCount"] >= 1
    refused = await gql(BROWSE, {"f": {"types": ["Nope"]}}, status=400)
    assert error_of(refused) == (
        "BAD_USER_INPUT",
        "变量值不正确：Variable '$f' has invalid value at .types[0]: "
        "Value 'Nope' does not exist in 'ContentType' enum.",
    )


# --------------------------------------------------------------------------------------------------
# Published-date ranges, interviews by date, ancestors
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "until", "titles"),
    [
        pytest.param("2022-06-30", "2022-06-30", ["公开二"], id="one-day"),
        pytest.param("2022-01-01", None, ["依申请", "公开二"], id="since"),
        pytest.param(None, "2022-06-29", ["公开一"], id="until"),
        pytest.param("2024-01-01", None, [], id="none"),
    ],
)
async def test_the_catalog_filters_by_published_date(gql, browsing_org, since, until, titles):
    f = {"organization": browsing_org["id"], "publishedSince": since, "publishedUntil": until}
    body = await gql(CATALOG, {"f": f})
    catalog = body["data"]["catalog"]
    assert [e["node"]["title"] for e in catalog["edges"]] == titles
    assert catalog["totalCount"] == len(titles)


@pytest.mark.parametrize(
    ("since", "until", "field", "message"),
    [
        pytest.param(
            "2022-02-01", "2022-01-31", "publishedUntil", "结束日期不能早于开始日期。", id="reversed"
        ),
        pytest.param(
            "1900-01-01", None, "publishedSince", "日期须在 1949-01-01 至 2100-12-31 之间。", id="too-early"
        ),
    ],
)
async def test_bad_published_date_ranges_are_refused(gql, since, until, field, message):
    body = await gql(CATALOG, {"f": {"publishedSince": since, "publishedUntil": until}})
    assert error_of(body) == ("BAD_USER_INPUT", message)
    assert body["errors"][0]["extensions"]["field"] == field


INTERVIEWS = """
query($org: ID, $since: Date, $until: Date) {
  interviews(organization: $org, heldFrom: $since, heldTo: $until) { totalCount edges { node { title } } }
}
"""


@pytest.mark.parametrize(
    ("since", "until", "titles"),
    [
        # 2024-05-01 00:30 in Beijing is 2024-04-30 16:30 UTC: held on the 1st, not the 30th
        pytest.param("2024-05-01", "2024-05-01", ["凌晨访谈"], id="beijing-day"),
        pytest.param("2024-04-30", "2024-04-30", [], id="utc-day-is-not-the-day"),
        pytest.param("2024-05-02", None, ["发布会"], id="since"),
        pytest.param(None, None, ["发布会", "凌晨访谈"], id="all"),
    ],
)
async def test_interviews_filter_by_the_day_they_are_held(services, gql, fresh_org, since, until, titles):
    org = await fresh_org()
    for title, start in (
        ("凌晨访谈", datetime(2024, 4, 30, 16, 30, tzinfo=UTC)),
        ("发布会", datetime(2024, 6, 1, 2, tzinfo=UTC)),
    ):
        held = default_event_date(start, None)  # as the interview service settles it on save
        await _publish(
            services, Interview(org_id=org.id, title=title, scheduled_start=start, event_date=held)
        )
    variables = {"org": to_global_id("Organization", org.id), "since": since, "until": until}
    body = await gql(INTERVIEWS, variables)
    found = body["data"]["interviews"]
    assert [e["node"]["title"] for e in found["edges"]] == titles
    assert found["totalCount"] == len(titles)


async def test_a_reversed_interview_range_is_refused(gql):
    body = await gql(INTERVIEWS, {"since": "2024-05-02", "until": "2024-05-01"})
    assert error_of(body) == ("BAD_USER_INPUT", "结束日期不能早于开始日期。")
    assert body["errors"][0]["extensions"]["field"] == "heldTo"


@pytest.mark.parametrize(
    ("include_self", "expected"),
    [pytest.param(False, ["root"], id="ancestors"), pytest.param(True, ["root", "child"], id="and-self")],
)
async def test_ancestors_may_end_with_the_organization_itself(gql, fresh_org, include_self, expected):
    root = await fresh_org()
    child = await fresh_org(root)
    names = {root.name: "root", child.name: "child"}
    body = await gql(
        "query($id: ID!, $s: Boolean!) { node(id: $id) { ... on Organization { ancestors(includeSelf: $s) { name } } } }",
        {"id": to_global_id("Organization", child.id), "s": include_self},
    )
    assert [names[a["name"]] for a in body["data"]["node"]["ancestors"]] == expected


# --------------------------------------------------------------------------------------------------
# Paging both ways and sorting by published date
# --------------------------------------------------------------------------------------------------

CATALOG_PAGE = """
query($f: CatalogFilter, $first: Int, $after: String, $last: Int, $before: String, $sort: DateOrder) {
  catalog(filter: $f, first: $first, after: $after, last: $last, before: $before, sort: $sort) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { title } }
  }
}
"""

SEARCH_PAGE = """
query($f: SearchFilter, $first: Int, $after: String, $last: Int, $before: String, $sort: SearchOrder) {
  search(filter: $f, first: $first, after: $after, last: $last, before: $before, sort: $sort) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { title } }
  }
}
"""

NEWEST = ["依申请", "公开二", "公开一"]


def _titles(page: dict[str, Any]) -> list[str]:
    return [e["node"]["title"] for e in page["edges"]]


def _flags(page: dict[str, Any]) -> tuple[bool, bool]:
    return page["pageInfo"]["hasPreviousPage"], page["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize(
    ("query", "field", "sort", "order"),
    [
        pytest.param(CATALOG_PAGE, "catalog", "NEWEST_FIRST", NEWEST, id="catalog-newest"),
        pytest.param(CATALOG_PAGE, "catalog", "OLDEST_FIRST", NEWEST[::-1], id="catalog-oldest"),
        pytest.param(SEARCH_PAGE, "search", "NEWEST_FIRST", NEWEST, id="search-newest"),
        pytest.param(SEARCH_PAGE, "search", "OLDEST_FIRST", NEWEST[::-1], id="search-oldest"),
        pytest.param(SEARCH_PAGE, "search", "RELEVANCE", NEWEST, id="search-relevance"),
    ],
)
async def test_paging_goes_both_ways_in_either_order(gql, browsing_org, query, field, sort, order):
    # given the three public entries of the browsing organization, in the asked order
    base = {"f": {"organization": browsing_org["id"]}, "sort": sort}

    async def page(**variables: Any) -> dict[str, Any]:
        body = await gql(query, {**base, **variables})
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"][field]
        return result

    # when the last page is read without a cursor, then paged backwards, then forwards again
    tail = await page(last=2)
    head = await page(last=2, before=tail["pageInfo"]["startCursor"])
    again = await page(first=2, after=head["pageInfo"]["endCursor"])
    # then every page holds the right items in the list's order, with the right flags
    assert (_titles(tail), _flags(tail)) == (order[1:], (True, False))
    assert (_titles(head), _flags(head)) == (order[:1], (False, True))
    assert (_titles(again), _flags(again)) == (order[1:], (True, False))


@pytest.mark.parametrize(
    ("variables", "field", "message"),
    [
        pytest.param({"first": 1, "last": 1}, "last", "first 与 last 不能同时使用。", id="first-and-last"),
        pytest.param(
            {"last": 1, "after": "x"},
            "after",
            "向前翻页（last）须与 before 一起使用，不能用 after。",
            id="last-after",
        ),
        pytest.param({"first": 1, "before": "x"}, "before", "before 须与 last 一起使用。", id="first-before"),
    ],
)
@pytest.mark.parametrize(
    ("query", "name"),
    [pytest.param(CATALOG_PAGE, "catalog", id="catalog"), pytest.param(SEARCH_PAGE, "search", id="search")],
)
async def test_mixed_paging_arguments_are_refused(gql, query, name, variables, field, message):
    body = await gql(query, variables)
    assert error_of(body) == ("BAD_USER_INPUT", message)
    assert body["errors"][0]["extensions"]["field"] == field


async def test_a_cursor_of_another_order_is_refused_by_search(gql, browsing_org):
    f = {"organization": browsing_org["id"]}
    newest = await gql(SEARCH_PAGE, {"f": f, "first": 1, "sort": "NEWEST_FIRST"})
    cursor = newest["data"]["search"]["pageInfo"]["endCursor"]
    body = await gql(SEARCH_PAGE, {"f": f, "first": 1, "after": cursor, "sort": "OLDEST_FIRST"})
    assert error_of(body) == ("INVALID_CURSOR", "分页游标与本次检索不符，请从第一页重新检索。")


async def test_all_terms_share_one_read_of_the_counts(services, gql, browsing_org, monkeypatch):
    # given a reader that counts how often the public's term counts are read
    reads: list[str] = []
    original = services.content.reader.count_values

    async def counting(cls: Any, filter: Any, field: str) -> dict[Any, int]:
        reads.append(field)
        return await original(cls, filter, field)

    monkeypatch.setattr(services.content.reader, "count_values", counting)
    # when every topic's and genre's count is asked under a filter nobody asked before
    body = await gql(TERMS, {"f": {"organization": browsing_org["id"], "genre": GENRE}})
    # then the counts were read once per vocabulary, not once per term
    assert len(body["data"]["topics"]) > 10
    assert sorted(reads) == ["genre", "topic_path"]
