"""Importing a catalog (#17): the template, reading xlsx and GBK/UTF-8 CSV, the dry run's problems by
row and column, importing as published historical records or as drafts, idempotence and resumption,
attachments from a zip, permissions, ``gongkai import-catalog``.

Every test imports into an organization of its own (the database is shared by the session)."""

from __future__ import annotations

import asyncio
import base64
import codecs
import csv
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from cms.errors import DomainError
from cms.imports.columns import COLUMNS
from cms.imports.service import ImportFiles
from cms.kinds.catalog import NewCatalogEntry
from storage.attachments import Attachment, AttachmentStatus
from storage.audit import AuditRecord
from storage.documents import CatalogEntry, ContentVersion, ReviewState
from storage.imports import CatalogImport, ImportedRow, ImportState
from storage.register import RegisterRecord
from storage.search import SearchEntry
from tests.helpers import ADMIN, OFFICE, OFFICER, ROOT_KEY
from tests.test_search import principal_of

ROOT = Path(__file__).resolve().parents[1]
HEADINGS = ["索引号", "名称", "发文字号", "成文日期", "发布日期", "主题分类", "体裁", "正文", "附件"]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
async def org(services, fresh_org):
    made = await fresh_org(parent=services.orgs.tree.by_key[ROOT_KEY])
    await services.reload_tree()  # the demo roles, granted over the province, now cover it
    return made


@pytest.fixture
async def admin(services):
    return await principal_of(services, ADMIN)


def rows_for(org: Any, count: int, *, start: int = 1) -> list[list[str]]:
    return [
        [
            f"{org.code}/2013-{n:05d}",
            f"关于印发第{n}号历史文件的通知",
            f"测试发〔2013〕{n}号",
            "2013-12-20",
            "2013/12/24",
            "综合政务\\政务公开",
            "通知",
            f"历史文件{n}的正文。",
            "",
        ]
        for n in range(start, start + count)
    ]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", headings: list[str] = HEADINGS) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([headings, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], headings: list[str] = HEADINGS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def run(services, principal, org, files, *, dry_run=False, as_drafts=False):
    return await services.imports.run(principal, org.id, files, dry_run=dry_run, as_drafts=as_drafts)


async def entries_of(org) -> list[CatalogEntry]:
    return await CatalogEntry.find({"org_id": org.id}).sort("index_number").to_list()


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("目录.csv", lambda rows: csv_bytes(rows, "gbk")),
        ("目录.csv", lambda rows: codecs.BOM_UTF8 + csv_bytes(rows)),
        ("目录.csv", lambda rows: csv_bytes(rows)),
        ("目录.xlsx", xlsx_bytes),
    ],
    ids=["gbk-csv", "utf8-bom-csv", "utf8-csv", "xlsx"],
)
async def test_a_sheet_imports_as_published_historical_records_filed_as_imports(
    services, admin, org, name, encode
):
    files = ImportFiles(name, encode(rows_for(org, 3)))

    report = await run(services, admin, org, files)

    assert (report.state, report.total, report.imported, report.skipped, report.problems) == (
        ImportState.DONE,
        3,
        3,
        0,
        [],
    )
    entries = await entries_of(org)
    assert [e.index_number for e in entries] == [f"{org.code}/2013-{n:05d}" for n in (1, 2, 3)]
    first = entries[0]
    assert (first.title, first.document_number, first.topic, first.genre) == (
        "关于印发第1号历史文件的通知",
        "测试发〔2013〕1号",
        "综合政务\\政务公开",
        "通知",
    )
    assert (str(first.created_date), str(first.published_date)) == ("2013-12-20", "2013-12-24")
    assert first.review_state is ReviewState.PUBLISHED
    assert first.effective is not None
    assert first.effective.date().isoformat() == "2013-12-24"
    records = await RegisterRecord.find({"item_id": first.id}).to_list()
    assert [(r.action, r.actor_name, r.details["source"]) for r in records] == [
        ("import", ADMIN, f"目录导入：{name}")
    ]
    assert await SearchEntry.get(first.id) is not None
    assert await ContentVersion.find({"item_id": first.id}).count() == 1
    assert (await services.register.verify(org.id)).ok


async def test_importing_the_same_file_twice_changes_nothing(services, admin, org):
    files = ImportFiles("目录.csv", csv_bytes(rows_for(org, 4)))
    await run(services, admin, org, files)
    before = [(e.id, e.version) for e in await entries_of(org)]

    again = await run(services, admin, org, files)

    assert (again.state, again.imported, again.skipped, again.problems) == (ImportState.DONE, 0, 4, [])
    assert [(e.id, e.version) for e in await entries_of(org)] == before
    assert await RegisterRecord.find({"org_id": org.id}).count() == 4


async def test_an_import_as_drafts_keeps_the_numbers_and_files_nothing_in_the_register(services, admin, org):
    files = ImportFiles("目录.csv", csv_bytes(rows_for(org, 2)))

    report = await run(services, admin, org, files, as_drafts=True)

    assert report.imported == 2
    entries = await entries_of(org)
    assert {e.review_state for e in entries} == {ReviewState.DRAFT}
    assert entries[0].index_number == f"{org.code}/2013-00001"
    assert await RegisterRecord.find({"org_id": org.id}).count() == 0


async def test_imported_entries_enter_the_change_feed_once_each_and_drafts_not_at_all(
    services, admin, org, fresh_org, monkeypatch
):
    # given a sheet imported as published in batches of two, then again (all skipped), and another
    # organization's sheet imported as drafts
    monkeypatch.setattr(services.imports, "batch", 2)
    await run(services, admin, org, ImportFiles("目录.csv", csv_bytes(rows_for(org, 3))))
    await run(services, admin, org, ImportFiles("目录.csv", csv_bytes(rows_for(org, 3))))
    other = await fresh_org(parent=services.orgs.tree.by_key[ROOT_KEY])
    await services.reload_tree()
    await run(services, admin, other, ImportFiles("目录.csv", csv_bytes(rows_for(other, 2))), as_drafts=True)
    # then the feed says each published entry once, as published, in the order of the rows
    published = [e.id for e in await entries_of(org)]
    feed = services.changes.feed
    said = await feed.find({"item_id": {"$in": published}}).sort("_id", 1).to_list()
    assert [(d["item_id"], d["kind"]) for d in said] == [(i, "PUBLISHED") for i in published]
    # and nothing of the drafts
    drafts = [e.id for e in await entries_of(other)]
    assert len(drafts) == 2
    assert await feed.count_documents({"item_id": {"$in": drafts}}) == 0


def good(org: Any, n: int = 1, **changes: str) -> dict[str, str]:
    row = dict(zip(HEADINGS, rows_for(org, 1, start=n)[0], strict=True))
    row.update(changes)
    return {k: v for k, v in row.items() if v != ""}


def sheet_of(rows: list[dict[str, str]]) -> bytes:
    headings = list(dict.fromkeys(h for row in rows for h in row))
    return csv_bytes([[row.get(h, "") for h in headings] for row in rows], headings=headings)


def problems_of(report: Any) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in report.problems]


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        (lambda org: good(org, 2, 名称=""), "名称", "名称不能为空。"),
        (lambda org: good(org, 2, 发布机构="不存在的机构"), "发布机构", "机构“不存在的机构”不存在。"),
        (
            lambda org: good(org, 2, 主题分类="综合政务\\不存在"),
            "主题分类",
            "主题分类“综合政务\\不存在”不在主题分类词表中。",
        ),
        (lambda org: good(org, 2, 体裁="檄文"), "体裁", "体裁“檄文”不在体裁词表中。"),
        (lambda org: good(org, 2, 成文日期="2013-02-30"), "成文日期", "成文日期“2013-02-30”不是有效日期。"),
        (
            lambda org: good(org, 2, 发布日期="去年"),
            "发布日期",
            "发布日期“去年”不是有效日期，应写作 2013-12-24。",
        ),
        (
            lambda org: good(org, 2, 发布日期="1900-01-01"),
            "发布日期",
            "发布日期：日期须在 1949-01-01 至 2100-12-31 之间。",
        ),
        (lambda org: good(org, 2, 发布日期=""), "发布日期", "以已发布方式导入时发布日期不能为空。"),
        (lambda org: good(org, 2, 索引号=""), "索引号", "以已发布方式导入时索引号不能为空。"),
        (
            lambda org: good(org, 2, 索引号=f"{org.code}/2013-00001"),
            "索引号",
            "索引号“@/2013-00001”与第 2 行重复。",
        ),
        (
            lambda org: good(org, 2, 发文字号="测试发〔2013〕1号"),
            "发文字号",
            "发文字号“测试发〔2013〕1号”与第 2 行重复。",
        ),
        (
            lambda org: good(org, 2, 索引号="OTHER/2013-00002"),
            "索引号",
            "索引号“OTHER/2013-00002”不符合本机构的索引号模板 {code}/{year}-{seq:05d}。",
        ),
        (
            lambda org: good(org, 2, 有效性="作废"),
            "有效性",
            "有效性“作废”无效，应为有效、已修改、废止、失效之一。",
        ),
        (lambda org: good(org, 2, 有效性="废止"), "废止日期", "废止或失效的文件须填写废止/失效日期。"),
        (lambda org: good(org, 2, 发布日期="2013-12-01"), "发布日期", "发布日期不能早于成文日期。"),
        (lambda org: good(org, 2, 附件="附件.pdf"), "附件", "该行列有附件，但没有提供附件压缩包。"),
    ],
    ids=[
        "missing-title",
        "unknown-organization",
        "unknown-topic",
        "unknown-genre",
        "impossible-date",
        "unreadable-date",
        "date-out-of-range",
        "published-without-date",
        "published-without-index-number",
        "duplicate-index-number",
        "duplicate-document-number",
        "index-number-off-template",
        "unknown-validity",
        "repealed-without-date",
        "published-before-written",
        "attachment-without-zip",
    ],
)
async def test_a_refused_row_is_reported_by_row_and_column_and_nothing_is_written(
    services, admin, org, bad, column, message
):
    files = ImportFiles("目录.csv", sheet_of([good(org, 1), bad(org)]))

    report = await run(services, admin, org, files)

    assert report.state is ImportState.REFUSED
    assert problems_of(report) == [(3, column, message.replace("@", org.code))]
    assert await CatalogEntry.find({"org_id": org.id}).count() == 0
    assert await ImportedRow.find({"org_id": org.id}).count() == 0


async def test_numbers_the_repository_already_holds_are_refused(services, admin, org):
    await run(services, admin, org, ImportFiles("第一批.csv", sheet_of([good(org, 1)])))
    drawn = await services.catalog.create_draft(
        NewCatalogEntry(org_id=org.id, title="系统内新建", created_date=date(2013, 5, 1))
    )
    taken = await services.content.assign_index_number(drawn)
    rows = [
        good(org, 3, 索引号=taken),
        good(org, 4, 发文字号="测试发〔2013〕1号"),
        good(org, 1, 名称="改过的名称", 发文字号="测试发〔2013〕77号"),
    ]

    report = await run(services, admin, org, ImportFiles("第二批.csv", sheet_of(rows)))

    assert problems_of(report) == [
        (2, "索引号", f"索引号“{taken}”已被其他内容使用。"),
        (3, "发文字号", "发文字号“测试发〔2013〕1号”在本机构的公开目录中已存在。"),
        (
            4,
            "索引号",
            f"索引号“{org.code}/2013-00001”已由此前的导入写入，本行内容与之不同；已导入的条目请在系统中修改。",
        ),
    ]


async def test_a_dry_run_reports_every_problem_and_writes_nothing(services, admin, org):
    rows = [good(org, 1), good(org, 2, 名称="", 体裁="檄文"), good(org, 3)]
    files = ImportFiles("目录.csv", sheet_of(rows))

    report = await run(services, admin, org, files, dry_run=True)
    clean = await run(
        services, admin, org, ImportFiles("目录.csv", sheet_of([rows[0], rows[2]])), dry_run=True
    )

    assert problems_of(report) == [(3, "体裁", "体裁“檄文”不在体裁词表中。"), (3, "名称", "名称不能为空。")]
    assert (report.total, report.refused_rows) == (3, 1)
    assert (clean.state, clean.total, clean.imported, clean.problems) == (ImportState.DONE, 2, 2, [])
    assert await CatalogEntry.find({"org_id": org.id}).count() == 0
    assert await CatalogImport.find({"org_id": org.id}).count() == 0


# Batch boundaries are tested with small batches: the same code paths as 500-row batches, a tenth of
# the writes (two full-size batches made these two tests about a minute of the suite, more under load).
BATCH = 40


@pytest.fixture
def small_batches(services, monkeypatch) -> None:
    monkeypatch.setattr(services.imports, "batch", BATCH)


async def test_an_interrupted_import_resumes_without_duplicates(
    services, admin, org, monkeypatch, small_batches
):
    rows = [good(org, n) for n in range(1, BATCH + 6)]
    files = ImportFiles("目录.csv", sheet_of(rows))
    real = services.imports._insert
    calls = 0

    async def fail_second_batch(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("网络中断")
        await real(*args)

    monkeypatch.setattr(services.imports, "_insert", fail_second_batch)
    with pytest.raises(ConnectionError):
        await run(services, admin, org, files)
    assert await CatalogEntry.find({"org_id": org.id}).count() == BATCH
    monkeypatch.undo()

    report = await run(services, admin, org, files)

    assert (report.imported, report.skipped) == (5, BATCH)
    numbers = [e.index_number for e in await entries_of(org)]
    assert numbers == [f"{org.code}/2013-{n:05d}" for n in range(1, BATCH + 6)]
    assert await RegisterRecord.find({"org_id": org.id}).count() == BATCH + 5
    assert (await services.register.verify(org.id)).ok
    states = [r.state for r in await CatalogImport.find({"org_id": org.id}).sort("started_at").to_list()]
    assert states == [ImportState.FAILED, ImportState.DONE]
    audited = await AuditRecord.find({"action": "catalog.import", "org_id": org.id}).sort("seq").to_list()
    assert [(r.after["state"], r.after["imported"]) for r in audited] == [("failed", BATCH), ("done", 5)]


async def test_numbers_drawn_after_an_import_follow_the_imported_ones(services, admin, org):
    await run(services, admin, org, ImportFiles("目录.csv", sheet_of([good(org, 41), good(org, 7)])))
    draft = await services.catalog.create_draft(
        NewCatalogEntry(org_id=org.id, title="新文件", created_date=date(2013, 5, 1))
    )

    number = await services.content.assign_index_number(draft)

    assert number == f"{org.code}/2013-00042"


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


class GbkName(zipfile.ZipInfo):
    """As Chinese Windows writes zips: the name's GBK bytes, and no UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("cp437"), self.flag_bits


def gbk_named_zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(GbkName(name.encode("gbk").decode("cp437")), data)
    return out.getvalue()


async def test_attachments_come_from_the_zip_by_file_name_with_their_sha256(services, admin, org):
    rows = [good(org, 1, 附件="通知.pdf、附表.pdf"), good(org, 2)]
    attachments = zip_of({"材料/通知.pdf": PDF, "附表.pdf": PDF + b"%second\n"})
    files = ImportFiles("目录.csv", sheet_of(rows), attachments)

    report = await run(services, admin, org, files)
    again = await run(services, admin, org, files)

    assert (report.imported, again.skipped) == (2, 2)
    entry = (await entries_of(org))[0]
    stored = await Attachment.find({"item_id": entry.id}).sort("order").to_list()
    assert [(a.filename, a.content_type, a.status, a.sha256) for a in stored] == [
        ("通知.pdf", "application/pdf", AttachmentStatus.READY, hashlib.sha256(PDF).hexdigest()),
        (
            "附表.pdf",
            "application/pdf",
            AttachmentStatus.READY,
            hashlib.sha256(PDF + b"%second\n").hexdigest(),
        ),
    ]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"其他.pdf": PDF}, "附件压缩包中没有文件“通知.pdf”。"),
        (
            {"通知.pdf": b"MZ\x90\x00 an executable"},
            "附件“通知.pdf”：不支持该文件类型（Windows 可执行程序）。",
        ),
        ({"通知.pdf": b""}, "附件“通知.pdf”：文件为空。"),
    ],
    ids=["missing-from-zip", "type-not-allowed", "empty"],
)
async def test_a_refused_attachment_is_reported_before_anything_is_written(
    services, admin, org, files, message
):
    sheet = sheet_of([good(org, 1, 附件="通知.pdf")])

    report = await run(services, admin, org, ImportFiles("目录.csv", sheet, zip_of(files)))

    assert problems_of(report) == [(2, "附件", message)]
    assert await CatalogEntry.find({"org_id": org.id}).count() == 0


async def test_a_zip_from_chinese_windows_names_its_files_in_gbk(services, admin, org):
    files = ImportFiles("目录.csv", sheet_of([good(org, 1, 附件="通知.pdf")]), gbk_named_zip("通知.pdf", PDF))

    report = await run(services, admin, org, files)

    assert (report.imported, report.problems) == (1, [])
    entry = (await entries_of(org))[0]
    assert [a.filename for a in await Attachment.find({"item_id": entry.id}).to_list()] == ["通知.pdf"]


async def test_the_template_reads_back_as_a_sheet_with_lists_for_the_vocabularies(services, admin, org):
    data = await services.imports.template(admin, org.id)

    book = load_workbook(io.BytesIO(data))
    sheet = book["公开目录"]
    assert [c.value for c in sheet[1]] == [c.heading for c in COLUMNS]
    assert [c.value for c in sheet[2]] == [c.hint for c in COLUMNS]
    ranges = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert ranges["I3:I10002"].startswith("=词表!$A$2:$A$")  # 主题分类
    assert ranges["J3:J10002"].startswith("=词表!$B$2:$B$")  # 体裁
    assert book["词表"]["E2"].value == org.name  # 发布机构: the organizations of the import
    sheet.append(
        [
            f"{org.code}/2014-00001",
            "模板填写的文件",
            "",
            org.name,
            "",
            "",
            date(2014, 3, 1),
            date(2014, 3, 5),
            "综合政务\\政务公开",
            "通知",
            "主题词一、主题词二",
            "主动公开",
        ]
    )
    out = io.BytesIO()
    book.save(out)

    report = await run(services, admin, org, ImportFiles("模板.xlsx", out.getvalue()))

    assert (report.imported, report.problems) == (1, [])
    entry = (await entries_of(org))[0]
    assert (entry.title, entry.keywords, str(entry.published_date)) == (
        "模板填写的文件",
        ["主题词一", "主题词二"],
        "2014-03-05",
    )


@pytest.mark.parametrize("username", [OFFICER, None], ids=["officer", "anonymous"])
async def test_only_administrators_and_the_disclosure_office_import(services, org, username):
    from authz import ANONYMOUS

    principal = await principal_of(services, username) if username else ANONYMOUS
    files = ImportFiles("目录.csv", sheet_of([good(org, 1)]))

    with pytest.raises(DomainError) as refused:
        await run(services, principal, org, files)

    assert refused.value.code == ("FORBIDDEN" if username else "UNAUTHENTICATED")
    assert await CatalogEntry.find({"org_id": org.id}).count() == 0


async def test_the_disclosure_office_imports_and_the_audit_log_records_it(services, org):
    office = await principal_of(services, OFFICE)

    report = await run(
        services, office, org, ImportFiles("目录.csv", sheet_of([good(org, 1)])), as_drafts=True
    )

    record = await AuditRecord.find_one({"target_id": str(report.import_id)})
    assert record is not None
    assert (record.action, record.actor_name, record.target_label) == ("catalog.import", OFFICE, "目录.csv")
    assert record.after["imported"] == 1


def import_catalog(embedded: Any, settings: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GONGKAI_MODE": "demo",
        "GONGKAI_DEMO_DATA": "false",
        "GONGKAI_SECRET_KEY": settings.secret_key.get_secret_value(),
        "GONGKAI_MONGO_URL": embedded.mongo_url,
        "GONGKAI_MONGO_DATABASE": settings.mongo_database,
        "GONGKAI_S3_ENDPOINT": embedded.s3_endpoint,
        "GONGKAI_S3_ACCESS_KEY": embedded.s3_access_key,
        "GONGKAI_S3_SECRET_KEY": embedded.s3_secret_key,
    }
    command = [sys.executable, "-m", "web.cli", "import-catalog", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


async def test_the_command_refuses_a_bad_sheet_with_exit_1_and_imports_a_good_one(
    embedded, settings, org, tmp_path
):
    bad, fixed = tmp_path / "bad.csv", tmp_path / "fixed.csv"
    bad.write_bytes(sheet_of([good(org, 1), good(org, 2, 体裁="檄文")]))
    fixed.write_bytes(sheet_of([good(org, 1), good(org, 2)]))

    refused = import_catalog(embedded, settings, str(bad), "--organization", org.key)
    checked = import_catalog(embedded, settings, str(fixed), "--organization", org.key, "--dry-run")
    imported = import_catalog(embedded, settings, str(fixed), "--organization", org.key)
    again = import_catalog(embedded, settings, str(fixed), "--organization", org.key)

    assert refused.returncode == 1
    assert "第 3 行 体裁：体裁“檄文”不在体裁词表中。" in refused.stderr.splitlines()
    assert (checked.returncode, checked.stdout.splitlines()[-1]) == (
        0,
        "试运行：共 2 行，将导入 2 行，已导入过 0 行。",
    )
    assert (imported.returncode, imported.stdout.splitlines()[-1]) == (
        0,
        "已导入 2 行，已导入过 0 行（共 2 行）。",
    )
    assert (again.returncode, again.stdout.splitlines()[-1]) == (0, "已导入 0 行，已导入过 2 行（共 2 行）。")
    assert await CatalogEntry.find({"org_id": org.id}).count() == 2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--organization", "no-such-org"], 2, "机构“no-such-org”不存在。"),
        (["--organization", "{org}", "--attachments", "/nonexistent.zip"], 2, "无法读取文件"),
    ],
    ids=["unknown-organization", "missing-zip"],
)
async def test_the_command_exits_2_on_bad_arguments(embedded, settings, org, tmp_path, args, code, message):
    sheet = tmp_path / "s.csv"
    sheet.write_bytes(sheet_of([good(org, 1)]))

    result = import_catalog(embedded, settings, str(sheet), *[a.replace("{org}", org.key) for a in args])

    assert result.returncode == code
    assert message in result.stderr


# -- through HTTP and GraphQL (the admin app's way) ---------------------------------------------------

CHECK = """mutation($o: ID!, $n: String!, $f: String!, $a: String, $d: Boolean!) {
  checkCatalogImport(organization: $o, filename: $n, file: $f, attachments: $a, asDrafts: $d) {
    total importable skipped refusedRows problems { row column message } problemsCsv } }"""
START = """mutation($o: ID!, $n: String!, $f: String!, $d: Boolean!) {
  startCatalogImport(organization: $o, filename: $n, file: $f, asDrafts: $d) { id state stateLabel } }"""
PROGRESS = """query($id: ID!) { catalogImport(id: $id) {
  filename state stateLabel total imported skipped refused asDrafts organization { key } } }"""
TEMPLATE = "query($o: ID!) { catalogImportTemplate(organization: $o) }"


@pytest.fixture(scope="module")
def api(gql, settings):
    from tests.helpers import Api

    return Api(gql, settings.demo_password.get_secret_value())


async def upload(client: Any, data: bytes, token: str | None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await client.post("/imports/files", content=data, headers=headers)


def gid(type_name: str, object_id: Any) -> str:
    from cms.content.ids import to_global_id

    return to_global_id(type_name, str(object_id))


async def test_the_admin_app_checks_then_imports_and_follows_the_progress(services, client, api, org):
    token = await api.token(ADMIN)
    bad = (await upload(client, sheet_of([good(org, 1), good(org, 2, 成文日期="2013-13-01")]), token)).json()[
        "id"
    ]
    fixed = (await upload(client, sheet_of([good(org, 1), good(org, 2)]), token)).json()["id"]
    variables = {"o": gid("Organization", org.id), "n": "目录.csv", "a": None, "d": False}

    refused = (await api.ok(CHECK, {**variables, "f": bad}, token))["checkCatalogImport"]
    checked = (await api.ok(CHECK, {**variables, "f": fixed}, token))["checkCatalogImport"]
    started = (await api.ok(START, {**variables, "f": fixed}, token))["startCatalogImport"]
    await asyncio.gather(*services.imports._running)
    progress = (await api.ok(PROGRESS, {"id": started["id"]}, token))["catalogImport"]
    again = (await api.ok(START, {**variables, "f": fixed}, token))["startCatalogImport"]
    await asyncio.gather(*services.imports._running)
    second = (await api.ok(PROGRESS, {"id": again["id"]}, token))["catalogImport"]

    assert refused["problems"] == [
        {"row": 3, "column": "成文日期", "message": "成文日期“2013-13-01”不是有效日期。"}
    ]
    assert refused["problemsCsv"] == "行,列,问题\r\n3,成文日期,成文日期“2013-13-01”不是有效日期。\r\n"
    assert (checked["total"], checked["importable"], checked["refusedRows"]) == (2, 2, 0)
    assert (started["state"], started["stateLabel"]) == ("RUNNING", "导入中")
    assert progress == {
        "filename": "目录.csv",
        "state": "DONE",
        "stateLabel": "已完成",
        "total": 2,
        "imported": 2,
        "skipped": 0,
        "refused": 0,
        "asDrafts": False,
        "organization": {"key": org.key},
    }
    assert (second["state"], second["imported"], second["skipped"]) == ("DONE", 0, 2)
    assert await RegisterRecord.find({"org_id": org.id}).count() == 2


async def test_a_cancelled_import_stops_between_batches_and_resumes_later(
    services, client, api, org, monkeypatch, small_batches
):
    token = await api.token(ADMIN)
    file = (await upload(client, sheet_of([good(org, n) for n in range(1, BATCH + 3)]), token)).json()["id"]
    variables = {"o": gid("Organization", org.id), "n": "目录.csv", "f": file, "d": False}
    first_batch_written, cancel_sent = asyncio.Event(), asyncio.Event()
    real = services.imports._insert

    async def held_after_first_batch(*args: Any) -> None:
        await real(*args)
        first_batch_written.set()
        await cancel_sent.wait()

    monkeypatch.setattr(services.imports, "_insert", held_after_first_batch)
    started = (await api.ok(START, variables, token))["startCatalogImport"]
    await first_batch_written.wait()

    cancel = "mutation($id: ID!) { cancelCatalogImport(id: $id) { cancelRequested } }"
    cancelled = (await api.ok(cancel, {"id": started["id"]}, token))["cancelCatalogImport"]
    cancel_sent.set()
    await asyncio.gather(*services.imports._running)
    monkeypatch.undo()
    first = (await api.ok(PROGRESS, {"id": started["id"]}, token))["catalogImport"]
    resumed = (await api.ok(START, variables, token))["startCatalogImport"]
    await asyncio.gather(*services.imports._running)
    second = (await api.ok(PROGRESS, {"id": resumed["id"]}, token))["catalogImport"]

    assert cancelled == {"cancelRequested": True}
    assert (first["state"], first["stateLabel"], first["imported"]) == ("CANCELLED", "已取消", BATCH)
    assert (second["state"], second["imported"], second["skipped"]) == ("DONE", 2, BATCH)
    assert await CatalogEntry.find({"org_id": org.id}).count() == BATCH + 2


async def test_the_template_downloads_through_graphql(api, org):
    data = await api.ok(TEMPLATE, {"o": gid("Organization", org.id)}, await api.token(OFFICE))

    book = load_workbook(io.BytesIO(base64.b64decode(data["catalogImportTemplate"])))
    assert book.sheetnames == ["公开目录", "词表"]


@pytest.mark.parametrize(
    ("user", "status", "code"),
    [(None, 401, "UNAUTHENTICATED"), (OFFICER, 403, "FORBIDDEN")],
    ids=["anonymous", "officer"],
)
async def test_uploads_need_the_import_permission(client, api, user, status, code):
    token = await api.token(user) if user else None

    response = await upload(client, b"a,b\n", token)

    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(
    ("user", "code"),
    [(None, "UNAUTHENTICATED"), (OFFICER, "FORBIDDEN")],
    ids=["anonymous", "officer"],
)
async def test_checking_starting_and_the_template_need_the_import_permission(client, api, org, user, code):
    admin_token = await api.token(ADMIN)
    file = (await upload(client, sheet_of([good(org, 1)]), admin_token)).json()["id"]
    token = await api.token(user) if user else None
    variables = {"o": gid("Organization", org.id), "n": "目录.csv", "f": file, "d": False}

    answers = [
        await api.post(CHECK, {**variables, "a": None}, token),
        await api.post(START, variables, token),
        await api.post(TEMPLATE, {"o": variables["o"]}, token),
    ]

    assert [a["errors"][0]["extensions"]["code"] for a in answers] == [code, code, code]
    assert await CatalogEntry.find({"org_id": org.id}).count() == 0


async def test_an_unknown_staged_file_is_a_bad_input_naming_the_field(api, org):
    variables = {"o": gid("Organization", org.id), "n": "目录.csv", "f": "0" * 32, "a": None, "d": False}

    answer = await api.post(CHECK, variables, await api.token(ADMIN))

    error = answer["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["field"], error["message"]) == (
        "BAD_USER_INPUT",
        "file",
        "未找到上传的文件，请重新上传。",
    )


async def test_staged_files_are_removed_a_day_after_their_upload(services, admin, monkeypatch):
    from datetime import timedelta

    from cms.errors import InvalidInput
    from storage.documents import utcnow

    token = await services.imports.stage(admin, b"\xe5\x90\x8d\xe7\xa7\xb0\n")
    await services.imports.cleanup()  # younger than a day: kept
    assert await services.imports.staged(token, "file") == "名称\n".encode()
    monkeypatch.setattr(services.content, "clock", lambda: utcnow() + timedelta(days=1, minutes=1))

    removed = await services.imports.cleanup()

    assert removed >= 1
    with pytest.raises(InvalidInput, match="未找到上传的文件，请重新上传。"):
        await services.imports.staged(token, "file")


async def test_rows_another_run_wrote_meanwhile_are_skipped_not_duplicated(services, admin, org, monkeypatch):
    import cms.imports.service as imports

    await run(services, admin, org, ImportFiles("第一批.csv", sheet_of([good(org, 1), good(org, 2)])))
    real, calls = imports._imported_keys, 0

    async def unseen_at_first_write(org_id: Any, keys: list[str]) -> dict[str, str]:
        nonlocal calls
        calls += 1
        return {} if calls == 2 else await real(org_id, keys)  # 1: the check; 2: the first write attempt

    monkeypatch.setattr(imports, "_imported_keys", unseen_at_first_write)

    report = await run(
        services, admin, org, ImportFiles("全部.csv", sheet_of([good(org, n) for n in (1, 2, 3)]))
    )

    assert (report.imported, report.skipped) == (1, 2)
    assert await CatalogEntry.find({"org_id": org.id}).count() == 3
    assert (await services.register.verify(org.id)).ok


# What differs between any two entries written at different moments: the id, what contains it, the clock.
PER_WRITE = {"_id", "path", "sort_key", "created", "modified", "published_at"}


@pytest.mark.parametrize("as_drafts", [False, True], ids=["published", "drafts"])
async def test_an_imported_entry_is_stored_as_the_normal_path_stores_the_same_values(
    services, admin, org, as_drafts
):
    # given: a row imported, and the same values written by the catalog's own path
    await run(services, admin, org, ImportFiles("目录.csv", sheet_of([good(org, 1)])), as_drafts=as_drafts)
    imported = await CatalogEntry.find_one({"org_id": org.id})
    assert imported is not None
    normal = services.catalog.build(
        NewCatalogEntry(
            org_id=org.id,
            title="关于印发第1号历史文件的通知",
            document_number="测试发〔2013〕1号",
            created_date=date(2013, 12, 20),
            published_date=date(2013, 12, 24),
            topic="综合政务\\政务公开",
            genre="通知",
            body="历史文件1的正文。",
        )
    )
    normal.index_number, normal.created_by = imported.index_number, admin.user_id
    if as_drafts:
        await services.content.insert(normal)
    else:
        await services.content.publish(normal, effective=datetime(2013, 12, 24, 9, tzinfo=UTC))

    # when: both are read back as stored
    entries, search = CatalogEntry.get_pymongo_collection(), SearchEntry.get_pymongo_collection()
    stored = [await entries.find_one({"_id": i}) or {} for i in (imported.id, normal.id)]
    indexed = [await search.find_one({"_id": i}) or {} for i in (imported.id, normal.id)]

    # then: field by field the same, but for the id and the moment of the write
    assert stored[0]["index_number"] == f"{org.code}/2013-00001"
    assert without_write(stored[0]) == without_write(stored[1])
    assert indexed[0]["tokens"]
    assert without_write(indexed[0]) == without_write(indexed[1])


def without_write(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in PER_WRITE}
