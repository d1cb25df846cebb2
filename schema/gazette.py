"""Mutations of 政府公报 issues: drafts and their edits (review goes through ``transition``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from cms.content.ids import expect_global_id
from cms.errors import InvalidInput
from cms.kinds.gazette import MAX_ARTICLES, NewArticle, NewGazetteIssue
from schema import types as t
from schema.context import Info
from schema.inputs import (
    DisclosureInput,
    as_json,
    blank_nulls,
    disclosure_changes,
    disclosure_of,
    refuse_nulls,
    sent,
)
from schema.staff import principal


@strawberry.input(description="公报中的一篇文章")
class GazetteArticleInput:
    title: str
    id: strawberry.ID | None = strawberry.field(
        default=None, description="已有文章的 ID：带回则保持不变（链接、锚点稳定）；新文章不填"
    )
    section: str = strawberry.field(default="", description="栏目，如 省政府文件、人事任免")
    document_number: str | None = strawberry.field(default=None, description="发文字号")
    body: str = ""
    body_html: str = strawberry.field(
        default="",
        description="富文本正文（HTML）：保存时按白名单净化，body 随之取其纯文本；不填时正文为 body 的纯文本",
    )
    catalog_entry: strawberry.ID | None = strawberry.field(default=None, description="刊登的公开目录条目")


@strawberry.input(
    description="政府公报（一期）的字段；新建时须填机构、年份、期号和文章，修改时只传要改的字段"
)
class GazetteIssueInput(DisclosureInput):
    organization: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="仅新建时")
    year: int | None = strawberry.UNSET
    number: int | None = strawberry.field(default=strawberry.UNSET, description="期号（当年第几期）")
    total_number: int | None = strawberry.field(default=strawberry.UNSET, description="总期号")
    publication_date: date | None = strawberry.UNSET
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description="不填则为“机构名公报 某年第几期”"
    )
    description: str | None = strawberry.UNSET
    articles: list[GazetteArticleInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"全部文章，按刊登顺序（最多 {MAX_ARTICLES} 篇）"
    )


def _articles(inputs: list[GazetteArticleInput] | None) -> list[NewArticle]:
    inputs = inputs or []
    if len(inputs) > MAX_ARTICLES:
        raise InvalidInput(f"一期公报最多 {MAX_ARTICLES} 篇文章。", field="articles")
    return [
        NewArticle(
            id=expect_global_id(a.id, "GazetteArticle") if a.id else None,
            title=a.title,
            section=a.section,
            document_number=a.document_number,
            body=a.body,
            body_html=a.body_html,
            catalog_entry_id=expect_global_id(a.catalog_entry, "CatalogEntry") if a.catalog_entry else None,
        )
        for a in inputs
    ]


@strawberry.type
class GazetteMutation:
    @strawberry.mutation(description="新建政府公报（草稿）")
    async def create_gazette_issue(self, info: Info, input: GazetteIssueInput) -> t.GazetteIssue:
        who = principal(info)
        fields = sent(input)
        for name in ("organization", "year", "number", "articles"):
            if fields.get(name) is None:
                raise InvalidInput("请填写机构、年份、期号和文章。", field=name)
        new = NewGazetteIssue(
            org_id=expect_global_id(fields["organization"], "Organization"),
            year=fields["year"],
            number=fields["number"],
            title=fields.get("title") or "",
            description=fields.get("description") or "",
            total_number=fields.get("total_number"),
            publication_date=fields.get("publication_date"),
            articles=_articles(fields["articles"]),
            **disclosure_of(input),
        )
        issue = await info.context.services.authoring.create_gazette_issue(who, new)
        return issue  # type: ignore[return-value]

    @strawberry.mutation(description="修改草稿、被退回的公报或其工作副本（需提供当前版本号）")
    async def update_gazette_issue(
        self, info: Info, id: strawberry.ID, expected_version: int, input: GazetteIssueInput
    ) -> t.GazetteIssue:
        who = principal(info)
        issue_id = expect_global_id(id, "GazetteIssue")
        fields = sent(input)
        if "organization" in fields:
            raise InvalidInput("公报的发布机构不能修改。", field="organization")
        refuse_nulls(fields, ("year", "number", "title", "articles"))
        blank_nulls(fields, ("description",))
        disclosure_changes(fields)
        articles = _articles(fields.pop("articles")) if "articles" in fields else None
        changes: dict[str, Any] = {name: as_json(value) for name, value in fields.items()}
        item = await info.context.services.authoring.update_gazette_issue(
            who, issue_id, expected_version, changes, articles
        )
        return item  # type: ignore[return-value]
