"""The reading-room terminal's second slice in Debian's Chromium at 1080×1920 and 1920×1080: search with
the on-screen pinyin keyboard and digit pad, a PDF read in the page with pdf.js (paged, zoomed, its
worker from the app's origin under the strict CSP), the gazette by year → issue → articles, the item's
QR code and the print stylesheet."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest

from cms.admin.vocabulary_data import topic_path
from tests.e2e.conftest import Scenarios
from tests.e2e.test_reading_room import built_terminal  # noqa: F401 (the fixture)
from tests.helpers import DEPT_HEAD, OFFICER, UNIT_HEAD, Api, unique

REQUEST = (
    "mutation($item: ID!, $f: String!, $s: Int!) { requestUpload(item: $item, filename: $f, size: $s)"
    " { uploadUrl attachment { id } } }"
)
TOPIC = topic_path("综合政务", "政务公开")
COMPLETE = "mutation($id: ID!, $sha: String!) { completeUpload(id: $id, sha256: $sha) { id } }"


def text_pdf(pages: list[str]) -> bytes:
    """A PDF with one line of Helvetica text a page (a standard font: pdf.js fetches its data)."""
    count = len(pages)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count)), count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, text in enumerate(pages):
        stream = f"BT /F1 36 Tf 72 700 Td ({text}) Tj ET".encode()
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
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


@pytest.fixture(scope="module")
async def entry_with_pdf(gql: Any, settings: Any) -> str:
    """A published entry of the province with a three-page PDF attachment."""
    api = Api(gql, settings.demo_password.get_secret_value())
    officer, head, unit = [await api.token(name) for name in (OFFICER, DEPT_HEAD, UNIT_HEAD)]
    entry = await api.create_entry(officer, await api.root(), unique("查阅终端PDF"), topic=TOPIC)
    data = text_pdf(["Page one", "Page two", "Page three"])
    ticket = (
        await api.ok(REQUEST, {"item": entry["id"], "f": "附件：实施方案.pdf", "s": len(data)}, officer)
    )["requestUpload"]
    async with httpx.AsyncClient(timeout=30, trust_env=False) as s3:
        put = await s3.put(ticket["uploadUrl"], content=data, headers={"content-type": "application/pdf"})
        assert put.status_code == 200, put.text
    sha = hashlib.sha256(data).hexdigest()
    await api.ok(COMPLETE, {"id": ticket["attachment"]["id"], "sha": sha}, officer)
    await api.act(officer, entry["id"], "SUBMIT")
    await api.act(officer, entry["id"], "APPROVE", opinion="初审同意。")
    await api.act(head, entry["id"], "APPROVE", opinion="审核同意。")
    await api.act(unit, entry["id"], "APPROVE", opinion="同意发布。")
    entry_id: str = entry["id"]
    return entry_id


async def test_search_with_the_pinyin_keyboard_and_digit_pad_at_both_orientations(
    built_terminal: None,  # noqa: F811
    entry_with_pdf: str,
    scenario: Scenarios,
) -> None:
    # the scenarios of this module run two at a time: each test awaits its own
    scenario.start("readingroom-keyboard")
    scenario.start("readingroom-documents", item=entry_with_pdf)
    scenario.start("readingroom-offline")
    result = await scenario("readingroom-keyboard")
    assert [r["viewport"] for r in result["results"]] == ["portrait", "landscape"]
    for visit in result["results"]:
        assert visit["violations"] == [], visit["violations"]  # axe-core: nothing serious or critical
        # a phrase typed whole: its first word chosen, the rest of the pinyin still waiting
        assert (visit["buffered"], visit["phrase"]) == ("wenjian", "政策文件")
        # a 文号: characters from pinyin (one past the first page of candidates), the rest from the digit pad
        assert visit["typed"] == "云政发〔2024〕5号"
        assert visit["keyboardFound"] > 0


async def test_pdf_gazette_qr_print_and_visit_statistics_at_both_orientations(
    built_terminal: None,  # noqa: F811
    entry_with_pdf: str,
    scenario: Scenarios,
) -> None:
    result = await scenario("readingroom-documents", item=entry_with_pdf)
    assert [r["viewport"] for r in result["results"]] == ["portrait", "landscape"]
    for visit in result["results"]:
        assert visit["violations"] == [], visit["violations"]  # axe-core: nothing serious or critical
        # the PDF: three pages, paged forward and back, zoomed in, drawn by pdf.js's own-origin worker
        assert visit["pages"] == ["第 1 / 3 页", "第 2 / 3 页", "第 3 / 3 页", "第 2 / 3 页"]
        assert visit["zoom"] == ["100%", "125%"]
        assert visit["widerWhenZoomed"] is True
        assert visit["painted"] is True
        assert visit["workers"] == [True]  # one worker, from /reading-room/assets/
        assert visit["cspViolations"] == []
        # the gazette: years with counts → a year's issues → an issue's articles
        assert visit["yearCount"] == visit["issuesListed"] > 0
        assert visit["articles"] > 0
        # the QR code carries the item's portal address (the terminal's template)
        assert visit["qr"] == f"https://www.km.gov.cn/zwgk/{entry_with_pdf}"
        # print media shows the document only: fields and body, no header, buttons, QR or attachments
        assert visit["print"] == {
            "header": "none",
            "tools": "none",
            "attachments": "none",
            "fields": "table",
            "title": "block",
        }
    # the disclosure office's 查阅统计 screen shows the item's two views (one a viewport) and exports them
    statistics = result["statistics"]
    assert statistics["violations"] == [], statistics["violations"]
    assert statistics["views"] == 2
    assert statistics["csvHeader"] == "\ufeff终端,日期,查阅次数,检索次数,打印次数,扫码次数"
    assert statistics["csvHasItem"] is True
    assert statistics["filename"].startswith("查阅统计-")


async def test_offline_the_terminal_shows_its_snapshot_under_a_banner_and_recovers(
    built_terminal: None,  # noqa: F811
    scenario: Scenarios,
) -> None:
    result = await scenario("readingroom-offline")
    assert [r["viewport"] for r in result["results"]] == ["portrait", "landscape"]
    for visit in result["results"]:
        assert visit["onlineBanner"] == 0
        assert re.fullmatch(r"离线浏览，内容更新于 \d{4}/\d{1,2}/\d{1,2} \d{2}:\d{2}:\d{2}", visit["banner"])
        assert visit["offlineTitle"] == visit["title"]  # the document read online, read again offline
