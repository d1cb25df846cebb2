"""Reading a catalog sheet (xlsx, or CSV in UTF-8 with or without BOM, or GBK), writing the template and
the problem report.

Rows are read lazily (a 100,000-row sheet is never a list of dicts in memory); numbering follows the
spreadsheet's own, heading row 1, so a problem's row is the one staff see in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import charset_normalizer
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cms.errors import InvalidInput
from cms.imports.columns import BY_HEADING, COLUMNS, DISCLOSURE_LABELS, VALIDITY_LABELS, Cell

Value = str | date
MAX_SHEET_BYTES = 200 * 1024 * 1024
TEMPLATE_ROWS = 10_000  # rows the template's lists apply to
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz"}


@dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet shows it (the heading row is 1)
    cells: dict[str, Value]  # heading → non-empty value


@dataclass(frozen=True)
class Sheet:
    """A sheet that can be read more than once (checked first, then written)."""

    filename: str
    data: bytes
    headings: tuple[str, ...]

    def rows(self) -> Iterator[SheetRow]:
        raw = _xlsx_rows(self.data) if _is_xlsx(self.filename, self.data) else _csv_rows(self.data)
        next(raw, None)  # the heading row
        for number, values in enumerate(raw, start=2):
            cells = {h: v for h, v in zip(self.headings, values, strict=False) if h and v != ""}
            if not cells or _is_hint_row(cells):
                continue
            yield SheetRow(number, cells)


def open_sheet(filename: str, data: bytes) -> Sheet:
    """The sheet and its heading row; refuses what is not a readable sheet or names no known column."""
    if len(data) > MAX_SHEET_BYTES:
        raise InvalidInput(f"表格文件不能超过 {MAX_SHEET_BYTES // (1024 * 1024)} MB。", field="file")
    raw = _xlsx_rows(data) if _is_xlsx(filename, data) else _csv_rows(data)
    first = next(raw, None)
    headings = tuple(str(h).strip() for h in first or ())
    if not any(h in BY_HEADING for h in headings):
        raise InvalidInput("表格第 1 行应为列名（如 索引号、名称、发布日期），请使用导入模板。", field="file")
    unknown = [h for h in headings if h and h not in BY_HEADING]
    if unknown:
        raise InvalidInput(f"表格含有无法识别的列：{'、'.join(unknown)}。", field="file")
    repeated = sorted({h for h in headings if h and headings.count(h) > 1})
    if repeated:
        raise InvalidInput(f"表格的列重复：{'、'.join(repeated)}。", field="file")
    return Sheet(filename, data, headings)


def _is_xlsx(filename: str, data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")


def _xlsx_rows(data: bytes) -> Iterator[list[Value]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput("无法读取该 Excel 文件，请另存为 .xlsx 后重试。", field="file") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_xlsx_value(v) for v in values]
    finally:
        book.close()


def _xlsx_value(value: object) -> Value:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[list[Value]]:
    """Decoded as it is read (a 200 MB GBK file is never one 400 MB string beside its bytes)."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=csv_encoding(data), errors="strict", newline="")
    for values in csv.reader(stream):
        yield [v.strip() for v in values]


def csv_encoding(data: bytes) -> str:
    """UTF-8 (``utf-8-sig``: with or without BOM) or GB18030 (GBK's superset: every GBK file decodes
    alike); old systems export both and say neither. Checked in chunks, nothing decoded is kept."""
    if _decodes(data, "utf-8"):
        return "utf-8-sig"
    # Not UTF-8: GBK, say the old systems; the detector tells it from Big5 and others that would decode
    # as GBK garbage rather than fail.
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    detected = best.encoding if best is not None else "gb18030"
    if detected.replace("_", "") in _GB_FAMILY:
        if _decodes(data, "gb18030"):
            return "gb18030"
        detected = "无法解码的 GBK"
    raise InvalidInput(
        f"无法识别 CSV 文件的编码（检测为 {detected}），请另存为 UTF-8 或 GBK 编码。", field="file"
    )


def _decodes(data: bytes, encoding: str, chunk: int = 1 << 20) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    view = memoryview(data)
    try:
        for start in range(0, len(view), chunk):
            decoder.decode(view[start : start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _is_hint_row(cells: dict[str, Value]) -> bool:
    """The template's second row (the hints) is not data."""
    return all(BY_HEADING[h].hint == v for h, v in cells.items() if h in BY_HEADING)


# -- the template ---------------------------------------------------------------------------------


def template(topics: Sequence[str], genres: Sequence[str], organizations: Sequence[str]) -> bytes:
    """The import template: a heading row, a hint row, and drop-down lists for every vocabulary."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "公开目录"
    sheet.append([c.heading for c in COLUMNS])
    sheet.append([c.hint for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
    sheet.freeze_panes = "A3"
    lists = book.create_sheet("词表")
    lists.sheet_state = "hidden"
    vocabularies = {
        Cell.TOPIC: list(topics),
        Cell.GENRE: list(genres),
        Cell.DISCLOSURE: list(DISCLOSURE_LABELS),
        Cell.VALIDITY: list(VALIDITY_LABELS),
        Cell.ORGANIZATION: list(organizations),
    }
    for index, (cell_kind, values) in enumerate(vocabularies.items(), start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=cell_kind.value)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=index, value=value)
        if not values:
            continue
        source = f"=词表!${letter}$2:${letter}${len(values) + 1}"
        for position, column in enumerate(COLUMNS, start=1):
            if column.cell is cell_kind:
                rule = DataValidation(type="list", formula1=source, allow_blank=True)
                rule.error = f"请从列表中选择{column.heading}。"
                rule.showErrorMessage = True
                sheet.add_data_validation(rule)
                rule.add(f"{get_column_letter(position)}3:{get_column_letter(position)}{TEMPLATE_ROWS + 2}")
    for position, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = (
            40 if column.field in ("title", "body") else 18
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the problem report ---------------------------------------------------------------------------


def problems_csv(problems: Sequence[tuple[int, str, str]]) -> bytes:
    """行, 列, 问题: UTF-8 with a BOM, which Excel opens as such."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["行", "列", "问题"])
    for row, column, message in problems:
        writer.writerow([row or "", column, message])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
