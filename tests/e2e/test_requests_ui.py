"""The 依申请公开 screens of the admin app (#18) in a real browser: register, assign, draft, the reply's
review chain with the demo accounts, send; and the applicant's identity only with its permission."""

from __future__ import annotations

import re

from tests.e2e.conftest import Scenarios


async def test_a_registered_letter_is_assigned_drafted_reviewed_and_sent_and_only_the_office_sees_the_applicant(
    scenario: Scenarios,
) -> None:
    result = await scenario("requests")

    # a letter signed for 100 days ago and unanswered is overdue, highlighted
    assert result["lateHighlighted"] is True
    assert re.fullmatch(r"逾期 \d+ 个工作日", result["lateDays"])
    # registered: a number and a query code shown once, open on the worklist with its working days
    assert re.fullmatch(
        rf"已登记申请 {re.escape(result['number'])}，查询码 \S+（只显示这一次，请告知申请人）；"
        r"收到申请之日 \d{4}-\d{2}-\d{2}，答复期限 \d{4}-\d{2}-\d{2}。",
        result["registered"],
    )
    assert result["registeredState"] == "已收到"
    assert result["daysLeft"] == "20 个工作日"
    assert result["assignedState"] == "办理中"
    # 分办 by name: the request page and the worklist name the case officer
    assert (result["assignedName"], result["listedAssignee"]) == ("演示承办人", "演示承办人")
    # the office holds the personal-data permission; the case officer does not
    assert result["officeSees"] == result["applicant"]
    assert (
        result["officerApplicant"] == "不显示：查看申请人身份与联系方式需受理机关的“查看申请人个人信息”权限。"
    )
    assert (result["officerSeesName"], result["officerSeesIdNumber"]) == (0, 0)
    assert result["officeSeesIdNumber"] == 1
    # the reply went through the three tiers in order, then out
    assert result["outcome"] == "予以公开"
    assert result["pending"] == ["承办人初审", "承办部门负责人审核", "单位负责人审发"]
    assert result["reviewsShown"] == 3
    assert result["history"] == [
        "收到申请",
        "分办",
        "拟写答复",
        "答复审查",
        "答复审查",
        "答复审查",
        "发出答复",
    ]
    assert result["repliedState"] == "已答复"
    # an administrative review recorded against it, then concluded
    assert (result["remedyPending"], result["remedyConcluded"]) == (True, True)
    # 第四十四条: the officer (content.create) turns it into a catalog draft; the office may not
    assert result["proactiveTitle"] == f"旧城改造补偿方案（{result['stamp']}）"
    assert result["officeMayNotDraft"] == 0
