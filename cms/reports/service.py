"""The annual report (年度报告) of an organization (optionally with its subtree) for a year.

Reading computes the report from the repository and the staff's entries; issuing renders the .docx,
puts it on a catalog entry draft (which then passes the review chain like any release) and stores the
computed report as a snapshot. Once that entry is published the snapshot is the report: later edits of
requests or catalog entries do not change a published report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

from beanie import PydanticObjectId
from beanie.odm.utils.encoder import Encoder
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.attachments.service import AttachmentService
from cms.content.versions import VersionService
from cms.errors import Conflict, DomainError, InvalidInput
from cms.kinds.catalog import CatalogService, NewCatalogEntry
from cms.reports import figures as fg
from cms.reports.model import (
    Figure,
    ProactiveSection,
    RemedyRow,
    RemedySection,
    ReportData,
)
from cms.reports.word import render, title_of
from cms.requests.codes import OPEN_STATES, RequestState
from cms.requests.fees import fees_collected
from cms.requests.remedies import ResultCounts, remedy_case_counts
from cms.review.chains import EDITABLE_STATES
from cms.review.workflow import WorkflowService
from storage.attachments import Attachment
from storage.documents import CatalogEntry, ReviewState, Validity, at_midnight, utcnow
from storage.reports import AnnualReport, ReportInputs
from storage.requests import DisclosureRequest

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
FIRST_YEAR = 2008  # 条例 in force from 1 May 2008
TEXT_LIMIT = 50_000
COUNT_LIMIT = 100_000_000
AMOUNT_LIMIT = 1e12
REPORT_TOPIC = "综合政务\\政务公开"
REPORT_GENRE = "报告"
_ENCODER = Encoder(to_db=True)


class ReportState(StrEnum):
    DRAFT = "draft"  # not issued yet
    ISSUED = "issued"  # on a catalog entry draft (new or sent back): may still be edited and issued again
    IN_REVIEW = "in_review"  # its entry is on the review chain
    PUBLISHED = "published"  # its entry was published: the figures are frozen


REPORT_STATE_LABELS = {
    ReportState.DRAFT: "编写中",
    ReportState.ISSUED: "已生成条目草稿",
    ReportState.IN_REVIEW: "审查中",
    ReportState.PUBLISHED: "已发布",
}


class ReportFrozen(DomainError):
    code = "REPORT_PUBLISHED"
    default_message = "年度报告已发布，其数字已固定，不能再修改或重新印发。"


class ReportInReview(DomainError):
    code = "REPORT_IN_REVIEW"
    default_message = "年度报告正在审查中；请待退回后再修改或重新印发。"


class ReportChecksFailed(DomainError):
    code = "REPORT_CHECKS_FAILED"
    default_message = "年度报告的数据核对未通过，不能印发。"


@dataclass(frozen=True)
class Report:
    data: ReportData
    state: ReportState
    version: int  # of the staff's entries (0: nothing saved yet)
    entry_id: ObjectId | None
    issued_at: datetime | None


class ReportService:
    def __init__(
        self,
        access: AccessControl,
        catalog: CatalogService,
        versions: VersionService,
        workflow: WorkflowService,
        attachments: AttachmentService,
    ) -> None:
        self.access = access
        self.catalog = catalog
        self.versions = versions
        self.workflow = workflow
        self.attachments = attachments
        self.clock: Callable[[], datetime] = utcnow

    def today(self) -> date:
        return self.clock().astimezone(SHANGHAI).date()

    # -- reading --------------------------------------------------------------------------------

    async def report(
        self, principal: Principal, org_id: ObjectId, year: int, subtree: bool = False
    ) -> Report:
        self._check_year(year)
        self.access.orgs.tree.require(org_id)
        self.access.require(principal, Permission.REPORT_VIEW, org_id)
        stored = await self._stored(org_id, year, subtree)
        state, _entry = await self._state(stored)
        if stored is not None and state is ReportState.PUBLISHED and stored.snapshot is not None:
            data = ReportData.model_validate(stored.snapshot)
        else:
            data = await self.compute(org_id, year, subtree, stored.inputs if stored else ReportInputs())
        return _report(data, state, stored)

    async def compute(self, org_id: ObjectId, year: int, subtree: bool, inputs: ReportInputs) -> ReportData:
        orgs = sorted(self.access.orgs.tree.subtree_ids(org_id)) if subtree else [org_id]
        rows, checks = fg.request_matrix(await _request_records(orgs, year), year)
        documents = await _document_records(orgs)
        regulations = fg.document_counts(documents, fg.REGULATION_GENRE, year)
        normative = fg.document_counts(documents, fg.NORMATIVE_GENRE, year)
        by_key = {r.key: r.counts[-1] for r in rows}
        published = await _published_count(orgs, year)
        cases = await remedy_case_counts(orgs, year)
        return ReportData(
            organization_id=str(org_id),
            organization_name=self.access.orgs.tree.require(org_id).name,
            year=year,
            include_subtree=subtree,
            overview=inputs.overview,
            overview_figures=[
                Figure(label="本年主动公开政府信息（条）", value=published),
                Figure(label="本年制发规章（件）", value=regulations.issued),
                Figure(label="本年制发行政规范性文件（件）", value=normative.issued),
                Figure(label="本年新收政府信息公开申请（件）", value=by_key[fg.NEW]),
                Figure(label="本年办结政府信息公开申请（件）", value=by_key[fg.TOTAL]),
                Figure(label="结转下年度继续办理（件）", value=by_key[fg.CARRIED_OUT]),
            ],
            proactive=ProactiveSection(
                regulations=regulations,
                normative_documents=normative,
                licensing=inputs.licensing,
                penalty=inputs.penalty,
                enforcement=inputs.enforcement,
                fee_amount=inputs.fee_amount,
            ),
            requests=rows,
            remedies=RemedySection(
                review=_remedy_row(cases.review),
                litigation_direct=_remedy_row(cases.litigation_direct),
                litigation_after_review=_remedy_row(cases.litigation_after_review),
            ),
            problems=inputs.problems,
            other_matters=inputs.other_matters,
            processing_fees=yuan(await fees_collected(orgs, year)),
            checks=checks,
            computed_at=self.clock(),
        )

    # -- writing --------------------------------------------------------------------------------

    async def save_draft(
        self,
        principal: Principal,
        org_id: ObjectId,
        year: int,
        subtree: bool,
        inputs: ReportInputs,
        expected_version: int | None,
    ) -> Report:
        self._check_year(year)
        self.access.orgs.tree.require(org_id)
        self.access.require(principal, Permission.REPORT_EDIT, org_id)
        _check_inputs(inputs)
        stored = await self._stored(org_id, year, subtree)
        await self._require_editable(stored)
        seen = stored.version if stored is not None else 0
        if expected_version is not None and expected_version != seen:
            raise Conflict()
        if stored is None:
            stored = AnnualReport(org_id=PydanticObjectId(org_id), year=year, include_subtree=subtree)
        stored.inputs, stored.updated_by, stored.updated_at = inputs, principal.user_id, self.clock()
        stored = await _write(stored, seen)
        return await self.report(principal, org_id, year, subtree)

    async def issue(self, principal: Principal, org_id: ObjectId, year: int, subtree: bool) -> Report:
        """The .docx on a catalog entry draft of the organization (a new one, or the one sent back),
        and the snapshot it was made from."""
        self._check_year(year)
        self.access.orgs.tree.require(org_id)
        self.access.require(principal, Permission.REPORT_EDIT, org_id)
        stored = await self._stored(org_id, year, subtree)
        entry = await self._require_editable(stored)
        seen = stored.version if stored is not None else 0
        if stored is None:
            stored = AnnualReport(org_id=PydanticObjectId(org_id), year=year, include_subtree=subtree)
        data = await self.compute(org_id, year, subtree, stored.inputs)
        failed = [c for c in data.checks if not c.holds]
        if failed:
            raise ReportChecksFailed(
                "年度报告的数据核对未通过，不能印发：" + "；".join(f"{c.label}（{c.detail}）" for c in failed)
            )
        if entry is None:
            entry = await self._new_entry(principal, org_id, data)
        elif (
            stored.attachment_id is not None
        ):  # issued again: the old .docx goes (cleanup removes the object)
            await Attachment.find({"_id": stored.attachment_id, "item_id": entry.id}).delete()
        assert principal.user_id is not None
        docx = await self.attachments.attach_server_file(
            entry, f"{title_of(data)}.docx", render(data), by=principal.user_id
        )
        stored.entry_id, stored.attachment_id = entry.id, docx.id
        stored.issued_at, stored.issued_by = self.clock(), principal.user_id
        stored.snapshot = data.model_dump(mode="json")
        await _write(stored, seen)
        return await self.report(principal, org_id, year, subtree)

    async def _new_entry(self, principal: Principal, org_id: ObjectId, data: ReportData) -> CatalogEntry:
        new = NewCatalogEntry(
            org_id=org_id,
            title=title_of(data),
            summary=f"{data.organization_name}{data.year}年政府信息公开工作年度报告（条例第四十九、五十条）。",
            topic=REPORT_TOPIC,
            genre=REPORT_GENRE,
            created_date=self.today(),
            body=data.overview,
        )

        async def write(session: AsyncClientSession) -> CatalogEntry:
            entry = await self.catalog.create_draft(new, created_by=principal.user_id, session=session)
            await self.versions.record(entry, by=principal.user_id, note="印发年度报告", session=session)
            return entry

        return await self.workflow.atomically(write)

    # -- internals ------------------------------------------------------------------------------

    def _check_year(self, year: int) -> None:
        if not FIRST_YEAR <= year <= self.today().year:
            raise InvalidInput(f"年度须在 {FIRST_YEAR} 年至今年之间。", field="year")

    async def _stored(self, org_id: ObjectId, year: int, subtree: bool) -> AnnualReport | None:
        return await AnnualReport.find_one({"org_id": org_id, "year": year, "include_subtree": subtree})

    async def _state(self, stored: AnnualReport | None) -> tuple[ReportState, CatalogEntry | None]:
        if stored is None or stored.entry_id is None:
            return ReportState.DRAFT, None
        entry = await CatalogEntry.get(stored.entry_id)
        if entry is None:
            return ReportState.DRAFT, None
        if entry.published_at is not None:
            return ReportState.PUBLISHED, entry
        if entry.review_state in EDITABLE_STATES and entry.review_state is not ReviewState.WITHDRAWN:
            return ReportState.ISSUED, entry
        return ReportState.IN_REVIEW, entry

    async def _require_editable(self, stored: AnnualReport | None) -> CatalogEntry | None:
        state, entry = await self._state(stored)
        if state is ReportState.PUBLISHED:
            raise ReportFrozen()
        if state is ReportState.IN_REVIEW:
            raise ReportInReview()
        return entry


def yuan(fen: int) -> Decimal:
    """Fen as yuan, exactly (a float would round 0.1 + 0.2 away from 0.30)."""
    return Decimal(fen).scaleb(-2)


def _remedy_row(counts: ResultCounts) -> RemedyRow:
    return RemedyRow(
        upheld=counts.upheld,
        corrected=counts.corrected,
        other=counts.other,
        pending=counts.pending,
        total=counts.total,
    )


def _report(data: ReportData, state: ReportState, stored: AnnualReport | None) -> Report:
    return Report(
        data=data,
        state=state,
        version=stored.version if stored is not None else 0,
        entry_id=stored.entry_id if stored is not None else None,
        issued_at=stored.issued_at if stored is not None else None,
    )


async def _write(stored: AnnualReport, seen: int) -> AnnualReport:
    """Insert the first save, else update only if nobody saved in between."""
    stored.version = seen + 1
    if seen == 0:
        try:
            await stored.insert()
        except DuplicateKeyError as exc:
            raise Conflict() from exc
        return stored
    values = dict(_ENCODER.encode(stored))
    values.pop("_id", None)
    result = await AnnualReport.get_pymongo_collection().update_one(
        {"_id": stored.id, "version": seen}, {"$set": values}
    )
    if result.matched_count != 1:
        raise Conflict()
    return stored


def _check_inputs(inputs: ReportInputs) -> None:
    for name in ("overview", "problems", "other_matters"):
        if len(getattr(inputs, name)) > TEXT_LIMIT:
            raise InvalidInput(f"内容过长（最多 {TEXT_LIMIT} 个字符）。", field=_camel(name))
    for name in ("licensing", "penalty", "enforcement"):
        if not 0 <= getattr(inputs, name) <= COUNT_LIMIT:
            raise InvalidInput("数量须为不小于 0 的整数。", field=name)
    if not math.isfinite(inputs.fee_amount) or not 0 <= inputs.fee_amount <= AMOUNT_LIMIT:
        raise InvalidInput("金额须为不小于 0 的数。", field="feeAmount")


def _camel(name: str) -> str:
    return ".".join(
        part.split("_")[0] + "".join(w.title() for w in part.split("_")[1:]) for part in name.split(".")
    )


def _closing_day(doc: dict[str, Any]) -> date | None:
    """The day a request left the open states: its reply's date, else (deemed withdrawn) the day it
    was closed, in China's time."""
    if RequestState(doc["state"]) in OPEN_STATES:
        return None
    reply = doc.get("reply") or {}
    if reply.get("replied_on") is not None:
        return _as_date(reply["replied_on"])
    closed = doc.get("closed_at")
    if closed is None:
        return None
    return closed.replace(tzinfo=closed.tzinfo or UTC).astimezone(SHANGHAI).date()  # type: ignore[no-any-return]


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


async def _request_records(orgs: list[ObjectId], year: int) -> list[fg.RequestRecord]:
    """The requests open at some time in the year (closed ones a day early too: closed_at is UTC)."""
    query = {
        "org_id": {"$in": orgs},
        "received_on": {"$lte": at_midnight(date(year, 12, 31))},
        "$or": [
            {"closed_at": None},
            {"closed_at": {"$gte": at_midnight(date(year, 1, 1)) - timedelta(days=1)}},
        ],
    }
    fields = {"number": 1, "applicant_kind": 1, "received_on": 1, "state": 1, "reply": 1, "closed_at": 1}
    cursor = DisclosureRequest.get_pymongo_collection().find(query, fields)
    records: list[fg.RequestRecord] = []
    async for doc in cursor:
        reply = doc.get("reply") or {}
        records.append(
            fg.RequestRecord(
                number=doc["number"],
                kind=doc["applicant_kind"],
                received=_as_date(doc["received_on"]),
                closed=_closing_day(doc),
                outcome=reply.get("outcome"),
                ground=reply.get("ground"),
            )
        )
    return records


async def _document_records(orgs: list[ObjectId]) -> list[fg.DocumentRecord]:
    query = {
        "org_id": {"$in": orgs},
        "genre": {"$in": [fg.REGULATION_GENRE, fg.NORMATIVE_GENRE]},
        "review_state": ReviewState.PUBLISHED.value,
    }
    fields = {"genre": 1, "validity": 1, "published_date": 1, "created_date": 1, "repeal_date": 1}
    records: list[fg.DocumentRecord] = []
    async for doc in CatalogEntry.get_pymongo_collection().find(query, fields):
        issued = doc.get("published_date") or doc.get("created_date")
        repealed = doc.get("repeal_date")
        records.append(
            fg.DocumentRecord(
                genre=doc["genre"],
                validity=Validity(doc.get("validity", Validity.VALID.value)),
                issued=_as_date(issued) if issued else None,
                repealed=_as_date(repealed) if repealed else None,
            )
        )
    return records


async def _published_count(orgs: list[ObjectId], year: int) -> int:
    query = {
        "org_id": {"$in": orgs},
        "review_state": ReviewState.PUBLISHED.value,
        "published_date": {
            "$gte": at_midnight(date(year, 1, 1)),
            "$lte": at_midnight(date(year, 12, 31)),
        },
    }
    return await CatalogEntry.get_pymongo_collection().count_documents(query)
