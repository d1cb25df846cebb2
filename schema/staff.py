"""GraphQL for staff and administrators: who am I, worklists, history, the review register, grants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from authz import PERMISSION_LABELS, ROLE_LABELS, Grant, Permission, Role
from cms import model
from cms.content.dates import document_instant
from cms.content.ids import expect_global_id, from_global_id, to_global_id
from cms.errors import Unauthenticated
from cms.review.anchoring import RegisterHead as RegisterHeadData
from cms.review.worklist import WorkItem as WorkItemData
from schema import types as t
from schema.context import Info

strawberry.enum(Role, name="Role", description="角色")
strawberry.enum(Permission, name="Permission", description="权限")


@strawberry.type(description="工作人员账号")
class User:
    username: str
    display_name: str
    active: bool
    must_change_password: bool = strawberry.field(description="管理员重置密码后，须先修改密码")
    last_login: datetime | None

    @strawberry.field
    def id(self, root: strawberry.Parent[model.User]) -> strawberry.ID:
        return strawberry.ID(to_global_id("User", root.id))  # type: ignore[arg-type]

    @strawberry.field
    def organization(self, root: strawberry.Parent[model.User], info: Info) -> t.Organization | None:
        return info.context.services.orgs.tree.get(root.org_id)  # type: ignore[return-value]

    @strawberry.field(description="该账号的全部角色授权（本人，或可管理该账号所在机构人员、授权的人可查看）")
    def grants(self, root: strawberry.Parent[model.User], info: Info) -> list[RoleGrant]:
        return info.context.services.admin.grants_of(principal(info), root)  # type: ignore[arg-type, return-value]


@strawberry.type(description="角色授权")
class RoleGrant:
    role: Role
    subtree: bool = strawberry.field(description="是否覆盖下级机构")

    @strawberry.field
    def role_label(self, root: strawberry.Parent[Grant]) -> str:
        return ROLE_LABELS[root.role]

    @strawberry.field
    def user_id(self, root: strawberry.Parent[Grant]) -> strawberry.ID:
        return strawberry.ID(to_global_id("User", root.user_id))

    @strawberry.field
    async def user(self, root: strawberry.Parent[Grant], info: Info) -> User | None:
        # Batched: a list of grants costs one query for all their users.
        return await info.context.loaders.user.load(root.user_id)  # type: ignore[return-value]

    @strawberry.field
    def organization(self, root: strawberry.Parent[Grant], info: Info) -> t.Organization | None:
        from bson import ObjectId

        return info.context.services.orgs.tree.get(ObjectId(root.org_id))  # type: ignore[return-value]


@strawberry.type(description="当前登录用户")
class Me:
    user: User
    grants: list[RoleGrant]

    @strawberry.field(description="在某机构拥有的权限（管理后台据此决定显示哪些操作）")
    def permissions(self, info: Info, organization: strawberry.ID) -> list[Permission]:
        org_id = expect_global_id(organization, "Organization")
        return sorted(info.context.services.access.permissions_in(info.context.principal, org_id))

    @strawberry.field(description="拥有某权限的机构 ID 列表")
    def organizations_with(self, info: Info, permission: Permission) -> list[strawberry.ID]:
        orgs = info.context.services.access.orgs_with(info.context.principal, permission)
        return [strawberry.ID(to_global_id("Organization", o)) for o in sorted(orgs)]


@strawberry.type(description="待办事项")
class WorkItem:
    submitted_on: date
    working_days_waiting: int = strawberry.field(description="提交后已过的工作日")
    formed_on: date = strawberry.field(description="信息形成日期")
    due_on: date = strawberry.field(description="20 个工作日的公开期限")
    working_days_left: int = strawberry.field(description="距期限剩余工作日（负数为已超期）")

    @strawberry.field
    def item(self, root: strawberry.Parent[WorkItemData]) -> t.Content:
        return root.item  # type: ignore[return-value]

    @strawberry.field(description="待执行的审核环节；为空表示需本机构会签确认")
    def tier(self, root: strawberry.Parent[WorkItemData]) -> t.ReviewTier | None:
        return root.tier  # type: ignore[return-value]

    @strawberry.field(description="提交人的显示名称（未设置时为用户名；账号不存在时为 null）")
    async def submitted_by_name(self, root: strawberry.Parent[WorkItemData], info: Info) -> str | None:
        submitter = root.item.submitted_by
        if not submitter:
            return None
        user = await info.context.loaders.user.load(submitter)  # batched: one query for the whole list
        return (user.display_name or user.username) if user is not None else None


@strawberry.type(description="保密审查结论")
class ConfidentialityFindings:
    state_secrets: bool
    commercial_secrets: bool
    personal_privacy: bool
    proposed_mode: str
    proposed_scope: str
    proposed_time: str
    grounds: str
    privacy_grounds: model.PrivacyGrounds | None = strawberry.field(
        description="涉及商业秘密或个人隐私仍主动公开的理由（条例第十五条）"
    )


@strawberry.type(description="审查登记记录（防篡改链）")
class RegisterRecord:
    seq: int
    item_type: str
    item_title: str
    item_version: int
    action: str
    tier: str | None
    from_state: str
    to_state: str
    actor_name: str
    actor_roles: list[str]
    at: datetime
    opinion: str
    findings: ConfidentialityFindings | None
    details: JSON
    prev_hash: str
    hash: str

    @strawberry.field
    def item_id(self, root: strawberry.Parent[model.RegisterRecord]) -> strawberry.ID:
        return strawberry.ID(to_global_id(root.item_type, root.item_id))

    @strawberry.field
    def actor_id(self, root: strawberry.Parent[model.RegisterRecord]) -> strawberry.ID:
        return strawberry.ID(to_global_id("User", root.actor_id))

    @strawberry.field(description="经办人的显示名称（未设置时为用户名）")
    async def actor_display_name(self, root: strawberry.Parent[model.RegisterRecord], info: Info) -> str:
        return await display_name(info, root.actor_id, root.actor_name)


@strawberry.type(description="一个保存版本")
class Version:
    version: int
    saved_at: datetime
    note: str
    data: JSON

    @strawberry.field
    def saved_by(self, root: strawberry.Parent[model.ContentVersion]) -> strawberry.ID | None:
        return strawberry.ID(to_global_id("User", root.saved_by)) if root.saved_by else None

    @strawberry.field(description="保存人的显示名称（未设置时为用户名）")
    async def saved_by_name(self, root: strawberry.Parent[model.ContentVersion], info: Info) -> str | None:
        return await display_name(info, str(root.saved_by), "") if root.saved_by else None


@strawberry.type(description="内容的版本与流转记录")
class History:
    item: t.Content
    versions: list[Version]
    transitions: list[RegisterRecord]


@strawberry.type(description="字段级差异")
class FieldChange:
    field: str
    # null where the field was empty (or did not exist yet) on that side, e.g. a 文号 added later.
    before: JSON | None
    after: JSON | None


@strawberry.type(description="审查登记链校验结果")
class RegisterVerification:
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str
    head_hash: str | None = strawberry.field(description="最后一条完好记录的哈希（可在系统外留存）")


@strawberry.type(description="某机构审查登记链的校验结果与链头哈希（供在系统外留存，如印入年度报告）")
class RegisterHead:
    organization: t.Organization
    entries: int = strawberry.field(description="登记条数")
    ok: bool
    first_bad_seq: int | None = strawberry.field(description="第一条异常记录的序号；完好时为 null")
    reason: str
    head_hash: str | None = strawberry.field(description="最后一条完好记录的哈希；尚无登记时为 null")
    verified_at: datetime = strawberry.field(description="校验时间")


def register_head(head: RegisterHeadData) -> RegisterHead:
    result = head.verification
    return RegisterHead(
        organization=head.organization,  # type: ignore[arg-type]
        entries=head.entries,
        ok=result.ok,
        first_bad_seq=result.first_bad_seq,
        reason=result.reason,
        head_hash=result.head_hash,
        verified_at=head.verified_at,
    )


@strawberry.type(description="角色")
class RoleInfo:
    role: Role
    label: str


@strawberry.type(description="权限")
class PermissionInfo:
    permission: Permission
    label: str


async def display_name(info: Info, user_id: str, fallback: str) -> str:
    """What people are called on staff screens: the display name, else the username (batched)."""
    user = await info.context.loaders.user.load(user_id)
    if user is None:
        return fallback
    return user.display_name or user.username


def principal(info: Info) -> Any:
    if info.context.principal.is_anonymous:
        raise Unauthenticated()
    return info.context.principal


def content_id(value: strawberry.ID) -> tuple[str, Any]:
    return from_global_id(value)


@strawberry.type
class StaffQuery:
    @strawberry.field(description="当前登录用户；匿名时为 null")
    def me(self, info: Info) -> Me | None:
        user = info.context.user
        if user is None:
            return None
        grants = info.context.services.access.roles_of(info.context.principal)
        return Me(user=user, grants=grants)  # type: ignore[arg-type]

    @strawberry.field(description="待我处理的事项，按提交时间从早到晚")
    async def worklist(self, info: Info) -> list[WorkItem]:
        return await info.context.services.worklist.for_principal(principal(info))  # type: ignore[return-value]

    @strawberry.field(description="内容的版本与流转记录")
    async def history(self, info: Info, id: strawberry.ID) -> History:
        type_name, object_id = content_id(id)
        item, versions, records = await info.context.services.authoring.history(
            principal(info), type_name, object_id
        )
        return History(item=item, versions=versions, transitions=records)  # type: ignore[arg-type]

    @strawberry.field(description="两个版本之间的字段差异")
    async def diff(
        self, info: Info, id: strawberry.ID, from_version: int, to_version: int
    ) -> list[FieldChange]:
        type_name, object_id = content_id(id)
        changes = await info.context.services.authoring.diff(
            principal(info), type_name, object_id, from_version, to_version
        )
        return changes  # type: ignore[return-value]

    @strawberry.field(description="审查登记（按机构、时间段），最新在前")
    async def review_register(
        self,
        info: Info,
        organization: strawberry.ID,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int = 100,
        before_seq: int | None = None,
    ) -> list[RegisterRecord]:
        records = await info.context.services.admin.register_page(
            principal(info),
            expect_global_id(organization, "Organization"),
            since=document_instant(since, "since"),
            until=document_instant(until, "until"),
            limit=first,
            before_seq=before_seq,
        )
        return records  # type: ignore[return-value]

    @strawberry.field(description="导出审查登记为 CSV（UTF-8）")
    async def review_register_export(
        self,
        info: Info,
        organization: strawberry.ID,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> str:
        return await info.context.services.admin.register_export(
            principal(info),
            expect_global_id(organization, "Organization"),
            since=document_instant(since, "since"),
            until=document_instant(until, "until"),
        )

    @strawberry.field(description="校验审查登记链是否完整、未被篡改")
    async def verify_review_register(self, info: Info, organization: strawberry.ID) -> RegisterVerification:
        result = await info.context.services.admin.register_verify(
            principal(info), expect_global_id(organization, "Organization")
        )
        return result  # type: ignore[return-value]

    @strawberry.field(description="可查看审查登记的各机构：登记链校验结果与链头哈希，按机构树顺序")
    async def register_heads(self, info: Info) -> list[RegisterHead]:
        heads = await info.context.services.admin.register_heads(principal(info))
        return [register_head(h) for h in heads]

    @strawberry.field(description="导出可导出审查登记的各机构链头哈希为 CSV（UTF-8，北京时间），供系统外留存")
    async def register_heads_export(self, info: Info) -> str:
        return await info.context.services.admin.register_heads_export(principal(info))

    @strawberry.field(description="某机构的角色授权（含上级机构覆盖本机构的授权）")
    def role_grants(self, info: Info, organization: strawberry.ID) -> list[RoleGrant]:
        grants = info.context.services.admin.grants_in(
            principal(info), expect_global_id(organization, "Organization")
        )
        return grants  # type: ignore[return-value]

    @strawberry.field(description="某机构的工作人员账号")
    async def users(self, info: Info, organization: strawberry.ID) -> list[User]:
        found = await info.context.services.admin.users(
            principal(info), expect_global_id(organization, "Organization")
        )
        return found  # type: ignore[return-value]

    @strawberry.field(description="某机构生效的审核链")
    def review_chain(self, info: Info, organization: strawberry.ID) -> list[t.ReviewTier]:
        return info.context.services.admin.chain_of(
            principal(info), expect_global_id(organization, "Organization")
        )  # type: ignore[return-value]

    @strawberry.field(description="角色及其中文名称")
    def roles(self) -> list[RoleInfo]:
        return [RoleInfo(role=r, label=ROLE_LABELS[r]) for r in Role]

    @strawberry.field(description="权限及其中文名称")
    def permissions(self) -> list[PermissionInfo]:
        return [PermissionInfo(permission=p, label=PERMISSION_LABELS[p]) for p in Permission]
