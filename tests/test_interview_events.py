"""Interviews and press conferences as events: their kind (新闻发布会, 新闻通气会, 在线访谈, 答记者问, 其他),
the day they were held and the leaders who took part; defaults, edits, refusals, the public filters,
and the migration of items stored before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from bson import ObjectId

from cms.content.ids import expect_global_id, to_global_id
from cms.kinds.interviews import NewInterview, settle_event_fields
from storage.documents import EventKind, Interview, InterviewKind
from tests.helpers import OFFICER, Api, error_of, unique

SHANGHAI = timezone(timedelta(hours=8))
FIELDS = "id version kind eventKind eventDate leaders { name post level organization { id } }"
CREATE = f"mutation($i: InterviewInput!) {{ createInterview(input: $i) {{ {FIELDS} }} }}"
UPDATE = (
    "mutation($id: ID!, $v: Int!, $i: InterviewInput!) {"
    f" updateInterview(id: $id, expectedVersion: $v, input: $i) {{ {FIELDS} }} }}"
)
LIST = """query($o: ID, $k: EventKind, $f: Date, $t: Date) {
  interviews(organization: $o, eventKind: $k, heldFrom: $f, heldTo: $t) {
    totalCount edges { node { title eventKind eventDate } } } }"""


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def test_an_event_takes_its_kind_and_day_from_the_schedule_when_not_given(api):
    # given a press conference starting at 18:00 UTC, which is the next day in Beijing
    org = await api.new_org()
    start = datetime.now(UTC).replace(hour=18, minute=0, second=0, microsecond=0)
    data = {
        "organization": org,
        "title": unique("发布会"),
        "kind": "PRESS_CONFERENCE",
        "scheduledStart": start.isoformat(),
    }
    # when it is created without an event kind or date
    created = (await api.ok(CREATE, {"i": data}, await api.token(OFFICER)))["createInterview"]
    # then it is a 新闻发布会 held on the Beijing day of its start, with no leaders yet
    beijing = start.astimezone(SHANGHAI).date().isoformat()
    assert (created["eventKind"], created["eventDate"], created["leaders"]) == (
        "PRESS_CONFERENCE",
        beijing,
        [],
    )


async def test_kind_day_and_leaders_are_saved_and_edited(api):
    # given a 新闻通气会 with the department's head and a government leader
    org = await api.new_org()
    root = await api.root()
    token = await api.token(OFFICER)
    leaders = [
        {"name": "张三", "post": "厅长", "level": "PRINCIPAL"},
        {"name": "李四", "post": "副省长", "level": "DEPUTY", "organization": root},
    ]
    data = {
        "organization": org,
        "title": unique("通气会"),
        "eventKind": "PRESS_BRIEFING",
        "eventDate": "2025-03-05",
    }
    created = (await api.ok(CREATE, {"i": {**data, "leaders": leaders}}, token))["createInterview"]
    # when it is edited into an 答记者问 on another day with one leader
    changes = {"eventKind": "PRESS_QA", "eventDate": "2025-03-06", "leaders": [leaders[0]]}
    body = await api.post(UPDATE, {"id": created["id"], "v": created["version"], "i": changes}, token)
    # then both versions hold what was sent
    assert [(x["name"], x["post"], x["level"], x["organization"]) for x in created["leaders"]] == [
        ("张三", "厅长", "PRINCIPAL", None),
        ("李四", "副省长", "DEPUTY", {"id": root}),
    ]
    updated = body["data"]["updateInterview"]
    assert (updated["eventKind"], updated["eventDate"], [x["name"] for x in updated["leaders"]]) == (
        "PRESS_QA",
        "2025-03-06",
        ["张三"],
    )


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"leaders": [{"name": " ", "level": "PRINCIPAL"}]}, "领导姓名不能为空。", "leaders.0.name"),
        (
            {"leaders": [{"name": "张三", "post": "长" * 201}]},
            "领导职务超出长度上限（200 字）。",
            "leaders.0.post",
        ),
        (
            {"leaders": [{"name": "张三", "organization": to_global_id("Organization", "0" * 24)}]},
            "机构不存在。",
            "leaders.0.organization",
        ),
        ({"eventDate": "1900-01-01"}, "日期须在 1949-01-01 至 2100-12-31 之间。", "eventDate"),
    ],
    ids=["blank-name", "long-post", "unknown-organization", "date-out-of-range"],
)
async def test_bad_event_fields_are_refused_and_nothing_is_written(api, services, fields, message, field):
    # given an organization
    org = await api.new_org()
    # when a draft is created with a bad event field
    body = await api.post(
        CREATE, {"i": {"organization": org, "title": unique("访谈"), **fields}}, await api.token(OFFICER)
    )
    # then BAD_USER_INPUT names the field, and the organization holds no interview
    assert error_of(body) == ("BAD_USER_INPUT", message)
    assert body["errors"][0]["extensions"]["field"] == field
    assert await Interview.find({"org_id": expect_global_id(org, "Organization")}).count() == 0


async def test_a_null_event_kind_is_refused_on_edit(api):
    # given a draft
    org = await api.new_org()
    token = await api.token(OFFICER)
    created = (await api.ok(CREATE, {"i": {"organization": org, "title": unique("访谈")}}, token))[
        "createInterview"
    ]
    # when an edit sends a null event kind
    body = await api.post(
        UPDATE, {"id": created["id"], "v": created["version"], "i": {"eventKind": None}}, token
    )
    # then it is refused naming the field
    assert error_of(body) == ("BAD_USER_INPUT", "eventKind 不能为空。")
    assert body["errors"][0]["extensions"]["field"] == "eventKind"


async def _published(services: Any, org: ObjectId, title: str, kind: EventKind, held: date) -> None:
    item = await services.interviews.create_draft(
        NewInterview(org_id=org, title=title, event_kind=kind, event_date=held)
    )
    await services.content.publish(item, effective=datetime(2025, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, ["oi-jun", "pc-may", "pc-mar"]),
        ({"k": "PRESS_CONFERENCE"}, ["pc-may", "pc-mar"]),
        ({"f": "2025-04-01", "t": "2025-06-30"}, ["oi-jun", "pc-may"]),
        ({"k": "PRESS_CONFERENCE", "f": "2025-03-10", "t": "2025-03-10"}, ["pc-mar"]),
    ],
    ids=["all", "by-kind", "by-days", "kind-and-one-day"],
)
async def test_the_public_lists_filter_by_event_kind_and_days_held(api, services, variables, expected):
    # given published events of an organization
    org = await api.new_org()
    oid = expect_global_id(org, "Organization")
    names = {n: unique(n) for n in ("pc-mar", "pc-may", "oi-jun")}
    await _published(services, oid, names["pc-mar"], EventKind.PRESS_CONFERENCE, date(2025, 3, 10))
    await _published(services, oid, names["pc-may"], EventKind.PRESS_CONFERENCE, date(2025, 5, 20))
    await _published(services, oid, names["oi-jun"], EventKind.ONLINE_INTERVIEW, date(2025, 6, 30))
    # when anybody lists them with the filters
    data = await api.ok(LIST, {"o": org, **variables})
    # then exactly the matching ones come, and the count agrees
    titles = [e["node"]["title"] for e in data["interviews"]["edges"]]
    assert sorted(titles) == sorted(names[n] for n in expected)
    assert data["interviews"]["totalCount"] == len(expected)


async def test_the_migration_gives_stored_items_their_event_kind_and_day(services):
    # given items stored before events had a kind: a press conference with a start at 20:00 UTC, and
    # an online interview with only a publication date
    collection = Interview.get_pymongo_collection()
    org = ObjectId()
    press = {
        "_id": ObjectId(),
        "org_id": org,
        "title": unique("旧发布会"),
        "kind": InterviewKind.PRESS_CONFERENCE.value,
        "scheduled_start": datetime(2024, 5, 6, 20, 0),
        "review_state": "draft",
    }
    online = {
        "_id": ObjectId(),
        "org_id": org,
        "title": unique("旧访谈"),
        "kind": InterviewKind.INTERVIEW.value,
        "published_date": datetime(2024, 7, 1),
        "review_state": "draft",
    }
    await collection.insert_many([press, online])
    # when the migration runs, twice
    first = await settle_event_fields()
    second = await settle_event_fields()
    # then each got its kind and the Beijing day, leaders are empty, and the second run changed nothing
    stored = {d["title"]: d for d in await collection.find({"org_id": org}).to_list()}
    assert (stored[press["title"]]["event_kind"], stored[press["title"]]["event_date"]) == (
        "press_conference",
        datetime(2024, 5, 7, tzinfo=UTC),
    )
    assert (stored[online["title"]]["event_kind"], stored[online["title"]]["event_date"]) == (
        "online_interview",
        datetime(2024, 7, 1, tzinfo=UTC),
    )
    assert stored[online["title"]]["leaders"] == []
    assert first == 2
    assert second == 0
    await collection.delete_many({"org_id": org})
