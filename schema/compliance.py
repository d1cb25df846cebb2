"""The compliance dashboard (合规看板) for the disclosure office, and its CSV / xlsx export."""

from __future__ import annotations

import base64
from datetime import date
from typing import Annotated

import strawberry
from bson import ObjectId

from cms.compliance.export import ExportFormat
from cms.compliance.model import Dashboard, Figure, FigureKey, ItemRef, Period, QuotaKey, QuotaRow
from cms.compliance.service import export_dashboard
from cms.content.ids import expect_global_id, to_global_id
from schema import types as t
from schema.context import Info
from schema.staff import principal

strawberry.enum(
    FigureKey,
    name="ComplianceFigureKey",
    description="合规看板的指标：主动公开是否在20个工作日内、依申请公开是否按期答复、政策解读是否同步、撤回、有效性变化",
)
strawberry.enum(QuotaKey, name="ComplianceQuotaKey", description="《实施意见》规定的发布会、在线访谈次数要求")
strawberry.enum(ExportFormat, name="ComplianceExportFormat", description="导出格式")


def _org(info: Info, org_id: ObjectId) -> t.Organization | None:
    return info.context.services.orgs.tree.get(org_id)  # type: ignore[return-value]


@strawberry.type(description="指标所依据的一条内容或申请")
class ComplianceItem:
    ref: strawberry.Private[ItemRef]

    @strawberry.field(description="全局 ID（依申请公开申请为 DisclosureRequest）")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(self.ref.type, self.ref.id))

    @strawberry.field(description="类型：CatalogEntry、Interpretation、Interview、DisclosureRequest 等")
    def type(self) -> str:
        return self.ref.type

    @strawberry.field(description="名称；依申请公开申请为申请编号")
    def title(self) -> str:
        return self.ref.title

    @strawberry.field
    def organization(self, info: Info) -> t.Organization | None:
        return _org(info, self.ref.org_id)

    @strawberry.field(name="date", description="指标据以判断的日期（北京时间）：公开、答复、举办或撤回之日")
    def day(self) -> date | None:
        return self.ref.day

    @strawberry.field(description="参照日期：成文日期、收到申请之日，或所解读文件的公开日期")
    def reference_date(self) -> date | None:
        return self.ref.reference_day

    @strawberry.field(description="期限的最后一天")
    def due_date(self) -> date | None:
        return self.ref.due

    @strawberry.field(description="说明：出席领导、有效性、撤回意见等")
    def note(self) -> str:
        return self.ref.note


def _items(refs: tuple[ItemRef, ...]) -> list[ComplianceItem]:
    return [ComplianceItem(ref=r) for r in refs]


@strawberry.type(description="一项指标：数量即所列内容的条数")
class ComplianceFigure:
    figure: strawberry.Private[Figure]

    @strawberry.field
    def key(self) -> FigureKey:
        return self.figure.key

    @strawberry.field
    def label(self) -> str:
        return self.figure.label

    @strawberry.field
    def count(self) -> int:
        return self.figure.count

    @strawberry.field
    def items(self) -> list[ComplianceItem]:
        return _items(self.figure.items)


@strawberry.type(description="一个机构在一个季度或年度内对一项次数要求的完成情况")
class ComplianceQuota:
    row: strawberry.Private[QuotaRow]

    @strawberry.field
    def key(self) -> QuotaKey:
        return self.row.key

    @strawberry.field
    def label(self) -> str:
        return self.row.label

    @strawberry.field
    def organization(self, info: Info) -> t.Organization | None:
        return _org(info, self.row.org_id)

    @strawberry.field(name="from", description="季度或年度的第一天")
    def start(self) -> date:
        return self.row.start

    @strawberry.field(name="to", description="季度或年度的最后一天")
    def end(self) -> date:
        return self.row.end

    @strawberry.field(description="如 2026年第1季度、2026年")
    def period(self) -> str:
        return self.row.period_label

    @strawberry.field(description="应达次数")
    def required(self) -> int:
        return self.row.required

    @strawberry.field(description="实际次数，即所列活动的条数")
    def count(self) -> int:
        return self.row.count

    @strawberry.field(description="是否达标")
    def met(self) -> bool:
        return self.row.met

    @strawberry.field
    def items(self) -> list[ComplianceItem]:
        return _items(self.row.items)


@strawberry.type(description="合规看板")
class ComplianceDashboard:
    dashboard: strawberry.Private[Dashboard]

    @strawberry.field
    def organization(self, info: Info) -> t.Organization | None:
        return _org(info, self.dashboard.org_id)

    @strawberry.field(name="from")
    def start(self) -> date:
        return self.dashboard.period.start

    @strawberry.field(name="to")
    def end(self) -> date:
        return self.dashboard.period.end

    @strawberry.field
    def include_subtree(self) -> bool:
        return self.dashboard.include_subtree

    @strawberry.field(description="计入的机构（含下级时，仅调用者有权查看看板的机构）")
    def organizations(self, info: Info) -> list[t.Organization]:
        tree = info.context.services.orgs.tree
        return [o for o in (tree.get(i) for i in self.dashboard.org_ids) if o is not None]  # type: ignore[misc]

    @strawberry.field(description="判断未办结申请是否逾期所依据的日期（今天，北京时间）")
    def as_of(self) -> date:
        return self.dashboard.as_of

    @strawberry.field
    def figures(self) -> list[ComplianceFigure]:
        return [ComplianceFigure(figure=f) for f in self.dashboard.figures]

    @strawberry.field(description="发布会、在线访谈次数要求，按机构和季度或年度")
    def quotas(self) -> list[ComplianceQuota]:
        return [ComplianceQuota(row=r) for r in self.dashboard.quotas]


@strawberry.type(description="导出的文件")
class ComplianceExport:
    filename: str
    content_type: str
    base64: str = strawberry.field(description="文件内容，Base64 编码")


From = Annotated[date, strawberry.argument(name="from", description="统计期间第一天（北京时间）")]
To = Annotated[date, strawberry.argument(name="to", description="统计期间最后一天（含）")]


@strawberry.type
class ComplianceQuery:
    @strawberry.field(
        description="合规看板：主动公开时限、依申请公开办理、三同步、撤回与有效性变化、发布会与访谈次数"
    )
    async def compliance_dashboard(
        self,
        info: Info,
        organization: strawberry.ID,
        from_: From,
        to: To,
        include_subtree: bool | None = False,
    ) -> ComplianceDashboard:
        who = principal(info)
        period = Period.checked(from_, to)
        org_id = expect_global_id(organization, "Organization")
        dashboard = await info.context.services.compliance.dashboard(
            who, org_id, period, bool(include_subtree)
        )
        return ComplianceDashboard(dashboard=dashboard)

    @strawberry.field(description="导出合规看板为 CSV（UTF-8，含 BOM）或 xlsx（汇总与明细两张表）")
    async def compliance_dashboard_export(
        self,
        info: Info,
        organization: strawberry.ID,
        from_: From,
        to: To,
        include_subtree: bool | None = False,
        format: ExportFormat = ExportFormat.CSV,
    ) -> ComplianceExport:
        who = principal(info)
        period = Period.checked(from_, to)
        org_id = expect_global_id(organization, "Organization")
        file = await export_dashboard(
            info.context.services.compliance, who, org_id, period, bool(include_subtree), format
        )
        return ComplianceExport(
            filename=file.filename,
            content_type=file.content_type,
            base64=base64.b64encode(file.data).decode("ascii"),
        )
