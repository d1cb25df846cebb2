"""公开目录: creating catalog entries and querying the catalog."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from cms.admin.vocabularies import GENRE, TOPIC, VocabularyService
from cms.content.dates import document_date
from cms.content.disclosure import DisclosureFields, validate_disclosure
from cms.content.kinds import FieldText, Kind, register
from cms.content.richtext import body_fields, sanitize
from cms.content.store import ContentService, Page, PageRequest
from cms.content.visibility import ReadScope
from cms.errors import Forbidden, InvalidInput
from storage.documents import CatalogEntry, DisclosureMode, ReviewState, Validity

MAX_TITLE = 300
MAX_SUMMARY = 2000
MAX_BODY = 2_000_000


def search_fields(entry: CatalogEntry) -> list[FieldText]:
    """Its numbers weigh most: a reader who types a 文号 or 索引号 wants that entry."""
    return [
        ("document_number", entry.document_number or "", 8.0),
        ("index_number", entry.index_number or "", 8.0),
        ("keywords", "、".join(entry.keywords), 3.0),
        ("summary", entry.summary, 2.0),
        ("body", entry.body, 1.0),
    ]


def derive(entry: CatalogEntry) -> None:
    """The 成文年份 and the topic's path (a sub-topic is found under its top topic too)."""
    entry.year = entry.created_date.year if entry.created_date else None
    entry.topic_path = _topic_path(entry.topic)
    entry.body_html = sanitize(entry.body_html)  # idempotent: a stored body stays as it is


def _topic_path(topic: str | None) -> list[str]:
    if not topic:
        return []
    top = topic.split("\\", 1)[0]
    return [top, topic] if top != topic else [top]


def on_publication(entry: CatalogEntry) -> None:
    """An entry without a 发布日期 is dated the day it goes public."""
    if entry.published_date is None and entry.effective is not None:
        entry.published_date = entry.effective.date()


KIND = register(
    Kind(
        cls=CatalogEntry,
        label="公开目录",
        editable=(
            "summary",
            "document_number",
            "issuing_org_id",
            "co_issuer_ids",
            "topic",
            "genre",
            "keywords",
            "created_date",
            "published_date",
            "scope",
            "validity",
            "validity_effective_date",
            "repeal_date",
            "amended_by_ids",
            "repealed_by_ids",
            "body",
            "body_html",
        ),
        withheld=("body", "body_html"),
        search_fields=search_fields,
        search_year=lambda entry: entry.year,
        derive=derive,
        on_publication=on_publication,
        index_numbered=True,
        public_key=lambda entry: entry.index_number,
    )
)


@dataclass(frozen=True)
class CatalogQuery:
    organization: ObjectId | None = None
    include_subtree: bool = False
    topic: str | None = None
    genre: str | None = None
    year: int | None = None
    validity: Validity | None = None
    disclosure_mode: DisclosureMode | None = None
    review_state: ReviewState | None = None
    published_since: date | None = None  # 发布日期 from this day, inclusive
    published_until: date | None = None  # … up to this day, inclusive
    # Changed publicly at or after this instant (became public, or revised): a simple sync for
    # portals. An item scheduled for later counts from when it went public, not from its approval, so
    # a portal that syncs with the instant of its last sync misses nothing that is public now.
    modified_since: datetime | None = None


@dataclass
class NewCatalogEntry(DisclosureFields):
    org_id: ObjectId
    title: str
    summary: str = ""
    document_number: str | None = None
    issuing_org_id: ObjectId | None = None
    co_issuer_ids: list[ObjectId] = field(default_factory=list)
    topic: str | None = None
    genre: str | None = None
    keywords: list[str] = field(default_factory=list)
    created_date: date | None = None
    published_date: date | None = None
    scope: str = "面向社会"
    validity: Validity = Validity.VALID
    validity_effective_date: date | None = None
    repeal_date: date | None = None
    body: str = ""
    body_html: str = ""  # when given, body is its text (cms.content.richtext)
    description: str = ""
    creators: list[str] = field(default_factory=list)
    language: str = "zh-CN"
    involves_org_ids: list[ObjectId] = field(default_factory=list)
    effective: datetime | None = None


class CatalogService:
    def __init__(self, content: ContentService, vocabularies: VocabularyService) -> None:
        self.content = content
        self.vocabularies = vocabularies

    def build_filter(self, query: CatalogQuery, scope: ReadScope) -> dict[str, Any]:
        base: dict[str, Any] = {}
        if query.organization is not None:
            self.content.orgs.tree.require(query.organization)
            base["org_path" if query.include_subtree else "org_id"] = query.organization
        if query.topic:
            base["topic_path"] = query.topic
        if query.genre:
            base["genre"] = query.genre
        if query.year is not None:
            if not 1949 <= query.year <= 2200:
                raise InvalidInput("年份超出范围。", field="year")
            base["year"] = query.year
        if query.validity is not None:
            base["validity"] = query.validity.value
        if query.disclosure_mode is not None:
            base["disclosure_mode"] = query.disclosure_mode.value
        if query.review_state is not None:
            if scope.is_public and query.review_state is not ReviewState.PUBLISHED:
                raise Forbidden("只有工作人员可以按审核状态筛选。")
            base["review_state"] = query.review_state.value
        published = _day_range(query.published_since, query.published_until)
        if published:
            base["published_date"] = published
        if query.modified_since is not None:
            base.update(_changed_publicly_since(query.modified_since))
        return base

    async def page(
        self,
        query: CatalogQuery,
        scope: ReadScope,
        request: PageRequest,
        *,
        fields: Collection[str] | None = None,
    ) -> Page[CatalogEntry]:
        """``fields``: see ContentService.page (a projection: the items are for display only)."""
        return await self.content.page(
            CatalogEntry, self.build_filter(query, scope), scope, request, fields=fields
        )

    async def count(self, query: CatalogQuery, scope: ReadScope) -> int:
        return await self.content.count(CatalogEntry, self.build_filter(query, scope), scope)

    async def public_term_counts(self, query: CatalogQuery, vocabulary: str) -> dict[str, int]:
        """Entries the public may read under ``query``, per topic (a sub-topic's entries count under
        its top topic too) or genre: always the public's numbers, whoever asks, kept like its other
        counts (ContentService.count_values)."""
        scope = self.content.scope()
        field = "topic_path" if vocabulary == TOPIC else "genre"
        return await self.content.count_values(CatalogEntry, self.build_filter(query, scope), scope, field)

    async def by_index_number(self, index_number: str, scope: ReadScope) -> CatalogEntry | None:
        found = await self.content.find_visible(
            CatalogEntry, {"index_number": index_number.strip()}, scope, 1
        )
        return found[0] if found else None

    async def by_document_number(self, document_number: str, scope: ReadScope) -> list[CatalogEntry]:
        return await self.content.find_visible(
            CatalogEntry, {"document_number": document_number.strip()}, scope
        )

    async def check(self, entry: CatalogEntry) -> None:
        """What an edit of an entry is checked against (cms.review.authoring)."""
        self.validate(entry)

    def validate(self, entry: CatalogEntry) -> None:
        """The rules every saved entry obeys, on creation and on each edit."""
        _text(entry.title, "title", MAX_TITLE, required=True)
        _text(entry.summary, "summary", MAX_SUMMARY)
        _text(entry.body, "body", MAX_BODY)
        _text(entry.body_html, "bodyHtml", 2 * MAX_BODY)
        if entry.document_number is not None:
            _text(entry.document_number, "documentNumber", 100)
        if len(entry.keywords) > 50 or any(len(k) > 50 for k in entry.keywords):
            raise InvalidInput("主题词最多 50 个，每个不超过 50 字。", field="keywords")
        tree = self.content.orgs.tree
        related = [entry.org_id, entry.issuing_org_id, *entry.co_issuer_ids, *entry.involves_org_ids]
        if any(o is not None and tree.get(o) is None for o in related):
            raise InvalidInput("机构不存在。", field="organization")
        if entry.org_id in entry.involves_org_ids:
            raise InvalidInput("需会签确认的机构不能是发布机构本身。", field="involvesOrganizations")
        self.vocabularies.check(TOPIC, entry.topic, "topic")
        self.vocabularies.check(GENRE, entry.genre, "genre")
        validate_disclosure(entry)  # the grounds of a non-proactive entry are checked on submission
        if entry.created_date and entry.published_date and entry.published_date < entry.created_date:
            raise InvalidInput("发布日期不能早于成文日期。", field="publishedDate")
        if (
            entry.validity is not Validity.VALID
            and entry.repeal_date is None
            and entry.validity is not Validity.AMENDED
        ):
            raise InvalidInput("废止或失效的文件须填写废止/失效日期。", field="repealDate")
        if entry.id is not None and entry.id in {*entry.amended_by_ids, *entry.repealed_by_ids}:
            raise InvalidInput("文件不能修改或废止自身。", field="successor")

    async def create_draft(
        self,
        new: NewCatalogEntry,
        *,
        created_by: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> CatalogEntry:
        entry = self.build(new, created_by=created_by)
        self.validate(entry)
        return await self.content.insert(entry, session=session)

    def build(self, new: NewCatalogEntry, *, created_by: str | None = None) -> CatalogEntry:
        """The unsaved, unchecked entry (create_draft; imports check and write many at once)."""
        return CatalogEntry(
            org_id=PydanticObjectId(new.org_id),
            title=new.title.strip(),
            description=new.description,
            language=new.language,
            creators=new.creators,
            subjects=new.keywords,
            summary=new.summary,
            document_number=new.document_number,
            issuing_org_id=PydanticObjectId(new.issuing_org_id or new.org_id),
            co_issuer_ids=[PydanticObjectId(i) for i in new.co_issuer_ids],
            involves_org_ids=[PydanticObjectId(i) for i in new.involves_org_ids],
            topic=new.topic,
            genre=new.genre,
            keywords=new.keywords,
            created_date=new.created_date,
            published_date=new.published_date,
            scope=new.scope,
            validity=new.validity,
            validity_effective_date=new.validity_effective_date,
            repeal_date=new.repeal_date,
            **(body_fields(new.body_html) if new.body_html else {"body": new.body}),
            effective=new.effective,
            created_by=created_by,
            **new.disclosure_fields(),
        )


def _day_range(since: date | None, until: date | None) -> dict[str, datetime]:
    """A filter on a stored date between two days, both included (dates are stored as midnights)."""
    since = document_date(since, "publishedSince")
    until = document_date(until, "publishedUntil")
    if since is not None and until is not None and until < since:
        raise InvalidInput("结束日期不能早于开始日期。", field="publishedUntil")
    bounds: dict[str, datetime] = {}
    if since is not None:
        bounds["$gte"] = datetime(since.year, since.month, since.day)
    if until is not None:
        bounds["$lt"] = datetime(until.year, until.month, until.day) + timedelta(days=1)
    return bounds


def _text(value: str, field: str, limit: int, *, required: bool = False) -> None:
    if required and not value.strip():
        raise InvalidInput(f"{field} 不能为空。", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} 超出长度上限（{limit} 字）。", field=field)


def _changed_publicly_since(instant: datetime) -> dict[str, Any]:
    """Items revised at or after ``instant``, or public only since then: a scheduled item's
    ``modified`` is its approval, its ``effective`` when it went public. (Under ``$and``: a read
    scope adds its own top-level ``$or``.)"""
    return {"$and": [{"$or": [{"modified": {"$gte": instant}}, {"effective": {"$gte": instant}}]}]}
