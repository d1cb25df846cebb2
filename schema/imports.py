"""GraphQL for importing a catalog: the template, a check (dry run) of staged files, a run in the
background with progress and cancellation. The files themselves arrive through POST /imports/files."""

from __future__ import annotations

import base64
from datetime import datetime

import strawberry
from bson import ObjectId

from cms import model
from cms.content.ids import expect_global_id, to_global_id
from cms.imports.rows import Problem
from cms.imports.service import MAX_KEPT_PROBLEMS, ImportFiles, ImportReport
from cms.imports.sheets import problems_csv
from schema import types as t
from schema.context import Info
from schema.staff import principal

strawberry.enum(
    model.ImportState,
    name="CatalogImportState",
    description="RUNNING：导入中；DONE：已完成；REFUSED：有问题，未导入；CANCELLED：已取消；FAILED：失败",
)


@strawberry.type(description="导入表格中的一个问题")
class CatalogImportProblem:
    row: int = strawberry.field(description="表格中的行号（第 1 行为列名）；0 表示整个文件")
    column: str = strawberry.field(description="列名，如 发布日期；空表示整行")
    message: str


@strawberry.type(description="导入检查（试运行）的结果：未写入任何内容")
class CatalogImportCheck:
    total: int = strawberry.field(description="数据行数")
    importable: int = strawberry.field(description="将导入的行数")
    skipped: int = strawberry.field(description="此前已导入、将跳过的行数")
    refused_rows: int = strawberry.field(description="有问题的行数")
    problems: list[CatalogImportProblem] = strawberry.field(
        description=f"问题，按行排列（最多 {MAX_KEPT_PROBLEMS} 条）"
    )
    problems_csv: str = strawberry.field(description="全部问题的 CSV（行,列,问题；UTF-8）")


@strawberry.type(description="一次目录导入（进度、结果）")
class CatalogImport:
    id: strawberry.ID
    filename: str
    as_drafts: bool = strawberry.field(description="是否作为草稿导入（否则作为已发布的历史信息）")
    state: model.ImportState
    state_label: str
    total: int
    imported: int = strawberry.field(description="本次已写入的行数")
    skipped: int = strawberry.field(description="此前已导入、跳过的行数")
    refused: int = strawberry.field(description="有问题的行数")
    problems: list[CatalogImportProblem]
    cancel_requested: bool
    started_at: datetime
    finished_at: datetime | None
    org_id: strawberry.Private[ObjectId]

    @strawberry.field(description="导入到的机构")
    def organization(self, info: Info) -> t.Organization | None:
        return info.context.services.orgs.tree.get(self.org_id)  # type: ignore[return-value]


def _problem(p: Problem) -> CatalogImportProblem:
    return CatalogImportProblem(row=p.row, column=p.column, message=p.message)


def _check(report: ImportReport) -> CatalogImportCheck:
    triples = [(p.row, p.column, p.message) for p in report.problems]
    return CatalogImportCheck(
        total=report.total,
        importable=report.imported,
        skipped=report.skipped,
        refused_rows=report.refused_rows,
        problems=[_problem(p) for p in report.problems[:MAX_KEPT_PROBLEMS]],
        problems_csv=problems_csv(triples).decode("utf-8-sig"),
    )


def _import(record: model.CatalogImport) -> CatalogImport:
    return CatalogImport(
        id=strawberry.ID(to_global_id("CatalogImport", str(record.id))),
        filename=record.filename,
        as_drafts=record.as_drafts,
        state=record.state,
        state_label=model.IMPORT_STATE_LABELS[record.state],
        total=record.total,
        imported=record.imported,
        skipped=record.skipped,
        refused=record.refused,
        problems=[
            CatalogImportProblem(row=p["row"], column=p["column"], message=p["message"])
            for p in record.problems
        ],
        cancel_requested=record.cancel_requested,
        started_at=record.started_at,
        finished_at=record.finished_at,
        org_id=record.org_id,
    )


async def _files(
    info: Info, org_id: ObjectId, filename: str, file: str, attachments: str | None
) -> ImportFiles:
    """The staged files, once the caller is known to be allowed (nothing is read for anyone else)."""
    imports = info.context.services.imports
    imports.require(principal(info), org_id)
    sheet = await imports.staged(file, "file")
    archive = await imports.staged(attachments, "attachments") if attachments else None
    return ImportFiles(filename, sheet, archive)


@strawberry.type
class ImportQuery:
    @strawberry.field(
        description="目录导入模板（.xlsx，Base64）：各列为目录字段的中文名，含填写提示和词表下拉列表"
    )
    async def catalog_import_template(self, info: Info, organization: strawberry.ID) -> str:
        org_id = expect_global_id(organization, "Organization")
        data = await info.context.services.imports.template(principal(info), org_id)
        return base64.b64encode(data).decode("ascii")

    @strawberry.field(description="一次目录导入的进度和结果（需导入公开目录权限；看不到的导入为 NOT_FOUND）")
    async def catalog_import(self, info: Info, id: strawberry.ID) -> CatalogImport | None:
        import_id = expect_global_id(id, "CatalogImport")
        return _import(await info.context.services.imports.get(principal(info), import_id))


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="检查（试运行）目录导入：逐行检查，按行、列报告问题，不写入任何内容。"
        "file、attachments 为 POST /imports/files 返回的 id"
    )
    async def check_catalog_import(
        self,
        info: Info,
        organization: strawberry.ID,
        filename: str,
        file: str,
        attachments: str | None = None,
        as_drafts: bool = False,
    ) -> CatalogImportCheck:
        org_id = expect_global_id(organization, "Organization")
        files = await _files(info, org_id, filename, file, attachments)
        report = await info.context.services.imports.run(
            principal(info), org_id, files, dry_run=True, as_drafts=as_drafts
        )
        return _check(report)

    @strawberry.mutation(
        description="开始目录导入：先逐行检查（有问题则不写入），再分批写入；以 catalogImport 查看进度。"
        "同一文件重复导入不会重复写入，中断后再次导入从中断处继续"
    )
    async def start_catalog_import(
        self,
        info: Info,
        organization: strawberry.ID,
        filename: str,
        file: str,
        attachments: str | None = None,
        as_drafts: bool = False,
    ) -> CatalogImport:
        org_id = expect_global_id(organization, "Organization")
        files = await _files(info, org_id, filename, file, attachments)
        record = await info.context.services.imports.start_in_background(
            principal(info), org_id, files, as_drafts=as_drafts
        )
        return _import(record)

    @strawberry.mutation(description="取消进行中的目录导入：已写入的批次保留，再次导入时从中断处继续")
    async def cancel_catalog_import(self, info: Info, id: strawberry.ID) -> CatalogImport:
        import_id = expect_global_id(id, "CatalogImport")
        return _import(await info.context.services.imports.cancel(principal(info), import_id))
