"""在线访谈 and 新闻发布会: guests, schedule, public questions and the ordered transcript (实录)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from beanie import PydanticObjectId
from bson import ObjectId

from cms.content import ContentService, Page, PageRequest
from cms.errors import InvalidInput
from cms.visibility import ReadScope
from storage.documents import Guest, Interview, InterviewKind, PublicQuestion, TranscriptTurn


@dataclass
class NewInterview:
    org_id: ObjectId
    title: str
    kind: InterviewKind = InterviewKind.INTERVIEW
    description: str = ""
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    published_date: date | None = None
    guests: list[Guest] = field(default_factory=list)
    questions: list[PublicQuestion] = field(default_factory=list)
    transcript: list[TranscriptTurn] = field(default_factory=list)


class InterviewService:
    def __init__(self, content: ContentService) -> None:
        self.content = content

    async def create_draft(self, new: NewInterview) -> Interview:
        self.content.orgs.tree.require(new.org_id)
        if not new.title.strip():
            raise InvalidInput("标题不能为空。", field="title")
        if new.scheduled_start and new.scheduled_end and new.scheduled_end < new.scheduled_start:
            raise InvalidInput("结束时间不能早于开始时间。", field="scheduledEnd")
        turns = sorted(new.transcript, key=lambda t: t.seq)
        if len({t.seq for t in turns}) != len(turns):
            raise InvalidInput("实录发言序号重复。", field="transcript")
        item = Interview(
            org_id=PydanticObjectId(new.org_id),
            title=new.title.strip(),
            description=new.description,
            kind=new.kind,
            scheduled_start=new.scheduled_start,
            scheduled_end=new.scheduled_end,
            published_date=new.published_date,
            guests=new.guests,
            questions=new.questions,
            transcript=turns,
        )
        return await self.content.insert(item)

    async def page(
        self,
        scope: ReadScope,
        request: PageRequest,
        *,
        org_id: ObjectId | None = None,
        kind: InterviewKind | None = None,
    ) -> Page[Interview]:
        base: dict[str, object] = {}
        if org_id is not None:
            base["org_id"] = org_id
        if kind is not None:
            base["kind"] = kind.value
        return await self.content.page(Interview, base, scope, request)
