"""Visit statistics of the reading-room terminals: the anonymous, rate-limited and size-bounded
mutation the terminals batch their events to, and the staff query and CSV export (查阅统计).

Each test moves the visit service's clock to a day of its own, so the counts it reads are its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cms.reading_room.visits import VisitLimits
from storage.documents import at_midnight
from storage.reading_room import ReadingRoomCount
from tests.helpers import ADMIN, OFFICE, OFFICER, Api, error_of, random_id

RECORD = """mutation($terminal: String, $events: [ReadingRoomEventInput!]!) {
  recordReadingRoomVisits(terminal: $terminal, events: $events)
}"""
STATISTICS = """query($since: Date!, $until: Date!, $terminal: String) {
  readingRoomStatistics(since: $since, until: $until, terminal: $terminal) {
    terminals
    days { terminal day views searches prints qrShown }
    topItems { itemId title views }
    topSearches { query searches }
  }
}"""
EXPORT = """query($since: Date!, $until: Date!) {
  readingRoomStatisticsExport(since: $since, until: $until)
}"""
SEED_NUMBER = "云政办发〔2013〕115号"


@pytest.fixture(scope="module")
def api(gql: Any, settings: Any) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def seed(api: Api) -> dict[str, str]:
    """A public catalog entry of the demo data: its id and title."""
    data = await api.ok(
        "query($n: String!) { catalogEntriesByDocumentNumber(documentNumber: $n) { id title } }",
        {"n": SEED_NUMBER},
    )
    found: dict[str, str] = data["catalogEntriesByDocumentNumber"][0]
    return found


_days = iter(range(1, 10_000))


class Day:
    """A day of one test's own (in 2031) on which the visit service's clock stands."""

    def __init__(self) -> None:
        self.at = datetime(2031, 1, 1, 10, tzinfo=UTC) + timedelta(days=next(_days))

    def __call__(self) -> date:
        return (self.at + timedelta(hours=8)).date()  # the day in China time

    def step(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def day(services: Any, monkeypatch: pytest.MonkeyPatch) -> Day:
    stepped = Day()
    monkeypatch.setattr(services.visits, "clock", lambda: stepped.at)
    return stepped


async def stored_on(day: date) -> list[tuple[str, str, str, int]]:
    rows = await ReadingRoomCount.find({"day": at_midnight(day)}).to_list()
    return sorted((r.terminal, r.event, r.subject, r.visits) for r in rows)


async def statistics(api: Api, user: str, since: date, until: date, **more: Any) -> dict[str, Any]:
    variables = {"since": since.isoformat(), "until": until.isoformat(), **more}
    body = await api.post(STATISTICS, variables, await api.token(user))
    return body


async def test_a_batch_is_counted_per_terminal_day_event_and_subject(
    api: Api, seed: dict[str, str], day: Day
) -> None:
    # given a terminal's batch: the seed document viewed twice, printed, its QR shown, two searches
    events = [
        {"event": "ITEM_VIEWED", "item": seed["id"]},
        {"event": "ITEM_VIEWED", "item": seed["id"]},
        {"event": "PRINTED", "item": seed["id"]},
        {"event": "QR_SHOWN", "item": seed["id"]},
        {"event": "SEARCHED", "query": "  政务   公开 "},
        {"event": "SEARCHED", "query": "政务 公开"},
    ]
    # when it is sent anonymously
    data = await api.ok(RECORD, {"terminal": "km-hall", "events": events})
    # then everything counted, kept as counts only
    assert data == {"recordReadingRoomVisits": 6}
    assert await stored_on(day()) == [
        ("km-hall", "ITEM_VIEWED", seed["id"], 2),
        ("km-hall", "PRINTED", seed["id"], 1),
        ("km-hall", "QR_SHOWN", seed["id"], 1),
        ("km-hall", "SEARCHED", "政务 公开", 2),
    ]
    # and the disclosure office reads them per terminal and day, with the top items and searches
    body = await statistics(api, OFFICE, day(), day())
    assert "errors" not in body, body
    stats = body["data"]["readingRoomStatistics"]
    assert stats["terminals"] == ["", "km-hall"]
    assert stats["days"] == [
        {
            "terminal": "km-hall",
            "day": day().isoformat(),
            "views": 2,
            "searches": 2,
            "prints": 1,
            "qrShown": 1,
        }
    ]
    assert stats["topItems"] == [{"itemId": seed["id"], "title": seed["title"], "views": 2}]
    assert stats["topSearches"] == [{"query": "政务 公开", "searches": 2}]


async def test_a_terminal_without_an_id_is_counted_under_the_empty_terminal(
    api: Api, seed: dict[str, str], day: Day
) -> None:
    await api.ok(RECORD, {"events": [{"event": "ITEM_VIEWED", "item": seed["id"]}]})
    assert await stored_on(day()) == [("", "ITEM_VIEWED", seed["id"], 1)]


@pytest.mark.parametrize(
    ("variables", "code", "message", "field"),
    [
        pytest.param(
            {"terminal": "hall-99", "events": [{"event": "SEARCHED", "query": "公开"}]},
            "BAD_USER_INPUT",
            "未登记的查阅终端。",
            "terminal",
            id="unknown-terminal",
        ),
        pytest.param(
            {"terminal": "km-hall", "events": []},
            "BAD_USER_INPUT",
            "没有要记录的事件。",
            "events",
            id="empty",
        ),
        pytest.param(
            {"terminal": "km-hall", "events": [{"event": "SEARCHED", "query": "公开"}] * 51},
            "BAD_USER_INPUT",
            "一次最多记录 50 个事件。",
            "events",
            id="too-many-events",
        ),
        pytest.param(
            {"terminal": "km-hall", "events": [{"event": "SEARCHED", "query": "公开"}, {"event": "PRINTED"}]},
            "BAD_USER_INPUT",
            "请指明查阅的信息。",
            "events.1.item",
            id="print-without-item",
        ),
        pytest.param(
            {"terminal": "km-hall", "events": [{"event": "SEARCHED", "query": "   "}]},
            "BAD_USER_INPUT",
            "检索词不能为空。",
            "events.0.query",
            id="blank-term",
        ),
        pytest.param(
            {"terminal": "km-hall", "events": [{"event": "SEARCHED", "query": "长" * 51}]},
            "BAD_USER_INPUT",
            "检索词最多 50 个字符。",
            "events.0.query",
            id="overlong-term",
        ),
        pytest.param(
            {"terminal": "km-hall", "events": [{"event": "ITEM_VIEWED", "item": "not-an-id"}]},
            "INVALID_ID",
            "ID 格式不正确。",
            None,
            id="malformed-item",
        ),
    ],
)
async def test_bad_batches_are_refused_with_a_code_and_write_nothing(
    api: Api,
    day: Day,
    variables: dict[str, Any],
    code: str,
    message: str,
    field: str | None,
) -> None:
    body = await api.post(RECORD, variables)
    assert error_of(body) == (code, message)
    assert body["errors"][0]["extensions"].get("field") == field
    assert await stored_on(day()) == []


async def test_a_flood_from_one_terminal_is_refused_until_the_next_minute(api: Api, day: Day) -> None:
    # given a terminal that has sent its 12 batches this minute
    batch = {"terminal": "km-hall", "events": [{"event": "SEARCHED", "query": "洪水"}]}
    for _ in range(12):
        await api.ok(RECORD, batch)
    # when it sends one more, it is refused and not counted
    assert error_of(await api.post(RECORD, batch)) == ("TOO_MANY_REQUESTS", "提交过于频繁，请稍后再试。")
    assert await stored_on(day()) == [("km-hall", "SEARCHED", "洪水", 12)]
    # and the next minute it is counted again
    day.step(60)
    await api.ok(RECORD, batch)
    assert await stored_on(day()) == [("km-hall", "SEARCHED", "洪水", 13)]


async def test_a_day_holds_a_bounded_number_of_subjects_per_terminal(
    api: Api, services: Any, day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given at most 3 distinct subjects a terminal a day
    monkeypatch.setattr(services.visits, "limits", VisitLimits(max_subjects_per_day=3))
    terms = ["甲", "乙", "丙", "丁", "戊"]
    # when 5 distinct terms are searched, then the first one again
    first = await api.ok(
        RECORD, {"terminal": "km-hall", "events": [{"event": "SEARCHED", "query": t} for t in terms]}
    )
    again = await api.ok(RECORD, {"terminal": "km-hall", "events": [{"event": "SEARCHED", "query": "甲"}]})
    # then only 3 subjects are kept, and a kept one still counts
    assert (first, again) == ({"recordReadingRoomVisits": 3}, {"recordReadingRoomVisits": 1})
    assert await stored_on(day()) == [
        ("km-hall", "SEARCHED", "丙", 1),
        ("km-hall", "SEARCHED", "乙", 1),
        ("km-hall", "SEARCHED", "甲", 2),
    ]


async def test_search_terms_that_look_like_personal_data_are_not_kept(api: Api, day: Day) -> None:
    terms = ["张三 11010519491231002X", "13812345678", "a@b.cn", "115300000150945513/202612-00001"]
    data = await api.ok(
        RECORD, {"terminal": "km-hall", "events": [{"event": "SEARCHED", "query": t} for t in terms]}
    )
    assert data == {"recordReadingRoomVisits": 1}
    assert await stored_on(day()) == [("km-hall", "SEARCHED", "115300000150945513/202612-00001", 1)]


@pytest.mark.parametrize(
    ("user", "code"),
    [
        pytest.param(None, "UNAUTHENTICATED", id="anonymous"),
        pytest.param(OFFICER, "FORBIDDEN", id="officer-denied"),
        pytest.param(OFFICE, None, id="office-allowed"),
        pytest.param(ADMIN, None, id="admin-allowed"),
    ],
)
async def test_statistics_need_the_permission(api: Api, day: Day, user: str | None, code: str | None) -> None:
    variables = {"since": day().isoformat(), "until": day().isoformat()}
    for query in (STATISTICS, EXPORT):
        body = await api.post(query, variables, await api.token(user) if user else None)
        if code is None:
            assert "errors" not in body, body
        else:
            assert error_of(body)[0] == code


@pytest.mark.parametrize(
    ("since", "until", "terminal", "expected"),
    [
        pytest.param(
            date(2031, 3, 2),
            date(2031, 3, 1),
            None,
            ("BAD_USER_INPUT", "结束日期不能早于开始日期。"),
            id="reversed",
        ),
        pytest.param(
            date(2031, 1, 1),
            date(2031, 4, 3),
            None,
            ("BAD_USER_INPUT", "一次最多统计 92 天。"),
            id="too-long",
        ),
        pytest.param(
            date(2031, 1, 1),
            date(2031, 1, 2),
            "hall-99",
            ("FORBIDDEN", "您没有执行此操作的权限。"),
            id="other-terminal",
        ),
    ],
)
async def test_statistics_refuse_bad_ranges_and_terminals(
    api: Api, since: date, until: date, terminal: str | None, expected: tuple[str, str]
) -> None:
    body = await statistics(api, OFFICE, since, until, terminal=terminal)
    assert error_of(body) == expected


async def test_the_csv_export_has_chinese_headers_and_neutralizes_formulas(
    api: Api, seed: dict[str, str], day: Day
) -> None:
    # given a view of the seed document, a view of an item that does not exist and a formula-like term
    missing = random_id()
    events = [
        {"event": "ITEM_VIEWED", "item": seed["id"]},
        {"event": "ITEM_VIEWED", "item": seed["id"]},
        {"event": "ITEM_VIEWED", "item": missing},
        {"event": "SEARCHED", "query": "=1+1"},
    ]
    await api.ok(RECORD, {"terminal": "km-hall", "events": events})
    # when the office exports the day
    variables = {"since": day().isoformat(), "until": day().isoformat()}
    data = await api.ok(EXPORT, variables, await api.token(OFFICE))
    # then the file opens in a Chinese spreadsheet as text
    assert data["readingRoomStatisticsExport"].split("\r\n") == [
        "\ufeff终端,日期,查阅次数,检索次数,打印次数,扫码次数",
        f"km-hall,{day().isoformat()},3,1,0,0",
        "",
        "热门信息,查阅次数,信息ID",
        f"{seed['title']},2,{seed['id']}",
        f"（已不再公开）,1,{missing}",
        "",
        "热门检索词,检索次数",
        "'=1+1,1",
        "",
    ]
