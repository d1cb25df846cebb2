"""Working-day calendar exceptions: public holidays (休) and swapped weekend workdays (班)."""

from __future__ import annotations

from datetime import date

from beanie import Document
from pymongo import ASCENDING, IndexModel


class CalendarDay(Document):
    day: date
    workday: bool  # False: a holiday on a weekday; True: a weekend day worked (调休上班)
    note: str = ""  # e.g. 春节, 国庆节调休

    class Settings:
        name = "calendar_days"
        indexes = [IndexModel([("day", ASCENDING)], unique=True)]
