"""政策解读, linked both ways to the documents they interpret."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from cms.content.disclosure import DisclosureFields, validate_disclosure
from cms.content.kinds import Kind, register
from cms.content.richtext import body_fields, sanitize
from cms.content.store import ContentService, Page, PageRequest, org_filter
from cms.content.visibility import ReadScope
from cms.errors import InvalidInput
from storage.documents import CatalogEntry, Interpretation, InterpretationKind

MAX_TITLE = 300
MAX_DESCRIPTION = 2000
MAX_BODY = 2_000_000
MAX_INTERPRETS = 20


def _sanitize_body(item: Interpretation) -> None:
    """Before each save (idempotent: a stored rich body stays as it is)."""
    item.body_html = sanitize(item.body_html)


KIND = register(
    Kind(
        cls=Interpretation,
        public_numbered=True,
        label="政策解读",
        editable=("kind", "body", "body_html", "published_date", "interprets_ids"),
        withheld=("body", "body_html"),
        derive=_sanitize_body,
        search_fields=lambda item: [("body", item.body, 1.0)],
    )
)


@dataclass
class NewInterpretation(DisclosureFields):
    org_id: ObjectId
    title: str
    kind: InterpretationKind = InterpretationKind.TEXT
    body: str = ""
    body_html: str = ""  # when given, body is its text (cms.content.richtext)
    description: str = ""
    published_date: date | None = None
    interprets_ids: list[ObjectId] = field(default_factory=list)


def validate(item: Interpretation) -> None:
    """The rules every saved interpretation obeys, on creation and on each edit."""
    if not item.title.strip():
        raise InvalidInput("标题不能为空。", field="title")
    if len(item.title) > MAX_TITLE:
        raise InvalidInput(f"标题超出长度上限（{MAX_TITLE} 字）。", field="title")
    if len(item.description) > MAX_DESCRIPTION:
        raise InvalidInput(f"简介超出长度上限（{MAX_DESCRIPTION} 字）。", field="description")
    if len(item.body) > MAX_BODY:
        raise InvalidInput(f"正文超出长度上限（{MAX_BODY} 字）。", field="body")
    if len(item.body_html) > 2 * MAX_BODY:
        raise InvalidInput(f"正文超出长度上限（{2 * MAX_BODY} 字符）。", field="bodyHtml")
    if len(item.interprets_ids) > MAX_INTERPRETS:
        raise InvalidInput(f"最多关联 {MAX_INTERPRETS} 个所解读的文件。", field="interprets")
    if len(set(item.interprets_ids)) != len(item.interprets_ids):
        raise InvalidInput("所解读的文件重复。", field="interprets")
    validate_disclosure(item)


class InterpretationService:
    def __init__(self, content: ContentService) -> None:
        self.content = content

    async def create_draft(
        self,
        new: NewInterpretation,
        *,
        created_by: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> Interpretation:
        self.content.orgs.tree.require(new.org_id)
        if not new.title.strip():
            raise InvalidInput("标题不能为空。", field="title")
        if new.interprets_ids:
            found = await CatalogEntry.find({"_id": {"$in": list(new.interprets_ids)}}).count()
            if found != len(set(new.interprets_ids)):
                raise InvalidInput("所解读的文件不存在。", field="interprets")
        item = Interpretation(
            org_id=PydanticObjectId(new.org_id),
            title=new.title.strip(),
            description=new.description,
            kind=new.kind,
            **(body_fields(new.body_html) if new.body_html else {"body": new.body}),
            published_date=new.published_date,
            interprets_ids=[PydanticObjectId(i) for i in new.interprets_ids],
            created_by=created_by,
            **new.disclosure_fields(),
        )
        validate(item)
        return await self.content.insert(item, session=session)

    async def check(self, item: Interpretation) -> None:
        """What an edit of an interpretation is checked against (cms.review.authoring)."""
        validate(item)

    async def of_entry(self, entry_id: ObjectId, scope: ReadScope) -> list[Interpretation]:
        return await self.content.find_visible(Interpretation, {"interprets_ids": entry_id}, scope)

    async def page(
        self,
        scope: ReadScope,
        request: PageRequest,
        *,
        org_id: ObjectId | None = None,
        include_subtree: bool = False,
    ) -> Page[Interpretation]:
        return await self.content.page(Interpretation, org_filter(org_id, include_subtree), scope, request)
