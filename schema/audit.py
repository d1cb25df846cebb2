"""GraphQL for the administrative audit log: pages, CSV export and verification."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from cms import model
from cms.audit.log import ACTION_LABELS, TARGET_LABELS, AuditFilter
from cms.content.dates import document_instant
from cms.content.ids import expect_global_id, from_global_id, to_global_id
from cms.errors import InvalidCursor
from schema import types as t
from schema.context import Info
from schema.staff import display_name, principal

MAX_FILTER_TEXT = 200


@strawberry.type(description="管理操作审计记录（防篡改链）")
class AuditRecord:
    seq: int
    at: datetime
    action: str = strawberry.field(description="操作代码，如 user.disable")
    target_type: str
    target_label: str
    actor_name: str
    before: JSON | None = strawberry.field(description="修改前的值")
    after: JSON | None = strawberry.field(description="修改后的值")
    prev_hash: str
    hash: str

    @strawberry.field(description="操作名称")
    def action_label(self, root: strawberry.Parent[model.AuditRecord]) -> str:
        return ACTION_LABELS.get(root.action, root.action)

    @strawberry.field(description="对象类型名称")
    def target_type_label(self, root: strawberry.Parent[model.AuditRecord]) -> str:
        return TARGET_LABELS.get(root.target_type, root.target_type)

    @strawberry.field(description="对象 ID（账号、机构为全局 ID，其余为记录中的标识）")
    def target_id(self, root: strawberry.Parent[model.AuditRecord]) -> str:
        if root.target_type in ("User", "Organization"):
            return to_global_id(root.target_type, root.target_id)
        return root.target_id

    @strawberry.field
    def actor_id(self, root: strawberry.Parent[model.AuditRecord]) -> strawberry.ID:
        return strawberry.ID(to_global_id("User", root.actor_id))

    @strawberry.field(description="操作人的显示名称（未设置时为用户名）")
    async def actor_display_name(self, root: strawberry.Parent[model.AuditRecord], info: Info) -> str:
        return await display_name(info, root.actor_id, root.actor_name)

    @strawberry.field(description="操作所涉及的机构")
    def organization(self, root: strawberry.Parent[model.AuditRecord], info: Info) -> t.Organization | None:
        if root.org_id is None:
            return None
        return info.context.services.orgs.tree.get(root.org_id)  # type: ignore[return-value]


@strawberry.input(description="审计日志筛选条件")
class AuditLogFilter:
    actor: strawberry.ID | None = strawberry.field(default=None, description="操作人（用户 ID）")
    target: strawberry.ID | None = strawberry.field(
        default=None, description="对象（用户或机构 ID）；为用户时也包括该用户的角色授予与撤销"
    )
    target_type: str | None = strawberry.field(default=None, description="对象类型，如 User、RoleGrant")
    action: str | None = strawberry.field(default=None, description="操作代码，如 user.disable")
    organization: strawberry.ID | None = None
    since: datetime | None = None
    until: datetime | None = strawberry.field(default=None, description="不含")


@strawberry.type(description="审计日志校验结果")
class AuditLogVerification:
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str
    head_hash: str | None = strawberry.field(description="最后一条完好记录的哈希（可在系统外留存）")


def audit_filter(given: AuditLogFilter | None) -> AuditFilter:
    if given is None:
        return AuditFilter()
    target_id = None
    if given.target:
        _, object_id = from_global_id(given.target)
        target_id = str(object_id)
    return AuditFilter(
        actor_id=str(expect_global_id(given.actor, "User")) if given.actor else None,
        target_type=given.target_type[:MAX_FILTER_TEXT] if given.target_type else None,
        target_id=target_id,
        action=given.action[:MAX_FILTER_TEXT] if given.action else None,
        org_id=expect_global_id(given.organization, "Organization") if given.organization else None,
        since=document_instant(given.since, "filter.since"),
        until=document_instant(given.until, "filter.until"),
    )


def _seq_of(info: Info, cursor: str | None) -> int | None:
    if not cursor:
        return None
    text = info.context.services.content.cursors.decode(cursor)
    if not text.startswith("audit:") or not text[6:].isdigit():
        raise InvalidCursor()
    return int(text[6:])


@strawberry.type
class AuditQuery:
    @strawberry.field(description="管理操作审计日志，最新在前")
    async def audit_log(
        self, info: Info, filter: AuditLogFilter | None = None, first: int = 50, after: str | None = None
    ) -> t.Connection[AuditRecord]:
        who, wanted = principal(info), audit_filter(filter)
        admin, cursors = info.context.services.admin, info.context.services.content.cursors
        records = await admin.audit_page(who, wanted, first, _seq_of(info, after))
        page, more = records[:first], len(records) > first
        edges = [t.Edge(cursor=cursors.encode(f"audit:{r.seq}"), node=r) for r in page]

        async def count() -> int:
            return await admin.audit_count(who, wanted)

        info_ = t.PageInfo(
            has_next_page=more,
            end_cursor=edges[-1].cursor if edges else None,
            start_cursor=edges[0].cursor if edges else None,
        )
        return t.Connection(edges=edges, page_info=info_, counter=count)  # type: ignore[arg-type]

    @strawberry.field(description="导出审计日志为 CSV（UTF-8，中文表头，北京时间）")
    async def audit_log_export(self, info: Info, filter: AuditLogFilter | None = None) -> str:
        return await info.context.services.admin.audit_export(principal(info), audit_filter(filter))

    @strawberry.field(description="校验审计日志链是否完整、未被篡改")
    async def verify_audit_log(self, info: Info) -> AuditLogVerification:
        result = await info.context.services.admin.audit_verify(principal(info))
        return AuditLogVerification(
            ok=result.ok,
            checked=result.checked,
            first_bad_seq=result.first_bad_seq,
            reason=result.reason,
            head_hash=result.head_hash,
        )
