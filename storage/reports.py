"""The annual report (年度报告): what staff enter for one organization's year, and, once the report is
issued, the snapshot of every figure it was issued with.

The figures the repository can count (requests, catalog entries) are never stored while the report is
a draft: they are computed on every read. ``snapshot`` holds the whole computed report as issued; once
the catalog entry carrying it is published, that snapshot is the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from storage.documents import utcnow


class ReportInputs(BaseModel):
    """What the repository cannot know, entered by the disclosure office (section 四 and the
    信息处理费 of 六 are computed from the requests' cases and fees)."""

    overview: str = ""  # 一 总体情况
    licensing: int = 0  # 二 行政许可 本年处理决定数量
    penalty: int = 0  # 行政处罚
    enforcement: int = 0  # 行政强制
    fee_amount: float = 0.0  # 行政事业性收费 本年收费金额（万元）
    problems: str = ""  # 五 存在的主要问题及改进情况
    other_matters: str = ""  # 六 其他需要报告的事项


class AnnualReport(Document):
    org_id: PydanticObjectId
    year: int
    include_subtree: bool = False
    inputs: ReportInputs = Field(default_factory=ReportInputs)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = None
    entry_id: PydanticObjectId | None = None  # the catalog entry issuing it
    attachment_id: PydanticObjectId | None = None  # the .docx on it (other files staff add stay)
    issued_at: datetime | None = None
    issued_by: str | None = None
    snapshot: dict[str, Any] | None = None  # the computed report as issued

    class Settings:
        name = "annual_reports"
        indexes = [
            IndexModel(
                [("org_id", ASCENDING), ("year", ASCENDING), ("include_subtree", ASCENDING)], unique=True
            ),
            IndexModel([("entry_id", ASCENDING)]),
        ]


REPORT_DOCUMENTS: list[type[Document]] = [AnnualReport]
