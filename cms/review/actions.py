"""What a reviewer asks of the workflow (a transition request), and what each kind of transition
writes on the item: workflow state only, never content."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId

from storage.register import ConfidentialityFindings

# What each kind of transition changes on the item (besides ``modified``): workflow state only.
STATE_FIELDS = ("review_state", "pending_tier")
APPROVE_FIELDS = (*STATE_FIELDS, "cycle")
SUBMIT_FIELDS = (*APPROVE_FIELDS, "submitted_at", "submitted_by", "confirmations")
CONFIRM_FIELDS = ("confirmations",)


class Action(enum.StrEnum):
    SUBMIT = "submit"  # 提交审查
    APPROVE = "approve"  # 审核通过 / 审发
    REJECT = "reject"  # 退回
    WITHDRAW = "withdraw"  # 撤回已发布信息
    CONFIRM = "confirm"  # 涉及的其他机构确认


ACTION_LABELS = {
    Action.SUBMIT: "提交审查",
    Action.APPROVE: "审核通过",
    Action.REJECT: "退回修改",
    Action.WITHDRAW: "撤回",
    Action.CONFIRM: "会签确认",
}


@dataclass(frozen=True)
class TransitionRequest:
    item_type: str
    item_id: ObjectId
    action: Action
    expected_version: int | None = None
    opinion: str = ""
    findings: ConfidentialityFindings | None = None
    effective: datetime | None = None
    confirming_org: ObjectId | None = None
