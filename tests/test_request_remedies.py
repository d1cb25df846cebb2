"""行政复议 and 行政诉讼 cases recorded against a request, and the annual report's section 四
(国办公开办函〔2021〕30号): cases filed in the year by kind, by result as of 31 December."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cms.content.ids import expect_global_id
from cms.requests.codes import RemedyCaseKind, RemedyResult
from cms.requests.remedies import RemedyCaseCounts, ResultCounts, count_remedy_cases, remedy_case_counts
from storage.requests import RemedyCase
from tests.helpers import Api, error_of, unique

APPLICANT = {"name": "赵复议", "phone": "13700003333"}
REGISTER = """mutation($i: DisclosureRequestInput!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: POST, receivedOn: $d) { number } }"""
RECORD = """mutation($id: ID!, $c: RemedyCaseInput!) { recordRemedyCase(id: $id, input: $c) {
  remedyCases { id kind kindLabel filedOn authority caseNumber result resultLabel concludedOn } } }"""
CONCLUDE = """mutation($id: ID!, $case: ID!, $r: RemedyResult!, $d: Date!) {
  concludeRemedyCase(id: $id, case: $case, result: $r, concludedOn: $d) {
  remedyCases { id result resultLabel concludedOn } history { action by note } } }"""


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def registered(api: Api, org: str, token: str, received_on: date) -> str:
    """A letter received on ``received_on``; its staff id."""
    new = {"organization": org, "applicantKind": "NATURAL_PERSON", "applicant": APPLICANT}
    new["description"] = unique("请求公开征收补偿方案")
    sent = await api.ok(REGISTER, {"i": new, "d": received_on.isoformat()}, token)
    number = sent["registerDisclosureRequest"]["number"]
    data = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": org}, token
    )
    return next(r["id"] for r in data["disclosureRequests"] if r["number"] == number)


def case_input(kind: str, filed_on: date, **over: str) -> dict:
    return {
        "kind": kind,
        "filedOn": filed_on.isoformat(),
        "authority": "昆明市人民政府",
        "caseNumber": "昆政复〔2026〕12号",
        **over,
    }


async def test_a_review_then_a_suit_after_it_are_listed_on_the_request_and_recorded_in_its_history(
    api, services
):
    # given a request received 60 days ago, handled by an office
    today = services.requests.today()
    org = await api.new_org()
    office = (await api.new_user(org, "OFFICE")).token
    rid = await registered(api, org, office, today - timedelta(days=60))
    # when a review is recorded, concluded as upheld, and the applicant then sues
    review = await api.ok(RECORD, {"id": rid, "c": case_input("REVIEW", today - timedelta(days=30))}, office)
    case_id = review["recordRemedyCase"]["remedyCases"][0]["id"]
    concluded = await api.ok(
        CONCLUDE,
        {"id": rid, "case": case_id, "r": "UPHELD", "d": (today - timedelta(days=5)).isoformat()},
        office,
    )
    suit = case_input("LITIGATION_AFTER_REVIEW", today, authority="昆明市五华区人民法院", caseNumber="")
    final = await api.ok(RECORD, {"id": rid, "c": suit}, office)

    # then both cases are on the request with their labels, the suit pending
    assert review["recordRemedyCase"]["remedyCases"][0] == {
        "id": case_id,
        "kind": "REVIEW",
        "kindLabel": "行政复议",
        "filedOn": (today - timedelta(days=30)).isoformat(),
        "authority": "昆明市人民政府",
        "caseNumber": "昆政复〔2026〕12号",
        "result": "PENDING",
        "resultLabel": "尚未审结",
        "concludedOn": None,
    }
    assert concluded["concludeRemedyCase"]["remedyCases"] == [
        {
            "id": case_id,
            "result": "UPHELD",
            "resultLabel": "结果维持",
            "concludedOn": (today - timedelta(days=5)).isoformat(),
        }
    ]
    assert [(c["kindLabel"], c["resultLabel"]) for c in final["recordRemedyCase"]["remedyCases"]] == [
        ("行政复议", "结果维持"),
        ("行政诉讼（复议后起诉）", "尚未审结"),
    ]
    # and the history says who recorded what
    history = concluded["concludeRemedyCase"]["history"]
    assert [e["action"] for e in history] == ["receive", "record_remedy_case", "conclude_remedy_case"]
    assert history[2]["note"] == "行政复议 昆明市人民政府 昆政复〔2026〕12号"
    assert history[1]["by"] is not None


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        pytest.param(
            {"filedOn": -61},
            "filedOn",
            "立案（申请）日期须在收到政府信息公开申请之后且不晚于今天。",
            id="filed-before-the-request-was-received",
        ),
        pytest.param(
            {"filedOn": 1},
            "filedOn",
            "立案（申请）日期须在收到政府信息公开申请之后且不晚于今天。",
            id="filed-in-the-future",
        ),
        pytest.param(
            {"authority": " "},
            "authority",
            "请填写复议机关或受理法院（最多 200 个字符）。",
            id="no-authority",
        ),
        pytest.param(
            {"kind": "LITIGATION_AFTER_REVIEW"},
            "kind",
            "复议后起诉的，须先登记该申请的行政复议案件。",
            id="行政诉讼法第四十五条-suit-after-review-without-a-review",
        ),
        pytest.param(
            {"caseNumber": "号" * 101}, "caseNumber", "案号最多 100 个字符。", id="case-number-over-100"
        ),
    ],
)
async def test_a_bad_case_is_refused_with_its_field_and_nothing_is_recorded(
    api, services, over, field, message
):
    today = services.requests.today()
    org = await api.new_org()
    office = (await api.new_user(org, "OFFICE")).token
    rid = await registered(api, org, office, today - timedelta(days=60))
    changes = {k: v for k, v in over.items() if k != "filedOn"}
    value = {**case_input("REVIEW", today + timedelta(days=over.get("filedOn", 0))), **changes}

    body = await api.post(RECORD, {"id": rid, "c": value}, office)
    after = await api.ok(
        "query($id: ID!) { disclosureRequest(id: $id) { remedyCases { id } } }", {"id": rid}, office
    )

    assert error_of(body) == ("BAD_USER_INPUT", message)
    assert body["errors"][0]["extensions"]["field"] == field
    assert after["disclosureRequest"]["remedyCases"] == []


@pytest.mark.parametrize(
    ("result", "days", "code", "message"),
    [
        pytest.param(
            "PENDING", -1, "BAD_USER_INPUT", "请选择审结结果：维持、纠正或其他。", id="pending-is-no-result"
        ),
        pytest.param(
            "CORRECTED",
            -31,
            "BAD_USER_INPUT",
            "审结日期须在立案（申请）之后且不晚于今天。",
            id="concluded-before-filed",
        ),
        pytest.param(
            "CORRECTED",
            1,
            "BAD_USER_INPUT",
            "审结日期须在立案（申请）之后且不晚于今天。",
            id="concluded-in-the-future",
        ),
    ],
)
async def test_a_bad_conclusion_is_refused(api, services, result, days, code, message):
    today = services.requests.today()
    org = await api.new_org()
    office = (await api.new_user(org, "OFFICE")).token
    rid = await registered(api, org, office, today - timedelta(days=60))
    recorded = await api.ok(
        RECORD, {"id": rid, "c": case_input("REVIEW", today - timedelta(days=30))}, office
    )
    case_id = recorded["recordRemedyCase"]["remedyCases"][0]["id"]

    body = await api.post(
        CONCLUDE,
        {"id": rid, "case": case_id, "r": result, "d": (today + timedelta(days=days)).isoformat()},
        office,
    )

    assert error_of(body) == (code, message)


async def test_a_case_is_concluded_once(api, services):
    today = services.requests.today()
    org = await api.new_org()
    office = (await api.new_user(org, "OFFICE")).token
    rid = await registered(api, org, office, today - timedelta(days=10))
    recorded = await api.ok(RECORD, {"id": rid, "c": case_input("LITIGATION_DIRECT", today)}, office)
    case_id = recorded["recordRemedyCase"]["remedyCases"][0]["id"]
    variables = {"id": rid, "case": case_id, "r": "CORRECTED", "d": today.isoformat()}
    await api.ok(CONCLUDE, variables, office)

    again = await api.post(CONCLUDE, {**variables, "r": "OTHER"}, office)

    assert error_of(again) == ("INVALID_REQUEST_STATE", "该案件已审结。")


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("anonymous", "UNAUTHENTICATED", id="anonymous"),
        pytest.param("outsider", "NOT_FOUND", id="another-organizations-office"),
        pytest.param("officer", "FORBIDDEN", id="officer-without-request.remedy"),
        pytest.param("office", None, id="office-with-request.remedy"),
    ],
)
@pytest.mark.parametrize("mutation", ["recordRemedyCase", "concludeRemedyCase"])
async def test_only_the_handling_office_records_cases(api, services, who, code, mutation):
    today = services.requests.today()
    org, other = await api.new_org(), await api.new_org()
    team = await api.team(org, office=("OFFICE",), officer=("OFFICER",))
    outsider = await api.new_user(other, "OFFICE")
    rid = await registered(api, org, team["office"].token, today - timedelta(days=10))
    recorded = await api.ok(RECORD, {"id": rid, "c": case_input("REVIEW", today)}, team["office"].token)
    case_id = recorded["recordRemedyCase"]["remedyCases"][0]["id"]
    tokens = {"anonymous": None, "outsider": outsider.token, **{k: v.token for k, v in team.items()}}
    token = tokens[who]

    if mutation == "recordRemedyCase":
        body = await api.post(RECORD, {"id": rid, "c": case_input("LITIGATION_DIRECT", today)}, token)
    else:
        body = await api.post(
            CONCLUDE, {"id": rid, "case": case_id, "r": "OTHER", "d": today.isoformat()}, token
        )
    after = await api.ok(
        "query($id: ID!) { disclosureRequest(id: $id) { remedyCases { result } } }",
        {"id": rid},
        team["office"].token,
    )

    if code is None:
        assert "errors" not in body
        assert len(after["disclosureRequest"]["remedyCases"]) == (2 if mutation == "recordRemedyCase" else 1)
    else:
        assert error_of(body)[0] == code
        assert after["disclosureRequest"]["remedyCases"] == [{"result": "PENDING"}]


def case(
    kind: RemedyCaseKind, filed: date, result: RemedyResult = RemedyResult.PENDING, on: date | None = None
):
    return RemedyCase(
        case_id="x", kind=kind.value, filed_on=filed, authority="某机关", result=result.value, concluded_on=on
    )


REVIEW, DIRECT, AFTER = (
    RemedyCaseKind.REVIEW,
    RemedyCaseKind.LITIGATION_DIRECT,
    RemedyCaseKind.LITIGATION_AFTER_REVIEW,
)
UPHELD, CORRECTED, OTHER = RemedyResult.UPHELD, RemedyResult.CORRECTED, RemedyResult.OTHER


@pytest.mark.parametrize(
    ("cases", "expected"),
    [
        pytest.param(
            [case(REVIEW, date(2025, 3, 1), UPHELD, date(2025, 5, 1)), case(REVIEW, date(2025, 4, 1))],
            RemedyCaseCounts(ResultCounts(upheld=1, pending=1), ResultCounts(), ResultCounts()),
            id="30号函四-review-upheld-and-one-pending",
        ),
        pytest.param(
            [case(DIRECT, date(2025, 11, 1), CORRECTED, date(2026, 1, 10))],
            RemedyCaseCounts(ResultCounts(), ResultCounts(pending=1), ResultCounts()),
            id="30号函四-concluded-after-31-december-is-still-pending-that-year",
        ),
        pytest.param(
            [
                case(AFTER, date(2025, 12, 31), OTHER, date(2025, 12, 31)),
                case(DIRECT, date(2024, 12, 31), UPHELD, date(2025, 2, 1)),
            ],
            RemedyCaseCounts(ResultCounts(), ResultCounts(), ResultCounts(other=1)),
            id="30号函四-counted-in-the-year-filed-only",
        ),
        pytest.param(
            [
                case(AFTER, date(2025, 6, 1), CORRECTED, date(2025, 9, 1)),
                case(AFTER, date(2025, 7, 1), UPHELD, date(2025, 8, 1)),
            ],
            RemedyCaseCounts(ResultCounts(), ResultCounts(), ResultCounts(upheld=1, corrected=1)),
            id="30号函四-litigation-after-review-by-result",
        ),
    ],
)
def test_section_four_counts_cases_filed_in_the_year_by_result_at_its_end(cases, expected):
    counts = count_remedy_cases(cases, 2025)

    assert counts == expected
    assert counts.review.total + counts.litigation_direct.total + counts.litigation_after_review.total == sum(
        1 for c in cases if c.filed_on.year == 2025
    )


async def test_section_four_figures_come_from_the_organizations_requests(api, services):
    # given two organizations' requests with cases filed this year
    today = services.requests.today()
    org, other = await api.new_org(), await api.new_org()
    office = (await api.new_user(org, "OFFICE")).token
    outsider = (await api.new_user(other, "OFFICE")).token
    received = max(today - timedelta(days=20), date(today.year, 1, 1))
    rid = await registered(api, org, office, received)
    theirs = await registered(api, other, outsider, received)
    first = await api.ok(RECORD, {"id": rid, "c": case_input("REVIEW", received)}, office)
    await api.ok(
        CONCLUDE,
        {
            "id": rid,
            "case": first["recordRemedyCase"]["remedyCases"][0]["id"],
            "r": "CORRECTED",
            "d": today.isoformat(),
        },
        office,
    )
    await api.ok(RECORD, {"id": rid, "c": case_input("LITIGATION_DIRECT", today)}, office)
    await api.ok(RECORD, {"id": theirs, "c": case_input("REVIEW", today)}, outsider)

    # when section 四 is counted for the first organization
    counts = await remedy_case_counts([expect_global_id(org, "Organization")], today.year)

    # then only its cases count, by result as of the year's end
    assert counts == RemedyCaseCounts(ResultCounts(corrected=1), ResultCounts(pending=1), ResultCounts())
    assert await remedy_case_counts(
        [expect_global_id(org, "Organization")], today.year - 1
    ) == RemedyCaseCounts(ResultCounts(), ResultCounts(), ResultCounts())
