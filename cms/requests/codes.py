"""The codes a request records, with their Chinese names, exactly as the annual report counts them
(国办公开办函〔2021〕30号, section 三): applicant kinds, outcomes and each outcome's grounds."""

from __future__ import annotations

from enum import StrEnum


class ApplicantKind(StrEnum):
    NATURAL_PERSON = "natural_person"
    COMMERCIAL = "commercial"
    RESEARCH = "research"
    PUBLIC_INTEREST = "public_interest"
    LEGAL_SERVICE = "legal_service"
    OTHER_ORGANIZATION = "other_organization"


APPLICANT_KIND_LABELS: dict[ApplicantKind, str] = {
    ApplicantKind.NATURAL_PERSON: "自然人",
    ApplicantKind.COMMERCIAL: "商业企业",
    ApplicantKind.RESEARCH: "科研机构",
    ApplicantKind.PUBLIC_INTEREST: "社会公益组织",
    ApplicantKind.LEGAL_SERVICE: "法律服务机构",
    ApplicantKind.OTHER_ORGANIZATION: "其他",
}


class Channel(StrEnum):
    ONLINE = "online"
    POST = "post"
    IN_PERSON = "in_person"
    FAX = "fax"
    EMAIL = "email"
    OTHER = "other"


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.ONLINE: "网上申请",
    Channel.POST: "信函申请",
    Channel.IN_PERSON: "当面申请",
    Channel.FAX: "传真申请",
    Channel.EMAIL: "电子邮件申请",
    Channel.OTHER: "其他",
}


class Form(StrEnum):
    PAPER = "paper"
    ELECTRONIC = "electronic"
    OTHER = "other"


FORM_LABELS: dict[Form, str] = {Form.PAPER: "纸质", Form.ELECTRONIC: "电子文档", Form.OTHER: "其他"}


class Delivery(StrEnum):
    POST = "post"
    PICK_UP = "pick_up"
    EMAIL = "email"
    FAX = "fax"
    ONLINE = "online"


DELIVERY_LABELS: dict[Delivery, str] = {
    Delivery.POST: "邮寄",
    Delivery.PICK_UP: "自行领取",
    Delivery.EMAIL: "电子邮件",
    Delivery.FAX: "传真",
    Delivery.ONLINE: "网上获取",
}


class RequestState(StrEnum):
    RECEIVED = "received"
    CORRECTION_PENDING = "correction_pending"
    HANDLING = "handling"
    CONSULTING = "consulting"
    FEE_PENDING = "fee_pending"
    REPLY_DRAFTED = "reply_drafted"
    REPLIED = "replied"
    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"


STATE_LABELS: dict[RequestState, str] = {
    RequestState.RECEIVED: "已收到",
    RequestState.CORRECTION_PENDING: "待补正",
    RequestState.HANDLING: "办理中",
    RequestState.CONSULTING: "征求意见中",
    RequestState.FEE_PENDING: "待缴纳信息处理费",
    RequestState.REPLY_DRAFTED: "答复已拟稿",
    RequestState.REPLIED: "已答复",
    RequestState.WITHDRAWN: "视为撤回",
    RequestState.ARCHIVED: "已归档",
}

OPEN_STATES = frozenset(
    {
        RequestState.RECEIVED,
        RequestState.CORRECTION_PENDING,
        RequestState.HANDLING,
        RequestState.CONSULTING,
        RequestState.FEE_PENDING,
        RequestState.REPLY_DRAFTED,
    }
)


class Outcome(StrEnum):
    DISCLOSED = "disclosed"
    PARTLY_DISCLOSED = "partly_disclosed"
    NOT_DISCLOSED = "not_disclosed"
    UNABLE = "unable"
    NOT_PROCESSED = "not_processed"
    OTHER = "other"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.DISCLOSED: "予以公开",
    Outcome.PARTLY_DISCLOSED: "部分公开",
    Outcome.NOT_DISCLOSED: "不予公开",
    Outcome.UNABLE: "无法提供",
    Outcome.NOT_PROCESSED: "不予处理",
    Outcome.OTHER: "其他处理",
}


class Ground(StrEnum):
    # 不予公开
    STATE_SECRET = "state_secret"  # noqa: S105 - a ground of refusal, not a password
    PROHIBITED_BY_LAW = "prohibited_by_law"
    THREE_SECURITIES = "three_securities"
    THIRD_PARTY_RIGHTS = "third_party_rights"
    INTERNAL_AFFAIRS = "internal_affairs"
    PROCESS_INFORMATION = "process_information"
    ENFORCEMENT_FILES = "enforcement_files"
    ADMINISTRATIVE_QUERY = "administrative_query"
    # 无法提供
    NOT_HELD = "not_held"
    NEEDS_CREATION = "needs_creation"
    STILL_UNCLEAR = "still_unclear"
    # 不予处理
    PETITION = "petition"
    REPEATED = "repeated"
    PUBLICATION = "publication"
    EXCESSIVE = "excessive"
    CONFIRMATION = "confirmation"
    # 其他处理
    NO_CORRECTION = "no_correction"
    FEE_UNPAID = "fee_unpaid"
    OTHER = "other"


GROUND_LABELS: dict[Ground, str] = {
    Ground.STATE_SECRET: "属于国家秘密",
    Ground.PROHIBITED_BY_LAW: "其他法律行政法规禁止公开",
    Ground.THREE_SECURITIES: '危及"三安全一稳定"',
    Ground.THIRD_PARTY_RIGHTS: "保护第三方合法权益",
    Ground.INTERNAL_AFFAIRS: "属于三类内部事务信息",
    Ground.PROCESS_INFORMATION: "属于四类过程性信息",
    Ground.ENFORCEMENT_FILES: "属于行政执法案卷",
    Ground.ADMINISTRATIVE_QUERY: "属于行政查询事项",
    Ground.NOT_HELD: "本机关不掌握相关政府信息",
    Ground.NEEDS_CREATION: "没有现成信息需要另行制作",
    Ground.STILL_UNCLEAR: "补正后申请内容仍不明确",
    Ground.PETITION: "信访举报投诉类申请",
    Ground.REPEATED: "重复申请",
    Ground.PUBLICATION: "要求提供公开出版物",
    Ground.EXCESSIVE: "无正当理由大量反复申请",
    Ground.CONFIRMATION: "要求行政机关确认或重新出具已获取信息",
    Ground.NO_CORRECTION: "申请人逾期不补正、行政机关不再处理其政府信息公开申请",
    Ground.FEE_UNPAID: "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    Ground.OTHER: "其他",
}

# Which grounds each outcome takes; 予以公开 and 部分公开 take none.
GROUNDS: dict[Outcome, tuple[Ground, ...]] = {
    Outcome.DISCLOSED: (),
    Outcome.PARTLY_DISCLOSED: (),
    Outcome.NOT_DISCLOSED: (
        Ground.STATE_SECRET,
        Ground.PROHIBITED_BY_LAW,
        Ground.THREE_SECURITIES,
        Ground.THIRD_PARTY_RIGHTS,
        Ground.INTERNAL_AFFAIRS,
        Ground.PROCESS_INFORMATION,
        Ground.ENFORCEMENT_FILES,
        Ground.ADMINISTRATIVE_QUERY,
    ),
    Outcome.UNABLE: (Ground.NOT_HELD, Ground.NEEDS_CREATION, Ground.STILL_UNCLEAR),
    Outcome.NOT_PROCESSED: (
        Ground.PETITION,
        Ground.REPEATED,
        Ground.PUBLICATION,
        Ground.EXCESSIVE,
        Ground.CONFIRMATION,
    ),
    Outcome.OTHER: (Ground.NO_CORRECTION, Ground.FEE_UNPAID, Ground.OTHER),
}


class Remedy(StrEnum):
    REVIEW = "review"
    LITIGATION = "litigation"


REMEDY_LABELS: dict[Remedy, str] = {Remedy.REVIEW: "行政复议", Remedy.LITIGATION: "行政诉讼"}


class RemedyCaseKind(StrEnum):
    """How the annual report (国办公开办函〔2021〕30号, section 四) splits the cases."""

    REVIEW = "review"
    LITIGATION_DIRECT = "litigation_direct"
    LITIGATION_AFTER_REVIEW = "litigation_after_review"


REMEDY_CASE_KIND_LABELS: dict[RemedyCaseKind, str] = {
    RemedyCaseKind.REVIEW: "行政复议",
    RemedyCaseKind.LITIGATION_DIRECT: "行政诉讼（未经复议直接起诉）",
    RemedyCaseKind.LITIGATION_AFTER_REVIEW: "行政诉讼（复议后起诉）",
}


class RemedyResult(StrEnum):
    UPHELD = "upheld"
    CORRECTED = "corrected"
    OTHER = "other"
    PENDING = "pending"


REMEDY_RESULT_LABELS: dict[RemedyResult, str] = {
    RemedyResult.UPHELD: "结果维持",
    RemedyResult.CORRECTED: "结果纠正",
    RemedyResult.OTHER: "其他结果",
    RemedyResult.PENDING: "尚未审结",
}


class FeeMethod(StrEnum):
    """国办函〔2020〕109号 第三条: per request or per page, one of the two for a request."""

    PER_REQUEST = "per_request"
    PER_PAGE = "per_page"


FEE_METHOD_LABELS: dict[FeeMethod, str] = {FeeMethod.PER_REQUEST: "按件计收", FeeMethod.PER_PAGE: "按量计收"}


# The actions a request's history records (RequestEvent.action).
REQUEST_ACTION_LABELS: dict[str, str] = {
    "receive": "收到申请",
    "assign": "分办",
    "request_correction": "告知补正",
    "receive_correction": "收到补正",
    "start_consultation": "征求意见",
    "end_consultation": "收到意见",
    "extend": "延期答复",
    "draft_reply": "拟写答复",
    "review_reply": "答复审查",
    "proactive_draft": "转为主动公开（生成公开目录草稿）",
    "reply": "发出答复",
    "archive": "归档",
    "deemed_withdrawn": "逾期不补正，视为撤回",
    "erase_personal_data": "删除申请人个人信息",
    "record_remedy_case": "登记行政复议、行政诉讼案件",
    "conclude_remedy_case": "行政复议、行政诉讼审结",
    "fee_notice": "发出信息处理费收费通知",
    "fee_paid": "收到信息处理费",
    "fee_unpaid": "逾期未缴纳信息处理费，不再处理",
}
