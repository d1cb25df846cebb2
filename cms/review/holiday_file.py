"""A year's holiday notice as a simple file, for ``gongkai load-holidays``: CSV (UTF-8, optional BOM,
optional header ``date,kind,name``) or JSON (a list of ``{"date", "kind", "name"}``).

``kind`` is ``holiday`` (放假) or ``workday`` (调休上班). Every row is parsed and every refused row is
reported, in Chinese, by its row number; the whole year is then checked by ``check_year``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cms.review.workdays import CalendarEntry, DayKind

HEADER = ("date", "kind", "name")
MAX_FILE_BYTES = 1024 * 1024  # a year is at most 366 short rows


@dataclass
class HolidayFile:
    entries: list[CalendarEntry] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "第 N 行：..." for each refused row

    @property
    def years(self) -> set[int]:
        return {e.day.year for e in self.entries}


def parse_holiday_file(name: str, data: bytes) -> HolidayFile:
    if len(data) > MAX_FILE_BYTES:
        return HolidayFile(refused=[f"文件超过 {MAX_FILE_BYTES // 1024} KB。"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return HolidayFile(refused=["文件不是 UTF-8 编码。"])
    if name.lower().endswith(".json"):
        return _from_json(text)
    return _from_csv(text)


def _from_csv(text: str) -> HolidayFile:
    found = HolidayFile()
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (number == 1 and tuple(c.lower() for c in cells) == HEADER):
            continue
        if len(cells) != len(HEADER):
            found.refused.append(f"第 {number} 行：应有 3 列（日期,类型,名称），实有 {len(cells)} 列。")
            continue
        _add(found, number, *cells)
    return found


def _from_json(text: str) -> HolidayFile:
    try:
        rows: Any = json.loads(text)
    except ValueError as exc:
        return HolidayFile(refused=[f"JSON 格式错误：{exc}"])
    if not isinstance(rows, list):
        return HolidayFile(refused=["JSON 文件应为一个数组。"])
    found = HolidayFile()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in HEADER):
            found.refused.append(f"第 {number} 行：应为含 date、kind、name 三个字符串的对象。")
            continue
        _add(found, number, row["date"].strip(), row["kind"].strip(), row["name"].strip())
    return found


def _add(found: HolidayFile, number: int, day_text: str, kind_text: str, name: str) -> None:
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        found.refused.append(f"第 {number} 行：日期“{day_text}”应为 YYYY-MM-DD 格式。")
        return
    try:
        kind = DayKind(kind_text.lower())
    except ValueError:
        found.refused.append(f"第 {number} 行：类型“{kind_text}”应为 holiday（放假）或 workday（调休上班）。")
        return
    found.entries.append(CalendarEntry(day, kind is DayKind.WORKDAY, name))
