"""The domain's stored types, re-exported for the layers above ``cms`` (which never import ``storage``)."""

from storage.accounts import User
from storage.attachments import Attachment
from storage.audit import AuditRecord
from storage.documents import (
    CatalogEntry,
    ContentDocument,
    ContentVersion,
    DisclosureMode,
    EventKind,
    GazetteArticle,
    GazetteIssue,
    Guest,
    Interpretation,
    InterpretationKind,
    Interview,
    InterviewKind,
    Leader,
    LeaderLevel,
    Organization,
    OrgKind,
    OrgLevel,
    PublicQuestion,
    ReviewState,
    TierSpec,
    TranscriptTurn,
    Validity,
    VocabularyTerm,
)
from storage.imports import CatalogImport, ImportState
from storage.register import ConfidentialityFindings, PrivacyGrounds, RegisterRecord

VALIDITY_LABELS = {
    Validity.VALID: "有效",
    Validity.AMENDED: "已修改",
    Validity.REPEALED: "废止",
    Validity.EXPIRED: "失效",
}
DISCLOSURE_LABELS = {
    DisclosureMode.PROACTIVE: "主动公开",
    DisclosureMode.ON_REQUEST: "依申请公开",
    DisclosureMode.NOT_DISCLOSED: "不予公开",
}
PRIVACY_GROUNDS_LABELS = {  # 条例 第十五条
    PrivacyGrounds.THIRD_PARTY_CONSENT: "第三方同意公开",
    PrivacyGrounds.PUBLIC_INTEREST: "不公开会对公共利益造成重大影响",
}
# What a reader whose content is withheld (cms.content.visibility.content_withheld) is told instead.
DISCLOSURE_NOTICES = {
    DisclosureMode.ON_REQUEST: "本信息依申请公开，如需获取，请依法向本机关提出政府信息公开申请。",
    DisclosureMode.NOT_DISCLOSED: "本信息不予公开。",
}
ORG_LEVEL_LABELS = {
    OrgLevel.PROVINCE: "省级",
    OrgLevel.PREFECTURE: "州（市）级",
    OrgLevel.COUNTY: "县（市、区）级",
}
ORG_KIND_LABELS = {OrgKind.GOVERNMENT: "人民政府", OrgKind.DEPARTMENT: "部门"}
INTERPRETATION_KIND_LABELS = {
    InterpretationKind.TEXT: "文字解读",
    InterpretationKind.GRAPHIC: "图解",
    InterpretationKind.AUDIO: "音频解读",
    InterpretationKind.VIDEO: "视频解读",
}
INTERVIEW_KIND_LABELS = {
    InterviewKind.INTERVIEW: "在线访谈",
    InterviewKind.PRESS_CONFERENCE: "新闻发布会",
}
EVENT_KIND_LABELS = {
    EventKind.PRESS_CONFERENCE: "新闻发布会",
    EventKind.PRESS_BRIEFING: "新闻通气会",
    EventKind.ONLINE_INTERVIEW: "在线访谈",
    EventKind.PRESS_QA: "答记者问",
    EventKind.OTHER: "其他",
}
LEADER_LEVEL_LABELS = {
    LeaderLevel.PRINCIPAL: "主要负责人",
    LeaderLevel.DEPUTY: "分管负责人",
    LeaderLevel.SPOKESPERSON: "新闻发言人",
    LeaderLevel.OTHER: "其他",
}
REVIEW_STATE_LABELS = {
    ReviewState.DRAFT: "草稿",
    ReviewState.PENDING_FIRST_REVIEW: "待初审",
    ReviewState.PENDING_DEPARTMENT_REVIEW: "待审核",
    ReviewState.PENDING_UNIT_APPROVAL: "待审发",
    ReviewState.PENDING_REVIEW: "待审查",  # a configured tier (e.g. 保密审查): pendingTier names it
    ReviewState.PUBLISHED: "已发布",
    ReviewState.REJECTED: "已退回",
    ReviewState.WITHDRAWN: "已撤回",
}

IMPORT_STATE_LABELS = {
    ImportState.RUNNING: "导入中",
    ImportState.DONE: "已完成",
    ImportState.REFUSED: "有问题，未导入",
    ImportState.CANCELLED: "已取消",
    ImportState.FAILED: "失败",
}

__all__ = [
    "DISCLOSURE_LABELS",
    "DISCLOSURE_NOTICES",
    "EVENT_KIND_LABELS",
    "IMPORT_STATE_LABELS",
    "INTERPRETATION_KIND_LABELS",
    "INTERVIEW_KIND_LABELS",
    "LEADER_LEVEL_LABELS",
    "ORG_KIND_LABELS",
    "ORG_LEVEL_LABELS",
    "PRIVACY_GROUNDS_LABELS",
    "REVIEW_STATE_LABELS",
    "VALIDITY_LABELS",
    "Attachment",
    "AuditRecord",
    "CatalogEntry",
    "CatalogImport",
    "ConfidentialityFindings",
    "ContentDocument",
    "ContentVersion",
    "DisclosureMode",
    "EventKind",
    "GazetteArticle",
    "GazetteIssue",
    "Guest",
    "ImportState",
    "Interpretation",
    "InterpretationKind",
    "Interview",
    "InterviewKind",
    "Leader",
    "LeaderLevel",
    "OrgKind",
    "OrgLevel",
    "Organization",
    "PrivacyGrounds",
    "PublicQuestion",
    "RegisterRecord",
    "ReviewState",
    "TierSpec",
    "TranscriptTurn",
    "User",
    "Validity",
    "VocabularyTerm",
]
