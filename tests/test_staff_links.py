"""Short-lived signed links for staff downloads (cms/attachments/links.py): a signed-in reader of a file
the public may not read (a draft's attachment, a request's reply file) gets ``url`` signed for them, so
it works in a link, an ``<img>`` or the browser's PDF viewer without a Bearer header. The download
re-checks at each request that the user exists, is enabled and may still read the file; anything
altered, expired or meant for another file answers 404 like a file that does not exist."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx
import pytest

from cms.admin.vocabulary_data import topic_path
from cms.attachments.links import StaffLinks
from cms.content.ids import from_global_id
from cms.requests.service import RequestLimits
from cms.services import Services
from storage.accounts import User
from tests.conftest import SteppedClock
from tests.helpers import ADMIN, Api, Person, unique
from tests.test_request_reply_files import attach, new_request, reply_ready

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
TOPIC = topic_path("综合政务", "政务公开")
FIELDS = "id filename url thumbnailUrl"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Content {{ attachments {{ {FIELDS} }} }} }} }}"
REPLY_FILES = "query($id: ID!) { disclosureRequest(id: $id) { replyFiles { id url } } }"
TICKET = """mutation($i: ID!, $f: String!, $s: Int!) {
  requestUpload(item: $i, filename: $f, size: $s) { uploadUrl attachment { id } } }"""
ORG_OF = "query($id: ID!) { node(id: $id) { ... on Content { organization { id } } } }"
REVOKE = "mutation($i: RoleGrantInput!) { revokeRole(input: $i) }"
COMPLETE = "mutation($id: ID!, $h: String!) { completeUpload(id: $id, sha256: $h) { id } }"


@pytest.fixture(scope="module")
def api(gql: Any, settings: Any) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(autouse=True)
def no_flood_limit(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    # The reply-file tests submit requests through the portal; an unusual window keeps them apart from
    # the hourly counts other tests' submissions are judged by.
    limits = RequestLimits(submissions_per_hour=10_000, window=timedelta(seconds=13))
    monkeypatch.setattr(services.requests, "limits", limits)


def local(url: str) -> str:
    """The in-process client wants the path and query of the absolute address."""
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


def altered(url: str, key: str, value: str) -> str:
    return str(httpx.URL(url).copy_set_param(key, value))


async def upload(api: Api, token: str, item: str, filename: str, data: bytes) -> None:
    ticket = (await api.ok(TICKET, {"i": item, "f": filename, "s": len(data)}, token))["requestUpload"]
    async with httpx.AsyncClient(timeout=30, trust_env=False) as s3:
        assert (await s3.put(ticket["uploadUrl"], content=data)).status_code == 200
    await api.ok(COMPLETE, {"id": ticket["attachment"]["id"], "h": hashlib.sha256(data).hexdigest()}, token)


async def draft_with_pdf(api: Api) -> tuple[dict[str, Person], str]:
    """A draft with a PDF at a fresh organization, and its team (officer, dept head, unit head)."""
    org = await api.new_org()
    team = await api.team(org, officer=("OFFICER",), head=("DEPT_HEAD",), unit=("UNIT_HEAD",))
    entry = await api.create_entry(team["officer"].token, org, unique("送审稿"), topic=TOPIC)
    await upload(api, team["officer"].token, entry["id"], "送审稿.pdf", PDF)
    return team, entry["id"]


async def publish(api: Api, team: dict[str, Person], entry: str) -> None:
    """Through the whole chain: the officer submits and checks, the heads approve."""
    for person, action, opinion in (
        ("officer", "SUBMIT", ""),
        ("officer", "APPROVE", "初审同意。"),
        ("head", "APPROVE", "审核同意。"),
        ("unit", "APPROVE", "同意发布。"),
    ):
        await api.act(team[person].token, entry, action, opinion=opinion)


async def files_of(api: Api, item: str, token: str | None) -> list[dict[str, Any]]:
    node = (await api.ok(NODE, {"id": item}, token))["node"]
    assert node is not None
    found: list[dict[str, Any]] = node["attachments"]
    return found


async def test_a_reviewer_opens_a_drafts_pdf_with_the_signed_link_alone(
    api: Api, client: httpx.AsyncClient
) -> None:
    # given a draft's PDF as its department head reads it
    team, entry = await draft_with_pdf(api)
    [pdf] = await files_of(api, entry, team["head"].token)
    # when the link is opened without any token, and the stable address without the signature
    signed = await client.get(local(pdf["url"]))
    unsigned = await client.get(urlsplit(pdf["url"]).path)
    # then the signed link serves the PDF privately, for a limited time, and the plain address does not
    query = httpx.URL(pdf["url"]).params
    assert sorted(query.keys()) == ["e", "s", "u"]
    assert query["u"] == str(from_global_id(team["head"].id)[1])
    assert signed.status_code == 200
    assert signed.content == PDF
    assert signed.headers["content-type"] == "application/pdf"
    assert signed.headers["cache-control"] == "private, no-store"
    assert signed.headers["content-disposition"].startswith("inline")
    assert unsigned.status_code == 404


async def test_a_published_files_address_stays_stable_and_unsigned_for_staff(
    api: Api, client: httpx.AsyncClient
) -> None:
    # given a draft's PDF, published through the chain
    team, entry = await draft_with_pdf(api)
    [draft_pdf] = await files_of(api, entry, team["officer"].token)
    await publish(api, team, entry)
    # when staff and the public read its url
    [for_staff] = await files_of(api, entry, team["officer"].token)
    [for_public] = await files_of(api, entry, None)
    # then both get the same stable address, the draft's without a signature
    assert for_staff["url"] == for_public["url"] == draft_pdf["url"].split("?")[0]
    assert "?" not in for_staff["url"]
    assert (await client.get(local(for_public["url"]))).status_code == 200


async def test_anonymous_readers_see_no_signed_links(api: Api) -> None:
    # given a published entry with a PDF, and the newest page of the catalog (others' files among it)
    team, entry = await draft_with_pdf(api)
    await publish(api, team, entry)
    data = await api.ok("{ catalog(first: 20) { edges { node { attachments { url thumbnailUrl } } } } }")
    # when an anonymous reader reads them
    files = [a for edge in data["catalog"]["edges"] for a in edge["node"]["attachments"]]
    files += await files_of(api, entry, None)
    urls = [address for a in files for address in (a["url"], a["thumbnailUrl"]) if address]
    # then none of their addresses carries a signature
    assert urls
    assert [u for u in urls if "?" in u] == []


@pytest.fixture(scope="module")
async def two_drafts(api: Api) -> tuple[str, str]:
    """The signed links of two drafts' PDFs, each for its own officer (shared: each case alters a
    link or the clock, never the drafts). Signed now: the expiry case moves the links' clock on."""
    links = []
    for _ in range(2):
        team, entry = await draft_with_pdf(api)
        [pdf] = await files_of(api, entry, team["officer"].token)
        links.append(pdf["url"])
    return links[0], links[1]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param("signature", id="altered-signature"),
        pytest.param("expiry", id="later-expiry-than-signed"),
        pytest.param("user", id="another-users-id"),
        pytest.param("attachment", id="another-attachment"),
        pytest.param("expired", id="expired-link"),
    ],
)
async def test_an_altered_or_expired_link_is_not_found(
    api: Api,
    client: httpx.AsyncClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    two_drafts: tuple[str, str],
    change: str,
) -> None:
    # given the officer's signed link to a draft's PDF, and the link of another draft's PDF
    url, other_url = two_drafts
    other = {"url": other_url}
    # when the link is altered, or used after it expired
    if change == "signature":
        url = altered(url, "s", "A" * 43)
    elif change == "expiry":
        url = altered(url, "e", str(int(httpx.URL(url).params["e"]) + 3600))
    elif change == "user":
        url = altered(url, "u", httpx.URL(other["url"]).params["u"])
    elif change == "attachment":
        url = str(httpx.URL(other["url"]).copy_with(query=httpx.URL(url).query))
    else:
        later = SteppedClock()
        later.advance((services.attachments.links.ttl + timedelta(seconds=1)).total_seconds())  # type: ignore[union-attr]
        monkeypatch.setattr(services.attachments.links, "clock", later)
    response = await client.get(local(url))
    # then it answers as a file that does not exist
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "未找到该附件。", "extensions": {"code": "NOT_FOUND"}}]}
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        pytest.param("nothing", 200, id="unchanged"),
        pytest.param("disabled", 404, id="user-disabled"),
        pytest.param("revoked", 404, id="role-revoked"),
        pytest.param("password-changed", 404, id="sessions-ended-by-a-new-password"),
    ],
)
async def test_the_link_works_only_while_its_user_may_read_the_file(
    api: Api, client: httpx.AsyncClient, change: str, status: int
) -> None:
    # given the department head's signed link to a draft's PDF
    team, entry = await draft_with_pdf(api)
    head = team["head"]
    [pdf] = await files_of(api, entry, head.token)
    org = (await api.ok(ORG_OF, {"id": entry}, head.token))["node"]["organization"]["id"]
    admin = await api.token(ADMIN)
    # when the head is disabled, loses the role, or gets a new password before the link is opened
    if change == "disabled":
        await api.ok("mutation($id: ID!) { disableUser(id: $id) { active } }", {"id": head.id}, admin)
    elif change == "revoked":
        grant = {"user": head.id, "role": "DEPT_HEAD", "organization": org, "subtree": True}
        assert (await api.ok(REVOKE, {"i": grant}, admin))["revokeRole"] is True
    elif change == "password-changed":
        await api.ok(
            "mutation($id: ID!, $p: String!) { resetPassword(id: $id, password: $p) { id } }",
            {"id": head.id, "p": "Another-pass-2026x"},
            admin,
        )
    response = await client.get(local(pdf["url"]))
    # then the link answers only while the head may still read the draft
    assert response.status_code == status
    if status == 404:
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_link_made_for_staff_without_the_permission_is_not_found(
    api: Api, client: httpx.AsyncClient, services: Services
) -> None:
    # given a draft's PDF and a signed-in user of the same organization without any role
    team, entry = await draft_with_pdf(api)
    [pdf] = await files_of(api, entry, team["officer"].token)
    org = (await api.ok(ORG_OF, {"id": entry}, team["officer"].token))["node"]["organization"]["id"]
    nobody = await api.new_user(org)
    user = await User.get(from_global_id(nobody.id)[1])
    assert user is not None
    # when a correctly signed link is made for that user
    attachment_id = urlsplit(pdf["url"]).path.split("/")[2]
    query = services.attachments.links.query(attachment_id, str(user.id), user.session_generation)  # type: ignore[union-attr]
    response = await client.get(f"{urlsplit(pdf['url']).path}?{query}")
    # then the user's lack of permission decides, not the signature
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        pytest.param("anonymous", 404, id="anonymous"),
        pytest.param("other-office", 404, id="another-organizations-office"),
        pytest.param("officer", 200, id="case-officer-with-request.view"),
        pytest.param("office", 200, id="office-with-request.reply"),
    ],
)
async def test_staff_download_a_requests_reply_files_at_files_never_the_public(
    api: Api, client: httpx.AsyncClient, who: str, status: int
) -> None:
    # given an unsent reply with its letter attached
    team, rid, _sent = await new_request(api)
    await reply_ready(api, team, rid)
    await attach(api, team["office"].token, rid, "答复书.pdf", PDF)
    [letter] = (await api.ok(REPLY_FILES, {"id": rid}, team["office"].token))["disclosureRequest"][
        "replyFiles"
    ]
    stable = urlsplit(letter["url"]).path
    outsider = await api.new_user(await api.new_org(), "OFFICE")
    token = {"anonymous": None, "other-office": outsider.token}[who] if who not in team else team[who].token
    # when the reader opens the stable address with their token
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.get(stable, headers=headers)
    # then only staff who may view the request get the file
    assert response.status_code == status
    if status == 200:
        assert response.content == PDF
        assert response.headers["cache-control"] == "private, no-store"
    else:
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_the_office_gets_a_signed_link_to_a_reply_file(api: Api, client: httpx.AsyncClient) -> None:
    # given an unsent reply with its letter attached
    team, rid, _sent = await new_request(api)
    await reply_ready(api, team, rid)
    await attach(api, team["office"].token, rid, "答复书.pdf", PDF)
    # when the office reads the reply files and opens the link without a token
    [letter] = (await api.ok(REPLY_FILES, {"id": rid}, team["office"].token))["disclosureRequest"][
        "replyFiles"
    ]
    response = await client.get(local(letter["url"]))
    # then the letter is served privately
    assert "s=" in httpx.URL(letter["url"]).query.decode()
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize(
    ("verifier", "generation", "valid"),
    [
        pytest.param("rotated", 0, True, id="earlier-key-still-listed"),
        pytest.param("dropped", 0, False, id="earlier-key-dropped"),
        pytest.param("rotated", 1, False, id="sessions-ended-since"),
        pytest.param("upload-tickets", 0, False, id="not-an-upload-ticket"),
    ],
)
def test_links_made_under_an_earlier_key_verify_while_it_is_listed(
    verifier: str, generation: int, valid: bool
) -> None:
    # given a link made before the keys rotated
    made = StaffLinks([b"earlier-secret-" + b"x" * 32]).query(
        "6b15b8acc322e6d498515c7a", "6b15b833c322e6d49851573b", 0
    )
    rotated = StaffLinks([b"current-secret-" + b"y" * 32, b"earlier-secret-" + b"x" * 32])
    checkers = {
        "rotated": rotated,
        "dropped": StaffLinks([b"current-secret-" + b"y" * 32]),
        "upload-tickets": rotated.for_purpose(b"gongkai-upload-tickets", timedelta(minutes=30)),
    }
    # when the server checks it with the current key list
    accepted = checkers[verifier].verify("6b15b8acc322e6d498515c7a", dict(parse_qsl(made)), generation)
    # then only the listed earlier key, for the same sessions and the same kind of link, accepts it
    assert accepted is valid
