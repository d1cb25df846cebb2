"""One sheet row → a catalog entry to write, or the row's problems, each named by its column."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bson import ObjectId

from cms.admin.index_numbers import IndexTemplate
from cms.admin.organizations import OrgTree
from cms.content.dates import document_date
from cms.content.disclosure import check_grounds
from cms.errors import DomainError, InvalidInput
from cms.imports.columns import BY_FIELD, BY_HEADING, DISCLOSURE_LABELS, VALIDITY_LABELS, Cell, Column
from cms.imports.sheets import SheetRow, Value
from cms.kinds.catalog import NewCatalogEntry
from storage.documents import CatalogEntry, DisclosureMode, Validity

_SEPARATORS = re.compile(r"[、，,；;\n]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# What the catalog's own checks name (cms.kinds.catalog: API field names) → the sheet's column.
_API_FIELDS = {
    "title": "名称",
    "summary": "内容概述",
    "body": "正文",
    "documentNumber": "发文字号",
    "keywords": "主题词",
    "organization": "发布机构",
    "topic": "主题分类",
    "genre": "体裁",
    "publishedDate": "发布日期",
    "repealDate": "废止日期",
    "nonDisclosureReason": "不予主动公开理由",
    "legalBasis": "法律依据",
}


@dataclass(frozen=True)
class Problem:
    row: int  # 0: the file as a whole
    column: str
    message: str


@dataclass
class RowResult:
    number: int
    entry: CatalogEntry | None = None
    index_number: str | None = None
    attachments: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    key: str = ""  # what makes a re-run recognize the row: its 索引号, else its digest
    digest: str = ""  # of every value of the row


@dataclass(frozen=True)
class RowContext:
    """What every row of one import is read against."""

    org_id: ObjectId
    as_drafts: bool
    tree: OrgTree
    template: IndexTemplate
    org_code: str
    org_key: str
    topics: frozenset[str]
    genres: frozenset[str]
    org_names: dict[str, ObjectId]  # name, short name, code and key → id
    build: Callable[[NewCatalogEntry], CatalogEntry]
    validate: Callable[[CatalogEntry], None]


def read_row(row: SheetRow, context: RowContext) -> RowResult:
    result = RowResult(row.number)
    values: dict[str, Any] = {}
    for heading, raw in row.cells.items():
        column = BY_HEADING[heading]
        try:
            values[column.field] = _convert(column, raw, context)
        except InvalidInput as exc:
            result.problems.append(Problem(row.number, heading, exc.message))
    for column in BY_HEADING.values():
        if column.required and column.field not in values and column.heading not in row.cells:
            result.problems.append(Problem(row.number, column.heading, f"{column.heading}不能为空。"))
    _check_publication(row.number, values, context, result.problems)
    if result.problems:
        return result
    result.index_number = values.pop("index_number", None)
    result.digest = _digest(row)
    result.key = f"索引号:{result.index_number}" if result.index_number else result.digest
    result.attachments = values.pop("attachments", [])
    if result.index_number and not context.template.matches(
        result.index_number, code=context.org_code, key=context.org_key
    ):
        message = f"索引号“{result.index_number}”不符合本机构的索引号模板 {context.template.text}。"
        result.problems.append(Problem(row.number, "索引号", message))
        return result
    entry = context.build(NewCatalogEntry(org_id=context.org_id, **values))
    try:
        context.validate(entry)
        if not context.as_drafts:
            check_grounds(entry)
    except DomainError as exc:
        column_name = _API_FIELDS.get(str(exc.details.get("field", "")), "")
        result.problems.append(Problem(row.number, column_name, exc.message))
        return result
    result.entry = entry
    return result


def _check_publication(number: int, values: dict[str, Any], context: RowContext, out: list[Problem]) -> None:
    """A historical record imported as published keeps its 索引号 and its dates: both must be there."""
    if context.as_drafts:
        return
    for name in ("index_number", "published_date"):
        column = BY_FIELD[name]
        if name not in values and not any(p.column == column.heading for p in out):
            out.append(Problem(number, column.heading, f"以已发布方式导入时{column.heading}不能为空。"))


def _convert(column: Column, raw: Value, context: RowContext) -> Any:
    if column.cell is Cell.DATE:
        return _date(raw, column.heading)
    text = raw.isoformat() if isinstance(raw, date) else raw
    if column.limit and len(text) > column.limit:
        raise InvalidInput(f"{column.heading}超出长度上限（{column.limit} 字）。")
    match column.cell:
        case Cell.TEXT:
            return text
        case Cell.LIST:
            return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]
        case Cell.TOPIC:
            topic = text.replace("／", "\\").replace("/", "\\")
            if topic not in context.topics:
                raise InvalidInput(f"主题分类“{text}”不在主题分类词表中。")
            return topic
        case Cell.GENRE:
            if text not in context.genres:
                raise InvalidInput(f"体裁“{text}”不在体裁词表中。")
            return text
        case Cell.ORGANIZATION:
            return _organization(text, context)
        case Cell.ORGANIZATIONS:
            return [_organization(p.strip(), context) for p in _SEPARATORS.split(text) if p.strip()]
        case Cell.DISCLOSURE:
            return _label(DISCLOSURE_LABELS, DisclosureMode, text, column.heading)
        case Cell.VALIDITY:
            return _label(VALIDITY_LABELS, Validity, text, column.heading)
    raise AssertionError(column.cell)


def _organization(text: str, context: RowContext) -> ObjectId:
    found = context.org_names.get(text)
    if found is None:
        raise InvalidInput(f"机构“{text}”不存在。")
    return found


def _label(labels: dict[str, Any], enum_type: Any, text: str, heading: str) -> Any:
    if text in labels:
        return labels[text]
    try:
        return enum_type(text)
    except ValueError:
        raise InvalidInput(f"{heading}“{text}”无效，应为{'、'.join(labels)}之一。") from None


def _date(raw: Value, heading: str) -> date:
    if isinstance(raw, date):
        day = raw
    else:
        found = _DATE.match(raw) or _COMPACT_DATE.match(raw)
        if found is None:
            raise InvalidInput(f"{heading}“{raw}”不是有效日期，应写作 2013-12-24。")
        try:
            day = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise InvalidInput(f"{heading}“{raw}”不是有效日期。") from None
    try:
        checked = document_date(day, heading)
    except InvalidInput as exc:
        raise InvalidInput(f"{heading}：{exc.message}") from None
    assert checked is not None
    return checked


def _digest(row: SheetRow) -> str:
    cells = sorted((h, v.isoformat() if isinstance(v, date) else v) for h, v in row.cells.items())
    return "行内容:" + hashlib.sha256(repr(cells).encode("utf-8")).hexdigest()
