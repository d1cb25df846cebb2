"""信息处理费 (《政府信息公开信息处理费管理办法》, 国办函〔2020〕109号): the standard's amounts, an
applicant's requests counted per calendar month, the notice that stops the reply's clock, payment,
the outcome when it is not paid in time, and the year's fees for the annual report."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cms.content.ids import expect_global_id
from cms.requests.fees import fees_collected, per_page_fee, per_request_fee
from tests.helpers import Api, error_of, unique

REGISTER = """mutation($i: DisclosureRequestInput!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: IN_PERSON, receivedOn: $d) { number } }"""
STAFF = """query($id: ID!) { disclosureRequest(id: $id) { state applicantMonthlyCount dueOn clockRunning
  pausedWorkingDays reply { outcome ground } history { action note }
  fee { method methodLabel pages monthlyCount amountFen noticeOn dueOn paidFen paidOn } } }"""
NOTICE = """mutation($id: ID!, $m: FeeMethod!, $p: Int! = 0) {
  issueDisclosureFeeNotice(id: $id, method: $m, pages: $p) { state fee { amountFen dueOn } } }"""
PAY = """mutation($id: ID!, $a: Int!, $d: Date!) {
  recordDisclosureFeePayment(id: $id, amountFen: $a, paidOn: $d) { state fee { paidFen paidOn } } }"""
ASSIGN = "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }"
STATUS = """query($n: String!, $c: String!) { disclosureRequestStatus(number: $n, code: $c) {
  stateLabel fee { amountFen dueOn } reply { outcomeLabel groundLabel } } }"""


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def applicant(id_number: str = "530102197003034567") -> dict:
    return {"name": "钱多问", "idNumber": id_number, "phone": "13600004444"}


async def register(api: Api, org: str, token: str, received_on: date, who: dict | None = None) -> dict:
    """A request handed in on ``received_on``: its staff id, number and query code."""
    new = {
        "organization": org,
        "applicantKind": "NATURAL_PERSON",
        "applicant": who or applicant(),
        "description": unique("请求公开"),
    }
    body = """mutation($i: DisclosureRequestInput!, $d: Date!) {
      registerDisclosureRequest(input: $i, channel: IN_PERSON, receivedOn: $d) { number queryCode } }"""
    sent = (await api.ok(body, {"i": new, "d": received_on.isoformat()}, token))["registerDisclosureRequest"]
    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": org}, token
    )
    rid = next(r["id"] for r in listed["disclosureRequests"] if r["number"] == sent["number"])
    return {"id": rid, "number": sent["number"], "code": sent["queryCode"]}


async def handled(api: Api, org: str, office, received_on: date, who: dict | None = None) -> dict:
    """A registered request assigned (to the office clerk, who may handle too): in 办理中."""
    found = await register(api, org, office.token, received_on, who)
    await api.ok(ASSIGN, {"id": found["id"], "o": office.id}, office.token)
    return found


@pytest.mark.parametrize(
    ("nth", "fen"),
    [
        pytest.param(1, 0, id="109号第四条-1st-free"),
        pytest.param(10, 0, id="109号第四条-10th-free"),
        pytest.param(11, 10_000, id="109号第四条-11th-100-yuan"),
        pytest.param(30, 10_000, id="109号第四条-30th-100-yuan"),
        pytest.param(31, 20_000, id="109号第四条-31st-one-band-up-200-yuan"),
        pytest.param(40, 20_000, id="109号第四条-40th-200-yuan"),
        pytest.param(41, 30_000, id="109号第四条-41st-two-bands-up-300-yuan"),
    ],
)
def test_per_request_fee_follows_article_4(nth, fen):
    assert per_request_fee(nth) == fen


@pytest.mark.parametrize(
    ("pages", "fen"),
    [
        pytest.param(30, 0, id="109号第五条-30-pages-free"),
        pytest.param(31, 1_000, id="109号第五条-31st-page-10-yuan"),
        pytest.param(100, 70_000, id="109号第五条-100-pages-700-yuan"),
        pytest.param(101, 72_000, id="109号第五条-101st-page-20-yuan"),
        pytest.param(200, 270_000, id="109号第五条-200-pages-2700-yuan"),
        pytest.param(201, 274_000, id="109号第五条-201st-page-40-yuan"),
    ],
)
def test_per_page_fee_is_progressive_as_article_5_says(pages, fen):
    assert per_page_fee(pages) == fen


async def test_an_applicants_requests_are_counted_per_calendar_month_at_the_organization(
    api, services, stepped
):
    # given one applicant's requests: one last month, eleven this month, and another applicant's
    today = services.requests.today()
    first = today.replace(day=1)
    org = await api.new_org()
    office = (await api.new_user(org, "OFFICE")).token
    earlier = await register(api, org, office, first - timedelta(days=1))
    mine = [await register(api, org, office, first) for _ in range(11)]
    theirs = await register(api, org, office, first, applicant("530102198808088888"))
    spaced = applicant("5301 0219 7003 034567")  # the same ID number, written with spaces

    again = await register(api, org, office, first, spaced)
    counts = [
        (await api.ok(STAFF, {"id": r["id"]}, office))["disclosureRequest"]["applicantMonthlyCount"]
        for r in (earlier, mine[0], mine[10], theirs, again)
    ]

    assert counts == [1, 1, 11, 1, 12]


async def test_a_fee_notice_stops_the_clock_until_payment_and_the_applicant_sees_it(api, services, stepped):
    # given an applicant's eleventh request of the month, in 办理中
    today = services.requests.today()
    calendar = services.requests.calendar.calendar
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    for _ in range(10):
        await register(api, org, office.token, today)
    found = await handled(api, org, office, today)
    before = (await api.ok(STAFF, {"id": found["id"]}, office.token))["disclosureRequest"]

    # when the office sends a notice per request, and the fee is paid five days later
    notice = await api.ok(NOTICE, {"id": found["id"], "m": "PER_REQUEST"}, office.token)
    waiting = (await api.ok(STAFF, {"id": found["id"]}, office.token))["disclosureRequest"]
    status = await api.ok(STATUS, {"n": found["number"], "c": found["code"]})
    stepped.advance(5 * 86400)
    paid_on = services.requests.today()
    paid = await api.ok(PAY, {"id": found["id"], "a": 10_000, "d": paid_on.isoformat()}, office.token)
    after = (await api.ok(STAFF, {"id": found["id"]}, office.token))["disclosureRequest"]

    # then 100 元 is due within 20 working days, and the reply's clock stood still meanwhile
    due = calendar.add_workdays(today, 20).isoformat()
    assert notice["issueDisclosureFeeNotice"] == {
        "state": "FEE_PENDING",
        "fee": {"amountFen": 10_000, "dueOn": due},
    }
    assert waiting["clockRunning"] is False
    assert waiting["fee"] == {
        "method": "PER_REQUEST",
        "methodLabel": "按件计收",
        "pages": 0,
        "monthlyCount": 11,
        "amountFen": 10_000,
        "noticeOn": today.isoformat(),
        "dueOn": due,
        "paidFen": None,
        "paidOn": None,
    }
    assert status["disclosureRequestStatus"]["stateLabel"] == "待缴纳信息处理费"
    assert status["disclosureRequestStatus"]["fee"] == {"amountFen": 10_000, "dueOn": due}
    assert paid["recordDisclosureFeePayment"] == {
        "state": "HANDLING",
        "fee": {"paidFen": 10_000, "paidOn": paid_on.isoformat()},
    }
    pause = calendar.workdays_between(today, paid_on)
    assert after["clockRunning"] is True
    assert after["pausedWorkingDays"] == pause
    assert after["dueOn"] == calendar.add_workdays(date.fromisoformat(before["dueOn"]), pause).isoformat()
    assert [e["action"] for e in after["history"]][-2:] == ["fee_notice", "fee_paid"]
    assert after["history"][-2]["note"] == f"100.00 元，缴费期限 {due}"


async def test_a_fee_not_paid_in_time_ends_the_request_as_other_handling_fee_unpaid(api, services, stepped):
    # given a fee notice for 31 pages
    today = services.requests.today()
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    found = await handled(api, org, office, today)
    notice = await api.ok(NOTICE, {"id": found["id"], "m": "PER_PAGE", "p": 31}, office.token)
    due = date.fromisoformat(notice["issueDisclosureFeeNotice"]["fee"]["dueOn"])

    # when the due day passes unpaid and the upkeep runs (on the due day itself it is not yet late)
    stepped.advance((due - today).days * 86400)
    await services.requests.expire_fees()
    still = (await api.ok(STAFF, {"id": found["id"]}, office.token))["disclosureRequest"]["state"]
    stepped.advance(86400)
    await services.requests.expire_fees()
    late = await api.post(PAY, {"id": found["id"], "a": 1_000, "d": due.isoformat()}, office.token)
    final = (await api.ok(STAFF, {"id": found["id"]}, office.token))["disclosureRequest"]
    status = await api.ok(STATUS, {"n": found["number"], "c": found["code"]})

    # then it is closed as 其他处理 / 逾期未缴纳信息处理费
    assert notice["issueDisclosureFeeNotice"]["fee"]["amountFen"] == 1_000
    assert still == "FEE_PENDING"
    assert final["state"] == "WITHDRAWN"
    assert final["reply"] == {"outcome": "OTHER", "ground": "FEE_UNPAID"}
    assert final["history"][-1]["action"] == "fee_unpaid"
    assert error_of(late)[0] == "INVALID_REQUEST_STATE"
    assert status["disclosureRequestStatus"]["reply"] == {
        "outcomeLabel": "其他处理",
        "groundLabel": "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    }


@pytest.mark.parametrize(
    ("variables", "field", "message"),
    [
        pytest.param(
            {"m": "PER_REQUEST"},
            "method",
            "未超过收费标准（每月 10 件以下或 30 页以下），不收取信息处理费。",
            id="109号第四条-first-request-of-the-month-is-free",
        ),
        pytest.param(
            {"m": "PER_PAGE", "p": 30},
            "pages",
            "未超过收费标准（每月 10 件以下或 30 页以下），不收取信息处理费。",
            id="109号第五条-30-pages-are-free",
        ),
        pytest.param({"m": "PER_PAGE"}, "pages", "按量计收须填写提供的页数。", id="per-page-without-pages"),
        pytest.param({"m": "PER_PAGE", "p": -1}, "pages", "页数不正确。", id="negative-pages"),
    ],
)
async def test_no_notice_below_the_thresholds(api, services, stepped, variables, field, message):
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    found = await handled(api, org, office, services.requests.today())

    body = await api.post(NOTICE, {"id": found["id"], **variables}, office.token)
    state = (await api.ok(STAFF, {"id": found["id"]}, office.token))["disclosureRequest"]["state"]

    assert error_of(body) == ("BAD_USER_INPUT", message)
    assert body["errors"][0]["extensions"]["field"] == field
    assert state == "HANDLING"


@pytest.mark.parametrize(
    ("step", "code", "message"),
    [
        pytest.param(
            "second-notice",
            "INVALID_REQUEST_STATE",
            "一件申请只能发出一次收费通知。",
            id="109号第三条-one-notice",
        ),
        pytest.param(
            "wrong-amount", "BAD_USER_INPUT", "缴费金额须与收费通知的金额一致。", id="amount-not-the-notices"
        ),
        pytest.param(
            "before-notice",
            "BAD_USER_INPUT",
            "缴费日期须在收费通知之后且不晚于今天。",
            id="paid-before-notice",
        ),
        pytest.param(
            "after-due",
            "DEADLINE_PASSED",
            "已超过缴费期限，该申请不再处理。",
            id="paid-after-the-20-working-days",
        ),
    ],
)
async def test_a_bad_notice_or_payment_is_refused(api, services, stepped, step, code, message):
    today = services.requests.today()
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    found = await handled(api, org, office, today)
    notice = await api.ok(NOTICE, {"id": found["id"], "m": "PER_PAGE", "p": 40}, office.token)
    due = date.fromisoformat(notice["issueDisclosureFeeNotice"]["fee"]["dueOn"])
    stepped.advance((due - today).days * 86400 + 86400)  # the day after the due day, before the upkeep
    pay = {"id": found["id"], "a": 10_000, "d": due.isoformat()}

    if step == "second-notice":  # once paid, the request is in 办理中 again
        await api.ok(PAY, pay, office.token)
        body = await api.post(NOTICE, {"id": found["id"], "m": "PER_REQUEST"}, office.token)
    elif step == "wrong-amount":
        body = await api.post(PAY, {**pay, "a": 9_999}, office.token)
    elif step == "before-notice":
        body = await api.post(PAY, {**pay, "d": (today - timedelta(days=1)).isoformat()}, office.token)
    else:
        body = await api.post(PAY, {**pay, "d": (due + timedelta(days=1)).isoformat()}, office.token)

    assert error_of(body) == (code, message)


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("anonymous", "UNAUTHENTICATED", id="anonymous"),
        pytest.param("outsider", "NOT_FOUND", id="another-organizations-office"),
        pytest.param("officer", "FORBIDDEN", id="officer-without-request.fee"),
        pytest.param("office", None, id="office-with-request.fee"),
    ],
)
@pytest.mark.parametrize("mutation", ["issueDisclosureFeeNotice", "recordDisclosureFeePayment"])
async def test_only_the_handling_office_sends_notices_and_records_payments(
    api, services, stepped, who, code, mutation
):
    today = services.requests.today()
    org, other = await api.new_org(), await api.new_org()
    team = await api.team(org, office=("OFFICE",), officer=("OFFICER",))
    outsider = await api.new_user(other, "OFFICE")
    found = await handled(api, org, team["office"], today)
    if mutation == "recordDisclosureFeePayment":
        await api.ok(NOTICE, {"id": found["id"], "m": "PER_PAGE", "p": 31}, team["office"].token)
    tokens = {"anonymous": None, "outsider": outsider.token, **{k: v.token for k, v in team.items()}}

    if mutation == "issueDisclosureFeeNotice":
        body = await api.post(NOTICE, {"id": found["id"], "m": "PER_PAGE", "p": 31}, tokens[who])
    else:
        body = await api.post(PAY, {"id": found["id"], "a": 1_000, "d": today.isoformat()}, tokens[who])
    state = (await api.ok(STAFF, {"id": found["id"]}, team["office"].token))["disclosureRequest"]["state"]

    unchanged = "HANDLING" if mutation == "issueDisclosureFeeNotice" else "FEE_PENDING"
    changed = "FEE_PENDING" if mutation == "issueDisclosureFeeNotice" else "HANDLING"
    if code is None:
        assert "errors" not in body
        assert state == changed
    else:
        assert error_of(body)[0] == code
        assert state == unchanged


async def test_fees_collected_sums_the_years_payments_of_the_organizations(api, services, stepped):
    # given two organizations, each with a fee paid, and one notice not paid
    today = services.requests.today()
    org, other = await api.new_org(), await api.new_org()
    office, theirs = await api.new_user(org, "OFFICE"), await api.new_user(other, "OFFICE")
    for owner, pages in ((office, 31), (office, 101), (office, 40), (theirs, 31)):
        found = await handled(api, org if owner is office else other, owner, today)
        notice = await api.ok(NOTICE, {"id": found["id"], "m": "PER_PAGE", "p": pages}, owner.token)
        if pages != 40:
            amount = notice["issueDisclosureFeeNotice"]["fee"]["amountFen"]
            await api.ok(PAY, {"id": found["id"], "a": amount, "d": today.isoformat()}, owner.token)
    ids = [expect_global_id(org, "Organization")]

    # then the organization's year holds its two payments (10 元 + 720 元), in fen
    assert await fees_collected(ids, today.year) == 1_000 + 72_000
    assert await fees_collected(ids, today.year - 1) == 0
