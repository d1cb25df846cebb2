"""政府公报: numbered issues whose articles are reviewed and published together with the issue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from cms.content import ContentService, Page, PageRequest
from cms.errors import InvalidInput
from cms.visibility import ReadScope
from storage.documents import GazetteArticle, GazetteIssue


@dataclass
class NewArticle:
    title: str
    section: str = ""
    document_number: str | None = None
    body: str = ""
    catalog_entry_id: ObjectId | None = None


@dataclass
class NewGazetteIssue:
    org_id: ObjectId
    year: int
    number: int
    title: str = ""
    total_number: int | None = None
    publication_date: date | None = None
    articles: list[NewArticle] = field(default_factory=list)


class GazetteService:
    def __init__(self, content: ContentService) -> None:
        self.content = content

    async def create_draft(self, new: NewGazetteIssue) -> GazetteIssue:
        org = self.content.orgs.tree.require(new.org_id)
        if not 1949 <= new.year <= 2200 or not 1 <= new.number <= 999:
            raise InvalidInput("公报年份或期号超出范围。", field="number")
        if not new.articles or any(not a.title.strip() for a in new.articles):
            raise InvalidInput("公报至少包含一篇文章，且每篇文章都要有标题。", field="articles")
        issue = GazetteIssue(
            org_id=PydanticObjectId(new.org_id),
            title=new.title or f"{org.name}公报 {new.year}年第{new.number}期",
            year=new.year,
            number=new.number,
            total_number=new.total_number,
            publication_date=new.publication_date,
            articles=[
                GazetteArticle(
                    order=i,
                    title=a.title.strip(),
                    section=a.section,
                    document_number=a.document_number,
                    body=a.body,
                    catalog_entry_id=PydanticObjectId(a.catalog_entry_id) if a.catalog_entry_id else None,
                )
                for i, a in enumerate(new.articles)
            ],
        )
        try:
            return await self.content.insert(issue)
        except DuplicateKeyError as exc:
            raise InvalidInput(f"{new.year}年第{new.number}期公报已存在。", field="number") from exc

    async def page(
        self,
        scope: ReadScope,
        request: PageRequest,
        *,
        org_id: ObjectId | None = None,
        year: int | None = None,
    ) -> Page[GazetteIssue]:
        base: dict[str, object] = {}
        if org_id is not None:
            base["org_id"] = org_id
        if year is not None:
            base["year"] = year
        return await self.content.page(GazetteIssue, base, scope, request)

    async def issue_of_article(self, article_id: ObjectId, scope: ReadScope) -> GazetteIssue | None:
        found = await self.content.find_visible(GazetteIssue, {"articles.id": article_id}, scope, 1)
        return found[0] if found else None

    async def articles_publishing(
        self, entry_id: ObjectId, scope: ReadScope
    ) -> list[tuple[GazetteIssue, GazetteArticle]]:
        issues = await self.content.find_visible(GazetteIssue, {"articles.catalog_entry_id": entry_id}, scope)
        return [(i, a) for i in issues for a in i.articles if a.catalog_entry_id == entry_id]
