"""The people, audit log and holiday calendar screens of the admin app (#17) in a real browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.e2e.conftest import Scenarios

# A year of its own: no other test enters it, so its December warning is this test's
WARNED_YEAR = 2081


async def test_a_disabled_user_cannot_sign_in_a_reset_forces_a_new_password_and_the_audit_log_shows_each(
    scenario: Scenarios,
) -> None:
    result = await scenario("people")

    assert result["grants"] == ["承办人（云南省人民政府）"]
    assert result["disabledState"] == "已停用"
    assert result["refused"] == "账号已停用，请联系管理员。"
    assert result["weak"] == "密码至少 10 位，且须同时包含字母和数字。"
    assert result["required"] == "管理员已重置您的密码，请先设置新密码后再继续使用。"
    assert result["wrongCurrent"] == "当前密码不正确。"
    assert result["actions"] == ["修改密码", "重置密码", "启用账号", "停用账号", "授予角色", "新建账号"]
    assert result["total"] == "共 6 条记录（时间为北京时间）"
    assert result["onlyDisabling"] is True
    assert result["actors"] == [result["displayName"], *["演示管理员"] * 5]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", result["time"])
    assert re.fullmatch(r"[0-9a-f]{64}", result["headHash"])
    assert result["verified"].startswith("日志链完整：已校验 ")


async def test_the_december_warning_leads_to_the_calendar_and_an_edit_round_trips(
    scenario: Scenarios, services, monkeypatch
) -> None:
    # given the server's calendar clock in December of the year before WARNED_YEAR (Beijing time)
    monkeypatch.setattr(services.calendar, "clock", lambda: datetime(WARNED_YEAR - 1, 12, 5, 2, tzinfo=UTC))

    result = await scenario("calendar", year=WARNED_YEAR)

    assert result["warned"].startswith(f"{WARNED_YEAR} 年节假日安排尚未录入")
    assert result["shownYear"] == str(WARNED_YEAR)
    assert result["rowError"] == f"{WARNED_YEAR + 1}-01-01 不在 {WARNED_YEAR} 年内。"
    assert result["saved"] == f"已保存 {WARNED_YEAR} 年节假日安排（2 天），工作日期限即按新安排计算。"
    assert result["days"] == [
        [f"{WARNED_YEAR}-01-01", "周三", "HOLIDAY", "元旦"],
        [f"{WARNED_YEAR}-01-04", "周六", "WORKDAY", "元旦调休上班"],
    ]
    assert (result["absentAfter"], result["warningsAfter"]) == (0, 0)
