"""Mutations. Each one hands the caller's principal to a ``cms`` service, which checks the permission
in one place (``AccessControl``) before changing anything. Gazette, interview and vocabulary
mutations live in their own modules and are composed into ``Mutation`` here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from bson import ObjectId

from authz import Role
from cms import model
from cms.admin.organizations import NewOrganization, OrganizationChanges
from cms.content.dates import document_date, scheduling_instant
from cms.content.ids import expect_global_id, from_global_id
from cms.content.richtext import rich_changes
from cms.errors import InvalidInput
from cms.kinds.catalog import NewCatalogEntry
from cms.kinds.interpretations import NewInterpretation
from cms.review.workflow import Action, TransitionRequest
from schema import types as t
from schema.context import Info
from schema.gazette import GazetteMutation
from schema.inputs import (
    DISCLOSURE_NAMES,
    DisclosureInput,
    as_json,
    blank_nulls,
    check_dates,
    disclosure_changes,
    disclosure_of,
    refuse_nulls,
    sent,
)
from schema.interviews import InterviewMutation
from schema.staff import Me, RoleGrant, User, content_id, principal
from schema.vocabularies import VocabularyMutation

strawberry.enum(Action, name="TransitionAction", description="流转操作")

MAX_IDS = 20
RICH_BODY = (
    "富文本正文（HTML）：保存时按白名单净化（段落、标题、列表、表格、强调、http/https 与本条附件的链接、"
    "本条附件的图片），body 随之取其纯文本；只传 body 时正文为纯文本"
)


@strawberry.input(description="公开目录条目的字段；修改时只传要改的字段")
class CatalogEntryInput(DisclosureInput):
    organization: strawberry.ID | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    document_number: str | None = strawberry.UNSET
    issuing_organization: strawberry.ID | None = strawberry.UNSET
    co_issuers: list[strawberry.ID] | None = strawberry.UNSET
    involves_organizations: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="涉及的其他机构（发布前须其确认）"
    )
    topic: str | None = strawberry.UNSET
    genre: str | None = strawberry.UNSET
    keywords: list[str] | None = strawberry.UNSET
    created_date: date | None = strawberry.UNSET
    published_date: date | None = strawberry.UNSET
    scope: str | None = strawberry.UNSET
    validity: model.Validity | None = strawberry.UNSET
    validity_effective_date: date | None = strawberry.UNSET
    repeal_date: date | None = strawberry.UNSET
    body: str | None = strawberry.UNSET
    body_html: str | None = strawberry.field(default=strawberry.UNSET, description=RICH_BODY)
    description: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    effective: datetime | None = strawberry.field(default=strawberry.UNSET, description="生效（发布）时间")


_ID_FIELDS = {"issuing_organization": "issuing_org_id"}
_ID_LIST_FIELDS = {"co_issuers": "co_issuer_ids", "involves_organizations": "involves_org_ids"}


def _org_ids(values: list[strawberry.ID] | None, field: str) -> list[ObjectId]:
    values = values or []
    if len(values) > MAX_IDS:
        raise InvalidInput(f"最多 {MAX_IDS} 个机构。", field=field)
    return [expect_global_id(v, "Organization") for v in values]


def _changes(data: CatalogEntryInput) -> dict[str, Any]:
    """Provided fields as JSON-compatible values, keyed by the stored field names."""
    check_dates(vars(data))
    changes: dict[str, Any] = {}
    fields = sent(data)
    disclosure_changes(fields)
    for name, value in fields.items():
        if name == "organization":
            continue
        if name in _ID_FIELDS:
            changes[_ID_FIELDS[name]] = str(expect_global_id(value, "Organization")) if value else None
        elif name in _ID_LIST_FIELDS:
            changes[_ID_LIST_FIELDS[name]] = [str(o) for o in _org_ids(value, name)]
        elif isinstance(value, date | datetime):
            changes[name] = value.isoformat()
        elif hasattr(value, "value"):
            changes[name] = value.value
        else:
            changes[name] = value
    for required in ("title", "validity", "scope", "keywords", "body", "summary"):
        if required in changes and changes[required] is None:
            raise InvalidInput(f"{required} 不能为空。", field=required)
    if "body_html" in changes and changes["body_html"] is None:
        changes["body_html"] = ""
    return rich_changes(changes)


@strawberry.input(description="保密审查结论")
class ConfidentialityInput:
    state_secrets: bool = strawberry.field(description="是否涉及国家秘密")
    commercial_secrets: bool = strawberry.field(description="是否涉及商业秘密")
    personal_privacy: bool = strawberry.field(description="是否涉及个人隐私")
    proposed_mode: model.DisclosureMode = strawberry.field(description="拟公开方式")
    proposed_scope: str = ""
    proposed_time: str = ""
    grounds: str = strawberry.field(
        default="", description="不予主动公开的理由和依据；依第十五条主动公开时，写明同意或公共利益的情况"
    )
    privacy_grounds: model.PrivacyGrounds | None = strawberry.field(
        default=None, description="涉及商业秘密或个人隐私仍主动公开的理由（条例第十五条）"
    )


@strawberry.input(description="一次流转")
class TransitionInput:
    id: strawberry.ID
    action: Action
    expected_version: int | None = None
    opinion: str = ""
    confidentiality: ConfidentialityInput | None = None
    effective: datetime | None = strawberry.field(default=None, description="审发时指定生效时间（定时发布）")
    confirming_organization: strawberry.ID | None = None


@strawberry.input(description="政策解读")
class InterpretationInput(DisclosureInput):
    organization: strawberry.ID
    title: str
    kind: model.InterpretationKind = model.InterpretationKind.TEXT
    body: str = ""
    body_html: str = strawberry.field(default="", description=RICH_BODY)
    interprets: list[strawberry.ID] = strawberry.field(default_factory=list, description="所解读的文件")


@strawberry.input(description="修改政策解读：只传要改的字段")
class InterpretationUpdateInput(DisclosureInput):
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    kind: model.InterpretationKind | None = strawberry.UNSET
    body: str | None = strawberry.UNSET
    body_html: str | None = strawberry.field(default=strawberry.UNSET, description=RICH_BODY)
    published_date: date | None = strawberry.UNSET
    interprets: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description=f"所解读的文件（全部，最多 {MAX_IDS} 个）"
    )


def _interpretation_changes(data: InterpretationUpdateInput) -> dict[str, Any]:
    fields = sent(data)
    refuse_nulls(fields, ("title", "kind"))
    blank_nulls(fields, ("description", "body", "body_html"))
    disclosure_changes(fields)
    if "interprets" in fields:
        ids = fields.pop("interprets") or []
        if len(ids) > MAX_IDS:
            raise InvalidInput(f"最多关联 {MAX_IDS} 个所解读的文件。", field="interprets")
        fields["interprets_ids"] = [str(expect_global_id(i, "CatalogEntry")) for i in ids]
    return rich_changes({name: as_json(value) for name, value in fields.items()})


@strawberry.input(description="角色授权")
class RoleGrantInput:
    user: strawberry.ID
    role: Role
    organization: strawberry.ID
    subtree: bool = True


@strawberry.input(description="新建机构")
class OrganizationInput:
    key: str
    name: str
    code: str
    parent: strawberry.ID | None = None
    short_name: str = ""
    level: model.OrgLevel = model.OrgLevel.PROVINCE
    kind: model.OrgKind = model.OrgKind.GOVERNMENT
    index_template: str = "{code}/{year}-{seq:05d}"
    doc_prefix: str = ""


@strawberry.input(description="修改机构：只传要改的字段；上级机构和机构标识（key）不能修改")
class OrganizationUpdateInput:
    name: str | None = None
    short_name: str | None = None
    code: str | None = strawberry.field(default=None, description="机构代码；已分配的索引号不变")
    sort_order: int | None = strawberry.field(default=None, description="同级机构中的排序号，小的在前")
    doc_prefix: str | None = strawberry.field(default=None, description="发文字号前缀")


@strawberry.input(description="审核环节配置")
class ReviewTierInput:
    key: str
    label: str
    permission: str
    author_may_act: bool = False


@strawberry.type(
    description="上传凭证：用 HTTP PUT 把文件传到 uploadUrl（对象存储的预签名地址，或未设置"
    "GONGKAI_S3_PUBLIC_ENDPOINT 时本服务的 /uploads/{id} 地址；均无需再带登录令牌），然后调用 completeUpload"
)
class UploadTicket:
    upload_url: str
    expires_at: datetime
    attachment: t.Attachment


@strawberry.type(description="登录结果")
class LoginPayload:
    token: str
    expires_at: datetime
    me: Me


@strawberry.type
class Mutation(GazetteMutation, InterviewMutation, VocabularyMutation):
    @strawberry.mutation(description="登录，返回 Bearer 令牌")
    async def login(self, info: Info, username: str, password: str) -> LoginPayload:
        services = info.context.services
        result = await services.accounts.login(username[:100], password[:300], info.context.source)
        grants = services.access.roles_of(services.access.principal_for(result.user))
        me = Me(user=result.user, grants=grants)  # type: ignore[arg-type]
        return LoginPayload(token=result.token, expires_at=result.expires_at, me=me)

    @strawberry.mutation(description="注销当前令牌")
    async def logout(self, info: Info) -> bool:
        principal(info)
        assert info.context.token is not None
        await info.context.services.accounts.logout(info.context.token)
        return True

    @strawberry.mutation(description="新建公开目录条目（草稿）")
    async def create_catalog_entry(self, info: Info, input: CatalogEntryInput) -> t.CatalogEntry:
        if not input.organization or not input.title:
            raise InvalidInput(
                "请填写发布机构和名称。", field="organization" if not input.organization else "title"
            )
        changes = _changes(input)
        new = NewCatalogEntry(
            org_id=expect_global_id(input.organization, "Organization"),
            title=input.title,
            issuing_org_id=ObjectId(changes.pop("issuing_org_id")) if changes.get("issuing_org_id") else None,
            co_issuer_ids=[ObjectId(i) for i in changes.pop("co_issuer_ids", [])],
            involves_org_ids=[ObjectId(i) for i in changes.pop("involves_org_ids", [])],
            **disclosure_of(input),
        )
        skipped = ("organization", "issuing_organization", "co_issuers", "involves_organizations")
        for name, value in vars(input).items():
            if (
                value is not strawberry.UNSET
                and value is not None
                and hasattr(new, name)
                and name not in (*skipped, *DISCLOSURE_NAMES)
            ):
                setattr(new, name, value)
        entry = await info.context.services.authoring.create_catalog_entry(principal(info), new)
        return entry  # type: ignore[return-value]

    @strawberry.mutation(description="修改草稿或被退回的公开目录条目（需提供当前版本号）")
    async def update_catalog_entry(
        self, info: Info, id: strawberry.ID, expected_version: int, input: CatalogEntryInput
    ) -> t.CatalogEntry:
        entry_id = expect_global_id(id, "CatalogEntry")
        item = await info.context.services.authoring.update(
            principal(info), "CatalogEntry", entry_id, expected_version, _changes(input)
        )
        return item  # type: ignore[return-value]

    @strawberry.mutation(description="新建政策解读（草稿）")
    async def create_interpretation(self, info: Info, input: InterpretationInput) -> t.Interpretation:
        if len(input.interprets) > MAX_IDS:  # refused, never silently cut: a dropped link is lost work
            raise InvalidInput(f"最多关联 {MAX_IDS} 个所解读的文件。", field="interprets")
        new = NewInterpretation(
            org_id=expect_global_id(input.organization, "Organization"),
            title=input.title,
            kind=input.kind,
            body=input.body,
            body_html=input.body_html,
            interprets_ids=[expect_global_id(i, "CatalogEntry") for i in input.interprets],
            **disclosure_of(input),
        )
        item = await info.context.services.authoring.create_interpretation(principal(info), new)
        return item  # type: ignore[return-value]

    @strawberry.mutation(description="修改草稿、被退回的政策解读或其工作副本（需提供当前版本号）")
    async def update_interpretation(
        self, info: Info, id: strawberry.ID, expected_version: int, input: InterpretationUpdateInput
    ) -> t.Interpretation:
        who = principal(info)
        item_id = expect_global_id(id, "Interpretation")
        item = await info.context.services.authoring.update_interpretation(
            who, item_id, expected_version, _interpretation_changes(input)
        )
        return item  # type: ignore[return-value]

    @strawberry.mutation(description="审核流转：提交、通过、退回、撤回、会签确认")
    async def transition(self, info: Info, input: TransitionInput) -> t.Content:
        type_name, object_id = content_id(input.id)
        findings = None
        if input.confidentiality is not None:
            c = input.confidentiality
            findings = model.ConfidentialityFindings(
                state_secrets=c.state_secrets,
                commercial_secrets=c.commercial_secrets,
                personal_privacy=c.personal_privacy,
                proposed_mode=c.proposed_mode.value,
                proposed_scope=c.proposed_scope[:200],
                proposed_time=c.proposed_time[:100],
                grounds=c.grounds[:2000],
                privacy_grounds=c.privacy_grounds,
            )
        request = TransitionRequest(
            item_type=type_name,
            item_id=object_id,
            action=input.action,
            expected_version=input.expected_version,
            opinion=input.opinion,
            findings=findings,
            effective=scheduling_instant(input.effective, "effective", info.context.services.content.clock()),
            confirming_org=expect_global_id(input.confirming_organization, "Organization")
            if input.confirming_organization
            else None,
        )
        item = await info.context.services.workflow.transition(principal(info), request)
        return item  # type: ignore[return-value]

    @strawberry.mutation(description="签出已发布内容的工作副本")
    async def checkout(self, info: Info, id: strawberry.ID) -> t.Content:
        type_name, object_id = from_global_id(id)
        return await info.context.services.authoring.checkout(principal(info), type_name, object_id)  # type: ignore[return-value]

    @strawberry.mutation(description="签入工作副本：提交审查，审发后替换已发布版本")
    async def checkin(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None, opinion: str = ""
    ) -> t.Content:
        type_name, object_id = from_global_id(id)
        item = await info.context.services.authoring.checkin(
            principal(info), type_name, object_id, expected_version, opinion
        )
        return item  # type: ignore[return-value]

    @strawberry.mutation(description="取消签出（删除未提交的工作副本），返回已发布版本")
    async def cancel_checkout(self, info: Info, id: strawberry.ID) -> t.Content:
        type_name, object_id = from_global_id(id)
        return await info.context.services.authoring.cancel_checkout(principal(info), type_name, object_id)  # type: ignore[return-value]

    @strawberry.mutation(description="恢复到某个历史版本（生成新版本）")
    async def revert(
        self, info: Info, id: strawberry.ID, to_version: int, expected_version: int
    ) -> t.Content:
        type_name, object_id = from_global_id(id)
        item = await info.context.services.authoring.revert(
            principal(info), type_name, object_id, to_version, expected_version
        )
        return item  # type: ignore[return-value]

    @strawberry.mutation(description="标记文件已修改/废止/失效：生成工作副本，经审核后生效，原文件保持公开")
    async def change_validity(
        self,
        info: Info,
        id: strawberry.ID,
        validity: model.Validity,
        successor: strawberry.ID | None = None,
        date: date | None = None,
    ) -> t.CatalogEntry:
        item = await info.context.services.authoring.change_validity(
            principal(info),
            expect_global_id(id, "CatalogEntry"),
            validity,
            expect_global_id(successor, "CatalogEntry") if successor else None,
            document_date(date, "date"),
        )
        return item  # type: ignore[return-value]

    @strawberry.mutation(description="授予角色")
    async def grant_role(self, info: Info, input: RoleGrantInput) -> RoleGrant:
        grant = await info.context.services.admin.grant(
            principal(info),
            expect_global_id(input.user, "User"),
            input.role,
            expect_global_id(input.organization, "Organization"),
            input.subtree,
        )
        return grant  # type: ignore[return-value]

    @strawberry.mutation(description="撤销角色；返回是否确有撤销")
    async def revoke_role(self, info: Info, input: RoleGrantInput) -> bool:
        return await info.context.services.admin.revoke(
            principal(info),
            expect_global_id(input.user, "User"),
            input.role,
            expect_global_id(input.organization, "Organization"),
        )

    @strawberry.mutation(description="新建工作人员账号")
    async def create_user(
        self, info: Info, username: str, password: str, organization: strawberry.ID, display_name: str = ""
    ) -> User:
        user = await info.context.services.admin.create_user(
            principal(info),
            username,
            password,
            expect_global_id(organization, "Organization"),
            display_name[:100],
        )
        return user  # type: ignore[return-value]

    @strawberry.mutation(description="新建机构")
    async def create_organization(self, info: Info, input: OrganizationInput) -> t.Organization:
        new = NewOrganization(
            key=input.key,
            name=input.name,
            code=input.code,
            parent_id=expect_global_id(input.parent, "Organization") if input.parent else None,
            short_name=input.short_name,
            level=input.level,
            kind=input.kind,
            index_template=input.index_template,
            doc_prefix=input.doc_prefix,
        )
        org = await info.context.services.admin.create_organization(principal(info), new)
        return org  # type: ignore[return-value]

    @strawberry.mutation(description="修改机构的名称、简称、机构代码、排序号和发文字号前缀")
    async def update_organization(
        self, info: Info, id: strawberry.ID, input: OrganizationUpdateInput
    ) -> t.Organization:
        changes = OrganizationChanges(
            name=input.name,
            short_name=input.short_name,
            code=input.code,
            sort_order=input.sort_order,
            doc_prefix=input.doc_prefix,
        )
        org = await info.context.services.admin.update_organization(
            principal(info), expect_global_id(id, "Organization"), changes
        )
        return org  # type: ignore[return-value]

    @strawberry.mutation(description="设置机构的索引号模板")
    async def set_index_template(
        self, info: Info, organization: strawberry.ID, template: str
    ) -> t.Organization:
        org = await info.context.services.admin.set_index_template(
            principal(info), expect_global_id(organization, "Organization"), template
        )
        return org  # type: ignore[return-value]

    @strawberry.mutation(description="设置机构的审核链；传 null 恢复为继承上级或默认三级审核")
    async def set_review_chain(
        self, info: Info, organization: strawberry.ID, tiers: list[ReviewTierInput] | None
    ) -> t.Organization:
        chain = (
            [
                model.TierSpec(
                    key=x.key, label=x.label, permission=x.permission, author_may_act=x.author_may_act
                )
                for x in tiers
            ]
            if tiers is not None
            else None
        )
        org = await info.context.services.admin.set_review_chain(
            principal(info), expect_global_id(organization, "Organization"), chain
        )
        return org  # type: ignore[return-value]

    @strawberry.mutation(description="申请上传附件（草稿、被退回的内容或工作副本）")
    async def request_upload(self, info: Info, item: strawberry.ID, filename: str, size: int) -> UploadTicket:
        type_name, object_id = content_id(item)
        ticket = await info.context.services.attachments.request_upload(
            principal(info), type_name, object_id, filename, size
        )
        # A same-origin upload route comes back as a path: made absolute like the download addresses.
        url = f"{info.context.base_url}{ticket.url}" if ticket.url.startswith("/") else ticket.url
        return UploadTicket(upload_url=url, expires_at=ticket.expires_at, attachment=ticket.attachment)  # type: ignore[arg-type]

    @strawberry.mutation(description="完成上传：服务器核对大小、类型与 sha256 后附件才生效")
    async def complete_upload(self, info: Info, id: strawberry.ID, sha256: str) -> t.Attachment:
        attachment = await info.context.services.attachments.complete_upload(
            principal(info), expect_global_id(id, "Attachment"), sha256
        )
        return attachment  # type: ignore[return-value]

    @strawberry.mutation(description="删除附件（草稿、被退回的内容或工作副本）")
    async def remove_attachment(self, info: Info, id: strawberry.ID) -> bool:
        await info.context.services.attachments.remove(principal(info), expect_global_id(id, "Attachment"))
        return True
