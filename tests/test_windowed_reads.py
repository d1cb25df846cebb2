"""Windowed reads (storage.reads.Reader on a server that cannot stop a sorted walk early, behind
ContentService.page) return exactly what one sorted, limited query returns, and read only a window of
the collection; staff reads there never send a top-level ``$or`` (SecantusDB reads the whole collection
for one) and still return, count and look up exactly what the single ``$or`` query does."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from cms.content.store import ContentService, PageRequest
from cms.content.visibility import scoped_filter
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


async def _walk_either_way(
    content: ContentService,
    size: int,
    *,
    ascending: bool,
    backward: bool,
    drafts: frozenset[Any] = frozenset(),
) -> list[str]:
    """Every page of the catalog in its order (oldest first when ``ascending``), walked forward from
    the start or backward from the end; the items in list order either way."""
    scope = content.scope(drafts)
    pages: list[list[str]] = []
    mark: str | None = None
    while True:
        request = (
            PageRequest(first=0, last=size, before=mark, ascending=ascending)
            if backward
            else PageRequest(first=size, after=mark, ascending=ascending)
        )
        page = await content.page(CatalogEntry, {}, scope, request)
        pages.append([f"{item.id}:{cursor}" for item, cursor in zip(page.items, page.cursors, strict=True)])
        if not (page.has_previous if backward else page.has_next):
            break
        mark = page.cursors[0] if backward else page.end_cursor
    return [line for page in (reversed(pages) if backward else pages) for line in page]


@pytest.mark.parametrize(
    ("ascending", "backward"),
    [
        pytest.param(True, False, id="oldest-first-forward"),
        pytest.param(False, True, id="newest-first-backward"),
        pytest.param(True, True, id="oldest-first-backward"),
    ],
)
async def test_oldest_first_and_backward_windowed_pages_equal_single_query_pages(
    services: Services, fresh_org: Any, ascending: bool, backward: bool
) -> None:
    # given entries spread over sixteen years, public and hidden, some of staff's own organization
    org = await fresh_org()
    await _entries(services, org.id)
    for drafts in (frozenset(), frozenset({org.id})):
        single, windowed = _service(services, False), _service(services, True)
        # the single query's list, walked forward in the largest pages (cursors name an item's place,
        # so every page size and direction must give this list; walking the single query in small
        # pages read the whole session's collection per page on the embedded server)
        expected = await _walk_either_way(single, 100, ascending=ascending, backward=False, drafts=drafts)
        for size in (19,):  # (7 and 50 in the newest-first test above; each walk here reads a page per page)
            # when the windowed reader walks it, then it returns exactly that list, backward too
            found = await _walk_either_way(
                windowed, size, ascending=ascending, backward=backward, drafts=drafts
            )
            assert found == expected


async def test_a_stale_oldest_hint_only_costs_speed(services: Services, fresh_org: Any) -> None:
    # given a reader that believes the oldest item is younger than it is
    org = await fresh_org()
    await _entries(services, org.id)
    single, windowed = _service(services, False), _service(services, True)
    windowed.reader._oldest[CatalogEntry] = services.content.clock() - timedelta(days=10)
    # when it reads the first oldest-first page
    request = PageRequest(first=10, ascending=True)
    expected = await single.page(CatalogEntry, {}, single.scope(), request)
    found = await windowed.page(CatalogEntry, {}, windowed.scope(), request)
    # then its first window is open below and finds the older items all the same, and it learns
    assert [i.id for i in found.items] == [i.id for i in expected.items]
    assert set(windowed.queries[0]["sort_key"]) == {"$lt"}
    assert windowed.reader._oldest[CatalogEntry] < services.content.clock() - timedelta(days=10)


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


PROBE_ENTRIES = 3000  # two a day over about four years
PAGE = 20


class ExplainingReader(Reader):
    """Asks the server, for every query the reader sends, how many documents it examines: explain's
    executionStats of the query's first condition. SecantusDB serves a multi-field filter with the
    index of its first field and fetches every document that index yields before it checks the rest,
    sorts and limits (storage.reads); its explain reports such a filter as a COLLSCAN of the whole
    collection, but the first condition alone as the IXSCAN it is, with what it yields examined."""

    def __init__(self, profile: EngineProfile) -> None:
        super().__init__(profile)
        self.examined = 0
        self.plans: list[str] = []

    async def _find(
        self, cls: type[Any], query: dict[str, Any], limit: int, *args: Any
    ) -> list[dict[str, Any]]:
        ascending = bool(args[1]) if len(args) > 1 else False
        collection = cls.get_pymongo_collection()
        first = dict([next(iter(query.items()))])
        find = {"find": collection.name, "filter": first, "sort": {"sort_key": 1 if ascending else -1}}
        explained = await collection.database.command(
            {"explain": {**find, "limit": max(limit, 1)}, "verbosity": "executionStats"}
        )
        self.examined += int(explained["executionStats"]["totalDocsExamined"])
        self.plans.append(str(explained["queryPlanner"]["winningPlan"]))
        return await super()._find(cls, query, limit, *args)


def _probe_class(collection: Any) -> type[Any]:
    """A stand-in for CatalogEntry whose reads go to ``collection`` (same indexes)."""

    class Probe:
        Settings = CatalogEntry.Settings

        @staticmethod
        def get_pymongo_collection() -> Any:
            return collection

    return Probe


@pytest.fixture
async def probe(services: Services) -> Any:
    collection = services.db[f"paging_probe_{uuid.uuid4().hex[:8]}"]
    await collection.create_indexes(list(CatalogEntry.Settings.indexes))
    now = services.content.clock()
    docs = []
    for n in range(PROBE_ENTRIES):
        instant = now - timedelta(hours=12 * n + 1)
        docs.append(
            {
                "_id": ObjectId(),
                "title": f"条目{n}",
                "review_state": ReviewState.PUBLISHED.value,
                "effective": instant,
                "public_until": now + timedelta(days=3650),
                "sort_key": f"{instant.isoformat()}|{n:024x}",
            }
        )
    await collection.insert_many(docs)
    try:
        yield collection
    finally:
        await collection.drop()


def _middle(services: Services) -> str:
    return f"{(services.content.clock() - timedelta(days=700)).isoformat()}|{0:024x}"


@pytest.mark.parametrize(
    "after",
    [
        # ContentService.page reads oldest first for an oldest-first list's pages, and for the pages
        # before a cursor (last/before) of a newest-first list, reversed in memory.
        pytest.param(None, id="oldest-first-page-1-or-newest-first-last-page"),
        pytest.param("middle", id="oldest-first-after-or-newest-first-before-a-cursor"),
    ],
)
async def test_oldest_first_reads_examine_about_one_page(
    services: Services, probe: Any, after: str | None
) -> None:
    # given thousands of public entries and a windowed reader that has served one oldest-first page
    # (the first one of a process reads every match once: it learns where the oldest item is)
    reader = ExplainingReader(SECANTUS)
    cls = _probe_class(probe)
    public = scoped_filter(services.content.scope(), {})
    await reader.oldest(cls, public, limit=PAGE + 1)
    reader.examined, reader.plans = 0, []
    # when it reads a page (one more than the page: whether there is a next one)
    bound = _middle(services) if after else None
    found = await reader.oldest(cls, public, limit=PAGE + 1, after=bound)
    # then it is the single query's page, and the server examined about a page of documents
    query = public if bound is None else {**public, "sort_key": {"$gt": bound}}
    expected = await probe.find(query).sort([("sort_key", 1)]).limit(PAGE + 1).to_list()
    assert [d["_id"] for d in found] == [d["_id"] for d in expected]
    assert reader.examined <= 2 * (PAGE + 1) + 10, (reader.examined, reader.plans)
