"""Where the browser PUTs an attachment: to the browser-facing S3 endpoint when one is configured
(GONGKAI_S3_PUBLIC_ENDPOINT; the presigned URL is signed for that host), else to this server's
``PUT /uploads/{id}`` with a ticket signed for the user, which streams the body on to the object store
and refuses it as soon as it passes the size limit. ``completeUpload`` judges what arrived either way."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from cms.admin.vocabulary_data import topic_path
from cms.content.ids import from_global_id
from cms.services import Services
from cms.settings import Settings
from storage.attachments import Attachment, AttachmentStatus
from storage.objectstore import ObjectStore
from tests.conftest import SteppedClock
from tests.helpers import ADMIN, Api, Person, unique

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b"%" * 300_000 + b"\n"
TOPIC = topic_path("综合政务", "政务公开")
TICKET = """mutation($i: ID!, $f: String!, $s: Int!) {
  requestUpload(item: $i, filename: $f, size: $s) { uploadUrl attachment { id } } }"""
COMPLETE = "mutation($id: ID!, $h: String!) { completeUpload(id: $id, sha256: $h) { filename size contentType url } }"
ORG_OF = "query($id: ID!) { node(id: $id) { ... on Content { organization { id } } } }"


@pytest.fixture(scope="module")
def api(gql: Any, settings: Any) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture
def same_origin(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """As deployed without GONGKAI_S3_PUBLIC_ENDPOINT (the test session sets one)."""
    store = services.attachments.objects
    monkeypatch.setattr(store, "config", dataclasses.replace(store.config, public_endpoint=None))


def local(url: str) -> str:
    parsed = httpx.URL(url)
    assert parsed.host == "testserver", url
    return f"{parsed.path}?{parsed.query.decode()}"


async def draft(api: Api) -> tuple[Person, str]:
    org = await api.new_org()
    officer = await api.new_user(org, "OFFICER")
    entry = await api.create_entry(officer.token, org, unique("上传"), topic=TOPIC)
    return officer, entry["id"]


async def ticket(api: Api, token: str, item: str, size: int = len(PDF)) -> dict[str, Any]:
    found: dict[str, Any] = (await api.ok(TICKET, {"i": item, "f": "方案.pdf", "s": size}, token))[
        "requestUpload"
    ]
    return found


async def chunked(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A body without Content-Length: the server learns its size only while it streams."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_without_a_public_endpoint_the_browser_uploads_to_this_server(
    api: Api, client: httpx.AsyncClient, same_origin: None
) -> None:
    # given a draft and an upload ticket
    officer, entry = await draft(api)
    given = await ticket(api, officer.token, entry)
    # when the file is PUT (streamed, no token) to the ticket's address and the upload completed
    put = await client.put(local(given["uploadUrl"]), content=chunked(PDF))
    done = await api.ok(
        COMPLETE, {"id": given["attachment"]["id"], "h": hashlib.sha256(PDF).hexdigest()}, officer.token
    )
    # then the address was this server's, the bytes arrived whole and the file is the draft's
    assert given["uploadUrl"].startswith(
        f"http://testserver/uploads/{from_global_id(given['attachment']['id'])[1]}?"
    )
    assert put.status_code == 200
    assert put.json() == {"size": len(PDF)}
    assert put.headers["cache-control"] == "no-store"
    assert done["completeUpload"]["size"] == len(PDF)
    assert done["completeUpload"]["contentType"] == "application/pdf"
    download = await client.get(httpx.URL(done["completeUpload"]["url"]).raw_path.decode())
    assert download.content == PDF


@pytest.mark.parametrize(
    "declared",
    [pytest.param(True, id="content-length-too-large"), pytest.param(False, id="chunked-body-too-large")],
)
async def test_a_body_over_the_size_limit_is_refused_and_nothing_is_stored(
    api: Api,
    client: httpx.AsyncClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    same_origin: None,
    declared: bool,
) -> None:
    # given a 1 MiB limit and a ticket for a file said to be 1 KiB
    limits = dataclasses.replace(services.attachments.limits, max_bytes=1024 * 1024)
    monkeypatch.setattr(services.attachments, "limits", limits)
    officer, entry = await draft(api)
    given = await ticket(api, officer.token, entry, size=1024)
    # when 1.2 MiB arrive, with or without a Content-Length that says so
    big = PDF * 4
    response = await client.put(local(given["uploadUrl"]), content=big if declared else chunked(big))
    # then the upload is refused with the limit's code, and no staging object was written
    assert response.status_code == 413
    assert response.json() == {
        "errors": [{"message": "附件不能超过 1 MB。", "extensions": {"code": "ATTACHMENT_TOO_LARGE"}}]
    }
    record = await Attachment.get(from_global_id(given["attachment"]["id"])[1])
    assert record is not None
    assert record.status is AttachmentStatus.PENDING
    assert await services.objects.stat(record.upload_key or "") is None


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        pytest.param("signature", 404, "UPLOAD_NOT_FOUND", id="altered-ticket"),
        pytest.param("attachment", 404, "UPLOAD_NOT_FOUND", id="ticket-of-another-upload"),
        pytest.param("expired", 404, "UPLOAD_NOT_FOUND", id="expired-ticket"),
        pytest.param("disabled", 404, "UPLOAD_NOT_FOUND", id="user-disabled"),
        pytest.param("revoked", 404, "UPLOAD_NOT_FOUND", id="role-revoked"),
        pytest.param("completed", 404, "UPLOAD_NOT_FOUND", id="after-completeUpload"),
    ],
)
async def test_an_upload_needs_a_valid_ticket_of_a_user_who_may_still_edit(
    api: Api,
    client: httpx.AsyncClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    same_origin: None,
    change: str,
    status: int,
    code: str,
) -> None:
    # given an officer's upload ticket for a draft
    officer, entry = await draft(api)
    given = await ticket(api, officer.token, entry)
    url = given["uploadUrl"]
    admin = await api.token(ADMIN)
    # when the ticket is altered or outlived, or the officer loses the right to upload
    if change == "signature":
        url = str(httpx.URL(url).copy_set_param("s", "A" * 43))
    elif change == "attachment":
        other = await ticket(api, officer.token, entry)
        url = str(httpx.URL(other["uploadUrl"]).copy_with(query=httpx.URL(url).query))
    elif change == "expired":
        later = SteppedClock()
        later.advance((services.attachments.limits.upload_ttl + timedelta(seconds=1)).total_seconds())
        monkeypatch.setattr(services.attachments.tickets, "clock", later)
    elif change == "disabled":
        await api.ok("mutation($id: ID!) { disableUser(id: $id) { active } }", {"id": officer.id}, admin)
    elif change == "revoked":
        org = (await api.ok(ORG_OF, {"id": entry}, officer.token))["node"]["organization"]["id"]
        grant = {"user": officer.id, "role": "OFFICER", "organization": org, "subtree": True}
        await api.ok("mutation($i: RoleGrantInput!) { revokeRole(input: $i) }", {"i": grant}, admin)
    else:
        assert (await client.put(local(url), content=PDF)).status_code == 200
        await api.ok(
            COMPLETE, {"id": given["attachment"]["id"], "h": hashlib.sha256(PDF).hexdigest()}, officer.token
        )
    response = await client.put(local(url), content=PDF)
    # then nothing is accepted
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_presigned_uploads_are_signed_for_the_browser_facing_endpoint(
    api: Api, services: Services, monkeypatch: pytest.MonkeyPatch, embedded: Any
) -> None:
    # given the object store reached by the server at 127.0.0.1 and by browsers as localhost
    port = embedded.s3_endpoint.rsplit(":", 1)[1]
    config = dataclasses.replace(services.objects.config, public_endpoint=f"http://localhost:{port}")
    monkeypatch.setattr(services.attachments, "objects", ObjectStore(config))
    officer, entry = await draft(api)
    # when an upload is asked for, PUT to its URL and completed
    given = await ticket(api, officer.token, entry)
    async with httpx.AsyncClient(timeout=30, trust_env=False) as browser:
        put = await browser.put(given["uploadUrl"], content=PDF)
    done = await api.ok(
        COMPLETE, {"id": given["attachment"]["id"], "h": hashlib.sha256(PDF).hexdigest()}, officer.token
    )
    # then the URL named the browser-facing host, MinIO accepted its signature and the file is stored
    assert httpx.URL(given["uploadUrl"]).host == "localhost"
    assert httpx.URL(given["uploadUrl"]).port == int(port)
    assert put.status_code == 200
    assert done["completeUpload"]["size"] == len(PDF)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        pytest.param("", "", id="unset"),
        pytest.param("https://OSS.example.gov.cn/", "https://oss.example.gov.cn", id="origin"),
        pytest.param("http://10.0.0.5:9000", "http://10.0.0.5:9000", id="with-port"),
    ],
)
def test_the_public_endpoint_setting_is_an_origin(value: str, kept: str) -> None:
    assert Settings(s3_public_endpoint=value).s3_public_endpoint == kept


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("oss.example.gov.cn", id="no-scheme"),
        pytest.param("https://oss.example.gov.cn/bucket", id="with-path"),
        pytest.param("ftp://oss.example.gov.cn", id="not-http"),
    ],
)
def test_a_public_endpoint_that_is_not_an_origin_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="GONGKAI_S3_PUBLIC_ENDPOINT must be an origin"):
        Settings(s3_public_endpoint=value)
