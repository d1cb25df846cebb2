"""Reply files of a request for disclosure: the office attaches the reply letter and the released
files before the reply is sent; the applicant's status page lists them, once the reply is sent, with
short-lived download addresses signed for the request's number and query code."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cms.requests.service import RequestLimits
from cms.services import Services
from tests.conftest import SteppedClock
from tests.helpers import Api, Person, error_of, unique

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
LETTER = "答复书.pdf"
SUBMIT = """mutation($i: DisclosureRequestInput!) {
  submitDisclosureRequest(input: $i) { number queryCode } }"""
ATTACH = """mutation($id: ID!, $f: String!, $b: String!) {
  attachDisclosureReplyFile(id: $id, filename: $f, base64: $b) { filename size contentType } }"""
STATUS = """query($n: String!, $c: String!) { disclosureRequestStatus(number: $n, code: $c) {
  stateLabel replyFiles { filename size contentType url expiresAt } } }"""
REPLY = {
    "outcome": "DISCLOSED",
    "legalBasis": "《条例》第三十六条第（二）项",
    "remedies": ["REVIEW", "LITIGATION"],
    "text": "经审查，予以公开，见所附文件。",
}


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(autouse=True)
def no_flood_limit(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every test submits through the portal; an unusual window keeps these submissions apart from the
    # hourly counts other tests' submissions are judged by.
    limits = RequestLimits(submissions_per_hour=10_000, window=timedelta(seconds=11))
    monkeypatch.setattr(services.requests, "limits", limits)


async def new_request(api: Api) -> tuple[dict[str, Person], str, dict[str, str]]:
    """A portal request at a fresh organization with its whole team: (team, request id, submitted)."""
    org = await api.new_org()
    team = await api.team(
        org, office=("OFFICE",), officer=("OFFICER",), dept=("DEPT_HEAD",), unit=("UNIT_HEAD",)
    )
    given = {
        "organization": org,
        "applicantKind": "NATURAL_PERSON",
        "applicant": {"name": "王申请", "phone": "13900002222"},
        "description": unique("请求公开某项目的环评批复"),
    }
    sent = (await api.ok(SUBMIT, {"i": given}))["submitDisclosureRequest"]
    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }",
        {"o": org},
        team["office"].token,
    )
    rid = next(r["id"] for r in listed["disclosureRequests"] if r["number"] == sent["number"])
    return team, rid, sent


async def reply_ready(api: Api, team: dict[str, Person], rid: str) -> None:
    """Assigned, drafted and through the review chain: only sending is left."""
    await api.ok(
        "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }",
        {"id": rid, "o": team["officer"].id},
        team["office"].token,
    )
    await api.ok(
        "mutation($id: ID!, $r: DisclosureReplyInput!) { draftDisclosureReply(id: $id, input: $r) { state } }",
        {"id": rid, "r": REPLY},
        team["officer"].token,
    )
    for reviewer in ("officer", "dept", "unit"):
        await api.ok(
            "mutation($id: ID!) { reviewDisclosureReply(id: $id, approve: true) { state } }",
            {"id": rid},
            team[reviewer].token,
        )


async def send(api: Api, team: dict[str, Person], rid: str) -> None:
    await api.ok(
        "mutation($id: ID!) { sendDisclosureReply(id: $id) { state } }", {"id": rid}, team["office"].token
    )


async def attach(api: Api, token: str | None, rid: str, filename: str, data: bytes) -> dict[str, Any]:
    return await api.post(ATTACH, {"id": rid, "f": filename, "b": base64.b64encode(data).decode()}, token)


async def status(api: Api, sent: dict[str, str]) -> dict[str, Any]:
    data = await api.ok(STATUS, {"n": sent["number"], "c": sent["queryCode"]})
    found: dict[str, Any] = data["disclosureRequestStatus"]
    return found


async def test_files_are_listed_once_the_reply_is_sent_and_download_with_the_signed_address(
    api: Api, client: httpx.AsyncClient
) -> None:
    # given a reply with its letter and a released file attached by the office
    team, rid, sent = await new_request(api)
    await reply_ready(api, team, rid)
    attached = await attach(api, team["office"].token, rid, LETTER, PDF)
    await attach(api, team["office"].token, rid, "公开的信息.txt", "批复全文".encode())
    # when the applicant looks before and after the reply is sent
    before = await status(api, sent)
    await send(api, team, rid)
    after = await status(api, sent)
    letter = await client.get(after["replyFiles"][0]["url"])

    # then nothing is listed before; afterwards both files, and the address downloads the letter
    assert attached["data"]["attachDisclosureReplyFile"] == {
        "filename": LETTER,
        "size": len(PDF),
        "contentType": "application/pdf",
    }
    assert before["replyFiles"] == []
    assert [(f["filename"], f["size"]) for f in after["replyFiles"]] == [
        (LETTER, len(PDF)),
        ("公开的信息.txt", 12),
    ]
    assert letter.status_code == 200
    assert letter.content == PDF
    assert letter.headers["cache-control"] == "private, no-store"


TICKET = """mutation($i: ID!, $f: String!, $s: Int!) {
  requestUpload(item: $i, filename: $f, size: $s) { uploadUrl attachment { id } } }"""
COMPLETE = "mutation($id: ID!, $h: String!) { completeUpload(id: $id, sha256: $h) { filename size } }"


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("officer", "FORBIDDEN", id="staff-without-request.reply"),
        pytest.param("office", None, id="office-with-request.reply"),
    ],
)
async def test_a_large_reply_file_goes_through_the_upload_ticket_like_any_attachment(
    api: Api, client: httpx.AsyncClient, who: str, code: str | None
) -> None:
    # given a request ready to be sent, and a file too large to send inline
    team, rid, sent = await new_request(api)
    await reply_ready(api, team, rid)
    data = PDF + b"%" + b"0" * 400_000 + b"\n"
    token = team[who].token
    # when the ticket is asked for, the file put into the object store and the upload completed
    ticket = await api.post(TICKET, {"i": rid, "f": LETTER, "s": len(data)}, token)
    if code is None:
        grant = ticket["data"]["requestUpload"]
        async with httpx.AsyncClient(timeout=30, trust_env=False) as s3:
            put = await s3.put(grant["uploadUrl"], content=data)
        done = await api.ok(
            COMPLETE, {"id": grant["attachment"]["id"], "h": hashlib.sha256(data).hexdigest()}, token
        )
    await send(api, team, rid)
    listed = (await status(api, sent))["replyFiles"]

    # then the office's file is the reply's and downloads whole; the officer gets no ticket
    if code is None:
        assert put.status_code == 200
        assert done["completeUpload"] == {"filename": LETTER, "size": len(data)}
        assert [f["filename"] for f in listed] == [LETTER]
        assert (await client.get(listed[0]["url"])).content == data
    else:
        assert error_of(ticket)[0] == code
        assert listed == []


async def test_the_office_sees_the_files_and_removes_one_before_sending(api: Api) -> None:
    # given two files attached to an unsent reply
    team, rid, sent = await new_request(api)
    await reply_ready(api, team, rid)
    await attach(api, team["office"].token, rid, LETTER, PDF)
    await attach(api, team["office"].token, rid, "多余的文件.txt", "误传".encode())
    staff = "query($id: ID!) { disclosureRequest(id: $id) { replyFiles { id filename } } }"
    files = (await api.ok(staff, {"id": rid}, team["office"].token))["disclosureRequest"]["replyFiles"]
    # when the office removes the wrong one and sends the reply
    await api.ok(
        "mutation($id: ID!) { removeAttachment(id: $id) }", {"id": files[1]["id"]}, team["office"].token
    )
    await send(api, team, rid)

    # then the staff view listed both, and the applicant gets only the letter
    assert [f["filename"] for f in files] == [LETTER, "多余的文件.txt"]
    assert [f["filename"] for f in (await status(api, sent))["replyFiles"]] == [LETTER]


def _altered(url: str, key: str, value: str) -> str:
    parsed = httpx.URL(url)
    return str(parsed.copy_set_param(key, value))


@pytest.fixture(scope="module")
async def sent_letter(api: Api) -> tuple[str, dict[str, str]]:
    """A sent reply's signed letter address, and another request's submission (shared: each case
    alters the address or the clock, never the requests)."""
    team, rid, sent = await new_request(api)
    await reply_ready(api, team, rid)
    await attach(api, team["office"].token, rid, LETTER, PDF)
    await send(api, team, rid)
    url: str = (await status(api, sent))["replyFiles"][0]["url"]
    _, _, other = await new_request(api)
    return url, other


@pytest.mark.parametrize(
    "change",
    [
        pytest.param("signature", id="altered-signature"),
        pytest.param("expiry", id="later-expiry-than-signed"),
        pytest.param("number", id="another-requests-number"),
        pytest.param("expired", id="expired-address"),
        pytest.param("public-files-route", id="not-served-at-files"),
    ],
)
async def test_an_address_not_made_for_this_file_and_time_is_not_found(
    api: Api,
    client: httpx.AsyncClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    sent_letter: tuple[str, dict[str, str]],
    change: str,
) -> None:
    # given a sent reply with a letter, and another request's number
    url, other = sent_letter
    attachment_id = httpx.URL(url).path.rsplit("/", 1)[1]
    # when the address is altered, or used after it expired
    if change == "signature":
        url = _altered(url, "s", "0" * 40)
    elif change == "expiry":
        url = _altered(url, "e", str(int(httpx.URL(url).params["e"]) + 3600))
    elif change == "number":
        url = _altered(url, "n", other["number"])
    elif change == "expired":
        later = SteppedClock()
        later.advance((services.reply_files.ttl + timedelta(seconds=1)).total_seconds())
        monkeypatch.setattr(services.reply_files, "clock", later)
    else:
        url = f"/files/{attachment_id}/{LETTER}"
    response = await client.get(url)

    # then it answers as for a file that does not exist
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("anonymous", "UNAUTHENTICATED", id="anonymous"),
        pytest.param("other-org-office", "NOT_FOUND", id="another-organizations-office"),
        pytest.param("officer", "FORBIDDEN", id="staff-without-request.reply"),
        pytest.param("office", None, id="office-with-request.reply"),
    ],
)
async def test_attaching_a_reply_file_needs_request_reply_at_the_handling_organization(
    api: Api, who: str, code: str | None
) -> None:
    team, rid, sent = await new_request(api)
    outsider = await api.new_user(await api.new_org(), "OFFICE")
    token = None if who == "anonymous" else outsider.token if who == "other-org-office" else team[who].token

    body = await attach(api, token, rid, LETTER, PDF)

    if code is None:
        assert body["data"]["attachDisclosureReplyFile"]["filename"] == LETTER
    else:
        assert error_of(body)[0] == code
    await reply_ready(api, team, rid)
    await send(api, team, rid)
    listed = [f["filename"] for f in (await status(api, sent))["replyFiles"]]
    assert listed == ([LETTER] if code is None else [])


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param("sent", ("INVALID_REQUEST_STATE", "答复已发出，不能再更改文件。"), id="after-sending"),
        pytest.param("base64", ("BAD_USER_INPUT", "文件内容应为 Base64 编码。"), id="not-base64"),
    ],
)
async def test_a_file_after_sending_or_not_in_base64_is_refused_and_nothing_is_listed(
    api: Api, case: str, expected: tuple[str, str]
) -> None:
    team, rid, sent = await new_request(api)
    await reply_ready(api, team, rid)
    if case == "sent":
        await send(api, team, rid)
        body = await attach(api, team["office"].token, rid, LETTER, PDF)
    else:
        body = await api.post(ATTACH, {"id": rid, "f": LETTER, "b": "不是Base64!"}, team["office"].token)
        await send(api, team, rid)

    assert error_of(body) == expected
    if case == "base64":
        assert body["errors"][0]["extensions"]["field"] == "base64"
    assert (await status(api, sent))["replyFiles"] == []
