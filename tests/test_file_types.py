"""File types judged by content (#17): each sample is a small real file built here from bytes; the table
says what it is taken for and whether the default allow-list (GONGKAI_ATTACHMENT_TYPES) accepts it,
with the exact Chinese refusal. Then the upload flow through GraphQL for the cases the issue names:
a HEIC photo refused with advice, GBK and UTF-16 text accepted and their text extracted for search."""

from __future__ import annotations

import codecs
import hashlib
import io
import struct
import zipfile
from collections.abc import Callable
from typing import Any

import docx
import httpx
import openpyxl
import pytest

from cms.admin.vocabulary_data import topic_path
from cms.attachments.filetypes import SNIFF_BYTES, sniff
from cms.content.ids import from_global_id
from storage.attachments import Attachment
from tests.helpers import OFFICER, Api, error_of, unique

NOTICE = "关于做好2027年政府信息公开工作的通知\n各县（市、区）人民政府：\n"
HEIC_ADVICE = "不支持该文件类型（HEIC 图片）。请转换为 JPEG 或 PNG 图片后再上传。"
MOV_ADVICE = "不支持该文件类型（MOV 视频）。请转换为 MP4 视频后再上传。"
COMPLETE = (
    "mutation($id: ID!, $sha: String!) { completeUpload(id: $id, sha256: $sha) { id filename contentType } }"
)
REQUEST = (
    "mutation($item: ID!, $f: String!, $s: Int!) { requestUpload(item: $item, filename: $f, size: $s)"
    " { uploadUrl attachment { id } } }"
)

# --- samples -----------------------------------------------------------------------------------


def iso_media(brand: bytes, compatible: bytes) -> bytes:
    """An ISO base media file (MP4, MOV, HEIC all are): the ftyp box, then an empty mdat box."""
    body = brand + b"\x00\x00\x00\x00" + compatible
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + struct.pack(">I", 16) + b"mdat" + bytes(8)


def zipped(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def word() -> bytes:
    document = docx.Document()
    document.add_paragraph(NOTICE)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def excel() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["索引号", "名称"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def powerpoint() -> bytes:
    return zipped(
        {
            "[Content_Types].xml": "<Types/>",
            "_rels/.rels": "<Relationships/>",
            "ppt/presentation.xml": "<p:presentation/>",
        }
    )


def ofd() -> bytes:
    return zipped({"OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": "<ofd:Document/>"})


SAMPLES: list[tuple[str, Callable[[], bytes], str | None, str | None]] = [
    # (id, sample, sniffed MIME, refusal with the default allow-list or None when accepted)
    ("heic-photo", lambda: iso_media(b"heic", b"mif1heic"), "image/heic", HEIC_ADVICE),
    ("heix-photo", lambda: iso_media(b"heix", b"mif1heix"), "image/heic", HEIC_ADVICE),
    ("heif-generic-brand-photo", lambda: iso_media(b"mif1", b"mif1heic"), "image/heic", HEIC_ADVICE),
    ("mov-video", lambda: iso_media(b"qt  ", b"qt  "), "video/quicktime", MOV_ADVICE),
    ("mp4-video", lambda: iso_media(b"isom", b"isomiso2avc1mp41"), "video/mp4", None),
    ("utf16le-text", lambda: codecs.BOM_UTF16_LE + NOTICE.encode("utf-16-le"), "text/plain", None),
    ("utf16be-text", lambda: codecs.BOM_UTF16_BE + NOTICE.encode("utf-16-be"), "text/plain", None),
    ("utf16le-text-without-bom", lambda: NOTICE.encode("utf-16-le"), "text/plain", None),
    ("utf16be-text-without-bom", lambda: NOTICE.encode("utf-16-be"), "text/plain", None),
    (
        "ascii-utf16le-without-bom",
        lambda: "Meeting notes, 2027.\r\n".encode("utf-16-le") * 4,
        "text/plain",
        None,
    ),
    ("gbk-text", lambda: NOTICE.encode("gbk"), "text/plain", None),
    ("utf8-text", lambda: NOTICE.encode("utf-8"), "text/plain", None),
    ("text-starting-like-an-exe", lambda: ("MZ " + NOTICE).encode("utf-8"), "text/plain", None),
    ("utf8-bom-text", lambda: codecs.BOM_UTF8 + NOTICE.encode("utf-8"), "text/plain", None),
    ("docx", word, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
    ("xlsx", excel, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
    ("pptx", powerpoint, "application/vnd.openxmlformats-officedocument.presentationml.presentation", None),
    ("ofd", ofd, "application/ofd", None),
    ("plain-zip", lambda: zipped({"a.txt": "hello"}), "application/zip", "不支持该文件类型（压缩包）。"),
    (
        "word-folder-without-content-types",
        lambda: zipped({"word/document.xml": "<w:document/>"}),
        "application/zip",
        "不支持该文件类型（压缩包）。",
    ),
    (
        "windows-exe",
        lambda: b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4,
        "application/vnd.microsoft.portable-executable",
        "不支持该文件类型（Windows 可执行程序）。",
    ),
    ("elf-binary", lambda: b"\x7fELF\x02\x01\x01" + bytes(57), None, "不支持该文件类型（无法识别）。"),
    ("random-binary", lambda: b"\x00\x01\x02\x03" * 64, None, "不支持该文件类型（无法识别）。"),
    ("m4a-audio", lambda: iso_media(b"M4A ", b"M4A mp42isom"), "audio/mp4", None),
    ("m4b-audiobook", lambda: iso_media(b"M4B ", b"M4B mp42isom"), "audio/mp4", None),
    ("mp3-with-id3", lambda: b"ID3\x03\x00" + bytes(20), "audio/mpeg", None),
    ("mp3-bare-frames", lambda: b"\xff\xfb\x90\x64" + bytes(400), "audio/mpeg", None),
    ("pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf", None),
    ("ole-doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "application/x-ole-storage", None),
]


@pytest.mark.parametrize(("sample", "mime", "refusal"), [s[1:] for s in SAMPLES], ids=[s[0] for s in SAMPLES])
def test_type_is_judged_by_content_against_the_allow_list(services, sample, mime, refusal):
    # given a small real file
    data = sample()
    # when it is sniffed and judged as an upload would be
    kind = sniff(data[:SNIFF_BYTES])
    why = services.attachments.refusal(len(data), data[:SNIFF_BYTES])
    # then its type and the outcome are exactly the expected ones
    assert (kind.mime if kind else None) == mime
    assert why == refusal


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("gbk", b""), ("utf-16-le", codecs.BOM_UTF16_LE)],
    ids=["gbk", "utf16"],
)
def test_a_text_prefix_cut_inside_a_character_is_still_text(encoding, prefix):
    # given text whose sniffed prefix (an odd number of bytes) ends in the middle of a character
    data = prefix + ("公开" * 40_000).encode(encoding)
    head = data[: SNIFF_BYTES - 1]
    # when it is sniffed, then it is plain text
    kind = sniff(head)
    assert kind is not None
    assert kind.mime == "text/plain"


# --- through the upload flow -------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def officer(api: Api) -> str:
    return await api.token(OFFICER)


@pytest.fixture(scope="module")
async def entry(api: Api, officer: str) -> str:
    org = (await api.ok('{ organization(key: "yn-gov-office") { id } }'))["organization"]["id"]
    created = await api.create_entry(
        officer, org, unique("文件类型"), topic=topic_path("综合政务", "政务公开")
    )
    entry_id: str = created["id"]
    return entry_id


async def send(api: Api, token: str, item: str, filename: str, data: bytes) -> tuple[str, dict[str, Any]]:
    """Ticket, PUT to the object store, completeUpload: the attachment's id and the completion's body."""
    ticket = await api.post(REQUEST, {"item": item, "f": filename, "s": len(data)}, token)
    assert "errors" not in ticket, ticket
    upload = ticket["data"]["requestUpload"]
    async with httpx.AsyncClient(timeout=30, trust_env=False) as s3:
        response = await s3.put(upload["uploadUrl"], content=data)
        assert response.status_code == 200, response.text
    sha = hashlib.sha256(data).hexdigest()
    return upload["attachment"]["id"], await api.post(
        COMPLETE, {"id": upload["attachment"]["id"], "sha": sha}, token
    )


async def test_a_heic_photo_is_refused_with_advice(api, officer, entry):
    # given an iPhone photo, named as the phone names it
    photo = iso_media(b"heic", b"mif1heic")
    # when it is uploaded
    attachment, body = await send(api, officer, entry, "IMG_0001.HEIC", photo)
    # then it is refused with the advice to convert it, and nothing is kept
    assert error_of(body) == ("ATTACHMENT_TYPE_NOT_ALLOWED", HEIC_ADVICE)
    assert await Attachment.find_one({"_id": from_global_id(attachment)[1]}) is None


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("通知.txt", NOTICE.encode("gbk")),
        ("通知-记事本.txt", codecs.BOM_UTF16_LE + NOTICE.encode("utf-16-le")),
        ("通知-无BOM.txt", NOTICE.encode("utf-16-le")),
    ],
    ids=["gbk", "utf16", "utf16-without-bom"],
)
async def test_chinese_text_files_are_accepted_and_searchable(api, officer, entry, filename, data):
    # given a text file saved by a Chinese Windows editor
    # when it is uploaded
    attachment, body = await send(api, officer, entry, filename, data)
    # then it is plain text, kept under its name, and its text is extracted in the right encoding
    assert "errors" not in body, body
    assert body["data"]["completeUpload"]["contentType"] == "text/plain"
    assert body["data"]["completeUpload"]["filename"] == filename
    stored = await Attachment.find_one({"_id": from_global_id(attachment)[1]})
    assert stored is not None
    assert stored.text == NOTICE


def ofd_with_text() -> bytes:
    page = (
        "<ofd:Page xmlns:ofd='http://www.ofdspec.org/2016'><ofd:Content><ofd:Layer>"
        "<ofd:TextObject><ofd:TextCode X='0' Y='0'>关于做好2027年</ofd:TextCode>"
        "<ofd:TextCode>政府信息公开工作的通知</ofd:TextCode></ofd:TextObject>"
        "<ofd:TextObject><ofd:TextCode>各县（市、区）人民政府：</ofd:TextCode></ofd:TextObject>"
        "</ofd:Layer></ofd:Content></ofd:Page>"
    )
    return zipped(
        {
            "OFD.xml": "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>",
            "Doc_0/Pages/Page_0/Content.xml": page,
        }
    )


def sheet_with_text() -> bytes:
    book = openpyxl.Workbook()
    for line in NOTICE.splitlines():
        book.active.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def slides_with_text() -> bytes:
    paragraphs = "".join(f"<a:p><a:r><a:t>{line}</a:t></a:r></a:p>" for line in NOTICE.splitlines())
    slide = (
        "<p:sld xmlns:p='http://schemas.openxmlformats.org/presentationml/2006/main'"
        " xmlns:a='http://schemas.openxmlformats.org/drawingml/2006/main'>"
        f"<p:cSld><p:spTree><p:sp><p:txBody>{paragraphs}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
    )
    return zipped(
        {
            "[Content_Types].xml": "<Types/>",
            "ppt/presentation.xml": "<p:presentation/>",
            "ppt/slides/slide1.xml": slide,
        }
    )


@pytest.mark.parametrize(
    ("filename", "sample"),
    [
        ("通知.docx", word),
        ("通知.xlsx", sheet_with_text),
        ("通知.pptx", slides_with_text),
        ("通知.ofd", ofd_with_text),
    ],
    ids=["docx", "xlsx", "pptx", "ofd"],
)
async def test_office_and_ofd_documents_are_searchable(api, officer, entry, filename, sample):
    # given a Word, Excel, PowerPoint or OFD document holding the notice
    # when it is uploaded
    attachment, body = await send(api, officer, entry, filename, sample())
    # then its text is extracted for search, one paragraph (cell, text object) a line
    assert "errors" not in body, body
    stored = await Attachment.find_one({"_id": from_global_id(attachment)[1]})
    assert stored is not None
    assert stored.text == NOTICE.strip()


def sheet_with_numbers() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["文号", "金额（元）", "年度"])
    book.active.append(["云政发〔2027〕1号", 1500, 2027])
    book.active.append(["增长率", 3.25, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_numbers_in_excel_cells_are_searchable(api, officer, entry):
    # given a sheet whose amounts and years are numbers, not text
    # when it is uploaded
    attachment, body = await send(api, officer, entry, "统计.xlsx", sheet_with_numbers())
    # then the numbers are in its text too, cell by cell
    assert "errors" not in body, body
    stored = await Attachment.find_one({"_id": from_global_id(attachment)[1]})
    assert stored is not None
    assert stored.text == "文号\n金额（元）\n年度\n云政发〔2027〕1号\n1500\n2027\n增长率\n3.25"
