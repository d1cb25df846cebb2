"""工作日: the State Council holiday schedule with 调休, deadlines counted in working days, and the editable
calendar in the database."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cms.errors import InvalidInput
from cms.review.holiday_data import HOLIDAYS
from cms.review.workdays import CalendarService, WorkCalendar, holiday_rows
from storage.calendar import CalendarDay
from storage.documents import at_midnight

if TYPE_CHECKING:
    from cms.services import Services

ROWS = holiday_rows()
CAL = WorkCalendar({day: workday for rows in ROWS.values() for day, workday, _ in rows})
PLAIN = WorkCalendar()


def d(iso: str) -> date:
    return date.fromisoformat(iso)


# --- the data ------------------------------------------------------------------------------------------


def test_holiday_data_parses_and_covers_2024_to_2026():
    assert set(ROWS) >= {2024, 2025, 2026}
    assert all(rows for rows in ROWS.values())


def test_swapped_workdays_are_weekend_days():
    worked = [day for rows in ROWS.values() for day, workday, _ in rows if workday]
    assert worked
    assert all(day.weekday() >= 5 for day in worked), worked


@pytest.mark.parametrize(
    ("year", "workdays"),
    [
        # days - 104 weekend days - statutory holidays (11 until 2024, 13 from 2025: 除夕 and 5月2日 added);
        # 调休 only moves rest days, so a year's total is fixed by these numbers.
        pytest.param(2024, 366 - 104 - 11, id="2024-251"),
        pytest.param(2025, 365 - 104 - 13, id="2025-248"),
        pytest.param(2026, 365 - 104 - 13, id="2026-248"),
    ],
)
def test_working_days_per_year(year, workdays):
    assert CAL.workdays_between(date(year - 1, 12, 31), date(year, 12, 31)) == workdays


def test_bad_rows_are_rejected():
    with pytest.raises(ValueError, match="status"):
        holiday_rows({2024: [("2024-01-01", "holiday", "元旦")]})
    with pytest.raises(ValueError, match="listed under"):
        holiday_rows({2024: [("2025-01-01", "off", "元旦")]})
    with pytest.raises(ValueError, match="twice"):
        holiday_rows({2024: [("2024-01-01", "off", "元旦"), ("2024-01-01", "work", "x")]})


# --- WorkCalendar ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param("2024-01-01", False, id="2024-元旦-mon"),
        pytest.param("2024-02-04", True, id="2024-春节调休-sun-worked"),
        pytest.param("2024-02-09", True, id="2024-除夕-fri-still-a-workday"),
        pytest.param("2024-02-12", False, id="2024-春节-mon"),
        pytest.param("2024-02-18", True, id="2024-春节调休-sun-worked-after"),
        pytest.param("2024-02-19", True, id="2024-春节-back-to-work-mon"),
        pytest.param("2024-05-11", True, id="2024-劳动节调休-sat-worked"),
        pytest.param("2024-06-10", False, id="2024-端午-mon"),
        pytest.param("2024-10-07", False, id="2024-国庆-last-day-mon"),
        pytest.param("2024-10-12", True, id="2024-国庆调休-sat-worked"),
        pytest.param("2025-01-28", False, id="2025-除夕-tue"),
        pytest.param("2025-02-08", True, id="2025-春节调休-sat-worked"),
        pytest.param("2025-05-05", False, id="2025-劳动节-mon"),
        pytest.param("2025-06-02", False, id="2025-端午-mon"),
        pytest.param("2025-09-28", True, id="2025-国庆调休-sun-worked"),
        pytest.param("2025-10-08", False, id="2025-国庆中秋-wed"),
        pytest.param("2025-10-09", True, id="2025-国庆-back-to-work-thu"),
        pytest.param("2025-10-11", True, id="2025-国庆调休-sat-worked"),
        pytest.param("2025-10-12", False, id="2025-ordinary-sun"),
        pytest.param("2025-11-14", True, id="2025-ordinary-fri"),
        pytest.param("2025-11-15", False, id="2025-ordinary-sat"),
        pytest.param("2026-01-04", True, id="2026-元旦调休-sun-worked"),
        pytest.param("2026-02-23", False, id="2026-春节-mon"),
    ],
)
def test_is_workday(day, expected):
    assert CAL.is_workday(d(day)) is expected


def test_without_exceptions_the_weekday_rule_applies():
    assert PLAIN.is_workday(d("2024-02-12"))  # Monday
    assert not PLAIN.is_workday(d("2024-02-04"))  # Sunday
    assert PLAIN.workdays_between(d("2023-03-06"), d("2023-03-13")) == 5  # Monday to Monday


def test_datetimes_count_as_their_date():
    assert not CAL.is_workday(datetime(2024, 2, 12, 15, 30))
    assert CAL.add_workdays(datetime(2025, 9, 30, 9), 1) == d("2025-10-09")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param("2025-09-30", 0, "2025-09-30", id="zero-is-the-start"),
        pytest.param("2025-10-03", 0, "2025-10-03", id="zero-on-a-holiday-is-the-start"),
        pytest.param("2025-09-30", 1, "2025-10-09", id="2025-over-国庆中秋"),
        pytest.param("2025-09-26", 1, "2025-09-28", id="2025-to-the-worked-sunday"),
        pytest.param("2024-09-27", 3, "2024-10-08", id="2024-国庆-sun-worked-then-holiday"),
        pytest.param("2024-12-31", 1, "2025-01-02", id="over-new-year"),
        pytest.param("2025-12-31", 1, "2026-01-04", id="2026-元旦-to-the-worked-sunday"),
        pytest.param("2025-01-03", 5, "2025-01-10", id="ordinary-week"),
    ],
)
def test_add_workdays(start, n, expected):
    assert CAL.add_workdays(d(start), n) == d(expected)


@pytest.mark.parametrize(
    ("formed", "due"),
    [
        # 2025-01-20 (Mon) +20: 1/21-24 (4), 1/26 Sun worked (5), 1/27 (6), 1/28-2/4 春节, 2/5-7 (9),
        # 2/8 Sat worked (10), 2/10-14 (15), 2/17-21 (20). Without the holiday it would be 2/17.
        pytest.param("2025-01-20", "2025-02-21", id="2025-over-春节"),
        # 2024-02-01 (Thu) +20: 2/2 (1), 2/4 Sun worked (2), 2/5-9 (7), 2/10-17 春节, 2/18 Sun worked (8),
        # 2/19-23 (13), 2/26-3/1 (18), 3/4 (19), 3/5 (20).
        pytest.param("2024-02-01", "2024-03-05", id="2024-over-春节"),
        # 2025-09-15 (Mon) +20: 9/16-19 (4), 9/22-26 (9), 9/28 Sun worked (10), 9/29-30 (12),
        # 10/1-8 国庆中秋, 10/9-10 (14), 10/11 Sat worked (15), 10/13-17 (20).
        pytest.param("2025-09-15", "2025-10-17", id="2025-over-国庆中秋"),
        pytest.param("2025-03-03", "2025-03-31", id="2025-no-holiday-four-weeks"),
    ],
)
def test_due_date_is_20_working_days(formed, due):
    assert CAL.due_date(d(formed)) == d(due)
    assert CAL.workdays_between(d(formed), d(due)) == 20


def test_due_date_with_another_limit():
    # 补正: 7 working days. 2025-01-24 (Fri): 1/26 Sun worked (1), 1/27 (2), 春节, 2/5-7 (5), 2/8 (6), 2/10 (7).
    assert CAL.due_date(d("2025-01-24"), 7) == d("2025-02-10")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param("2025-09-30", "2025-10-09", 1, id="over-国庆中秋"),
        pytest.param("2025-09-30", "2025-10-08", 0, id="only-holidays"),
        pytest.param("2025-10-10", "2025-10-11", 1, id="worked-saturday-counts"),
        pytest.param("2025-10-09", "2025-10-09", 0, id="same-day"),
        pytest.param("2025-10-09", "2025-09-30", 0, id="end-before-start"),
        pytest.param("2023-12-31", "2026-12-31", 251 + 248 + 248, id="three-years"),
    ],
)
def test_workdays_between(start, end, expected):
    assert CAL.workdays_between(d(start), d(end)) == expected


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        CAL.add_workdays(d("2025-01-01"), -1)


def test_the_calendar_is_a_read_only_snapshot():
    source = {d("2099-03-02"): False}
    cal = WorkCalendar(source)
    source[d("2099-03-03")] = False
    assert cal.is_workday(d("2099-03-03"))
    with pytest.raises(TypeError):
        cal.exceptions[d("2099-03-04")] = False


DAYS_2024_2026 = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@given(start=DAYS_2024_2026, n=st.integers(min_value=0, max_value=60))
def test_workdays_between_inverts_add_workdays(start, n):
    end = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, end) == n
    if n:
        assert CAL.is_workday(end)
        assert CAL.workdays_between(start, end - timedelta(days=1)) == n - 1


@given(start=DAYS_2024_2026, end=DAYS_2024_2026)
def test_workdays_between_matches_counting_day_by_day(start, end):
    brute = sum(CAL.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))
    assert CAL.workdays_between(start, end) == brute


# --- CalendarService against the database ----------------------------------------------------------------

LOCAL_HOLIDAY = d("2099-03-02")  # a Monday nothing else uses
WORKED_SATURDAY = d("2099-03-07")


async def _rows_on(day: date) -> list[CalendarDay]:
    return await CalendarDay.find({"day": at_midnight(day)}).to_list()


async def test_seed_is_idempotent(services: Services):
    calendar = CalendarService()
    before = sum([len(await calendar.exceptions(year)) for year in ROWS])
    assert await calendar.seed() == sum(len(rows) for rows in ROWS.values()) - before
    assert await calendar.seed() == 0
    for year, rows in ROWS.items():
        stored = {row.day: row.workday for row in await calendar.exceptions(year)}
        assert stored == {day: workday for day, workday, _ in rows}, year
    assert calendar.calendar.is_workday(d("2024-02-04"))
    assert not calendar.calendar.is_workday(d("2025-10-08"))
    assert calendar.calendar.add_workdays(d("2025-09-30"), 1) == d("2025-10-09")
    assert len(await calendar.exceptions(2025)) == len(HOLIDAYS[2025])


async def test_concurrent_seeds_insert_each_row_once(services: Services):
    data = {
        2098: [("2098-01-01", "off", "元旦"), ("2098-01-02", "off", "测试"), ("2098-01-04", "work", "测试")]
    }
    calendars = [CalendarService() for _ in range(4)]
    try:
        added = await asyncio.gather(*(c.seed(data) for c in calendars))
        assert sum(added) == 3
        assert [(r.day, r.workday) for r in await calendars[0].exceptions(2098)] == [
            (d("2098-01-01"), False),
            (d("2098-01-02"), False),
            (d("2098-01-04"), True),
        ]
        assert await calendars[0].seed(data) == 0
        assert not calendars[0].calendar.is_workday(d("2098-01-02"))
    finally:
        for day in ("2098-01-01", "2098-01-02", "2098-01-04"):
            await calendars[0].set_day(d(day), None)


async def test_set_day_adds_and_removes_an_exception(services: Services):
    calendar = CalendarService()
    await calendar.reload()
    assert calendar.calendar.is_workday(LOCAL_HOLIDAY)
    try:
        await calendar.set_day(LOCAL_HOLIDAY, False, "地方假日")
        assert not calendar.calendar.is_workday(LOCAL_HOLIDAY)
        assert calendar.calendar.add_workdays(d("2099-02-27"), 1) == d("2099-03-03")  # Fri → Tue
        # persisted: another instance (another process) sees it after its own reload
        other = CalendarService()
        assert not (await other.reload()).is_workday(LOCAL_HOLIDAY)
        [row] = await calendar.exceptions(2099)
        assert (row.day, row.workday, row.note) == (LOCAL_HOLIDAY, False, "地方假日")
        assert type(row.day) is date

        await calendar.set_day(LOCAL_HOLIDAY, True, "改为上班")  # an update, not a second row
        [row] = await _rows_on(LOCAL_HOLIDAY)
        assert (row.workday, row.note) == (True, "改为上班")

        await calendar.set_day(LOCAL_HOLIDAY, None)
        assert calendar.calendar.is_workday(LOCAL_HOLIDAY)
        assert await calendar.exceptions(2099) == []
        assert LOCAL_HOLIDAY not in (await other.reload()).exceptions
        assert await _rows_on(LOCAL_HOLIDAY) == []
    finally:
        await calendar.set_day(LOCAL_HOLIDAY, None)


async def test_set_day_makes_a_weekend_day_a_workday(services: Services):
    calendar = CalendarService()
    try:
        await calendar.set_day(WORKED_SATURDAY, True, "调休上班")
        assert calendar.calendar.is_workday(WORKED_SATURDAY)
        assert calendar.calendar.workdays_between(d("2099-03-06"), d("2099-03-09")) == 2  # Sat and Mon
    finally:
        await calendar.set_day(WORKED_SATURDAY, None)
    assert not calendar.calendar.is_workday(WORKED_SATURDAY)


async def test_concurrent_set_day_leaves_one_row(services: Services):
    calendar = CalendarService()
    try:
        await asyncio.gather(*(calendar.set_day(LOCAL_HOLIDAY, False, f"第{i}次") for i in range(5)))
        assert len(await _rows_on(LOCAL_HOLIDAY)) == 1
        assert not calendar.calendar.is_workday(LOCAL_HOLIDAY)
    finally:
        await calendar.set_day(LOCAL_HOLIDAY, None)


@pytest.mark.parametrize(
    ("day", "note", "field"),
    [
        pytest.param(date(1989, 12, 31), "", "day", id="before-1990"),
        pytest.param(date(2101, 1, 1), "", "day", id="after-2100"),
        pytest.param(date(1, 1, 1), "", "day", id="year-1"),
        pytest.param(LOCAL_HOLIDAY, "假" * 51, "note", id="note-51-chars"),
    ],
)
async def test_set_day_refuses_bad_input(services: Services, day, note, field):
    calendar = CalendarService()
    with pytest.raises(InvalidInput) as caught:
        await calendar.set_day(day, False, note)
    assert caught.value.code == "BAD_USER_INPUT"
    assert caught.value.details == {"field": field}
    assert await _rows_on(day) == []


async def test_set_day_accepts_the_limits(services: Services):
    calendar = CalendarService()
    for day in (date(1990, 1, 1), date(2100, 12, 31)):
        try:
            await calendar.set_day(day, True, "假" * 50)
            assert calendar.calendar.is_workday(day)
        finally:
            await calendar.set_day(day, None)
