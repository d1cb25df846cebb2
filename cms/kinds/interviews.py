"""在线访谈 and 新闻发布会: guests, schedule, public questions and the ordered transcript (实录)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from cms.admin.organizations import OrgTree
from cms.content.disclosure import DisclosureFields, validate_disclosure
from cms.content.kinds import FieldText, Kind, register
from cms.content.store import ContentService, Page, PageRequest, org_filter
from cms.content.visibility import ReadScope
from cms.errors import InvalidInput
from storage.documents import (
    EventKind,
    Guest,
    Interview,
    InterviewKind,
    Leader,
    PublicQuestion,
    TranscriptTurn,
    at_midnight,
)

MAX_TITLE = 300
MAX_DESCRIPTION = 5000
MAX_GUESTS = 50
MAX_LEADERS = 50
MAX_QUESTIONS = 500
MAX_TURNS = 3000
MAX_NAME = 100
MAX_PLACE = 200
MAX_TEXT = 20_000
SPEAKER_ROLES = frozenset({"host", "guest"})  # 主持人, 嘉宾
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
# The event kind an item gets when none is given: what its presentation kind already says.
DEFAULT_EVENT_KIND = {
    InterviewKind.INTERVIEW: EventKind.ONLINE_INTERVIEW,
    InterviewKind.PRESS_CONFERENCE: EventKind.PRESS_CONFERENCE,
}


def default_event_date(scheduled_start: datetime | None, published_date: date | None) -> date | None:
    """The day an event was held when staff did not say: its start as a Beijing day, else the day
    its record was published."""
    if scheduled_start is not None:
        start = scheduled_start if scheduled_start.tzinfo else scheduled_start.replace(tzinfo=UTC)
        return start.astimezone(SHANGHAI).date()
    return published_date


@dataclass
class NewInterview(DisclosureFields):
    org_id: ObjectId
    title: str
    kind: InterviewKind = InterviewKind.INTERVIEW
    description: str = ""
    place: str = ""
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    published_date: date | None = None
    guests: list[Guest] = field(default_factory=list)
    questions: list[PublicQuestion] = field(default_factory=list)
    transcript: list[TranscriptTurn] = field(default_factory=list)
    event_kind: EventKind | None = None  # None: from ``kind``
    event_date: date | None = None  # None: from the start, else the publication date
    leaders: list[Leader] = field(default_factory=list)


@dataclass
class NewQuestion:
    text: str
    asker: str = ""
    answer: str | None = None
    answered_live: bool = False
    id: ObjectId | None = None  # a question of the interview being edited: it keeps its id


def build_questions(
    inputs: Sequence[NewQuestion], existing: Sequence[PublicQuestion]
) -> list[PublicQuestion]:
    """The questions in the order given. A question passed back with its id keeps it (answers given
    later, links and anchors follow it); one without an id is new. Ids of other interviews' questions
    are refused, so an id names one question."""
    if len(inputs) > MAX_QUESTIONS:
        raise InvalidInput(f"网友提问最多 {MAX_QUESTIONS} 条。", field="questions")
    known = {q.id for q in existing}
    seen: set[ObjectId] = set()
    questions: list[PublicQuestion] = []
    for i, new in enumerate(inputs):
        if new.id is not None and (new.id not in known or new.id in seen):
            raise InvalidInput("提问 ID 不属于本访谈或重复出现。", field=f"questions.{i}.id")
        question = PublicQuestion(
            asker=new.asker, text=new.text, answer=new.answer, answered_live=new.answered_live
        )
        if new.id is not None:
            seen.add(new.id)
            question.id = PydanticObjectId(new.id)
        questions.append(question)
    return questions


def numbered(turns: Sequence[TranscriptTurn]) -> list[TranscriptTurn]:
    """The transcript in the order given, numbered from 0: the list order is the speaking order."""
    return [turn.model_copy(update={"seq": i}) for i, turn in enumerate(turns)]


def validate(item: Interview, tree: OrgTree) -> None:
    """The rules every saved interview obeys, on creation and on each edit."""
    _text(item.title, "title", "标题", MAX_TITLE, required=True)
    _text(item.description, "description", "简介", MAX_DESCRIPTION)
    _text(item.place, "place", "地点", MAX_PLACE)
    if item.scheduled_start and item.scheduled_end and item.scheduled_end < item.scheduled_start:
        raise InvalidInput("结束时间不能早于开始时间。", field="scheduledEnd")
    if len(item.guests) > MAX_GUESTS:
        raise InvalidInput(f"嘉宾最多 {MAX_GUESTS} 位。", field="guests")
    for i, guest in enumerate(item.guests):
        _text(guest.name, f"guests.{i}.name", "嘉宾姓名", MAX_NAME, required=True)
        _text(guest.title, f"guests.{i}.title", "嘉宾职务", MAX_NAME * 2)
        if guest.org_id is not None and tree.get(guest.org_id) is None:
            raise InvalidInput("机构不存在。", field=f"guests.{i}.organization")
    _leaders(item.leaders, tree)
    if len(item.questions) > MAX_QUESTIONS:
        raise InvalidInput(f"网友提问最多 {MAX_QUESTIONS} 条。", field="questions")
    for i, question in enumerate(item.questions):
        _text(question.asker, f"questions.{i}.asker", "提问人", MAX_NAME)
        _text(question.text, f"questions.{i}.text", "提问内容", MAX_TEXT, required=True)
        _text(question.answer or "", f"questions.{i}.answer", "答复", MAX_TEXT)
    if len(item.transcript) > MAX_TURNS:
        raise InvalidInput(f"实录最多 {MAX_TURNS} 段发言。", field="transcript")
    if len({t.seq for t in item.transcript}) != len(item.transcript):
        raise InvalidInput("实录发言序号重复。", field="transcript")
    for i, turn in enumerate(sorted(item.transcript, key=lambda t: t.seq)):
        _text(turn.speaker, f"transcript.{i}.speaker", "发言人", MAX_NAME, required=True)
        _text(turn.text, f"transcript.{i}.text", "发言内容", MAX_TEXT, required=True)
        if turn.role not in SPEAKER_ROLES:
            raise InvalidInput("发言人身份应为主持人（host）或嘉宾（guest）。", field=f"transcript.{i}.role")
    validate_disclosure(item)


def _leaders(leaders: Sequence[Leader], tree: OrgTree) -> None:
    if len(leaders) > MAX_LEADERS:
        raise InvalidInput(f"出席领导最多 {MAX_LEADERS} 位。", field="leaders")
    for i, leader in enumerate(leaders):
        _text(leader.name, f"leaders.{i}.name", "领导姓名", MAX_NAME, required=True)
        _text(leader.post, f"leaders.{i}.post", "领导职务", MAX_NAME * 2)
        if leader.org_id is not None and tree.get(leader.org_id) is None:
            raise InvalidInput("机构不存在。", field=f"leaders.{i}.organization")


def search_fields(item: Interview) -> list[FieldText]:
    """The transcript in speaking order, then each question and its answer."""
    out: list[FieldText] = [("transcript", t.text, 1.0) for t in sorted(item.transcript, key=lambda t: t.seq)]
    for question in item.questions:
        out.append(("question", question.text, 1.0))
        if question.answer:
            out.append(("answer", question.answer, 1.0))
    return out


def snippet_texts(item: Interview) -> list[str]:
    """A hit's snippet names who spoke: 「speaker：text」 rather than the bare text that is indexed."""
    turns = [f"{t.speaker}：{t.text}" for t in sorted(item.transcript, key=lambda t: t.seq)]
    questions: list[str] = []
    for question in item.questions:
        questions.append(question.text)
        if question.answer:
            questions.append(question.answer)
    return [item.title, item.description, *turns, *questions, item.attachment_text]


KIND = register(
    Kind(
        cls=Interview,
        public_numbered=True,
        label="在线访谈",
        editable=(
            "kind",
            "place",
            "scheduled_start",
            "scheduled_end",
            "published_date",
            "guests",
            "questions",
            "transcript",
            "event_kind",
            "event_date",
            "leaders",
        ),
        withheld=("transcript", "questions"),
        search_fields=search_fields,
        snippet_texts=snippet_texts,
    )
)


def _text(value: str, field: str, name: str, limit: int, *, required: bool = False) -> None:
    if required and not value.strip():
        raise InvalidInput(f"{name}不能为空。", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{name}超出长度上限（{limit} 字）。", field=field)


class InterviewService:
    def __init__(self, content: ContentService) -> None:
        self.content = content

    async def create_draft(
        self,
        new: NewInterview,
        *,
        created_by: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> Interview:
        self.content.orgs.tree.require(new.org_id)
        turns = sorted(new.transcript, key=lambda t: t.seq)
        item = Interview(
            org_id=PydanticObjectId(new.org_id),
            title=new.title.strip(),
            description=new.description,
            kind=new.kind,
            place=new.place.strip(),
            scheduled_start=new.scheduled_start,
            scheduled_end=new.scheduled_end,
            published_date=new.published_date,
            guests=new.guests,
            questions=new.questions,
            transcript=turns,
            event_kind=new.event_kind or DEFAULT_EVENT_KIND[new.kind],
            event_date=new.event_date or default_event_date(new.scheduled_start, new.published_date),
            leaders=new.leaders,
            created_by=created_by,
            **new.disclosure_fields(),
        )
        validate(item, self.content.orgs.tree)
        return await self.content.insert(item, session=session)

    async def check(self, item: Interview) -> None:
        """What an edit of an interview is checked against (cms.review.authoring)."""
        validate(item, self.content.orgs.tree)

    async def page(
        self,
        scope: ReadScope,
        request: PageRequest,
        *,
        org_id: ObjectId | None = None,
        kind: InterviewKind | None = None,
        events: EventFilter | None = None,
        include_subtree: bool = False,
    ) -> Page[Interview]:
        base = interview_filter(org_id, kind, events, include_subtree=include_subtree)
        return await self.content.page(Interview, base, scope, request)


@dataclass(frozen=True)
class EventFilter:
    """The public lists' event filters: its kind, and the days it was held (both ends included)."""

    event_kind: EventKind | None = None
    held_from: date | None = None
    held_to: date | None = None


def interview_filter(
    org_id: ObjectId | None,
    kind: InterviewKind | None,
    events: EventFilter | None,
    *,
    include_subtree: bool = False,
) -> dict[str, object]:
    base: dict[str, object] = org_filter(org_id, include_subtree)
    if kind is not None:
        base["kind"] = kind.value
    if events is None:
        return base
    if events.event_kind is not None:
        base["event_kind"] = events.event_kind.value
    if events.held_from and events.held_to and events.held_to < events.held_from:
        raise InvalidInput("结束日期不能早于开始日期。", field="heldTo")
    held: dict[str, datetime] = {}
    if events.held_from is not None:
        held["$gte"] = at_midnight(events.held_from)
    if events.held_to is not None:
        held["$lte"] = at_midnight(events.held_to)
    if held:
        base["event_date"] = held
    return base


async def settle_event_fields() -> int:
    """Migration: items stored before events had a kind and a date get them as a new item would
    (``DEFAULT_EVENT_KIND``, ``default_event_date``); leaders stay empty, for staff to fill in. Only
    items without an event kind are read, so running it again after a partial run is safe."""
    collection = Interview.get_pymongo_collection()
    changed = 0
    async for doc in collection.find({"event_kind": {"$exists": False}}):
        kind = InterviewKind(doc.get("kind") or InterviewKind.INTERVIEW.value)
        published = doc.get("published_date")
        held = default_event_date(doc.get("scheduled_start"), published.date() if published else None)
        update: dict[str, object] = {"event_kind": DEFAULT_EVENT_KIND[kind].value, "leaders": []}
        if held is not None:
            update["event_date"] = at_midnight(held)
        await collection.update_one({"_id": doc["_id"], "event_kind": {"$exists": False}}, {"$set": update})
        changed += 1
    return changed
