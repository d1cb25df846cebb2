"""Mutations of 在线访谈 and 新闻发布会: drafts and their edits (review goes through ``transition``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from cms import model
from cms.content.ids import expect_global_id
from cms.errors import InvalidInput
from cms.kinds.interviews import (
    MAX_GUESTS,
    MAX_LEADERS,
    MAX_QUESTIONS,
    MAX_TURNS,
    NewInterview,
    NewQuestion,
    numbered,
)
from schema import types as t
from schema.context import Info
from schema.inputs import (
    DisclosureInput,
    as_json,
    blank_nulls,
    check_schedule,
    disclosure_changes,
    disclosure_of,
    refuse_nulls,
    sent,
)
from schema.staff import principal


@strawberry.input(description="访谈嘉宾")
class GuestInput:
    name: str
    title: str = strawberry.field(default="", description="职务")
    organization: strawberry.ID | None = strawberry.field(default=None, description="所在机构")


@strawberry.input(description="出席的领导")
class LeaderInput:
    name: str
    post: str = strawberry.field(default="", description="职务")
    level: model.LeaderLevel = strawberry.field(default=model.LeaderLevel.OTHER, description="层级")
    organization: strawberry.ID | None = strawberry.field(
        default=None, description="所在机构；不填即举办机构（部门负责人出席政府发布会时填其部门）"
    )


@strawberry.input(description="网友提问")
class PublicQuestionInput:
    text: str
    id: strawberry.ID | None = strawberry.field(
        default=None, description="已有提问的 ID：带回则保持不变（答复、链接稳定）；新提问不填"
    )
    asker: str = ""
    answer: str | None = strawberry.field(default=None, description="答复；访谈后答复的也填在这里")
    answered_live: bool = strawberry.field(default=False, description="是否在访谈中当场答复")


@strawberry.input(description="实录中的一段发言；发言顺序即列表顺序")
class TranscriptTurnInput:
    speaker: str
    text: str
    role: str = strawberry.field(default="guest", description="host（主持人）或 guest（嘉宾）")
    time: datetime | None = None


@strawberry.input(description="在线访谈或新闻发布会的字段；新建时须填机构和标题，修改时只传要改的字段")
class InterviewInput(DisclosureInput):
    organization: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="仅新建时")
    title: str | None = strawberry.UNSET
    kind: model.InterviewKind | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    place: str | None = strawberry.field(default=strawberry.UNSET, description="地点")
    scheduled_start: datetime | None = strawberry.field(default=strawberry.UNSET, description="开始时间")
    scheduled_end: datetime | None = strawberry.field(default=strawberry.UNSET, description="结束时间")
    published_date: date | None = strawberry.UNSET
    guests: list[GuestInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"全部嘉宾（最多 {MAX_GUESTS} 位）"
    )
    questions: list[PublicQuestionInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"全部网友提问（最多 {MAX_QUESTIONS} 条）"
    )
    transcript: list[TranscriptTurnInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"全部实录，按发言顺序（最多 {MAX_TURNS} 段）"
    )
    event_kind: model.EventKind | None = strawberry.field(
        default=strawberry.UNSET, description="发布活动类型；新建时不填按 kind 取新闻发布会或在线访谈"
    )
    event_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="举办日期；新建时不填取开始时间（北京时间）的日期"
    )
    leaders: list[LeaderInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"全部出席领导（最多 {MAX_LEADERS} 位）"
    )


def _guests(inputs: list[GuestInput]) -> list[model.Guest]:
    if len(inputs) > MAX_GUESTS:
        raise InvalidInput(f"嘉宾最多 {MAX_GUESTS} 位。", field="guests")
    return [
        model.Guest(
            name=g.name.strip(),
            title=g.title.strip(),
            org_id=expect_global_id(g.organization, "Organization") if g.organization else None,
        )
        for g in inputs
    ]


def _leaders(inputs: list[LeaderInput]) -> list[model.Leader]:
    if len(inputs) > MAX_LEADERS:
        raise InvalidInput(f"出席领导最多 {MAX_LEADERS} 位。", field="leaders")
    return [
        model.Leader(
            name=x.name.strip(),
            post=x.post.strip(),
            level=x.level,
            org_id=expect_global_id(x.organization, "Organization") if x.organization else None,
        )
        for x in inputs
    ]


def _questions(inputs: list[PublicQuestionInput]) -> list[NewQuestion]:
    if len(inputs) > MAX_QUESTIONS:
        raise InvalidInput(f"网友提问最多 {MAX_QUESTIONS} 条。", field="questions")
    return [
        NewQuestion(
            id=expect_global_id(q.id, "PublicQuestion") if q.id else None,
            asker=q.asker.strip(),
            text=q.text.strip(),
            answer=(q.answer or "").strip() or None,
            answered_live=q.answered_live,
        )
        for q in inputs
    ]


def _new_questions(inputs: list[PublicQuestionInput]) -> list[model.PublicQuestion]:
    questions = _questions(inputs)
    if any(q.id is not None for q in questions):
        raise InvalidInput("新建访谈时不能指定提问 ID。", field="questions")
    return [
        model.PublicQuestion(asker=q.asker, text=q.text, answer=q.answer, answered_live=q.answered_live)
        for q in questions
    ]


def _transcript(inputs: list[TranscriptTurnInput]) -> list[model.TranscriptTurn]:
    if len(inputs) > MAX_TURNS:
        raise InvalidInput(f"实录最多 {MAX_TURNS} 段发言。", field="transcript")
    turns = [
        model.TranscriptTurn(seq=0, speaker=x.speaker.strip(), role=x.role.strip(), text=x.text, time=x.time)
        for x in inputs
    ]
    return numbered(turns)


_LISTS: dict[str, Any] = {"guests": _guests, "transcript": _transcript, "leaders": _leaders}


def _list_json(name: str, value: Any) -> list[dict[str, Any]]:
    items: list[Any] = _LISTS[name](value or [])
    return [x.model_dump(mode="json") for x in items]


@strawberry.type
class InterviewMutation:
    @strawberry.mutation(description="新建在线访谈或新闻发布会（草稿）")
    async def create_interview(self, info: Info, input: InterviewInput) -> t.Interview:
        who = principal(info)
        fields = sent(input)
        check_schedule(fields, info.context.services.content.clock())
        for name in ("organization", "title"):
            if not fields.get(name):
                raise InvalidInput("请填写机构和标题。", field=name)
        new = NewInterview(
            org_id=expect_global_id(fields["organization"], "Organization"),
            title=fields["title"],
            kind=fields.get("kind") or model.InterviewKind.INTERVIEW,
            description=fields.get("description") or "",
            place=fields.get("place") or "",
            scheduled_start=fields.get("scheduled_start"),
            scheduled_end=fields.get("scheduled_end"),
            published_date=fields.get("published_date"),
            guests=_guests(fields.get("guests") or []),
            questions=_new_questions(fields.get("questions") or []),
            transcript=_transcript(fields.get("transcript") or []),
            event_kind=fields.get("event_kind"),
            event_date=fields.get("event_date"),
            leaders=_leaders(fields.get("leaders") or []),
            **disclosure_of(input),
        )
        item = await info.context.services.authoring.create_interview(who, new)
        return item  # type: ignore[return-value]

    @strawberry.mutation(description="修改草稿、被退回的访谈或其工作副本（需提供当前版本号）")
    async def update_interview(
        self, info: Info, id: strawberry.ID, expected_version: int, input: InterviewInput
    ) -> t.Interview:
        who = principal(info)
        item_id = expect_global_id(id, "Interview")
        fields = sent(input)
        check_schedule(fields, info.context.services.content.clock())
        if "organization" in fields:
            raise InvalidInput("访谈的发布机构不能修改。", field="organization")
        refuse_nulls(fields, ("title", "kind", "event_kind"))
        blank_nulls(fields, ("description", "place"))
        disclosure_changes(fields)
        if "place" in fields:
            fields["place"] = fields["place"].strip()
        questions = _questions(fields.pop("questions") or []) if "questions" in fields else None
        changes: dict[str, Any] = {}
        for name, value in fields.items():
            if name in _LISTS:
                changes[name] = _list_json(name, value)
            else:
                changes[name] = as_json(value)
        item = await info.context.services.authoring.update_interview(
            who, item_id, expected_version, changes, questions
        )
        return item  # type: ignore[return-value]
