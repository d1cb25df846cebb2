"""GraphQL for the reading-room terminals' visit statistics (查阅统计): the anonymous mutation the
terminals batch their events to, and the staff query and CSV export of the 查阅统计 screen."""

from __future__ import annotations

from datetime import date

import strawberry

from cms.reading_room import visits as v
from schema.context import Info
from schema.staff import principal

strawberry.enum(
    v.VisitEvent,
    name="ReadingRoomEvent",
    description="ITEM_VIEWED：查阅信息；SEARCHED：检索；PRINTED：打印；QR_SHOWN：显示二维码",
)


@strawberry.input(description="查阅终端上发生的一次事件（不含任何个人信息）")
class ReadingRoomEventInput:
    event: v.VisitEvent
    item: strawberry.ID | None = strawberry.field(default=None, description="查阅、打印或扫码的信息")
    query: str | None = strawberry.field(default=None, description="检索词，最多 50 字")


@strawberry.type(description="一个终端一天的查阅统计")
class ReadingRoomDay:
    terminal: str = strawberry.field(description="终端编号；未登记的终端为空字符串")
    day: date
    views: int = strawberry.field(description="查阅信息次数")
    searches: int = strawberry.field(description="检索次数")
    prints: int = strawberry.field(description="打印次数")
    qr_shown: int = strawberry.field(description="显示二维码次数")


@strawberry.type(description="查阅次数最多的信息")
class ReadingRoomTopItem:
    item_id: strawberry.ID
    title: str | None = strawberry.field(description="标题；已不再公开的信息为空")
    views: int


@strawberry.type(description="出现次数最多的检索词")
class ReadingRoomTopSearch:
    query: str
    searches: int


@strawberry.type(description="查阅统计")
class ReadingRoomStatistics:
    terminals: list[str] = strawberry.field(description="可查看统计的终端（未登记的终端为空字符串）")
    days: list[ReadingRoomDay] = strawberry.field(description="按终端和日期，新日期在前")
    top_items: list[ReadingRoomTopItem] = strawberry.field(description="查阅次数最多的 20 条信息")
    top_searches: list[ReadingRoomTopSearch] = strawberry.field(description="最常用的 20 个检索词")


def _statistics(stats: v.VisitStatistics) -> ReadingRoomStatistics:
    return ReadingRoomStatistics(
        terminals=stats.terminals,
        days=[
            ReadingRoomDay(
                terminal=d.terminal,
                day=d.day,
                views=d.views,
                searches=d.searches,
                prints=d.prints,
                qr_shown=d.qr_shown,
            )
            for d in stats.days
        ],
        top_items=[
            ReadingRoomTopItem(item_id=strawberry.ID(r.subject), title=r.title, views=r.count)
            for r in stats.top_items
        ],
        top_searches=[ReadingRoomTopSearch(query=r.subject, searches=r.count) for r in stats.top_searches],
    )


@strawberry.type
class ReadingRoomQuery:
    @strawberry.field(
        description="查阅终端的查阅统计（需查阅统计权限；只含有权查看的终端）：每终端每日次数、热门信息、热门检索词；"
        "一次最多 92 天"
    )
    async def reading_room_statistics(
        self, info: Info, since: date, until: date, terminal: str | None = None
    ) -> ReadingRoomStatistics:
        found = await info.context.services.visits.statistics(principal(info), since, until, terminal)
        return _statistics(found)

    @strawberry.field(description="查阅统计导出为 CSV（UTF-8，中文表头），内容同 readingRoomStatistics")
    async def reading_room_statistics_export(
        self, info: Info, since: date, until: date, terminal: str | None = None
    ) -> str:
        return await info.context.services.visits.export_csv(principal(info), since, until, terminal)


@strawberry.type
class ReadingRoomMutation:
    @strawberry.mutation(
        description="查阅终端批量报告事件（匿名；只保存每终端每日的次数，不保存任何个人信息）；"
        "每批最多 50 个事件，每个终端每分钟最多若干批。返回计入的事件数"
    )
    async def record_reading_room_visits(
        self, info: Info, events: list[ReadingRoomEventInput], terminal: str | None = None
    ) -> int:
        found = [v.Visit(event=e.event, item=e.item, query=e.query) for e in events]
        return await info.context.services.visits.record(terminal, found)
