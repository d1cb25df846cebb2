"""Importing a catalog (#17): the template, reading xlsx and GBK/UTF-8 CSV, the dry run's problems by
row and column, importing as published historical records or as drafts, idempotence and resumption,
attachments from a zip, permissions, ``gongkai import-catalog``.

Every test imports into an organization of its own (the database is shared by the session)."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from cms.imports.service import ImportFiles
from storage.documents import CatalogEntry, ContentVersion, ReviewState
from storage.imports import ImportState
from storage.register import RegisterRecord
from storage.search import SearchEntry
from tests.helpers import ADMIN, ROOT_KEY
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
