"""Beanie documents: what is stored in MongoDB and which indexes serve the API's queries.

Relations are plain ObjectIds, never Beanie ``Link``s: the embedded server does not resolve DBRef
lookups, and the GraphQL layer batches relation loads with dataloaders anyway.
Hot queries are sent as plain field-equality dicts (see ``storage.queries``) because an ``$and`` filter
becomes a collection scan on the embedded server.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
GAZETTE_NUMBER_INDEX = "gazette_number_live"
# Indexes replaced by others; dropped at start-up so that old databases do not keep enforcing them.
# Search tokens moved from the items to storage.search.SearchEntry: their multikey index goes too.
OBSOLETE_INDEXES: dict[str, list[str]] = {
    "catalog_entries": ["search_tokens_1"],
    "gazette_issues": [
        "org_id_1_year_1_number_1",  # unique over working copies too: broke checkout
        "search_tokens_1",
    ],
    "interpretations": ["search_tokens_1"],
    "interviews": ["search_tokens_1"],
    # The search index's token index gained sort_day (storage.search.SearchEntry): rebuilt once.
    "search_entries": ["tokens_1", "tokens_1_sort_key_-1"],
}
# Fields earlier versions stored on content items (now on storage.search.SearchEntry); removed by the
# search service's upkeep.
OBSOLETE_CONTENT_FIELDS = ("search_tokens", "search_weights")


def utcnow() -> datetime:
    return datetime.now(UTC)


def instant_of(sort_key: str) -> datetime | None:
    """The instant a ``sort_key`` starts with (None: not a key this version wrote)."""
    try:
        instant = datetime.fromisoformat(sort_key.split("|", 1)[0])
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def day_of(sort_key: str) -> int:
    """The UTC day (since 1970-01-01) a ``sort_key`` starts on, 0 when it has none: monotonic in
    ``sort_key`` order, a small index key (storage.search.SearchEntry.sort_day)."""
    instant = instant_of(sort_key)
    return max(0, (instant - _EPOCH).days) if instant is not None else 0


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def at_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class ReviewState(enum.StrEnum):
    DRAFT = "draft"
    PENDING_FIRST_REVIEW = "pending_first_review"  # 待初审
    PENDING_DEPARTMENT_REVIEW = "pending_department_review"  # 待审核
    PENDING_UNIT_APPROVAL = "pending_unit_approval"  # 待审发
    PENDING_REVIEW = "pending_review"  # at a tier added by configuration (see pending_tier)
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Validity(enum.StrEnum):
    VALID = "valid"  # 有效
    AMENDED = "amended"  # 已修改
    REPEALED = "repealed"  # 废止
    EXPIRED = "expired"  # 失效


class DisclosureMode(enum.StrEnum):
    PROACTIVE = "proactive"  # 主动公开
    ON_REQUEST = "on_request"  # 依申请公开
    NOT_DISCLOSED = "not_disclosed"  # 不予公开


class OrgLevel(enum.StrEnum):
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    COUNTY = "county"


class OrgKind(enum.StrEnum):
    GOVERNMENT = "government"
    DEPARTMENT = "department"


class Organization(Document):
    key: str  # stable ascii slug, used in paths
    name: str
    short_name: str = ""
    code: str  # 统一社会信用代码 or 机构代码, used in index numbers
    parent_id: PydanticObjectId | None = None
    ancestors: list[PydanticObjectId] = Field(default_factory=list)  # root first, excluding self
    level: OrgLevel = OrgLevel.PROVINCE
    kind: OrgKind = OrgKind.GOVERNMENT
    index_template: str = "{code}/{year}-{seq:05d}"
    doc_prefix: str = ""
    sort_order: int = 0
    review_chain: list[TierSpec] | None = None  # None: inherit from the parent, else the default chain
    separation_of_duties: bool = True
    created: datetime = Field(default_factory=utcnow)
    modified: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "organizations"
        indexes = [
            IndexModel([("key", ASCENDING)], unique=True),
            IndexModel([("code", ASCENDING)], unique=True),
            IndexModel([("parent_id", ASCENDING)]),
            IndexModel([("ancestors", ASCENDING)]),
        ]


class TierSpec(BaseModel):
    """One tier of a review chain, as data: which permission acts there and what it is called."""

    key: str
    label: str
    permission: str  # an authz Permission value, e.g. "review.secrecy"
    author_may_act: bool = False  # 承办人初审 is the handling officer's own check of the draft


class VocabularyTerm(Document):
    vocabulary: str  # "topic" | "genre"
    value: str  # stored on content: e.g. "综合政务\\政务公开"
    label: str
    parent: str | None = None
    sort_order: int = 0

    class Settings:
        name = "vocabulary_terms"
        indexes = [
            IndexModel([("vocabulary", ASCENDING), ("value", ASCENDING)], unique=True),
            IndexModel([("vocabulary", ASCENDING), ("sort_order", ASCENDING)]),
        ]


class TierAct(BaseModel):
    tier: str
    actor_id: str
    at: datetime


class Confirmation(BaseModel):
    org_id: PydanticObjectId
    actor_id: str
    at: datetime
    opinion: str = ""


class ContentDocument(Document):
    """Plone-style common metadata shared by every content type (Dublin Core plus workflow)."""

    org_id: PydanticObjectId
    org_path: list[PydanticObjectId] = Field(default_factory=list)  # the org's ancestors and itself
    path: str = ""
    title: str
    description: str = ""
    language: str = "zh-CN"
    subjects: list[str] = Field(default_factory=list)
    creators: list[str] = Field(default_factory=list)
    created: datetime = Field(default_factory=utcnow)
    modified: datetime = Field(default_factory=utcnow)
    effective: datetime | None = None  # publish-at; public once reached
    expires: datetime | None = None  # Plone semantics: hidden from the public after this instant
    review_state: ReviewState = ReviewState.DRAFT
    version: int = 1
    published_at: datetime | None = None  # first publication
    # Workflow (see cms.review.workflow):
    created_by: str | None = None  # user id of the author (承办人)
    pending_tier: str | None = None
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    cycle: list[TierAct] = Field(default_factory=list)  # who acted at which tier since the last submit
    involves_org_ids: list[PydanticObjectId] = Field(default_factory=list)  # must confirm before issue
    confirmations: list[Confirmation] = Field(default_factory=list)
    working_copy_of: PydanticObjectId | None = None  # set on a checked-out working copy
    # 公开方式, on every kind (cms.content.visibility): 主动公开 public in full; 依申请公开 listed with its
    # catalog metadata, its content only for staff; 不予公开 never public.
    disclosure_mode: DisclosureMode = DisclosureMode.PROACTIVE
    non_disclosure_reason: str = ""  # why not proactive (不予公开理由)
    legal_basis: str = ""  # 条例 第十四、十五、十六条 …
    # Derived on every save (cms.content.store.stamp), never set by hand:
    # "<ISO sort instant>|<id>" gives one total order for keyset paging on one indexed field;
    public_until: datetime = FAR_FUTURE  # expires, or far future: keeps the public filter free of $or
    sort_key: str = ""
    # The extracted text of the ready attachments, kept here by the search service (cms.search.service) so
    # that every later write indexes it with the item's own fields. The index itself lives in
    # storage.search.SearchEntry.
    attachment_text: str = ""
    # The public number of a kind whose public key is not a field of its own (interpretations,
    # interviews): drawn once, at first publication, and never changed (cms.content.kinds.Kind.public_key).
    public_number: int | None = None

    def sort_instant(self) -> datetime:
        return self.published_at or self.created


def _content_indexes(*extra: IndexModel) -> list[IndexModel]:
    return [
        IndexModel([("review_state", ASCENDING), ("sort_key", DESCENDING)]),
        # Windowed public reads (cms.content.store.ContentService.page) lead their filter with a sort_key
        # range. Ascending: on a descending index SecantusDB 0.7.0b3 skips the keys that a range's
        # lower bound is a prefix of (measured).
        IndexModel([("sort_key", ASCENDING)]),
        IndexModel([("review_state", ASCENDING), ("org_id", ASCENDING), ("submitted_at", ASCENDING)]),
        IndexModel([("working_copy_of", ASCENDING)]),
        IndexModel([("org_path", ASCENDING), ("sort_key", DESCENDING)]),
        IndexModel([("org_id", ASCENDING), ("sort_key", DESCENDING)]),
        *extra,
    ]


class CatalogEntry(ContentDocument):
    """公开目录条目: the statutory record of one piece of government information."""

    index_number: str | None = None  # 索引号: assigned once, never changed after publication
    summary: str = ""  # 内容概述
    document_number: str | None = None  # 发文字号, e.g. 云政办发〔2013〕115号
    issuing_org_id: PydanticObjectId | None = None  # 发布机构
    co_issuer_ids: list[PydanticObjectId] = Field(default_factory=list)  # 联合发文机关
    topic: str | None = None  # 主题分类, "一级\\二级"
    genre: str | None = None  # 体裁
    keywords: list[str] = Field(default_factory=list)  # 主题词
    created_date: date | None = None  # 生成/成文日期
    published_date: date | None = None  # 发布日期
    year: int | None = None  # of created_date; a filter
    scope: str = "面向社会"  # 公开范围
    validity: Validity = Validity.VALID
    validity_effective_date: date | None = None  # 施行日期
    repeal_date: date | None = None  # 废止/失效日期
    amended_by_ids: list[PydanticObjectId] = Field(default_factory=list)
    repealed_by_ids: list[PydanticObjectId] = Field(default_factory=list)
    body: str = ""
    body_html: str = ""  # sanitized rich body (cms.content.richtext); empty: body is plain text
    topic_path: list[str] = Field(default_factory=list)  # derived: ["一级", "一级\\二级"] for filtering

    def sort_instant(self) -> datetime:
        day = self.published_date or self.created_date
        return at_midnight(day) if day else super().sort_instant()

    class Settings:
        name = "catalog_entries"
        indexes = _content_indexes(
            IndexModel([("index_number", ASCENDING)]),
            IndexModel([("document_number", ASCENDING)]),
            IndexModel([("amended_by_ids", ASCENDING)]),
            IndexModel([("repealed_by_ids", ASCENDING)]),
            IndexModel([("topic_path", ASCENDING), ("sort_key", DESCENDING)]),
            IndexModel([("genre", ASCENDING), ("sort_key", DESCENDING)]),
            IndexModel([("year", ASCENDING), ("sort_key", DESCENDING)]),
        )


class GazetteArticle(BaseModel):
    id: PydanticObjectId = Field(default_factory=PydanticObjectId)
    order: int = 0
    section: str = ""  # 栏目: 省政府文件, 人事任免 …
    title: str
    document_number: str | None = None
    body: str = ""
    body_html: str = ""  # sanitized rich body (cms.content.richtext); empty: body is plain text
    catalog_entry_id: PydanticObjectId | None = None


class GazetteIssue(ContentDocument):
    """政府公报: one numbered issue; its articles are reviewed and published with it."""

    year: int
    number: int
    total_number: int | None = None  # 总期号
    publication_date: date | None = None
    articles: list[GazetteArticle] = Field(default_factory=list)

    def sort_instant(self) -> datetime:
        return at_midnight(self.publication_date) if self.publication_date else super().sort_instant()

    class Settings:
        name = "gazette_issues"
        indexes = _content_indexes(
            # One live issue per (organization, year, number); a working copy repeats its live issue's
            # number, so copies are outside the unique index.
            IndexModel(
                [("org_id", ASCENDING), ("year", ASCENDING), ("number", ASCENDING)],
                name=GAZETTE_NUMBER_INDEX,
                unique=True,
                partialFilterExpression={"working_copy_of": {"$type": "null"}},
            ),
            IndexModel([("articles.id", ASCENDING)]),
            IndexModel([("articles.catalog_entry_id", ASCENDING)]),
        )


class InterpretationKind(enum.StrEnum):
    TEXT = "text"
    GRAPHIC = "graphic"
    AUDIO = "audio"
    VIDEO = "video"


class Interpretation(ContentDocument):
    """政策解读, linked to the documents it interprets (三同步: reviewed and published with them)."""

    kind: InterpretationKind = InterpretationKind.TEXT
    body: str = ""
    body_html: str = ""  # sanitized rich body (cms.content.richtext); empty: body is plain text
    published_date: date | None = None
    interprets_ids: list[PydanticObjectId] = Field(default_factory=list)

    def sort_instant(self) -> datetime:
        return at_midnight(self.published_date) if self.published_date else super().sort_instant()

    class Settings:
        name = "interpretations"
        indexes = _content_indexes(IndexModel([("interprets_ids", ASCENDING)]))


class InterviewKind(enum.StrEnum):
    INTERVIEW = "interview"  # 在线访谈
    PRESS_CONFERENCE = "press_conference"  # 新闻发布会


class EventKind(enum.StrEnum):
    """The form of a 政务发布 event, as the seed lists them (section 一) and the quotas count them."""

    PRESS_CONFERENCE = "press_conference"  # 新闻发布会
    PRESS_BRIEFING = "press_briefing"  # 新闻通气会
    ONLINE_INTERVIEW = "online_interview"  # 在线访谈
    PRESS_QA = "press_qa"  # 答记者问
    OTHER = "other"  # 其他 (组织记者采访, 网上新闻发布 …)


class LeaderLevel(enum.StrEnum):
    """Which leader of an organization took part: the seed's quotas name 主要负责人."""

    PRINCIPAL = "principal"  # 主要负责人
    DEPUTY = "deputy"  # 分管（其他）负责人
    SPOKESPERSON = "spokesperson"  # 新闻发言人
    OTHER = "other"  # 其他


class Leader(BaseModel):
    """A leader who took part in an event; ``org_id`` None: of the organization holding it."""

    name: str
    post: str = ""  # 职务
    level: LeaderLevel = LeaderLevel.OTHER
    org_id: PydanticObjectId | None = None


class Guest(BaseModel):
    name: str
    title: str = ""
    org_id: PydanticObjectId | None = None


class PublicQuestion(BaseModel):
    id: PydanticObjectId = Field(default_factory=PydanticObjectId)
    asker: str = ""
    text: str
    answer: str | None = None
    answered_live: bool = False


class TranscriptTurn(BaseModel):
    seq: int
    speaker: str
    role: str = "guest"  # host | guest
    text: str
    time: datetime | None = None


class Interview(ContentDocument):
    kind: InterviewKind = InterviewKind.INTERVIEW
    place: str = ""  # 地点: a venue, or the portal an online interview runs on
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    published_date: date | None = None
    guests: list[Guest] = Field(default_factory=list)
    questions: list[PublicQuestion] = Field(default_factory=list)
    transcript: list[TranscriptTurn] = Field(default_factory=list)
    event_kind: EventKind = EventKind.ONLINE_INTERVIEW  # set from ``kind`` when not given
    event_date: date | None = None  # the day it was held (Beijing); the quotas count by it
    leaders: list[Leader] = Field(default_factory=list)

    def sort_instant(self) -> datetime:
        if self.published_date:
            return at_midnight(self.published_date)
        return self.scheduled_start or super().sort_instant()

    class Settings:
        name = "interviews"
        indexes = _content_indexes(IndexModel([("org_id", ASCENDING), ("event_date", ASCENDING)]))


class ContentVersion(Document):
    """One saved state of an item's editable fields (every save is a version)."""

    item_id: PydanticObjectId
    item_type: str
    version: int
    data: dict[str, Any]
    saved_by: str | None = None
    saved_at: datetime = Field(default_factory=utcnow)
    note: str = ""

    class Settings:
        name = "content_versions"
        indexes = [IndexModel([("item_id", ASCENDING), ("version", ASCENDING)], unique=True)]


class Counter(Document):
    """Atomic sequences (one per organization, index-number scope and period)."""

    scope: str
    value: int = 0

    class Settings:
        name = "counters"
        indexes = [IndexModel([("scope", ASCENDING)], unique=True)]


class IndexNumberRecord(Document):
    """The register of assigned index numbers: the unique index is the final guard against duplicates."""

    number: str
    org_id: PydanticObjectId
    item_id: PydanticObjectId
    assigned_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "index_numbers"
        indexes = [
            IndexModel([("number", ASCENDING)], unique=True),
            IndexModel([("item_id", ASCENDING)], unique=True),
        ]


CONTENT_TYPES: dict[str, type[ContentDocument]] = {
    "CatalogEntry": CatalogEntry,
    "GazetteIssue": GazetteIssue,
    "Interpretation": Interpretation,
    "Interview": Interview,
}

ALL_DOCUMENTS: list[type[Document]] = [
    Organization,
    ContentVersion,
    VocabularyTerm,
    Counter,
    IndexNumberRecord,
    *CONTENT_TYPES.values(),
]
