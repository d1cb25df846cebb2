"""Requests for disclosure: intake, the applicant's status lookup, handling steps and upkeep.

Every staff step asks ``AccessControl`` for a permission at the handling organization and is recorded
in the request's history (who, when). A step writes only if nobody changed the request since it was
read (``version``), so two people acting at once cannot both succeed.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from beanie.odm.utils.encoder import Encoder
from bson import ObjectId
from bson.errors import InvalidId as BsonInvalidId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.errors import Conflict, DomainError, InvalidInput, NotFound, OpinionRequired
from cms.kinds.catalog import MAX_TITLE, NewCatalogEntry
from cms.requests import deadlines as dl
from cms.requests import fees
from cms.requests import remedies as rm
from cms.requests.codes import (
    GROUNDS,
    OPEN_STATES,
    ApplicantKind,
    Channel,
    Delivery,
    Form,
    Ground,
    Outcome,
    Remedy,
    RemedyResult,
    RequestState,
)
from cms.requests.crypto import CodeKeys, FieldCipher
from cms.requests.reply_review import OPINION_LIMIT, ReplyChain, ReplyNotApproved, approve
from cms.review.authoring import AuthoringService
from cms.review.filing import Filing
from cms.review.register import RegisterEntry
from cms.review.workdays import CalendarService
from cms.review.workdays import as_date as as_date  # re-exported for the schema
from storage.accounts import User as User  # re-exported for the schema
from storage.documents import CatalogEntry, Counter, at_midnight, utcnow
from storage.requests import Consultation, ErasedFile, RequestEvent, RequestSubmissions
from storage.requests import DisclosureRequest as DisclosureRequest  # re-exported for the schema
from storage.requests import FeeNotice as FeeNotice
from storage.requests import RemedyCase as RemedyCase
from storage.requests import Reply as Reply

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
PERSONAL_FIELDS = ("name", "id_number", "contact_person", "phone", "email", "address", "postcode")
TEXT_LIMITS = {"name": 100, "id_number": 40, "contact_person": 50, "phone": 30, "email": 100}
TEXT_LIMITS |= {"address": 200, "postcode": 10}
DESCRIPTION_LIMIT = 5000
NOTE_LIMIT = 2000
WORKLIST_LIMIT = 500
ARTICLE_30 = "《中华人民共和国政府信息公开条例》第三十条"
ARTICLE_44 = "《中华人民共和国政府信息公开条例》第四十四条"
_ENCODER = Encoder(to_db=True)


class TooManyRequests(DomainError):
    code = "TOO_MANY_REQUESTS"
    default_message = "提交过于频繁，请稍后再试。"


class InvalidRequestState(DomainError):
    code = "INVALID_REQUEST_STATE"
    default_message = "该申请当前所处环节不能进行此操作。"


class PersonalDataUnreadable(DomainError):
    code = "PERSONAL_DATA_UNREADABLE"
    default_message = "申请人信息无法解密（加密密钥已更换），请联系系统管理员。"


class DeadlinePassed(DomainError):
    code = "DEADLINE_PASSED"
    default_message = "已超过法定期限。"


@dataclass(frozen=True)
class Applicant:
    """Identity and contact: sealed at rest, shown only with ``request.personal_data``."""

    name: str
    id_number: str = ""
    contact_person: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class NewRequest:
    org_id: ObjectId
    kind: ApplicantKind
    applicant: Applicant
    description: str
    form: Form
    delivery: Delivery


@dataclass(frozen=True)
class DraftReply:
    outcome: Outcome
    ground: Ground | None
    legal_basis: str
    remedies: tuple[Remedy, ...]
    text: str


@dataclass(frozen=True)
class WorkItem:
    request: DisclosureRequest
    deadline: dl.Deadline
    working_days_left: int | None
    overdue: bool


class ReplyFileStore(Protocol):
    """The reply files' side of the erasure (cms.requests.reply_files registers itself)."""

    async def record(self, request: DisclosureRequest) -> list[ErasedFile]: ...

    async def remove_all(self, request: DisclosureRequest) -> None: ...


@dataclass
class RequestLimits:
    submissions_per_hour: int = 10
    retention: timedelta = timedelta(days=1825)
    window: timedelta = field(default=timedelta(hours=1))


class RequestService:
    def __init__(
        self,
        access: AccessControl,
        calendar: CalendarService,
        cipher: FieldCipher,
        codes: CodeKeys,
        limits: RequestLimits,
        *,
        review: ReplyChain,
        filing: Filing,
    ) -> None:
        self.access = access
        self.review = review
        self.filing = filing
        self.calendar = calendar
        self.cipher = cipher
        self.codes = codes
        self.limits = limits
        self.clock: Callable[[], datetime] = utcnow
        self.files: ReplyFileStore | None = None

    def today(self) -> date:
        return self.clock().astimezone(SHANGHAI).date()

    # -- intake -------------------------------------------------------------------------------

    async def submit(self, source: str | None, new: NewRequest) -> tuple[DisclosureRequest, str]:
        """The portal's form (anonymous). 第三十一条: received online the day it is confirmed, and the
        number returned here is the confirmation, so that day is today."""
        self._check(new)
        await self._count_submission(source)
        return await self._create(new, Channel.ONLINE, self.today(), by=None)

    async def register(
        self, principal: Principal, new: NewRequest, channel: Channel, received_on: date
    ) -> tuple[DisclosureRequest, str]:
        """A letter (the day signed for), fax or visit (the day handed in), registered by staff."""
        self.access.require(principal, Permission.REQUEST_REGISTER, new.org_id)
        self._check(new)
        if channel is Channel.ONLINE:
            raise InvalidInput("网上申请由申请人在门户提交。", field="channel")
        if received_on > self.today() or received_on < self.today() - timedelta(days=366):
            raise InvalidInput("收到申请日期须在过去一年内且不晚于今天。", field="receivedOn")
        return await self._create(new, channel, received_on, by=principal.user_id)

    def _check(self, new: NewRequest) -> None:
        if self.access.orgs.tree.get(new.org_id) is None:
            raise InvalidInput("受理机关不存在。", field="organization")
        for name in PERSONAL_FIELDS:
            value = getattr(new.applicant, name)
            if len(value) > TEXT_LIMITS[name]:
                raise InvalidInput(
                    f"内容过长（最多 {TEXT_LIMITS[name]} 个字符）。", field=f"applicant.{name}"
                )
        if not new.applicant.name.strip():
            raise InvalidInput("请填写申请人姓名或名称。", field="applicant.name")
        if not (new.applicant.phone or new.applicant.email or new.applicant.address).strip():
            raise InvalidInput(
                "请至少填写一种联系方式（电话、电子邮箱或通信地址）。", field="applicant.phone"
            )
        if not new.description.strip():
            raise InvalidInput("请描述所需政府信息。", field="description")
        if len(new.description) > DESCRIPTION_LIMIT:
            raise InvalidInput(f"所需信息描述最多 {DESCRIPTION_LIMIT} 个字符。", field="description")

    async def _count_submission(self, source: str | None) -> None:
        now = self.clock()
        window = int(now.timestamp() // self.limits.window.total_seconds())
        key = self._hash(f"{_source_of(source)}\0{window}")
        collection = RequestSubmissions.get_pymongo_collection()
        for _ in range(3):
            doc = await collection.find_one_and_update(
                {"key": key}, {"$inc": {"submissions": 1}}, return_document=ReturnDocument.AFTER
            )
            if doc is not None:
                if int(doc["submissions"]) > self.limits.submissions_per_hour:
                    raise TooManyRequests()
                return
            try:
                await collection.insert_one(
                    {"key": key, "submissions": 0, "expires": now + self.limits.window}
                )
            except DuplicateKeyError:
                continue
        raise Conflict()

    async def _create(
        self, new: NewRequest, channel: Channel, received_on: date, by: str | None
    ) -> tuple[DisclosureRequest, str]:
        code = secrets.token_hex(6).upper()  # 48 bits, and the number must match too
        year = received_on.year
        number = f"YSQ-{year}-{await self._next(f'request:{year}'):06d}"
        request = DisclosureRequest(
            number=number,
            code_hash=self.codes.hash(f"{number}\0{code}"),
            code_key=self.codes.current_id,
            org_id=new.org_id,
            state=RequestState.RECEIVED.value,
            channel=channel.value,
            applicant_kind=new.kind.value,
            description=new.description.strip(),
            form=new.form.value,
            delivery=new.delivery.value,
            received_on=received_on,
            applicant_key=self.applicant_key(new.applicant),
            history=[RequestEvent(action="receive", by=by)],
        )
        request.personal = {
            name: self.cipher.seal(value, f"{number}\0{name}")
            for name in PERSONAL_FIELDS
            if (value := getattr(new.applicant, name).strip())
        }
        await request.insert()
        return request, code

    async def _next(self, scope: str) -> int:
        collection = Counter.get_pymongo_collection()
        for _ in range(5):
            doc = await collection.find_one_and_update(
                {"scope": scope}, {"$inc": {"value": 1}}, return_document=ReturnDocument.AFTER
            )
            if doc is not None:
                return int(doc["value"])
            try:
                await collection.insert_one({"scope": scope, "value": 0})
            except DuplicateKeyError:
                continue
        raise Conflict()

    def _hash(self, text: str) -> str:
        return self.codes.hash(text)

    def applicant_key(self, applicant: Applicant) -> str:
        """The applicant's identity under the current key (``applicant_key``)."""
        return self._hash(f"applicant\0{_identity(applicant)}")

    # -- reads --------------------------------------------------------------------------------

    async def status(self, number: str, code: str) -> DisclosureRequest:
        """The applicant's view: the same NOT_FOUND for an unknown number and a wrong code."""
        request = await DisclosureRequest.find_one({"number": number[:40]})
        text = f"{number[:40]}\0{code.strip().upper()[:40]}"
        # An unknown number is compared too, against nothing, so that it takes as long as a wrong code.
        matched = self.codes.match(request.code_hash if request else "", text)
        if request is None or matched is None:
            raise NotFound("未找到该申请，请核对申请编号和查询码。")
        if matched > 0 or request.code_key != self.codes.current_id:
            await self._upgrade_code(request, text)
        return request

    async def _upgrade_code(self, request: DisclosureRequest, text: str) -> None:
        """A query code hashed under an earlier key, hashed again under the current one, so that
        the earlier key can be dropped once every applicant has looked. Only if the hash is still the
        one read: a concurrent lookup has done it already."""
        old, new = request.code_hash, self.codes.hash(text)
        await DisclosureRequest.get_pymongo_collection().update_one(
            {"_id": request.id, "code_hash": old},
            {"$set": {"code_hash": new, "code_key": self.codes.current_id}},
        )
        request.code_hash, request.code_key = new, self.codes.current_id

    async def get(self, principal: Principal, request_id: str) -> DisclosureRequest:
        try:
            oid = ObjectId(request_id)
        except (BsonInvalidId, TypeError) as exc:
            raise NotFound() from exc
        request = await DisclosureRequest.get(oid)
        if request is None or not self._may_view(principal, request):
            raise NotFound()
        return request

    def _may_view(self, principal: Principal, request: DisclosureRequest) -> bool:
        return not principal.is_anonymous and self.access.can(
            principal, Permission.REQUEST_VIEW, request.org_id
        )

    def applicant(self, principal: Principal, request: DisclosureRequest) -> Applicant | None:
        """Identity and contact, for the handling organization's holders of ``request.personal_data``;
        None once erased."""
        self.access.require(principal, Permission.REQUEST_PERSONAL_DATA, request.org_id)
        if request.personal_erased_at is not None:
            return None
        try:
            values = {
                name: self.cipher.open(token, f"{request.number}\0{name}")
                for name, token in request.personal.items()
            }
        except ValueError as exc:  # sealed under a key no longer configured
            raise PersonalDataUnreadable() from exc
        return Applicant(**values)

    async def worklist(
        self, principal: Principal, state: RequestState | None = None, org_id: ObjectId | None = None
    ) -> list[WorkItem]:
        """Open requests (or those in ``state``) the caller may see, the nearest deadline first."""
        orgs = (
            self.access.orgs_with(principal, Permission.REQUEST_VIEW)
            if not principal.is_anonymous
            else frozenset()
        )
        if org_id is not None:
            orgs = orgs & {org_id}
        query: dict[str, object] = {"org_id": {"$in": list(orgs)}}
        query["state"] = state.value if state is not None else {"$in": [s.value for s in OPEN_STATES]}
        found = await DisclosureRequest.find(query).sort("+received_on").limit(WORKLIST_LIMIT).to_list()
        items = [self.work_item(request) for request in found]
        far = date.max
        return sorted(items, key=lambda i: (i.deadline.due or far, i.request.number))

    def work_item(self, request: DisclosureRequest) -> WorkItem:
        deadline = self.deadline(request)
        today = self.today()
        if deadline.due is None or RequestState(request.state) not in OPEN_STATES:
            return WorkItem(request, deadline, None, False)
        left = dl.working_days_left(self.calendar.calendar, deadline.due, today)
        return WorkItem(request, deadline, left, today > deadline.due)

    def deadline(self, request: DisclosureRequest) -> dl.Deadline:
        timeline = dl.Timeline(
            received=as_date(request.received_on),
            correction_requested=_day(request.correction_requested_on),
            correction_received=_day(request.correction_received_on),
            pauses=tuple(dl.Pause(as_date(c.started), _day(c.ended)) for c in request.consultations),
            extension_days=request.extension_days,
            fee=dl.Pause(as_date(fee.notice_on), _day(fee.paid_on)) if (fee := request.fee) else None,
        )
        return dl.reply_deadline(self.calendar.calendar, timeline, self.today())

    # -- handling -----------------------------------------------------------------------------

    async def handlers(self, principal: Principal, org_id: ObjectId) -> list[User]:
        """分办: the active accounts that may handle requests in ``org_id`` (``request.handle`` there,
        as ``assign`` checks it), by name; only for those who may assign there."""
        self.access.require(principal, Permission.REQUEST_ASSIGN, org_id)
        ids = [
            ObjectId(u)
            for u in self.access.users_with(Permission.REQUEST_HANDLE, org_id)
            if ObjectId.is_valid(u)
        ]
        found = await User.find({"_id": {"$in": ids}, "active": True}).to_list()
        return sorted(found, key=lambda u: (u.display_name or u.username, u.username))

    async def assign(self, principal: Principal, request_id: str, officer_id: str) -> DisclosureRequest:
        request = await self._step(
            principal, request_id, Permission.REQUEST_ASSIGN, {RequestState.RECEIVED, RequestState.HANDLING}
        )
        officer = Principal(user_id=officer_id, username="", org_id="")
        account = await User.get(ObjectId(officer_id)) if ObjectId.is_valid(officer_id) else None
        able = self.access.can(officer, Permission.REQUEST_HANDLE, request.org_id)
        if account is None or not account.active or not able:  # the accounts ``handlers`` lists
            raise InvalidInput("承办人须在受理机关具有办理依申请公开的权限。", field="officer")
        request.officer_id = officer_id
        return await self._save(request, principal, "assign", RequestState.HANDLING)

    async def request_correction(
        self, principal: Principal, request_id: str, due_on: date, note: str
    ) -> DisclosureRequest:
        request = await self._step(
            principal, request_id, Permission.REQUEST_HANDLE, {RequestState.RECEIVED, RequestState.HANDLING}
        )
        today = self.today()
        if request.correction_requested_on is not None:
            raise InvalidRequestState("补正只能一次性告知（第三十条）。")
        if today > dl.correction_notice_due(self.calendar.calendar, as_date(request.received_on)):
            raise DeadlinePassed("补正告知须在收到申请之日起 7 个工作日内作出（第三十条）。")
        if due_on <= today:
            raise InvalidInput("补正期限须晚于今天。", field="dueOn")
        if not note.strip() or len(note) > NOTE_LIMIT:
            raise InvalidInput(f"请写明需要补正的事项（最多 {NOTE_LIMIT} 个字符）。", field="note")
        request.correction_requested_on = today
        request.correction_due_on = due_on
        request.correction_note = note.strip()
        return await self._save(request, principal, "request_correction", RequestState.CORRECTION_PENDING)

    async def receive_correction(
        self, principal: Principal, request_id: str, received_on: date
    ) -> DisclosureRequest:
        request = await self._step(
            principal, request_id, Permission.REQUEST_HANDLE, {RequestState.CORRECTION_PENDING}
        )
        requested = as_date(request.correction_requested_on or request.received_on)
        if not requested <= received_on <= self.today():
            raise InvalidInput("补正收到日期须在补正告知之后且不晚于今天。", field="receivedOn")
        request.correction_received_on = received_on
        after = RequestState.HANDLING if request.officer_id else RequestState.RECEIVED
        return await self._save(request, principal, "receive_correction", after)

    async def start_consultation(
        self, principal: Principal, request_id: str, party: str
    ) -> DisclosureRequest:
        request = await self._step(principal, request_id, Permission.REQUEST_HANDLE, {RequestState.HANDLING})
        if not party.strip() or len(party) > 200:
            raise InvalidInput("请填写征求意见的第三方或机关（最多 200 个字符）。", field="party")
        request.consultations.append(Consultation(party=party.strip(), started=self.today()))
        return await self._save(
            request, principal, "start_consultation", RequestState.CONSULTING, note=party.strip()
        )

    async def end_consultation(self, principal: Principal, request_id: str) -> DisclosureRequest:
        request = await self._step(
            principal, request_id, Permission.REQUEST_HANDLE, {RequestState.CONSULTING}
        )
        request.consultations[-1].ended = self.today()
        return await self._save(request, principal, "end_consultation", RequestState.HANDLING)

    async def extend(
        self, principal: Principal, request_id: str, days: int, reason: str
    ) -> DisclosureRequest:
        request = await self._step(
            principal, request_id, Permission.REQUEST_EXTEND, {RequestState.HANDLING, RequestState.CONSULTING}
        )
        if request.extension_days:
            raise InvalidRequestState("答复期限只能延长一次。")
        if not 1 <= days <= dl.EXTENSION_LIMIT:
            raise InvalidInput(f"延长期限为 1 至 {dl.EXTENSION_LIMIT} 个工作日（第三十三条）。", field="days")
        if not reason.strip() or len(reason) > NOTE_LIMIT:
            raise InvalidInput("请写明延期理由。", field="reason")
        request.extension_days = days
        return await self._save(
            request, principal, "extend", RequestState(request.state), note=reason.strip()
        )

    async def draft_reply(
        self, principal: Principal, request_id: str, draft: DraftReply
    ) -> DisclosureRequest:
        request = await self._step(
            principal,
            request_id,
            Permission.REQUEST_HANDLE,
            {RequestState.HANDLING, RequestState.REPLY_DRAFTED},
        )
        request.reply = _checked_reply(draft, principal.user_id)
        return await self._save(request, principal, "draft_reply", RequestState.REPLY_DRAFTED)

    async def review_reply(
        self, principal: Principal, request_id: str, approved: bool, opinion: str
    ) -> DisclosureRequest:
        """The pending tier's decision on the draft: approval moves it on; a refusal (with an
        opinion) sends the request back to 办理中 for a new draft."""
        request = await self.get(principal, request_id)
        tier = self.review.pending(request)
        if RequestState(request.state) is not RequestState.REPLY_DRAFTED or tier is None:
            raise InvalidRequestState()
        self.access.require(principal, Permission(tier.permission), request.org_id)
        self.review.check_reviewer(principal, request, tier)
        opinion = opinion.strip()
        if len(opinion) > OPINION_LIMIT:
            raise InvalidInput(f"审核意见最多 {OPINION_LIMIT} 个字符。", field="opinion")
        assert request.reply is not None
        if approved:
            approve(request.reply, tier, principal, self.clock(), opinion)
            after, action = RequestState.REPLY_DRAFTED, "approve"
        elif not opinion:
            raise OpinionRequired()
        else:
            after, action = RequestState.HANDLING, "reject"
        note = f"{tier.label}：{'通过' if approved else '退回'}" + (f"（{opinion}）" if opinion else "")
        return await self._save_filed(
            request, principal, "review_reply", after, note, register=(action, tier.key, opinion)
        )

    async def send_reply(self, principal: Principal, request_id: str) -> DisclosureRequest:
        request = await self._step(
            principal, request_id, Permission.REQUEST_REPLY, {RequestState.REPLY_DRAFTED}
        )
        if not self.review.approved(request):
            raise ReplyNotApproved()
        assert request.reply is not None
        request.reply.replied_on = self.today()
        request.closed_at = self.clock()
        return await self._save_filed(
            request, principal, "reply", RequestState.REPLIED, "", register=("send_reply", None, "")
        )

    async def archive(self, principal: Principal, request_id: str) -> DisclosureRequest:
        request = await self._step(
            principal, request_id, Permission.REQUEST_REPLY, {RequestState.REPLIED, RequestState.WITHDRAWN}
        )
        return await self._save(request, principal, "archive", RequestState.ARCHIVED)

    async def record_remedy_case(
        self, principal: Principal, request_id: str, new: rm.NewRemedyCase
    ) -> DisclosureRequest:
        """A 行政复议 or 行政诉讼 brought against the handling, in any state (a suit may be against a
        reply never given)."""
        request = await self._step(principal, request_id, Permission.REQUEST_REMEDY, set(RequestState))
        case = rm.new_case(new, request, self.today())
        request.remedy_cases.append(case)
        return await self._save(
            request, principal, "record_remedy_case", RequestState(request.state), note=rm.describe(case)
        )

    async def conclude_remedy_case(
        self,
        principal: Principal,
        request_id: str,
        case_id: str,
        result: RemedyResult,
        concluded_on: date,
    ) -> DisclosureRequest:
        request = await self._step(principal, request_id, Permission.REQUEST_REMEDY, set(RequestState))
        case = rm.conclude(request, case_id, result, concluded_on, self.today())
        return await self._save(
            request, principal, "conclude_remedy_case", RequestState(request.state), note=rm.describe(case)
        )

    async def issue_fee_notice(
        self, principal: Principal, request_id: str, new: fees.NewFeeNotice
    ) -> DisclosureRequest:
        """A 信息处理费 notice at the standard's amount; the reply's clock stops until payment."""
        request = await self._step(principal, request_id, Permission.REQUEST_FEE, {RequestState.HANDLING})
        if request.fee is not None:
            raise InvalidRequestState("一件申请只能发出一次收费通知。")
        nth = await fees.monthly_count(request) or 0
        request.fee = fees.notice(new, nth, self.calendar.calendar, self.today())
        note = f"{request.fee.amount_fen / 100:.2f} 元，缴费期限 {request.fee.due_on.isoformat()}"
        return await self._save(request, principal, "fee_notice", RequestState.FEE_PENDING, note=note)

    async def record_fee_payment(
        self, principal: Principal, request_id: str, amount_fen: int, paid_on: date
    ) -> DisclosureRequest:
        request = await self._step(principal, request_id, Permission.REQUEST_FEE, {RequestState.FEE_PENDING})
        assert request.fee is not None
        if paid_on > as_date(request.fee.due_on):
            raise DeadlinePassed("已超过缴费期限，该申请不再处理。")
        fees.pay(request.fee, amount_fen, paid_on, self.today())
        return await self._save(request, principal, "fee_paid", RequestState.HANDLING)

    async def draft_proactive(
        self, principal: Principal, request_id: str, title: str, authoring: AuthoringService
    ) -> CatalogEntry:
        """第四十四条: a reply disclosing information of broad interest becomes, in one step, a draft
        catalog entry of the handling organization (its text as the body; the draft then passes the
        review chain like any item). Once per request; the request's history links the draft."""
        request = await self.get(principal, request_id)
        self.access.require(principal, Permission.CONTENT_CREATE, request.org_id)
        reply = request.reply
        if RequestState(request.state) not in {RequestState.REPLIED, RequestState.ARCHIVED} or reply is None:
            raise InvalidRequestState("答复发出后方可转为主动公开。")
        if reply.outcome not in {Outcome.DISCLOSED.value, Outcome.PARTLY_DISCLOSED.value}:
            raise InvalidRequestState("仅予以公开或部分公开的答复可转为主动公开。")
        if request.proactive_entry_id is not None:
            raise InvalidRequestState("该答复已生成主动公开目录草稿。")
        if not title.strip() or len(title) > MAX_TITLE:
            raise InvalidInput(f"请填写目录条目名称（最多 {MAX_TITLE} 个字符）。", field="title")
        new = NewCatalogEntry(
            org_id=request.org_id,
            title=title,
            body=reply.text,
            legal_basis=ARTICLE_44,
        )

        async def write(session: AsyncClientSession) -> CatalogEntry:
            entry = await authoring.catalog.create_draft(new, created_by=principal.user_id, session=session)
            await authoring.versions.record(entry, by=principal.user_id, note=ARTICLE_44, session=session)
            assert entry.id is not None
            request.proactive_entry_id = entry.id
            seen = self._advance(request, principal, "proactive_draft", RequestState(request.state), "")
            await _write(request, seen, session)
            return entry

        return await authoring.workflow.atomically(write)

    async def _step(
        self, principal: Principal, request_id: str, permission: Permission, states: set[RequestState]
    ) -> DisclosureRequest:
        request = await self.get(principal, request_id)
        self.access.require(principal, permission, request.org_id)
        if RequestState(request.state) not in states:
            raise InvalidRequestState()
        return request

    async def _save(
        self,
        request: DisclosureRequest,
        principal: Principal | None,
        action: str,
        after: RequestState,
        note: str = "",
    ) -> DisclosureRequest:
        seen = self._advance(request, principal, action, after, note)
        await _write(request, seen, None)
        return request

    async def _save_filed(
        self,
        request: DisclosureRequest,
        principal: Principal,
        action: str,
        after: RequestState,
        note: str,
        *,
        register: tuple[str, str | None, str],
    ) -> DisclosureRequest:
        """``_save`` and the review register's record of it, in one transaction (cms.review.filing)."""
        before = request.state
        seen = self._advance(request, principal, action, after, note)
        register_action, tier, opinion = register
        assert request.id is not None
        entry = RegisterEntry(
            org_id=request.org_id,
            item_id=request.id,
            item_type="DisclosureRequest",
            item_title=f"依申请公开答复 {request.number}",  # never the description: it may name people
            item_version=request.version,
            action=register_action,
            from_state=before,
            to_state=request.state,
            actor_id=principal.user_id or "",
            actor_name=principal.username,
            tier=tier,
            actor_roles=self._roles_at(principal, request.org_id),
            opinion=opinion,
            details={"number": request.number},
        )

        async def writes(session: AsyncClientSession) -> None:
            await _write(request, seen, session)

        await self.filing.file(writes, entry)
        return request

    def _roles_at(self, principal: Principal, org_id: ObjectId) -> tuple[str, ...]:
        path = self.access.orgs.tree.path_of(org_id)
        return tuple(
            sorted({g.role.value for g in self.access.roles_of(principal) if ObjectId(g.org_id) in path})
        )

    def _advance(
        self,
        request: DisclosureRequest,
        principal: Principal | None,
        action: str,
        after: RequestState,
        note: str,
    ) -> int:
        """The step applied to ``request`` in memory; returns the version it was read at."""
        seen = request.version
        request.state = after.value
        request.version = seen + 1
        request.history.append(
            RequestEvent(
                action=action, by=principal.user_id if principal else None, at=self.clock(), note=note
            )
        )
        return seen

    # -- upkeep -------------------------------------------------------------------------------

    async def expire_corrections(self) -> int:
        """第三十条: no correction by the day set → deemed withdrawn, counted as 其他处理 / 逾期不补正."""
        today = self.today()
        due = {"state": RequestState.CORRECTION_PENDING.value, "correction_due_on": {"$lt": _midnight(today)}}
        done = 0
        for request in await DisclosureRequest.find(due).to_list():
            request.reply = Reply(
                outcome=Outcome.OTHER.value, ground=Ground.NO_CORRECTION.value, legal_basis=ARTICLE_30
            )
            request.closed_at = self.clock()
            try:
                await self._save(request, None, "deemed_withdrawn", RequestState.WITHDRAWN)
                done += 1
            except Conflict:  # someone recorded the correction meanwhile
                continue
        return done

    async def expire_fees(self) -> int:
        """A fee not paid by its due date: the request is given up, counted as 其他处理 / 逾期未缴纳
        信息处理费."""
        due = {"state": RequestState.FEE_PENDING.value, "fee.due_on": {"$lt": _midnight(self.today())}}
        done = 0
        for request in await DisclosureRequest.find(due).to_list():
            request.reply = Reply(
                outcome=Outcome.OTHER.value, ground=Ground.FEE_UNPAID.value, legal_basis=fees.BASIS
            )
            request.closed_at = self.clock()
            try:
                await self._save(request, None, "fee_unpaid", RequestState.WITHDRAWN)
                done += 1
            except Conflict:  # the payment was recorded meanwhile
                continue
        return done

    async def erase_personal_data(self) -> int:
        """Requests closed longer than the retention period: the applicant's identity and contact,
        the free-text description and every staff note go, and the reply files' objects are deleted
        from the store (their count, sizes and sha256 stay). What the annual report counts stays:
        dates, outcome, ground, kinds, remedy cases and fees. A request with a review or lawsuit
        still open (尚未审结) waits: the case may need the file.

        The erasure is a step like any other: recorded in the history, and it raises ``version``, so
        a step that read the request before (archiving it) cannot write the erased values back."""
        now = self.clock()
        due = {"closed_at": {"$lte": now - self.limits.retention}, "personal_erased_at": None}
        done = 0
        for request in await DisclosureRequest.find(due).to_list():
            if any(c.result == RemedyResult.PENDING.value for c in request.remedy_cases):
                continue
            files = await self.files.record(request) if self.files is not None else []
            seen = request.version
            _erase(request, now, files)
            try:
                await _write(request, seen, None)
            except Conflict:  # a step meanwhile: the next run erases it
                continue
            done += 1
        await self._remove_erased_files()
        return done

    async def _remove_erased_files(self) -> None:
        """The objects of erased requests' reply files; retried on the next run until all are gone."""
        if self.files is None:
            return
        collection = DisclosureRequest.get_pymongo_collection()
        for request in await DisclosureRequest.find({"files_to_remove": True}).to_list():
            await self.files.remove_all(request)
            await collection.update_one({"_id": request.id}, {"$set": {"files_to_remove": False}})


def _erase(request: DisclosureRequest, now: datetime, files: list[ErasedFile]) -> None:
    """The request as kept after the retention period (in memory): no identity, contact or free text
    that may name people; the counted facts stay."""
    request.personal, request.applicant_key, request.personal_erased_at = {}, "", now
    request.description = request.correction_note = ""
    for event in request.history:
        event.note = ""
    for consultation in request.consultations:
        consultation.party = ""
    for case in request.remedy_cases:
        case.note = ""
    if request.reply is not None:
        request.reply.text = ""
        for review in request.reply.reviews:
            review.opinion = ""
    request.erased_files = files
    request.files_to_remove = bool(files)
    request.version += 1
    request.history.append(RequestEvent(action="erase_personal_data", at=now))


async def _write(request: DisclosureRequest, seen: int, session: AsyncClientSession | None) -> None:
    """The request as it is now, only if nobody wrote it since it was read at version ``seen``."""
    values = dict(_ENCODER.encode(request))
    values.pop("_id", None)
    # No step changes the query code's hash; a lookup may rehash it meanwhile (RequestService.status),
    # which a step that read the request before must not undo.
    values.pop("code_hash", None)
    values.pop("code_key", None)
    result = await DisclosureRequest.get_pymongo_collection().update_one(
        {"_id": request.id, "version": seen}, {"$set": values}, session=session
    )
    if result.matched_count != 1:
        raise Conflict()


def _checked_reply(draft: DraftReply, by: str | None) -> Reply:
    allowed = GROUNDS[draft.outcome]
    if allowed and draft.ground not in allowed:
        raise InvalidInput("请选择与处理结果相符的理由。", field="ground")
    if not allowed and draft.ground is not None:
        raise InvalidInput("予以公开、部分公开不填写理由。", field="ground")
    if not draft.legal_basis.strip() or len(draft.legal_basis) > NOTE_LIMIT:
        raise InvalidInput("请写明法律依据。", field="legalBasis")
    if not draft.remedies:
        raise InvalidInput("请告知申请人救济途径（行政复议、行政诉讼）。", field="remedies")
    if len(draft.text) > 20_000:
        raise InvalidInput("答复正文过长。", field="text")
    return Reply(
        outcome=draft.outcome.value,
        ground=draft.ground.value if draft.ground else None,
        legal_basis=draft.legal_basis.strip(),
        remedies=[r.value for r in dict.fromkeys(draft.remedies)],
        text=draft.text,
        drafted_by=by,
    )


def _identity(applicant: Applicant) -> str:
    """Who the applicant is, for counting their requests: the ID number, else the name."""
    return "".join((applicant.id_number.strip() or applicant.name).split()).upper()


def _day(value: date | None) -> date | None:
    return as_date(value) if value is not None else None


def _midnight(day: date) -> datetime:
    return at_midnight(day)


def _source_of(source: str | None) -> str:
    """An IPv4 address, or an IPv6 /64 (one host holds a whole /64)."""
    if not source:
        return "unknown"
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return source[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
