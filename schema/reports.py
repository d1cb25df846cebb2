"""The annual report (年度报告): the computed report with the staff's parts, saving those parts, and
issuing the report as a catalog entry draft carrying its .docx."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from cms.content.ids import expect_global_id, to_global_id
from cms.reports import model as m
from cms.reports import service as rs
from schema import types as t
from schema.context import Info
from schema.staff import principal
from storage.reports import ReportInputs

strawberry.enum(rs.ReportState, name="AnnualReportState", description="年度报告状态")


@strawberry.type(description="本年度的一项数字（供编写总体情况参考）")
class ReportFigure:
    label: str
    value: int


@strawberry.type(description="规章或行政规范性文件：本年制发件数、本年废止件数、现行有效件数")
class DocumentCounts:
    issued: int
    repealed: int
    in_force: int


@strawberry.type(description="二、主动公开政府信息情况")
class ProactiveDisclosureSection:
    regulations: DocumentCounts = strawberry.field(description="规章（按体裁和有效性计算）")
    normative_documents: DocumentCounts = strawberry.field(description="行政规范性文件（按体裁和有效性计算）")
    licensing: int = strawberry.field(description="行政许可 本年处理决定数量（工作人员填写）")
    penalty: int = strawberry.field(description="行政处罚 本年处理决定数量（工作人员填写）")
    enforcement: int = strawberry.field(description="行政强制 本年处理决定数量（工作人员填写）")
    fee_amount: float = strawberry.field(description="行政事业性收费 本年收费金额（万元，工作人员填写）")


@strawberry.type(description="三、收到和处理政府信息公开申请情况 的一行；counts 依次对应 requestColumns")
class RequestMatrixRow:
    key: str
    label: str
    group: str = strawberry.field(description="所属办理结果（如“（三）不予公开”）；其余行为空")
    counts: list[int]


@strawberry.type(description="结果维持、结果纠正、其他结果、尚未审结、总计")
class RemedyResultRow:
    upheld: int
    corrected: int
    other: int
    pending: int
    total: int


@strawberry.type(description="四、政府信息公开行政复议、行政诉讼情况")
class RemedySection:
    review: RemedyResultRow = strawberry.field(description="行政复议")
    litigation_direct: RemedyResultRow = strawberry.field(description="行政诉讼：未经复议直接起诉")
    litigation_after_review: RemedyResultRow = strawberry.field(description="行政诉讼：复议后起诉")


@strawberry.type(description="数据核对")
class ReportCheck:
    key: str
    label: str
    holds: bool
    detail: str


@strawberry.type(description="政府信息公开工作年度报告")
class AnnualReport:
    organization_id: strawberry.Private[str]
    year: int
    include_subtree: bool
    state: rs.ReportState
    state_label: str
    version: int = strawberry.field(description="工作人员填写部分的版本（0：尚未保存）")
    frozen: bool = strawberry.field(description="已发布：数字为发布时的快照，不再随申请等数据变化")
    issued_at: datetime | None
    catalog_entry_id: strawberry.ID | None = strawberry.field(description="印发的公开目录条目（附 .docx）")
    computed_at: datetime
    overview: str = strawberry.field(description="一、总体情况")
    overview_figures: list[ReportFigure] = strawberry.field(description="本年度数字，供编写总体情况参考")
    proactive: ProactiveDisclosureSection
    request_columns: list[str] = strawberry.field(description="三 的列：自然人、五类法人或其他组织、总计")
    requests: list[RequestMatrixRow]
    remedies: RemedySection = strawberry.field(
        description="四（按各申请登记的案件计算：本年立案的案件，结果以 12 月 31 日为准）"
    )
    problems: str = strawberry.field(description="五、存在的主要问题及改进情况")
    other_matters: str = strawberry.field(description="六、其他需要报告的事项")
    processing_fees: Decimal = strawberry.field(
        description="六 本年度收取的信息处理费（元，精确到分；按缴费日期计，由各申请的缴费登记计算）"
    )
    checks: list[ReportCheck] = strawberry.field(description="勾稽关系核对（印发前须全部通过）")

    @strawberry.field
    def organization(self, info: Info) -> t.Organization | None:
        return info.context.services.orgs.tree.get(expect_global_id(self.organization_id, "Organization"))  # type: ignore[return-value]


@strawberry.input(description="年度报告中由工作人员填写的部分（整体提交）")
class AnnualReportDraftInput:
    overview: str = ""
    licensing: int = 0
    penalty: int = 0
    enforcement: int = 0
    fee_amount: float = 0.0
    problems: str = ""
    other_matters: str = ""


def _inputs(value: AnnualReportDraftInput) -> ReportInputs:
    return ReportInputs(
        overview=value.overview,
        licensing=value.licensing,
        penalty=value.penalty,
        enforcement=value.enforcement,
        fee_amount=value.fee_amount,
        problems=value.problems,
        other_matters=value.other_matters,
    )


def _remedy(row: m.RemedyRow) -> RemedyResultRow:
    return RemedyResultRow(
        upheld=row.upheld, corrected=row.corrected, other=row.other, pending=row.pending, total=row.total
    )


def _docs(counts: m.DocumentCounts) -> DocumentCounts:
    return DocumentCounts(issued=counts.issued, repealed=counts.repealed, in_force=counts.in_force)


def _report(report: rs.Report) -> AnnualReport:
    d = report.data
    p = d.proactive
    return AnnualReport(
        organization_id=to_global_id("Organization", d.organization_id),
        year=d.year,
        include_subtree=d.include_subtree,
        state=report.state,
        state_label=rs.REPORT_STATE_LABELS[report.state],
        version=report.version,
        frozen=report.state is rs.ReportState.PUBLISHED,
        issued_at=report.issued_at,
        catalog_entry_id=(
            strawberry.ID(to_global_id("CatalogEntry", report.entry_id)) if report.entry_id else None
        ),
        computed_at=d.computed_at,
        overview=d.overview,
        overview_figures=[ReportFigure(label=f.label, value=f.value) for f in d.overview_figures],
        proactive=ProactiveDisclosureSection(
            regulations=_docs(p.regulations),
            normative_documents=_docs(p.normative_documents),
            licensing=p.licensing,
            penalty=p.penalty,
            enforcement=p.enforcement,
            fee_amount=p.fee_amount,
        ),
        request_columns=list(m.COLUMN_LABELS),
        requests=[
            RequestMatrixRow(key=r.key, label=r.label, group=r.group, counts=r.counts) for r in d.requests
        ],
        remedies=RemedySection(
            review=_remedy(d.remedies.review),
            litigation_direct=_remedy(d.remedies.litigation_direct),
            litigation_after_review=_remedy(d.remedies.litigation_after_review),
        ),
        problems=d.problems,
        other_matters=d.other_matters,
        processing_fees=d.processing_fees,
        checks=[ReportCheck(key=c.key, label=c.label, holds=c.holds, detail=c.detail) for c in d.checks],
    )


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="政府信息公开工作年度报告（需该机构的查看年度报告权限）；已发布的报告返回发布时的快照"
    )
    async def annual_report(
        self, info: Info, organization: strawberry.ID, year: int, include_subtree: bool = False
    ) -> AnnualReport:
        org = expect_global_id(organization, "Organization")
        return _report(
            await info.context.services.reports.report(principal(info), org, year, include_subtree)
        )


@strawberry.type
class ReportMutation:
    @strawberry.mutation(description="保存年度报告中由工作人员填写的部分（公开办）")
    async def save_annual_report_draft(
        self,
        info: Info,
        organization: strawberry.ID,
        year: int,
        input: AnnualReportDraftInput,
        include_subtree: bool = False,
        expected_version: int | None = None,
    ) -> AnnualReport:
        org = expect_global_id(organization, "Organization")
        service = info.context.services.reports
        saved = await service.save_draft(
            principal(info), org, year, include_subtree, _inputs(input), expected_version
        )
        return _report(saved)

    @strawberry.mutation(
        description="印发年度报告：生成 .docx 并作为公开目录条目草稿的附件，按审查流程发布（公开办）"
    )
    async def issue_annual_report(
        self, info: Info, organization: strawberry.ID, year: int, include_subtree: bool = False
    ) -> AnnualReport:
        org = expect_global_id(organization, "Organization")
        return _report(await info.context.services.reports.issue(principal(info), org, year, include_subtree))
