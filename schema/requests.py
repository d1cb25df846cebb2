"""Requests for disclosure (依申请公开): the portal's form and status page, staff intake and handling.

The public status answer carries nothing of the applicant's identity or contact, and no staff notes;
identity and contact are served only to holders of ``request.personal_data`` (cms.requests.service).
"""

from __future__ import annotations

import binascii
from datetime import date, datetime

import strawberry

from cms.content.ids import expect_global_id, to_global_id
from cms.errors import InvalidInput
from cms.requests import codes as c
from cms.requests import fees
from cms.requests import remedies as rm
from cms.requests import service as rs
from schema.context import Info
from schema.staff import display_name, principal
from schema.types import Attachment, CatalogEntry

strawberry.enum(c.ApplicantKind, name="ApplicantKind", description="申请人类型（年度报告口径）")
strawberry.enum(c.Channel, name="RequestChannel", description="申请方式")
strawberry.enum(c.Form, name="RequestForm", description="获取信息的载体形式")
strawberry.enum(c.Delivery, name="RequestDelivery", description="获取信息的方式")
strawberry.enum(c.RequestState, name="RequestState", description="依申请公开办理状态")
strawberry.enum(c.Outcome, name="RequestOutcome", description="办理结果（年度报告口径）")
strawberry.enum(c.Ground, name="RequestGround", description="办理结果的具体理由（年度报告口径）")
strawberry.enum(c.Remedy, name="RemedyKind", description="救济途径")
strawberry.enum(
    c.RemedyCaseKind, name="RemedyCaseKind", description="行政复议、行政诉讼案件类别（年度报告口径）"
)
strawberry.enum(c.FeeMethod, name="FeeMethod", description="信息处理费计收方式（国办函〔2020〕109号）")
strawberry.enum(c.RemedyResult, name="RemedyResult", description="行政复议、行政诉讼结果（年度报告口径）")


@strawberry.input(description="申请人身份与联系方式（加密保存，仅受理机关有权限的人员可见）")
class ApplicantInput:
    name: str = strawberry.field(description="姓名或名称")
    id_number: str = strawberry.field(default="", description="身份证件号码或统一社会信用代码")
    contact_person: str = strawberry.field(default="", description="联系人（法人或其他组织）")
    phone: str = ""
    email: str = ""
    address: str = strawberry.field(default="", description="通信地址")
    postcode: str = ""


@strawberry.input(description="政府信息公开申请")
class DisclosureRequestInput:
    organization: strawberry.ID = strawberry.field(description="受理机关")
    applicant_kind: c.ApplicantKind
    applicant: ApplicantInput
    description: str = strawberry.field(description="所需政府信息的名称、文号或便于查询的其他特征性描述")
    form: c.Form = c.Form.ELECTRONIC
    delivery: c.Delivery = c.Delivery.ONLINE


@strawberry.input(description="答复")
class DisclosureReplyInput:
    outcome: c.Outcome
    ground: c.Ground | None = None
    legal_basis: str = strawberry.field(description="法律依据")
    remedies: list[c.Remedy] = strawberry.field(description="告知的救济途径")
    text: str = strawberry.field(default="", description="答复正文")


@strawberry.input(description="针对该申请提起的行政复议或行政诉讼")
class RemedyCaseInput:
    kind: c.RemedyCaseKind
    filed_on: date = strawberry.field(description="申请复议或起诉（立案）日期")
    authority: str = strawberry.field(description="复议机关或受理法院")
    case_number: str = strawberry.field(default="", description="案号")
    note: str = ""


@strawberry.type(description="行政复议、行政诉讼案件")
class RemedyCase:
    id: strawberry.ID
    kind: c.RemedyCaseKind
    kind_label: str
    filed_on: date
    authority: str
    case_number: str
    note: str
    result: c.RemedyResult = strawberry.field(description="审结前为 PENDING（尚未审结）")
    result_label: str
    concluded_on: date | None


@strawberry.type(description="申请人身份与联系方式")
class Applicant:
    name: str
    id_number: str
    contact_person: str
    phone: str
    email: str
    address: str
    postcode: str


@strawberry.type(description="提交成功：凭申请编号和查询码查询办理进度")
class SubmittedDisclosureRequest:
    number: str
    query_code: str = strawberry.field(description="查询码（只显示这一次）")
    received_on: date = strawberry.field(description="收到申请之日（第三十一条）")
    due_on: date | None = strawberry.field(description="答复期限")


@strawberry.type(description="答复")
class DisclosureReply:
    outcome: c.Outcome
    outcome_label: str
    ground: c.Ground | None
    ground_label: str | None
    legal_basis: str
    remedies: list[c.Remedy]
    remedy_labels: list[str]
    text: str
    replied_on: date | None


@strawberry.type(description="信息处理费收费通知与缴费（国办函〔2020〕109号；金额单位为分）")
class DisclosureFee:
    method: c.FeeMethod
    method_label: str
    pages: int = strawberry.field(description="按量计收时提供的页数")
    monthly_count: int = strawberry.field(description="通知时该申请是申请人当月向本机关提出的第几件")
    amount_fen: int
    notice_on: date
    due_on: date = strawberry.field(description="缴费期限：收费通知之日起 20 个工作日")
    paid_fen: int | None
    paid_on: date | None


@strawberry.type(description="申请人可见的办理进度（不含个人信息与内部意见）")
class DisclosureRequestStatus:
    number: str
    state: c.RequestState
    state_label: str
    received_on: date
    due_on: date | None
    paused_working_days: int = strawberry.field(description="征求意见所需时间，不计入答复期限")
    extension_working_days: int
    correction_note: str | None = strawberry.field(description="补正告知的事项")
    correction_due_on: date | None
    fee: DisclosureFee | None = strawberry.field(description="信息处理费收费通知")
    reply: DisclosureReply | None = strawberry.field(description="已答复时的答复")
    reply_files: list[DisclosureReplyFile] = strawberry.field(
        default_factory=list, description="答复书和公开的文件；答复发出后才列出"
    )


@strawberry.type(description="答复文件：下载地址只由凭申请编号和查询码的查询给出，短时有效")
class DisclosureReplyFile:
    filename: str
    size: int
    content_type: str | None
    url: str
    expires_at: datetime


@strawberry.type(description="工作人员（分办时选择的承办人）：账号 ID 与显示名称")
class UserSummary:
    id: strawberry.ID
    display_name: str = strawberry.field(description="显示名称（未设置时为用户名）")


def _summary(user: rs.User) -> UserSummary:
    return UserSummary(
        id=strawberry.ID(to_global_id("User", str(user.id))), display_name=user.display_name or user.username
    )


async def _name_of(info: Info, user_id: str | None) -> str | None:
    """A staff account's display name (batched); None for the system and for deleted accounts."""
    if not user_id:
        return None
    return await display_name(info, user_id, "") or None


@strawberry.type(description="保存期限届满后已从存储中删除的答复文件：只留存在过的记录")
class ErasedReplyFile:
    size: int
    sha256: str | None
    content_type: str | None


@strawberry.type(description="征求第三方或其他机关意见（第三十二条）")
class RequestConsultation:
    party: str
    started_on: date
    ended_on: date | None


@strawberry.type(description="办理记录")
class RequestEvent:
    action: str
    by: strawberry.ID | None
    at: datetime
    note: str
    _by: strawberry.Private[str | None]

    @strawberry.field(description="操作人的显示名称（未设置时为用户名）；系统自动处理的为空")
    async def by_name(self, info: Info) -> str | None:
        return await _name_of(info, self._by)


@strawberry.type(description="答复审查中一个环节的通过意见")
class ReplyReviewAct:
    tier: str
    label: str
    by: strawberry.ID
    at: datetime
    opinion: str
    _by: strawberry.Private[str]

    @strawberry.field(description="审查人的显示名称（未设置时为用户名）")
    async def by_name(self, info: Info) -> str | None:
        return await _name_of(info, self._by)


@strawberry.type(description="依申请公开申请（工作人员视图）")
class DisclosureRequest:
    id: strawberry.ID
    number: str
    organization_id: strawberry.ID
    state: c.RequestState
    state_label: str
    channel: c.Channel
    applicant_kind: c.ApplicantKind
    applicant_kind_label: str
    description: str
    form: c.Form
    delivery: c.Delivery
    received_on: date
    correction_requested_on: date | None
    correction_due_on: date | None
    correction_received_on: date | None
    consultations: list[RequestConsultation]
    extension_working_days: int
    officer_id: strawberry.ID | None
    reply: DisclosureReply | None
    reply_reviews: list[ReplyReviewAct] = strawberry.field(description="答复草稿已通过的审查环节")
    reply_pending_tier: str | None = strawberry.field(
        description="答复草稿待审查的环节名称；全部环节通过后为空（可发出）"
    )
    fee: DisclosureFee | None = strawberry.field(description="信息处理费收费通知与缴费")
    remedy_cases: list[RemedyCase] = strawberry.field(description="行政复议、行政诉讼案件")
    history: list[RequestEvent]
    clock_starts_on: date | None = strawberry.field(description="答复期限起算日；待补正时为空")
    due_on: date | None
    paused_working_days: int
    clock_running: bool = strawberry.field(description="待补正或征求意见期间为 false")
    working_days_left: int | None = strawberry.field(description="剩余工作日；逾期为负数")
    overdue: bool
    personal_data_erased: bool
    erased_reply_files: list[ErasedReplyFile] = strawberry.field(
        description="保存期限届满后删除的答复文件（个数、大小、SHA-256）；此前为空"
    )
    proactive_entry_id: strawberry.ID | None = strawberry.field(
        description="第四十四条：由答复生成的公开目录条目"
    )
    _doc: strawberry.Private[rs.DisclosureRequest]

    @strawberry.field(description="承办人（分办后）")
    async def assignee(self, info: Info) -> UserSummary | None:
        if not self._doc.officer_id:
            return None
        user = await info.context.loaders.user.load(self._doc.officer_id)
        return _summary(user) if user is not None else None

    @strawberry.field(
        description="该申请是申请人当月（按收到日期）向本机关提出的第几件，按件计收信息处理费的依据；"
        "申请人信息已删除的为空"
    )
    async def applicant_monthly_count(self) -> int | None:
        return await fees.monthly_count(self._doc)

    @strawberry.field(
        description="答复文件（答复书、公开的信息），按添加顺序；发出前可用 removeAttachment 删除。"
        "申请人凭办理进度查询中的签名地址下载；工作人员（可查看该申请者）凭 url 的本人签名地址或登录令牌"
        "在 /files 下载，/files 从不向公众提供这些文件"
    )
    async def reply_files(self, info: Info) -> list[Attachment]:
        found = await info.context.services.reply_files.of(self._doc)
        return found  # type: ignore[return-value]

    @strawberry.field(
        description="申请人身份与联系方式：需受理机关的“查看申请人个人信息”权限；已过保存期限的为空"
    )
    def applicant(self, info: Info) -> Applicant | None:
        found = info.context.services.requests.applicant(principal(info), self._doc)
        return Applicant(**vars(found)) if found is not None else None


def _reply(reply: rs.Reply | None) -> DisclosureReply | None:
    if reply is None:
        return None
    ground = c.Ground(reply.ground) if reply.ground else None
    remedies = [c.Remedy(r) for r in reply.remedies]
    return DisclosureReply(
        outcome=c.Outcome(reply.outcome),
        outcome_label=c.OUTCOME_LABELS[c.Outcome(reply.outcome)],
        ground=ground,
        ground_label=c.GROUND_LABELS[ground] if ground else None,
        legal_basis=reply.legal_basis,
        remedies=remedies,
        remedy_labels=[c.REMEDY_LABELS[r] for r in remedies],
        text=reply.text,
        replied_on=reply.replied_on,
    )


def _day(value: date | None) -> date | None:
    return rs.as_date(value) if value is not None else None


def _fee(fee: rs.FeeNotice | None) -> DisclosureFee | None:
    if fee is None:
        return None
    method = c.FeeMethod(fee.method)
    return DisclosureFee(
        method=method,
        method_label=c.FEE_METHOD_LABELS[method],
        pages=fee.pages,
        monthly_count=fee.monthly_count,
        amount_fen=fee.amount_fen,
        notice_on=rs.as_date(fee.notice_on),
        due_on=rs.as_date(fee.due_on),
        paid_fen=fee.paid_fen,
        paid_on=_day(fee.paid_on),
    )


def _case(case: rs.RemedyCase) -> RemedyCase:
    kind, result = c.RemedyCaseKind(case.kind), c.RemedyResult(case.result)
    return RemedyCase(
        id=strawberry.ID(to_global_id("RemedyCase", case.case_id)),
        kind=kind,
        kind_label=c.REMEDY_CASE_KIND_LABELS[kind],
        filed_on=rs.as_date(case.filed_on),
        authority=case.authority,
        case_number=case.case_number,
        note=case.note,
        result=result,
        result_label=c.REMEDY_RESULT_LABELS[result],
        concluded_on=_day(case.concluded_on),
    )


def _staff(item: rs.WorkItem, service: rs.RequestService) -> DisclosureRequest:
    doc = item.request
    drafted = doc.state == c.RequestState.REPLY_DRAFTED.value
    pending = service.review.pending(doc) if drafted else None
    state = c.RequestState(doc.state)
    kind = c.ApplicantKind(doc.applicant_kind)
    return DisclosureRequest(
        id=strawberry.ID(to_global_id("DisclosureRequest", str(doc.id))),
        number=doc.number,
        organization_id=strawberry.ID(to_global_id("Organization", doc.org_id)),
        state=state,
        state_label=c.STATE_LABELS[state],
        channel=c.Channel(doc.channel),
        applicant_kind=kind,
        applicant_kind_label=c.APPLICANT_KIND_LABELS[kind],
        description=doc.description,
        form=c.Form(doc.form),
        delivery=c.Delivery(doc.delivery),
        received_on=rs.as_date(doc.received_on),
        correction_requested_on=_day(doc.correction_requested_on),
        correction_due_on=_day(doc.correction_due_on),
        correction_received_on=_day(doc.correction_received_on),
        consultations=[
            RequestConsultation(party=x.party, started_on=rs.as_date(x.started), ended_on=_day(x.ended))
            for x in doc.consultations
        ],
        extension_working_days=doc.extension_days,
        officer_id=strawberry.ID(to_global_id("User", doc.officer_id)) if doc.officer_id else None,
        reply=_reply(doc.reply),
        reply_reviews=[
            ReplyReviewAct(
                tier=r.tier,
                label=r.label,
                by=strawberry.ID(to_global_id("User", r.actor_id)),
                at=r.at,
                opinion=r.opinion,
                _by=r.actor_id,
            )
            for r in (doc.reply.reviews if doc.reply else [])
        ],
        reply_pending_tier=pending.label if pending is not None else None,
        fee=_fee(doc.fee),
        remedy_cases=[_case(case) for case in doc.remedy_cases],
        history=[
            RequestEvent(
                action=e.action,
                by=strawberry.ID(to_global_id("User", e.by)) if e.by else None,
                at=e.at,
                note=e.note,
                _by=e.by,
            )
            for e in doc.history
        ],
        clock_starts_on=item.deadline.starts,
        due_on=item.deadline.due,
        paused_working_days=item.deadline.paused_days,
        clock_running=item.deadline.running,
        working_days_left=item.working_days_left,
        overdue=item.overdue,
        personal_data_erased=doc.personal_erased_at is not None,
        erased_reply_files=[
            ErasedReplyFile(size=f.size, sha256=f.sha256, content_type=f.content_type)
            for f in doc.erased_files
        ],
        proactive_entry_id=strawberry.ID(to_global_id("CatalogEntry", doc.proactive_entry_id))
        if doc.proactive_entry_id
        else None,
        _doc=doc,
    )


def _status(item: rs.WorkItem) -> DisclosureRequestStatus:
    doc = item.request
    state = c.RequestState(doc.state)
    closed = state not in c.OPEN_STATES
    return DisclosureRequestStatus(
        number=doc.number,
        state=state,
        state_label=c.STATE_LABELS[state],
        received_on=rs.as_date(doc.received_on),
        due_on=item.deadline.due,
        paused_working_days=item.deadline.paused_days,
        extension_working_days=doc.extension_days,
        correction_note=doc.correction_note or None,
        correction_due_on=_day(doc.correction_due_on),
        fee=_fee(doc.fee),
        reply=_reply(doc.reply) if closed else None,  # a draft is the office's, not yet the applicant's
    )


def _new(value: DisclosureRequestInput) -> rs.NewRequest:
    a = value.applicant
    return rs.NewRequest(
        org_id=expect_global_id(value.organization, "Organization"),
        kind=value.applicant_kind,
        applicant=rs.Applicant(
            name=a.name,
            id_number=a.id_number,
            contact_person=a.contact_person,
            phone=a.phone,
            email=a.email,
            address=a.address,
            postcode=a.postcode,
        ),
        description=value.description,
        form=value.form,
        delivery=value.delivery,
    )


def _id(value: strawberry.ID) -> str:
    return str(expect_global_id(value, "DisclosureRequest"))


def _submitted(info: Info, found: tuple[rs.DisclosureRequest, str]) -> SubmittedDisclosureRequest:
    request, code = found
    deadline = info.context.services.requests.deadline(request)
    return SubmittedDisclosureRequest(
        number=request.number,
        query_code=code,
        received_on=rs.as_date(request.received_on),
        due_on=deadline.due,
    )


@strawberry.type
class RequestQuery:
    @strawberry.field(description="申请人凭申请编号和查询码查询办理进度与答复（无需登录）")
    async def disclosure_request_status(self, info: Info, number: str, code: str) -> DisclosureRequestStatus:
        info.context.uncacheable = True  # an applicant's own answer, and it changes without a publication
        service = info.context.services.requests
        request = await service.status(number, code)
        status = _status(service.work_item(request))
        base = info.context.base_url
        status.reply_files = [
            DisclosureReplyFile(
                filename=f.attachment.filename,
                size=f.attachment.size or 0,
                content_type=f.attachment.content_type,
                url=f"{base}{f.path}",
                expires_at=f.expires_at,
            )
            for f in await info.context.services.reply_files.signed(request)
        ]
        return status

    @strawberry.field(description="依申请公开申请（需受理机关的查看权限）")
    async def disclosure_request(self, info: Info, id: strawberry.ID) -> DisclosureRequest:
        service = info.context.services.requests
        return _staff(service.work_item(await service.get(principal(info), _id(id))), service)

    @strawberry.field(
        description="分办时可选的承办人：在该机关具有“办理依申请公开申请”权限的在用账号，按名称排列"
        "（需该机关的分办权限）"
    )
    async def request_handlers(self, info: Info, organization: strawberry.ID) -> list[UserSummary]:
        org = expect_global_id(organization, "Organization")
        found = await info.context.services.requests.handlers(principal(info), org)
        return [_summary(user) for user in found]

    @strawberry.field(
        description="依申请公开待办：默认为未办结的申请，按答复期限从近到远；逾期的 overdue 为 true"
    )
    async def disclosure_requests(
        self, info: Info, state: c.RequestState | None = None, organization: strawberry.ID | None = None
    ) -> list[DisclosureRequest]:
        org = expect_global_id(organization, "Organization") if organization else None
        items = await info.context.services.requests.worklist(principal(info), state, org)
        return [_staff(item, info.context.services.requests) for item in items]


async def _done(info: Info, doc: rs.DisclosureRequest) -> DisclosureRequest:
    service = info.context.services.requests
    return _staff(service.work_item(doc), service)


@strawberry.type
class RequestMutation:
    @strawberry.mutation(description="提交政府信息公开申请（门户，无需登录；按来源限制频率）")
    async def submit_disclosure_request(
        self, info: Info, input: DisclosureRequestInput
    ) -> SubmittedDisclosureRequest:
        found = await info.context.services.requests.submit(info.context.source, _new(input))
        return _submitted(info, found)

    @strawberry.mutation(description="登记信函、传真、当面等方式收到的申请（需登记权限）")
    async def register_disclosure_request(
        self, info: Info, input: DisclosureRequestInput, channel: c.Channel, received_on: date
    ) -> SubmittedDisclosureRequest:
        service = info.context.services.requests
        return _submitted(info, await service.register(principal(info), _new(input), channel, received_on))

    @strawberry.mutation(description="分办给承办人")
    async def assign_disclosure_request(
        self, info: Info, id: strawberry.ID, officer: strawberry.ID
    ) -> DisclosureRequest:
        officer_id = str(expect_global_id(officer, "User"))
        doc = await info.context.services.requests.assign(principal(info), _id(id), officer_id)
        return await _done(info, doc)

    @strawberry.mutation(description="一次性告知补正（收到申请之日起 7 个工作日内，第三十条）")
    async def request_disclosure_correction(
        self, info: Info, id: strawberry.ID, due_on: date, note: str
    ) -> DisclosureRequest:
        doc = await info.context.services.requests.request_correction(principal(info), _id(id), due_on, note)
        return await _done(info, doc)

    @strawberry.mutation(description="收到补正后的申请：答复期限自该日重新起算")
    async def receive_disclosure_correction(
        self, info: Info, id: strawberry.ID, received_on: date
    ) -> DisclosureRequest:
        doc = await info.context.services.requests.receive_correction(principal(info), _id(id), received_on)
        return await _done(info, doc)

    @strawberry.mutation(description="征求第三方或其他机关意见（第三十二条）：期间不计入答复期限")
    async def start_disclosure_consultation(
        self, info: Info, id: strawberry.ID, party: str
    ) -> DisclosureRequest:
        doc = await info.context.services.requests.start_consultation(principal(info), _id(id), party[:300])
        return await _done(info, doc)

    @strawberry.mutation(description="收到意见，恢复计算答复期限")
    async def end_disclosure_consultation(self, info: Info, id: strawberry.ID) -> DisclosureRequest:
        doc = await info.context.services.requests.end_consultation(principal(info), _id(id))
        return await _done(info, doc)

    @strawberry.mutation(description="批准延期答复（至多 20 个工作日，第三十三条；需延期批准权限）")
    async def extend_disclosure_request(
        self, info: Info, id: strawberry.ID, days: int, reason: str
    ) -> DisclosureRequest:
        doc = await info.context.services.requests.extend(principal(info), _id(id), days, reason)
        return await _done(info, doc)

    @strawberry.mutation(description="拟写答复")
    async def draft_disclosure_reply(
        self, info: Info, id: strawberry.ID, input: DisclosureReplyInput
    ) -> DisclosureRequest:
        draft = rs.DraftReply(
            outcome=input.outcome,
            ground=input.ground,
            legal_basis=input.legal_basis,
            remedies=tuple(input.remedies),
            text=input.text,
        )
        doc = await info.context.services.requests.draft_reply(principal(info), _id(id), draft)
        return await _done(info, doc)

    @strawberry.mutation(
        description="答复审查：待审查环节（默认承办人初审 → 承办部门负责人审核 → 单位负责人审发）通过或退回；"
        "退回须填写意见，申请回到办理中；每一环节记入审查登记"
    )
    async def review_disclosure_reply(
        self, info: Info, id: strawberry.ID, approve: bool, opinion: str = ""
    ) -> DisclosureRequest:
        service = info.context.services.requests
        doc = await service.review_reply(principal(info), _id(id), approve, opinion)
        return await _done(info, doc)

    @strawberry.mutation(
        description="第四十四条：将予以公开或部分公开的答复一步转为本机关的公开目录草稿（正文为答复正文），"
        "草稿再按审查流程发布；需新建内容权限，每件申请一次"
    )
    async def draft_catalog_entry_from_disclosure_reply(
        self, info: Info, id: strawberry.ID, title: str
    ) -> CatalogEntry:
        services = info.context.services
        entry = await services.requests.draft_proactive(principal(info), _id(id), title, services.authoring)
        return entry  # type: ignore[return-value]

    @strawberry.mutation(
        description="为答复添加小文件（答复书、公开的信息；Base64，需发出答复权限；答复发出前）；大文件用 requestUpload（item 为申请 ID）"
    )
    async def attach_disclosure_reply_file(
        self, info: Info, id: strawberry.ID, filename: str, base64: str
    ) -> Attachment:
        try:
            data = binascii.a2b_base64(base64, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput("文件内容应为 Base64 编码。", field="base64") from exc
        found = await info.context.services.reply_files.attach(principal(info), _id(id), filename, data)
        return found  # type: ignore[return-value]

    @strawberry.mutation(description="发出答复（需发出答复权限；答复须已通过全部审查环节）")
    async def send_disclosure_reply(self, info: Info, id: strawberry.ID) -> DisclosureRequest:
        doc = await info.context.services.requests.send_reply(principal(info), _id(id))
        return await _done(info, doc)

    @strawberry.mutation(description="归档")
    async def archive_disclosure_request(self, info: Info, id: strawberry.ID) -> DisclosureRequest:
        doc = await info.context.services.requests.archive(principal(info), _id(id))
        return await _done(info, doc)

    @strawberry.mutation(description="登记针对该申请的行政复议或行政诉讼案件（需登记复议诉讼权限）")
    async def record_remedy_case(
        self, info: Info, id: strawberry.ID, input: RemedyCaseInput
    ) -> DisclosureRequest:
        new = rm.NewRemedyCase(
            kind=input.kind,
            filed_on=input.filed_on,
            authority=input.authority,
            case_number=input.case_number,
            note=input.note,
        )
        doc = await info.context.services.requests.record_remedy_case(principal(info), _id(id), new)
        return await _done(info, doc)

    @strawberry.mutation(description="登记行政复议、行政诉讼的审结结果")
    async def conclude_remedy_case(
        self,
        info: Info,
        id: strawberry.ID,
        case: strawberry.ID,
        result: c.RemedyResult,
        concluded_on: date,
    ) -> DisclosureRequest:
        case_id = expect_global_id(case, "RemedyCase")
        service = info.context.services.requests
        doc = await service.conclude_remedy_case(principal(info), _id(id), str(case_id), result, concluded_on)
        return await _done(info, doc)

    @strawberry.mutation(
        description="发出信息处理费收费通知：金额按国办函〔2020〕109号的标准计算，缴费期间不计入答复期限"
    )
    async def issue_disclosure_fee_notice(
        self, info: Info, id: strawberry.ID, method: c.FeeMethod, pages: int = 0
    ) -> DisclosureRequest:
        new = fees.NewFeeNotice(method=method, pages=pages)
        doc = await info.context.services.requests.issue_fee_notice(principal(info), _id(id), new)
        return await _done(info, doc)

    @strawberry.mutation(description="登记缴纳信息处理费（金额单位为分，须与收费通知一致），恢复计算答复期限")
    async def record_disclosure_fee_payment(
        self, info: Info, id: strawberry.ID, amount_fen: int, paid_on: date
    ) -> DisclosureRequest:
        service = info.context.services.requests
        doc = await service.record_fee_payment(principal(info), _id(id), amount_fen, paid_on)
        return await _done(info, doc)
