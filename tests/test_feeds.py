"""Canonical URLs and public keys, Atom/RSS feeds and sitemaps (issue #16). Feeds are read with
feedparser, sitemaps with an XML parser; only published, effective, 主动公开 items ever appear."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import feedparser
import pytest
from pydantic import ValidationError

from cms.content.ids import to_global_id
from cms.delivery.portal import canonical_url
from cms.services import Services
from cms.settings import Settings
from storage.documents import (
    CatalogEntry,
    DisclosureMode,
    GazetteIssue,
    Interpretation,
    Interview,
    ReviewState,
)

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
TEMPLATES = {
    "CatalogEntry": "https://www.example.gov.cn/zwgk/{indexNumber}.html",
    "GazetteIssue": "https://www.example.gov.cn/{organization}/gb/{year}/{number}.html",
    "Interpretation": "https://www.example.gov.cn/zcjd/{publicKey}.html",
    "Interview": "https://www.example.gov.cn/fthd/{publicKey}.html",
}
PUBLIC = ["公开二", "公开一"]  # newest first


async def _publish(services: Services, item: Any) -> Any:
    await services.content.insert(item)
    return await services.content.publish(item)


@pytest.fixture
def templates(services: Services, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(services.settings, "portal_url_templates", TEMPLATES)
    return TEMPLATES


@pytest.fixture
async def feed_org(services: Services, fresh_org: Any) -> dict[str, Any]:
    """Two proactive entries, a 依申请公开 and a 不予公开 one, and a draft."""
    org = await fresh_org()

    def entry(title: str, day: date, **fields: Any) -> CatalogEntry:
        fields.setdefault("topic", "综合政务\\政务公开")
        return CatalogEntry(org_id=org.id, title=title, created_date=day, published_date=day, **fields)

    items = {
        "公开一": await _publish(services, entry("公开一", date(2021, 3, 1), summary="第一条的摘要")),
        "公开二": await _publish(
            services, entry("公开二", date(2022, 6, 30), topic="国民经济管理、国有资产监管")
        ),
    }
    await _publish(services, entry("依申请", date(2023, 1, 1), disclosure_mode=DisclosureMode.ON_REQUEST))
    await _publish(
        services, entry("不予公开", date(2022, 7, 1), disclosure_mode=DisclosureMode.NOT_DISCLOSED)
    )
    await services.content.insert(entry("草稿", date(2022, 8, 1)))
    return {"org": org, "items": items}


async def _feed(client: Any, path: str, **params: str) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return response, parsed


# --------------------------------------------------------------------------------------------------
# Public keys and canonical URLs
# --------------------------------------------------------------------------------------------------

KEYS = """
query($id: ID!) { node(id: $id) { ... on Content { publicKey url } } }
"""


async def test_every_kind_has_a_stable_public_key_and_a_canonical_url(services, gql, fresh_org, templates):
    # given one published item of each kind
    org = await fresh_org()
    entry = await _publish(services, CatalogEntry(org_id=org.id, title="目录"))
    issue = await _publish(services, GazetteIssue(org_id=org.id, title="公报", year=2024, number=7))
    first = await _publish(services, Interpretation(org_id=org.id, title="解读一"))
    second = await _publish(services, Interpretation(org_id=org.id, title="解读二"))
    talk = await _publish(services, Interview(org_id=org.id, title="访谈"))
    # when their keys and URLs are read
    found = {}
    for item in (entry, issue, first, second, talk):
        body = await gql(KEYS, {"id": to_global_id(type(item).__name__, item.id)})
        found[item.title] = body["data"]["node"]
    # then the keys are the index number, year-number and numbers drawn at publication, in order
    index = entry.index_number.replace("/", "%2F")
    assert found["目录"] == {
        "publicKey": entry.index_number,
        "url": f"https://www.example.gov.cn/zwgk/{index}.html",
    }
    assert found["公报"] == {
        "publicKey": "2024-7",
        "url": f"https://www.example.gov.cn/{org.key}/gb/2024/7.html",
    }
    assert int(found["解读二"]["publicKey"]) == int(found["解读一"]["publicKey"]) + 1
    assert found["解读二"]["url"] == f"https://www.example.gov.cn/zcjd/{found['解读二']['publicKey']}.html"
    assert found["访谈"]["url"] == f"https://www.example.gov.cn/fthd/{talk.public_number}.html"


async def test_a_public_number_survives_withdrawal_and_republication(services, fresh_org):
    org = await fresh_org()
    item = await _publish(services, Interpretation(org_id=org.id, title="解读"))
    number = item.public_number
    await services.content.publish(item)  # published again: the number is kept, not drawn anew
    stored = await Interpretation.get(item.id)
    assert number is not None
    assert stored is not None
    assert stored.public_number == number


async def test_a_draft_has_no_public_number_and_no_url(services, fresh_org):
    org = await fresh_org()
    draft = await services.content.insert(Interpretation(org_id=org.id, title="草稿"))
    staff_view = await services.content.get(
        Interpretation, draft.id, services.content.scope(frozenset({org.id}))
    )
    assert staff_view is not None
    assert staff_view.public_number is None
    assert canonical_url(staff_view, TEMPLATES, services.orgs.tree) is None


@pytest.mark.parametrize(
    ("templates", "message"),
    [
        pytest.param({"Nope": "https://x.cn/{id}"}, "unknown type 'Nope'", id="type"),
        pytest.param({"Interview": "ftp://x.cn/{id}"}, "not an http(s) URL", id="scheme"),
        pytest.param(
            {"Interview": "https://x.cn/{indexNumber}"},
            "unknown placeholder ['indexNumber']",
            id="placeholder",
        ),
        pytest.param({"Interview": "https://x.cn/{id"}, "portal_url_templates[Interview]", id="broken"),
    ],
)
def test_bad_portal_templates_stop_the_server(templates, message):
    with pytest.raises(ValidationError) as raised:
        Settings(portal_url_templates=templates)
    assert message in str(raised.value)


# --------------------------------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "version"),
    [
        pytest.param("/feeds/catalog.atom", "atom10", id="atom"),
        pytest.param("/feeds/catalog.rss", "rss20", id="rss"),
    ],
)
async def test_a_feed_holds_only_the_public_proactive_items(client, feed_org, templates, path, version):
    # given an organization with two proactive entries and three that must never be syndicated
    org = feed_org["org"]
    # when its feed is read by a feed parser
    response, parsed = await _feed(client, path, organization=org.key)
    # then it is a valid feed of exactly the proactive entries, newest first, with canonical links
    assert parsed.version == version
    assert [e.title for e in parsed.entries] == PUBLIC
    expected = [
        TEMPLATES["CatalogEntry"].format(indexNumber=feed_org["items"][t].index_number.replace("/", "%2F"))
        for t in PUBLIC
    ]
    assert [e.link for e in parsed.entries] == expected
    assert parsed.entries[1].summary == "第一条的摘要"
    assert org.name in parsed.feed.title
    assert response.headers["cache-control"] == "public, max-age=30"


async def test_without_templates_entries_link_to_the_reading_room(client, feed_org):
    org = feed_org["org"]
    _, parsed = await _feed(client, "/feeds/catalog.atom", organization=org.key, type="CatalogEntry")
    ids = [to_global_id("CatalogEntry", feed_org["items"][t].id) for t in PUBLIC]
    assert [e.link for e in parsed.entries] == [f"http://testserver/reading-room/item/{i}" for i in ids]


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        pytest.param({"topic": "综合政务"}, ["公开一"], id="topic"),
        pytest.param({"type": "Interview"}, [], id="type"),
        pytest.param({"type": "CatalogEntry"}, PUBLIC, id="catalog-type"),
    ],
)
async def test_feeds_filter_by_topic_and_type(client, feed_org, params, titles):
    _, parsed = await _feed(client, "/feeds/catalog.atom", organization=feed_org["org"].key, **params)
    assert [e.title for e in parsed.entries] == titles


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        pytest.param({"organization": "no-such-org"}, "organization", "机构不存在。", id="organization"),
        pytest.param(
            {"type": "Nope"},
            "type",
            "内容类型应为 CatalogEntry、GazetteIssue、Interpretation、Interview 之一。",
            id="type",
        ),
        pytest.param({"topic": "主" * 101}, "topic", "主题分类不能为空，且不超过 100 个字符。", id="topic"),
    ],
)
async def test_bad_feed_parameters_get_coded_errors(client, params, field, message):
    response = await client.get("/feeds/catalog.atom", params=params)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error == {"message": message, "extensions": {"code": "BAD_USER_INPUT", "field": field}}


async def test_feeds_answer_conditional_requests_and_change_with_a_publication(services, client, feed_org):
    # given a feed read once
    org = feed_org["org"]
    first = await client.get("/feeds/catalog.atom", params={"organization": org.key})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    # when it is asked again with its validators
    by_tag = await client.get(
        "/feeds/catalog.atom", params={"organization": org.key}, headers={"if-none-match": etag}
    )
    by_date = await client.get(
        "/feeds/catalog.atom", params={"organization": org.key}, headers={"if-modified-since": modified}
    )
    # then both are 304; and after a publication the feed is rebuilt with the new entry
    assert (by_tag.status_code, by_date.status_code) == (304, 304)
    await _publish(services, CatalogEntry(org_id=org.id, title="公开三", published_date=date(2024, 1, 1)))
    again = await client.get(
        "/feeds/catalog.atom", params={"organization": org.key}, headers={"if-none-match": etag}
    )
    assert again.status_code == 200
    assert again.headers["etag"] != etag
    assert [e.title for e in feedparser.parse(again.content).entries] == ["公开三", *PUBLIC]


# --------------------------------------------------------------------------------------------------
# Sitemaps
# --------------------------------------------------------------------------------------------------


async def test_the_sitemap_index_lists_each_organization_with_public_items(client, feed_org, fresh_org):
    # given the feed organization and an organization without public items
    empty = await fresh_org()
    # when the sitemap index is read
    response = await client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's answer
    # then it is a sitemap index naming the first with its newest modification, and not the second
    assert root.tag == f"{SITEMAP}sitemapindex"
    entries = {s.findtext(f"{SITEMAP}loc"): s.findtext(f"{SITEMAP}lastmod") for s in root}
    own = f"http://testserver/sitemaps/{feed_org['org'].key}.xml"
    newest = max(item.modified for item in feed_org["items"].values())
    assert entries[own] == newest.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"http://testserver/sitemaps/{empty.key}.xml" not in entries


async def test_an_organization_sitemap_lists_its_public_proactive_items(client, feed_org, templates):
    response = await client.get(f"/sitemaps/{feed_org['org'].key}.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's answer
    assert root.tag == f"{SITEMAP}urlset"
    locs = [u.findtext(f"{SITEMAP}loc") for u in root]
    items = feed_org["items"]
    assert locs == [
        TEMPLATES["CatalogEntry"].format(indexNumber=items[t].index_number.replace("/", "%2F"))
        for t in PUBLIC
    ]
    assert all(u.findtext(f"{SITEMAP}lastmod") for u in root)


async def test_a_long_sitemap_is_split_into_pages_the_index_lists(
    client, services, fresh_org, templates, monkeypatch
):
    # given sitemap pages of two URLs, and an organization with five public entries and a draft
    monkeypatch.setattr(services.settings, "sitemap_urls", 2)
    org = await fresh_org()
    published = [
        await _publish(
            services, CatalogEntry(org_id=org.id, title=f"分页{n}", published_date=date(2020, 1, n + 1))
        )
        for n in range(5)
    ]
    await services.content.insert(CatalogEntry(org_id=org.id, title="草稿", published_date=date(2020, 2, 1)))

    # when the index and each page it names are read
    index = ET.fromstring((await client.get("/sitemap.xml")).content)  # noqa: S314 - our own server's answer
    own = f"http://testserver/sitemaps/{org.key}.xml"
    pages = [s.findtext(f"{SITEMAP}loc") for s in index if s.findtext(f"{SITEMAP}loc").startswith(own)]
    lines = []
    for page in pages:
        response = await client.get(page.removeprefix("http://testserver"))
        assert response.status_code == 200
        root = ET.fromstring(response.content)  # noqa: S314 - our own server's answer
        assert root.tag == f"{SITEMAP}urlset"
        lines.append([u.findtext(f"{SITEMAP}loc") for u in root])

    # then there are three pages of at most two URLs, every public entry once, newest first
    assert pages == [own, f"{own}?page=2", f"{own}?page=3"]
    assert [len(page) for page in lines] == [2, 2, 1]
    newest_first = sorted(published, key=lambda item: item.sort_key, reverse=True)
    assert [loc for page in lines for loc in page] == [
        TEMPLATES["CatalogEntry"].format(indexNumber=item.index_number.replace("/", "%2F"))
        for item in newest_first
    ]
    # and a page past the last is not found
    assert (await client.get(f"/sitemaps/{org.key}.xml?page=4")).status_code == 404


@pytest.mark.parametrize(
    "page", ["0", "x", "-1", "1.5", "9999999"], ids=["zero", "word", "negative", "fraction", "long"]
)
async def test_a_bad_sitemap_page_is_refused(client, feed_org, page):
    response = await client.get(f"/sitemaps/{feed_org['org'].key}.xml", params={"page": page})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["message"], error["extensions"]) == (
        "page 应为正整数。",
        {"code": "BAD_USER_INPUT", "field": "page"},
    )


async def test_an_unknown_organization_has_no_sitemap(client):
    response = await client.get("/sitemaps/no-such-org.xml")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_items_published_before_public_numbers_get_one_once(services, fresh_org):
    # given an interview published by an older version (no public number) and a draft
    org = await fresh_org()
    now = services.content.clock()
    old = Interview(
        org_id=org.id, title="旧访谈", review_state=ReviewState.PUBLISHED, effective=now, published_at=now
    )
    await services.content.insert(old)
    draft = await services.content.insert(Interview(org_id=org.id, title="草稿"))
    # when the data migration runs, twice
    await services.content.number_published()
    first = await Interview.get(old.id)
    await services.content.number_published()
    again = await Interview.get(old.id)
    # then the published one has a number that the second run keeps; the draft has none
    assert first is not None
    assert again is not None
    assert first.public_number is not None
    assert again.public_number == first.public_number
    assert (await Interview.get(draft.id)).public_number is None  # type: ignore[union-attr]
    assert "number-published-items" in {m.name for m in services.migrations().migrations}
