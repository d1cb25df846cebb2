"""行政复议 and 行政诉讼 cases brought against the handling of a request, and the figures the annual
report gives of them (国办公开办函〔2021〕30号, section 四): cases filed in the year, by kind, by
their result as of the year's end (a case concluded later is still 尚未审结 in that year's report).

The rules of recording are checked here; the request service asks for the permission, writes the
request and its history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bson import ObjectId

from cms.errors import DomainError, InvalidInput, NotFound
from cms.requests.codes import REMEDY_CASE_KIND_LABELS, RemedyCaseKind, RemedyResult
from cms.review.workdays import as_date
from storage.documents import at_midnight
from storage.requests import DisclosureRequest, RemedyCase

AUTHORITY_LIMIT = 200
CASE_NUMBER_LIMIT = 100
NOTE_LIMIT = 2000


class RemedyCaseConcluded(DomainError):
    code = "INVALID_REQUEST_STATE"
    default_message = "该案件已审结。"


@dataclass(frozen=True)
class NewRemedyCase:
    kind: RemedyCaseKind
    filed_on: date
    authority: str  # 复议机关 or 人民法院
    case_number: str = ""
    note: str = ""


def new_case(new: NewRemedyCase, request: DisclosureRequest, today: date) -> RemedyCase:
    """A checked case, pending until concluded."""
    received = as_date(request.received_on)
    if not received <= new.filed_on <= today:
        raise InvalidInput("立案（申请）日期须在收到政府信息公开申请之后且不晚于今天。", field="filedOn")
    if not new.authority.strip() or len(new.authority) > AUTHORITY_LIMIT:
        raise InvalidInput(f"请填写复议机关或受理法院（最多 {AUTHORITY_LIMIT} 个字符）。", field="authority")
    if len(new.case_number) > CASE_NUMBER_LIMIT:
        raise InvalidInput(f"案号最多 {CASE_NUMBER_LIMIT} 个字符。", field="caseNumber")
    if len(new.note) > NOTE_LIMIT:
        raise InvalidInput(f"备注最多 {NOTE_LIMIT} 个字符。", field="note")
    if new.kind is RemedyCaseKind.LITIGATION_AFTER_REVIEW and not _reviewed_before(request, new.filed_on):
        # 行政诉讼法 第四十五条: a suit after review follows a review of the same matter.
        raise InvalidInput("复议后起诉的，须先登记该申请的行政复议案件。", field="kind")
    return RemedyCase(
        case_id=str(ObjectId()),
        kind=new.kind.value,
        filed_on=new.filed_on,
        authority=new.authority.strip(),
        case_number=new.case_number.strip(),
        note=new.note.strip(),
    )


def _reviewed_before(request: DisclosureRequest, filed_on: date) -> bool:
    return any(
        case.kind == RemedyCaseKind.REVIEW.value and as_date(case.filed_on) <= filed_on
        for case in request.remedy_cases
    )


def conclude(
    request: DisclosureRequest, case_id: str, result: RemedyResult, concluded_on: date, today: date
) -> RemedyCase:
    """Records the result of the case ``case_id`` of the request (in place) and returns it."""
    case = next((c for c in request.remedy_cases if c.case_id == case_id), None)
    if case is None:
        raise NotFound("未找到该行政复议、行政诉讼案件。", field="case")
    if case.result != RemedyResult.PENDING.value:
        raise RemedyCaseConcluded()
    if result is RemedyResult.PENDING:
        raise InvalidInput("请选择审结结果：维持、纠正或其他。", field="result")
    if not as_date(case.filed_on) <= concluded_on <= today:
        raise InvalidInput("审结日期须在立案（申请）之后且不晚于今天。", field="concludedOn")
    case.result = result.value
    case.concluded_on = concluded_on
    return case


def describe(case: RemedyCase) -> str:
    """The history's note for a case: its kind, authority and number."""
    kind = REMEDY_CASE_KIND_LABELS[RemedyCaseKind(case.kind)]
    return " ".join(part for part in (kind, case.authority, case.case_number) if part)


# -- the annual report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultCounts:
    """One row of section 四: 结果维持 / 结果纠正 / 其他结果 / 尚未审结 / 总计."""

    upheld: int = 0
    corrected: int = 0
    other: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.upheld + self.corrected + self.other + self.pending


@dataclass(frozen=True)
class RemedyCaseCounts:
    review: ResultCounts
    litigation_direct: ResultCounts  # 未经复议直接起诉
    litigation_after_review: ResultCounts  # 复议后起诉


def result_at_year_end(case: RemedyCase, year: int) -> RemedyResult:
    """The result as the report of ``year`` sees it: concluded after 31 December is still pending."""
    concluded = as_date(case.concluded_on) if case.concluded_on is not None else None
    if concluded is None or concluded > date(year, 12, 31):
        return RemedyResult.PENDING
    return RemedyResult(case.result)


def count_remedy_cases(cases: Iterable[RemedyCase], year: int) -> RemedyCaseCounts:
    """Section 四 of the report of ``year`` from the cases given (those filed in other years are
    left out)."""
    tally: dict[RemedyCaseKind, dict[RemedyResult, int]] = {
        kind: dict.fromkeys(RemedyResult, 0) for kind in RemedyCaseKind
    }
    for case in cases:
        if as_date(case.filed_on).year == year:
            tally[RemedyCaseKind(case.kind)][result_at_year_end(case, year)] += 1

    def row(kind: RemedyCaseKind) -> ResultCounts:
        counts = tally[kind]
        return ResultCounts(
            upheld=counts[RemedyResult.UPHELD],
            corrected=counts[RemedyResult.CORRECTED],
            other=counts[RemedyResult.OTHER],
            pending=counts[RemedyResult.PENDING],
        )

    return RemedyCaseCounts(
        review=row(RemedyCaseKind.REVIEW),
        litigation_direct=row(RemedyCaseKind.LITIGATION_DIRECT),
        litigation_after_review=row(RemedyCaseKind.LITIGATION_AFTER_REVIEW),
    )


async def remedy_case_counts(org_ids: Iterable[ObjectId], year: int) -> RemedyCaseCounts:
    """Section 四 for the requests handled by ``org_ids`` (the report's organization, or its
    subtree as the caller decides): every case filed in ``year``, result as of 31 December."""
    start, end = at_midnight(date(year, 1, 1)), at_midnight(date(year + 1, 1, 1))
    query = {
        "org_id": {"$in": list(org_ids)},
        "remedy_cases.filed_on": {"$gte": start, "$lt": end},
    }
    found = await DisclosureRequest.find(query).to_list()
    return count_remedy_cases((case for request in found for case in request.remedy_cases), year)
