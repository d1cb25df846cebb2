"""Requests for disclosure through GraphQL: intake, the applicant's status page, the handling path,
and who may read applicants' identity and contact."""

from __future__ import annotations

import pytest

from tests.helpers import Api, error_of, text_of, unique

APPLICANT = {
    "name": "张申请",
    "idNumber": "530102199001011234",
    "phone": "13800001111",
    "address": "昆明市某路1号",
}
SUBMIT = """mutation($i: DisclosureRequestInput!) {
  submitDisclosureRequest(input: $i) { number queryCode receivedOn dueOn } }"""
STATUS = """query($n: String!, $c: String!) { disclosureRequestStatus(number: $n, code: $c) {
  number state stateLabel receivedOn dueOn reply { outcomeLabel groundLabel legalBasis remedyLabels } } }"""
STAFF = """query($id: ID!) { disclosureRequest(id: $id) { id state dueOn overdue workingDaysLeft
  history { action by } reply { outcome } } }"""
REVIEW = "mutation($id: ID!) { reviewDisclosureReply(id: $id, approve: true) { state } }"
APPLICANT_OF = "query($id: ID!) { disclosureRequest(id: $id) { applicant { name phone idNumber } } }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def request_input(org: str, **over) -> dict:
    return {
        "organization": org,
        "applicantKind": "NATURAL_PERSON",
        "applicant": APPLICANT,
        "description": unique("请求公开某项目的批复文件"),
        **over,
    }


async def submit(api: Api, org: str) -> dict:
    return (await api.ok(SUBMIT, {"i": request_input(org)}))["submitDisclosureRequest"]


async def staff_id(api: Api, org: str, number: str, token: str) -> str:
    data = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": org}, token
    )
    return next(r["id"] for r in data["disclosureRequests"] if r["number"] == number)


async def test_whole_path_from_portal_to_archive_is_recorded_and_the_applicant_follows_it(api):
    # given an organization with an office clerk and a case officer
    org = await api.new_org()
    team = await api.team(
        org, office=("OFFICE",), officer=("OFFICER",), dept=("DEPT_HEAD",), unit=("UNIT_HEAD",)
    )
    office, officer = team["office"].token, team["officer"].token
    # when an applicant submits through the portal
    sent = await submit(api, org)
    rid = await staff_id(api, org, sent["number"], office)
    # then the office assigns, the officer drafts a reply, the office sends and archives it
    await api.ok(
        "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }",
        {"id": rid, "o": team["officer"].id},
        office,
    )
    await api.ok(
        'mutation($id: ID!) { startDisclosureConsultation(id: $id, party: "第三方公司") { state } }',
        {"id": rid},
        officer,
    )
    await api.ok("mutation($id: ID!) { endDisclosureConsultation(id: $id) { state } }", {"id": rid}, officer)
    reply = {
        "outcome": "NOT_DISCLOSED",
        "ground": "THIRD_PARTY_RIGHTS",
        "legalBasis": "《条例》第十五条",
        "remedies": ["REVIEW", "LITIGATION"],
        "text": "经审查，不予公开。",
    }
    await api.ok(
        "mutation($id: ID!, $r: DisclosureReplyInput!) { draftDisclosureReply(id: $id, input: $r) { state } }",
        {"id": rid, "r": reply},
        officer,
    )
    before = await api.ok(STATUS, {"n": sent["number"], "c": sent["queryCode"]})
    for reviewer in ("officer", "dept", "unit"):  # 初审 → 审核 → 审发
        await api.ok(REVIEW, {"id": rid}, team[reviewer].token)
    refused = await api.post(
        "mutation($id: ID!) { sendDisclosureReply(id: $id) { state } }", {"id": rid}, officer
    )
    await api.ok("mutation($id: ID!) { sendDisclosureReply(id: $id) { state } }", {"id": rid}, office)
    after = await api.ok(STATUS, {"n": sent["number"], "c": sent["queryCode"]})
    await api.ok("mutation($id: ID!) { archiveDisclosureRequest(id: $id) { state } }", {"id": rid}, office)
    final = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]

    assert error_of(refused)[0] == "FORBIDDEN"
    assert before["disclosureRequestStatus"]["reply"] is None  # a draft is not the applicant's yet
    assert after["disclosureRequestStatus"]["stateLabel"] == "已答复"
    assert after["disclosureRequestStatus"]["reply"] == {
        "outcomeLabel": "不予公开",
        "groundLabel": "保护第三方合法权益",
        "legalBasis": "《条例》第十五条",
        "remedyLabels": ["行政复议", "行政诉讼"],
    }
    assert final["state"] == "ARCHIVED"
    assert [e["action"] for e in final["history"]] == [
        "receive",
        "assign",
        "start_consultation",
        "end_consultation",
        "draft_reply",
        "review_reply",
        "review_reply",
        "review_reply",
        "reply",
        "archive",
    ]
    assert final["history"][0]["by"] is None
    assert final["history"][1]["by"] == team["office"].id


async def test_status_holds_no_personal_data_and_refuses_a_wrong_code_like_an_unknown_number(api):
    org = await api.new_org()
    sent = await submit(api, org)

    found = await api.ok(STATUS, {"n": sent["number"], "c": sent["queryCode"]})
    wrong = await api.post(STATUS, {"n": sent["number"], "c": "000000000000"})
    unknown = await api.post(STATUS, {"n": "YSQ-1999-000001", "c": sent["queryCode"]})

    assert found["disclosureRequestStatus"]["stateLabel"] == "已收到"
    for value in APPLICANT.values():
        assert value not in text_of(found)
        assert value not in text_of(wrong)
    assert error_of(wrong) == error_of(unknown) == ("NOT_FOUND", "未找到该申请，请核对申请编号和查询码。")


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("anonymous", "UNAUTHENTICATED", id="anonymous"),
        pytest.param("other-org-office", "NOT_FOUND", id="another-organizations-staff"),
        pytest.param("officer", "FORBIDDEN", id="staff-without-request.personal_data"),
        pytest.param("office", None, id="office-with-request.personal_data"),
    ],
)
async def test_applicant_identity_is_read_only_with_the_permission_at_the_handling_organization(
    api, who, code
):
    org, other = await api.new_org(), await api.new_org()
    team = await api.team(org, office=("OFFICE",), officer=("OFFICER",))
    outsider = await api.new_user(other, "OFFICE")
    sent = await submit(api, org)
    rid = await staff_id(api, org, sent["number"], team["office"].token)
    token = None if who == "anonymous" else outsider.token if who == "other-org-office" else team[who].token

    body = await api.post(APPLICANT_OF, {"id": rid}, token)

    if code is None:
        assert body["data"]["disclosureRequest"]["applicant"] == {
            "name": "张申请",
            "phone": "13800001111",
            "idNumber": "530102199001011234",
        }
    else:
        assert error_of(body)[0] == code
        for value in APPLICANT.values():
            assert value not in text_of(body)


@pytest.mark.parametrize(
    ("field", "over"),
    [
        pytest.param("description", {"description": " "}, id="empty-description"),
        pytest.param("description", {"description": "长" * 5001}, id="description-over-5000"),
        pytest.param("applicant.phone", {"applicant": {"name": "李"}}, id="no-contact"),
        pytest.param("applicant.name", {"applicant": {**APPLICANT, "name": "名" * 101}}, id="name-over-100"),
    ],
)
async def test_bad_submission_is_refused_with_the_field_and_nothing_is_written(api, services, field, over):
    org = await api.new_org()
    body = await api.post(SUBMIT, {"i": request_input(org, **over)})

    assert error_of(body)[0] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == field


async def test_submissions_from_one_source_are_limited_per_hour(api, services, monkeypatch, clock):
    # given a window no other test has used
    clock.advance(86400 * 400)
    monkeypatch.setattr(services.requests, "clock", clock)
    monkeypatch.setattr(services.requests.limits, "submissions_per_hour", 2)
    org = await api.new_org()
    for _ in range(2):
        await submit(api, org)

    body = await api.post(SUBMIT, {"i": request_input(org)})

    assert error_of(body) == ("TOO_MANY_REQUESTS", "提交过于频繁，请稍后再试。")
