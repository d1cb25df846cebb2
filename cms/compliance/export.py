"""The dashboard as a file: CSV (UTF-8 with a BOM, as the register export) or .xlsx (a summary sheet
and a sheet of the items behind each figure). Chinese headers, Beijing dates (YYYY-MM-DD), cells a
spreadsheet would take for a formula written as plain text."""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable, Iterator
from datetime import date

from bson import ObjectId
from openpyxl import Workbook

from cms.compliance.model import Dashboard, ItemRef
from cms.review.register_csv import plain_cell


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUMMARY_HEADER = ("指标", "机构", "期间", "应达", "实际", "是否达标")
ITEMS_HEADER = ("指标", "期间", "机构", "类型", "ID", "名称", "日期", "参照日期", "期限", "说明")
TYPE_LABELS = {
    "CatalogEntry": "公开目录",
    "Interpretation": "政策解读",
    "Interview": "访谈与发布会",
    "GazetteIssue": "政府公报",
    "DisclosureRequest": "依申请公开",
}

OrgName = Callable[[ObjectId], str]


def filename(dashboard: Dashboard, fmt: ExportFormat) -> str:
    p = dashboard.period
    return f"compliance-{p.start.isoformat()}-{p.end.isoformat()}.{fmt.value}"


def summary_rows(dashboard: Dashboard, org_name: OrgName) -> Iterator[list[str]]:
    p = dashboard.period
    span = f"{p.start.isoformat()} 至 {p.end.isoformat()}"
    everyone = org_name(dashboard.org_id) + ("（含下级机构）" if dashboard.include_subtree else "")
    for figure in dashboard.figures:
        yield [figure.label, everyone, span, "", str(figure.count), ""]
    for row in dashboard.quotas:
        met = "是" if row.met else "否"
        yield [row.label, org_name(row.org_id), row.period_label, str(row.required), str(row.count), met]


def item_rows(dashboard: Dashboard, org_name: OrgName) -> Iterator[list[str]]:
    p = dashboard.period
    span = f"{p.start.isoformat()} 至 {p.end.isoformat()}"
    for figure in dashboard.figures:
        for item in figure.items:
            yield _item_row(figure.label, span, item, org_name)
    for row in dashboard.quotas:
        for item in row.items:
            yield _item_row(row.label, row.period_label, item, org_name)


def _item_row(label: str, span: str, item: ItemRef, org_name: OrgName) -> list[str]:
    return [
        label,
        span,
        org_name(item.org_id),
        TYPE_LABELS.get(item.type, item.type),
        str(item.id),
        item.title,
        _day(item.day),
        _day(item.reference_day),
        _day(item.due),
        item.note,
    ]


def as_csv(dashboard: Dashboard, org_name: OrgName) -> bytes:
    """One table: the items behind every figure, each row naming its figure (a figure without items
    has no row; the summary is the xlsx's first sheet and the dashboard itself)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ITEMS_HEADER)
    for row in item_rows(dashboard, org_name):
        writer.writerow([plain_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def as_xlsx(dashboard: Dashboard, org_name: OrgName) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "汇总"
    _fill(summary, SUMMARY_HEADER, summary_rows(dashboard, org_name))
    _fill(book.create_sheet("明细"), ITEMS_HEADER, item_rows(dashboard, org_name))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(sheet: object, header: tuple[str, ...], rows: Iterator[list[str]]) -> None:
    append = sheet.append  # type: ignore[attr-defined]
    append(list(header))
    for row in rows:
        # Text cells throughout: openpyxl would otherwise store a leading "=" as a formula.
        append([plain_cell(cell) for cell in row])


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""
