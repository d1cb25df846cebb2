"""What the dashboard answers: figures, each with the items behind it, and the seed's quotas."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from bson import ObjectId

from cms.content.dates import document_date
from cms.errors import InvalidInput

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # every day on the dashboard is a Beijing day
MAX_PERIOD_DAYS = 1831  # five years and a leap day: bounds what one dashboard reads


class FigureKey(enum.StrEnum):
    PUBLISHED_ON_TIME = "published_on_time"
    PUBLISHED_LATE = "published_late"
    REQUESTS_ANSWERED_IN_TIME = "requests_answered_in_time"
    REQUESTS_OVERDUE = "requests_overdue"
    REQUESTS_PENDING = "requests_pending"
    REQUESTS_CLOSED_WITHOUT_REPLY = "requests_closed_without_reply"
    INTERPRETATIONS_IN_SYNC = "interpretations_in_sync"
    INTERPRETATIONS_LATE = "interpretations_late"
    WITHDRAWALS = "withdrawals"
    VALIDITY_CHANGES = "validity_changes"


FIGURE_LABELS: dict[FigureKey, str] = {
    FigureKey.PUBLISHED_ON_TIME: "主动公开：20个工作日内公开",
    FigureKey.PUBLISHED_LATE: "主动公开：超过20个工作日公开",
    FigureKey.REQUESTS_ANSWERED_IN_TIME: "依申请公开：按期答复",
    FigureKey.REQUESTS_OVERDUE: "依申请公开：逾期（逾期答复或已超期未答复）",
    FigureKey.REQUESTS_PENDING: "依申请公开：办理中（未到期）",
    FigureKey.REQUESTS_CLOSED_WITHOUT_REPLY: "依申请公开：视为撤回",
    FigureKey.INTERPRETATIONS_IN_SYNC: "政策解读：与文件同步发布",
    FigureKey.INTERPRETATIONS_LATE: "政策解读：未与文件同步发布",
    FigureKey.WITHDRAWALS: "撤回已发布信息",
    FigureKey.VALIDITY_CHANGES: "文件有效性变化（修改、废止、失效）",
}


class QuotaKey(enum.StrEnum):
    DEPARTMENT_PRESS_CONFERENCES = "department_press_conferences"
    DEPARTMENT_ONLINE_INTERVIEWS = "department_online_interviews"
    DEPARTMENT_HEAD_AT_GOVERNMENT_PRESS_CONFERENCE = "department_head_at_government_press_conference"
    GOVERNMENT_HEAD_ONLINE_INTERVIEW = "government_head_online_interview"


QUOTA_LABELS: dict[QuotaKey, str] = {
    QuotaKey.DEPARTMENT_PRESS_CONFERENCES: "部门每季度至少举办1次新闻发布会",
    QuotaKey.DEPARTMENT_ONLINE_INTERVIEWS: "部门每年至少开展2次政府网站在线访谈",
    QuotaKey.DEPARTMENT_HEAD_AT_GOVERNMENT_PRESS_CONFERENCE: "部门主要负责人每年出席1次本级人民政府新闻发布会",
    QuotaKey.GOVERNMENT_HEAD_ONLINE_INTERVIEW: "政府主要负责人每年参加1次政府网站在线访谈",
}


@dataclass(frozen=True)
class ItemRef:
    """One item behind a figure: what it is, and the days the figure judged it by."""

    id: ObjectId
    type: str  # the GraphQL type name: CatalogEntry, Interpretation, Interview, DisclosureRequest
    title: str
    org_id: ObjectId
    day: date | None  # published, answered, held or withdrawn
    reference_day: date | None = None  # formed, received, or the interpreted document published
    due: date | None = None  # the last day allowed
    note: str = ""


@dataclass(frozen=True)
class Figure:
    key: FigureKey
    items: tuple[ItemRef, ...]

    @property
    def label(self) -> str:
        return FIGURE_LABELS[self.key]

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class QuotaRow:
    """One organization against one quota over one quarter or year."""

    key: QuotaKey
    org_id: ObjectId
    start: date
    end: date
    period_label: str  # 2026年第1季度, 2026年
    required: int
    items: tuple[ItemRef, ...]

    @property
    def label(self) -> str:
        return QUOTA_LABELS[self.key]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def met(self) -> bool:
        return self.count >= self.required


@dataclass(frozen=True)
class Period:
    """Beijing days, both ends included."""

    start: date
    end: date

    @classmethod
    def checked(cls, start: date, end: date) -> Period:
        document_date(start, "from")
        document_date(end, "to")
        if end < start:
            raise InvalidInput("结束日期不能早于开始日期。", field="to")
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise InvalidInput("统计期间最长 5 年。", field="to")
        return cls(start, end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def first_instant(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=SHANGHAI)

    @property
    def after_instant(self) -> datetime:
        end = self.end + timedelta(days=1)
        return datetime(end.year, end.month, end.day, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Dashboard:
    org_id: ObjectId
    period: Period
    include_subtree: bool
    org_ids: tuple[ObjectId, ...]  # the organizations counted
    as_of: date  # open requests are judged on this day
    figures: tuple[Figure, ...]
    quotas: tuple[QuotaRow, ...]

    def figure(self, key: FigureKey) -> Figure:
        return next(f for f in self.figures if f.key is key)


def beijing_day(value: datetime | None) -> date | None:
    """The Beijing day of a stored instant (naive instants are UTC, as MongoDB hands them back)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI).date()
