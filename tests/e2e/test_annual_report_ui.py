"""The 年度报告 screen of the admin app (#19) in a real browser: the office saves the overview and issues
the report, and the screen shows the six sections, the computed tables and each state."""

from __future__ import annotations

from tests.e2e.conftest import Scenarios

# A year of its own: no other test writes a report of the demo office's organization for it
YEAR = 2012


async def test_the_office_saves_the_overview_and_issues_the_report(scenario: Scenarios) -> None:
    # given the demo office; when it opens the year's report, writes the overview, saves and issues it
    result = await scenario("annual-report", year=YEAR)
    # then the screen, reached from the menu, shows the six sections with section 四's three rows
    assert result["inMenu"] is True
    assert result["sections"] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
        "数据核对",
    ]
    assert result["remedyRows"] == 3
    assert result["fees"] == "0.00"
    # and saving, then issuing, changes the state shown and links the catalog entry draft
    assert result["saved"] == "已保存。"
    assert result["issued"] == "已生成年度报告 .docx 及公开目录条目草稿，请在公开目录中提交审查。"
    assert result["state"] == "已生成条目草稿"
    assert result["shownOverview"] == result["overview"]
    server = result["server"]
    assert (server["state"], server["version"], server["overview"]) == (
        "ISSUED",
        2,
        result["overview"],
    )  # saved, then issued
    assert result["link"] == f"/admin/catalog/{server['catalogEntryId']}"
