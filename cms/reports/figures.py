"""Counting for the annual report, on plain records: no database here, so every rule of the official
format (国办公开办函〔2021〕30号) is one small function a test can hold against known numbers.

Section 三 counts the requests that were open at some time in the year: received by 31 December and
not closed before 1 January. Each is 本年新收 or 上年结转 (by its date of receipt), and either has a
result this year (by its closing date: the day the reply was sent, or for a request deemed withdrawn,
the day it was closed) or is 结转下年度继续办理. So 本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理
holds column by column whenever every request is counted exactly once; the checks say whether it did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from cms.reports.model import COLUMN_LABELS, DocumentCounts, MatrixRow, ReportCheck
from cms.requests.codes import GROUND_LABELS, GROUNDS, ApplicantKind, Ground, Outcome
from storage.documents import Validity

COLUMNS = list(ApplicantKind)  # the order of COLUMN_LABELS without 总计
WIDTH = len(COLUMN_LABELS)
# The official numbering of the outcomes in section 三.
OUTCOME_ROWS: dict[Outcome, str] = {
    Outcome.DISCLOSED: "（一）予以公开",
    Outcome.PARTLY_DISCLOSED: "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    Outcome.NOT_DISCLOSED: "（三）不予公开",
    Outcome.UNABLE: "（四）无法提供",
    Outcome.NOT_PROCESSED: "（五）不予处理",
    Outcome.OTHER: "（六）其他处理",
}
NEW, CARRIED_IN, TOTAL, CARRIED_OUT = "new", "carried_in", "total", "carried_out"
ROW_LABELS = {
    NEW: "一、本年新收政府信息公开申请数量",
    CARRIED_IN: "二、上年结转政府信息公开申请数量",
    TOTAL: "（七）总计",
    CARRIED_OUT: "四、结转下年度继续办理",
}
RESULTS_HEADING = "三、本年度办理结果"
# 规章 and 行政规范性文件 are catalog genres (体裁) of these stored values.
REGULATION_GENRE = "规章"
NORMATIVE_GENRE = "行政规范性文件"
OUT_OF_FORCE = frozenset({Validity.REPEALED, Validity.EXPIRED})


@dataclass(frozen=True)
class RequestRecord:
    number: str
    kind: str
    received: date
    closed: date | None  # None: still open
    outcome: str | None
    ground: str | None


@dataclass(frozen=True)
class DocumentRecord:
    genre: str
    validity: Validity
    issued: date | None  # 发布日期 (else 成文日期)
    repealed: date | None  # 废止/失效日期


def result_keys() -> list[str]:
    """The rows of 本年度办理结果 in the official order: an outcome without grounds is one row, an
    outcome with grounds one row per ground."""
    keys: list[str] = []
    for outcome in Outcome:
        grounds = GROUNDS[outcome]
        keys.extend([f"{outcome.value}.{g.value}" for g in grounds] if grounds else [outcome.value])
    return keys


def _row_key(outcome: str | None, ground: str | None) -> str | None:
    try:
        kind = Outcome(outcome or "")
    except ValueError:
        return None
    grounds = GROUNDS[kind]
    if not grounds:
        return kind.value
    if ground is None or Ground(ground) not in grounds:
        return None
    return f"{kind.value}.{ground}"


def _label(key: str) -> tuple[str, str]:
    """(label, group) of a result row."""
    outcome, _, ground = key.partition(".")
    heading = OUTCOME_ROWS[Outcome(outcome)]
    if not ground:
        return heading, ""
    position = GROUNDS[Outcome(outcome)].index(Ground(ground)) + 1
    return f"{position}.{GROUND_LABELS[Ground(ground)]}", heading


def request_matrix(records: Iterable[RequestRecord], year: int) -> tuple[list[MatrixRow], list[ReportCheck]]:
    start, end = date(year, 1, 1), date(year, 12, 31)
    results = result_keys()
    counts: dict[str, list[int]] = {k: [0] * len(COLUMNS) for k in [NEW, CARRIED_IN, *results, CARRIED_OUT]}
    counted, unplaced = 0, []
    for record in records:
        if record.received > end or (record.closed is not None and record.closed < start):
            continue
        counted += 1
        try:
            column = COLUMNS.index(ApplicantKind(record.kind))
        except ValueError:
            unplaced.append(record.number)
            continue
        counts[NEW if record.received >= start else CARRIED_IN][column] += 1
        if record.closed is None or record.closed > end:
            counts[CARRIED_OUT][column] += 1
        elif (key := _row_key(record.outcome, record.ground)) is not None:
            counts[key][column] += 1
        else:
            unplaced.append(record.number)
    counts[TOTAL] = [sum(counts[k][c] for k in results) for c in range(len(COLUMNS))]
    rows = [_row(k, counts[k]) for k in [NEW, CARRIED_IN, *results, TOTAL, CARRIED_OUT]]
    return rows, _request_checks(counts, counted, sorted(unplaced))


def _row(key: str, counts: list[int]) -> MatrixRow:
    label, group = ROW_LABELS.get(key, ""), ""
    if not label:
        label, group = _label(key)
    return MatrixRow(key=key, label=label, group=group, counts=[*counts, sum(counts)])


def _request_checks(counts: dict[str, list[int]], counted: int, unplaced: list[str]) -> list[ReportCheck]:
    unbalanced = [
        COLUMN_LABELS[c]
        for c in range(len(COLUMNS))
        if counts[NEW][c] + counts[CARRIED_IN][c] != counts[TOTAL][c] + counts[CARRIED_OUT][c]
    ]
    placed = sum(counts[TOTAL]) + sum(counts[CARRIED_OUT])
    return [
        ReportCheck(
            key="balance",
            label="本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理",
            holds=not unbalanced,
            detail=f"不平衡的列：{'、'.join(unbalanced)}" if unbalanced else "",
        ),
        ReportCheck(
            key="counted_once",
            label="每件申请计入且只计入一项办理结果或结转下年度",
            holds=not unplaced and placed == counted,
            detail=f"未能计入的申请：{'、'.join(unplaced)}" if unplaced else "",
        ),
    ]


def document_counts(records: Iterable[DocumentRecord], genre: str, year: int) -> DocumentCounts:
    """本年制发 (issued this year), 本年废止 (repealed or expired this year), 现行有效 (issued by the year's
    end and not repealed or expired by then)."""
    end = date(year, 12, 31)
    issued = repealed = in_force = 0
    for record in records:
        if record.genre != genre or record.issued is None or record.issued > end:
            continue
        issued += record.issued.year == year
        out = record.validity in OUT_OF_FORCE and record.repealed is not None and record.repealed <= end
        repealed += out and record.repealed is not None and record.repealed.year == year
        in_force += not out
    return DocumentCounts(issued=issued, repealed=repealed, in_force=in_force)
