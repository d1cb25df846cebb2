"""The Chinese names of the API's codes, in one query: clients show these instead of copying tables
(an enum value the server adds gets its name from the server too)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry

from authz import PERMISSION_LABELS, ROLE_LABELS
from cms import model
from cms.audit.log import ACTION_LABELS as AUDIT_ACTION_LABELS
from cms.audit.log import TARGET_LABELS as AUDIT_TARGET_LABELS
from cms.changes.feed import CHANGE_KIND_LABELS
from cms.changes.webhooks import DELIVERY_STATUS_LABELS
from cms.content.field_labels import FIELD_LABELS
from cms.content.kinds import type_labels
from cms.reports.service import REPORT_STATE_LABELS
from cms.requests import codes as requests
from cms.review.allowed import ITEM_ACTION_LABELS
from cms.review.register import RECORD_ACTION_LABELS

E = TypeVar("E", bound=enum.Enum)


@strawberry.type(description="代码及其中文名称")
class Label:
    value: str = strawberry.field(description="代码：枚举值的名称（如 DRAFT），或存储的代码（如 submit）")
    label: str


def _names(labels: Mapping[E, str]) -> list[Label]:
    return [Label(value=member.name, label=text) for member, text in labels.items()]


def _codes(labels: Mapping[str, str]) -> list[Label]:
    return [Label(value=code, label=text) for code, text in labels.items()]


@strawberry.type(description="界面显示用的中文名称")
class Labels:
    @strawberry.field(description="审核状态（ReviewState）")
    def review_states(self) -> list[Label]:
        return _names(model.REVIEW_STATE_LABELS)

    @strawberry.field(description="有效性（Validity）")
    def validities(self) -> list[Label]:
        return _names(model.VALIDITY_LABELS)

    @strawberry.field(description="公开方式（DisclosureMode）")
    def disclosure_modes(self) -> list[Label]:
        return _names(model.DISCLOSURE_LABELS)

    @strawberry.field(description="第十五条公开理由（PrivacyGrounds）")
    def privacy_grounds(self) -> list[Label]:
        return _names(model.PRIVACY_GROUNDS_LABELS)

    @strawberry.field(description="行政层级（OrgLevel）")
    def org_levels(self) -> list[Label]:
        return _names(model.ORG_LEVEL_LABELS)

    @strawberry.field(description="机构类别（OrgKind）")
    def org_kinds(self) -> list[Label]:
        return _names(model.ORG_KIND_LABELS)

    @strawberry.field(description="解读形式（InterpretationKind）")
    def interpretation_kinds(self) -> list[Label]:
        return _names(model.INTERPRETATION_KIND_LABELS)

    @strawberry.field(description="访谈或发布会（InterviewKind）")
    def interview_kinds(self) -> list[Label]:
        return _names(model.INTERVIEW_KIND_LABELS)

    @strawberry.field(description="发布活动类型（EventKind）")
    def event_kinds(self) -> list[Label]:
        return _names(model.EVENT_KIND_LABELS)

    @strawberry.field(description="出席领导的层级（LeaderLevel）")
    def leader_levels(self) -> list[Label]:
        return _names(model.LEADER_LEVEL_LABELS)

    @strawberry.field(description="对内容可执行的操作（ReviewAction）")
    def review_actions(self) -> list[Label]:
        return _names(ITEM_ACTION_LABELS)

    @strawberry.field(description="流转记录中的操作（ReviewTransition.action 的代码）")
    def register_actions(self) -> list[Label]:
        return _codes(RECORD_ACTION_LABELS)

    @strawberry.field(description="内容类型（GraphQL 类型名，如 CatalogEntry）")
    def content_types(self) -> list[Label]:
        return _codes(type_labels())

    @strawberry.field(description="角色（Role）")
    def roles(self) -> list[Label]:
        return _names(ROLE_LABELS)

    @strawberry.field(description="权限（Permission）")
    def permissions(self) -> list[Label]:
        return _names(PERMISSION_LABELS)

    @strawberry.field(description="版本比较中的字段（FieldChange.field 的存储名）")
    def version_fields(self) -> list[Label]:
        return _codes(FIELD_LABELS)

    @strawberry.field(description="依申请公开申请人类型（ApplicantKind）")
    def applicant_kinds(self) -> list[Label]:
        return _names(requests.APPLICANT_KIND_LABELS)

    @strawberry.field(description="申请方式（RequestChannel）")
    def request_channels(self) -> list[Label]:
        return _names(requests.CHANNEL_LABELS)

    @strawberry.field(description="获取信息的载体形式（RequestForm）")
    def request_forms(self) -> list[Label]:
        return _names(requests.FORM_LABELS)

    @strawberry.field(description="获取信息的方式（RequestDelivery）")
    def request_deliveries(self) -> list[Label]:
        return _names(requests.DELIVERY_LABELS)

    @strawberry.field(description="依申请公开办理状态（RequestState）")
    def request_states(self) -> list[Label]:
        return _names(requests.STATE_LABELS)

    @strawberry.field(description="办理结果（RequestOutcome）")
    def request_outcomes(self) -> list[Label]:
        return _names(requests.OUTCOME_LABELS)

    @strawberry.field(description="办理结果的具体理由（RequestGround）")
    def request_grounds(self) -> list[Label]:
        return _names(requests.GROUND_LABELS)

    @strawberry.field(description="依申请公开办理记录中的操作（RequestEvent.action 的代码）")
    def request_actions(self) -> list[Label]:
        return _codes(requests.REQUEST_ACTION_LABELS)

    @strawberry.field(description="审计日志中的操作（AuditRecord.action 的代码）")
    def audit_actions(self) -> list[Label]:
        return _codes(AUDIT_ACTION_LABELS)

    @strawberry.field(description="审计日志中的对象类型（AuditRecord.targetType 的代码）")
    def audit_target_types(self) -> list[Label]:
        return _codes(AUDIT_TARGET_LABELS)

    @strawberry.field(description="救济途径（RemedyKind）")
    def remedy_kinds(self) -> list[Label]:
        return _names(requests.REMEDY_LABELS)

    @strawberry.field(description="年度报告状态（AnnualReportState）")
    def annual_report_states(self) -> list[Label]:
        return _names(REPORT_STATE_LABELS)

    @strawberry.field(description="行政复议、行政诉讼案件类别（RemedyCaseKind）")
    def remedy_case_kinds(self) -> list[Label]:
        return _names(requests.REMEDY_CASE_KIND_LABELS)

    @strawberry.field(description="信息处理费计收方式（FeeMethod）")
    def fee_methods(self) -> list[Label]:
        return _names(requests.FEE_METHOD_LABELS)

    @strawberry.field(description="行政复议、行政诉讼结果（RemedyResult）")
    def remedy_results(self) -> list[Label]:
        return _names(requests.REMEDY_RESULT_LABELS)

    @strawberry.field(description="变更流中的变化类型（PublicChangeEvent）")
    def public_change_events(self) -> list[Label]:
        return _names(CHANGE_KIND_LABELS)

    @strawberry.field(description="推送记录状态（WebhookDeliveryStatus）")
    def webhook_delivery_statuses(self) -> list[Label]:
        return _names(DELIVERY_STATUS_LABELS)


@strawberry.type
class LabelsQuery:
    @strawberry.field(description="各类代码的中文名称（不需登录）")
    def labels(self) -> Labels:
        return Labels()
