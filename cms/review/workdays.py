"""Working days (工作日) for statutory deadlines: proactive disclosure within 20 working days of an item
being formed or changed, replies to requests within 20 working days, corrections within 7, and so on.

The rule is the State Council's: Monday to Friday are working days, Saturday and Sunday rest days, except
the dates of the year's holiday notice: holidays (放假) and weekend days that are worked (调休上班). Those
exceptions are data (``storage.calendar.CalendarDay``), seeded from ``cms.review.holiday_data`` and corrected by
administrators. ``WorkCalendar`` is an immutable in-memory snapshot of them; ``CalendarService`` keeps the
current snapshot and replaces it whole after every change, so a computation never sees half an update.

Counting follows the usual rule for periods: the starting day is not counted, so the deadline of
``n`` working days from ``start`` is the ``n``-th working day after it.
"""

from __future__ import annotations

import asyncio
import bisect
import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError

from cms.errors import Conflict, InvalidInput
from cms.review.holiday_data import HOLIDAYS, OFF, WORK
from storage.calendar import CalendarDay
from storage.documents import at_midnight, utcnow

MIN_YEAR = 1990
MAX_YEAR = 2100
NOTE_LIMIT = 50
DISCLOSURE_LIMIT = 20  # working days: proactive disclosure, and replies to requests
MAX_YEAR_DAYS = 366  # a year's notice never lists more days than the year has
WARN_FROM_MONTH = 12  # from December on, staff are told when next year's notice is not entered
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # the calendar's days are Beijing days

_ONE_DAY = timedelta(days=1)
_DUPLICATE_KEY = 11000


def as_date(value: date) -> date:
    """A plain ``date``: datetimes (a subclass, as Beanie/BSON hand back) lose their time of day."""
    return value if type(value) is date else date(value.year, value.month, value.day)


def weekday_rule(day: date) -> bool:
    """The rule without exceptions: Monday to Friday are working days."""
    return day.weekday() < 5


class DayKind(enum.StrEnum):
    """How a date departs from the weekday rule, as an administrator or a loaded file names it."""

    HOLIDAY = "holiday"  # 放假: a day off (on a weekend it changes nothing, but the notice lists it)
    WORKDAY = "workday"  # 调休上班: a weekend day that is worked


@dataclass(frozen=True)
class CalendarEntry:
    """One day of a year's notice: a holiday (``workday=False``) or a worked weekend day (调休上班)."""

    day: date
    workday: bool
    note: str

    @property
    def kind(self) -> DayKind:
        return DayKind.WORKDAY if self.workday else DayKind.HOLIDAY


@dataclass(frozen=True)
class CalendarWarning:
    year: int
    message: str


def check_year(year: int, entries: Sequence[CalendarEntry]) -> list[CalendarEntry]:
    """A whole year as an administrator gives it, checked: dates in ``year``, each once, names given and
    bounded. Returns the entries in date order with names trimmed; raises ``InvalidInput`` naming the
    first faulty row (``days.N.date`` / ``days.N.name``)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"年份须在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间。", field="year")
    if len(entries) > MAX_YEAR_DAYS:
        raise InvalidInput(f"一年最多 {MAX_YEAR_DAYS} 天。", field="days")
    seen: set[date] = set()
    checked: list[CalendarEntry] = []
    for i, entry in enumerate(entries):
        day = as_date(entry.day)
        if day.year != year:
            raise InvalidInput(f"{day.isoformat()} 不在 {year} 年内。", field=f"days.{i}.date")
        if day in seen:
            raise InvalidInput(f"{day.isoformat()} 重复出现。", field=f"days.{i}.date")
        note = entry.note.strip()
        if not note:
            raise InvalidInput(
                f"{day.isoformat()} 缺少名称（如“春节”“春节调休上班”）。", field=f"days.{i}.name"
            )
        if len(note) > NOTE_LIMIT:
            raise InvalidInput(
                f"{day.isoformat()} 的名称不能超过 {NOTE_LIMIT} 个字符。", field=f"days.{i}.name"
            )
        seen.add(day)
        checked.append(CalendarEntry(day, bool(entry.workday), note))
    return sorted(checked, key=lambda e: e.day)


class WorkCalendar:
    """In-memory view: weekends are rest days, weekdays are workdays, except the exceptions."""

    __slots__ = ("_days", "_exceptions")

    def __init__(self, exceptions: Mapping[date, bool] | None = None) -> None:
        table = {as_date(day): bool(workday) for day, workday in (exceptions or {}).items()}
        self._exceptions: Mapping[date, bool] = MappingProxyType(table)
        self._days: tuple[date, ...] = tuple(sorted(table))

    @property
    def exceptions(self) -> Mapping[date, bool]:
        """date -> workday?, read-only."""
        return self._exceptions

    def is_workday(self, day: date) -> bool:
        day = as_date(day)
        return self._exceptions.get(day, weekday_rule(day))

    def add_workdays(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted); ``start`` when n == 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = as_date(start)
        remaining = n
        while remaining:
            day += _ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: after ``start``, up to and including ``end``; 0 if end <= start."""
        start, end = as_date(start), as_date(end)
        if end <= start:
            return 0
        weeks, rest = divmod((end - start).days, 7)
        count = weeks * 5  # every full week holds five weekdays
        count += sum(weekday_rule(end - timedelta(days=i)) for i in range(rest))
        lo = bisect.bisect_right(self._days, start)
        hi = bisect.bisect_right(self._days, end)
        for day in self._days[lo:hi]:
            count += int(self._exceptions[day]) - int(weekday_rule(day))
        return count

    def due_date(self, formed: date, limit: int = DISCLOSURE_LIMIT) -> date:
        """The last day of a period of ``limit`` working days that starts on ``formed``."""
        return self.add_workdays(formed, limit)


def holiday_rows(
    data: Mapping[int, list[tuple[str, str, str]]] = HOLIDAYS,
) -> dict[int, list[tuple[date, bool, str]]]:
    """``cms.review.holiday_data`` parsed and checked: per year, (day, workday?, note). Raises ValueError."""
    parsed: dict[int, list[tuple[date, bool, str]]] = {}
    seen: set[date] = set()
    for year, rows in data.items():
        out = parsed.setdefault(year, [])
        for iso, status, note in rows:
            day = date.fromisoformat(iso)
            if day.year != year:
                raise ValueError(f"{iso} is listed under {year}")
            if status not in (OFF, WORK):
                raise ValueError(f"{iso}: status must be {OFF!r} or {WORK!r}, not {status!r}")
            if day in seen:
                raise ValueError(f"{iso} is listed twice")
            if len(note) > NOTE_LIMIT:
                raise ValueError(f"{iso}: note longer than {NOTE_LIMIT} characters")
            seen.add(day)
            out.append((day, status == WORK, note))
    return parsed


class CalendarService:
    """The calendar exceptions in the database, and the current ``WorkCalendar`` snapshot of them."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.calendar = WorkCalendar()
        self.clock = clock
        self._lock = asyncio.Lock()
        # Run after a change this process made (the composition root announces it to other processes).
        self.changed_hooks: list[Callable[[], Awaitable[None]]] = []

    async def reload(self) -> WorkCalendar:
        # Serialised, so a reload that read older rows cannot overwrite the snapshot of a later one.
        async with self._lock:
            rows = await CalendarDay.find_all().to_list()
            self.calendar = WorkCalendar({as_date(row.day): row.workday for row in rows})
            return self.calendar

    async def seed(self, data: Mapping[int, list[tuple[str, str, str]]] | None = None) -> int:
        """Insert ``cms.review.holiday_data`` (or ``data``) into an empty calendar; returns how many rows were added.

        Done per year: a year of the data is copied only when the database holds no row of that year,
        so an empty collection gets everything, a year added to the data later is picked up on the next
        start, and a year administrators have already edited (or emptied day by day) is never touched.
        """
        added = 0
        for year, rows in holiday_rows(HOLIDAYS if data is None else data).items():
            if await CalendarDay.find_one(_year_filter(year)) is not None:
                continue
            docs = [CalendarDay(day=day, workday=workday, note=note) for day, workday, note in rows]
            if not docs:
                continue
            try:
                result = await CalendarDay.insert_many(docs, ordered=False)
                added += len(result.inserted_ids)
            except BulkWriteError as exc:  # a concurrent seed inserted some of the rows first
                errors = exc.details.get("writeErrors", [])
                if any(error.get("code") != _DUPLICATE_KEY for error in errors):
                    raise
                added += int(exc.details.get("nInserted", 0))
        await self.reload()
        return added

    async def set_day(self, day: date, workday: bool | None, note: str = "") -> None:
        """Record that ``day`` is (True) or is not (False) a working day, overriding the weekday rule;
        ``workday=None`` removes the exception, so the weekday rule applies again."""
        day = _check_day(day)
        note = note.strip()
        if len(note) > NOTE_LIMIT:
            raise InvalidInput(f"备注不能超过 {NOTE_LIMIT} 个字符。", field="note")
        when = at_midnight(day)
        collection = CalendarDay.get_pymongo_collection()
        if workday is None:
            await collection.delete_many({"day": when})
        else:
            # Update, or insert when missing; two inserts racing meet on the unique index, and the loser
            # updates the winner's row.
            for _ in range(3):
                result = await collection.update_one(
                    {"day": when}, {"$set": {"workday": bool(workday), "note": note}}
                )
                if result.matched_count:
                    break
                try:
                    await CalendarDay(day=day, workday=bool(workday), note=note).insert()
                    break
                except DuplicateKeyError:
                    continue
            else:
                raise Conflict("日历数据被同时修改，请重试。")
        await self.reload()

    async def replace_year(
        self, year: int, entries: Sequence[CalendarEntry], session: AsyncClientSession
    ) -> None:
        """The year's rows become exactly ``entries`` (checked with ``check_year``), inside the caller's
        transaction: a reader sees the old year or the new one, never a mixture."""
        await CalendarDay.find(_year_filter(year), session=session).delete(session=session)
        docs = [CalendarDay(day=e.day, workday=e.workday, note=e.note) for e in entries]
        if docs:
            await CalendarDay.insert_many(docs, session=session)

    async def refresh(self) -> None:
        """``reload`` for those who only need it done (another process changed the calendar)."""
        await self.reload()

    async def changed(self) -> None:
        """After a committed change: the new snapshot here at once, then whoever listens."""
        await self.reload()
        for hook in self.changed_hooks:
            await hook()

    def today(self) -> date:
        return self.clock().astimezone(SHANGHAI).date()

    async def has_year(self, year: int) -> bool:
        if not MIN_YEAR <= year <= MAX_YEAR:
            return False
        return await CalendarDay.find_one(_year_filter(year)) is not None

    async def warnings(self) -> list[CalendarWarning]:
        """From December on: next year's holiday notice is not entered yet (deadlines that run into
        January would be counted by the weekday rule alone)."""
        today = self.today()
        upcoming = today.year + 1
        if today.month < WARN_FROM_MONTH or await self.has_year(upcoming):
            return []
        message = (
            f"{upcoming} 年节假日安排尚未录入：跨年的法定期限将只按周末计算。"
            "请在国务院办公厅发布通知后及时录入。"
        )
        return [CalendarWarning(upcoming, message)]

    async def exceptions(self, year: int) -> list[CalendarDay]:
        """The exceptions recorded for ``year``, in date order."""
        if not MIN_YEAR <= year <= MAX_YEAR:
            return []
        rows = await CalendarDay.find(_year_filter(year)).sort("+day").to_list()
        for row in rows:
            row.day = as_date(row.day)
        return rows


def _check_day(day: date) -> date:
    if not isinstance(day, date):
        raise InvalidInput("日期格式不正确。", field="day")
    day = as_date(day)
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidInput(f"日期须在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间。", field="day")
    return day


def _year_filter(year: int) -> dict[str, dict[str, datetime]]:
    # Beanie stores a date as a BSON datetime at UTC midnight, so the range is one of datetimes.
    return {"day": {"$gte": at_midnight(date(year, 1, 1)), "$lt": at_midnight(date(year + 1, 1, 1))}}
