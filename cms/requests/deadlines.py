"""Statutory time limits of a request, on the working-day calendar (cms.review.workdays).

- 第三十三条: reply within 20 working days of receipt; an extension of at most 20 more, approved.
- 第三十条: a 补正 notice within 7 working days of receipt; the limit then counts from the day the
  corrected application is received, and nothing runs while the correction is awaited.
- 第三十二条: time spent consulting a third party or another agency (at most 15 working days) is not
  counted: the working days in (start, end] of each consultation push the deadline out, an open one
  up to today.
- 信息处理费 (国办函〔2020〕109号): the working days in (notice, payment] do not count either, an
  unpaid notice up to today; no cap (an unpaid fee ends the request after its period).

Periods count as ``WorkCalendar`` does: the starting day is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cms.review.workdays import WorkCalendar, as_date

REPLY_LIMIT = 20
EXTENSION_LIMIT = 20
CORRECTION_NOTICE_LIMIT = 7
CONSULTATION_LIMIT = 15


@dataclass(frozen=True)
class Pause:
    """A consultation (第三十二条): sent on ``start``, answered on ``end`` (None: still waiting)."""

    start: date
    end: date | None = None


@dataclass(frozen=True)
class Timeline:
    """What the limit depends on."""

    received: date
    correction_requested: date | None = None
    correction_received: date | None = None
    pauses: tuple[Pause, ...] = ()
    extension_days: int = 0
    fee: Pause | None = None  # from the fee notice to the payment


@dataclass(frozen=True)
class Deadline:
    starts: date | None  # the day the limit counts from; None while a correction is awaited
    due: date | None  # the last day for the reply; None while a correction is awaited
    paused_days: int  # working days not counted (consultations, a fee awaited)
    running: bool  # False while a correction is awaited, a consultation is open or a fee unpaid


def correction_notice_due(calendar: WorkCalendar, received: date) -> date:
    """The last day a 补正 notice may be sent (第三十条)."""
    return calendar.add_workdays(received, CORRECTION_NOTICE_LIMIT)


def paused_days(calendar: WorkCalendar, pause: Pause, today: date) -> int:
    end = as_date(pause.end) if pause.end is not None else as_date(today)
    return min(CONSULTATION_LIMIT, calendar.workdays_between(pause.start, end))


def reply_deadline(calendar: WorkCalendar, timeline: Timeline, today: date) -> Deadline:
    if timeline.correction_requested is not None and timeline.correction_received is None:
        return Deadline(starts=None, due=None, paused_days=0, running=False)
    starts = as_date(timeline.correction_received or timeline.received)
    paused = sum(paused_days(calendar, pause, today) for pause in timeline.pauses)
    paused += fee_paused_days(calendar, timeline.fee, today) if timeline.fee is not None else 0
    limit = REPLY_LIMIT + min(timeline.extension_days, EXTENSION_LIMIT) + paused
    pauses = (*timeline.pauses, *((timeline.fee,) if timeline.fee is not None else ()))
    return Deadline(
        starts=starts,
        due=calendar.add_workdays(starts, limit),
        paused_days=paused,
        running=all(pause.end is not None for pause in pauses),
    )


def fee_paused_days(calendar: WorkCalendar, fee: Pause, today: date) -> int:
    end = as_date(fee.end) if fee.end is not None else as_date(today)
    return calendar.workdays_between(fee.start, end)


def working_days_left(calendar: WorkCalendar, due: date, today: date) -> int:
    """Working days from today up to and including ``due``; negative once it has passed."""
    due, today = as_date(due), as_date(today)
    if today <= due:
        return calendar.workdays_between(today, due)
    return -calendar.workdays_between(due, today)
