"""Windowed reads (storage.reads.Reader on a server that cannot stop a sorted walk early, behind
ContentService.page) return exactly what one sorted, limited query returns, and read only a window of
the collection; staff reads there never send a top-level ``$or`` (SecantusDB reads the whole collection
for one) and still return, count and look up exactly what the single ``$or`` query does."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from cms.content.store import ContentService, PageRequest
from cms.services import Services
from storage.documents import CatalogEntry, ContentDocument, ReviewState, at_midnight
from storage.reads import MONGODB, SECANTUS, EngineProfile, Reader, profile_of

DAYS_BACK = [0, 1, 5, 9, 20, 40, 100, 300, 700, 1500, 3000, 6000]


class RecordingReader(Reader):
    def __init__(self, profile: EngineProfile) -> None:
        super().__init__(profile)
        self.queries: list[dict[str, Any]] = []

    async def _find(self, cls: type[Any], query: dict[str, Any], *args: Any) -> list[dict[str, Any]]:
        self.queries.append(query)
        return await super()._find(cls, query, *args)


class Recording(ContentService):
    reader: RecordingReader

    @property
    def queries(self) -> list[dict[str, Any]]:
        return self.reader.queries


def _service(services: Services, windowed: bool) -> Recording:
    content = services.content
    reader = RecordingReader(SECANTUS if windowed else MONGODB)
    return Recording(content.orgs, content.cursors, max_page_size=100, clock=content.clock, reader=reader)


async def _entries(services: Services, org_id: Any) -> list[CatalogEntry]:
    now = services.content.clock()
    made: list[CatalogEntry] = []

    def entry(title: str, day: date, **extra: Any) -> CatalogEntry:
        fields: dict[str, Any] = {
            "review_state": ReviewState.PUBLISHED,
            "effective": at_midnight(day) if day <= now.date() else now - timedelta(hours=1),
            **extra,
        }
        return CatalogEntry(
            org_id=org_id, title=title, published_date=day, created_date=day, published_at=now, **fields
        )

    for n, back in enumerate(DAYS_BACK):
        for k in range(2):  # two on the same day: ties broken by id
            made.append(entry(f"窗口{n}-{k}", now.date() - timedelta(days=back)))
    made.append(entry("发布日期在未来但已生效", now.date() + timedelta(days=3)))
    made.append(entry("未到生效时间", now.date(), effective=now + timedelta(days=2)))
    made.append(entry("已过期", now.date() - timedelta(days=2), expires=now - timedelta(hours=1)))
    made.append(entry("草稿", now.date(), review_state=ReviewState.DRAFT))
    for item in made:
        await services.content.insert(item)
    return made


async def _walk(
    content: ContentService, cls: type[ContentDocument], size: int, drafts: frozenset[Any] = frozenset()
) -> list[str]:
    scope = content.scope(drafts)
    seen: list[str] = []
    after: str | None = None
    while True:
        page = await content.page(cls, {}, scope, PageRequest(first=size, after=after))
        seen += [f"{item.id}:{cursor}" for item, cursor in zip(page.items, page.cursors, strict=True)]
        if not page.has_next:
            return seen
        after = page.end_cursor


async def test_windowed_pages_equal_single_query_pages(services: Services, fresh_org: Any) -> None:
    org = await fresh_org()
    made = await _entries(services, org.id)
    single, windowed = _service(services, False), _service(services, True)
    # Cursors name an item's place, not a page's: one walk of the single query in the largest pages is
    # what a walk in any page size must give (walking it in small pages too read the whole session's
    # collection per page on the embedded server — minutes late in the suite, and no extra check).
    expected = await _walk(single, CatalogEntry, 100)
    for size in (7, 50):
        assert await _walk(windowed, CatalogEntry, size) == expected
        ids = {line.split(":")[0] for line in expected}
        public = {str(e.id) for e in made if e.title.startswith(("窗口", "发布日期在未来"))}
        hidden = {str(e.id) for e in made} - public
        assert public <= ids
        assert not hidden & ids


async def test_a_public_page_reads_a_window_first(services: Services, fresh_org: Any) -> None:
    org = await fresh_org()
    await _entries(services, org.id)
    windowed = _service(services, True)
    page = await windowed.page(CatalogEntry, {}, windowed.scope(), PageRequest(first=3))
    assert len(page.items) == 3
    first = windowed.queries[0]
    assert next(iter(first)) == "sort_key"
    assert "$gte" in first["sort_key"]
    since = datetime.fromisoformat(first["sort_key"]["$gte"])
    assert services.content.clock() - since <= timedelta(days=9)


async def test_selective_filters_are_one_query_and_staff_reads_never_a_top_level_or(
    services: Services, fresh_org: Any
) -> None:
    org = await fresh_org()
    await _entries(services, org.id)
    windowed = _service(services, True)
    page = await windowed.page(CatalogEntry, {"org_id": org.id}, windowed.scope(), PageRequest(first=100))
    assert len(page.items) == 2 * len(DAYS_BACK) + 1
    assert len(windowed.queries) == 1

    staff = windowed.scope(frozenset({org.id}))
    windowed.queries.clear()
    page = await windowed.page(CatalogEntry, {"org_id": org.id}, staff, PageRequest(first=100))
    assert len(page.items) == len(await _entries_of(org.id))  # drafts, scheduled and expired too
    assert [next(iter(q)) for q in windowed.queries] == ["org_id", "org_id"]  # each rides its index
    windowed.queries.clear()
    await windowed.page(CatalogEntry, {}, staff, PageRequest(first=5))
    await windowed.get_many(CatalogEntry, [page.items[0].id], staff)  # type: ignore[list-item]
    assert windowed.queries
    assert not any("$or" in q or "$and" in q for q in windowed.queries)
    windowed.queries.clear()
    await windowed.get_many(CatalogEntry, [page.items[0].id], windowed.scope())  # type: ignore[list-item]
    assert [next(iter(q)) for q in windowed.queries] == ["_id"]  # a lookup by id is never windowed
    # the single query on a server that stops sorted walks early (MongoDB) keeps its $or
    single = _service(services, False)
    await single.page(CatalogEntry, {}, staff, PageRequest(first=5))
    assert "$or" in single.queries[-1]


async def _entries_of(org_id: Any) -> list[CatalogEntry]:
    return await CatalogEntry.find({"org_id": org_id}).to_list()


async def test_staff_pages_counts_and_lookups_equal_the_single_or_query(
    services: Services, fresh_org: Any
) -> None:
    org, other = await fresh_org(), await fresh_org()
    made = await _entries(services, org.id)
    theirs = await _entries(services, other.id)
    single, windowed = _service(services, False), _service(services, True)
    drafts = frozenset({org.id})  # staff of one organization: its drafts, everyone's published items
    expected = await _walk(single, CatalogEntry, 100, drafts)  # as above: one walk, the largest pages
    for size in (7, 50):
        assert await _walk(windowed, CatalogEntry, size, drafts) == expected
        ids = {line.split(":")[0] for line in expected}
        assert {str(e.id) for e in made} <= ids  # every item of their own organization
        assert "草稿" not in {e.title for e in theirs if str(e.id) in ids}  # no other organization's draft
    scope = single.scope(drafts)
    for base in ({}, {"org_id": org.id}, {"org_id": other.id}, {"review_state": ReviewState.DRAFT.value}):
        assert await windowed.count(CatalogEntry, base, scope) == await single.count(
            CatalogEntry, base, scope
        )
    wanted = [e.id for e in made + theirs]
    assert [i and i.id for i in await windowed.get_many(CatalogEntry, wanted, scope)] == [  # type: ignore[arg-type]
        i and i.id
        for i in await single.get_many(CatalogEntry, wanted, scope)  # type: ignore[arg-type]
    ]


async def test_a_stale_newest_hint_only_costs_speed(services: Services, fresh_org: Any) -> None:
    org = await fresh_org()
    await _entries(services, org.id)
    single, windowed = _service(services, False), _service(services, True)
    windowed.reader._newest[CatalogEntry] = services.content.clock() - timedelta(days=400)
    expected = await single.page(CatalogEntry, {}, single.scope(), PageRequest(first=10))
    found = await windowed.page(CatalogEntry, {}, windowed.scope(), PageRequest(first=10))
    assert [i.id for i in found.items] == [i.id for i in expected.items]
    assert "$lt" not in windowed.queries[0]["sort_key"]  # the first window is open above
    assert windowed.reader._newest[CatalogEntry] > services.content.clock() - timedelta(days=400)


@pytest.mark.parametrize(
    ("build_info", "expected"),
    [
        pytest.param({"version": "7.0.14", "gitVersion": "ce59cfc6"}, MONGODB, id="mongodb"),
        pytest.param({"version": "7.0.0", "secantusVersion": "0.9.1"}, SECANTUS, id="secantusdb"),
    ],
)
def test_the_engine_profile_is_told_by_build_info(
    build_info: dict[str, str], expected: EngineProfile
) -> None:
    assert profile_of(build_info) == expected


async def test_the_embedded_server_is_read_as_secantusdb_by_pages_and_search_alike(
    services: Services,
) -> None:
    # given the session's embedded server, when the services were built at start-up
    # then one reader, chosen by the server's profile, serves content pages and search lookups
    assert services.content.reader.profile == SECANTUS
    assert services.search.content.reader is services.content.reader
