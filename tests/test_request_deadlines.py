"""Statutory time limits of requests for disclosure on the working-day calendar: 第三十条 (补正),
第三十二条 (consultation pauses), 第三十三条 (20 working days, extension by at most 20)."""

from __future__ import annotations

from datetime import date

import pytest

from cms.requests.deadlines import (
    Pause,
    Timeline,
    correction_notice_due,
    reply_deadline,
    working_days_left,
)
from cms.review.workdays import WorkCalendar, holiday_rows

CAL = WorkCalendar({day: workday for rows in holiday_rows().values() for day, workday, _ in rows})
PLAIN = WorkCalendar()
TODAY = date(2026, 6, 1)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


@pytest.mark.parametrize(
    ("calendar", "timeline", "today", "due", "paused", "running"),
    [
        pytest.param(
            CAL,
            Timeline(received=d("2025-09-26")),
            TODAY,
            d("2025-10-30"),
            0,
            True,
            id="第三十三条-20-working-days-across-National-Day-and-its-调休-Saturday",
        ),
        pytest.param(
            CAL,
            Timeline(received=d("2025-09-26"), extension_days=20),
            TODAY,
            d("2025-11-27"),
            0,
            True,
            id="第三十三条-extension-by-20-working-days",
        ),
        pytest.param(
            CAL,
            Timeline(received=d("2026-01-05"), extension_days=15),
            TODAY,
            d("2026-02-28"),
            0,
            True,
            id="第三十三条-20-plus-15-ends-on-a-调休-Saturday",
        ),
        pytest.param(
            CAL,
            Timeline(received=d("2026-01-05"), extension_days=30),
            TODAY,
            d("2026-03-06"),
            0,
            True,
            id="第三十三条-extension-capped-at-20",
        ),
        pytest.param(
            CAL,
            Timeline(received=d("2026-01-20"), correction_requested=d("2026-01-22")),
            TODAY,
            None,
            0,
            False,
            id="第三十条-no-clock-while-correction-awaited",
        ),
        pytest.param(
            CAL,
            Timeline(
                received=d("2026-01-20"),
                correction_requested=d("2026-01-22"),
                correction_received=d("2026-02-10"),
            ),
            TODAY,
            d("2026-03-16"),
            0,
            True,
            id="第三十条-20-restart-at-correction-receipt-across-春节",
        ),
        pytest.param(
            PLAIN,
            Timeline(received=d("2026-03-02"), pauses=(Pause(d("2026-03-09"), d("2026-03-16")),)),
            TODAY,
            d("2026-04-06"),
            5,
            True,
            id="第三十二条-closed-consultation-of-5-not-counted",
        ),
        pytest.param(
            PLAIN,
            Timeline(received=d("2026-03-02"), pauses=(Pause(d("2026-03-03"), d("2026-04-14")),)),
            TODAY,
            d("2026-04-20"),
            15,
            True,
            id="第三十二条-consultation-counts-at-most-15",
        ),
        pytest.param(
            PLAIN,
            Timeline(received=d("2026-03-02"), pauses=(Pause(d("2026-03-09")),)),
            d("2026-03-11"),
            d("2026-04-01"),
            2,
            False,
            id="第三十二条-open-consultation-pauses-up-to-today",
        ),
        pytest.param(
            PLAIN,
            Timeline(received=d("2026-03-02"), fee=Pause(d("2026-03-09"), d("2026-04-08"))),
            TODAY,
            d("2026-04-29"),
            22,
            True,
            id="109号函-notice-to-payment-not-counted-and-not-capped-at-15",
        ),
        pytest.param(
            PLAIN,
            Timeline(received=d("2026-03-02"), fee=Pause(d("2026-03-09"))),
            d("2026-03-11"),
            d("2026-04-01"),
            2,
            False,
            id="109号函-unpaid-notice-stops-the-clock-up-to-today",
        ),
        pytest.param(
            PLAIN,
            Timeline(
                received=d("2026-03-02"),
                pauses=(Pause(d("2026-03-09"), d("2026-03-16")),),
                fee=Pause(d("2026-03-17"), d("2026-03-20")),
            ),
            TODAY,
            d("2026-04-09"),
            8,
            True,
            id="第三十二条-and-109号函-consultation-and-fee-both-not-counted",
        ),
    ],
)
def test_reply_deadline(calendar, timeline, today, due, paused, running):
    deadline = reply_deadline(calendar, timeline, today)

    assert (deadline.due, deadline.paused_days, deadline.running) == (due, paused, running)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        pytest.param(d("2026-02-06"), d("2026-02-24"), id="第三十条-7-working-days-across-春节"),
        pytest.param(d("2025-09-26"), d("2025-10-13"), id="第三十条-7-working-days-across-National-Day"),
    ],
)
def test_correction_notice_due(received, due):
    assert correction_notice_due(CAL, received) == due


@pytest.mark.parametrize(
    ("today", "left"),
    [
        pytest.param(d("2026-03-12"), 2, id="two-left"),
        pytest.param(d("2026-03-16"), 0, id="due-today"),
        pytest.param(d("2026-03-18"), -2, id="two-overdue"),
    ],
)
def test_working_days_left(today, left):
    assert working_days_left(CAL, d("2026-03-16"), today) == left
