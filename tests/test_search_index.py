"""The search index's entries (storage.search.SearchEntry) follow their items through the whole life
cycle, through the real GraphQL API: created with the draft, untouched by the review steps that do not
change what the public may see, rewritten at publication, made unpublished by a withdrawal, gone with a
deleted working copy; and the upkeep repairs what an earlier version or a failed write left behind.

The public search is what these protect: an entry that said "published" for a withdrawn item would
count it in the public's totals and facets. Every test works in organizations of its own.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from cms.content.ids import from_global_id
from cms.content.public_changes import PublicMemo
from cms.content.visibility import ReadScope
from cms.model import User
from cms.search import upkeep as search_module
from cms.search.service import MAINTENANCE_COLLECTION, SearchFilter
from cms.search.text import query_tokens
from storage.documents import FAR_FUTURE, OBSOLETE_CONTENT_FIELDS, CatalogEntry, ReviewState, day_of, utcnow
from storage.search import PUBLISHED, UNPUBLISHED, SearchEntry
from tests.helpers import DEPT_HEAD, OFFICE, OFFICER, UNIT_HEAD, Api

SEARCH = """
query($q: String!, $f: SearchFilter) {
  search(query: $q, filter: $f, first: 20) {
    totalCount facets { organizations { value count } }
    edges { node { title item { id } } }
  }
}
"""
CHECKOUT = "mutation($id: ID!) { checkout(id: $id) { id version } }"
CANCEL = "mutation($id: ID!) { cancelCheckout(id: $id) { id } }"
CHECKIN = "mutation($id: ID!, $v: Int) { checkin(id: $id, expectedVersion: $v) { id } }"
UPDATE = (
    "mutation($id: ID!, $v: Int!, $i: CatalogEntryInput!) {"
    " updateCatalogEntry(id: $id, expectedVersion: $v, input: $i) { id version } }"
)
SENTINEL = "_untouched"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api):
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "office": OFFICE}
    return {key: await api.token(name) for key, name in names.items()}


def marker() -> str:
    """Characters nobody else uses: a query for them finds only what a test planted."""
    return "".join(chr(0x4E00 + b * 61 % 20000) for b in uuid.uuid4().bytes[:6])


def raw_id(global_id: str) -> ObjectId:
    return from_global_id(global_id)[1]


async def entry_of(global_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await SearchEntry.get_pymongo_collection().find_one(
        {"_id": raw_id(global_id)}
    )
    return doc


async def mark(global_id: str) -> None:
    """A field no writer sets: it survives a $set of the visibility, not a rewrite of the entry."""
    await SearchEntry.get_pymongo_collection().update_one({"_id": raw_id(global_id)}, {"$set": {SENTINEL: 1}})


async def found(api: Api, query: str, token: str | None = None) -> tuple[int, list[str]]:
    result = (await api.ok(SEARCH, {"q": query}, token))["search"]
    return result["totalCount"], [e["node"]["item"]["id"] for e in result["edges"]]


async def test_the_entry_follows_the_item_from_draft_to_withdrawal(api, demo):
    org = await api.new_org()
    word = marker()
    draft = await api.create_entry(demo["officer"], org, f"索引测试{word}")
    item = draft["id"]

    stored = await entry_of(item)
    assert stored is not None
    assert (stored["type"], stored["review_state"]) == ("CatalogEntry", UNPUBLISHED)
    assert set(query_tokens(word).terms) <= set(stored["tokens"])
    assert await found(api, word, demo["officer"]) == (1, [item])
    assert await found(api, word) == (0, [])

    # the review steps before the last change nothing the entry holds: it is not written at all
    await mark(item)
    await api.act(demo["officer"], item, "SUBMIT")
    await api.act(demo["officer"], item, "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], item, "APPROVE", opinion="审核同意。")
    waiting = await entry_of(item)
    assert waiting is not None
    assert (waiting[SENTINEL], waiting["review_state"]) == (1, UNPUBLISHED)
    assert await found(api, word) == (0, [])

    # publication writes the whole entry again (the index number is one of its tokens now)
    await api.act(demo["unit"], item, "APPROVE", opinion="同意发布。")
    published = await entry_of(item)
    assert published is not None
    assert SENTINEL not in published
    assert published["review_state"] == PUBLISHED
    assert published["effective"] is not None
    assert await found(api, word) == (1, [item])

    # a withdrawal changes only the visibility, and the public stops counting the item at once
    await mark(item)
    await api.act(demo["office"], item, "WITHDRAW", opinion="政策调整，撤回。")
    withdrawn = await entry_of(item)
    assert withdrawn is not None
    assert (withdrawn[SENTINEL], withdrawn["review_state"]) == (1, UNPUBLISHED)
    total, hits = await found(api, word)
    assert (total, hits) == (0, [])
    facets = (await api.ok(SEARCH, {"q": word}))["search"]["facets"]["organizations"]
    assert facets == []
    assert await found(api, word, demo["officer"]) == (1, [item])  # staff still find their own


async def test_a_working_copy_has_an_entry_until_it_is_cancelled_or_issued(services, api, demo):
    org = await api.new_org()
    old, new, attached = marker(), marker(), marker()
    live = await api.demo_publish(org, f"签出测试{old}")

    copy = (await api.ok(CHECKOUT, {"id": live["id"]}, demo["officer"]))["checkout"]
    assert await entry_of(copy["id"]) is not None
    await api.ok(CANCEL, {"id": copy["id"]}, demo["officer"])
    assert await entry_of(copy["id"]) is None

    copy = (await api.ok(CHECKOUT, {"id": live["id"]}, demo["officer"]))["checkout"]
    edited = await api.ok(
        UPDATE, {"id": copy["id"], "v": copy["version"], "i": {"title": f"签出测试{new}"}}, demo["officer"]
    )
    assert set(query_tokens(new).terms) <= set(((await entry_of(copy["id"])) or {}).get("tokens", []))
    assert await found(api, new) == (0, [])  # the copy is staff's alone until issued
    assert await found(api, new, demo["officer"]) == (1, [copy["id"]])
    officer = await User.find_one({"username": OFFICER})
    assert officer is not None
    await services.attachments.store(
        services.access.principal_for(officer),
        "CatalogEntry",
        raw_id(copy["id"]),
        "说明.txt",
        f"附件全文：{attached}。".encode(),
    )

    await api.ok(CHECKIN, {"id": copy["id"], "v": edited["updateCatalogEntry"]["version"]}, demo["officer"])
    await api.act(demo["officer"], copy["id"], "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], copy["id"], "APPROVE", opinion="审核同意。")
    await api.act(demo["unit"], copy["id"], "APPROVE", opinion="同意发布。")

    assert await entry_of(copy["id"]) is None
    assert await found(api, new) == (1, [live["id"]])
    assert await found(api, old) == (0, [])
    assert await found(api, attached) == (1, [live["id"]])  # the copy's attachment came along
    assert await found(api, new, demo["officer"]) == (1, [live["id"]])


async def test_the_upkeep_indexes_items_without_an_entry_and_removes_entries_without_an_item(
    services, api, demo
):
    org = await api.new_org()
    word = marker()
    live = await api.demo_publish(org, f"补建测试{word}")
    item_id = raw_id(live["id"])
    entries = SearchEntry.get_pymongo_collection()
    # As an earlier version left things: no entry, the tokens on the item itself; and an entry
    # whose item was deleted without it.
    await entries.delete_one({"_id": item_id})
    await CatalogEntry.get_pymongo_collection().update_one(
        {"_id": item_id}, {"$set": {name: ["旧字段"] for name in OBSOLETE_CONTENT_FIELDS}}
    )
    orphan = ObjectId()
    await entries.insert_one({"_id": orphan, "type": "CatalogEntry", "tokens": [word], "org_id": ObjectId()})
    assert await found(api, word) == (0, [])

    services.search._cleaned = False  # as in a process started on such a database
    await services.db[MAINTENANCE_COLLECTION].delete_many({})
    assert await services.search.repair() >= 1
    assert await entries.find_one({"_id": orphan}) is None
    assert await found(api, word) == (1, [live["id"]])  # repair told the public caches
    raw = await CatalogEntry.get_pymongo_collection().find_one({"_id": item_id})
    assert raw is not None
    assert not set(OBSOLETE_CONTENT_FIELDS) & set(raw)
    # once per database: the next process start does not read every item again
    assert await services.db[MAINTENANCE_COLLECTION].count_documents({}) == 1
    await CatalogEntry.get_pymongo_collection().update_one(
        {"_id": item_id}, {"$set": {OBSOLETE_CONTENT_FIELDS[0]: ["旧字段"]}}
    )
    assert await services.search.drop_obsolete_fields() == 0


async def test_term_statistics_come_from_a_sample_once_the_index_is_large(services, api, demo, monkeypatch):
    from cms.search import upkeep as search

    org = await api.new_org()
    word = marker()
    live = await api.demo_publish(org, f"抽样统计{word}")
    entries = SearchEntry.get_pymongo_collection()
    total = await entries.count_documents({})
    monkeypatch.setattr(search, "STATISTICS_SAMPLE", 10)
    orphan = ObjectId()
    await entries.insert_one({"_id": orphan, "type": "CatalogEntry", "tokens": [word], "org_id": ObjectId()})
    await entries.delete_one({"_id": raw_id(live["id"])})
    assert await services.search.repair() >= 1  # missing and orphan entries: every id is still read
    assert await entries.find_one({"_id": orphan}) is None
    stats = services.search._stats
    assert stats.sampled == 10
    assert stats.documents == total
    # frequencies are scaled to the whole index: a term kept was seen at least twice in the sample
    assert total > 100
    assert stats.frequency
    assert all(2 * total / 10 - 1 <= n <= total + 1 for n in stats.frequency.values())
    assert await found(api, word) == (1, [live["id"]])


async def test_the_publics_matches_are_kept_until_something_public_changes(services, fresh_org, clock):
    """What ``SearchService.public_results`` keeps: the public's ranked matches, for as long as the
    public generation stands and no scheduled item has become effective; staff's are never kept."""
    org = await fresh_org()
    word = marker()

    async def total(scope: Any) -> int:
        page = await services.search.search(word, scope, filter=SearchFilter(), first=5)
        return page.total

    first = CatalogEntry(org_id=org.id, title=f"保留测试{word}")
    await services.content.insert(first)
    await services.content.publish(first)  # announced: the next search reads the index
    assert await total(services.content.scope()) == 1

    # Written behind the services' back (no announcement): the public gets what was kept.
    now = services.content.clock()
    hidden = CatalogEntry(
        org_id=org.id,
        title=f"未公告{word}",
        review_state=ReviewState.PUBLISHED,
        effective=now,
        published_at=now,
    )
    await services.content.insert(hidden)
    assert await total(services.content.scope()) == 1
    assert await total(services.content.scope(frozenset({org.id}))) == 2  # staff: read every time

    # A scheduled item is found when its time comes, with nothing announced then.
    soon = CatalogEntry(org_id=org.id, title=f"定时发布{word}")
    await services.content.insert(soon)
    await services.content.publish(soon, effective=services.content.clock() + timedelta(seconds=2))
    assert await total(services.content.scope()) == 2  # announced: read again (the hidden one too)
    clock.advance(2.5)
    assert await total(services.content.scope()) == 3


async def test_kept_values_are_bounded_by_weight(services):
    memo: PublicMemo[list[int]] = PublicMemo(
        services.public_changes, max_entries=10, max_weight=10, weigh=len
    )
    computed: list[str] = []

    def value(key: str, size: int) -> Any:
        async def compute() -> list[int]:
            computed.append(key)
            return [0] * size

        return compute

    now = services.content.clock()
    await memo.get("a", now, value("a", 6))
    await memo.get("a", now, value("a", 6))
    assert computed == ["a"]
    await memo.get("b", now, value("b", 6))  # 12 > 10: the least recently used goes
    assert (len(memo), memo.weight) == (1, 6)
    await memo.get("a", now, value("a", 6))
    assert computed == ["a", "b", "a"]
    huge = await memo.get("c", now, value("c", 11))  # never kept, still answered
    assert len(huge) == 11
    assert (len(memo), memo.weight) == (1, 6)


# -- windowed lookups (storage.reads) -------------------------------------------------------------------


async def _plant_entries(ages_days: list[float], tokens: list[str], *, org: ObjectId, published: bool = True):
    now = utcnow()
    ids = []
    for age in ages_days:
        item_id = ObjectId()
        instant = now - timedelta(days=age)
        sort_key = f"{instant.isoformat()}|{item_id}"
        await SearchEntry.get_pymongo_collection().insert_one(
            {
                "_id": item_id,
                "type": "CatalogEntry",
                "tokens": tokens,
                "weights": {},
                "org_id": org,
                "org_path": [org],
                "topic_path": [],
                "year": instant.year,
                "sort_key": sort_key,
                "sort_day": day_of(sort_key),
                "review_state": PUBLISHED if published else UNPUBLISHED,
                "effective": instant,
                "public_until": FAR_FUTURE,
            }
        )
        ids.append(item_id)
    return ids


async def test_windowed_lookups_find_exactly_what_one_query_finds(services, monkeypatch):
    """A lookup term the statistics call common is read in windows of days, newest first, on the
    (tokens, sort_day) index: the candidates, their order and ``truncated`` are the single query's,
    for the public and for staff (whose drafts are a second branch), with and without more terms."""
    search = services.search
    await search.set_sort_days()
    assert search._days_ready
    org = ObjectId()
    common, other = marker(), marker()
    both = query_tokens(f"{common} {other}")
    only_common = query_tokens(common)
    assert set(only_common.terms) < set(both.terms)
    ages = [0.2, 3, 20, 50, 400, 3000, 9000]
    hits = await _plant_entries(ages, list(both.terms), org=org)
    near_misses = await _plant_entries([0.1, 10, 100], list(only_common.terms), org=org)
    drafts = await _plant_entries([1, 5000], list(both.terms), org=org, published=False)
    rare = marker()
    few = await _plant_entries([1, 8000], list(query_tokens(rare).terms), org=org)

    windows: list[int] = []
    reader = search.content.reader
    original = type(reader)._lookup_windows

    async def counting(self: Any, *args: Any) -> list[dict[str, Any]]:
        windows.append(1)
        return await original(self, *args)

    monkeypatch.setattr(type(reader), "_lookup_windows", counting)
    terms = {*both.terms, *query_tokens(rare).terms}
    monkeypatch.setattr(search, "_stats", search_module._Statistics(10**6, dict.fromkeys(terms, 10**6), 10))
    monkeypatch.setattr(search, "max_candidates", 3)
    public = services.read_scope()
    staff = ReadScope(now=public.now, draft_org_ids=frozenset({org}))
    catalog = SearchFilter(types=("CatalogEntry",))

    async def candidates(q: Any, scope: ReadScope, windowed: bool) -> tuple[list[ObjectId], bool]:
        monkeypatch.setattr(search, "_days_ready", windowed)  # False: the single query
        found, truncated = await search._candidates(q, scope, catalog)
        return [c.id for c in found], truncated

    cases = [(both, public), (both, staff), (only_common, public), (query_tokens(rare), public)]
    for q, scope in cases:
        windows.clear()
        by_windows = await candidates(q, scope, True)
        assert windows, "read by windows"
        assert by_windows == await candidates(q, scope, False)

    assert await candidates(both, public, True) == (hits[:3], True)  # the newest three, and more exist
    staff_found, staff_truncated = await candidates(both, staff, True)
    assert staff_truncated
    assert staff_found == [hits[0], drafts[0], hits[1]]
    assert (await candidates(only_common, public, True))[0] == [near_misses[0], hits[0], hits[1]]
    assert await candidates(query_tokens(rare), public, True) == (few, False)  # the last window is open


async def test_entries_written_before_sort_day_are_dated_before_windows_are_used(services, monkeypatch):
    """An entry of an earlier version has no ``sort_day``: a window would miss it. The upkeep dates
    every such entry once per database; until it has, lookups are not windowed."""
    search = services.search
    maintenance = services.db[search_module.MAINTENANCE_COLLECTION]
    await maintenance.delete_one({"_id": search_module._DAYS_SET})
    monkeypatch.setattr(search, "_days_ready", False)
    org = ObjectId()
    word = marker()
    (old,) = await _plant_entries([400], list(query_tokens(word).terms), org=org)
    entries = SearchEntry.get_pymongo_collection()
    await entries.update_one({"_id": old}, {"$unset": {"sort_day": ""}})
    stored = await entries.find_one({"_id": old})
    monkeypatch.setattr(
        search, "_stats", search_module._Statistics(10**6, dict.fromkeys(query_tokens(word).terms, 10**6), 10)
    )
    assert search._spread(query_tokens(word)) is None  # not windowed before they are dated

    assert await search.set_sort_days() >= 1

    dated = await entries.find_one({"_id": old})
    assert dated["sort_day"] == day_of(stored["sort_key"])
    assert search._spread(query_tokens(word)) is not None
    assert await maintenance.find_one({"_id": search_module._DAYS_SET}) is not None
    assert await search.set_sort_days() == 0  # once per database
