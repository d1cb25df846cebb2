"""The annual report as computed, section by section (国办公开办函〔2021〕30号).

Plain pydantic models: the same shape is served, rendered into the .docx and stored as the snapshot
of an issued report (``model_dump`` / ``model_validate``), so a frozen report reads back exactly.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

# The columns of section 三: 自然人, the five kinds of 法人或其他组织, 总计.
COLUMN_LABELS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


class Figure(BaseModel):
    """One of the year's figures offered beside the overview text."""

    label: str
    value: int


class DocumentCounts(BaseModel):
    """规章 or 行政规范性文件: 本年制发件数, 本年废止件数, 现行有效件数."""

    issued: int
    repealed: int
    in_force: int


class ProactiveSection(BaseModel):
    regulations: DocumentCounts
    normative_documents: DocumentCounts
    licensing: int
    penalty: int
    enforcement: int
    fee_amount: float


class MatrixRow(BaseModel):
    """A row of section 三: ``counts`` follow COLUMN_LABELS (the last one is the row's total)."""

    key: str
    label: str
    group: str = ""  # 不予公开, 无法提供 …: the outcome a ground row belongs to
    counts: list[int]


class RemedyRow(BaseModel):
    upheld: int
    corrected: int
    other: int
    pending: int
    total: int


class RemedySection(BaseModel):
    review: RemedyRow
    litigation_direct: RemedyRow
    litigation_after_review: RemedyRow


class ReportCheck(BaseModel):
    key: str
    label: str
    holds: bool
    detail: str = ""


class ReportData(BaseModel):
    organization_id: str
    organization_name: str
    year: int
    include_subtree: bool
    overview: str
    overview_figures: list[Figure]
    proactive: ProactiveSection
    requests: list[MatrixRow]
    remedies: RemedySection
    problems: str
    other_matters: str
    processing_fees: Decimal  # 元, exact (fen / 100); a snapshot holds it as a string
    checks: list[ReportCheck]
    computed_at: datetime
