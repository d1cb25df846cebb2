"""The shipped holiday rows (cms/review/holiday_data.py) against an independent, maintained source: the
`chinesecalendar` package's data (a test-only dependency), so a typo in a date or a missing 调休 day fails
here instead of moving a statutory deadline."""

from __future__ import annotations

import inspect
from datetime import date

import pytest
from chinese_calendar import constants

from cms.review import holiday_data
from cms.review.holiday_data import HOLIDAYS, OFF, WORK

CHECKED_YEARS = [2024, 2025, 2026]


def shipped(year: int, kind: str) -> set[date]:
    return {date.fromisoformat(day) for day, row_kind, _ in HOLIDAYS[year] if row_kind == kind}


def reference(days: dict[date, object], year: int) -> set[date]:
    return {day for day in days if day.year == year}


@pytest.mark.parametrize("year", CHECKED_YEARS, ids=[str(y) for y in CHECKED_YEARS])
def test_holidays_match_the_chinesecalendar_data(year: int):
    # given the package lists every day of each holiday period, weekends inside it included, as our rows do
    expected = reference(constants.holidays, year)
    # then the days off are exactly the same
    assert shipped(year, OFF) == expected


@pytest.mark.parametrize("year", CHECKED_YEARS, ids=[str(y) for y in CHECKED_YEARS])
def test_swapped_working_days_match_the_chinesecalendar_data(year: int):
    assert shipped(year, WORK) == reference(constants.workdays, year)


def test_no_year_is_left_marked_to_be_checked():
    # 2026 matched the independent data above, so its "entered from memory" flag is gone
    assert "TO BE CHECKED" not in inspect.getsource(holiday_data)


def test_2027_is_not_invented():
    # the 2027 notice is entered by an administrator when it is published, never guessed in the seed data
    assert 2027 not in HOLIDAYS
    assert set(HOLIDAYS) == set(CHECKED_YEARS)
