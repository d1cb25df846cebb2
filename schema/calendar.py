"""GraphQL for the holiday calendar (节假日安排): read a year, set a whole year, the December warning."""

from __future__ import annotations

from datetime import date

import strawberry

from cms.admin.calendar import YearCalendar
from cms.review.workdays import CalendarEntry, DayKind
from schema.context import Info
from schema.staff import principal

strawberry.enum(DayKind, name="HolidayKind", description="HOLIDAY：放假；WORKDAY：调休上班")


@strawberry.type(description="节假日安排中的一天")
class HolidayCalendarDay:
    date: date
    kind: DayKind
    name: str = strawberry.field(description="名称，如“春节”“春节调休上班”")


@strawberry.type(description="一年的节假日安排（国务院办公厅通知）")
class HolidayCalendar:
    year: int
    present: bool = strawberry.field(description="是否已录入该年；未发布通知的年份为 false，只按周末计算")
    days: list[HolidayCalendarDay] = strawberry.field(description="放假日和调休上班日，按日期排列")


@strawberry.type(description="节假日安排的提醒")
class CalendarWarning:
    year: int = strawberry.field(description="缺少安排的年份")
    message: str


@strawberry.input(description="节假日安排中的一天")
class HolidayCalendarDayInput:
    date: date
    kind: DayKind
    name: str = strawberry.field(description="名称，最多 50 字")


def _calendar(year: YearCalendar) -> HolidayCalendar:
    days = [HolidayCalendarDay(date=e.day, kind=e.kind, name=e.note) for e in year.days]
    return HolidayCalendar(year=year.year, present=year.present, days=days)


@strawberry.type
class CalendarQuery:
    @strawberry.field(description="某年的放假日和调休上班日（工作人员可查看）")
    async def holiday_calendar(self, info: Info, year: int) -> HolidayCalendar:
        return _calendar(await info.context.services.holidays.year(principal(info), year))

    @strawberry.field(description="节假日安排的提醒：自 12 月起，次年安排尚未录入时给出（工作人员可查看）")
    async def calendar_warnings(self, info: Info) -> list[CalendarWarning]:
        found = await info.context.services.holidays.warnings(principal(info))
        return [CalendarWarning(year=w.year, message=w.message) for w in found]


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="设置一整年的节假日安排（需节假日管理权限）：原有该年数据整体替换，立即用于期限计算"
    )
    async def set_holiday_calendar(
        self, info: Info, year: int, days: list[HolidayCalendarDayInput]
    ) -> HolidayCalendar:
        entries = [CalendarEntry(d.date, d.kind is DayKind.WORKDAY, d.name) for d in days]
        return _calendar(await info.context.services.holidays.set_year(principal(info), year, entries))
