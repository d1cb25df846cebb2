"""The annual report (年度报告, issue #19): a constructed year of requests and catalog entries gives
exactly the official tables; the staff's parts are saved by the disclosure office; issuing puts a .docx
in the official layout on a catalog entry draft that passes the review chain; once it is published the
report's figures are frozen. Who may read, save and issue it."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from docx import Document

from authz import Principal
from cms.content.ids import from_global_id, to_global_id
from storage.requests import DisclosureRequest, Reply
from tests.helpers import Api, error_of

YEAR = 2025
COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
REPORT = """query($o: ID!, $y: Int!, $s: Boolean) { annualReport(organization: $o, year: $y, includeSubtree: $s) {
  year includeSubtree state version frozen catalogEntryId overview problems otherMatters processingFees
  overviewFigures { label value }
  proactive { licensing penalty enforcement feeAmount
    regulations { issued repealed inForce } normativeDocuments { issued repealed inForce } }
  requestColumns requests { key label group counts }
  remedies { review { upheld corrected other pending total }
    litigationDirect { total } litigationAfterReview { upheld total } }
  checks { key holds detail } } }"""
SAVE = """mutation($o: ID!, $y: Int!, $i: AnnualReportDraftInput!, $v: Int) {
  saveAnnualReportDraft(organization: $o, year: $y, input: $i, expectedVersion: $v) { version state } }"""
ISSUE = """mutation($o: ID!, $y: Int!) { issueAnnualReport(organization: $o, year: $y) {
  state catalogEntryId requests { key counts } } }"""
ENTRY = """query($id: ID!) { node(id: $id) { ... on CatalogEntry { title genre reviewState
  attachments { filename contentType url } } } }"""
STAFF_PART = {
    "overview": "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。",
    "licensing": 120,
    "penalty": 7,
    "enforcement": 2,
    "feeAmount": 1.25,
    "problems": "一是主动公开的及时性有待提高。",
    "otherMatters": "无。",
}
RECORD_CASE = """mutation($id: ID!, $c: RemedyCaseInput!) { recordRemedyCase(id: $id, input: $c) {
  remedyCases { id } } }"""
CONCLUDE_CASE = """mutation($id: ID!, $case: ID!, $r: RemedyResult!, $d: Date!) {
  concludeRemedyCase(id: $id, case: $case, result: $r, concludedOn: $d) { state } }"""
FEE_NOTICE = """mutation($id: ID!, $p: Int!) {
  issueDisclosureFeeNotice(id: $id, method: PER_PAGE, pages: $p) { fee { amountFen } } }"""
FEE_PAID = """mutation($id: ID!, $a: Int!, $d: Date!) {
  recordDisclosureFeePayment(id: $id, amountFen: $a, paidOn: $d) { state } }"""

# (applicant kind, received, state, outcome, ground, replied on, closed at (UTC))
A_REQUESTS = [
    ("natural_person", "2024-12-20", "replied", "disclosed", None, "2025-01-10", None),  # 上年结转, 办结
    ("commercial", "2024-11-01", "archived", "disclosed", None, "2024-12-01", None),  # closed last year
    ("research", "2024-12-28", "handling", None, None, None, None),  # 上年结转 and 结转下年度
    ("natural_person", "2025-03-01", "replied", "partly_disclosed", None, "2025-03-20", None),
    ("natural_person", "2025-04-01", "replied", "not_disclosed", "third_party_rights", "2025-04-15", None),
    ("commercial", "2025-05-01", "replied", "not_disclosed", "state_secret", "2025-05-20", None),
    ("legal_service", "2025-06-01", "replied", "unable", "not_held", "2025-06-10", None),
    ("public_interest", "2025-06-02", "replied", "not_processed", "repeated", "2025-06-11", None),
    # deemed withdrawn (逾期不补正), counted by its closing date
    ("natural_person", "2025-07-01", "withdrawn", "other", "no_correction", None, "2025-08-01T03:00"),
    # closed 17:00 UTC on 31 December: 1 January in China, so carried into next year
    ("other_organization", "2025-12-01", "withdrawn", "other", "no_correction", None, "2025-12-31T17:00"),
    ("natural_person", "2025-12-20", "replied", "disclosed", None, "2026-01-05", None),  # 结转下年度
    ("natural_person", "2026-01-03", "received", None, None, None, None),  # next year's
    ("commercial", "2025-09-01", "reply_drafted", "disclosed", None, None, None),  # drafted, not sent
    ("natural_person", "2025-02-01", "archived", "disclosed", None, "2025-02-10", None),
    ("research", "2025-10-01", "replied", "other", "fee_unpaid", "2025-10-10", None),
]
B_REQUESTS = [
    ("natural_person", "2025-05-05", "replied", "disclosed", None, "2025-05-10", None),
    ("natural_person", "2024-12-15", "handling", None, None, None, None),  # 上年结转, 结转下年度
]
# Section 四 of the organization's 2025 report, from the cases recorded in remedy_cases below.
EXPECTED_REMEDIES = {
    "review": {"upheld": 1, "corrected": 1, "other": 0, "pending": 1, "total": 3},
    "litigationDirect": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1},
    "litigationAfterReview": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
}

EXPECTED_MATRIX = {
    "new": [5, 2, 1, 1, 1, 1, 11],
    "carried_in": [1, 0, 1, 0, 0, 0, 2],
    "disclosed": [2, 0, 0, 0, 0, 0, 2],
    "partly_disclosed": [1, 0, 0, 0, 0, 0, 1],
    "not_disclosed.state_secret": [0, 1, 0, 0, 0, 0, 1],
    "not_disclosed.third_party_rights": [1, 0, 0, 0, 0, 0, 1],
    "unable.not_held": [0, 0, 0, 0, 1, 0, 1],
    "not_processed.repeated": [0, 0, 0, 1, 0, 0, 1],
    "other.no_correction": [1, 0, 0, 0, 0, 0, 1],
    "other.fee_unpaid": [0, 0, 1, 0, 0, 0, 1],
    "total": [5, 1, 1, 1, 1, 0, 9],
    "carried_out": [1, 1, 1, 0, 0, 1, 4],
}
ROW_ORDER = [
    "new",
    "carried_in",
    "disclosed",
    "partly_disclosed",
    *[f"not_disclosed.{g}" for g in ("state_secret", "prohibited_by_law", "three_securities")],
    *[f"not_disclosed.{g}" for g in ("third_party_rights", "internal_affairs", "process_information")],
    "not_disclosed.enforcement_files",
    "not_disclosed.administrative_query",
    "unable.not_held",
    "unable.needs_creation",
    "unable.still_unclear",
    *[f"not_processed.{g}" for g in ("petition", "repeated", "publication", "excessive", "confirmation")],
    "other.no_correction",
    "other.fee_unpaid",
    "other.other",
    "total",
    "carried_out",
]


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


async def insert_requests(org: str, rows: list[tuple]) -> list[DisclosureRequest]:
    """Requests as handling left them (the handling path itself is tested in test_requests_api)."""
    made = []
    for kind, received, state, outcome, ground, replied, closed in rows:
        closed_at = datetime.fromisoformat(closed).replace(tzinfo=UTC) if closed else None
        if replied:
            closed_at = datetime.fromisoformat(f"{replied}T02:00").replace(tzinfo=UTC)
        request = DisclosureRequest(
            number=f"T{uuid.uuid4().hex[:12].upper()}",
            code_hash="x",
            org_id=from_global_id(org)[1],
            state=state,
            channel="post",
            applicant_kind=kind,
            description="年度报告测试",
            form="paper",
            delivery="post",
            received_on=date.fromisoformat(received),
            reply=Reply(outcome=outcome, ground=ground, replied_on=_day(replied)) if outcome else None,
            closed_at=closed_at,
        )
        made.append(await request.insert())
    return made


async def publish_documents(api: Api, org: str, team: dict) -> None:
    """规章 and 行政规范性文件 issued, repealed and in force around the year, through the review chain."""
    documents = [
        ("规章", "2025-03-01", "VALID", None),
        ("规章", "2023-05-01", "REPEALED", "2025-06-30"),
        ("规章", "2024-01-01", "VALID", None),
        ("行政规范性文件", "2025-02-01", "EXPIRED", "2025-11-30"),
        ("行政规范性文件", "2025-12-31", "VALID", None),
        ("行政规范性文件", "2026-01-10", "VALID", None),  # next year's
    ]
    officer, head, unit = team["officer"].token, team["head"].token, team["unit"].token
    for genre, published, validity, repealed in documents:
        fields = {"genre": genre, "publishedDate": published, "createdDate": published, "validity": validity}
        if repealed:
            fields["repealDate"] = repealed
        await api.publish(org, officer, head, unit, **fields)
    await api.create_entry(officer, org, genre="规章", publishedDate="2025-04-01")  # a draft: not counted


def staff_id(request: DisclosureRequest) -> str:
    return to_global_id("DisclosureRequest", request.id)


async def record_case(
    api: Api, token: str, request: DisclosureRequest, kind: str, filed: str, result: str | None, on: str = ""
) -> None:
    """A case recorded through the staff's mutations, concluded on ``on`` when a result is given."""
    new = {"kind": kind, "filedOn": filed, "authority": "昆明市人民政府"}
    cases = (await api.ok(RECORD_CASE, {"id": staff_id(request), "c": new}, token))["recordRemedyCase"]
    if result is not None:
        case = cases["remedyCases"][-1]["id"]
        await api.ok(CONCLUDE_CASE, {"id": staff_id(request), "case": case, "r": result, "d": on}, token)


async def remedy_cases(api: Api, token: str, a: list[DisclosureRequest], b: list[DisclosureRequest]) -> None:
    """行政复议 and 行政诉讼 around 2025 (the requests are A_REQUESTS and B_REQUESTS, by index)."""
    await record_case(api, token, a[4], "REVIEW", "2025-05-06", "UPHELD", "2025-07-01")
    await record_case(api, token, a[5], "REVIEW", "2025-06-01", "CORRECTED", "2025-08-01")
    # concluded after 31 December: still 尚未审结 in the 2025 report
    await record_case(api, token, a[6], "REVIEW", "2025-07-01", "OTHER", "2026-02-01")
    await record_case(api, token, a[7], "LITIGATION_DIRECT", "2025-08-01", "UPHELD", "2025-11-01")
    await record_case(api, token, a[4], "LITIGATION_AFTER_REVIEW", "2025-08-15", None)
    # filed in 2024 and concluded in 2025: the 2024 report's case, not this one's
    await record_case(api, token, a[1], "REVIEW", "2024-12-10", "UPHELD", "2025-02-01")
    # the child organization's: only in the report over the subtree
    await record_case(api, token, b[0], "LITIGATION_DIRECT", "2025-06-01", "CORRECTED", "2025-09-01")


async def paid_fee(api: Api, services, token: str, request: DisclosureRequest, pages: int, paid: str) -> None:
    """A 信息处理费 notice and its payment, the service's clock on the day of payment."""
    day = date.fromisoformat(paid)
    real = services.requests.clock
    services.requests.clock = lambda: datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    try:
        notice = await api.ok(FEE_NOTICE, {"id": staff_id(request), "p": pages}, token)
        amount = notice["issueDisclosureFeeNotice"]["fee"]["amountFen"]
        await api.ok(FEE_PAID, {"id": staff_id(request), "a": amount, "d": paid}, token)
    finally:
        services.requests.clock = real


@pytest.fixture(scope="module")
async def year(api, services):
    """An organization (with a child) holding the constructed year, and its staff."""
    org = await api.new_org()
    child = await api.new_org(org)
    team = await api.team(
        org, officer=("OFFICER",), head=("DEPT_HEAD",), unit=("UNIT_HEAD",), office=("OFFICE",)
    )
    a = await insert_requests(org, A_REQUESTS)
    b = await insert_requests(child, B_REQUESTS)
    await publish_documents(api, org, team)
    office = team["office"].token
    await remedy_cases(api, office, a, b)
    # 45 pages: 15 over the free 30 at 10 元 = 150 元; 120 pages: 70 × 10 元 + 20 × 20 元 = 1100 元
    await paid_fee(api, services, office, a[2], 45, "2025-01-10")
    await paid_fee(api, services, office, b[1], 120, "2025-03-05")
    return {"org": org, "child": child, "team": team, "a": a}


def matrix(report: dict) -> dict[str, list[int]]:
    return {r["key"]: r["counts"] for r in report["requests"] if any(r["counts"])}


async def test_a_constructed_year_gives_the_official_request_matrix_exactly(api, year):
    # given the constructed year; when the office reads the report
    data = await api.ok(REPORT, {"o": year["org"], "y": YEAR}, year["team"]["office"].token)
    report = data["annualReport"]
    # then section 三 has the official rows and columns and exactly these numbers
    assert report["requestColumns"] == COLUMNS
    assert [r["key"] for r in report["requests"]] == ROW_ORDER
    assert matrix(report) == EXPECTED_MATRIX
    rows = {r["key"]: r for r in report["requests"]}
    assert rows["new"]["label"] == "一、本年新收政府信息公开申请数量"
    assert rows["not_disclosed.state_secret"]["label"] == "1.属于国家秘密"
    assert rows["not_disclosed.state_secret"]["group"] == "（三）不予公开"
    assert rows["carried_out"]["label"] == "四、结转下年度继续办理"
    assert report["checks"] == [
        {"key": "balance", "holds": True, "detail": ""},
        {"key": "counted_once", "holds": True, "detail": ""},
    ]
    assert report["state"] == "DRAFT"
    assert report["frozen"] is False
    assert report["version"] == 0


async def test_section_two_counts_regulations_and_normative_documents_by_genre_and_validity(api, year):
    data = await api.ok(REPORT, {"o": year["org"], "y": YEAR}, year["team"]["officer"].token)
    proactive = data["annualReport"]["proactive"]

    assert proactive["regulations"] == {"issued": 1, "repealed": 1, "inForce": 2}
    assert proactive["normativeDocuments"] == {"issued": 2, "repealed": 1, "inForce": 1}
    figures = {f["label"]: f["value"] for f in data["annualReport"]["overviewFigures"]}
    assert figures == {
        "本年主动公开政府信息（条）": 3,  # 2025-03-01, 2025-02-01, 2025-12-31
        "本年制发规章（件）": 1,
        "本年制发行政规范性文件（件）": 2,
        "本年新收政府信息公开申请（件）": 11,
        "本年办结政府信息公开申请（件）": 9,
        "结转下年度继续办理（件）": 4,
    }


async def test_with_its_subtree_the_report_counts_the_child_organizations_requests(api, year):
    data = await api.ok(REPORT, {"o": year["org"], "y": YEAR, "s": True}, year["team"]["office"].token)
    counts = matrix(data["annualReport"])

    assert counts["new"] == [6, 2, 1, 1, 1, 1, 12]
    assert counts["disclosed"] == [3, 0, 0, 0, 0, 0, 3]
    assert counts["total"] == [6, 1, 1, 1, 1, 0, 10]
    assert data["annualReport"]["includeSubtree"] is True


async def test_a_request_closed_without_a_ground_fails_the_checks_and_the_report_is_not_issued(api):
    # given a request replied 不予公开 with no ground recorded
    org = await api.new_org()
    team = await api.team(org, office=("OFFICE",))
    bad = await insert_requests(
        org, [("natural_person", "2025-03-01", "replied", "not_disclosed", None, "2025-03-05", None)]
    )
    # when the office reads and tries to issue the report
    data = await api.ok(REPORT, {"o": org, "y": YEAR}, team["office"].token)
    refused = await api.post(ISSUE, {"o": org, "y": YEAR}, team["office"].token)
    # then the checks name the request and issuing is refused, writing nothing
    checks = {c["key"]: c for c in data["annualReport"]["checks"]}
    assert checks["counted_once"] == {
        "key": "counted_once",
        "holds": False,
        "detail": f"未能计入的申请：{bad[0].number}",
    }
    assert checks["balance"]["holds"] is False
    code, message = error_of(refused)
    assert code == "REPORT_CHECKS_FAILED"
    assert message.startswith("年度报告的数据核对未通过，不能印发：")
    after = await api.ok(REPORT, {"o": org, "y": YEAR}, team["office"].token)
    assert after["annualReport"]["catalogEntryId"] is None


async def test_the_office_saves_the_staff_part_and_a_stale_version_is_refused(api, year):
    office = year["team"]["office"].token
    org = await api.new_org()
    await api.grant(year["team"]["office"].id, "OFFICE", org)

    first = await api.ok(SAVE, {"o": org, "y": YEAR, "i": STAFF_PART, "v": 0}, office)
    stale = await api.post(SAVE, {"o": org, "y": YEAR, "i": STAFF_PART, "v": 0}, office)
    data = await api.ok(REPORT, {"o": org, "y": YEAR}, office)

    assert first["saveAnnualReportDraft"] == {"version": 1, "state": "DRAFT"}
    assert error_of(stale)[0] == "CONFLICT"
    report = data["annualReport"]
    assert report["overview"] == STAFF_PART["overview"]
    assert report["proactive"]["licensing"] == 120
    assert report["proactive"]["feeAmount"] == 1.25
    assert report["problems"] == STAFF_PART["problems"]
    assert report["otherMatters"] == STAFF_PART["otherMatters"]


async def test_section_four_and_the_processing_fees_are_computed_from_the_recorded_cases_and_payments(
    api, year
):
    # given the constructed year's cases and fees; when the office reads the report, then the year
    # counts the cases filed in 2025 by their result on 31 December, and the fees paid in 2025, in 元
    office = year["team"]["office"].token
    own = (await api.ok(REPORT, {"o": year["org"], "y": YEAR}, office))["annualReport"]
    subtree = (await api.ok(REPORT, {"o": year["org"], "y": YEAR, "s": True}, office))["annualReport"]
    before = (await api.ok(REPORT, {"o": year["org"], "y": YEAR - 1}, office))["annualReport"]

    assert own["remedies"] == {
        "review": EXPECTED_REMEDIES["review"],
        "litigationDirect": {"total": 1},
        "litigationAfterReview": {"upheld": 0, "total": 1},
    }
    assert own["processingFees"] == "150.00"
    assert subtree["remedies"]["litigationDirect"] == {"total": 2}
    assert subtree["processingFees"] == "1250.00"
    # the case filed in 2024 is the 2024 report's, still pending on that year's 31 December
    assert before["remedies"]["review"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}
    assert before["processingFees"] == "0.00"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        pytest.param({"licensing": -1}, "licensing", "数量须为不小于 0 的整数。", id="negative-count"),
        pytest.param({"penalty": -2}, "penalty", "数量须为不小于 0 的整数。", id="negative-penalty"),
        pytest.param({"feeAmount": -0.5}, "feeAmount", "金额须为不小于 0 的数。", id="negative-amount"),
        pytest.param(
            {"overview": "字" * 50_001}, "overview", "内容过长（最多 50000 个字符）。", id="long-text"
        ),
    ],
)
async def test_bad_staff_input_is_refused_with_its_field_and_nothing_is_saved(api, change, field, message):
    org = await api.new_org()
    team = await api.team(org, office=("OFFICE",))

    refused = await api.post(SAVE, {"o": org, "y": YEAR, "i": {**STAFF_PART, **change}}, team["office"].token)
    after = await api.ok(REPORT, {"o": org, "y": YEAR}, team["office"].token)

    errors = refused["errors"]
    assert [(e["extensions"]["code"], e["extensions"].get("field"), e["message"]) for e in errors] == [
        ("BAD_USER_INPUT", field, message)
    ]
    assert after["annualReport"]["version"] == 0


@pytest.mark.parametrize("year_", [2007, date.today().year + 1], ids=["before-the-regulation", "future"])
async def test_a_year_out_of_range_is_refused(api, year_):
    org = await api.new_org()
    team = await api.team(org, office=("OFFICE",))

    refused = await api.post(REPORT, {"o": org, "y": year_}, team["office"].token)

    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert refused["errors"][0]["extensions"]["field"] == "year"


def docx_tables(data: bytes) -> list[list[list[str]]]:
    document = Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


async def test_issued_report_is_a_docx_draft_that_passes_review_and_is_frozen_once_published(
    api, client, year
):
    # given the constructed year with the staff's part saved
    team = year["team"]
    office = team["office"].token
    await api.ok(SAVE, {"o": year["org"], "y": YEAR, "i": STAFF_PART}, office)
    # when the office issues it
    issued = (await api.ok(ISSUE, {"o": year["org"], "y": YEAR}, office))["issueAnnualReport"]
    entry = (await api.ok(ENTRY, {"id": issued["catalogEntryId"]}, office))["node"]
    attachment = entry["attachments"][0]
    response = await client.get(
        urlsplit(attachment["url"]).path, headers={"authorization": f"Bearer {office}"}
    )
    # then a catalog entry draft carries the .docx, which holds the official tables with the figures
    assert issued["state"] == "ISSUED"
    assert entry["reviewState"] == "DRAFT"
    assert entry["genre"] == "报告"
    assert entry["title"].endswith("2025年政府信息公开工作年度报告")
    assert (
        attachment["contentType"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response.status_code == 200
    proactive, requests, remedies = docx_tables(response.content)
    assert proactive[1] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    assert proactive[2] == ["规章", "1", "1", "2"]
    assert proactive[3] == ["行政规范性文件", "2", "1", "1"]
    assert proactive[6] == ["行政许可", "120", "120", "120"]  # one figure spans the figure columns
    assert proactive[13] == ["行政事业性收费", "1.25", "1.25", "1.25"]
    assert requests[1][3:] == [
        "自然人",
        "法人或其他组织",
        "法人或其他组织",
        "法人或其他组织",
        "法人或其他组织",
        "法人或其他组织",
        "总计",
    ]
    assert requests[2][3:] == COLUMNS
    by_label = {row[2]: row[3:] for row in requests[3:]}
    assert by_label["一、本年新收政府信息公开申请数量"] == ["5", "2", "1", "1", "1", "1", "11"]
    assert by_label["2.其他法律行政法规禁止公开"] == ["0", "0", "0", "0", "0", "0", "0"]
    assert by_label["1.属于国家秘密"] == ["0", "1", "0", "0", "0", "0", "1"]
    assert by_label["（七）总计"] == ["5", "1", "1", "1", "1", "0", "9"]
    assert by_label["四、结转下年度继续办理"] == ["1", "1", "1", "0", "0", "1", "4"]
    assert requests[3 + ROW_ORDER.index("not_disclosed.state_secret")][:2] == [
        "三、本年度办理结果",
        "（三）不予公开",
    ]
    assert remedies[0][0] == "行政复议"
    assert remedies[0][5] == "行政诉讼"
    assert remedies[1][5] == "未经复议直接起诉"
    assert remedies[1][10] == "复议后起诉"
    assert remedies[3] == ["1", "1", "0", "1", "3", "1", "0", "0", "0", "1", "0", "0", "0", "1", "1"]
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert paragraphs[-2:] == ["无。", "本年度收取信息处理费 150.00 元。"]

    # when it is sent through the review chain and published
    officer, head, unit = team["officer"].token, team["head"].token, team["unit"].token
    await api.act(officer, issued["catalogEntryId"], "SUBMIT")
    in_review = await api.post(SAVE, {"o": year["org"], "y": YEAR, "i": STAFF_PART}, office)
    await api.act(officer, issued["catalogEntryId"], "APPROVE")
    await api.act(head, issued["catalogEntryId"], "APPROVE")
    await api.act(unit, issued["catalogEntryId"], "APPROVE")
    # and afterwards a request of the year is answered differently and a new one is registered
    changed = await DisclosureRequest.find_one(
        {"org_id": from_global_id(year["org"])[1], "applicant_kind": "legal_service"}
    )
    changed.reply = Reply(outcome="disclosed", replied_on=date(2025, 6, 10))
    await changed.save()
    await insert_requests(year["org"], [("natural_person", "2025-11-11", "handling", None, None, None, None)])
    await record_case(api, office, year["a"][8], "REVIEW", "2025-10-15", None)
    frozen = (await api.ok(REPORT, {"o": year["org"], "y": YEAR}, office))["annualReport"]
    edit = await api.post(SAVE, {"o": year["org"], "y": YEAR, "i": STAFF_PART}, office)
    again = await api.post(ISSUE, {"o": year["org"], "y": YEAR}, office)
    subtree = (await api.ok(REPORT, {"o": year["org"], "y": YEAR, "s": True}, office))["annualReport"]

    # then the published report keeps the figures it was issued with, and nothing edits it any more
    assert error_of(in_review)[0] == "REPORT_IN_REVIEW"
    assert frozen["state"] == "PUBLISHED"
    assert frozen["frozen"] is True
    assert matrix(frozen) == EXPECTED_MATRIX
    assert frozen["remedies"]["review"] == EXPECTED_REMEDIES["review"]
    assert frozen["processingFees"] == "150.00"
    assert {r["key"]: r["counts"] for r in issued["requests"] if any(r["counts"])} == EXPECTED_MATRIX
    assert error_of(edit) == ("REPORT_PUBLISHED", "年度报告已发布，其数字已固定，不能再修改或重新印发。")
    assert error_of(again)[0] == "REPORT_PUBLISHED"
    # a report over the subtree is a report of its own, still computed from today's data
    assert matrix(subtree)["new"] == [7, 2, 1, 1, 1, 1, 13]
    assert subtree["remedies"]["review"]["pending"] == 2


@pytest.mark.parametrize(
    ("who", "read", "save", "issue"),
    [
        pytest.param("anonymous", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", id="anonymous"),
        pytest.param("other-office", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", id="other-organization"),
        pytest.param("officer", None, "FORBIDDEN", "FORBIDDEN", id="officer-reads-only"),
        pytest.param("office", None, None, None, id="office"),
    ],
)
async def test_who_may_read_save_and_issue_the_report(api, who, read, save, issue):
    # given an organization with an officer and an office clerk, and another organization's office
    org = await api.new_org()
    other = await api.new_org()
    team = await api.team(org, officer=("OFFICER",), office=("OFFICE",))
    outsider = await api.new_user(other, "OFFICE")
    tokens = {"anonymous": None, "other-office": outsider.token} | {k: p.token for k, p in team.items()}
    token = tokens[who]
    # when they read, save and issue
    answers = [
        await api.post(REPORT, {"o": org, "y": YEAR}, token),
        await api.post(SAVE, {"o": org, "y": YEAR, "i": STAFF_PART}, token),
        await api.post(ISSUE, {"o": org, "y": YEAR}, token),
    ]
    # then each answers as the policy says
    codes = [body["errors"][0]["extensions"]["code"] if "errors" in body else None for body in answers]
    assert codes == [read, save, issue]


async def test_an_entry_sent_back_lets_the_office_edit_and_issue_again_onto_the_same_entry(
    api, client, services
):
    # given a report issued, sent back at 初审, and a file of its own the officer added to the entry
    org = await api.new_org()
    team = await api.team(org, officer=("OFFICER",), office=("OFFICE",))
    office, officer = team["office"].token, team["officer"].token
    first = (await api.ok(ISSUE, {"o": org, "y": YEAR}, office))["issueAnnualReport"]
    await api.act(officer, first["catalogEntryId"], "SUBMIT")
    await api.act(officer, first["catalogEntryId"], "REJECT", opinion="请补充总体情况。")
    before = (await api.ok(ENTRY, {"id": first["catalogEntryId"]}, office))["node"]["attachments"]
    who = Principal(user_id=str(from_global_id(team["officer"].id)[1]), username="", org_id="")
    entry_id = from_global_id(first["catalogEntryId"])[1]
    await services.attachments.store(who, "CatalogEntry", entry_id, "说明.txt", "补充说明\n".encode())
    # when the office saves the overview and issues again
    saved = await api.ok(SAVE, {"o": org, "y": YEAR, "i": STAFF_PART}, office)
    second = (await api.ok(ISSUE, {"o": org, "y": YEAR}, office))["issueAnnualReport"]
    after = (await api.ok(ENTRY, {"id": second["catalogEntryId"]}, office))["node"]["attachments"]
    docx = [a for a in after if a["filename"].endswith(".docx")]
    response = await client.get(urlsplit(docx[0]["url"]).path, headers={"authorization": f"Bearer {office}"})
    # then the same entry carries the new .docx in place of the old one, and the officer's file stays
    assert saved["saveAnnualReportDraft"]["state"] == "ISSUED"
    assert second["catalogEntryId"] == first["catalogEntryId"]
    assert sorted(a["filename"][-4:] for a in after) == [".txt", "docx"]
    assert len(docx) == 1
    assert docx[0]["url"] != before[0]["url"]
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert STAFF_PART["overview"] in paragraphs


async def test_labels_name_every_annual_report_state(gql):
    labels = (await gql("{ labels { annualReportStates { value label } } }"))["data"]["labels"]
    states = await gql('{ t: __type(name: "AnnualReportState") { enumValues { name } } }')

    assert [x["value"] for x in labels["annualReportStates"]] == [
        v["name"] for v in states["data"]["t"]["enumValues"]
    ]
    assert {x["value"]: x["label"] for x in labels["annualReportStates"]} == {
        "DRAFT": "编写中",
        "ISSUED": "已生成条目草稿",
        "IN_REVIEW": "审查中",
        "PUBLISHED": "已发布",
    }
