"""The holiday calendar through GraphQL and the command line (#17): read a year, set a whole year
(validated, all or nothing, audited, in force at once), the December warning, ``gongkai load-holidays``.

Each test owns a far-off year no other test touches (the database is shared by the session)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ADMIN, OFFICER, Api, error_of

ROOT = Path(__file__).resolve().parents[1]
READ = "query($y: Int!) { holidayCalendar(year: $y) { year present days { date kind name } } }"
SET = """mutation($y: Int!, $d: [HolidayCalendarDayInput!]!) {
  setHolidayCalendar(year: $y, days: $d) { year present days { date kind name } } }"""
WARNINGS = "{ calendarWarnings { year message } }"
AUDIT = """{ auditLog(first: 2, filter: {targetType: "HolidayCalendar"}) {
  edges { node { action actionLabel targetTypeLabel targetLabel before after actorName } } } }"""


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


def day(iso: str, kind: str, name: str) -> dict[str, str]:
    return {"date": iso, "kind": kind, "name": name}


async def test_a_published_year_reads_with_its_holidays_and_swapped_workdays(api):
    data = await api.ok(READ, {"y": 2025}, await api.token(OFFICER))

    calendar = data["holidayCalendar"]
    assert calendar["present"] is True
    assert day("2025-01-26", "WORKDAY", "春节调休上班") in calendar["days"]
    assert day("2025-01-28", "HOLIDAY", "春节") in calendar["days"]
    assert [d["date"] for d in calendar["days"]] == sorted(d["date"] for d in calendar["days"])


async def test_a_year_not_yet_published_is_absent_not_invented(api):
    data = await api.ok(READ, {"y": 2091}, await api.token(OFFICER))

    assert data["holidayCalendar"] == {"year": 2091, "present": False, "days": []}


async def test_setting_a_year_replaces_it_whole_and_records_before_and_after(api):
    token = await api.token(ADMIN)
    first = [day("2096-01-01", "HOLIDAY", "元旦")]
    second = [day("2096-10-01", "HOLIDAY", "国庆节"), day("2096-09-29", "WORKDAY", "国庆节调休上班")]
    await api.ok(SET, {"y": 2096, "d": first}, token)

    data = await api.ok(SET, {"y": 2096, "d": second}, token)

    assert data["setHolidayCalendar"]["days"] == [
        day("2096-09-29", "WORKDAY", "国庆节调休上班"),
        day("2096-10-01", "HOLIDAY", "国庆节"),
    ]
    assert (await api.ok(READ, {"y": 2096}, token))["holidayCalendar"] == data["setHolidayCalendar"]
    log = (await api.ok(AUDIT, None, token))["auditLog"]["edges"]
    latest, earlier = log[0]["node"], log[1]["node"]
    assert latest["action"] == "calendar.set_year"
    assert (latest["actionLabel"], latest["targetTypeLabel"]) == ("设置节假日安排", "节假日安排")
    assert latest["targetLabel"] == "2096 年节假日安排"
    assert latest["actorName"] == ADMIN
    assert latest["before"] == [{"date": "2096-01-01", "kind": "holiday", "name": "元旦"}]
    assert latest["after"] == [
        {"date": "2096-09-29", "kind": "workday", "name": "国庆节调休上班"},
        {"date": "2096-10-01", "kind": "holiday", "name": "国庆节"},
    ]
    assert (earlier["targetLabel"], earlier["before"]) == ("2096 年节假日安排", None)


@pytest.mark.parametrize(
    ("days", "field", "message"),
    [
        ([day("2095-12-31", "HOLIDAY", "元旦")], "days.0.date", "2095-12-31 不在 2092 年内。"),
        (
            [day("2092-05-01", "HOLIDAY", "劳动节"), day("2092-05-01", "WORKDAY", "劳动节")],
            "days.1.date",
            "2092-05-01 重复出现。",
        ),
        (
            [day("2092-05-01", "HOLIDAY", "  ")],
            "days.0.name",
            "2092-05-01 缺少名称（如“春节”“春节调休上班”）。",
        ),
        ([day("2092-05-01", "HOLIDAY", "节" * 51)], "days.0.name", "2092-05-01 的名称不能超过 50 个字符。"),
    ],
    ids=["date-outside-the-year", "duplicate-date", "blank-name", "name-too-long"],
)
async def test_a_faulty_year_is_refused_and_nothing_is_written(api, days, field, message):
    token = await api.token(ADMIN)
    kept = [day("2092-01-01", "HOLIDAY", "元旦")]
    await api.ok(SET, {"y": 2092, "d": kept}, token)

    body = await api.post(SET, {"y": 2092, "d": days}, token)

    assert error_of(body)[0] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"]["field"] == field
    assert (await api.ok(READ, {"y": 2092}, token))["holidayCalendar"]["days"] == [
        day("2092-01-01", "HOLIDAY", "元旦")
    ]


async def test_a_year_out_of_range_is_refused(api):
    body = await api.post(SET, {"y": 2200, "d": []}, await api.token(ADMIN))

    assert error_of(body)[0] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "year"


async def test_a_worklist_deadline_moves_when_a_day_becomes_a_holiday(api):
    root = await api.new_org()
    team = await api.team(root, writer=("OFFICER",), reviewer=("OFFICER",))
    # Formed Monday 2093-03-02 (no holidays entered for 2093): the 20th working day after is Monday 03-30.
    entry = await api.create_entry(team["writer"].token, root, createdDate="2093-03-02")
    await api.act(team["writer"].token, entry["id"], "SUBMIT")

    async def due() -> str:
        work = await api.worklist(team["reviewer"].token)
        return str(next(w["dueOn"] for w in work if w["item"]["id"] == entry["id"]))

    assert await due() == "2093-03-30"
    await api.ok(SET, {"y": 2093, "d": [day("2093-03-10", "HOLIDAY", "测试假日")]}, await api.token(ADMIN))

    assert await due() == "2093-03-31"  # a working day fewer in the period: one day later


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2094, 11, 30, 15, 59, tzinfo=UTC), []),  # 23:59 on 30 November in Beijing
        (datetime(2094, 11, 30, 16, 0, tzinfo=UTC), [2095]),  # 00:00 on 1 December in Beijing
        (datetime(2094, 12, 31, 12, 0, tzinfo=UTC), [2095]),
    ],
    ids=["november", "first-of-december-in-beijing", "new-years-eve"],
)
async def test_from_december_staff_are_warned_that_next_year_is_missing(
    api, services, monkeypatch, now, expected
):
    monkeypatch.setattr(services.calendar, "clock", lambda: now)

    data = await api.ok(WARNINGS, None, await api.token(OFFICER))

    assert [w["year"] for w in data["calendarWarnings"]] == expected
    if expected:
        assert data["calendarWarnings"][0]["message"].startswith("2095 年节假日安排尚未录入")


async def test_the_warning_ends_once_next_year_is_entered(api, services, monkeypatch):
    # 2087: a year no other test enters (tests/test_workdays.py owns 2099's exceptions)
    monkeypatch.setattr(services.calendar, "clock", lambda: datetime(2086, 12, 5, tzinfo=UTC))
    assert (await api.ok(WARNINGS, None, await api.token(OFFICER)))["calendarWarnings"] != []

    await api.ok(SET, {"y": 2087, "d": [day("2087-01-01", "HOLIDAY", "元旦")]}, await api.token(ADMIN))

    assert (await api.ok(WARNINGS, None, await api.token(OFFICER)))["calendarWarnings"] == []


# -- gongkai load-holidays ----------------------------------------------------------------------


def _load(embedded: Any, settings: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GONGKAI_MODE": "demo",
        "GONGKAI_DEMO_DATA": "false",
        "GONGKAI_SECRET_KEY": settings.secret_key.get_secret_value(),
        "GONGKAI_MONGO_URL": embedded.mongo_url,
        "GONGKAI_MONGO_DATABASE": settings.mongo_database,
        "GONGKAI_S3_ENDPOINT": embedded.s3_endpoint,
        "GONGKAI_S3_ACCESS_KEY": embedded.s3_access_key,
        "GONGKAI_S3_SECRET_KEY": embedded.s3_secret_key,
    }
    command = [sys.executable, "-m", "web.cli", "load-holidays", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


CSV = "date,kind,name\n2090-01-01,holiday,元旦\n2090-01-05,workday,元旦调休上班\n"


async def test_the_command_dry_run_checks_and_writes_nothing(api, embedded, settings, tmp_path):
    file = tmp_path / "2090.csv"
    file.write_text(CSV, encoding="utf-8")

    result = _load(embedded, settings, str(file), "--dry-run")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2090 年：放假 1 天，调休上班 1 天（试运行，未写入 / dry run）"
    assert (await api.ok(READ, {"y": 2090}, await api.token(ADMIN)))["holidayCalendar"]["present"] is False


async def test_the_command_loads_a_json_year(api, embedded, settings, services, tmp_path):
    file = tmp_path / "2089.json"
    file.write_text('[{"date": "2089-10-01", "kind": "holiday", "name": "国庆节"}]', encoding="utf-8")

    result = _load(embedded, settings, str(file))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2089 年：放假 1 天，调休上班 0 天（已载入 / loaded）"
    token = await api.token(ADMIN)
    assert (await api.ok(READ, {"y": 2089}, token))["holidayCalendar"]["days"] == [
        day("2089-10-01", "HOLIDAY", "国庆节")
    ]
    log = (await api.ok(AUDIT, None, token))["auditLog"]["edges"]
    assert (log[0]["node"]["targetLabel"], log[0]["node"]["actorName"]) == (
        "2089 年节假日安排",
        "gongkai load-holidays",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "2088-01-01,holiday,元旦\n2088-13-01,holiday,坏日期\n",
            "第 2 行：日期“2088-13-01”应为 YYYY-MM-DD 格式。",
        ),
        ("2088-01-01,rest,元旦\n", "第 1 行：类型“rest”应为 holiday（放假）或 workday（调休上班）。"),
        ("2088-01-01,holiday\n", "第 1 行：应有 3 列（日期,类型,名称），实有 2 列。"),
        ("2088-01-01,holiday,元旦\n2088-01-01,holiday,元旦\n", "2088-01-01 重复出现。"),
        ("2088-12-31,holiday,除夕\n2089-01-01,holiday,元旦\n", "文件含多个年份的日期：2088、2089。"),
    ],
    ids=["bad-date", "bad-kind", "missing-column", "duplicate", "two-years"],
)
async def test_the_command_refuses_a_bad_row_with_exit_1(api, embedded, settings, tmp_path, content, message):
    file = tmp_path / "bad.csv"
    file.write_text(content, encoding="utf-8")

    result = _load(embedded, settings, str(file))

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == message
    assert (await api.ok(READ, {"y": 2088}, await api.token(ADMIN)))["holidayCalendar"]["present"] is False
