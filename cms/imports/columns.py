"""The sheet's columns: the catalog fields by their Chinese names, in the template's order.

A sheet may leave out optional columns and order them as it likes; the heading row names them. What a
cell may hold is described here once, for the template (its hint row and lists) and for the checks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from storage.documents import DisclosureMode, Validity


class Cell(enum.Enum):
    TEXT = "text"
    DATE = "date"
    LIST = "list"  # several values separated by 、，,；; or spaces
    TOPIC = "topic"
    GENRE = "genre"
    ORGANIZATION = "organization"
    ORGANIZATIONS = "organizations"
    DISCLOSURE = "disclosure"
    VALIDITY = "validity"


@dataclass(frozen=True)
class Column:
    heading: str
    field: str  # the catalog field (NewCatalogEntry), or "index_number" / "attachments"
    cell: Cell
    hint: str
    required: bool = False
    limit: int = 0  # characters; 0: no limit of its own (the entry's checks still apply)


COLUMNS: tuple[Column, ...] = (
    Column("索引号", "index_number", Cell.TEXT, "按本机构索引号模板；以已发布方式导入时必填", limit=100),
    Column("名称", "title", Cell.TEXT, "必填，不超过 300 字", required=True, limit=300),
    Column("内容概述", "summary", Cell.TEXT, "不超过 2000 字", limit=2000),
    Column("发布机构", "issuing_org_id", Cell.ORGANIZATION, "机构全称、简称或代码；空则为导入机构"),
    Column("联合发文机关", "co_issuer_ids", Cell.ORGANIZATIONS, "多个用顿号分隔"),
    Column("发文字号", "document_number", Cell.TEXT, "如 云政办发〔2013〕115号", limit=100),
    Column("成文日期", "created_date", Cell.DATE, "如 2013-12-24"),
    Column("发布日期", "published_date", Cell.DATE, "如 2013-12-30；以已发布方式导入时必填"),
    Column("主题分类", "topic", Cell.TOPIC, "从列表选择，如 综合政务\\政务公开"),
    Column("体裁", "genre", Cell.GENRE, "从列表选择，如 通知"),
    Column("主题词", "keywords", Cell.LIST, "多个用顿号分隔"),
    Column("公开方式", "disclosure_mode", Cell.DISCLOSURE, "主动公开（默认）、依申请公开或不予公开"),
    Column("不予主动公开理由", "non_disclosure_reason", Cell.TEXT, "依申请公开或不予公开时必填"),
    Column("法律依据", "legal_basis", Cell.TEXT, "依申请公开或不予公开时必填"),
    Column("公开范围", "scope", Cell.TEXT, "默认 面向社会", limit=100),
    Column("有效性", "validity", Cell.VALIDITY, "有效（默认）、已修改、废止或失效"),
    Column("施行日期", "validity_effective_date", Cell.DATE, "如 2014-01-01"),
    Column("废止日期", "repeal_date", Cell.DATE, "废止或失效时必填"),
    Column("正文", "body", Cell.TEXT, "全文"),
    Column("附件", "attachments", Cell.LIST, "附件压缩包中的文件名，多个用顿号分隔"),
)
BY_HEADING = {column.heading: column for column in COLUMNS}
BY_FIELD = {column.field: column for column in COLUMNS}

DISCLOSURE_LABELS = {
    "主动公开": DisclosureMode.PROACTIVE,
    "依申请公开": DisclosureMode.ON_REQUEST,
    "不予公开": DisclosureMode.NOT_DISCLOSED,
}
VALIDITY_LABELS = {
    "有效": Validity.VALID,
    "已修改": Validity.AMENDED,
    "废止": Validity.REPEALED,
    "失效": Validity.EXPIRED,
}
