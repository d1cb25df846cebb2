"""The end of the retention period (GONGKAI_REQUEST_RETENTION_DAYS after closing), on a stepped clock
against the real database and object store: with the applicant's identity and contact go the
free-text description, every staff note and the reply files' objects (a record of each file stays);
what the annual report counts stays. While a review or lawsuit is still open (尚未审结) nothing goes."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from cms.content.ids import from_global_id
from storage.attachments import Attachment
from storage.requests import DisclosureRequest
from tests.conftest import SteppedClock
from tests.helpers import Api, Person, unique

LETTER = "答复书.txt"
LETTER_BYTES = "政府信息公开申请答复书：经审查，予以公开。申请人王保留。\n".encode()
REGISTER = """mutation($i: DisclosureRequestInput!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: POST, receivedOn: $d) { number } }"""
STAFF = """query($id: ID!) { disclosureRequest(id: $id) {
  state description personalDataErased receivedOn correctionRequestedOn correctionReceivedOn
  consultations { party startedOn endedOn } extensionWorkingDays
  reply { outcome ground legalBasis remedies text repliedOn }
  replyReviews { tier opinion } remedyCases { kind result note authority }
  replyFiles { filename } erasedReplyFiles { size sha256 contentType }
  history { action note } } }"""
REMEDY = """mutation($id: ID!, $c: RemedyCaseInput!) { recordRemedyCase(id: $id, input: $c) {
  remedyCases { id } } }"""
CONCLUDE = """mutation($id: ID!, $c: ID!, $d: Date!) {
  concludeRemedyCase(id: $id, case: $c, result: UPHELD, concludedOn: $d) { state } }"""


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def set_clock(clock: SteppedClock, at: datetime) -> None:
    clock.advance((at - clock()).total_seconds())


async def closed_request(api: Api, services) -> tuple[dict[str, Person], str]:
    """A request that went every step with notes (补正, consultation, extension, review opinions),
    with a reply letter, sent: closed now."""
    org = await api.new_org()
    team = await api.team(
        org, office=("OFFICE",), officer=("OFFICER",), dept=("DEPT_HEAD",), unit=("UNIT_HEAD",)
    )
    office, officer = team["office"].token, team["officer"].token
    today = services.requests.today().isoformat()
    given = {
        "organization": org,
        "applicantKind": "NATURAL_PERSON",
        "applicant": {"name": "王保留", "phone": "13900003333"},
        "description": unique("请求公开王保留家房屋的征收补偿协议"),
    }
    number = (await api.ok(REGISTER, {"i": given, "d": today}, office))["registerDisclosureRequest"]["number"]
    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": org}, office
    )
    rid = next(r["id"] for r in listed["disclosureRequests"] if r["number"] == number)
    later = (services.requests.today() + timedelta(days=10)).isoformat()
    steps = [
        (
            "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }",
            {"o": team["officer"].id},
            office,
        ),
        (
            'mutation($id: ID!, $d: Date!) { requestDisclosureCorrection(id: $id, dueOn: $d, note: "请王保留补充门牌号") '
            "{ state } }",
            {"d": later},
            officer,
        ),
        (
            "mutation($id: ID!, $d: Date!) { receiveDisclosureCorrection(id: $id, receivedOn: $d) { state } }",
            {"d": today},
            officer,
        ),
        (
            'mutation($id: ID!) { startDisclosureConsultation(id: $id, party: "第三方张某") { state } }',
            {},
            officer,
        ),
        ("mutation($id: ID!) { endDisclosureConsultation(id: $id) { state } }", {}, officer),
        (
            'mutation($id: ID!) { extendDisclosureRequest(id: $id, days: 5, reason: "王保留家档案在外地") '
            "{ state } }",
            {},
            office,
        ),
        (
            "mutation($id: ID!, $r: DisclosureReplyInput!) { draftDisclosureReply(id: $id, input: $r) { state } }",
            {
                "r": {
                    "outcome": "PARTLY_DISCLOSED",
                    "legalBasis": "《条例》第三十七条",
                    "remedies": ["REVIEW"],
                    "text": "王保留：您申请的信息部分公开。",
                }
            },
            officer,
        ),
    ]
    for document, variables, token in steps:
        await api.ok(document, {"id": rid, **variables}, token)
    for reviewer in ("officer", "dept", "unit"):
        await api.ok(
            'mutation($id: ID!) { reviewDisclosureReply(id: $id, approve: true, opinion: "同意，注意王保留隐私") '
            "{ state } }",
            {"id": rid},
            team[reviewer].token,
        )
    await api.ok(
        "mutation($id: ID!, $f: String!, $b: String!) {"
        " attachDisclosureReplyFile(id: $id, filename: $f, base64: $b) { filename } }",
        {"id": rid, "f": LETTER, "b": base64.b64encode(LETTER_BYTES).decode()},
        office,
    )
    await api.ok("mutation($id: ID!) { sendDisclosureReply(id: $id) { state } }", {"id": rid}, office)
    return team, rid


async def closed_at(rid: str) -> datetime:
    found = await DisclosureRequest.get(ObjectId(from_global_id(rid)[1]))
    assert found is not None
    assert found.closed_at is not None
    return found.closed_at.astimezone(UTC)


async def letter_keys(rid: str) -> list[str]:
    found = await Attachment.find({"item_id": ObjectId(from_global_id(rid)[1])}).to_list()
    return [a.object_key for a in found]


async def test_at_the_end_of_retention_free_text_and_reply_files_go_and_the_counted_facts_stay(
    api, services, settings, stepped
):
    # given a closed request with notes everywhere and a reply letter in the object store
    team, rid = await closed_request(api, services)
    office = team["office"].token
    before = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]
    keys = await letter_keys(rid)
    assert len(keys) == 1
    assert await services.objects.stat(keys[0]) is not None
    end = await closed_at(rid) + timedelta(days=settings.request_retention_days)

    # when the erasure runs a second before the period is over, and again when it is over
    set_clock(stepped, end - timedelta(seconds=1))
    await services.requests.erase_personal_data()
    kept = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]
    set_clock(stepped, end)
    await services.requests.erase_personal_data()
    after = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]

    # then nothing went before; after, no free text, no file, and a record of the file
    assert kept == before
    assert after["personalDataErased"] is True
    assert after["description"] == ""
    assert after["consultations"] == [{**before["consultations"][0], "party": ""}]
    assert after["reply"] == {**before["reply"], "text": ""}
    assert [r["opinion"] for r in after["replyReviews"]] == ["", "", ""]
    assert {e["note"] for e in after["history"]} == {""}
    assert after["history"][-1] == {"action": "erase_personal_data", "note": ""}
    assert [e["action"] for e in after["history"][:-1]] == [e["action"] for e in before["history"]]
    assert after["replyFiles"] == []
    assert after["erasedReplyFiles"] == [
        {
            "size": len(LETTER_BYTES),
            "sha256": hashlib.sha256(LETTER_BYTES).hexdigest(),
            "contentType": "text/plain",
        }
    ]
    assert await letter_keys(rid) == []
    assert await services.objects.stat(keys[0]) is None
    # what the annual report counts is as it was
    for name in (
        "state",
        "receivedOn",
        "correctionRequestedOn",
        "correctionReceivedOn",
        "extensionWorkingDays",
    ):
        assert after[name] == before[name]
    assert "王保留" not in str(after)


async def test_an_open_review_case_holds_the_erasure_until_it_is_concluded(api, services, settings, stepped):
    # given a closed request against which an administrative review is still open
    team, rid = await closed_request(api, services)
    office = team["office"].token
    case = {
        "kind": "REVIEW",
        "filedOn": services.requests.today().isoformat(),
        "authority": "省人民政府",
        "note": "王保留申请复议",
    }
    cases = (await api.ok(REMEDY, {"id": rid, "c": case}, office))["recordRemedyCase"]["remedyCases"]
    end = await closed_at(rid) + timedelta(days=settings.request_retention_days)

    # when the retention period is over while the case is open
    set_clock(stepped, end + timedelta(days=30))
    await services.requests.erase_personal_data()
    held = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]
    # and once it is concluded
    await api.ok(
        CONCLUDE, {"id": rid, "c": cases[0]["id"], "d": services.requests.today().isoformat()}, office
    )
    await services.requests.erase_personal_data()
    after = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]

    # then it waited with everything in place, and went after the conclusion, keeping the case's result
    assert held["personalDataErased"] is False
    assert held["description"].startswith("请求公开王保留家")
    assert [f["filename"] for f in held["replyFiles"]] == [LETTER]
    assert after["personalDataErased"] is True
    assert after["description"] == ""
    assert after["remedyCases"] == [
        {"kind": "REVIEW", "result": "UPHELD", "note": "", "authority": "省人民政府"}
    ]
    assert after["replyFiles"] == []
    assert len(after["erasedReplyFiles"]) == 1
