"""The holiday calendar as administrators see it: read a year, set a whole year, the December warning.

The calendar is one for the whole installation (the State Council's notice applies to every office),
so setting it needs ``calendar.manage`` over a whole organization tree (``require_shared``); reading it
needs ``calendar.view`` anywhere, which every staff role holds. A year is replaced whole in one
transaction, recorded in the administrative audit log with the days before and after, and the new
working-day snapshot is in place before the call returns: the next deadline computed uses it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pymongo.asynchronous.client_session import AsyncClientSession

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.audit.log import AuditLog, Change
from cms.errors import Forbidden, PasswordChangeRequired, Unauthenticated
from cms.review.workdays import CalendarEntry, CalendarService, CalendarWarning, check_year

Atomically = Callable[[Callable[[AsyncClientSession], Awaitable[None]]], Awaitable[None]]


@dataclass(frozen=True)
class YearCalendar:
    year: int
    days: list[CalendarEntry]

    @property
    def present(self) -> bool:
        """Whether any day of the year is entered (a year not yet published has none)."""
        return bool(self.days)


class CalendarAdministration:
    def __init__(
        self, access: AccessControl, calendar: CalendarService, audit: AuditLog, atomically: Atomically
    ) -> None:
        self.access = access
        self.calendar = calendar
        self.audit = audit
        self.atomically = atomically

    async def year(self, principal: Principal, year: int) -> YearCalendar:
        self._require_staff(principal)
        return await self._year(year)

    async def warnings(self, principal: Principal) -> list[CalendarWarning]:
        self._require_staff(principal)
        return await self.calendar.warnings()

    async def set_year(
        self, principal: Principal, year: int, entries: Sequence[CalendarEntry]
    ) -> YearCalendar:
        self.access.require_shared(principal, Permission.CALENDAR_MANAGE)
        return await self.load_year(principal, year, entries)

    async def load_year(
        self, principal: Principal, year: int, entries: Sequence[CalendarEntry], *, dry_run: bool = False
    ) -> YearCalendar:
        """Without a permission check: for ``set_year`` and the operator's command line (whose
        ``principal`` names the command in the audit log). A dry run checks and changes nothing."""
        checked = check_year(year, entries)
        if dry_run:
            return YearCalendar(year, checked)
        before = await self._year(year)

        async def write(session: AsyncClientSession) -> None:
            await self.calendar.replace_year(year, checked, session)

        await self.atomically(write)
        await self.calendar.changed()
        old = _days(before.days) if before.present else None
        label = f"{year} 年节假日安排"
        change = Change("calendar.set_year", "HolidayCalendar", str(year), label, None, old, _days(checked))
        await self.audit.record(principal, change)
        return YearCalendar(year, checked)

    async def _year(self, year: int) -> YearCalendar:
        rows = await self.calendar.exceptions(year)
        return YearCalendar(year, [CalendarEntry(r.day, r.workday, r.note) for r in rows])

    def _require_staff(self, principal: Principal) -> None:
        if principal.is_anonymous:
            raise Unauthenticated()
        if principal.must_change_password:
            raise PasswordChangeRequired()
        if not self.access.orgs_with(principal, Permission.CALENDAR_VIEW):
            raise Forbidden(permission=Permission.CALENDAR_VIEW.value)


def _days(entries: Sequence[CalendarEntry]) -> list[dict[str, str]]:
    return [
        {"date": e.day.isoformat(), "kind": "workday" if e.workday else "holiday", "name": e.note}
        for e in entries
    ]
