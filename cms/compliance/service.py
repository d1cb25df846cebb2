"""The compliance dashboard: per organization (optionally with its subtree) and any period of Beijing
days, what the disclosure office is held to, each figure with the items behind it.

- 第二十六条: a proactive catalog entry is due within 20 working days of being formed. Formed is its
  成文日期 (else the day its record was created); published is the Beijing day it went public
  (``effective``). Entries that went public in the period count, on time or late.
- Requests received in the period: answered on or before the due day (cms.requests.deadlines), overdue
  (answered late, or open past the due day on ``as_of``), pending (open, not yet due, or awaiting a
  补正), and closed without a reply (视为撤回).
- 三同步: an interpretation that went public in the period is in sync when it did so within
  ``SYNC_WORKDAYS`` working days after the last of the documents it interprets went public (the
  workflow already keeps it from going first). Three working days is the State Council's rule for
  interpretation materials (国办发〔2016〕80号 实施细则).
- Withdrawals: the review register's ``withdraw`` records in the period (staff withdrawals and the
  interpretations withdrawn with their documents).
- Validity changes: live entries repealed or expired (废止、失效) with a 废止日期 in the period, and
  entries marked amended (已修改) last changed in the period.
- The seed's quotas (section 一、二), over each quarter or year that overlaps the period (the whole
  quarter or year is counted, so a row means the same whichever period asked for it): a department
  holds a 新闻发布会 each quarter and two 在线访谈 a year; its 主要负责人 attends a 新闻发布会 of its
  government (the nearest ancestor that is a government; 省人民政府 for a provincial department) once
  a year; a government's 主要负责人 takes part in an 在线访谈 once a year. Events count once their
  record is published, by the day they were held (``event_date``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from beanie import Document
from beanie.odm.queries.find import FindMany
from bson import ObjectId

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.admin.organizations import OrgTree
from cms.compliance.export import CONTENT_TYPES, ExportFormat, as_csv, as_xlsx, filename
from cms.compliance.model import (
    Dashboard,
    Figure,
    FigureKey,
    ItemRef,
    Period,
    QuotaKey,
    QuotaRow,
    beijing_day,
)
from cms.errors import InvalidInput
from cms.requests.codes import OPEN_STATES, RequestState
from cms.requests.service import RequestService
from cms.review.workdays import CalendarService, WorkCalendar
from storage.documents import (
    CatalogEntry,
    DisclosureMode,
    EventKind,
    Interpretation,
    Interview,
    LeaderLevel,
    OrgKind,
    ReviewState,
    Validity,
    at_midnight,
)
from storage.register import RegisterRecord
from storage.requests import DisclosureRequest

SYNC_WORKDAYS = 3
DISCLOSURE_WORKDAYS = 20  # 第二十六条
PRESS_CONFERENCES_PER_QUARTER = 1
ONLINE_INTERVIEWS_PER_YEAR = 2  # of a department
HEAD_EVENTS_PER_YEAR = 1
MAX_ITEMS = 5000  # per figure's read: a dashboard is an overview, never a dump of the repository

D = TypeVar("D", bound=Document)


class ComplianceService:
    def __init__(
        self,
        access: AccessControl,
        calendar: CalendarService,
        requests: RequestService,
        tree: Callable[[], OrgTree],
    ) -> None:
        self.access = access
        self.calendar = calendar
        self.requests = requests
        self.tree = tree  # the current snapshot, read per call (the organization service swaps it)
        self.max_items = MAX_ITEMS

    def scope(self, principal: Principal, org_id: ObjectId, include_subtree: bool) -> tuple[ObjectId, ...]:
        """The organizations counted: the one asked for (the caller must hold ``compliance.view``
        there), and with the subtree those below it where the caller holds it too."""
        self.access.require(principal, Permission.COMPLIANCE_VIEW, org_id)
        tree = self.tree()
        tree.require(org_id)
        if not include_subtree:
            return (org_id,)
        below = sorted(tree.subtree_ids(org_id) - {org_id}, key=str)
        return (org_id, *[o for o in below if self.access.can(principal, Permission.COMPLIANCE_VIEW, o)])

    async def dashboard(
        self, principal: Principal, org_id: ObjectId, period: Period, include_subtree: bool = False
    ) -> Dashboard:
        orgs = self.scope(principal, org_id, include_subtree)
        calendar = self.calendar.calendar
        as_of = self.requests.today()
        figures = [
            *await self._proactive(orgs, period, calendar),
            *await self._requests(orgs, period),
            *await self._interpretations(orgs, period, calendar),
            await self._withdrawals(orgs, period),
            await self._validity_changes(orgs, period),
        ]
        quotas = await self._quotas(orgs, period)
        return Dashboard(org_id, period, include_subtree, orgs, as_of, tuple(figures), tuple(quotas))

    # -- 第二十六条 ------------------------------------------------------------------------------

    async def _proactive(
        self, orgs: Sequence[ObjectId], period: Period, calendar: WorkCalendar
    ) -> list[Figure]:
        query = {
            **_went_public(orgs, period, self.requests.clock()),
            "disclosure_mode": DisclosureMode.PROACTIVE.value,
        }
        entries = await _bounded(CatalogEntry.find(query).sort("+effective"), self.max_items)
        on_time: list[ItemRef] = []
        late: list[ItemRef] = []
        for entry in entries:
            published = beijing_day(entry.effective)
            formed = entry.created_date or beijing_day(entry.created)
            assert published is not None
            assert formed is not None
            due = calendar.due_date(formed, DISCLOSURE_WORKDAYS)
            ref = _ref(entry, "CatalogEntry", published, formed, due)
            (on_time if published <= due else late).append(ref)
        return [
            Figure(FigureKey.PUBLISHED_ON_TIME, tuple(on_time)),
            Figure(FigureKey.PUBLISHED_LATE, tuple(late)),
        ]

    # -- requests ------------------------------------------------------------------------------

    async def _requests(self, orgs: Sequence[ObjectId], period: Period) -> list[Figure]:
        query = {
            "org_id": {"$in": list(orgs)},
            "received_on": {"$gte": at_midnight(period.start), "$lte": at_midnight(period.end)},
        }
        found = await _bounded(DisclosureRequest.find(query).sort("+received_on", "+number"), self.max_items)
        today = self.requests.today()
        groups: dict[FigureKey, list[ItemRef]] = {
            k: []
            for k in (
                FigureKey.REQUESTS_ANSWERED_IN_TIME,
                FigureKey.REQUESTS_OVERDUE,
                FigureKey.REQUESTS_PENDING,
                FigureKey.REQUESTS_CLOSED_WITHOUT_REPLY,
            )
        }
        for request in found:
            due = self.requests.deadline(request).due
            replied = request.reply.replied_on if request.reply else None
            key = _request_figure(RequestState(request.state), due, replied, today)
            assert request.id is not None
            groups[key].append(
                ItemRef(
                    id=request.id,
                    type="DisclosureRequest",
                    title=request.number,
                    org_id=request.org_id,
                    day=replied,
                    reference_day=request.received_on,
                    due=due,
                )
            )
        return [Figure(key, tuple(items)) for key, items in groups.items()]

    # -- 三同步 --------------------------------------------------------------------------------

    async def _interpretations(
        self, orgs: Sequence[ObjectId], period: Period, calendar: WorkCalendar
    ) -> list[Figure]:
        query = _went_public(orgs, period, self.requests.clock())
        found = await _bounded(Interpretation.find(query).sort("+effective"), self.max_items)
        documents = {
            d.id: d
            for d in await CatalogEntry.find(
                {"_id": {"$in": [i for x in found for i in x.interprets_ids]}, "published_at": {"$ne": None}}
            ).to_list()
        }
        in_sync: list[ItemRef] = []
        late: list[ItemRef] = []
        for item in found:
            published = beijing_day(item.effective)
            assert published is not None
            days = [beijing_day(documents[i].effective) for i in item.interprets_ids if i in documents]
            last = max((d for d in days if d is not None), default=None)
            due = calendar.add_workdays(last, SYNC_WORKDAYS) if last is not None else None
            note = "" if last is not None else "所解读的文件未发布"
            ref = _ref(item, "Interpretation", published, last, due, note)
            (in_sync if due is not None and published <= due else late).append(ref)
        return [
            Figure(FigureKey.INTERPRETATIONS_IN_SYNC, tuple(in_sync)),
            Figure(FigureKey.INTERPRETATIONS_LATE, tuple(late)),
        ]

    # -- withdrawals and validity ----------------------------------------------------------------

    async def _withdrawals(self, orgs: Sequence[ObjectId], period: Period) -> Figure:
        query = {
            "org_id": {"$in": list(orgs)},
            "action": "withdraw",
            "at": {"$gte": period.first_instant, "$lt": period.after_instant},
        }
        records = await _bounded(RegisterRecord.find(query).sort("+at"), self.max_items)
        items = tuple(
            ItemRef(
                id=r.item_id,
                type=r.item_type,
                title=r.item_title,
                org_id=r.org_id,
                day=beijing_day(r.at),
                note=r.opinion,
            )
            for r in records
        )
        return Figure(FigureKey.WITHDRAWALS, items)

    async def _validity_changes(self, orgs: Sequence[ObjectId], period: Period) -> Figure:
        live = {"org_id": {"$in": list(orgs)}, "working_copy_of": None, "published_at": {"$ne": None}}
        ended = {
            **live,
            "validity": {"$in": [Validity.REPEALED.value, Validity.EXPIRED.value]},
            "repeal_date": {"$gte": at_midnight(period.start), "$lte": at_midnight(period.end)},
        }
        amended = {
            **live,
            "validity": Validity.AMENDED.value,
            "modified": {"$gte": period.first_instant, "$lt": period.after_instant},
        }
        found = [
            *await _bounded(CatalogEntry.find(ended), self.max_items),
            *await _bounded(CatalogEntry.find(amended), self.max_items),
        ]
        labels = {Validity.AMENDED: "已修改", Validity.REPEALED: "废止", Validity.EXPIRED: "失效"}
        items = [
            _ref(e, "CatalogEntry", e.repeal_date or beijing_day(e.modified), note=labels[e.validity])
            for e in found
        ]
        items.sort(key=lambda r: (r.day or date.min, str(r.id)))
        return Figure(FigureKey.VALIDITY_CHANGES, tuple(items))

    # -- quotas --------------------------------------------------------------------------------

    async def _quotas(self, orgs: Sequence[ObjectId], period: Period) -> list[QuotaRow]:
        years = [
            (date(y, 1, 1), date(y, 12, 31), f"{y}年") for y in range(period.start.year, period.end.year + 1)
        ]
        tree = self.tree()
        governments = {g for o in orgs if (g := _government_of(tree, o)) is not None}
        events = await _events(years[0][0], years[-1][1], [*orgs, *governments], orgs, self.max_items)
        rows: list[QuotaRow] = []
        for org_id in orgs:
            org = tree.require(org_id)
            if org.kind is OrgKind.DEPARTMENT:
                rows += _department_rows(org_id, _government_of(tree, org_id), period, years, events)
            else:
                rows += _government_rows(org_id, years, events)
        return rows


async def _bounded(query: FindMany[D], limit: int) -> list[D]:
    """All that a figure reads, or a refusal: a figure is never counted from a list cut short."""
    found = await query.limit(limit + 1).to_list()
    if len(found) > limit:
        raise InvalidInput(f"统计期间内的条目超过 {limit} 条，请缩短统计期间或不含下级机构。", field="to")
    return found


def _went_public(orgs: Sequence[ObjectId], period: Period, now: datetime) -> dict[str, object]:
    """Live items of ``orgs`` that went public on a day of the period (scheduled ones once their
    instant has come: until then they are not public)."""
    return {
        "org_id": {"$in": list(orgs)},
        "working_copy_of": None,
        "published_at": {"$ne": None},
        "effective": {"$gte": period.first_instant, "$lt": min(period.after_instant, now)},
    }


def _request_figure(state: RequestState, due: date | None, replied: date | None, today: date) -> FigureKey:
    if replied is not None:
        return (
            FigureKey.REQUESTS_ANSWERED_IN_TIME
            if due is None or replied <= due
            else FigureKey.REQUESTS_OVERDUE
        )
    if state not in OPEN_STATES:
        return FigureKey.REQUESTS_CLOSED_WITHOUT_REPLY
    if due is not None and today > due:
        return FigureKey.REQUESTS_OVERDUE
    return FigureKey.REQUESTS_PENDING


def _ref(
    item: CatalogEntry | Interpretation | Interview,
    type_name: str,
    day: date | None,
    reference: date | None = None,
    due: date | None = None,
    note: str = "",
) -> ItemRef:
    assert item.id is not None
    return ItemRef(item.id, type_name, item.title, item.org_id, day, reference, due, note)


async def _events(
    first: date, last: date, holders: Sequence[ObjectId], attending: Sequence[ObjectId], limit: int
) -> list[Interview]:
    """Published events held between the two days by ``holders`` (the organizations counted and
    the governments above them, whose press conferences their heads attend), and those that a
    leader of ``attending`` took part in wherever they were held."""
    base = {
        "review_state": ReviewState.PUBLISHED.value,
        "working_copy_of": None,
        "event_date": {"$gte": at_midnight(first), "$lte": at_midnight(last)},
    }
    held = await _bounded(Interview.find({**base, "org_id": {"$in": list(holders)}}), limit)
    attended = await _bounded(Interview.find({**base, "leaders.org_id": {"$in": list(attending)}}), limit)
    found = {e.id: e for e in [*held, *attended]}
    return sorted(found.values(), key=lambda e: (e.event_date or date.min, str(e.id)))


def _quarters(period: Period) -> list[tuple[date, date, str]]:
    out = []
    for year in range(period.start.year, period.end.year + 1):
        for q in range(4):
            start = date(year, 3 * q + 1, 1)
            following = date(year + 1, 1, 1) if q == 3 else date(year, 3 * q + 4, 1)
            end = following - timedelta(days=1)
            if start <= period.end and end >= period.start:
                out.append((start, end, f"{year}年第{q + 1}季度"))
    return out


def _department_rows(
    org_id: ObjectId,
    government: ObjectId | None,
    period: Period,
    years: list[tuple[date, date, str]],
    events: list[Interview],
) -> list[QuotaRow]:
    def held(kind: EventKind) -> Callable[[Interview], bool]:
        return lambda e: e.org_id == org_id and e.event_kind is kind

    def head_at_government(e: Interview) -> bool:
        return (
            government is not None
            and e.org_id == government
            and e.event_kind is EventKind.PRESS_CONFERENCE
            and any(x.level is LeaderLevel.PRINCIPAL and x.org_id == org_id for x in e.leaders)
        )

    press = held(EventKind.PRESS_CONFERENCE)
    online = held(EventKind.ONLINE_INTERVIEW)
    rows = [
        _row(QuotaKey.DEPARTMENT_PRESS_CONFERENCES, org_id, q, PRESS_CONFERENCES_PER_QUARTER, events, press)
        for q in _quarters(period)
    ]
    for year in years:
        rows.append(
            _row(
                QuotaKey.DEPARTMENT_ONLINE_INTERVIEWS,
                org_id,
                year,
                ONLINE_INTERVIEWS_PER_YEAR,
                events,
                online,
            )
        )
        rows.append(
            _row(
                QuotaKey.DEPARTMENT_HEAD_AT_GOVERNMENT_PRESS_CONFERENCE,
                org_id,
                year,
                HEAD_EVENTS_PER_YEAR,
                events,
                head_at_government,
            )
        )
    return rows


def _government_rows(
    org_id: ObjectId, years: list[tuple[date, date, str]], events: list[Interview]
) -> list[QuotaRow]:
    def head_online(e: Interview) -> bool:
        return e.event_kind is EventKind.ONLINE_INTERVIEW and _principal_of(e, org_id)

    key = QuotaKey.GOVERNMENT_HEAD_ONLINE_INTERVIEW
    return [_row(key, org_id, year, HEAD_EVENTS_PER_YEAR, events, head_online) for year in years]


def _row(
    key: QuotaKey,
    org_id: ObjectId,
    span: tuple[date, date, str],
    required: int,
    events: Iterable[Interview],
    counts: Callable[[Interview], bool],
) -> QuotaRow:
    start, end, label = span
    items = tuple(
        _ref(e, "Interview", e.event_date, note=_leaders(e))
        for e in events
        if e.event_date is not None and start <= e.event_date <= end and counts(e)
    )
    return QuotaRow(key, org_id, start, end, label, required, items)


def _principal_of(event: Interview, org_id: ObjectId) -> bool:
    """A 主要负责人 of ``org_id`` took part (a leader without an organization is of the host's)."""
    return any(
        x.level is LeaderLevel.PRINCIPAL and (x.org_id or event.org_id) == org_id for x in event.leaders
    )


def _leaders(event: Interview) -> str:
    return "、".join(f"{x.name}（{x.post}）" if x.post else x.name for x in event.leaders)


def _government_of(tree: OrgTree, org_id: ObjectId) -> ObjectId | None:
    """The nearest ancestor that is a government: whose press conferences a department's head attends."""
    for ancestor in reversed(tree.path_of(org_id)[:-1]):
        org = tree.get(ancestor)
        if org is not None and org.kind is OrgKind.GOVERNMENT:
            return ancestor
    return None


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    data: bytes


async def export_dashboard(
    service: ComplianceService,
    principal: Principal,
    org_id: ObjectId,
    period: Period,
    include_subtree: bool,
    fmt: ExportFormat,
) -> ExportFile:
    """The dashboard as CSV or xlsx (cms.compliance.export), under the same permission."""
    dashboard = await service.dashboard(principal, org_id, period, include_subtree)
    tree = service.tree()

    def org_name(oid: ObjectId) -> str:
        org = tree.get(oid)
        return org.name if org is not None else str(oid)

    write = as_csv if fmt is ExportFormat.CSV else as_xlsx
    return ExportFile(filename(dashboard, fmt), CONTENT_TYPES[fmt], write(dashboard, org_name))
