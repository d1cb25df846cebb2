"""The public change feed (``publicChanges``): what became public, changed publicly or left the public,
in commit order, written with the change; never an item the public cannot see."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo import monitoring

from cms.changes.feed import FEED as FEED_COLLECTION
from cms.changes.feed import FEED_STATE, ChangeFeed, ChangeFilter
from cms.services import Services
from tests.conftest import SteppedClock
from tests.helpers import DEPT_HEAD, OFFICER, UNIT_HEAD, Api, error_of, unique

FEED = """
query($after: String, $first: Int, $filter: PublicChangeFilter) {
  publicChanges(after: $after, first: $first, filter: $filter) {
    edges { cursor node { sequence event eventLabel id type publicKey at organization { id } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CHECKOUT = "mutation($id: ID!) { checkout(id: $id) { id version } }"
CHECKIN = "mutation($id: ID!) { checkin(id: $id) { id } }"
REASON = "涉及个人隐私"
BASIS = "《中华人民共和国政府信息公开条例》第十五条"


@pytest.fixture(scope="module")
def api(gql: Any, settings: Any) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def chain(api: Api) -> tuple[str, str, str]:
    return (await api.token(OFFICER), await api.token(DEPT_HEAD), await api.token(UNIT_HEAD))


@pytest.fixture
def feed_clock(clock: SteppedClock, services: Services, monkeypatch: pytest.MonkeyPatch) -> SteppedClock:
    monkeypatch.setattr(services.changes, "clock", clock)
    return clock


async def feed(api: Api, org: str, after: str | None = None, first: int = 100, **filters: Any) -> list[Any]:
    data = await api.ok(FEED, {"after": after, "first": first, "filter": {"organization": org, **filters}})
    return [edge["node"] for edge in data["publicChanges"]["edges"]]


def events(changes: list[Any]) -> list[tuple[str, str]]:
    return [(c["event"], c["id"]) for c in changes]


async def update_through_copy(api: Api, chain: tuple[str, str, str], live: str, **fields: Any) -> None:
    officer, head, unit = chain
    copy = (await api.ok(CHECKOUT, {"id": live}, officer))["checkout"]
    updated = await api.update_entry(officer, copy["id"], copy["version"], **fields)
    assert "errors" not in updated, updated
    await api.ok(CHECKIN, {"id": copy["id"]}, officer)
    findings = None
    if "disclosureMode" in fields:
        findings = {
            "stateSecrets": False,
            "commercialSecrets": False,
            "personalPrivacy": True,
            "proposedMode": fields["disclosureMode"],
            "proposedScope": "申请人",
            "proposedTime": "审发后即时公开",
            "grounds": REASON,
        }
    for token in (officer, head, unit):
        await api.act(token, copy["id"], "APPROVE", **({"findings": findings} if findings else {}))


async def test_publication_update_and_withdrawal_follow_each_other_in_the_feed(
    api: Api, chain: tuple[str, str, str]
) -> None:
    # given an organization of its own
    org = await api.new_org()

    # when an entry is published, changed through a working copy, and withdrawn
    entry = await api.demo_publish(org)
    await update_through_copy(api, chain, entry["id"], title=unique("新标题"))
    await api.act(await api.token("demo-unit-head"), entry["id"], "WITHDRAW", opinion="内容有误。")

    # then the feed says exactly that, in that order, with increasing sequences and the organization
    changes = await feed(api, org)
    assert events(changes) == [
        ("PUBLISHED", entry["id"]),
        ("UPDATED", entry["id"]),
        ("WITHDRAWN", entry["id"]),
    ]
    assert [c["eventLabel"] for c in changes] == ["发布", "更新", "撤下"]
    sequences = [int(c["sequence"]) for c in changes]
    assert sequences == sorted(set(sequences))
    assert len(sequences) == 3
    assert {c["organization"]["id"] for c in changes} == {org}
    assert {c["type"] for c in changes} == {"CatalogEntry"}
    # ... and each change names the entry's public key (its index number), the withdrawal included
    staff = await api.token("demo-unit-head")  # the entry is withdrawn: only staff read it now
    index = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on CatalogEntry { indexNumber } } }",
        {"id": entry["id"]},
        staff,
    )
    assert [c["publicKey"] for c in changes] == [index["node"]["indexNumber"]] * 3


async def test_reading_on_from_the_end_cursor_gives_only_what_came_after(api: Api) -> None:
    # given a feed read to its end
    org = await api.new_org()
    first = await api.demo_publish(org)
    data = await api.ok(FEED, {"first": 100, "filter": {"organization": org}})
    end = data["publicChanges"]["pageInfo"]["endCursor"]
    assert events([e["node"] for e in data["publicChanges"]["edges"]]) == [("PUBLISHED", first["id"])]

    # when nothing happened, and then one more entry is published
    idle = await api.ok(FEED, {"after": end, "filter": {"organization": org}})
    second = await api.demo_publish(org)

    # then polling with the end cursor keeps its place, and then sees just the new one
    assert idle["publicChanges"] == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": end}}
    assert events(await feed(api, org, after=end)) == [("PUBLISHED", second["id"])]


async def test_nothing_the_public_cannot_see_enters_the_feed(
    api: Api, chain: tuple[str, str, str], quiet_jobs: None
) -> None:
    # given drafts, items waiting at every tier, a rejected one and one scheduled for next year
    officer, head, unit = chain
    org = await api.new_org()
    draft = await api.create_entry(officer, org)
    pending = await api.create_entry(officer, org)
    await api.act(officer, pending["id"], "SUBMIT")
    await api.act(officer, pending["id"], "APPROVE")
    rejected = await api.create_entry(officer, org)
    await api.act(officer, rejected["id"], "SUBMIT")
    await api.act(officer, rejected["id"], "REJECT", opinion="请补充。")
    scheduled = await api.create_entry(officer, org)
    await api.act(officer, scheduled["id"], "SUBMIT")
    await api.act(officer, scheduled["id"], "APPROVE")
    await api.act(head, scheduled["id"], "APPROVE")
    later = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    await api.act(unit, scheduled["id"], "APPROVE", effective=later)
    # and a published entry made 不予公开 through a working copy
    hidden = await api.demo_publish(org)
    await update_through_copy(
        api, chain, hidden["id"], disclosureMode="NOT_DISCLOSED", nonDisclosureReason=REASON, legalBasis=BASIS
    )

    # then only the entry that was public appears: published, then withdrawn (a tombstone)
    assert events(await feed(api, org)) == [("PUBLISHED", hidden["id"]), ("WITHDRAWN", hidden["id"])]
    assert draft["id"] != hidden["id"]


async def test_time_alone_publishes_and_expires_through_the_sweep(
    api: Api, chain: tuple[str, str, str], services: Services, quiet_jobs: None, feed_clock: SteppedClock
) -> None:
    # given an entry scheduled an hour ahead and one that expires in two hours
    officer, head, unit = chain
    org = await api.new_org()
    scheduled = await api.create_entry(officer, org)
    for token, action in ((officer, "SUBMIT"), (officer, "APPROVE"), (head, "APPROVE")):
        await api.act(token, scheduled["id"], action)
    soon = (feed_clock() + timedelta(hours=1)).isoformat()
    await api.act(unit, scheduled["id"], "APPROVE", effective=soon)
    expiring = await api.demo_publish(org, expires=(feed_clock() + timedelta(hours=2)).isoformat())
    assert events(await feed(api, org)) == [("PUBLISHED", expiring["id"])]

    # when time passes the first instant and the sweep runs (twice: a second run records nothing)
    feed_clock.advance(90 * 60)
    assert await services.changes.sweep() >= 1
    assert await services.changes.sweep() == 0
    after_first = await feed(api, org)
    # and then the second instant
    feed_clock.advance(60 * 60)
    await services.changes.sweep()

    # then the scheduled entry became public and the other one left the public, once each
    assert events(after_first) == [("PUBLISHED", expiring["id"]), ("PUBLISHED", scheduled["id"])]
    assert events(await feed(api, org)) == [
        ("PUBLISHED", expiring["id"]),
        ("PUBLISHED", scheduled["id"]),
        ("WITHDRAWN", expiring["id"]),
    ]


async def test_concurrent_publications_and_withdrawals_are_complete_and_in_commit_order(
    api: Api, chain: tuple[str, str, str]
) -> None:
    # given, under one parent, eight organizations each with an entry waiting for 审发 and four
    # each with a published entry (one organization's transitions are filed one after another)
    officer, head, unit = chain
    parent = await api.new_org()
    waiting = []
    for _ in range(8):
        entry = await api.create_entry(officer, await api.new_org(parent))
        for token, action in ((officer, "SUBMIT"), (officer, "APPROVE"), (head, "APPROVE")):
            await api.act(token, entry["id"], action)
        waiting.append(entry["id"])
    published = [(await api.demo_publish(await api.new_org(parent)))["id"] for _ in range(4)]
    start = (await feed(api, parent))[-1]["sequence"]

    # when all are issued or withdrawn at once while a reader polls the feed with its end cursor
    seen: list[Any] = []
    done = asyncio.Event()

    async def poll() -> None:
        cursor = start
        while True:
            finished = done.is_set()
            page = await feed(api, parent, after=cursor)
            seen.extend(page)
            cursor = page[-1]["sequence"] if page else cursor
            # An answer from the response cache completes without ever suspending: let the
            # transitions run between polls (not a wait for time).
            await asyncio.sleep(0)
            if finished and not page:
                return

    async def act() -> None:
        try:
            await asyncio.gather(
                *(api.act(unit, item, "APPROVE") for item in waiting),
                *(api.act(unit, item, "WITHDRAW", opinion="撤回。") for item in published),
            )
        finally:
            done.set()

    await asyncio.gather(poll(), act())

    # then the poller saw every change exactly once, in the order the whole feed lists them
    whole = await feed(api, parent, after=start)
    assert seen == whole
    assert sorted(events(whole)) == sorted(
        [("PUBLISHED", i) for i in waiting] + [("WITHDRAWN", i) for i in published]
    )
    sequences = [int(c["sequence"]) for c in whole]
    assert sequences == sorted(set(sequences))
    assert len(sequences) == 12


async def test_the_feed_filters_by_subtree_and_type(api: Api) -> None:
    # given an entry in a parent organization and one in its child
    parent = await api.new_org()
    child = await api.new_org(parent)
    above = await api.demo_publish(parent)
    below = await api.demo_publish(child)

    # when the feed is read for the parent, the child, and for another type only
    # then the parent's subtree holds both, the child's only its own, and no interviews at all
    assert events(await feed(api, parent)) == [("PUBLISHED", above["id"]), ("PUBLISHED", below["id"])]
    assert events(await feed(api, child)) == [("PUBLISHED", below["id"])]
    assert await feed(api, parent, types=["Interview"]) == []
    assert len(await feed(api, parent, types=["CatalogEntry", "Interview"])) == 2


@pytest.mark.parametrize(
    ("variables", "code", "message", "field"),
    [
        pytest.param(
            {"after": "abc"},
            "INVALID_CURSOR",
            "分页游标无效或已被篡改，请从第一页重新查询。",
            None,
            id="cursor",
        ),
        pytest.param(
            {"filter": {"types": ["Nonsense"]}},
            "BAD_USER_INPUT",
            "内容类型应为 CatalogEntry、GazetteIssue、Interpretation、Interview 之一。",
            "filter.types.0",
            id="type",
        ),
        pytest.param(
            {"first": 0}, "PAGE_SIZE_EXCEEDED", "每页条数应在 1 到 100 之间。", None, id="page-size"
        ),
    ],
)
async def test_bad_feed_requests_are_refused(
    api: Api, variables: dict[str, Any], code: str, message: str, field: str | None
) -> None:
    body = await api.post(FEED, variables)
    assert error_of(body) == (code, message)
    assert body["errors"][0]["extensions"].get("field") == field


async def test_catalog_lists_only_what_changed_since_an_instant(
    api: Api, chain: tuple[str, str, str]
) -> None:
    # given an entry published, an instant, and then another entry published and the first one revised
    org = await api.new_org()
    old = await api.demo_publish(org)
    untouched = await api.demo_publish(org)
    since = datetime.now(UTC).isoformat()
    new = await api.demo_publish(org)
    await update_through_copy(api, chain, old["id"], title=unique("修订"))

    # when the catalog is listed with modifiedSince
    data = await api.ok(
        "query($o: ID!, $s: DateTime!) { catalog(filter: {organization: $o, modifiedSince: $s}, first: 50)"
        " { totalCount edges { node { id } } } }",
        {"o": org, "s": since},
    )

    # then only the new and the revised entry are listed
    assert sorted(e["node"]["id"] for e in data["catalog"]["edges"]) == sorted([new["id"], old["id"]])
    assert data["catalog"]["totalCount"] == 2
    assert untouched["id"] not in {e["node"]["id"] for e in data["catalog"]["edges"]}


MODIFIED_SINCE = (
    "query($o: ID!, $s: DateTime!) { catalog(filter: {organization: $o, modifiedSince: $s}, first: 50)"
    " { totalCount edges { node { id } } } }"
)


async def test_a_scheduled_entry_counts_as_modified_when_it_goes_public(
    api: Api, chain: tuple[str, str, str], clock: SteppedClock
) -> None:
    # given, on day 1, an entry published at once and one approved for day 3
    officer, head, unit = chain
    org = await api.new_org()
    at_once = await api.demo_publish(org)
    scheduled = await api.create_entry(officer, org)
    for token, action in ((officer, "SUBMIT"), (officer, "APPROVE"), (head, "APPROVE")):
        await api.act(token, scheduled["id"], action)
    await api.act(unit, scheduled["id"], "APPROVE", effective=(clock() + timedelta(days=2)).isoformat())
    # and a portal that last synced on day 2
    since = (clock() + timedelta(days=1)).isoformat()

    async def changed() -> list[str]:
        data = await api.ok(MODIFIED_SINCE, {"o": org, "s": since})
        assert data["catalog"]["totalCount"] == len(data["catalog"]["edges"])
        return [edge["node"]["id"] for edge in data["catalog"]["edges"]]

    # when it syncs on day 2 and a half, the scheduled entry is not public yet
    clock.advance(36 * 3600)
    assert await changed() == []
    # then, synced again on day 4, the entry that went public on day 3 is listed, the other is not
    clock.advance(36 * 3600)
    assert await changed() == [scheduled["id"]]
    assert at_once["id"] not in await changed()


async def test_a_modified_since_outside_the_document_range_is_refused(api: Api) -> None:
    body = await api.post('{ catalog(filter: {modifiedSince: "1900-01-01T00:00:00Z"}) { totalCount } }')
    assert error_of(body) == ("BAD_USER_INPUT", "时间须在 1949-01-01 至 2100-12-31 之间。")
    assert body["errors"][0]["extensions"]["field"] == "filter.modifiedSince"


async def test_an_interpretation_withdrawn_with_its_document_is_in_the_same_commit(
    api: Api, chain: tuple[str, str, str]
) -> None:
    # given a published document and its only, published interpretation
    officer, head, unit = chain
    org = await api.new_org()
    document = await api.demo_publish(org)
    data = await api.ok(
        "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
        {"i": {"organization": org, "title": unique("解读"), "interprets": [document["id"]]}},
        officer,
    )
    interpretation = data["createInterpretation"]["id"]
    for token, action in ((officer, "SUBMIT"), (officer, "APPROVE"), (head, "APPROVE"), (unit, "APPROVE")):
        await api.act(token, interpretation, action)

    # when the document is withdrawn
    await api.act(unit, document["id"], "WITHDRAW", opinion="文件有误。")

    # then both withdrawals follow the publications, the interpretation's right after the document's
    changes = await feed(api, org)
    assert events(changes) == [
        ("PUBLISHED", document["id"]),
        ("PUBLISHED", interpretation),
        ("WITHDRAWN", document["id"]),
        ("WITHDRAWN", interpretation),
    ]
    assert int(changes[3]["sequence"]) == int(changes[2]["sequence"]) + 1
    assert changes[3]["type"] == "Interpretation"


async def test_only_full_pages_of_the_feed_are_cacheable(api: Api, client: Any) -> None:
    # given an organization with two changes
    org = await api.new_org()
    await api.demo_publish(org)
    await api.demo_publish(org)
    query = "query($o: ID!, $n: Int) { publicChanges(first: $n, filter: {organization: $o}) { edges { cursor } } }"

    # when the first page of one change and the last page are read anonymously over GET
    full = await client.get("/graphql", params={"query": query, "variables": json.dumps({"o": org, "n": 1})})
    tail = await client.get("/graphql", params={"query": query, "variables": json.dumps({"o": org, "n": 5})})

    # then the full page (which never changes) may be kept by caches, the last page (which grows) not
    assert full.headers["cache-control"].startswith("public, max-age=")
    assert tail.headers["cache-control"] == "private, no-store"
    assert len(tail.json()["data"]["publicChanges"]["edges"]) == 2


FEED_PROBE = 3000


@pytest.fixture
async def probe_feed(services: Services) -> Any:
    """A change feed of its own (another database) holding FEED_PROBE records, every tenth of one
    organization."""
    db = services.client[f"feed_probe_{uuid.uuid4().hex[:8]}"]
    feed = ChangeFeed(services.client, db, services.orgs)
    await feed.ensure_indexes()
    mine, theirs = ObjectId(), ObjectId()
    now = datetime.now(UTC)
    await db[FEED_COLLECTION].insert_many(
        [
            {
                "_id": n,
                "kind": "PUBLISHED",
                "item_id": ObjectId(),
                "item_type": "CatalogEntry",
                "org_id": mine if n % 10 == 0 else theirs,
                "org_path": [mine if n % 10 == 0 else theirs],
                "at": now,
            }
            for n in range(1, FEED_PROBE + 1)
        ]
    )
    await db[FEED_STATE].update_one({"_id": "seq"}, {"$set": {"value": FEED_PROBE}})
    try:
        yield feed, db, mine
    finally:
        await services.client.drop_database(db.name)


class ExaminedFinds(monitoring.CommandListener):
    def __init__(self) -> None:
        self.finds: list[tuple[str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command["find"] == FEED_COLLECTION:
            self.finds.append((event.database_name, dict(event.command.get("filter", {}))))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


FINDS = ExaminedFinds()
monitoring.register(FINDS)


@pytest.mark.parametrize(
    ("after", "mine", "expected"),
    [
        pytest.param(0, False, list(range(1, 21)), id="from-the-start"),
        pytest.param(1500, False, list(range(1501, 1521)), id="from-the-middle"),
        pytest.param(1000, True, list(range(1010, 1210, 10)), id="one-organization"),
        pytest.param(2990, False, list(range(2991, 3001)), id="the-end"),
    ],
)
async def test_a_feed_page_examines_about_a_page_of_records(
    services: Services, probe_feed: Any, after: int, mine: bool, expected: list[int]
) -> None:
    # given a feed of thousands of records
    feed, db, org = probe_feed
    FINDS.finds.clear()
    # when a page of 20 is read
    changes, more = await feed.page(after, 20, ChangeFilter(org_id=org) if mine else ChangeFilter())
    # then it holds the records after the cursor, and the server examined about a page of them
    # (explain of each query's first condition: what the embedded server's index yields, see
    # tests/test_windowed_reads.py), not every record after the cursor
    assert [c.seq for c in changes] == expected
    assert more is (expected[-1] < FEED_PROBE - (0 if not mine else 10))
    examined = 0
    for _, query in [f for f in FINDS.finds if f[0] == db.name]:
        first = dict([next(iter(query.items()))])
        explained = await db.command(
            {"explain": {"find": FEED_COLLECTION, "filter": first}, "verbosity": "executionStats"}
        )
        examined += int(explained["executionStats"]["totalDocsExamined"])
    assert examined <= (2 * 10 * 21 + 10 if mine else 21)
