"""政府公报: numbered issues whose articles are reviewed and published together with the issue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from cms.content.disclosure import DisclosureFields, validate_disclosure
from cms.content.kinds import FieldText, Kind, register
from cms.content.richtext import body_fields, sanitize
from cms.content.store import ContentService, Page, PageRequest
from cms.content.visibility import ReadScope
from cms.errors import GazetteNumberTaken, InvalidInput
from storage.documents import GazetteArticle, GazetteIssue

MAX_ARTICLES = 200
MAX_TITLE = 300
MAX_SECTION = 50
MAX_DOCUMENT_NUMBER = 100
MAX_BODY = 2_000_000
MAX_DESCRIPTION = 2000


@dataclass
class NewArticle:
    title: str
    section: str = ""
    document_number: str | None = None
    body: str = ""
    body_html: str = ""  # when given, body is its text (cms.content.richtext)
    catalog_entry_id: ObjectId | None = None
    id: ObjectId | None = None  # an article of the issue being edited: it keeps its id (links, anchors)


@dataclass
class NewGazetteIssue(DisclosureFields):
    org_id: ObjectId
    year: int
    number: int
    title: str = ""
    description: str = ""
    total_number: int | None = None
    publication_date: date | None = None
    articles: list[NewArticle] = field(default_factory=list)


def build_articles(inputs: Sequence[NewArticle], existing: Sequence[GazetteArticle]) -> list[GazetteArticle]:
    """The issue's articles in the order given. An article passed back with its id keeps it; one
    without an id is new. Ids of other issues' articles are refused, so an id names one article."""
    if len(inputs) > MAX_ARTICLES:
        raise InvalidInput(f"一期公报最多 {MAX_ARTICLES} 篇文章。", field="articles")
    known = {a.id for a in existing}
    seen: set[ObjectId] = set()
    articles: list[GazetteArticle] = []
    for i, new in enumerate(inputs):
        if new.id is not None and (new.id not in known or new.id in seen):
            raise InvalidInput("文章 ID 不属于本期公报或重复出现。", field=f"articles.{i}.id")
        if new.id is not None:
            seen.add(new.id)
        article = GazetteArticle(
            order=i,
            title=new.title.strip(),
            section=new.section.strip(),
            document_number=(new.document_number or "").strip() or None,
            **(body_fields(new.body_html) if new.body_html else {"body": new.body}),
            catalog_entry_id=PydanticObjectId(new.catalog_entry_id) if new.catalog_entry_id else None,
        )
        if new.id is not None:
            article.id = PydanticObjectId(new.id)
        articles.append(article)
    return articles


def validate(issue: GazetteIssue) -> None:
    """The rules every saved issue obeys, on creation and on each edit."""
    if not 1949 <= issue.year <= 2200:
        raise InvalidInput("公报年份应在 1949 至 2200 之间。", field="year")
    if not 1 <= issue.number <= 999:
        raise InvalidInput("期号应在 1 至 999 之间。", field="number")
    if issue.total_number is not None and not 1 <= issue.total_number <= 99999:
        raise InvalidInput("总期号应在 1 至 99999 之间。", field="totalNumber")
    _text(issue.title, "title", "标题", MAX_TITLE, required=True)
    _text(issue.description, "description", "简介", MAX_DESCRIPTION)
    if not issue.articles:
        raise InvalidInput("公报至少包含一篇文章。", field="articles")
    if len(issue.articles) > MAX_ARTICLES:
        raise InvalidInput(f"一期公报最多 {MAX_ARTICLES} 篇文章。", field="articles")
    for i, article in enumerate(sorted(issue.articles, key=lambda a: a.order)):
        _text(article.title, f"articles.{i}.title", "文章标题", MAX_TITLE, required=True)
        _text(article.section, f"articles.{i}.section", "栏目", MAX_SECTION)
        _text(article.document_number or "", f"articles.{i}.documentNumber", "发文字号", MAX_DOCUMENT_NUMBER)
        _text(article.body, f"articles.{i}.body", "正文", MAX_BODY)
        _text(article.body_html, f"articles.{i}.bodyHtml", "正文", 2 * MAX_BODY)
    validate_disclosure(issue)


def number_taken(issue: GazetteIssue) -> GazetteNumberTaken:
    return GazetteNumberTaken(
        f"本机构 {issue.year} 年第 {issue.number} 期公报已存在，请核对期号。", field="number"
    )


def search_fields(issue: GazetteIssue) -> list[FieldText]:
    """Each article's title, 文号 and body, in the issue's order."""
    out: list[FieldText] = []
    for article in sorted(issue.articles, key=lambda a: a.order):
        out += [
            ("article_title", article.title, 4.0),
            ("article_document_number", article.document_number or "", 8.0),
            ("article_body", article.body, 1.0),
        ]
    return out


def _sanitize_bodies(issue: GazetteIssue) -> None:
    """Before each save (idempotent: stored rich bodies stay as they are)."""
    for article in issue.articles:
        article.body_html = sanitize(article.body_html)


KIND = register(
    Kind(
        cls=GazetteIssue,
        public_key=lambda issue: f"{issue.year}-{issue.number}",
        label="政府公报",
        editable=("year", "number", "total_number", "publication_date", "articles"),
        # an article keeps its title and 文号 (catalog metadata), loses its body
        withheld=("articles.body", "articles.body_html"),
        derive=_sanitize_bodies,
        search_fields=search_fields,
        search_year=lambda issue: issue.year,
        # (organization, year, number) is unique among live issues
        unique_violation=number_taken,
    )
)


def _text(value: str, field: str, name: str, limit: int, *, required: bool = False) -> None:
    if required and not value.strip():
        raise InvalidInput(f"{name}不能为空。", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{name}超出长度上限（{limit} 字）。", field=field)


class GazetteService:
    def __init__(self, content: ContentService) -> None:
        self.content = content

    async def create_draft(
        self,
        new: NewGazetteIssue,
        *,
        created_by: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> GazetteIssue:
        org = self.content.orgs.tree.require(new.org_id)
        if any(a.id is not None for a in new.articles):
            raise InvalidInput("新建公报时不能指定文章 ID。", field="articles")
        issue = GazetteIssue(
            org_id=PydanticObjectId(new.org_id),
            title=new.title.strip() or f"{org.name}公报 {new.year}年第{new.number}期",
            description=new.description,
            year=new.year,
            number=new.number,
            total_number=new.total_number,
            publication_date=new.publication_date,
            articles=build_articles(new.articles, []),
            created_by=created_by,
            **new.disclosure_fields(),
        )
        validate(issue)
        await self.check_number_free(issue, session=session)
        try:
            return await self.content.insert(issue, session=session)
        except DuplicateKeyError as exc:
            raise number_taken(issue) from exc

    async def check(self, issue: GazetteIssue) -> None:
        """What an edit of an issue is checked against (cms.review.authoring)."""
        validate(issue)
        await self.check_number_free(issue)

    async def check_number_free(
        self, issue: GazetteIssue, *, session: AsyncClientSession | None = None
    ) -> None:
        """(organization, year, number) names one issue. The unique index is the final guard; this
        check gives the same answer before anything is written, also for a working copy."""
        query = {"org_id": issue.org_id, "year": issue.year, "number": issue.number, "working_copy_of": None}
        async for other in (
            GazetteIssue.get_pymongo_collection().find(query, {"_id": 1}, session=session).limit(2)
        ):
            if other["_id"] not in (issue.id, issue.working_copy_of):
                raise number_taken(issue)

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
