"""The public read API over the demo province: every query the foundation offers."""

from __future__ import annotations

import pytest

from cms.content.ids import to_global_id

SEED_TITLE = "云南省人民政府办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"
SEED_NUMBER = "云政办发〔2013〕115号"

ENTRY_FIELDS = """
  id title summary indexNumber documentNumber topic genre createdDate publishedDate validity validityLabel
  disclosureMode disclosureModeLabel reviewState keywords body
  issuingOrganization { name code } organization { key name }
"""


async def _all_pages(gql, filter_: dict | None = None, page_size: int = 50) -> list[dict]:
    nodes, after = [], None
    while True:
        body = await gql(
            "query($f: CatalogFilter, $a: String, $n: Int) { catalog(filter: $f, first: $n, after: $a) {"
            " edges { cursor node { id title publishedDate topic genre year validity disclosureMode reviewState"
            " organization { key } } } pageInfo { hasNextPage endCursor } } }",
            {"f": filter_, "a": after, "n": page_size},
        )
        assert "errors" not in body, body
        page = body["data"]["catalog"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_paging_walks_the_whole_catalog_newest_first_without_repeats(gql):
    nodes = await _all_pages(gql)
    total = (await gql("{ catalog { totalCount } }"))["data"]["catalog"]["totalCount"]
    assert len(nodes) == total
    assert len({n["id"] for n in nodes}) == total
    dates = [n["publishedDate"] for n in nodes]
    assert dates == sorted(dates, reverse=True)
    assert total >= 300


async def test_default_page_size_applies(gql, settings):
    body = await gql("{ catalog { edges { cursor } pageInfo { hasNextPage } } }")
    assert len(body["data"]["catalog"]["edges"]) == settings.default_page_size


async def test_seed_document_is_a_published_entry_with_index_number(gql):
    body = await gql(
        f"query($n: String!) {{ catalogEntriesByDocumentNumber(documentNumber: $n) {{ {ENTRY_FIELDS} }} }}",
        {"n": SEED_NUMBER},
    )
    [entry] = body["data"]["catalogEntriesByDocumentNumber"]
    assert entry["title"] == SEED_TITLE
    assert entry["issuingOrganization"]["name"] == "云南省人民政府办公厅"
    assert entry["reviewState"] == "PUBLISHED"
    assert entry["validityLabel"] == "有效"
    assert entry["disclosureModeLabel"] == "主动公开"
    assert entry["createdDate"] == "2013-12-24"
    assert entry["indexNumber"]
    assert "回应社会关切" in entry["body"]

    by_index = await gql(
        "query($i: String!) { catalogEntry(indexNumber: $i) { id title } }", {"i": entry["indexNumber"]}
    )
    assert by_index["data"]["catalogEntry"] == {"id": entry["id"], "title": SEED_TITLE}


async def test_unknown_index_number_is_null_not_an_error(gql):
    body = await gql('{ catalogEntry(indexNumber: "000000000/1999-99999") { id } }')
    assert body == {"data": {"catalogEntry": None}}


async def test_seed_document_has_its_interpretation_both_ways(gql):
    body = await gql(
        "query($n: String!) { catalogEntriesByDocumentNumber(documentNumber: $n) {"
        " interpretations { id title kind interprets { documentNumber } } } }",
        {"n": SEED_NUMBER},
    )
    [entry] = body["data"]["catalogEntriesByDocumentNumber"]
    assert entry["interpretations"], "the seed document must come with its interpretation"
    for interpretation in entry["interpretations"]:
        assert {"documentNumber": SEED_NUMBER} in interpretation["interprets"]


async def test_node_finds_every_type_by_global_id(gql):
    body = await gql(
        "{ catalog(first: 1) { edges { node { id } } } gazetteIssues(first: 1) { edges { node { id articles { id } } } }"
        " interpretations(first: 1) { edges { node { id } } } interviews(first: 1) { edges { node { id } } }"
        " organizations { id } }"
    )
    data = body["data"]
    ids = {
        "CatalogEntry": data["catalog"]["edges"][0]["node"]["id"],
        "GazetteIssue": data["gazetteIssues"]["edges"][0]["node"]["id"],
        "GazetteArticle": data["gazetteIssues"]["edges"][0]["node"]["articles"][0]["id"],
        "Interpretation": data["interpretations"]["edges"][0]["node"]["id"],
        "Interview": data["interviews"]["edges"][0]["node"]["id"],
        "Organization": data["organizations"][0]["id"],
    }
    for type_name, global_id in ids.items():
        found = await gql("query($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id})
        assert found["data"]["node"] == {"__typename": type_name, "id": global_id}


async def test_node_of_a_missing_object_is_null(gql):
    missing = to_global_id("CatalogEntry", "0123456789ab0123456789ab")
    body = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": missing})
    assert body == {"data": {"node": None}}


async def test_organization_tree_has_three_levels(gql):
    body = await gql(
        "{ organizations { key name level children { name level children { name level parent { name } } } } }"
    )
    [province] = [o for o in body["data"]["organizations"] if o["key"] == "yn-gov"]
    assert province["level"] == "PROVINCE"
    prefectures = [c for c in province["children"] if c["level"] == "PREFECTURE"]
    assert prefectures
    counties = [g for p in prefectures for g in p["children"] if g["level"] == "COUNTY"]
    assert counties
    assert all(g["parent"]["name"] in {p["name"] for p in prefectures} for g in counties)


async def test_subtree_filter_includes_lower_levels_and_plain_filter_does_not(gql):
    orgs = await gql('{ organization(key: "yn-gov") { children { id key level children { key } } } }')
    prefecture = next(c for c in orgs["data"]["organization"]["children"] if c["level"] == "PREFECTURE")
    own = await _all_pages(gql, {"organization": prefecture["id"]})
    whole = await _all_pages(gql, {"organization": prefecture["id"], "includeSubtree": True})
    subtree_keys = {prefecture["key"], *(c["key"] for c in prefecture["children"])}
    assert {n["organization"]["key"] for n in own} == {prefecture["key"]}
    assert {n["organization"]["key"] for n in whole} <= subtree_keys
    assert len(whole) > len(own)


async def test_top_level_topic_filter_includes_its_subtopics(gql):
    everything = await _all_pages(gql)
    top = next(n["topic"] for n in everything if n["topic"]).split("\\")[0]
    filtered = await _all_pages(gql, {"topic": top})
    assert filtered
    expected = {n["id"] for n in everything if (n["topic"] or "").split("\\")[0] == top}
    assert {n["id"] for n in filtered} == expected


@pytest.mark.parametrize(
    ("field", "graphql_field"),
    [
        pytest.param("genre", "genre", id="genre"),
        pytest.param("year", "year", id="year"),
        pytest.param("validity", "validity", id="validity"),
        pytest.param("disclosureMode", "disclosureMode", id="disclosure-mode"),
    ],
)
async def test_each_filter_returns_exactly_the_matching_entries(gql, field, graphql_field):
    everything = await _all_pages(gql)
    value = next(n[graphql_field] for n in everything if n[graphql_field] is not None)
    filtered = await _all_pages(gql, {field: value})
    assert {n["id"] for n in filtered} == {n["id"] for n in everything if n[graphql_field] == value}


async def test_repealed_entries_stay_published_and_marked(gql):
    repealed = await _all_pages(gql, {"validity": "REPEALED"})
    assert repealed, "demo data holds repealed documents"
    assert all(n["reviewState"] == "PUBLISHED" for n in repealed)


async def _org_id(gql, key: str) -> str:
    body = await gql("query($k: String!) { organization(key: $k) { id } }", {"k": key})
    org_id: str = body["data"]["organization"]["id"]
    return org_id


async def test_gazette_issues_list_articles_that_link_to_entries(gql):
    # The demo's issues: other tests publish issues of their own organizations.
    body = await gql(
        "query($o: ID!) { gazetteIssues(organization: $o) { totalCount edges { node {"
        " title year number publicationDate"
        " articles { order section title issue { number } catalogEntry { documentNumber } } } } } }",
        {"o": await _org_id(gql, "yn-gov")},
    )
    issues = body["data"]["gazetteIssues"]
    assert issues["totalCount"] == 2
    numbers = [e["node"]["number"] for e in issues["edges"]]
    assert numbers == sorted(numbers, reverse=True)
    articles = [a for e in issues["edges"] for a in e["node"]["articles"]]
    assert any(a["catalogEntry"] for a in articles)
    for edge in issues["edges"]:
        orders = [a["order"] for a in edge["node"]["articles"]]
        assert orders == sorted(orders)
        assert all(a["issue"]["number"] == edge["node"]["number"] for a in edge["node"]["articles"])


async def test_entries_know_the_gazette_articles_that_publish_them(gql):
    body = await gql(
        "{ gazetteIssues { edges { node { articles { title catalogEntry { id gazetteArticles { title } } } } } } }"
    )
    for edge in body["data"]["gazetteIssues"]["edges"]:
        for article in edge["node"]["articles"]:
            if article["catalogEntry"]:
                assert {"title": article["title"]} in article["catalogEntry"]["gazetteArticles"]


async def test_interview_transcript_is_ordered_and_complete(gql):
    body = await gql(
        # a few full transcripts per page: 20 of up to 200 turns each exceed the answer-size ceiling
        "query($o: ID!) { interviews(organization: $o, first: 5) { edges { node { title kind scheduledStart"
        " guests { name title } questions { text answer } transcript { seq speaker role text time } } } } }",
        {"o": await _org_id(gql, "yn-gov-office")},
    )
    [edge] = body["data"]["interviews"]["edges"]
    interview = edge["node"]
    assert interview["guests"]
    seqs = [t["seq"] for t in interview["transcript"]]
    assert seqs == sorted(seqs)
    assert len(seqs) >= 10
    times = [t["time"] for t in interview["transcript"] if t["time"]]
    assert times == sorted(times)


async def test_vocabularies_hold_the_national_lists(gql):
    body = await gql("{ topics { value label parent } genres { value } }")
    topics = body["data"]["topics"]
    assert {"value": "综合政务", "label": "综合政务", "parent": None} in topics
    assert any(t["value"] == "综合政务\\政务公开" and t["parent"] == "综合政务" for t in topics)
    assert {"value": "意见"} in body["data"]["genres"]
