"""GraphQL for the public change feed (``publicChanges``) and webhooks (推送地址)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from cms.changes.feed import CHANGE_KIND_LABELS, Change, ChangeFilter, ChangeKind, parse_cursor
from cms.changes.webhooks import DELIVERY_STATUS_LABELS, Delivery, DeliveryStatus, WebhookSpec
from cms.changes.webhooks import Webhook as WebhookRecord
from cms.content.ids import expect_global_id, to_global_id
from cms.errors import InvalidInput, PageSizeExceeded
from schema import types as t
from schema.context import Info
from schema.staff import principal
from storage.documents import CONTENT_TYPES

strawberry.enum(
    ChangeKind,
    name="PublicChangeEvent",
    description="PUBLISHED：开始公开；UPDATED：公开内容有更新；WITHDRAWN：不再公开（撤回、失效、到期或改为不予公开）",
)
strawberry.enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING：待推送；DELIVERED：已送达；FAILED：已放弃",
)


@strawberry.type(description="公众可见内容的一次变化（不含内容本身；撤下时仅为标记）")
class PublicChange:
    sequence: str = strawberry.field(description="序号，按提交顺序递增；也是分页游标")
    event: ChangeKind
    id: strawberry.ID = strawberry.field(description="内容的全局 ID")
    type: str = strawberry.field(description="内容类型，如 CatalogEntry")
    public_key: str | None = strawberry.field(
        description="内容的稳定公开编号（索引号、年-期号或公开编号），撤下时仍保留"
    )
    at: datetime = strawberry.field(description="变化时间")
    organization_id: strawberry.Private[object]

    @strawberry.field(description="变化类型名称")
    def event_label(self) -> str:
        return CHANGE_KIND_LABELS[self.event]

    @strawberry.field(description="内容所属机构")
    def organization(self, info: Info) -> t.Organization | None:
        return info.context.services.orgs.tree.get(self.organization_id)  # type: ignore[arg-type, return-value]


@strawberry.type
class PublicChangeEdge:
    cursor: str
    node: PublicChange


@strawberry.type(description="变更流的一页；无新变化时 endCursor 仍为传入的 after，便于轮询")
class PublicChangeConnection:
    edges: list[PublicChangeEdge]
    page_info: t.PageInfo


@strawberry.input(description="变更流筛选条件")
class PublicChangeFilter:
    organization: strawberry.ID | None = strawberry.field(default=None, description="机构（含下级机构）")
    types: list[str] | None = strawberry.field(
        default=None, description="内容类型：CatalogEntry、GazetteIssue、Interpretation、Interview"
    )


@strawberry.type(description="推送记录")
class WebhookDelivery:
    id: strawberry.ID
    sequence: str = strawberry.field(description="变更流序号")
    event: ChangeKind
    status: DeliveryStatus
    attempts: int = strawberry.field(description="已尝试次数")
    last_error: str | None = strawberry.field(description="最近一次失败的原因")
    last_status_code: int | None = strawberry.field(description="接收方最近一次返回的 HTTP 状态码")
    next_attempt_at: datetime | None = strawberry.field(description="下次尝试时间（待推送时）")
    created_at: datetime
    delivered_at: datetime | None

    @strawberry.field(description="状态名称")
    def status_label(self) -> str:
        return DELIVERY_STATUS_LABELS[self.status]


@strawberry.type(description="推送地址（Webhook）：公众可见内容变化时向该地址 POST 签名的 JSON")
class Webhook:
    id: strawberry.ID
    url: str
    events: list[ChangeKind]
    paused: bool = strawberry.field(description="是否已暂停；恢复后补发暂停期间的变化")
    created_at: datetime
    record: strawberry.Private[WebhookRecord]

    @strawberry.field(description="所属机构（接收本机构及下级机构的变化）")
    def organization(self, info: Info) -> t.Organization | None:
        return info.context.services.orgs.tree.get(self.record.org_id)  # type: ignore[return-value]

    @strawberry.field(description="推送记录，最新在前")
    async def deliveries(
        self, info: Info, first: int = 20, status: DeliveryStatus | None = None
    ) -> list[WebhookDelivery]:
        found = await info.context.services.webhooks.log(self.record.id, first, status)
        return [_delivery(d) for d in found]


@strawberry.type(description="新建的推送地址及其签名密钥（密钥只显示这一次）")
class CreatedWebhook:
    webhook: Webhook
    secret: str


@strawberry.input(description="推送地址")
class WebhookInput:
    url: str = strawberry.field(description="接收地址（http/https；不得指向内部网络）")
    organization: strawberry.ID = strawberry.field(description="机构：推送本机构及下级机构的变化")
    events: list[ChangeKind] | None = strawberry.field(default=None, description="推送的变化类型；不填为全部")
    secret: str | None = strawberry.field(default=None, description="签名密钥（16–200 字符）；不填由系统生成")


def _change(change: Change) -> PublicChange:
    return PublicChange(
        sequence=str(change.seq),
        event=change.kind,
        id=strawberry.ID(to_global_id(change.item_type, change.item_id)),
        type=change.item_type,
        public_key=change.public_key,
        at=change.at,
        organization_id=change.org_id,
    )


def _webhook(record: WebhookRecord) -> Webhook:
    return Webhook(
        id=strawberry.ID(to_global_id("Webhook", record.id)),
        url=record.url,
        events=list(record.events),
        paused=record.paused,
        created_at=record.created_at,
        record=record,
    )


def _delivery(delivery: Delivery) -> WebhookDelivery:
    return WebhookDelivery(
        id=strawberry.ID(to_global_id("WebhookDelivery", delivery.id)),
        sequence=str(delivery.seq),
        event=delivery.kind,
        status=delivery.status,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        last_status_code=delivery.last_status_code,
        next_attempt_at=delivery.next_attempt,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
    )


def _feed_filter(given: PublicChangeFilter | None) -> ChangeFilter:
    if given is None:
        return ChangeFilter()
    types = None
    if given.types is not None:
        for index, name in enumerate(given.types):
            if name not in CONTENT_TYPES:
                known = "、".join(CONTENT_TYPES)
                raise InvalidInput(f"内容类型应为 {known} 之一。", field=f"filter.types.{index}")
        types = tuple(given.types)
    org_id = expect_global_id(given.organization, "Organization") if given.organization else None
    return ChangeFilter(org_id=org_id, item_types=types)


@strawberry.type
class ChangesQuery:
    @strawberry.field(
        description="变更流：公众可见内容的发布、更新与撤下，按提交顺序；从头读取后以 endCursor 轮询，不漏不重"
    )
    async def public_changes(
        self,
        info: Info,
        after: str | None = None,
        first: int | None = None,
        filter: PublicChangeFilter | None = None,
    ) -> PublicChangeConnection:
        settings = info.context.services.settings
        size = settings.default_page_size if first is None else first
        if not 1 <= size <= settings.max_page_size:
            raise PageSizeExceeded(
                f"每页条数应在 1 到 {settings.max_page_size} 之间。", limit=settings.max_page_size
            )
        start = parse_cursor(after)
        changes, more = await info.context.services.changes.page(start, size, _feed_filter(filter))
        if not more:
            # The last page grows with the next change, which time alone may cause (the sweep) without
            # a new public generation: never kept by the response cache. Full pages never change.
            info.context.uncacheable = True
        edges = [PublicChangeEdge(cursor=str(c.seq), node=_change(c)) for c in changes]
        page_info = t.PageInfo(
            has_next_page=more,
            end_cursor=edges[-1].cursor if edges else (after or None),
            start_cursor=edges[0].cursor if edges else None,
        )
        return PublicChangeConnection(edges=edges, page_info=page_info)

    @strawberry.field(description="推送地址（需推送管理权限；只列出有权管理的机构的）")
    async def webhooks(self, info: Info, organization: strawberry.ID | None = None) -> list[Webhook]:
        org_id = expect_global_id(organization, "Organization") if organization else None
        found = await info.context.services.webhooks.listed(principal(info), org_id)
        return [_webhook(w) for w in found]


@strawberry.type
class ChangesMutation:
    @strawberry.mutation(description="新建推送地址（需推送管理权限）；返回的签名密钥只显示一次")
    async def create_webhook(self, info: Info, input: WebhookInput) -> CreatedWebhook:
        who = principal(info)
        spec = WebhookSpec(
            url=input.url,
            org_id=expect_global_id(input.organization, "Organization"),
            events=tuple(input.events or ()),
            secret=input.secret,
        )
        webhook, secret = await info.context.services.webhooks.create(who, spec)
        return CreatedWebhook(webhook=_webhook(webhook), secret=secret)

    @strawberry.mutation(description="暂停推送；恢复后补发暂停期间的变化")
    async def pause_webhook(self, info: Info, id: strawberry.ID) -> Webhook:
        webhook_id = expect_global_id(id, "Webhook")
        return _webhook(await info.context.services.webhooks.set_paused(principal(info), webhook_id, True))

    @strawberry.mutation(description="恢复推送")
    async def resume_webhook(self, info: Info, id: strawberry.ID) -> Webhook:
        webhook_id = expect_global_id(id, "Webhook")
        return _webhook(await info.context.services.webhooks.set_paused(principal(info), webhook_id, False))

    @strawberry.mutation(description="删除推送地址及其推送记录")
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> bool:
        webhook_id = expect_global_id(id, "Webhook")
        return await info.context.services.webhooks.delete(principal(info), webhook_id)

    @strawberry.mutation(description="重新推送一条记录（立即排队，重新计算重试期限）")
    async def resend_webhook_delivery(self, info: Info, id: strawberry.ID) -> WebhookDelivery:
        delivery_id = expect_global_id(id, "WebhookDelivery")
        return _delivery(await info.context.services.webhooks.resend(principal(info), delivery_id))
