"""The compliance dashboard (合规看板) over a constructed year: every figure as the rules state it, each
figure's count equal to the items it lists, Beijing days at the edges, its exports, and who may see it."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from bson import ObjectId

from cms.content.ids import expect_global_id, to_global_id
from cms.kinds.catalog import NewCatalogEntry
from cms.kinds.interpretations import NewInterpretation
from cms.kinds.interviews import NewInterview
from cms.services import Services
from storage.documents import DisclosureMode, EventKind, InterviewKind, Leader, LeaderLevel, Validity
from storage.requests import DisclosureRequest, Reply
from tests.helpers import ADMIN, OFFICE, OFFICER, UNIT_HEAD, Api, error_of, unique

DASHBOARD = """query($o: ID!, $f: Date!, $t: Date!, $s: Boolean) {
  complianceDashboard(organization: $o, from: $f, to: $t, includeSubtree: $s) {
    from to includeSubtree organizations { id }
    figures { key label count items { id type title date referenceDate dueDate note organization { id } } }
    quotas { key organization { id } from to period required count met items { title date note } } } }"""
EXPORT = """query($o: ID!, $f: Date!, $t: Date!, $s: Boolean, $x: ComplianceExportFormat!) {
  complianceDashboardExport(organization: $o, from: $f, to: $t, includeSubtree: $s, format: $x) {
    filename contentType base64 } }"""


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def at(year: int, month: int, day: int, hour: int = 2) -> datetime:
    """An instant in UTC: hour 2 is 10:00 in Beijing, the same day."""
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class Year:
    government: str  # global ids
    department: str
    titles: dict[str, str]  # short name -> unique title


async def _entry(services: Services, org: ObjectId, title: str, effective: datetime, **fields: Any) -> Any:
    entry = await services.catalog.create_draft(NewCatalogEntry(org_id=org, title=title, **fields))
    return await services.content.publish(entry, effective=effective)


async def _interpretation(
    services: Services, org: ObjectId, title: str, of: Any, effective: datetime
) -> None:
    item = await services.interpretations.create_draft(
        NewInterpretation(org_id=org, title=title, interprets_ids=[of.id])
    )
    await services.content.publish(item, effective=effective)


async def _event(
    services: Services,
    org: ObjectId,
    title: str,
    kind: EventKind,
    held: date,
    *,
    publish: bool = True,
    **more: Any,
) -> None:
    item = await services.interviews.create_draft(
        NewInterview(
            org_id=org,
            title=title,
            kind=InterviewKind.PRESS_CONFERENCE,
            event_kind=kind,
            event_date=held,
            **more,
        )
    )
    if publish:
        await services.content.publish(item, effective=at(held.year, held.month, held.day))


async def _request(
    org: ObjectId, title: str, received: date, state: str, replied: date | None = None, **more: Any
) -> None:
    reply = Reply(outcome="disclosed", replied_on=replied) if replied else None
    await DisclosureRequest(
        number=title,
        code_hash=uuid.uuid4().hex,
        org_id=org,
        state=state,
        channel="post",
        applicant_kind="natural_person",
        description="某项目批复",
        form="paper",
        delivery="post",
        received_on=received,
        reply=reply,
        **more,
    ).insert()


@pytest.fixture(scope="module")
async def year(api: Api, services: Services) -> Year:
    """A prefecture government G with a department D, and 2025 in D (and G) as the test states it."""
    admin = await api.token(ADMIN)
    suffix = uuid.uuid4().hex[:8].upper()
    made = await api.ok(
        "mutation($i: OrganizationInput!) { createOrganization(input: $i) { id } }",
        {
            "i": {
                "key": f"t-g{suffix.lower()}",
                "name": f"测试州政府{suffix}",
                "code": f"G{suffix}",
                "parent": await api.root(),
                "kind": "GOVERNMENT",
                "level": "PREFECTURE",
            }
        },
        admin,
    )
    government = made["createOrganization"]["id"]
    department = await api.new_org(government)
    g, d = expect_global_id(government, "Organization"), expect_global_id(department, "Organization")
    names = [
        "ontime",
        "late",
        "newyear",
        "beijing",
        "lastnight",
        "before",
        "onrequest",
        "repealed",
        "sync",
        "unsync",
        "pc1",
        "pc2",
        "pc3",
        "oi1",
        "oi2",
        "draftpc",
        "govpc",
        "govoi",
        "r-ontime",
        "r-late",
        "r-open",
        "r-correction",
        "r-withdrawn",
        "r-before",
    ]
    titles = {n: unique(n) for n in names}
    t = titles
    # 第二十六条: formed 2025-03-03 (Monday), due on the 20th working day after it, 2025-03-31
    ontime = await _entry(services, d, t["ontime"], at(2025, 3, 10), created_date=date(2025, 3, 3))
    late = await _entry(services, d, t["late"], at(2025, 5, 6), created_date=date(2025, 3, 3))
    # 2024-12-31 17:00 UTC is 2025-01-01 01:00 in Beijing: in the period, formed the day before
    await _entry(services, d, t["newyear"], at(2024, 12, 31, 17), created_date=date(2024, 12, 31))
    # 2025-03-31 20:00 UTC is 2025-04-01 in Beijing: one day late although the UTC day is the due day
    await _entry(services, d, t["beijing"], at(2025, 3, 31, 20), created_date=date(2025, 3, 3))
    # 2025-12-31 16:30 UTC is 2026-01-01 in Beijing: after the period; 2024-12-31 10:00 Beijing: before
    await _entry(services, d, t["lastnight"], datetime(2025, 12, 31, 16, 30, tzinfo=UTC))
    await _entry(services, d, t["before"], at(2024, 12, 31), created_date=date(2024, 12, 1))
    await _entry(
        services,
        d,
        t["onrequest"],
        at(2025, 3, 10),
        created_date=date(2025, 3, 3),
        disclosure_mode=DisclosureMode.ON_REQUEST,
        non_disclosure_reason="依申请",
        legal_basis="条例第二十七条",
    )
    await _entry(
        services,
        d,
        t["repealed"],
        at(2025, 1, 6),
        created_date=date(2025, 1, 2),
        validity=Validity.REPEALED,
        repeal_date=date(2025, 6, 30),
    )
    # 三同步: within 3 working days after the document: 2025-03-13 for 03-10; 2025-05-09 for 05-06
    await _interpretation(services, d, t["sync"], ontime, at(2025, 3, 13))
    await _interpretation(services, d, t["unsync"], late, at(2025, 5, 12))
    # events: D's press conferences by quarter 1, 2, 0, 0; two online interviews; a draft not counted
    for name, held in (("pc1", date(2025, 2, 10)), ("pc2", date(2025, 4, 15)), ("pc3", date(2025, 4, 20))):
        await _event(services, d, t[name], EventKind.PRESS_CONFERENCE, held)
    await _event(services, d, t["oi1"], EventKind.ONLINE_INTERVIEW, date(2025, 6, 1))
    await _event(services, d, t["oi2"], EventKind.ONLINE_INTERVIEW, date(2025, 9, 9))
    await _event(services, d, t["draftpc"], EventKind.PRESS_CONFERENCE, date(2025, 10, 10), publish=False)
    head = Leader(name="李四", post="局长", level=LeaderLevel.PRINCIPAL, org_id=d)
    await _event(services, g, t["govpc"], EventKind.PRESS_CONFERENCE, date(2025, 7, 1), leaders=[head])
    governor = Leader(name="王五", post="州长", level=LeaderLevel.PRINCIPAL)
    await _event(services, g, t["govoi"], EventKind.ONLINE_INTERVIEW, date(2025, 8, 8), leaders=[governor])
    # requests (due 20 working days after receipt: 2025-03-31 for 03-03)
    await _request(d, t["r-ontime"], date(2025, 3, 3), "replied", date(2025, 3, 20))
    await _request(d, t["r-late"], date(2025, 3, 3), "replied", date(2025, 4, 15))
    await _request(d, t["r-open"], date(2025, 12, 1), "handling")
    await _request(
        d,
        t["r-correction"],
        date(2025, 11, 3),
        "correction_pending",
        correction_requested_on=date(2025, 11, 5),
    )
    await _request(d, t["r-withdrawn"], date(2025, 6, 2), "withdrawn")
    await _request(d, t["r-before"], date(2024, 12, 31), "replied", date(2025, 1, 6))
    return Year(government, department, titles)


def figures(board: dict[str, Any]) -> dict[str, list[str]]:
    """Each figure's item titles; and every count equals its list."""
    out: dict[str, list[str]] = {}
    for figure in board["figures"]:
        assert figure["count"] == len(figure["items"]), figure["key"]
        out[figure["key"]] = [i["title"] for i in figure["items"]]
    for quota in board["quotas"]:
        assert quota["count"] == len(quota["items"]), quota
        assert quota["met"] == (quota["count"] >= quota["required"])
    return out


async def board_of(
    api: Api, org: str, start: str, end: str, subtree: bool = False, user: str = OFFICE
) -> Any:
    data = await api.ok(DASHBOARD, {"o": org, "f": start, "t": end, "s": subtree}, await api.token(user))
    return data["complianceDashboard"]


async def test_a_constructed_year_reproduces_every_figure(api, year):
    # given 2025 in department D as the fixture states it
    t = year.titles
    # when the office asks for D's dashboard of 2025
    board = await board_of(api, year.department, "2025-01-01", "2025-12-31")
    # then each figure lists exactly the items the rules give, in date order
    assert figures(board) == {
        "PUBLISHED_ON_TIME": [t["newyear"], t["repealed"], t["ontime"]],
        "PUBLISHED_LATE": [t["beijing"], t["late"]],
        "REQUESTS_ANSWERED_IN_TIME": [t["r-ontime"]],
        "REQUESTS_OVERDUE": [t["r-late"], t["r-open"]],
        "REQUESTS_PENDING": [t["r-correction"]],
        "REQUESTS_CLOSED_WITHOUT_REPLY": [t["r-withdrawn"]],
        "INTERPRETATIONS_IN_SYNC": [t["sync"]],
        "INTERPRETATIONS_LATE": [t["unsync"]],
        "WITHDRAWALS": [],
        "VALIDITY_CHANGES": [t["repealed"]],
    }
    # and the days it judged by are Beijing days
    late = next(f for f in board["figures"] if f["key"] == "PUBLISHED_LATE")["items"]
    assert [(i["date"], i["referenceDate"], i["dueDate"]) for i in late] == [
        ("2025-04-01", "2025-03-03", "2025-03-31"),
        ("2025-05-06", "2025-03-03", "2025-03-31"),
    ]
    unsync = next(f for f in board["figures"] if f["key"] == "INTERPRETATIONS_LATE")["items"]
    assert [(i["date"], i["referenceDate"], i["dueDate"]) for i in unsync] == [
        ("2025-05-12", "2025-05-06", "2025-05-09")
    ]


async def test_the_quotas_count_published_events_by_quarter_and_year(api, year):
    # given D's events of 2025 and the government's press conference its head attended
    t = year.titles
    # when the office asks for D's dashboard
    board = await board_of(api, year.department, "2025-01-01", "2025-12-31")
    # then each quarter, the year's online interviews and the head's attendance are counted
    rows = [
        (q["key"], q["period"], q["required"], q["count"], q["met"], [i["title"] for i in q["items"]])
        for q in board["quotas"]
    ]
    assert rows == [
        ("DEPARTMENT_PRESS_CONFERENCES", "2025年第1季度", 1, 1, True, [t["pc1"]]),
        ("DEPARTMENT_PRESS_CONFERENCES", "2025年第2季度", 1, 2, True, [t["pc2"], t["pc3"]]),
        ("DEPARTMENT_PRESS_CONFERENCES", "2025年第3季度", 1, 0, False, []),
        ("DEPARTMENT_PRESS_CONFERENCES", "2025年第4季度", 1, 0, False, []),
        ("DEPARTMENT_ONLINE_INTERVIEWS", "2025年", 2, 2, True, [t["oi1"], t["oi2"]]),
        ("DEPARTMENT_HEAD_AT_GOVERNMENT_PRESS_CONFERENCE", "2025年", 1, 1, True, [t["govpc"]]),
    ]
    assert board["quotas"][-1]["items"][0]["note"] == "李四（局长）"


async def test_the_subtree_adds_the_department_and_the_governments_own_quota(api, year):
    # given the government G above D
    t = year.titles
    # when the office asks for G's second quarter, with and without its subtree
    alone = await board_of(api, year.government, "2025-04-01", "2025-06-30")
    both = await board_of(api, year.government, "2025-04-01", "2025-06-30", subtree=True)
    # then alone G has none of D's items, and its head's online interview row for the whole year
    assert figures(alone)["PUBLISHED_LATE"] == []
    assert [(q["key"], q["count"]) for q in alone["quotas"]] == [("GOVERNMENT_HEAD_ONLINE_INTERVIEW", 1)]
    assert alone["quotas"][0]["items"][0]["title"] == t["govoi"]
    # and with the subtree D's items and D's rows for the quarter and the year come in
    assert [o["id"] for o in both["organizations"]] == [year.government, year.department]
    assert figures(both)["PUBLISHED_LATE"] == [t["beijing"], t["late"]]
    assert [(q["key"], q["period"], q["count"]) for q in both["quotas"]] == [
        ("GOVERNMENT_HEAD_ONLINE_INTERVIEW", "2025年", 1),
        ("DEPARTMENT_PRESS_CONFERENCES", "2025年第2季度", 2),
        ("DEPARTMENT_ONLINE_INTERVIEWS", "2025年", 2),
        ("DEPARTMENT_HEAD_AT_GOVERNMENT_PRESS_CONFERENCE", "2025年", 1),
    ]


async def test_withdrawals_and_amendments_are_counted_on_the_day_they_happen(api, services, year):
    # given an entry of D published now, then withdrawn by the unit head, an entry marked amended, and
    # one scheduled to go public in two days
    d = expect_global_id(year.department, "Organization")
    now = services.content.clock()
    withdrawn = await _entry(services, d, unique("撤回"), now)
    amended = await _entry(services, d, unique("已修改"), now, validity=Validity.AMENDED)
    await _entry(services, d, unique("定时发布"), now + timedelta(days=2))
    gid = to_global_id("CatalogEntry", withdrawn.id)
    await api.act(await api.token(UNIT_HEAD), gid, "WITHDRAW", opinion="内容有误")
    # when the office asks for today and the next three days
    today = services.requests.today()
    board = await board_of(api, year.department, today.isoformat(), (today + timedelta(days=3)).isoformat())
    # then the withdrawal lists the entry with the opinion, the amendment is a validity change, and the
    # scheduled entry is not counted as published before it is
    found = figures(board)
    assert found["WITHDRAWALS"] == [withdrawn.title]
    assert found["VALIDITY_CHANGES"] == [amended.title]
    assert sorted(found["PUBLISHED_ON_TIME"]) == sorted([withdrawn.title, amended.title])
    today = today.isoformat()
    withdrawal = next(f for f in board["figures"] if f["key"] == "WITHDRAWALS")["items"][0]
    assert (withdrawal["id"], withdrawal["date"], withdrawal["note"]) == (gid, today, "内容有误")


async def test_exports_hold_every_listed_item_with_chinese_headers(api, year):
    # given D's 2025 dashboard
    board = await board_of(api, year.department, "2025-01-01", "2025-12-31")
    listed = sum(f["count"] for f in board["figures"]) + sum(q["count"] for q in board["quotas"])
    variables = {"o": year.department, "f": "2025-01-01", "t": "2025-12-31", "s": False}
    token = await api.token(OFFICE)
    # when it is exported as CSV and as xlsx
    as_csv = (await api.ok(EXPORT, {**variables, "x": "CSV"}, token))["complianceDashboardExport"]
    as_xlsx = (await api.ok(EXPORT, {**variables, "x": "XLSX"}, token))["complianceDashboardExport"]
    # then the CSV has a BOM, the Chinese header and one row per listed item
    text = base64.b64decode(as_csv["base64"]).decode("utf-8")
    assert text.startswith("\ufeff指标,期间,机构,类型,ID,名称,日期,参照日期,期限,说明\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) - 1 == listed
    assert rows[4][:2] == ["主动公开：超过20个工作日公开", "2025-01-01 至 2025-12-31"]
    assert (as_csv["filename"], as_csv["contentType"]) == (
        "compliance-2025-01-01-2025-12-31.csv",
        "text/csv; charset=utf-8",
    )
    # and the workbook has a summary sheet of every figure and quota and a sheet of the same items
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(as_xlsx["base64"])))
    assert book.sheetnames == ["汇总", "明细"]
    summary = list(book["汇总"].values)
    assert summary[0] == ("指标", "机构", "期间", "应达", "实际", "是否达标")
    assert len(summary) - 1 == len(board["figures"]) + len(board["quotas"])
    third_quarter = summary[1 + len(board["figures"]) + 2]
    assert (third_quarter[0], *third_quarter[2:]) == (
        "部门每季度至少举办1次新闻发布会",
        "2025年第3季度",
        "1",
        "0",
        "否",
    )
    assert len(list(book["明细"].values)) - 1 == listed


@pytest.mark.parametrize(
    ("who", "code"),
    [("anonymous", "UNAUTHENTICATED"), ("officer", "FORBIDDEN"), ("office elsewhere", "FORBIDDEN")],
    ids=["anonymous", "officer-without-permission", "office-of-another-org"],
)
async def test_who_may_not_see_the_dashboard(api, year, who, code):
    # given a caller without compliance.view at D
    token = None
    if who == "officer":
        token = await api.token(OFFICER)
    elif who == "office elsewhere":
        other = await api.new_org()
        token = (await api.new_user(other, "OFFICE")).token
    # when they ask for D's dashboard and its export
    variables = {"o": year.department, "f": "2025-01-01", "t": "2025-12-31", "s": False}
    asked = await api.post(DASHBOARD, variables, token)
    exported = await api.post(EXPORT, {**variables, "x": "CSV"}, token)
    # then both are refused with the code, and nothing is returned
    assert error_of(asked)[0] == code
    assert error_of(exported)[0] == code
    assert asked["data"] is None


@pytest.mark.parametrize("user", [OFFICE, ADMIN], ids=["office", "admin"])
async def test_office_and_administrators_may_see_it(api, year, user):
    # given the demo office and administrator (granted over the province)
    # when they ask for D's dashboard
    board = await board_of(api, year.department, "2025-01-01", "2025-12-31", user=user)
    # then they get it
    assert figures(board)["REQUESTS_ANSWERED_IN_TIME"] == [year.titles["r-ontime"]]


async def test_an_office_of_the_department_alone_sees_only_it_in_a_subtree(api, year):
    # given an office clerk whose role is held at D only
    clerk = await api.new_user(year.department, "OFFICE")
    variables = {"o": year.government, "f": "2025-01-01", "t": "2025-12-31", "s": True}
    # when they ask for G with its subtree, and for D
    refused = await api.post(DASHBOARD, variables, clerk.token)
    allowed = await api.ok(DASHBOARD, {**variables, "o": year.department}, clerk.token)
    # then G is refused, D is answered
    assert error_of(refused)[0] == "FORBIDDEN"
    assert [o["id"] for o in allowed["complianceDashboard"]["organizations"]] == [year.department]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-12-31", "2025-01-01", "结束日期不能早于开始日期。"),
        ("2020-01-01", "2025-12-31", "统计期间最长 5 年。"),
        ("1900-01-01", "1900-12-31", "日期须在 1949-01-01 至 2100-12-31 之间。"),
    ],
    ids=["reversed", "longer-than-five-years", "out-of-range"],
)
async def test_a_bad_period_is_refused_naming_the_field(api, year, start, end, message):
    # given the office
    token = await api.token(OFFICE)
    # when it asks for a period that cannot be
    body = await api.post(DASHBOARD, {"o": year.department, "f": start, "t": end, "s": False}, token)
    # then BAD_USER_INPUT names the field
    assert error_of(body) == ("BAD_USER_INPUT", message)
    assert body["errors"][0]["extensions"]["field"] in ("from", "to")


async def test_a_figure_is_never_counted_from_a_list_cut_short(api, services, year, monkeypatch):
    # given a dashboard that may read at most two items per figure, and D's 2025 with three on time
    monkeypatch.setattr(services.compliance, "max_items", 2)
    token = await api.token(OFFICE)
    # when the office asks for D's 2025
    body = await api.post(
        DASHBOARD, {"o": year.department, "f": "2025-01-01", "t": "2025-12-31", "s": False}, token
    )
    # then it is refused rather than answered with a short count
    assert error_of(body) == ("BAD_USER_INPUT", "统计期间内的条目超过 2 条，请缩短统计期间或不含下级机构。")
    assert body["errors"][0]["extensions"]["field"] == "to"
