"""Attachments through the real API: presigned uploads straight to the embedded MinIO, verification by
``completeUpload`` (size, sha256, type sniffed from the content), delivery at ``/files/...`` with HTTP
Range and cache headers, visibility that follows the item (drafts, working copies, withdrawn and
scheduled items are never public), replacement of a published item's file through review, cleanup
of abandoned uploads and unreferenced objects, thumbnails and text extraction.

Every refusal is asserted by its ``extensions.code``, and after each one the ``attachments`` collection
and the object store are checked for leftovers. The database is shared by the whole session: each test
makes entries of its own in 云南省人民政府办公厅 and never depends on global counts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from bson import ObjectId
from PIL import Image, ImageDraw

from cms.admin.vocabulary_data import topic_path
from cms.attachments.service import AttachmentService, StorageUnavailable
from cms.content.ids import from_global_id, to_global_id
from demo import data as demo_data
from storage.accounts import User
from storage.attachments import Attachment, AttachmentStatus
from storage.objectstore import ObjectStore, ObjectStoreConfig
from tests.helpers import (
    DEPT_HEAD,
    OFFICE,
    OFFICER,
    UNIT_HEAD,
    Api,
    Person,
    code_of,
    unique,
)

BASE = "http://testserver"
SEED_NUMBER = "云政办发〔2013〕115号"
SAMPLE_MARK = "（草稿样例）"
TOPIC = topic_path("综合政务", "政务公开")
CLOSED_PORT = "127.0.0.1:9"  # nothing listens there: an unreachable object store

FIELDS = "id filename size contentType sha256 url thumbnailUrl"
REQUEST = (
    "mutation($item: ID!, $f: String!, $s: Int!) { requestUpload(item: $item, filename: $f, size: $s)"
    " { uploadUrl expiresAt attachment { id filename } } }"
)
COMPLETE = f"mutation($id: ID!, $sha: String!) {{ completeUpload(id: $id, sha256: $sha) {{ {FIELDS} }} }}"
REMOVE = "mutation($id: ID!) { removeAttachment(id: $id) }"
CHECKOUT = "mutation($id: ID!) { checkout(id: $id) { id reviewState workingCopyOf version } }"
CHECKIN = "mutation($id: ID!) { checkin(id: $id) { id reviewState } }"
CANCEL_CHECKOUT = "mutation($id: ID!) { cancelCheckout(id: $id) { id } }"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Content {{ id reviewState attachments {{ {FIELDS} }} }} }} }}"


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api: Api) -> dict[str, str]:
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "office": OFFICE}
    return {key: await api.token(name) for key, name in names.items()}


@pytest.fixture(scope="module")
async def office_org(api: Api) -> str:
    data = await api.ok('{ organization(key: "yn-gov-office") { id } }')
    org: str = data["organization"]["id"]
    return org


@pytest.fixture(scope="module")
async def nobody(api: Api, office_org: str) -> Person:
    """A signed-in user without any role."""
    return await api.new_user(office_org)


@pytest.fixture(scope="module")
async def s3() -> Any:
    """A plain HTTP client for the presigned URLs (they point at MinIO, not at the app)."""
    async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
        yield http


# --- helpers -----------------------------------------------------------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def oid(global_id: str) -> ObjectId:
    return from_global_id(global_id)[1]


def path_of(url: str) -> str:
    """The attachment URLs are absolute; the in-process client wants the path. A staff link's
    signature is dropped: these tests judge the stable address, with or without a Bearer token
    (signed links: tests/test_staff_links.py)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE, url
    assert parts.path.startswith(("/files/", "/thumbnails/")), url
    return urlunsplit(("", "", parts.path, "", ""))


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def png_bytes(size: tuple[int, int] = (640, 480)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, size[0] - 40, size[1] - 40), fill=(20, 90, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pillow_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (10, 120, 60)).save(out, "PDF")
    return out.getvalue()


def text_pdf(text: str) -> bytes:
    """A one-page PDF with real text (Helvetica), with a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


async def new_entry(api: Api, token: str, org: str) -> str:
    # A topic, like every demo entry: catalog tests elsewhere in the session read the topic of any entry.
    entry = await api.create_entry(token, org, unique("附件测试"), topic=TOPIC)
    entry_id: str = entry["id"]
    return entry_id


async def request_upload(api: Api, token: str | None, item: str, filename: str, size: int) -> dict[str, Any]:
    return await api.post(REQUEST, {"item": item, "f": filename, "s": size}, token)


async def ticket_for(api: Api, token: str, item: str, filename: str, size: int) -> dict[str, Any]:
    body = await request_upload(api, token, item, filename, size)
    assert "errors" not in body, body
    ticket: dict[str, Any] = body["data"]["requestUpload"]
    return ticket


async def put(s3: httpx.AsyncClient, url: str, data: bytes, content_type: str = "application/pdf") -> None:
    response = await s3.put(url, content=data, headers={"content-type": content_type})
    assert response.status_code == 200, response.text


async def complete(api: Api, token: str | None, attachment: str, checksum: str) -> dict[str, Any]:
    return await api.post(COMPLETE, {"id": attachment, "sha": checksum}, token)


async def upload(
    api: Api, s3: httpx.AsyncClient, token: str, item: str, filename: str, data: bytes
) -> dict[str, Any]:
    """The whole browser flow: ticket, PUT to the object store, completeUpload."""
    ticket = await ticket_for(api, token, item, filename, len(data))
    await put(s3, ticket["uploadUrl"], data)
    body = await complete(api, token, ticket["attachment"]["id"], sha(data))
    assert "errors" not in body, body
    done: dict[str, Any] = body["data"]["completeUpload"]
    return done


async def attachments(api: Api, item: str, token: str | None = None) -> list[dict[str, Any]] | None:
    """The item's attachments as ``token`` sees them; None when the item is not visible."""
    data = await api.ok(NODE, {"id": item}, token)
    if data["node"] is None:
        return None
    found: list[dict[str, Any]] = data["node"]["attachments"]
    return found


async def records_of(item: str) -> list[Attachment]:
    return await Attachment.find({"item_id": oid(item)}).to_list()


async def publish(api: Api, demo: dict[str, str], item: str, **final: Any) -> dict[str, Any]:
    await api.act(demo["officer"], item, "SUBMIT")
    await api.act(demo["officer"], item, "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], item, "APPROVE", opinion="审核同意。")
    live: dict[str, Any] = await api.act(demo["unit"], item, "APPROVE", opinion="同意发布。", **final)
    return live


async def published_with(
    api: Api, s3: httpx.AsyncClient, demo: dict[str, str], org: str, filename: str, data: bytes
) -> tuple[str, dict[str, Any]]:
    entry = await new_entry(api, demo["officer"], org)
    attachment = await upload(api, s3, demo["officer"], entry, filename, data)
    await publish(api, demo, entry)
    return entry, attachment


async def assert_nothing_left(services: Any, item: str, key: str) -> None:
    """No record of any status, no object: a refused upload leaves no trace."""
    assert await records_of(item) == []
    assert await services.attachments.objects.stat(key) is None


def broken_store(embedded: Any, settings: Any) -> ObjectStore:
    return ObjectStore(
        ObjectStoreConfig(
            endpoint=CLOSED_PORT,
            access_key=embedded.s3_access_key,
            secret_key=embedded.s3_secret_key,
            bucket=settings.s3_bucket,
        )
    )


# --- public delivery ---------------------------------------------------------------------------


async def seed_attachment(api: Api) -> dict[str, Any]:
    data = await api.ok(
        f"query($n: String!) {{ catalogEntriesByDocumentNumber(documentNumber: $n)"
        f" {{ id attachments {{ {FIELDS} }} }} }}",
        {"n": SEED_NUMBER},
    )
    entries = data["catalogEntriesByDocumentNumber"]
    assert len(entries) == 1, entries
    texts = [a for a in entries[0]["attachments"] if a["filename"].endswith(".txt")]
    assert len(texts) == 1, entries
    found: dict[str, Any] = texts[0]
    return found


async def test_seed_attachment_is_public_with_ranges_and_cache_headers(api, client):
    expected = (demo_data.seed_document()["body"] + "\n").encode("utf-8")
    attachment = await seed_attachment(api)
    assert attachment["contentType"] == "text/plain"
    assert attachment["size"] == len(expected)
    assert attachment["sha256"] == sha(expected)
    assert attachment["thumbnailUrl"] is None
    path = path_of(attachment["url"])

    whole = await client.get(path)
    assert whole.status_code == 200, whole.text
    assert whole.content == expected
    assert whole.headers["content-type"].startswith("text/plain")
    assert whole.headers["etag"] == f'"{sha(expected)}"'
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["cache-control"].startswith("public")
    assert "max-age=" in whole.headers["cache-control"]
    assert whole.headers["content-length"] == str(len(expected))
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''" in whole.headers["content-disposition"]
    etag = whole.headers["etag"]

    first = await client.get(path, headers={"range": "bytes=0-9"})
    assert first.status_code == 206
    assert first.content == expected[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{len(expected)}"
    assert first.headers["content-length"] == "10"
    assert first.headers["etag"] == etag

    tail = await client.get(path, headers={"range": "bytes=-5"})
    assert tail.status_code == 206
    assert tail.content == expected[-5:]
    size = len(expected)
    assert tail.headers["content-range"] == f"bytes {size - 5}-{size - 1}/{size}"

    beyond = await client.get(path, headers={"range": "bytes=999999999-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    assert beyond.content == b""

    cached = await client.get(path, headers={"if-none-match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag

    # Text extraction: the file's text is kept with the record, for search.
    record = await Attachment.get(oid(attachment["id"]))
    assert record is not None
    assert record.text == expected.decode("utf-8")


@pytest.fixture(scope="module")
async def published_image(api, s3, demo, office_org) -> dict[str, Any]:
    _entry, attachment = await published_with(api, s3, demo, office_org, "示意图.png", png_bytes((200, 150)))
    return attachment


@pytest.mark.parametrize(
    "which", [pytest.param("url", id="file"), pytest.param("thumbnailUrl", id="thumbnail")]
)
@pytest.mark.parametrize(
    ("header", "status"),
    [
        pytest.param("{etag}", 304, id="exact"),
        pytest.param('"other", {etag}', 304, id="list"),
        pytest.param("W/{etag}", 304, id="weak"),
        pytest.param('W/"other",W/{etag}', 304, id="weak-list"),
        pytest.param("*", 304, id="any"),
        pytest.param('"other", W/"other"', 200, id="no-match"),
        pytest.param("{bare}", 200, id="unquoted"),
    ],
)
async def test_public_files_are_cached_briefly_and_revalidated(
    client, settings, published_image, which, header, status
):
    path = path_of(published_image[which])
    etag = (await client.get(path)).headers["etag"]

    response = await client.get(
        path, headers={"if-none-match": header.format(etag=etag, bare=etag.strip('"'))}
    )

    assert response.status_code == status
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == f"public, max-age={settings.cache_http_max_age}"
    assert (response.content == b"") is (status == 304)


async def test_a_file_that_is_not_public_is_never_kept_downstream(client):
    response = await client.get(f"/files/{ObjectId()}/x.txt", headers={"if-none-match": "*"})

    assert response.status_code == 404
    assert response.headers["cache-control"] == "private, no-store"


async def test_unknown_attachment_ids_are_404(client):
    random = await client.get(f"/files/{ObjectId()}/x.txt")
    assert random.status_code == 404
    assert random.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    garbage = await client.get("/files/not-an-id/x.txt")
    assert garbage.status_code == 404
    assert garbage.content == random.content


async def unpublished_sample(api: Api, token: str) -> dict[str, Any]:
    """A demo workflow sample that is still a draft (or at least unpublished), with its 送审稿.txt."""
    root = await api.root()
    for state in ("DRAFT", "PENDING_FIRST_REVIEW", "PENDING_DEPARTMENT_REVIEW", "PENDING_UNIT_APPROVAL"):
        data = await api.ok(
            "query($o: ID!, $s: ReviewState!) { catalog(filter: {organization: $o, includeSubtree: true,"
            f" reviewState: $s}}, first: 100) {{ edges {{ node {{ id title reviewState"
            f" attachments {{ {FIELDS} }} }} }} }} }}",
            {"o": root, "s": state},
            token,
        )
        for edge in data["catalog"]["edges"]:
            node = edge["node"]
            if node["title"].endswith(SAMPLE_MARK) and any(
                a["filename"] == "送审稿.txt" for a in node["attachments"]
            ):
                found: dict[str, Any] = node
                return found
    raise AssertionError("no unpublished workflow sample with an attachment")


async def test_draft_sample_attachment_is_hidden_from_the_public(api, client, demo, nobody):
    sample = await unpublished_sample(api, demo["officer"])
    attachment = next(a for a in sample["attachments"] if a["filename"] == "送审稿.txt")
    path = path_of(attachment["url"])

    anonymous = await client.get(path)
    random = await client.get(f"/files/{ObjectId()}/送审稿.txt")
    assert anonymous.status_code == random.status_code == 404
    assert anonymous.content == random.content  # existence is not revealed
    assert "etag" not in anonymous.headers
    assert await attachments(api, sample["id"]) is None  # nor through GraphQL

    # A user without roles is the public as far as drafts go.
    stranger = await client.get(path, headers=bearer(nobody.token))
    assert stranger.status_code == 404
    assert stranger.content == random.content

    staff = await client.get(path, headers=bearer(demo["officer"]))
    assert staff.status_code == 200
    assert staff.headers["cache-control"] == "private, no-store"
    assert staff.content.decode("utf-8").startswith(sample["title"])
    assert staff.headers["etag"] == f'"{attachment["sha256"]}"'
    assert sha(staff.content) == attachment["sha256"]
    ranged = await client.get(path, headers={**bearer(demo["officer"]), "range": "bytes=0-3"})
    assert ranged.status_code == 206
    assert ranged.headers["cache-control"] == "private, no-store"


# --- uploads -----------------------------------------------------------------------------------


async def test_png_named_pdf_is_judged_by_content_and_gets_a_thumbnail(
    api, client, s3, demo, office_org, embedded
):
    entry = await new_entry(api, demo["officer"], office_org)
    image = png_bytes()
    ticket = await ticket_for(api, demo["officer"], entry, "公告.pdf", len(image))
    # The bytes go straight to the object store, never through this server.
    assert urlsplit(ticket["uploadUrl"]).netloc == embedded.s3_endpoint
    assert urlsplit(ticket["uploadUrl"]).scheme == "http"
    assert datetime.fromisoformat(ticket["expiresAt"]) > datetime.now(UTC)
    # Until it is completed the upload is no attachment anyone sees.
    assert await attachments(api, entry, demo["officer"]) == []

    await put(s3, ticket["uploadUrl"], image, content_type="application/pdf")  # the claimed type
    assert await attachments(api, entry, demo["officer"]) == []
    body = await complete(api, demo["officer"], ticket["attachment"]["id"], sha(image).upper())
    assert "errors" not in body, body
    done = body["data"]["completeUpload"]
    assert done["contentType"] == "image/png"
    assert done["filename"].endswith(".png")
    assert done["filename"].startswith("公告")
    assert done["size"] == len(image)
    assert done["sha256"] == sha(image)
    assert done["thumbnailUrl"]
    listed = await attachments(api, entry, demo["officer"])
    assert listed is not None
    assert [a["id"] for a in listed] == [done["id"]]

    original = await client.get(path_of(done["url"]), headers=bearer(demo["officer"]))
    assert original.status_code == 200
    assert original.content == image
    assert original.headers["content-type"] == "image/png"
    assert original.headers["cache-control"] == "private, no-store"
    assert ".png" in original.headers["content-disposition"]

    thumbnail = await client.get(path_of(done["thumbnailUrl"]), headers=bearer(demo["officer"]))
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert small.format == "PNG"
        assert max(small.size) <= 320
        assert small.size != (640, 480)

    # The item is a draft: neither the file nor its thumbnail is public.
    assert (await client.get(path_of(done["url"]))).status_code == 404
    assert (await client.get(path_of(done["thumbnailUrl"]))).status_code == 404


async def test_pdf_first_page_thumbnail_and_text_extraction(api, client, s3, demo, office_org):
    entry = await new_entry(api, demo["officer"], office_org)
    scanned = await upload(api, s3, demo["officer"], entry, "扫描件.pdf", pillow_pdf())
    assert scanned["contentType"] == "application/pdf"
    assert scanned["filename"] == "扫描件.pdf"
    assert scanned["thumbnailUrl"]
    thumbnail = await client.get(path_of(scanned["thumbnailUrl"]), headers=bearer(demo["officer"]))
    assert thumbnail.status_code == 200
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert small.format == "PNG"
        assert max(small.size) <= 320
        red, green, blue = small.convert("RGB").getpixel((small.size[0] // 2, small.size[1] // 2))
        assert green > red  # it is the page that was rendered
        assert green > blue

    marker = f"Gongkai attachment {uuid.uuid4().hex[:8]}"
    document = text_pdf(marker)
    typed = await upload(api, s3, demo["officer"], entry, "正文.pdf", document)
    assert typed["contentType"] == "application/pdf"
    assert typed["thumbnailUrl"]
    record = await Attachment.get(oid(typed["id"]))
    assert record is not None
    assert marker in record.text


async def test_file_named_thumbnail_png_still_downloads_itself(api, client, s3, demo, office_org):
    """The download URL of an image its staff named "thumbnail.png" must give the image, not its preview."""
    entry = await new_entry(api, demo["officer"], office_org)
    image = png_bytes((800, 600))
    done = await upload(api, s3, demo["officer"], entry, "thumbnail.png", image)
    assert done["thumbnailUrl"]
    assert done["thumbnailUrl"] != done["url"]
    response = await client.get(path_of(done["url"]), headers=bearer(demo["officer"]))
    assert response.status_code == 200
    assert response.content == image


async def test_sha256_is_recorded_and_the_verified_bytes_cannot_be_swapped(api, client, s3, demo, office_org):
    """Once completeUpload has verified an object, re-using the (still valid) presigned URL must not change
    what is delivered: the recorded sha256 and sniffed type have to stay true."""
    entry = await new_entry(api, demo["officer"], office_org)
    text = "第一稿：经核对的内容。\n".encode()
    ticket = await ticket_for(api, demo["officer"], entry, "说明.txt", len(text))
    await put(s3, ticket["uploadUrl"], text)
    body = await complete(api, demo["officer"], ticket["attachment"]["id"], sha(text))
    assert "errors" not in body, body
    done = body["data"]["completeUpload"]
    assert done["sha256"] == sha(text)

    swapped = b"MZ\x90\x00" + b"\x00" * 200  # not even an allowed type
    await s3.put(ticket["uploadUrl"], content=swapped)  # whatever the store answers
    delivered = await client.get(path_of(done["url"]), headers=bearer(demo["officer"]))
    assert delivered.status_code == 200
    assert delivered.content == text
    assert sha(delivered.content) == done["sha256"]


# --- refusals leave nothing behind -------------------------------------------------------------


async def test_declared_size_over_the_limit_is_refused(api, demo, office_org, services):
    entry = await new_entry(api, demo["officer"], office_org)
    too_big = services.attachments.limits.max_bytes + 1
    body = await request_upload(api, demo["officer"], entry, "大文件.pdf", too_big)
    assert code_of(body) == "ATTACHMENT_TOO_LARGE"
    assert body["errors"][0]["message"]
    assert await records_of(entry) == []
    for bad in (0, -1):
        assert code_of(await request_upload(api, demo["officer"], entry, "空.pdf", bad)) == "BAD_USER_INPUT"
    assert await records_of(entry) == []


async def test_upload_larger_than_the_limit_is_refused_at_completion(api, s3, demo, office_org, services):
    entry = await new_entry(api, demo["officer"], office_org)
    original = services.attachments.limits
    services.attachments.limits = dataclasses.replace(original, max_bytes=1000)
    try:
        ticket = await ticket_for(api, demo["officer"], entry, "说明.txt", 100)  # claims to be small
        key = (await records_of(entry))[0].object_key
        data = ("超出大小上限的文本。" * 200).encode()
        assert len(data) > 1000
        await put(s3, ticket["uploadUrl"], data)
        body = await complete(api, demo["officer"], ticket["attachment"]["id"], sha(data))
    finally:
        services.attachments.limits = original
    assert code_of(body) == "ATTACHMENT_TOO_LARGE"
    assert body["data"] is None
    await assert_nothing_left(services, entry, key)
    assert await attachments(api, entry, demo["officer"]) == []


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("通知.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4),  # a Windows executable
        ("表格.docx", plain_zip()),  # a plain archive is not an Office document
        ("图片.png", b"\x00\x01\x02\x03" * 64),
    ],
)
async def test_content_of_a_type_not_allowed_is_refused(api, s3, demo, office_org, services, filename, data):
    entry = await new_entry(api, demo["officer"], office_org)
    ticket = await ticket_for(api, demo["officer"], entry, filename, len(data))
    key = (await records_of(entry))[0].object_key
    await put(s3, ticket["uploadUrl"], data, content_type="application/pdf")
    body = await complete(api, demo["officer"], ticket["attachment"]["id"], sha(data))
    assert code_of(body) == "ATTACHMENT_TYPE_NOT_ALLOWED"
    await assert_nothing_left(services, entry, key)
    assert await attachments(api, entry, demo["officer"]) == []


async def test_complete_without_an_uploaded_object(api, s3, demo, office_org, services):
    entry = await new_entry(api, demo["officer"], office_org)
    ticket = await ticket_for(api, demo["officer"], entry, "未上传.pdf", 1234)
    key = (await records_of(entry))[0].object_key
    body = await complete(api, demo["officer"], ticket["attachment"]["id"], "0" * 64)
    assert code_of(body) == "UPLOAD_NOT_FOUND"
    await assert_nothing_left(services, entry, key)

    # An id that never was an upload.
    unknown = await complete(api, demo["officer"], to_global_id("Attachment", ObjectId()), "0" * 64)
    assert code_of(unknown) == "UPLOAD_NOT_FOUND"

    # Completing twice: the second call is refused and the attachment stays as it was.
    text = "已完成的附件。\n".encode()
    done = await upload(api, s3, demo["officer"], entry, "完成.txt", text)
    again = await complete(api, demo["officer"], done["id"], sha(text))
    assert code_of(again) == "UPLOAD_NOT_FOUND"
    record = await Attachment.get(oid(done["id"]))
    assert record is not None
    assert record.status is AttachmentStatus.READY
    assert await services.attachments.objects.stat(record.object_key) is not None


async def test_checksum_mismatch_is_refused(api, s3, demo, office_org, services):
    entry = await new_entry(api, demo["officer"], office_org)
    data = "上传途中被截断的文件。\n".encode()
    ticket = await ticket_for(api, demo["officer"], entry, "截断.txt", len(data))
    key = (await records_of(entry))[0].object_key

    # A malformed checksum is bad input, and the upload may still be completed properly.
    malformed = await complete(api, demo["officer"], ticket["attachment"]["id"], "abc")
    assert code_of(malformed) == "BAD_USER_INPUT"

    await put(s3, ticket["uploadUrl"], data[:-4])
    body = await complete(api, demo["officer"], ticket["attachment"]["id"], sha(data))
    assert code_of(body) == "CHECKSUM_MISMATCH"
    await assert_nothing_left(services, entry, key)
    assert await attachments(api, entry, demo["officer"]) == []


async def test_tampered_presigned_url_is_refused_by_the_object_store(api, s3, demo, office_org, services):
    entry = await new_entry(api, demo["officer"], office_org)
    data = b"%PDF-1.4 tampering test\n"
    ticket = await ticket_for(api, demo["officer"], entry, "篡改.pdf", len(data))
    key = (await records_of(entry))[0].object_key
    url = urlsplit(ticket["uploadUrl"])
    other_key = url.path[:-4] + "beef"
    assert other_key != url.path
    tampered = [
        urlunsplit((url.scheme, url.netloc, other_key, url.query, "")),  # another object
        urlunsplit(
            (url.scheme, url.netloc, url.path, url.query.replace("X-Amz-Expires=", "X-Amz-Expires=9"), "")
        ),
        urlunsplit((url.scheme, url.netloc, url.path, url.query[:-2] + "00", "")),  # the signature
    ]
    for bad in tampered:
        response = await s3.put(bad, content=data)
        assert response.status_code == 403, (bad, response.text)
    assert await services.attachments.objects.stat(key) is None
    assert await services.attachments.objects.stat(other_key.split("/", 2)[2]) is None


async def test_unreachable_object_store(api, client, s3, demo, office_org, services, embedded, settings):
    entry = await new_entry(api, demo["officer"], office_org)
    item_id = oid(entry)
    user = await User.find_one({"username": OFFICER})
    assert user is not None
    officer = services.access.principal_for(user)
    broken = AttachmentService(
        broken_store(embedded, settings), services.access, services.workflow, services.attachments.limits
    )
    try:
        with pytest.raises(StorageUnavailable) as refused:
            await broken.request_upload(officer, "CatalogEntry", item_id, "公告.pdf", 100)
        assert refused.value.code == "STORAGE_UNAVAILABLE"
        assert await records_of(entry) == []

        # The store goes away between the upload and its completion.
        data = "存储中断后完成。\n".encode()
        ticket = await ticket_for(api, demo["officer"], entry, "中断.txt", len(data))
        await put(s3, ticket["uploadUrl"], data)
        with pytest.raises(StorageUnavailable):
            await broken.complete_upload(officer, oid(ticket["attachment"]["id"]), sha(data))
    finally:
        services.workflow.merge_hooks.remove(broken._on_merge)
        services.workflow.checkout_hooks.remove(broken._on_checkout)
    assert await attachments(api, entry, demo["officer"]) == []  # nothing half-done is visible
    record = await Attachment.get(oid(ticket["attachment"]["id"]))
    if record is not None:  # kept for a retry: still pending, and the retry works once the store is back
        assert record.status is AttachmentStatus.PENDING
        body = await complete(api, demo["officer"], ticket["attachment"]["id"], sha(data))
        assert "errors" not in body, body
        assert body["data"]["completeUpload"]["sha256"] == sha(data)

    # Through HTTP: the same outage, for the API and for downloads. (Signing an upload URL for the
    # browser-facing endpoint needs no request to the store: the outage shows at completeUpload.)
    seed = await seed_attachment(api)
    other = await new_entry(api, demo["officer"], office_org)
    pending = await ticket_for(api, demo["officer"], other, "中断.txt", len(data))
    await put(s3, pending["uploadUrl"], data)
    working = services.attachments.objects
    services.attachments.objects = broken_store(embedded, settings)
    try:
        body = await api.post(
            COMPLETE, {"id": pending["attachment"]["id"], "sha": sha(data)}, demo["officer"], status=503
        )
        download = await client.get(path_of(seed["url"]))
    finally:
        services.attachments.objects = working
    assert code_of(body) == "STORAGE_UNAVAILABLE"
    assert await attachments(api, other, demo["officer"]) == []  # nothing half-done is visible
    assert download.status_code == 503
    assert download.json()["errors"][0]["extensions"]["code"] == "STORAGE_UNAVAILABLE"


# --- permissions -------------------------------------------------------------------------------


async def test_who_may_upload(api, s3, demo, office_org, nobody, services):
    draft = await new_entry(api, demo["officer"], office_org)
    live, live_attachment = await published_with(
        api, s3, demo, office_org, "已发布.txt", "已发布附件。\n".encode()
    )

    assert code_of(await request_upload(api, None, draft, "a.pdf", 10)) == "UNAUTHENTICATED"
    assert code_of(await complete(api, None, live_attachment["id"], "0" * 64)) == "UNAUTHENTICATED"
    assert code_of(await api.post(REMOVE, {"id": live_attachment["id"]})) == "UNAUTHENTICATED"

    # Signed in without roles: a draft does not exist for them (the same answer as for an id that never
    # existed), a published item is not theirs to change.
    missing_item = to_global_id("CatalogEntry", ObjectId())
    assert code_of(await request_upload(api, nobody.token, missing_item, "a.pdf", 10)) == "NOT_FOUND"
    assert code_of(await request_upload(api, nobody.token, draft, "a.pdf", 10)) == "NOT_FOUND"
    assert code_of(await request_upload(api, nobody.token, live, "a.pdf", 10)) == "FORBIDDEN"
    assert code_of(await api.post(REMOVE, {"id": live_attachment["id"]}, nobody.token)) == "FORBIDDEN"
    ticket = await ticket_for(api, demo["officer"], draft, "别人的.pdf", 10)
    missing = to_global_id("Attachment", ObjectId())
    hidden = await complete(api, nobody.token, ticket["attachment"]["id"], "0" * 64)
    assert code_of(hidden) in {"NOT_FOUND", "UPLOAD_NOT_FOUND"}
    assert code_of(hidden) == code_of(await complete(api, nobody.token, missing, "0" * 64))
    assert code_of(await api.post(REMOVE, {"id": ticket["attachment"]["id"]}, nobody.token)) == "NOT_FOUND"
    assert code_of(await api.post(REMOVE, {"id": missing}, nobody.token)) == "NOT_FOUND"
    assert len(await records_of(draft)) == 1  # the officer's pending upload is untouched
    assert await records_of(live) != []

    # Even the officer changes a published item's files only through a working copy.
    assert code_of(await request_upload(api, demo["officer"], live, "新.pdf", 10)) == "TRANSITION_NOT_ALLOWED"
    assert code_of(await api.post(REMOVE, {"id": live_attachment["id"]}, demo["officer"])) == (
        "TRANSITION_NOT_ALLOWED"
    )
    assert [a["id"] for a in await attachments(api, live) or []] == [live_attachment["id"]]


# --- publication, withdrawal, scheduling -------------------------------------------------------


async def test_attachments_follow_the_items_visibility(api, client, s3, demo, office_org):
    data = "随条目公开与撤回的附件。\n".encode()
    entry = await new_entry(api, demo["officer"], office_org)
    attachment = await upload(api, s3, demo["officer"], entry, "随行.txt", data)
    path = path_of(attachment["url"])
    assert (await client.get(path)).status_code == 404
    await publish(api, demo, entry)
    public = await client.get(path)
    assert public.status_code == 200
    assert public.content == data
    assert public.headers["cache-control"].startswith("public")
    # The URL is stable and needs no token: the draft's, without the signature staff got for it.
    assert [a["url"] for a in await attachments(api, entry) or []] == [attachment["url"].split("?")[0]]

    await api.act(demo["office"], entry, "WITHDRAW", opinion="内容调整，撤回。")
    assert (await client.get(path)).status_code == 404
    staff = await client.get(path, headers=bearer(demo["officer"]))
    assert staff.status_code == 200
    assert staff.headers["cache-control"] == "private, no-store"

    later = await new_entry(api, demo["officer"], office_org)
    scheduled = await upload(api, s3, demo["officer"], later, "定时.txt", data)
    effective = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    await publish(api, demo, later, effective=effective)
    assert (await client.get(path_of(scheduled["url"]))).status_code == 404


async def test_replacing_a_published_file_goes_through_review(api, client, s3, demo, office_org):
    old_data = "旧版附件：2025年版。\n".encode()
    new_data = "新版附件：2026年版，经审核后替换。\n".encode()
    live, old = await published_with(api, s3, demo, office_org, "实施方案.txt", old_data)
    old_path = path_of(old["url"])

    async def public_view() -> list[dict[str, Any]]:
        seen = await attachments(api, live)
        assert seen is not None
        return seen

    assert [a["id"] for a in await public_view()] == [old["id"]]

    copy = (await api.ok(CHECKOUT, {"id": live}, demo["officer"]))["checkout"]
    assert copy["workingCopyOf"] == live
    clones = await attachments(api, copy["id"], demo["officer"])
    assert clones is not None
    assert len(clones) == 1
    clone = clones[0]
    assert clone["sha256"] == old["sha256"]
    # The copy's files are the copy's: not public, even though they are the published bytes.
    assert await attachments(api, copy["id"]) is None
    assert (await client.get(path_of(clone["url"]))).status_code == 404
    assert (await client.get(path_of(clone["url"]), headers=bearer(demo["officer"]))).status_code == 200

    assert (await api.ok(REMOVE, {"id": clone["id"]}, demo["officer"]))["removeAttachment"] is True
    assert await attachments(api, copy["id"], demo["officer"]) == []
    still = await client.get(old_path)  # the live item keeps its file
    assert still.status_code == 200
    assert still.content == old_data

    new = await upload(api, s3, demo["officer"], copy["id"], "实施方案（修订）.txt", new_data)
    new_path = path_of(new["url"])
    assert (await client.get(new_path)).status_code == 404

    checked_in = (await api.ok(CHECKIN, {"id": copy["id"]}, demo["officer"]))["checkin"]
    assert checked_in["reviewState"] == "PENDING_FIRST_REVIEW"
    # Under review the copy's files are frozen too.
    assert (
        code_of(await request_upload(api, demo["officer"], copy["id"], "x.pdf", 10))
        == "TRANSITION_NOT_ALLOWED"
    )
    assert code_of(await api.post(REMOVE, {"id": new["id"]}, demo["officer"])) == "TRANSITION_NOT_ALLOWED"

    for token, opinion in ((demo["officer"], "初审同意。"), (demo["head"], "审核同意。")):
        await api.act(token, copy["id"], "APPROVE", opinion=opinion)
        assert [a["id"] for a in await public_view()] == [old["id"]]
        before = await client.get(old_path)
        assert before.status_code == 200
        assert before.content == old_data
        assert (await client.get(new_path)).status_code == 404

    merged = await api.act(demo["unit"], copy["id"], "APPROVE", opinion="同意发布。")
    assert merged["id"] == live
    after = await public_view()
    assert [(a["filename"], a["sha256"]) for a in after] == [("实施方案（修订）.txt", sha(new_data))]
    delivered = await client.get(path_of(after[0]["url"]))
    assert delivered.status_code == 200
    assert delivered.content == new_data
    assert delivered.headers["cache-control"].startswith("public")
    assert (await client.get(old_path)).status_code == 404
    assert await attachments(api, copy["id"], demo["officer"]) is None  # the copy is gone


async def test_unchanged_attachment_keeps_its_url_through_a_working_copy(api, client, s3, demo, office_org):
    """Editing a published item's text must not break the public links to its files."""
    data = "不随修订改变的附件。\n".encode()
    live, attachment = await published_with(api, s3, demo, office_org, "附件.txt", data)
    copy = (await api.ok(CHECKOUT, {"id": live}, demo["officer"]))["checkout"]
    edited = await api.update_entry(demo["officer"], copy["id"], copy["version"], title=unique("修订标题"))
    assert "errors" not in edited, edited
    await api.ok(CHECKIN, {"id": copy["id"]}, demo["officer"])
    await api.act(demo["officer"], copy["id"], "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], copy["id"], "APPROVE", opinion="审核同意。")
    await api.act(demo["unit"], copy["id"], "APPROVE", opinion="同意发布。")

    after = await attachments(api, live)
    assert after is not None
    assert [a["sha256"] for a in after] == [sha(data)]
    response = await client.get(path_of(attachment["url"]))
    assert response.status_code == 200, "the published URL of an unchanged file broke"
    assert response.content == data
    assert [a["url"] for a in after] == [attachment["url"].split("?")[0]]  # uploaded as a draft: signed


# --- cleanup -----------------------------------------------------------------------------------


async def test_cleanup_removes_abandoned_uploads_and_unreferenced_objects(
    api, client, s3, demo, office_org, services
):
    store = services.attachments.objects
    # 1. An upload that was sent but never completed.
    draft = await new_entry(api, demo["officer"], office_org)
    abandoned_data = "上传后被放弃的文件。\n".encode()
    abandoned = await ticket_for(api, demo["officer"], draft, "放弃.txt", len(abandoned_data))
    await put(s3, abandoned["uploadUrl"], abandoned_data)
    abandoned_key = (await records_of(draft))[0].object_key
    # 2. The files of an item that no longer exists: a cancelled working copy with a new upload.
    kept_data = png_bytes((400, 400))
    live, kept = await published_with(api, s3, demo, office_org, "保留.png", kept_data)
    copy = (await api.ok(CHECKOUT, {"id": live}, demo["officer"]))["checkout"]
    dropped = await upload(api, s3, demo["officer"], copy["id"], "撤销的.txt", "撤销签出的附件。\n".encode())
    dropped_record = await Attachment.get(oid(dropped["id"]))
    assert dropped_record is not None
    await api.ok(CANCEL_CHECKOUT, {"id": copy["id"]}, demo["officer"])
    assert len(await records_of(copy["id"])) == 2  # the clone and the new upload
    # 3. An object nobody references at all.
    org = (await records_of(live))[0].org_id
    stray_key = f"objects/{org}/stray-{uuid.uuid4().hex}"
    await store.put_stream(stray_key, io.BytesIO(b"stray"), 5, "text/plain")

    original = services.attachments.limits
    services.attachments.limits = dataclasses.replace(original, abandon_after=timedelta(0))
    try:
        report = await services.attachments.cleanup()
    finally:
        services.attachments.limits = original

    assert report["abandoned_uploads"] >= 1
    assert report["orphaned_records"] >= 2
    assert report["deleted_objects"] >= 3
    assert await records_of(draft) == []
    assert await store.stat(abandoned_key) is None
    assert await records_of(copy["id"]) == []
    assert await store.stat(dropped_record.object_key) is None
    assert await store.stat(stray_key) is None
    gone = await complete(api, demo["officer"], abandoned["attachment"]["id"], sha(abandoned_data))
    assert code_of(gone) == "UPLOAD_NOT_FOUND"

    # What is in use stays: the published item's file and its thumbnail.
    live_records = await records_of(live)
    assert [r.status for r in live_records] == [AttachmentStatus.READY]
    assert await store.stat(live_records[0].object_key) is not None
    assert live_records[0].thumbnail_key
    assert await store.stat(live_records[0].thumbnail_key) is not None
    served = await client.get(path_of(kept["url"]))
    assert served.status_code == 200
    assert served.content == kept_data
    assert (await client.get(path_of(kept["thumbnailUrl"]))).status_code == 200
    seed = await client.get(path_of((await seed_attachment(api))["url"]))
    assert seed.status_code == 200
