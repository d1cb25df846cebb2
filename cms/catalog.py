"""公开目录: creating catalog entries and querying the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from cms.content import ContentService, Page, PageRequest
from cms.errors import Forbidden, InvalidInput
from cms.visibility import ReadScope
from cms.vocabularies import GENRE, TOPIC, VocabularyService
from storage.documents import CatalogEntry, DisclosureMode, ReviewState, Validity

MAX_TITLE = 300
MAX_SUMMARY = 2000
MAX_BODY = 2_000_000


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


@dataclass
class NewCatalogEntry:
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
    disclosure_mode: DisclosureMode = DisclosureMode.PROACTIVE
    non_disclosure_reason: str = ""
    legal_basis: str = ""
    scope: str = "面向社会"
    validity: Validity = Validity.VALID
    validity_effective_date: date | None = None
    repeal_date: date | None = None
    body: str = ""
    description: str = ""
    creators: list[str] = field(default_factory=list)
    language: str = "zh-CN"


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
        return base

    async def page(self, query: CatalogQuery, scope: ReadScope, request: PageRequest) -> Page[CatalogEntry]:
        return await self.content.page(CatalogEntry, self.build_filter(query, scope), scope, request)

    async def count(self, query: CatalogQuery, scope: ReadScope) -> int:
        return await self.content.count(CatalogEntry, self.build_filter(query, scope), scope)

    async def by_index_number(self, index_number: str, scope: ReadScope) -> CatalogEntry | None:
        found = await self.content.find_visible(
            CatalogEntry, {"index_number": index_number.strip()}, scope, 1
        )
        return found[0] if found else None

    async def by_document_number(self, document_number: str, scope: ReadScope) -> list[CatalogEntry]:
        return await self.content.find_visible(
            CatalogEntry, {"document_number": document_number.strip()}, scope
        )

    def validate(self, new: NewCatalogEntry) -> None:
        _text(new.title, "title", MAX_TITLE, required=True)
        _text(new.summary, "summary", MAX_SUMMARY)
        _text(new.body, "body", MAX_BODY)
        if new.document_number is not None:
            _text(new.document_number, "documentNumber", 100)
        tree = self.content.orgs.tree
        for org_id in [new.org_id, new.issuing_org_id, *new.co_issuer_ids]:
            if org_id is not None and tree.get(org_id) is None:
                raise InvalidInput("机构不存在。", field="organization")
        self.vocabularies.check(TOPIC, new.topic, "topic")
        self.vocabularies.check(GENRE, new.genre, "genre")
        if new.disclosure_mode is not DisclosureMode.PROACTIVE and not new.non_disclosure_reason.strip():
            raise InvalidInput("非主动公开的信息必须说明理由和依据。", field="nonDisclosureReason")
        if new.created_date and new.published_date and new.published_date < new.created_date:
            raise InvalidInput("发布日期不能早于成文日期。", field="publishedDate")

    async def create_draft(self, new: NewCatalogEntry) -> CatalogEntry:
        self.validate(new)
        entry = CatalogEntry(
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
            topic=new.topic,
            genre=new.genre,
            keywords=new.keywords,
            created_date=new.created_date,
            published_date=new.published_date,
            disclosure_mode=new.disclosure_mode,
            non_disclosure_reason=new.non_disclosure_reason,
            legal_basis=new.legal_basis,
            scope=new.scope,
            validity=new.validity,
            validity_effective_date=new.validity_effective_date,
            repeal_date=new.repeal_date,
            body=new.body,
        )
        return await self.content.insert(entry)


def _text(value: str, field: str, limit: int, *, required: bool = False) -> None:
    if required and not value.strip():
        raise InvalidInput(f"{field} 不能为空。", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} 超出长度上限（{limit} 字）。", field=field)
