"""The 合规看板 screen of the admin app in a real browser: it shows the server's figures and quota rows,
and its Excel button downloads the workbook of the period."""

from __future__ import annotations

from tests.e2e.conftest import Scenarios


async def test_the_office_sees_the_servers_figures_and_downloads_the_workbook(scenario: Scenarios) -> None:
    # given the demo office, when it opens the screen for this year and exports it
    result = await scenario("compliance")
    # then every figure shows the server's count, every quota row is listed, and the file is the workbook
    assert result["shown"] == result["expected"]
    assert len(result["shown"]) == 10
    assert result["quotaRows"] == result["quotas"]
    year = result["year"]
    assert result["filename"] == f"compliance-{year}-01-01-{year}-12-31.xlsx"
