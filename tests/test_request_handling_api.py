"""The handling steps of a request through GraphQL, on the working-day calendar: staff registration
(第三十一条), the one 补正 notice and the restart of the limit (第三十条), the extension (第三十三条), the
overdue flag, and the applicant's status answer, which the response cache never keeps."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.helpers import Api, error_of, unique

APPLICANT = {"name": "孙办理", "phone": "13500005555"}
REGISTER = """mutation($i: DisclosureRequestInput!, $c: RequestChannel!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: $c, receivedOn: $d) { number queryCode receivedOn dueOn } }"""
STAFF = """query($id: ID!) { disclosureRequest(id: $id) { state channel receivedOn clockStartsOn dueOn
  clockRunning workingDaysLeft overdue extensionWorkingDays correctionRequestedOn correctionDueOn
  correctionReceivedOn history { action by note } } }"""
STATUS = """query($n: String!, $c: String!) { disclosureRequestStatus(number: $n, code: $c) {
  state stateLabel dueOn correctionNote correctionDueOn extensionWorkingDays } }"""
CORRECTION = """mutation($id: ID!, $d: Date!, $n: String!) {
  requestDisclosureCorrection(id: $id, dueOn: $d, note: $n) { state dueOn clockRunning } }"""
RECEIVE = """mutation($id: ID!, $d: Date!) {
  receiveDisclosureCorrection(id: $id, receivedOn: $d) { state clockStartsOn dueOn clockRunning } }"""
EXTEND = """mutation($id: ID!, $days: Int!, $r: String!) {
  extendDisclosureRequest(id: $id, days: $days, reason: $r) { extensionWorkingDays dueOn } }"""
ASSIGN = "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def request_input(org: str) -> dict:
    return {
        "organization": org,
        "applicantKind": "LEGAL_SERVICE",
        "applicant": APPLICANT,
        "description": unique("请求公开行政处罚决定书"),
    }


async def register(api: Api, org: str, token: str, received_on: date, channel: str = "POST") -> dict:
    sent = await api.ok(
        REGISTER, {"i": request_input(org), "c": channel, "d": received_on.isoformat()}, token
    )
    found = sent["registerDisclosureRequest"]
    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": org}, token
    )
    found["id"] = next(r["id"] for r in listed["disclosureRequests"] if r["number"] == found["number"])
    return found


async def staff(api: Api, rid: str, token: str) -> dict:
    return (await api.ok(STAFF, {"id": rid}, token))["disclosureRequest"]


# -- registration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "days_ago"),
    [
        pytest.param("POST", 3, id="第三十一条-letter-received-the-day-signed-for"),
        pytest.param("IN_PERSON", 0, id="第三十一条-in-person-the-day-handed-in"),
        pytest.param("FAX", 366, id="fax-a-year-ago"),
    ],
)
async def test_staff_register_a_request_received_on_the_day_they_give(api, services, channel, days_ago):
    # given an office clerk
    today = services.requests.today()
    received = today - timedelta(days=days_ago)
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")

    # when they register a request received on that day
    found = await register(api, org, office.token, received, channel)
    seen = await staff(api, found["id"], office.token)

    # then the limit counts 20 working days from that day, and the history names the clerk
    due = services.requests.calendar.calendar.add_workdays(received, 20).isoformat()
    assert (found["receivedOn"], found["dueOn"]) == (received.isoformat(), due)
    assert len(found["queryCode"]) == 12
    assert (seen["state"], seen["channel"], seen["dueOn"]) == ("RECEIVED", channel, due)
    assert seen["history"] == [{"action": "receive", "by": office.id, "note": ""}]


@pytest.mark.parametrize(
    ("channel", "days_ago", "field", "message"),
    [
        pytest.param("ONLINE", 0, "channel", "网上申请由申请人在门户提交。", id="online-is-the-portals"),
        pytest.param(
            "POST", -1, "receivedOn", "收到申请日期须在过去一年内且不晚于今天。", id="received-tomorrow"
        ),
        pytest.param(
            "POST", 367, "receivedOn", "收到申请日期须在过去一年内且不晚于今天。", id="over-a-year-ago"
        ),
    ],
)
async def test_a_bad_registration_is_refused_with_its_field(api, services, channel, days_ago, field, message):
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    received = services.requests.today() - timedelta(days=days_ago)

    body = await api.post(
        REGISTER, {"i": request_input(org), "c": channel, "d": received.isoformat()}, office.token
    )
    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id } }", {"o": org}, office.token
    )

    assert error_of(body) == ("BAD_USER_INPUT", message)
    assert body["errors"][0]["extensions"]["field"] == field
    assert listed["disclosureRequests"] == []


# -- 补正 (第三十条) --------------------------------------------------------------------------------


async def test_a_correction_stops_the_clock_and_the_limit_restarts_on_the_corrected_application(
    api, services, stepped
):
    # given a letter received two days ago
    today = services.requests.today()
    calendar = services.requests.calendar.calendar
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    found = await register(api, org, office.token, today - timedelta(days=2))
    corrected_by = today + timedelta(days=30)

    # when the office asks once for a correction, and the applicant sends it in four days later
    asked = await api.ok(
        CORRECTION, {"id": found["id"], "d": corrected_by.isoformat(), "n": "请写明文件的文号"}, office.token
    )
    status = await api.ok(STATUS, {"n": found["number"], "c": found["queryCode"]})
    stepped.advance(4 * 86400)
    later = services.requests.today()
    received = await api.ok(RECEIVE, {"id": found["id"], "d": later.isoformat()}, office.token)

    # then no limit runs meanwhile, and 20 working days count again from the corrected application
    assert asked["requestDisclosureCorrection"] == {
        "state": "CORRECTION_PENDING",
        "dueOn": None,
        "clockRunning": False,
    }
    assert status["disclosureRequestStatus"] == {
        "state": "CORRECTION_PENDING",
        "stateLabel": "待补正",
        "dueOn": None,
        "correctionNote": "请写明文件的文号",
        "correctionDueOn": corrected_by.isoformat(),
        "extensionWorkingDays": 0,
    }
    assert received["receiveDisclosureCorrection"] == {
        "state": "RECEIVED",
        "clockStartsOn": later.isoformat(),
        "dueOn": calendar.add_workdays(later, 20).isoformat(),
        "clockRunning": True,
    }


@pytest.mark.parametrize(
    ("days_ago", "twice", "code", "message"),
    [
        pytest.param(
            0,
            True,
            "INVALID_REQUEST_STATE",
            "补正只能一次性告知（第三十条）。",
            id="第三十条-one-notice-only",
        ),
        pytest.param(
            30,
            False,
            "DEADLINE_PASSED",
            "补正告知须在收到申请之日起 7 个工作日内作出（第三十条）。",
            id="第三十条-notice-after-7-working-days",
        ),
    ],
)
async def test_a_correction_notice_is_one_and_within_seven_working_days(
    api, services, stepped, days_ago, twice, code, message
):
    today = services.requests.today()
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    found = await register(api, org, office.token, today - timedelta(days=days_ago))
    variables = {"id": found["id"], "d": (today + timedelta(days=15)).isoformat(), "n": "请补充"}
    if twice:
        await api.ok(CORRECTION, variables, office.token)
        await api.ok(RECEIVE, {"id": found["id"], "d": today.isoformat()}, office.token)

    body = await api.post(CORRECTION, variables, office.token)

    assert error_of(body) == (code, message)


# -- extension (第三十三条) and the overdue flag -----------------------------------------------------


async def test_an_approved_extension_moves_the_due_day_once(api, services):
    # given a request in 办理中
    today = services.requests.today()
    calendar = services.requests.calendar.calendar
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    found = await register(api, org, office.token, today)
    await api.ok(ASSIGN, {"id": found["id"], "o": office.id}, office.token)

    # when the office approves 20 more working days, and tries again
    extended = await api.ok(EXTEND, {"id": found["id"], "days": 20, "r": "需调取档案"}, office.token)
    again = await api.post(EXTEND, {"id": found["id"], "days": 1, "r": "再延期"}, office.token)
    status = await api.ok(STATUS, {"n": found["number"], "c": found["queryCode"]})
    seen = await staff(api, found["id"], office.token)

    # then the due day is 40 working days after receipt, and the applicant sees the extension
    assert extended["extendDisclosureRequest"] == {
        "extensionWorkingDays": 20,
        "dueOn": calendar.add_workdays(today, 40).isoformat(),
    }
    assert error_of(again) == ("INVALID_REQUEST_STATE", "答复期限只能延长一次。")
    assert status["disclosureRequestStatus"]["extensionWorkingDays"] == 20
    assert seen["history"][-1] == {"action": "extend", "by": office.id, "note": "需调取档案"}


@pytest.mark.parametrize(
    ("days", "reason", "field", "message"),
    [
        pytest.param(
            21, "理由", "days", "延长期限为 1 至 20 个工作日（第三十三条）。", id="第三十三条-at-most-20"
        ),
        pytest.param(
            0, "理由", "days", "延长期限为 1 至 20 个工作日（第三十三条）。", id="第三十三条-at-least-1"
        ),
        pytest.param(10, " ", "reason", "请写明延期理由。", id="no-reason"),
    ],
)
async def test_a_bad_extension_is_refused(api, services, days, reason, field, message):
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    found = await register(api, org, office.token, services.requests.today())
    await api.ok(ASSIGN, {"id": found["id"], "o": office.id}, office.token)

    body = await api.post(EXTEND, {"id": found["id"], "days": days, "r": reason}, office.token)
    seen = await staff(api, found["id"], office.token)

    assert error_of(body) == ("BAD_USER_INPUT", message)
    assert body["errors"][0]["extensions"]["field"] == field
    assert seen["extensionWorkingDays"] == 0


async def test_the_worklist_flags_a_request_past_its_due_day_and_puts_it_first(api, services):
    # given a letter received 60 days ago and one received today
    today = services.requests.today()
    calendar = services.requests.calendar.calendar
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    old = await register(api, org, office.token, today - timedelta(days=60))
    new = await register(api, org, office.token, today)

    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { number overdue workingDaysLeft dueOn } }",
        {"o": org},
        office.token,
    )

    due = calendar.add_workdays(today - timedelta(days=60), 20)
    assert listed["disclosureRequests"] == [
        {
            "number": old["number"],
            "overdue": True,
            "workingDaysLeft": -calendar.workdays_between(due, today),
            "dueOn": due.isoformat(),
        },
        {
            "number": new["number"],
            "overdue": False,
            "workingDaysLeft": 20,
            "dueOn": calendar.add_workdays(today, 20).isoformat(),
        },
    ]


# -- the status answer and the response cache --------------------------------------------------------


async def test_the_status_answer_is_never_kept_by_the_response_cache(api, app, client, services):
    # given a request, its status asked for over GET as a portal would
    cache = app.state.response_cache
    org = await api.new_org()
    office = await api.new_user(org, "OFFICE")
    found = await register(api, org, office.token, services.requests.today() - timedelta(days=1))
    params = {"query": STATUS, "variables": json.dumps({"n": found["number"], "c": found["queryCode"]})}
    headers = {"accept": "application/graphql-response+json"}
    first = await client.get("/graphql", params=params, headers=headers)
    stats = (cache.stats.hits, cache.stats.stores)

    # when the request moves on and the applicant asks again with the same URL
    await api.ok(ASSIGN, {"id": found["id"], "o": office.id}, office.token)
    again = await client.get("/graphql", params=params, headers=headers)

    # then the second answer is the new state, nothing was kept or served from the cache
    assert first.json()["data"]["disclosureRequestStatus"]["state"] == "RECEIVED"
    assert again.json()["data"]["disclosureRequestStatus"]["state"] == "HANDLING"
    assert (cache.stats.hits, cache.stats.stores) == stats
    assert again.headers["cache-control"] == "private, no-store"
