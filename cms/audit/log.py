"""The administrative audit log: every administrative change, append-only and hash-chained.

One chain for the whole installation (administrative changes are rare, and one chain means one head to
anchor). Record ``seq`` n carries ``prev_hash`` = the hash of record n-1 (``"0" * 64`` for seq 1) and
``hash`` = the review register's record hash (``cms.review.register.record_hash``: SHA-256 of the
canonical JSON of every stored field but ``_id`` and ``hash``), so both logs are verified the same way.

Values before and after are stored in their canonical JSON form (datetimes as ISO strings, ObjectIds as
hex), which is exactly what comes back from MongoDB, so a record read back re-hashes to its hash.
Appenders race for the unique index on ``seq``; the loser re-reads the head and retries.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from beanie import PydanticObjectId, SortDirection
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from authz import Principal
from cms.errors import Conflict, InvalidInput
from cms.review.register import GENESIS_HASH, VerifyResult, canonical_json, record_hash, to_stored_instant
from cms.review.register_csv import NAME_BATCH, SHANGHAI, display_names, plain_cell
from storage.audit import AuditRecord
from storage.documents import utcnow

MAX_APPEND_ATTEMPTS = 20
MAX_PAGE = 200

# What each action is called in the admin app and the CSV export.
ACTION_LABELS: dict[str, str] = {
    "user.create": "新建账号",
    "user.disable": "停用账号",
    "user.enable": "启用账号",
    "user.reset_password": "重置密码",
    "user.change_password": "修改密码",
    "user.unlock": "解除登录锁定",
    "role.grant": "授予角色",
    "role.revoke": "撤销角色",
    "organization.create": "新建机构",
    "organization.update": "修改机构",
    "organization.index_template": "设置索引号模板",
    "organization.review_chain": "设置审核链",
    "vocabulary.add": "新增词表词条",
    "vocabulary.relabel": "修改词条名称",
    "vocabulary.reorder": "调整词条顺序",
    "vocabulary.remove": "删除词条",
    "search.add_words": "新增检索词",
    "search.remove_word": "删除检索词",
    "calendar.set_year": "设置节假日安排",
    "webhook.create": "新建推送地址",
    "webhook.pause": "暂停推送",
    "webhook.resume": "恢复推送",
    "webhook.delete": "删除推送地址",
    "catalog.import": "导入公开目录",
    "requests.rekey": "更换申请人信息加密密钥",
}
TARGET_LABELS: dict[str, str] = {
    "User": "账号",
    "RoleGrant": "角色授权",
    "Organization": "机构",
    "Vocabulary": "词表",
    "SearchDictionary": "检索词典",
    "HolidayCalendar": "节假日安排",
    "Webhook": "推送地址",
    "CatalogImport": "目录导入",
    "RequestKeys": "申请人信息加密密钥",
}
CSV_HEADER = (
    "序号",
    "时间",
    "操作",
    "对象类型",
    "对象ID",
    "对象",
    "所属机构ID",
    "操作人",
    "操作人账号",
    "操作人ID",
    "修改前",
    "修改后",
    "前一记录哈希",
    "本记录哈希",
)


@dataclass(frozen=True)
class Change:
    """What a caller records; the log adds who, when, the sequence number and the hashes."""

    action: str
    target_type: str
    target_id: str
    target_label: str
    org_id: ObjectId | None = None
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    action: str | None = None
    org_id: ObjectId | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def jsonable(value: Any) -> Any:
    """The value as MongoDB will return it and the hash will see it (canonical JSON round trip)."""
    return json.loads(canonical_json({"v": value}))["v"]


class AuditLog:
    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.clock = clock
        self._lock = asyncio.Lock()

    async def record(self, principal: Principal, change: Change) -> AuditRecord:
        async with self._lock:
            for _ in range(MAX_APPEND_ATTEMPTS):
                previous = await AuditRecord.find_one(sort=[("seq", DESCENDING)])
                record = self._build(principal, change, previous)
                try:
                    await _insert(record)
                except DuplicateKeyError:
                    continue  # another process took this seq: re-read the head
                return record
        raise Conflict("审计日志并发写入冲突过多，请稍后重试。")

    def _build(self, principal: Principal, change: Change, previous: AuditRecord | None) -> AuditRecord:
        at = to_stored_instant(self.clock())
        if previous is not None:
            at = max(at, to_stored_instant(previous.at))  # never earlier than its predecessor
        record = AuditRecord(
            seq=previous.seq + 1 if previous is not None else 1,
            at=at,
            actor_id=str(principal.user_id or ""),
            actor_name=principal.username,
            action=change.action,
            target_type=change.target_type,
            target_id=str(change.target_id),
            target_label=change.target_label,
            org_id=PydanticObjectId(change.org_id) if change.org_id is not None else None,
            before=jsonable(change.before),
            after=jsonable(change.after),
            prev_hash=previous.hash if previous is not None else GENESIS_HASH,
            hash="",
        )
        record.hash = record_hash(_stored_form(record))
        return record

    # -- reads --------------------------------------------------------------------------------

    async def page(self, filter: AuditFilter, first: int, before_seq: int | None) -> list[AuditRecord]:
        """Newest first, ``first`` records and one more when there are more (to tell that there is a
        next page); the next page starts below ``before_seq``."""
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"每页条数应在 1 到 {MAX_PAGE} 之间。", field="first")
        query = _query(filter)
        if before_seq is not None:
            query["seq"] = {"$lt": before_seq}
        return (
            await AuditRecord.find(query).sort([("seq", SortDirection.DESCENDING)]).limit(first + 1).to_list()
        )

    async def count(self, filter: AuditFilter) -> int:
        return await AuditRecord.find(_query(filter)).count()

    async def export_csv(self, filter: AuditFilter) -> str:
        """UTF-8 with a BOM, Chinese header, Beijing time, oldest first, actors by display name (looked
        up once per NAME_BATCH rows), formulas neutralized."""
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        batch: list[AuditRecord] = []
        async for record in self._oldest_first(filter):
            batch.append(record)
            if len(batch) == NAME_BATCH:
                await _write_rows(writer, batch)
                batch = []
        await _write_rows(writer, batch)
        return out.getvalue()

    async def verify(self) -> VerifyResult:
        """Walk the chain from seq 1 on the raw stored documents: contiguous seqs, links and hashes."""
        cursor = AuditRecord.get_pymongo_collection().find({}).sort("seq", ASCENDING)
        expected, prev_hash, checked = 1, GENESIS_HASH, 0
        async for doc in cursor:
            checked += 1
            problem = _problem(doc, expected, prev_hash)
            if problem:
                return VerifyResult(
                    ok=False,
                    checked=checked,
                    first_bad_seq=expected,
                    reason=problem,
                    head_hash=prev_hash if prev_hash != GENESIS_HASH else None,
                )
            prev_hash, expected = doc["hash"], expected + 1
        return VerifyResult(
            ok=True, checked=checked, first_bad_seq=None, head_hash=prev_hash if checked else None
        )

    async def _oldest_first(self, filter: AuditFilter) -> AsyncIterator[AuditRecord]:
        async for record in AuditRecord.find(_query(filter)).sort([("seq", SortDirection.ASCENDING)]):
            yield record


def _problem(doc: Mapping[str, Any], expected: int, prev_hash: str) -> str:
    seq = doc.get("seq")
    if seq != expected:
        return (
            f"缺少序号 {expected} 的记录"
            if isinstance(seq, int) and seq > expected
            else f"序号 {expected} 的记录有误"
        )
    if doc.get("prev_hash") != prev_hash:
        return f"序号 {seq} 的前一记录哈希与上一条记录不符"
    try:
        recomputed = record_hash(doc)
    except (TypeError, ValueError):
        return f"序号 {seq} 的记录含有无法校验的内容"
    if recomputed != doc.get("hash"):
        return f"序号 {seq} 的记录内容与其哈希不符"
    return ""


def _query(filter: AuditFilter) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for name in ("actor_id", "target_type", "action"):
        value = getattr(filter, name)
        if value is not None:
            query[name] = value
    if filter.target_id is not None:
        query["$or"] = _about(filter.target_id)
    if filter.org_id is not None:
        query["org_id"] = filter.org_id
    if filter.since is not None or filter.until is not None:
        bounds: dict[str, datetime] = {}
        if filter.since is not None:
            bounds["$gte"] = filter.since
        if filter.until is not None:
            bounds["$lt"] = filter.until
        query["at"] = bounds
    return query


def _about(target_id: str) -> list[dict[str, Any]]:
    """Records about the target itself, and, for an account, about its role grants: a grant's target id
    is ``user:role:org``, so they are the ids between ``user:`` and ``user;`` (";" follows ":"), an
    index range on ``target_id``."""
    grants = {"$gte": f"{target_id}:", "$lt": f"{target_id};"}
    return [{"target_id": target_id}, {"target_type": "RoleGrant", "target_id": grants}]


def _stored_form(record: AuditRecord) -> dict[str, Any]:
    form: dict[str, Any] = record.model_dump(by_alias=True, exclude={"id", "revision_id"})
    return form


async def _insert(record: AuditRecord) -> None:
    """Store exactly the form that was hashed."""
    result = await AuditRecord.get_pymongo_collection().insert_one(_stored_form(record))
    record.id = PydanticObjectId(result.inserted_id)


async def _write_rows(writer: Any, batch: list[AuditRecord]) -> None:
    names = await display_names({record.actor_id for record in batch})
    for record in batch:
        writer.writerow(_csv_row(record, names.get(record.actor_id) or record.actor_name))


def _csv_row(record: AuditRecord, actor: str) -> list[str]:
    return [
        str(record.seq),
        record.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        plain_cell(ACTION_LABELS.get(record.action, record.action)),
        plain_cell(TARGET_LABELS.get(record.target_type, record.target_type)),
        plain_cell(record.target_id),
        plain_cell(record.target_label),
        str(record.org_id or ""),
        plain_cell(actor),
        plain_cell(record.actor_name),
        plain_cell(record.actor_id),
        plain_cell(_json_cell(record.before)),
        plain_cell(_json_cell(record.after)),
        record.prev_hash,
        record.hash,
    ]


def _json_cell(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
