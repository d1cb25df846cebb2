"""The review register as a CSV file for filing on paper or in another organization's register: what
each column says, in Chinese, with codes turned into words and spreadsheet formulas neutralized."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, Mapping
from datetime import timedelta, timezone
from typing import Any

from bson import ObjectId

from storage.accounts import User
from storage.documents import DisclosureMode, ReviewState
from storage.register import RegisterRecord

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991: no tzdata needed
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_HEADER = (
    "序号",
    "时间",
    "事项类型",
    "事项ID",
    "事项标题",
    "版本",
    "操作",
    "审核环节",
    "原状态",
    "新状态",
    "经办人",
    "经办人账号",
    "经办人ID",
    "角色",
    "意见",
    "涉及国家秘密",
    "涉及商业秘密",
    "涉及个人隐私",
    "拟公开方式",
    "拟公开范围",
    "拟公开时间",
    "不予公开理由",
    "前一记录哈希",
    "本记录哈希",
)

# Codes shown to people in the export; anything not listed is written as stored.
_STATE_LABELS: dict[str, str] = {
    ReviewState.DRAFT: "草稿",
    ReviewState.PENDING_FIRST_REVIEW: "待初审",
    ReviewState.PENDING_DEPARTMENT_REVIEW: "待审核",
    ReviewState.PENDING_UNIT_APPROVAL: "待审发",
    ReviewState.PUBLISHED: "已发布",
    ReviewState.REJECTED: "已退回",
    ReviewState.WITHDRAWN: "已撤回",
}
_MODE_LABELS: dict[str, str] = {
    DisclosureMode.PROACTIVE: "主动公开",
    DisclosureMode.ON_REQUEST: "依申请公开",
    DisclosureMode.NOT_DISCLOSED: "不予公开",
}
_ACTION_LABELS: dict[str, str] = {
    "submit": "提交",
    "approve": "通过",
    "reject": "退回",
    "withdraw": "撤回",
    "publish": "发布",
    "unlink": "解除关联",
}
# Every action a register record may name, for people reading an item's history (the export keeps
# writing the actions it always wrote as stored).
RECORD_ACTION_LABELS: dict[str, str] = {
    **_ACTION_LABELS,
    "confirm": "会签确认",
    "import": "导入",
    "checkout": "签出",
    "cancel_checkout": "取消签出",
    "send_reply": "发出依申请公开答复",
}


# Records whose actors' names are looked up together: one query per this many rows.
NAME_BATCH = 1000


async def csv_of(records: AsyncIterable[RegisterRecord]) -> str:
    """UTF-8 with a BOM (Excel on Chinese Windows reads it correctly), Chinese header, Beijing time,
    people by their display names, cells that a spreadsheet would take for a formula neutralized with a
    leading quote."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    batch: list[RegisterRecord] = []
    async for record in records:
        batch.append(record)
        if len(batch) == NAME_BATCH:
            await _write_batch(writer, batch)
            batch = []
    await _write_batch(writer, batch)
    return out.getvalue()


async def _write_batch(writer: Any, batch: list[RegisterRecord]) -> None:
    names = await display_names({record.actor_id for record in batch})
    for record in batch:
        writer.writerow(_csv_row(record, names.get(record.actor_id) or record.actor_name))


async def display_names(user_ids: set[str]) -> dict[str, str]:
    """What staff call each account (display name, else username), in one query; the register keeps the
    username it recorded, and an id that is no account (``system``, a deleted user) is simply absent."""
    wanted = [ObjectId(i) for i in user_ids if ObjectId.is_valid(i)]
    if not wanted:
        return {}
    collection = User.get_pymongo_collection()
    cursor = collection.find({"_id": {"$in": wanted}}, {"display_name": 1, "username": 1})
    return {str(doc["_id"]): doc.get("display_name") or doc["username"] async for doc in cursor}


def plain_cell(value: str) -> str:
    """Neutralize spreadsheet formulas (CSV injection): a leading quote makes the cell plain text."""
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


_cell = plain_cell


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _label(labels: Mapping[str, str], code: str) -> str:
    return labels.get(code, code)


def _csv_row(record: RegisterRecord, actor: str) -> list[str]:
    findings = record.findings
    local = record.at.astimezone(SHANGHAI)
    row = [
        str(record.seq),
        local.strftime("%Y-%m-%d %H:%M:%S"),
        _cell(record.item_type),
        str(record.item_id),
        _cell(record.item_title),
        str(record.item_version),
        _cell(_label(_ACTION_LABELS, record.action)),
        _cell(record.tier or ""),
        _cell(_label(_STATE_LABELS, record.from_state)),
        _cell(_label(_STATE_LABELS, record.to_state)),
        _cell(actor),
        _cell(record.actor_name),
        _cell(record.actor_id),
        _cell("、".join(record.actor_roles)),
        _cell(record.opinion),
        _yes_no(findings.state_secrets if findings else None),
        _yes_no(findings.commercial_secrets if findings else None),
        _yes_no(findings.personal_privacy if findings else None),
        _cell(_label(_MODE_LABELS, findings.proposed_mode) if findings else ""),
        _cell(findings.proposed_scope if findings else ""),
        _cell(findings.proposed_time if findings else ""),
        _cell(findings.grounds if findings else ""),
        record.prev_hash,
        record.hash,
    ]
    return row
