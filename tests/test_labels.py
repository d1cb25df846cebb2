"""Every value of an enum the API labels has a Chinese label (a missing one is an internal error at
read time, as it was for items waiting at a configured tier)."""

from __future__ import annotations

import pytest

from cms import model
from cms.changes.feed import CHANGE_KIND_LABELS, ChangeKind
from cms.changes.webhooks import DELIVERY_STATUS_LABELS, DeliveryStatus
from cms.requests import codes as requests


@pytest.mark.parametrize(
    ("enum", "labels"),
    [
        (model.ReviewState, model.REVIEW_STATE_LABELS),
        (model.Validity, model.VALIDITY_LABELS),
        (model.DisclosureMode, model.DISCLOSURE_LABELS),
        (model.InterpretationKind, model.INTERPRETATION_KIND_LABELS),
        (model.InterviewKind, model.INTERVIEW_KIND_LABELS),
        (model.EventKind, model.EVENT_KIND_LABELS),
        (model.LeaderLevel, model.LEADER_LEVEL_LABELS),
        (model.OrgLevel, model.ORG_LEVEL_LABELS),
        (model.OrgKind, model.ORG_KIND_LABELS),
        (requests.ApplicantKind, requests.APPLICANT_KIND_LABELS),
        (requests.Channel, requests.CHANNEL_LABELS),
        (requests.Form, requests.FORM_LABELS),
        (requests.Delivery, requests.DELIVERY_LABELS),
        (requests.RequestState, requests.STATE_LABELS),
        (requests.Outcome, requests.OUTCOME_LABELS),
        (requests.Ground, requests.GROUND_LABELS),
        (requests.Remedy, requests.REMEDY_LABELS),
        (requests.RemedyCaseKind, requests.REMEDY_CASE_KIND_LABELS),
        (requests.RemedyResult, requests.REMEDY_RESULT_LABELS),
        (requests.FeeMethod, requests.FEE_METHOD_LABELS),
        (ChangeKind, CHANGE_KIND_LABELS),
        (DeliveryStatus, DELIVERY_STATUS_LABELS),
    ],
    ids=lambda value: getattr(value, "__name__", "labels"),
)
def test_every_value_has_a_label(enum: type, labels: dict[object, str]) -> None:
    missing = [value for value in enum if not labels.get(value)]
    assert missing == []


LABELS_QUERY = """{ labels {
  reviewStates { value label } validities { value label } disclosureModes { value label }
  privacyGrounds { value label } reviewActions { value label } registerActions { value label }
  contentTypes { value label } interpretationKinds { value label } interviewKinds { value label }
  eventKinds { value label } leaderLevels { value label }
  orgLevels { value label } orgKinds { value label } roles { value label } permissions { value label }
  versionFields { value label } applicantKinds { value label } requestChannels { value label }
  requestForms { value label } requestDeliveries { value label } requestStates { value label }
  requestOutcomes { value label } requestGrounds { value label } remedyKinds { value label } remedyCaseKinds { value label }
  remedyResults { value label } feeMethods { value label }
  auditActions { value label } auditTargetTypes { value label }
  publicChangeEvents { value label } webhookDeliveryStatuses { value label } } }"""


async def test_labels_name_every_enum_value_of_the_api(gql) -> None:
    # given the API's enums, when anybody asks for their labels
    body = await gql(LABELS_QUERY)
    labels = body["data"]["labels"]
    # then every value of each enum has exactly one, in the enum's own spelling
    enums = await gql("{ t: __schema { types { name enumValues { name } } } }")
    values = {t["name"]: [v["name"] for v in t["enumValues"] or []] for t in enums["data"]["t"]["types"]}
    named = {
        "reviewStates": "ReviewState",
        "validities": "Validity",
        "disclosureModes": "DisclosureMode",
        "privacyGrounds": "PrivacyGrounds",
        "reviewActions": "ReviewAction",
        "interpretationKinds": "InterpretationKind",
        "interviewKinds": "InterviewKind",
        "eventKinds": "EventKind",
        "leaderLevels": "LeaderLevel",
        "orgLevels": "OrgLevel",
        "orgKinds": "OrgKind",
        "roles": "Role",
        "permissions": "Permission",
        "applicantKinds": "ApplicantKind",
        "requestChannels": "RequestChannel",
        "requestForms": "RequestForm",
        "requestDeliveries": "RequestDelivery",
        "requestStates": "RequestState",
        "requestOutcomes": "RequestOutcome",
        "requestGrounds": "RequestGround",
        "remedyKinds": "RemedyKind",
        "remedyCaseKinds": "RemedyCaseKind",
        "remedyResults": "RemedyResult",
        "feeMethods": "FeeMethod",
        "publicChangeEvents": "PublicChangeEvent",
        "webhookDeliveryStatuses": "WebhookDeliveryStatus",
    }
    assert {k: [x["value"] for x in labels[k]] for k in named} == {k: values[e] for k, e in named.items()}
    assert {"DRAFT": "草稿", "WITHDRAWN": "已撤回"}.items() <= {
        x["value"]: x["label"] for x in labels["reviewStates"]
    }.items()


@pytest.mark.parametrize(
    ("kind", "value", "label"),
    [
        ("registerActions", "cancel_checkout", "取消签出"),
        ("contentTypes", "Interpretation", "政策解读"),
        ("versionFields", "document_number", "发文字号"),
        ("applicantKinds", "LEGAL_SERVICE", "法律服务机构"),
        ("requestStates", "WITHDRAWN", "视为撤回"),
        ("eventKinds", "PRESS_BRIEFING", "新闻通气会"),
        ("requestOutcomes", "NOT_PROCESSED", "不予处理"),
        ("requestGrounds", "NO_CORRECTION", "申请人逾期不补正、行政机关不再处理其政府信息公开申请"),
        ("auditActions", "user.disable", "停用账号"),
        ("auditTargetTypes", "HolidayCalendar", "节假日安排"),
    ],
    ids=[
        "register-action",
        "content-type",
        "version-field",
        "applicant-kind",
        "request-state",
        "event-kind",
        "request-outcome",
        "request-ground-of-article-30",
        "audit-action",
        "audit-target-type",
    ],
)
async def test_labels_name_stored_codes(gql, kind: str, value: str, label: str) -> None:
    labels = (await gql(LABELS_QUERY))["data"]["labels"][kind]
    assert [x["label"] for x in labels if x["value"] == value] == [label]


def test_every_editable_field_has_a_label() -> None:
    import cms.services  # noqa: F401 - imports every kind, so each registers its description
    from cms.content.field_labels import FIELD_LABELS
    from cms.content.kinds import KINDS

    editable = {f for kind in KINDS.values() for f in kind.all_editable}
    assert len(KINDS) == 4
    assert sorted(editable - set(FIELD_LABELS)) == []
