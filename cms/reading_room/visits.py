"""Visit statistics of the reading-room terminals (查阅统计), with no personal data.

A terminal batches what happened on it (an item viewed, printed or its QR code shown; a search) and
sends the batch anonymously; the server keeps only counts per terminal, day, event and subject (item id
or search term). Nothing identifies a visitor: no address, no time of day, no session. The database
cannot be grown without bound by a flood: only configured terminal ids (and "" for a terminal without
one) are counted, a terminal may send ``batches_per_minute`` batches, a batch holds at most
``max_events`` events, and a terminal gets at most ``max_subjects_per_day`` distinct subjects a day
(later new subjects are dropped; known ones still count). Search terms that look like an identity card
or mobile number are not kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.content.ids import from_global_id
from cms.content.kinds import KINDS
from cms.content.store import ContentService
from cms.content.visibility import ReadScope
from cms.errors import Conflict, DomainError, Forbidden, InvalidInput
from cms.reading_room.terminals import TERMINAL_ID, TerminalConfig
from cms.review.register_csv import plain_cell
from storage.documents import at_midnight, utcnow
from storage.reading_room import ReadingRoomBatches, ReadingRoomCount

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
MAX_TERM = 50
MAX_RANGE_DAYS = 92
TOP = 20
# An 18-character identity card number or an 11-digit mobile number standing alone (an index number's
# 18-character organization code is followed by "/", a 文号's year sits in 〔〕).
PERSONAL = re.compile(r"(?<![0-9A-Za-z/])(\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z/-])|@")


class VisitEvent(StrEnum):
    ITEM_VIEWED = "ITEM_VIEWED"
    SEARCHED = "SEARCHED"
    PRINTED = "PRINTED"
    QR_SHOWN = "QR_SHOWN"


ITEM_EVENTS = frozenset({VisitEvent.ITEM_VIEWED, VisitEvent.PRINTED, VisitEvent.QR_SHOWN})


class TooManyVisits(DomainError):
    code = "TOO_MANY_REQUESTS"
    default_message = "提交过于频繁，请稍后再试。"


@dataclass(frozen=True)
class Visit:
    event: VisitEvent
    item: str | None = None
    query: str | None = None


@dataclass(frozen=True)
class VisitLimits:
    batches_per_minute: int = 12
    max_events: int = 50
    max_subjects_per_day: int = 1000


@dataclass(frozen=True)
class DayRow:
    terminal: str
    day: date
    views: int
    searches: int
    prints: int
    qr_shown: int


@dataclass(frozen=True)
class Ranked:
    subject: str
    count: int
    title: str | None = None  # an item's title while it is public; None for search terms and withdrawn items


@dataclass(frozen=True)
class VisitStatistics:
    terminals: list[str]
    days: list[DayRow]
    top_items: list[Ranked]
    top_searches: list[Ranked]


class VisitService:
    def __init__(
        self,
        access: AccessControl,
        content: ContentService,
        terminals: Mapping[str, TerminalConfig],
        limits: VisitLimits,
    ) -> None:
        self.access = access
        self.content = content
        self.terminals = terminals
        self.limits = limits
        self.clock: Callable[[], datetime] = utcnow

    def today(self) -> date:
        return self.clock().astimezone(SHANGHAI).date()

    # -- recording (anonymous) ----------------------------------------------------------------

    async def record(self, terminal: str | None, visits: Sequence[Visit]) -> int:
        """Counts a batch; returns how many events were counted. Checks everything before writing."""
        name = self._terminal(terminal)
        counts = self._subjects(visits)
        await self._count_batch(name)
        day = at_midnight(self.today())
        collection = ReadingRoomCount.get_pymongo_collection()
        known = await collection.count_documents({"terminal": name, "day": day})
        counted = 0
        for (event, subject), n in counts.items():
            upsert = known < self.limits.max_subjects_per_day
            result = await collection.update_one(
                {"terminal": name, "day": day, "event": event.value, "subject": subject},
                {"$inc": {"visits": n}},
                upsert=upsert,
            )
            if result.upserted_id is not None:
                known += 1
            if result.upserted_id is not None or result.matched_count:
                counted += n
        return counted

    def _terminal(self, terminal: str | None) -> str:
        if not terminal:
            return ""
        if not TERMINAL_ID.match(terminal) or terminal not in self.terminals:
            raise InvalidInput("未登记的查阅终端。", field="terminal")
        return terminal

    def _subjects(self, visits: Sequence[Visit]) -> Counter[tuple[VisitEvent, str]]:
        if not visits:
            raise InvalidInput("没有要记录的事件。", field="events")
        if len(visits) > self.limits.max_events:
            raise InvalidInput(f"一次最多记录 {self.limits.max_events} 个事件。", field="events")
        counts: Counter[tuple[VisitEvent, str]] = Counter()
        for i, visit in enumerate(visits):
            subject = self._subject(visit, f"events.{i}")
            if subject is not None:
                counts[(visit.event, subject)] += 1
        return counts

    def _subject(self, visit: Visit, field: str) -> str | None:
        """The item id or the normalized search term; None for a term that is not kept."""
        if visit.event in ITEM_EVENTS:
            if not visit.item:
                raise InvalidInput("请指明查阅的信息。", field=f"{field}.item")
            from_global_id(visit.item)  # a well-formed id, or INVALID_ID
            return visit.item
        term = " ".join((visit.query or "").split())
        if not term:
            raise InvalidInput("检索词不能为空。", field=f"{field}.query")
        if len(term) > MAX_TERM:
            raise InvalidInput(f"检索词最多 {MAX_TERM} 个字符。", field=f"{field}.query")
        return None if PERSONAL.search(term) else term

    async def _count_batch(self, terminal: str) -> None:
        now = self.clock()
        window = int(now.timestamp() // 60)
        key = f"{terminal}\0{window}"
        collection = ReadingRoomBatches.get_pymongo_collection()
        for _ in range(3):
            doc = await collection.find_one_and_update(
                {"key": key}, {"$inc": {"batches": 1}}, return_document=ReturnDocument.AFTER
            )
            if doc is not None:
                if int(doc["batches"]) > self.limits.batches_per_minute:
                    raise TooManyVisits()
                return
            try:
                await collection.insert_one({"key": key, "batches": 0, "expires": now + timedelta(minutes=2)})
            except DuplicateKeyError:
                continue
        raise Conflict()

    # -- statistics (staff) -------------------------------------------------------------------

    def visible_terminals(self, principal: Principal) -> list[str]:
        """The terminals whose organization (the root for "" and unknown keys) the caller holds
        ``reading_room.statistics`` at."""
        orgs = self.access.orgs_with(principal, Permission.READING_ROOM_STATISTICS)
        tree = self.access.orgs.tree
        roots = {o.id for o in tree.roots()}
        visible = [""] if roots & orgs else []
        for terminal, config in sorted(self.terminals.items()):
            org = tree.by_key.get(config.organization or "")
            if (org.id if org else None) in orgs or (org is None and roots & orgs):
                visible.append(terminal)
        return visible

    async def statistics(
        self, principal: Principal, start: date, end: date, terminal: str | None = None
    ) -> VisitStatistics:
        visible = self.visible_terminals(principal)
        if not visible:
            self.access.require_shared(principal, Permission.READING_ROOM_STATISTICS)  # raises, coded
        if terminal is not None:
            if terminal not in visible:
                raise Forbidden(permission=Permission.READING_ROOM_STATISTICS.value)
            visible = [terminal]
        if end < start:
            raise InvalidInput("结束日期不能早于开始日期。", field="until")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise InvalidInput(f"一次最多统计 {MAX_RANGE_DAYS} 天。", field="until")
        found = await ReadingRoomCount.find(
            {"terminal": {"$in": visible}, "day": {"$gte": at_midnight(start), "$lte": at_midnight(end)}}
        ).to_list()
        summary = _summary(visible, found)
        return replace(summary, top_items=[await self._titled(r) for r in summary.top_items])

    async def export_csv(
        self, principal: Principal, start: date, end: date, terminal: str | None = None
    ) -> str:
        """The statistics as a CSV file (UTF-8 with a BOM, Chinese headers): the counts per terminal
        and day, then the most viewed items and the most frequent search terms."""
        stats = await self.statistics(principal, start, end, terminal)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["终端", "日期", "查阅次数", "检索次数", "打印次数", "扫码次数"])
        for row in stats.days:
            counts = [row.views, row.searches, row.prints, row.qr_shown]
            writer.writerow([row.terminal or "（未登记）", row.day.isoformat(), *map(str, counts)])
        writer.writerow([])
        writer.writerow(["热门信息", "查阅次数", "信息ID"])
        for item in stats.top_items:
            writer.writerow([plain_cell(item.title or "（已不再公开）"), str(item.count), item.subject])
        writer.writerow([])
        writer.writerow(["热门检索词", "检索次数"])
        for term in stats.top_searches:
            writer.writerow([plain_cell(term.subject), str(term.count)])
        return out.getvalue()

    async def _titled(self, ranked: Ranked) -> Ranked:
        type_name, object_id = from_global_id(ranked.subject)
        cls = next((k.cls for k in KINDS.values() if k.name == type_name), None)
        item = await self.content.get(cls, object_id, ReadScope(now=self.clock())) if cls else None
        return replace(ranked, title=item.title if item is not None else None)


def _summary(terminals: list[str], found: list[ReadingRoomCount]) -> VisitStatistics:
    per_day: dict[tuple[str, date], Counter[str]] = {}
    items: Counter[str] = Counter()
    terms: Counter[str] = Counter()
    for row in found:
        per_day.setdefault((row.terminal, row.day.date()), Counter())[row.event] += row.visits
        if row.event == VisitEvent.ITEM_VIEWED:
            items[row.subject] += row.visits
        elif row.event == VisitEvent.SEARCHED:
            terms[row.subject] += row.visits
    days = [
        DayRow(
            terminal=t,
            day=d,
            views=c[VisitEvent.ITEM_VIEWED],
            searches=c[VisitEvent.SEARCHED],
            prints=c[VisitEvent.PRINTED],
            qr_shown=c[VisitEvent.QR_SHOWN],
        )
        for (t, d), c in sorted(per_day.items(), key=lambda kv: (-kv[0][1].toordinal(), kv[0][0]))
    ]
    return VisitStatistics(
        terminals=terminals,
        days=days,
        top_items=[Ranked(s, n) for s, n in _top(items)],
        top_searches=[Ranked(s, n) for s, n in _top(terms)],
    )


def _top(counts: Counter[str]) -> list[tuple[str, int]]:
    """The TOP most frequent, ties by subject (stable across calls)."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
