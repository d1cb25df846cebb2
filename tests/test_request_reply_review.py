"""The reply to a request passes the review chain like any release (seed section 五: 先审查、后公开;
承办人初审 → 承办部门负责人审核 → 单位负责人审发) before it is sent, and each decision and the sending are
filed in the organization's hash-chained review register."""

from __future__ import annotations

import pytest

from tests.helpers import Api, error_of, unique

REGISTER = """mutation($i: DisclosureRequestInput!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: POST, receivedOn: $d) { number } }"""
ASSIGN = "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }"
DRAFT = """mutation($id: ID!, $r: DisclosureReplyInput!) { draftDisclosureReply(id: $id, input: $r) {
  state replyPendingTier } }"""
REVIEW = """mutation($id: ID!, $a: Boolean!, $o: String! = "") {
  reviewDisclosureReply(id: $id, approve: $a, opinion: $o) {
  state replyPendingTier replyReviews { tier label by opinion } history { action note } } }"""
SEND = "mutation($id: ID!) { sendDisclosureReply(id: $id) { state } }"
REGISTER_OF = """query($o: ID!) { reviewRegister(organization: $o) {
  itemType itemTitle action tier fromState toState actorId opinion } }"""
VERIFY = "query($o: ID!) { verifyReviewRegister(organization: $o) { ok checked } }"
REPLY = {
    "outcome": "DISCLOSED",
    "legalBasis": "《条例》第二十七条",
    "remedies": ["REVIEW"],
    "text": "予以公开。",
}


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def drafted(api: Api, services, org: str, team: dict) -> tuple[str, str]:
    """A request registered by the office, assigned to the officer, who drafted a reply: id, number."""
    office = team["office"].token
    new = {
        "organization": org,
        "applicantKind": "NATURAL_PERSON",
        "applicant": {"name": "周审查", "phone": "13400006666"},
        "description": unique("请求公开"),
    }
    number = (await api.ok(REGISTER, {"i": new, "d": services.requests.today().isoformat()}, office))[
        "registerDisclosureRequest"
    ]["number"]
    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": org}, office
    )
    rid = next(r["id"] for r in listed["disclosureRequests"] if r["number"] == number)
    await api.ok(ASSIGN, {"id": rid, "o": team["officer"].id}, office)
    await api.ok(DRAFT, {"id": rid, "r": REPLY}, team["officer"].token)
    return rid, number


async def a_team(api: Api, org: str) -> dict:
    return await api.team(
        org, office=("OFFICE",), officer=("OFFICER",), dept=("DEPT_HEAD",), unit=("UNIT_HEAD",)
    )


async def test_a_reply_is_sent_only_after_all_three_tiers_and_every_step_is_in_the_register(api, services):
    # given a reply drafted by the case officer
    org = await api.new_org()
    team = await a_team(api, org)
    rid, number = await drafted(api, services, org, team)

    # when the office tries to send it at each stage of the chain, and the tiers approve in turn
    tiers, refusals = [], []
    for reviewer in ("officer", "dept", "unit"):
        refusals.append(await api.post(SEND, {"id": rid}, team["office"].token))
        done = await api.ok(REVIEW, {"id": rid, "a": True, "o": "同意"}, team[reviewer].token)
        tiers.append(done["reviewDisclosureReply"]["replyPendingTier"])
    sent = await api.ok(SEND, {"id": rid}, team["office"].token)
    records = (await api.ok(REGISTER_OF, {"o": org}, team["office"].token))["reviewRegister"]
    verified = await api.ok(VERIFY, {"o": org}, team["office"].token)

    # then it went out only after 审发, and the register holds each decision and the sending
    assert [error_of(body) for body in refusals] == [
        ("INVALID_REQUEST_STATE", "答复须经审查（初审、审核、审发）后方可发出。")
    ] * 3
    assert tiers == ["承办部门负责人审核", "单位负责人审发", None]
    assert done["reviewDisclosureReply"]["replyReviews"] == [
        {"tier": "first_review", "label": "承办人初审", "by": team["officer"].id, "opinion": "同意"},
        {
            "tier": "department_review",
            "label": "承办部门负责人审核",
            "by": team["dept"].id,
            "opinion": "同意",
        },
        {"tier": "unit_approval", "label": "单位负责人审发", "by": team["unit"].id, "opinion": "同意"},
    ]
    assert sent["sendDisclosureReply"]["state"] == "REPLIED"
    title = f"依申请公开答复 {number}"
    assert sorted(records, key=lambda r: r["action"] != "approve") == [
        {**row, "itemType": "DisclosureRequest", "itemTitle": title}
        for row in [
            {"action": "approve", "tier": tier, "fromState": "reply_drafted", "toState": "reply_drafted"}
            | {"actorId": team[who].id, "opinion": "同意"}
            for tier, who in (
                ("unit_approval", "unit"),
                ("department_review", "dept"),
                ("first_review", "officer"),
            )
        ]
        + [
            {"action": "send_reply", "tier": None, "fromState": "reply_drafted", "toState": "replied"}
            | {"actorId": team["office"].id, "opinion": ""}
        ]
    ]
    assert verified["verifyReviewRegister"] == {"ok": True, "checked": 4}


async def test_a_refusal_needs_an_opinion_and_sends_the_request_back_for_a_new_draft(api, services):
    org = await api.new_org()
    team = await a_team(api, org)
    rid, _ = await drafted(api, services, org, team)
    await api.ok(REVIEW, {"id": rid, "a": True}, team["officer"].token)

    silent = await api.post(REVIEW, {"id": rid, "a": False}, team["dept"].token)
    refused = await api.ok(REVIEW, {"id": rid, "a": False, "o": "法律依据不充分"}, team["dept"].token)
    redrafted = await api.ok(DRAFT, {"id": rid, "r": REPLY}, team["officer"].token)

    assert error_of(silent) == ("OPINION_REQUIRED", "退回时必须填写审核意见。")
    assert refused["reviewDisclosureReply"]["state"] == "HANDLING"
    assert refused["reviewDisclosureReply"]["history"][-1] == {
        "action": "review_reply",
        "note": "承办部门负责人审核：退回（法律依据不充分）",
    }
    assert redrafted["draftDisclosureReply"] == {"state": "REPLY_DRAFTED", "replyPendingTier": "承办人初审"}


@pytest.mark.parametrize(
    ("setup", "actor", "code", "message"),
    [
        pytest.param(
            "first-approved",
            "officer",
            "FORBIDDEN",
            "您在该机构没有“承办部门负责人审核”的权限。",
            id="审核-needs-review.department",
        ),
        pytest.param(
            "none",
            "unit",
            "FORBIDDEN",
            "您在该机构没有“承办人初审”的权限。",
            id="审发-cannot-skip-初审",
        ),
        pytest.param(
            "dept-approved-by-both",
            "both",
            "SEPARATION_OF_DUTIES",
            "同一人不能在同一答复的两个审核环节签署意见。",
            id="先审查后公开-one-person-one-tier",
        ),
    ],
)
async def test_each_tier_is_its_own_reviewers(api, services, setup, actor, code, message):
    org = await api.new_org()
    team = await a_team(api, org)
    team["both"] = await api.new_user(org, "DEPT_HEAD", "UNIT_HEAD")
    rid, _ = await drafted(api, services, org, team)
    if setup != "none":
        await api.ok(REVIEW, {"id": rid, "a": True}, team["officer"].token)
    if setup == "dept-approved-by-both":
        await api.ok(REVIEW, {"id": rid, "a": True}, team["both"].token)

    body = await api.post(REVIEW, {"id": rid, "a": True}, team[actor].token)

    assert error_of(body) == (code, message)


async def test_the_drafter_does_not_review_their_own_reply_past_the_first_tier(api, services):
    # given a reply drafted by someone who is also a department head, approved at 初审 by a colleague
    org = await api.new_org()
    team = await a_team(api, org)
    team["officer"] = await api.new_user(org, "OFFICER", "DEPT_HEAD")
    colleague = await api.new_user(org, "OFFICER")
    rid, _ = await drafted(api, services, org, team)
    await api.ok(REVIEW, {"id": rid, "a": True}, colleague.token)

    body = await api.post(REVIEW, {"id": rid, "a": True}, team["officer"].token)

    assert error_of(body) == ("SEPARATION_OF_DUTIES", "不能审核或审发自己起草的答复。")
