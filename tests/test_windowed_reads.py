"""Windowed public reads (ContentService.page on servers that cannot stop a sorted walk early) return
exactly what one sorted, limited query returns, and read only a window of the collection."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from cms.content import ContentService, PageRequest
from cms.services import Services
from storage.documents import CatalogEntry, ContentDocument, ReviewState, at_midnight

DAYS_BACK = [0, 1, 5, 9, 20, 40, 100, 300, 700, 1500, 3000, 6000]


class Recording(ContentService):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queries: list[dict[str, Any]] = []

    async def _read(self, cls: type[Any], query: dict[str, Any], *, limit: int, **kwargs: Any) -> list[Any]:
        self.queries.append(query)
        return await super()._read(cls, query, limit=limit, **kwargs)


def _service(services: Services, windowed: bool) -> Recording:
    content = services.content
    return Recording(
        content.orgs, content.cursors, max_page_size=100, clock=content.clock, windowed_reads=windowed
    )


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


async def _walk(content: ContentService, cls: type[ContentDocument], size: int) -> list[str]:
    scope = content.scope()
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
    for size in (7, 50):
        expected = await _walk(single, CatalogEntry, size)
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


async def test_selective_filters_and_staff_reads_are_one_query(services: Services, fresh_org: Any) -> None:
    org = await fresh_org()
    await _entries(services, org.id)
    windowed = _service(services, True)
    page = await windowed.page(CatalogEntry, {"org_id": org.id}, windowed.scope(), PageRequest(first=100))
    assert len(page.items) == 2 * len(DAYS_BACK) + 1
    assert len(windowed.queries) == 1
    staff = windowed.scope(frozenset({org.id}))
    await windowed.page(CatalogEntry, {}, staff, PageRequest(first=5))
    assert len(windowed.queries) == 2
    assert "$or" in windowed.queries[-1]


async def test_a_stale_newest_hint_only_costs_speed(services: Services, fresh_org: Any) -> None:
    org = await fresh_org()
    await _entries(services, org.id)
    single, windowed = _service(services, False), _service(services, True)
    windowed._newest[CatalogEntry] = services.content.clock() - timedelta(days=400)
    expected = await single.page(CatalogEntry, {}, single.scope(), PageRequest(first=10))
    found = await windowed.page(CatalogEntry, {}, windowed.scope(), PageRequest(first=10))
    assert [i.id for i in found.items] == [i.id for i in expected.items]
    assert "$lt" not in windowed.queries[0]["sort_key"]  # the first window is open above
    assert windowed._newest[CatalogEntry] > services.content.clock() - timedelta(days=400)
