"""条例 第四十四条: information released to one applicant that is of broad interest becomes a proactive
catalog draft in one step, which then passes the review chain like any item."""

from __future__ import annotations

import pytest

from tests.helpers import Api, error_of, unique

REGISTER = """mutation($i: DisclosureRequestInput!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: POST, receivedOn: $d) { number } }"""
DRAFT = "mutation($id: ID!, $r: DisclosureReplyInput!) { draftDisclosureReply(id: $id, input: $r) { state } }"
REVIEW = "mutation($id: ID!) { reviewDisclosureReply(id: $id, approve: true) { state } }"
PROACTIVE = """mutation($id: ID!, $t: String!) { draftCatalogEntryFromDisclosureReply(id: $id, title: $t) {
  id title body reviewState disclosureMode legalBasis organization { id } } }"""
STAFF = "query($id: ID!) { disclosureRequest(id: $id) { proactiveEntryId history { action by } } }"
TEXT = "现将2026年度城区道路改造项目清单公开如下：……"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def reply(outcome: str, ground: str | None = None) -> dict:
    return {
        "outcome": outcome,
        "ground": ground,
        "legalBasis": "《条例》第二十七条",
        "remedies": ["REVIEW"],
        "text": TEXT,
    }


async def request_with_reply(
    api: Api, services, org: str, team: dict, outcome: str | None, ground=None
) -> str:
    """A request whose reply of ``outcome`` was reviewed and sent (None: still being handled)."""
    office, officer = team["office"].token, team["officer"].token
    new = {
        "organization": org,
        "applicantKind": "RESEARCH",
        "applicant": {"name": "吴研究", "email": "wu@example.org"},
        "description": unique("请求公开道路改造项目清单"),
    }
    number = (await api.ok(REGISTER, {"i": new, "d": services.requests.today().isoformat()}, office))[
        "registerDisclosureRequest"
    ]["number"]
    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": org}, office
    )
    rid = next(r["id"] for r in listed["disclosureRequests"] if r["number"] == number)
    await api.ok(
        "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }",
        {"id": rid, "o": team["officer"].id},
        office,
    )
    if outcome is None:
        return rid
    await api.ok(DRAFT, {"id": rid, "r": reply(outcome, ground)}, officer)
    for reviewer in ("officer", "dept", "unit"):
        await api.ok(REVIEW, {"id": rid}, team[reviewer].token)
    await api.ok("mutation($id: ID!) { sendDisclosureReply(id: $id) { state } }", {"id": rid}, office)
    return rid


async def a_team(api: Api, org: str) -> dict:
    return await api.team(
        org, office=("OFFICE",), officer=("OFFICER",), dept=("DEPT_HEAD",), unit=("UNIT_HEAD",)
    )


async def test_a_disclosed_reply_becomes_a_catalog_draft_of_the_organization_in_one_step(api, services):
    # given a reply that disclosed information of broad interest
    org = await api.new_org()
    team = await a_team(api, org)
    rid = await request_with_reply(api, services, org, team, "DISCLOSED")

    # when the case officer turns it into a proactive draft, and tries again
    made = await api.ok(PROACTIVE, {"id": rid, "t": "2026年度城区道路改造项目清单"}, team["officer"].token)
    again = await api.post(PROACTIVE, {"id": rid, "t": "再来一次"}, team["officer"].token)
    seen = (await api.ok(STAFF, {"id": rid}, team["office"].token))["disclosureRequest"]

    # then the draft holds the reply's text, waits for review, and the request links it
    entry = made["draftCatalogEntryFromDisclosureReply"]
    assert {k: v for k, v in entry.items() if k != "id"} == {
        "title": "2026年度城区道路改造项目清单",
        "body": TEXT,
        "reviewState": "DRAFT",
        "disclosureMode": "PROACTIVE",
        "legalBasis": "《中华人民共和国政府信息公开条例》第四十四条",
        "organization": {"id": org},
    }
    assert seen["proactiveEntryId"] == entry["id"]
    assert seen["history"][-1] == {"action": "proactive_draft", "by": team["officer"].id}
    assert error_of(again) == ("INVALID_REQUEST_STATE", "该答复已生成主动公开目录草稿。")


@pytest.mark.parametrize(
    ("outcome", "ground", "message"),
    [
        pytest.param(None, None, "答复发出后方可转为主动公开。", id="第四十四条-not-yet-replied"),
        pytest.param(
            "NOT_DISCLOSED",
            "THIRD_PARTY_RIGHTS",
            "仅予以公开或部分公开的答复可转为主动公开。",
            id="第四十四条-nothing-was-disclosed",
        ),
        pytest.param(
            "UNABLE",
            "NOT_HELD",
            "仅予以公开或部分公开的答复可转为主动公开。",
            id="第四十四条-information-not-held",
        ),
    ],
)
async def test_only_a_sent_reply_that_disclosed_something_becomes_a_draft(
    api, services, outcome, ground, message
):
    org = await api.new_org()
    team = await a_team(api, org)
    rid = await request_with_reply(api, services, org, team, outcome, ground)

    body = await api.post(PROACTIVE, {"id": rid, "t": "标题"}, team["officer"].token)
    seen = (await api.ok(STAFF, {"id": rid}, team["office"].token))["disclosureRequest"]

    assert error_of(body) == ("INVALID_REQUEST_STATE", message)
    assert seen["proactiveEntryId"] is None


@pytest.mark.parametrize(
    ("who", "title", "code"),
    [
        pytest.param("anonymous", "标题", "UNAUTHENTICATED", id="anonymous"),
        pytest.param("outsider", "标题", "NOT_FOUND", id="another-organizations-officer"),
        pytest.param("office", "标题", "FORBIDDEN", id="office-without-content.create"),
        pytest.param("officer", " ", "BAD_USER_INPUT", id="officer-without-a-title"),
    ],
)
async def test_who_may_turn_a_reply_into_a_draft(api, services, who, title, code):
    org, other = await api.new_org(), await api.new_org()
    team = await a_team(api, org)
    team["outsider"] = await api.new_user(other, "OFFICER")
    rid = await request_with_reply(api, services, org, team, "PARTLY_DISCLOSED")
    token = None if who == "anonymous" else team[who].token

    body = await api.post(PROACTIVE, {"id": rid, "t": title}, token)
    seen = (await api.ok(STAFF, {"id": rid}, team["office"].token))["disclosureRequest"]

    assert error_of(body)[0] == code
    assert seen["proactiveEntryId"] is None
