"""Dates at the edges: out of the accepted ranges (cms.content.dates) or unrepresentable with their offset,
input answers BAD_USER_INPUT naming the field and writes nothing; an item an old database holds with a
date near year 1 does not break public paging."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cms.content.dates import SCHEDULING_SPAN, document_date, document_instant, scheduling_instant
from cms.content.ids import to_global_id
from storage.documents import CatalogEntry, ReviewState
from tests.helpers import DEPT_HEAD, OFFICE, OFFICER, UNIT_HEAD, Api, unique

LATE_WITH_OFFSET = "9999-12-31T23:59:59-14:00"  # past year 9999 in UTC
EARLY_WITH_OFFSET = "0001-01-01T00:00:00+14:00"  # before year 1 in UTC
DOCUMENT_RANGE = "1949-01-01 至 2100-12-31"
DATE_MESSAGE = f"日期须在 {DOCUMENT_RANGE} 之间。"
TIME_MESSAGE = f"时间须在 {DOCUMENT_RANGE} 之间。"
SCHEDULE_MESSAGE = "时间须在当前时间前后 10 年之内。"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def refusal(body: dict) -> tuple[str, str, str]:
    """(code, message, field) of the one error, and no data written in its place."""
    assert body["data"] is None, body
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"], error["extensions"].get("field")


def years_from_now(years: float) -> str:
    return (datetime.now(UTC) + timedelta(days=365.25 * years)).isoformat()


@pytest.mark.parametrize(
    "operation",
    [
        "reviewRegister(organization: $o, first: 5, {arg}: $d) {{ seq }}",
        "reviewRegisterExport(organization: $o, {arg}: $d)",
    ],
    ids=["register", "export"],
)
@pytest.mark.parametrize(
    ("arg", "value"),
    [
        pytest.param("since", LATE_WITH_OFFSET, id="since-past-9999"),
        pytest.param("until", EARLY_WITH_OFFSET, id="until-before-year-1"),
        pytest.param("since", "1900-01-01T00:00:00Z", id="since-before-1949"),
        pytest.param("until", "2101-01-01T00:00:00+00:00", id="until-after-2100"),
    ],
)
async def test_register_bounds_out_of_range(api, operation, arg, value):
    query = "query($o: ID!, $d: DateTime!) { " + operation.format(arg=arg) + " }"

    body = await api.post(query, {"o": await api.root(), "d": value}, await api.token(OFFICE))

    assert refusal(body) == ("BAD_USER_INPUT", TIME_MESSAGE, arg)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("createdDate", "1948-12-31", DATE_MESSAGE, id="created-before-1949"),
        pytest.param("publishedDate", "2101-01-01", DATE_MESSAGE, id="published-after-2100"),
        pytest.param("validityEffectiveDate", "0001-01-01", DATE_MESSAGE, id="in-force-year-1"),
        pytest.param("repealDate", "9999-12-31", DATE_MESSAGE, id="repealed-year-9999"),
        pytest.param("effective", EARLY_WITH_OFFSET, TIME_MESSAGE, id="effective-before-year-1"),
        pytest.param("expires", LATE_WITH_OFFSET, TIME_MESSAGE, id="expires-past-9999"),
    ],
)
async def test_catalog_entry_dates_out_of_range(api, field, value, message):
    officer = await api.token(OFFICER)
    entry = await api.create_entry(officer, await api.new_org(), unique("日期"))

    body = await api.update_entry(officer, entry["id"], 1, title=unique("不应保存"), **{field: value})

    assert refusal(body) == ("BAD_USER_INPUT", message, field)
    assert (await api.node(entry["id"], officer))["version"] == 1


async def test_interpretation_published_date_out_of_range(api):
    officer = await api.token(OFFICER)
    created = await api.ok(
        "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
        {"i": {"organization": await api.new_org(), "title": unique("解读")}},
        officer,
    )

    body = await api.post(
        "mutation($id: ID!, $i: InterpretationUpdateInput!) {"
        " updateInterpretation(id: $id, expectedVersion: 1, input: $i) { id } }",
        {"id": created["createInterpretation"]["id"], "i": {"publishedDate": "1900-05-04"}},
        officer,
    )

    assert refusal(body) == ("BAD_USER_INPUT", DATE_MESSAGE, "publishedDate")


CREATE_INTERVIEW = "mutation($i: InterviewInput!) { createInterview(input: $i) { id } }"


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        pytest.param(
            {"scheduledStart": LATE_WITH_OFFSET}, SCHEDULE_MESSAGE, "scheduledStart", id="start-past-9999"
        ),
        pytest.param(
            {"scheduledEnd": EARLY_WITH_OFFSET}, SCHEDULE_MESSAGE, "scheduledEnd", id="end-before-year-1"
        ),
        pytest.param(
            {"scheduledStart": years_from_now(10.1)},
            SCHEDULE_MESSAGE,
            "scheduledStart",
            id="start-in-11-years",
        ),
        pytest.param(
            {"scheduledEnd": years_from_now(-10.1)}, SCHEDULE_MESSAGE, "scheduledEnd", id="end-11-years-ago"
        ),
        pytest.param(
            {
                "transcript": [
                    {"speaker": "主持人", "text": "开始", "role": "host"},
                    {"speaker": "嘉宾", "text": "你好", "time": LATE_WITH_OFFSET},
                ]
            },
            TIME_MESSAGE,
            "transcript.1.time",
            id="transcript-time-past-9999",
        ),
    ],
)
async def test_interview_times_out_of_range(api, fields, message, field):
    officer = await api.token(OFFICER)
    org = await api.new_org()

    body = await api.post(
        CREATE_INTERVIEW, {"i": {"organization": org, "title": unique("访谈"), **fields}}, officer
    )

    assert refusal(body) == ("BAD_USER_INPUT", message, field)


@pytest.mark.parametrize(
    "effective",
    [
        pytest.param(LATE_WITH_OFFSET, id="past-9999"),
        pytest.param(EARLY_WITH_OFFSET, id="before-year-1"),
        pytest.param(years_from_now(10.1), id="in-11-years"),
        pytest.param(years_from_now(-10.1), id="11-years-ago"),
    ],
)
async def test_approval_effective_out_of_range(api, effective):
    officer, head, unit = [await api.token(u) for u in (OFFICER, DEPT_HEAD, UNIT_HEAD)]
    entry = await api.create_entry(officer, await api.new_org(), unique("定时"))
    await api.act(officer, entry["id"], "SUBMIT")
    await api.act(officer, entry["id"], "APPROVE", opinion="初审同意。")
    await api.act(head, entry["id"], "APPROVE", opinion="审核同意。")

    body = await api.transition(unit, entry["id"], "APPROVE", opinion="同意。", effective=effective)

    assert refusal(body) == ("BAD_USER_INPUT", SCHEDULE_MESSAGE, "effective")
    assert (await api.node(entry["id"], unit))["reviewState"] == "PENDING_UNIT_APPROVAL"


NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("check", "value"),
    [
        pytest.param(lambda v: document_date(v, "d"), date(1949, 1, 1), id="first-document-day"),
        pytest.param(lambda v: document_date(v, "d"), date(2100, 12, 31), id="last-document-day"),
        pytest.param(
            lambda v: document_instant(v, "d"),
            datetime(2100, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=1))),
            id="last-document-instant-with-offset",
        ),
        pytest.param(lambda v: document_instant(v, "d"), datetime(1949, 1, 1), id="naive-is-utc"),
        pytest.param(lambda v: scheduling_instant(v, "d", NOW), NOW + SCHEDULING_SPAN, id="ten-years-ahead"),
        pytest.param(lambda v: scheduling_instant(v, "d", NOW), NOW - SCHEDULING_SPAN, id="ten-years-ago"),
    ],
)
def test_the_edges_of_the_ranges_are_accepted(check, value):
    expected = value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value

    assert check(value) == expected


PAGE = """query($after: String) { catalog(first: 1, after: $after) {
  edges { node { id } } pageInfo { hasNextPage } } }"""


async def test_public_paging_past_an_item_of_year_1(api, services, fresh_org):
    org = await fresh_org()
    stored = []
    for year in (2, 1):  # as an old database might hold them: no input checks on the way in
        instant = datetime(year, 1, 1, tzinfo=UTC)
        entry = CatalogEntry(
            org_id=org.id,
            title=unique(f"公元{year}年"),
            review_state=ReviewState.PUBLISHED,
            effective=instant,
            published_at=instant,
        )
        stored.append(await services.content.insert(entry))
    year_2, year_1 = stored

    after_year_2 = await api.ok(PAGE, {"after": services.content.cursors.encode(year_2.sort_key)})
    after_year_1 = await api.ok(PAGE, {"after": services.content.cursors.encode(year_1.sort_key)})

    assert [e["node"]["id"] for e in after_year_2["catalog"]["edges"]] == [api_id(year_1)]
    assert after_year_2["catalog"]["pageInfo"]["hasNextPage"] is False
    assert after_year_1["catalog"] == {"edges": [], "pageInfo": {"hasNextPage": False}}


def api_id(item: CatalogEntry) -> str:
    return to_global_id("CatalogEntry", str(item.id))
