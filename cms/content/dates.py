"""The dates and instants the API accepts, stated once.

Python's datetime ends at years 1 and 9999, and an offset near either end (``9999-12-31T23:59:59-14:00``)
cannot even be turned into UTC, so unchecked input used to fail deep inside as OverflowError. Input is
therefore held to ranges that real documents and schedules have:

- document dates (成文日期, 发布日期, 施行日期, 废止日期, publication dates, expiry, transcript times)
  and the bounds of register queries and exports: 1949-01-01 … 2100-12-31;
- scheduling instants (the ``effective`` of an approval, an interview's start and end): the service
  clock's now ± 10 years.

Naive instants are taken as UTC, as MongoDB does. Everything outside answers BAD_USER_INPUT naming the
field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cms.errors import InvalidInput

FIRST_DOCUMENT_DAY = date(1949, 1, 1)
LAST_DOCUMENT_DAY = date(2100, 12, 31)
SCHEDULING_SPAN = timedelta(days=3653)  # ten years, leap days included

_FIRST_DOCUMENT_INSTANT = datetime(1949, 1, 1, tzinfo=UTC)
_AFTER_LAST_DOCUMENT_INSTANT = datetime(2101, 1, 1, tzinfo=UTC)
_DOCUMENT_RANGE = f"{FIRST_DOCUMENT_DAY.isoformat()} 至 {LAST_DOCUMENT_DAY.isoformat()}"


def document_date(value: date | None, field: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return document_instant(value, field)
    if not FIRST_DOCUMENT_DAY <= value <= LAST_DOCUMENT_DAY:
        raise InvalidInput(f"日期须在 {_DOCUMENT_RANGE} 之间。", field=field)
    return value


def document_instant(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    instant = _utc(value)
    if instant is None or not _FIRST_DOCUMENT_INSTANT <= instant < _AFTER_LAST_DOCUMENT_INSTANT:
        raise InvalidInput(f"时间须在 {_DOCUMENT_RANGE} 之间。", field=field)
    return instant


def scheduling_instant(value: datetime | None, field: str, now: datetime) -> datetime | None:
    if value is None:
        return None
    instant = _utc(value)
    if instant is None or abs(instant - now) > SCHEDULING_SPAN:
        raise InvalidInput("时间须在当前时间前后 10 年之内。", field=field)
    return instant


def _utc(value: datetime) -> datetime | None:
    """The instant in UTC; None when an offset moves it past year 1 or 9999."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
