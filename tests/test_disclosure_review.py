"""公开方式 on the editing and review side: every kind takes a mode (with reason and legal basis) and an
expiry; submission needs the grounds of a non-proactive item (条例 第十四、十五、十六条); each approving
tier's confidentiality findings must propose the item's own mode, and 第十五条 grounds are needed to
disclose commercial secrets or personal privacy proactively. All through the real GraphQL API."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from cms.content.ids import from_global_id
from cms.content.visibility import ReadScope
from storage.documents import CONTENT_TYPES, CatalogEntry, DisclosureMode, ReviewState
from storage.register import RegisterRecord
from tests.helpers import DEPT_HEAD, FINDINGS, OFFICE, OFFICER, UNIT_HEAD, Api

ON_REQUEST_GROUNDS = {
    "nonDisclosureReason": "批复仅针对项目单位，公众可依申请获取。",
    "legalBasis": "《中华人民共和国政府信息公开条例》第二十七条",
}
NOT_DISCLOSED_GROUNDS = {
    "nonDisclosureReason": "属于行政机关内部事务信息。",
    "legalBasis": "《中华人民共和国政府信息公开条例》第十六条",
}
GROUNDS = {"PROACTIVE": {}, "ON_REQUEST": ON_REQUEST_GROUNDS, "NOT_DISCLOSED": NOT_DISCLOSED_GROUNDS}
EXPIRES = datetime(2031, 6, 30, 16, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def tokens(api: Api) -> dict[str, str]:
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "office": OFFICE}
    return {key: await api.token(name) for key, name in names.items()}


@pytest.fixture(scope="module")
async def org(api: Api) -> str:
    return await api.new_org()


# -- each kind's create and update mutations --------------------------------------------------------

KINDS: dict[str, tuple[str, str, str, str]] = {
    # kind: (create mutation, create input, update mutation, update input)
    "CatalogEntry": ("createCatalogEntry", "CatalogEntryInput", "updateCatalogEntry", "CatalogEntryInput"),
    "Interpretation": (
        "createInterpretation",
        "InterpretationInput",
        "updateInterpretation",
        "InterpretationUpdateInput",
    ),
    "GazetteIssue": ("createGazetteIssue", "GazetteIssueInput", "updateGazetteIssue", "GazetteIssueInput"),
    "Interview": ("createInterview", "InterviewInput", "updateInterview", "InterviewInput"),
}
KIND_IDS = list(KINDS)
GAZETTE_NUMBERS = itertools.count(1)  # (organization, year, number) names one issue


def own_fields(kind: str, org: str) -> dict[str, Any]:
    """What a new item of ``kind`` needs besides the common fields."""
    title = f"公开方式测试{uuid.uuid4().hex[:8]}"
    if kind == "GazetteIssue":
        number = next(GAZETTE_NUMBERS)
        return {"organization": org, "year": 2031, "number": number, "articles": [{"title": title}]}
    return {"organization": org, "title": title}


def fail(body: dict[str, Any]) -> tuple[str, str | None, str]:
    """(extensions.code, extensions.field, message) of the one error a response carries."""
    assert "data" in body, body
    assert len(body.get("errors", [])) == 1, body
    error = body["errors"][0]
    return error["extensions"]["code"], error["extensions"].get("field"), error["message"]


async def create(api: Api, token: str, kind: str, org: str, **fields: Any) -> dict[str, Any]:
    mutation, input_type, _, _ = KINDS[kind]
    return await api.post(
        f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ id version expires }} }}",
        {"i": {**own_fields(kind, org), **fields}},
        token,
    )


async def created(api: Api, token: str, kind: str, org: str, **fields: Any) -> dict[str, Any]:
    body = await create(api, token, kind, org, **fields)
    assert "errors" not in body, body
    item: dict[str, Any] = body["data"][KINDS[kind][0]]
    return item


async def update(api: Api, token: str, kind: str, item: dict[str, Any], **fields: Any) -> dict[str, Any]:
    _, _, mutation, input_type = KINDS[kind]
    return await api.post(
        f"mutation($id: ID!, $v: Int!, $i: {input_type}!) {{"
        f" {mutation}(id: $id, expectedVersion: $v, input: $i) {{ id version expires }} }}",
        {"id": item["id"], "v": item["version"], "i": fields},
        token,
    )


async def stored(item_id: str) -> Any:
    kind, object_id = from_global_id(item_id)
    return await CONTENT_TYPES[kind].get(object_id)


async def publish(api: Api, tokens: dict[str, str], item_id: str, findings: dict[str, Any]) -> Any:
    await api.act(tokens["officer"], item_id, "SUBMIT")
    for who in ("officer", "head", "unit"):
        published = await api.act(tokens[who], item_id, "APPROVE", opinion="同意。", findings=findings)
    return published


# -- inputs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KIND_IDS)
async def test_every_kind_is_created_with_a_mode_its_grounds_and_an_expiry(api, tokens, org, kind):
    # when an item of any kind is created with a mode, its grounds and an expiry
    item = await created(
        api,
        tokens["officer"],
        kind,
        org,
        disclosureMode="NOT_DISCLOSED",
        expires=EXPIRES.isoformat(),
        **NOT_DISCLOSED_GROUNDS,
    )
    # then all four are kept (createCatalogEntry used to drop the expiry)
    assert datetime.fromisoformat(item["expires"]) == EXPIRES
    saved = await stored(item["id"])
    assert (saved.disclosure_mode, saved.non_disclosure_reason, saved.legal_basis, saved.expires) == (
        DisclosureMode.NOT_DISCLOSED,
        NOT_DISCLOSED_GROUNDS["nonDisclosureReason"],
        NOT_DISCLOSED_GROUNDS["legalBasis"],
        EXPIRES,
    )


@pytest.mark.parametrize("kind", KIND_IDS)
async def test_every_kind_without_a_mode_is_proactive_and_does_not_expire(api, tokens, org, kind):
    item = await created(api, tokens["officer"], kind, org)
    saved = await stored(item["id"])
    assert (item["expires"], saved.disclosure_mode, saved.legal_basis) == (None, DisclosureMode.PROACTIVE, "")


@pytest.mark.parametrize("kind", KIND_IDS)
async def test_every_kind_changes_its_mode_and_expiry_by_an_edit(api, tokens, org, kind):
    # given a proactive draft that does not expire
    item = await created(api, tokens["officer"], kind, org)
    # when the mode, its grounds and an expiry are edited in
    body = await update(
        api,
        tokens["officer"],
        kind,
        item,
        disclosureMode="ON_REQUEST",
        expires=EXPIRES.isoformat(),
        **ON_REQUEST_GROUNDS,
    )
    # then the new version has them
    assert "errors" not in body, body
    edited = body["data"][KINDS[kind][2]]
    assert (edited["version"], datetime.fromisoformat(edited["expires"])) == (2, EXPIRES)
    saved = await stored(item["id"])
    assert (saved.disclosure_mode, saved.legal_basis) == (
        DisclosureMode.ON_REQUEST,
        ON_REQUEST_GROUNDS["legalBasis"],
    )
    # and a null expiry removes it, a null reason is no reason
    body = await update(api, tokens["officer"], kind, edited, expires=None, nonDisclosureReason=None)
    assert "errors" not in body, body
    saved = await stored(item["id"])
    assert (saved.expires, saved.non_disclosure_reason) == (None, "")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"disclosureMode": None}, "disclosureMode", "disclosureMode 不能为空。", id="null-mode"),
        pytest.param(
            {"effective": "2031-07-01T00:00:00+00:00", "expires": "2031-07-01T00:00:00+00:00"},
            "expires",
            "到期下线时间须晚于生效（发布）时间。",
            id="expires-not-after-effective",
        ),
        pytest.param(
            {"legalBasis": "条" * 501}, "legalBasis", "法律依据超出长度上限（500 字）。", id="basis-too-long"
        ),
    ],
)
async def test_bad_disclosure_input_is_refused_and_writes_nothing(api, tokens, org, fields, field, message):
    item = await created(api, tokens["officer"], "CatalogEntry", org)
    body = await update(api, tokens["officer"], "CatalogEntry", item, **fields)
    assert fail(body) == ("BAD_USER_INPUT", field, message)
    assert (await stored(item["id"])).version == 1


@pytest.mark.parametrize("kind", KIND_IDS)
async def test_an_expiry_takes_every_kind_off_the_public_at_that_instant(api, tokens, org, services, kind):
    # given a published item of any kind that expires at an instant
    item = await created(api, tokens["officer"], kind, org, expires=EXPIRES.isoformat())
    await publish(api, tokens, item["id"], FINDINGS)
    cls = CONTENT_TYPES[kind]
    object_id = from_global_id(item["id"])[1]

    async def public_at(now: datetime) -> bool:
        found = await services.content.get(cls, object_id, ReadScope(now=now))
        return found is not None

    # then the public sees it until just before that instant, and not from it on
    assert await public_at(EXPIRES - timedelta(milliseconds=1))
    assert not await public_at(EXPIRES)


# -- submission --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "grounds", "field", "message"),
    [
        pytest.param(
            "ON_REQUEST",
            {"legalBasis": ON_REQUEST_GROUNDS["legalBasis"]},
            "nonDisclosureReason",
            "依申请公开或不予公开的信息须写明不予主动公开的理由。",
            id="on-request-without-reason",
        ),
        pytest.param(
            "ON_REQUEST",
            {"nonDisclosureReason": "涉及第三方。", "legalBasis": "  "},
            "legalBasis",
            "依申请公开或不予公开的信息须写明法律依据。",
            id="on-request-without-basis",
        ),
        pytest.param(
            "NOT_DISCLOSED",
            {"nonDisclosureReason": "涉密。", "legalBasis": "《中华人民共和国保守国家秘密法》第十四条"},
            "legalBasis",
            "不予公开须依据《政府信息公开条例》第十四条、第十五条或第十六条，请在法律依据中写明条款。",
            id="not-disclosed-citing-another-law",
        ),
        pytest.param(
            "NOT_DISCLOSED",
            {
                "nonDisclosureReason": "内部事务。",
                "legalBasis": "《中华人民共和国政府信息公开条例》第二十七条",
            },
            "legalBasis",
            "不予公开须依据《政府信息公开条例》第十四条、第十五条或第十六条，请在法律依据中写明条款。",
            id="not-disclosed-citing-条例第二十七条",
        ),
    ],
)
async def test_submission_of_a_non_proactive_item_needs_its_grounds(
    api, tokens, org, mode, grounds, field, message
):
    # given a draft saved without complete grounds (drafts may be incomplete)
    item = await created(api, tokens["officer"], "CatalogEntry", org, disclosureMode=mode, **grounds)
    # when it is submitted
    body = await api.transition(tokens["officer"], item["id"], "SUBMIT")
    # then it is refused, naming the field, and stays a draft
    assert fail(body) == ("NON_DISCLOSURE_GROUNDS_REQUIRED", field, message)
    assert (await stored(item["id"])).review_state is ReviewState.DRAFT


@pytest.mark.parametrize("kind", KIND_IDS)
async def test_every_kind_is_submitted_only_with_its_grounds(api, tokens, org, kind):
    item = await created(api, tokens["officer"], kind, org, disclosureMode="ON_REQUEST")
    body = await api.transition(tokens["officer"], item["id"], "SUBMIT")
    assert fail(body)[:2] == ("NON_DISCLOSURE_GROUNDS_REQUIRED", "nonDisclosureReason")
    body = await update(api, tokens["officer"], kind, item, **ON_REQUEST_GROUNDS)
    assert "errors" not in body, body
    submitted = await api.act(tokens["officer"], item["id"], "SUBMIT")
    assert submitted["reviewState"] == "PENDING_FIRST_REVIEW"


@pytest.mark.parametrize(
    "basis",
    [
        pytest.param("《中华人民共和国政府信息公开条例》第十四条", id="条例第十四条"),
        pytest.param("《中华人民共和国政府信息公开条例》第十五条", id="条例第十五条"),
        pytest.param("《条例》第16条第二款", id="条例第16条-arabic"),
    ],
)
async def test_not_disclosed_is_submitted_citing_article_14_15_or_16(api, tokens, org, basis):
    item = await created(
        api,
        tokens["officer"],
        "CatalogEntry",
        org,
        disclosureMode="NOT_DISCLOSED",
        nonDisclosureReason="依法不予公开。",
        legalBasis=basis,
    )
    submitted = await api.act(tokens["officer"], item["id"], "SUBMIT")
    assert submitted["reviewState"] == "PENDING_FIRST_REVIEW"


# -- the findings at each approving tier -------------------------------------------------------------

CLEAN = {**FINDINGS, "grounds": ""}
SECRET_GROUNDS = "当事人已书面同意公开。"
MISMATCH = ("DISCLOSURE_MODE_MISMATCH", "confidentiality.proposedMode")
BLOCKS = "CONFIDENTIALITY_BLOCKS_RELEASE"
REQUIRED = "CONFIDENTIALITY_REVIEW_REQUIRED"


def findings(proposed: str, *, grounds: str = "", **flags: Any) -> dict[str, Any]:
    return {**CLEAN, "proposedMode": proposed, "grounds": grounds, **flags}


# (item mode, findings) → None when the approval passes, else (code, field)
FINDINGS_TABLE = [
    pytest.param("PROACTIVE", findings("PROACTIVE"), None, id="proactive-clean-allowed"),
    pytest.param(
        "PROACTIVE", findings("ON_REQUEST", grounds="依申请"), MISMATCH, id="proactive-proposed-on-request"
    ),
    pytest.param("ON_REQUEST", findings("PROACTIVE"), MISMATCH, id="on-request-proposed-proactive"),
    pytest.param(
        "ON_REQUEST",
        findings("NOT_DISCLOSED", grounds="内部"),
        MISMATCH,
        id="on-request-proposed-not-disclosed",
    ),
    pytest.param(
        "NOT_DISCLOSED",
        findings("ON_REQUEST", grounds="依申请"),
        MISMATCH,
        id="not-disclosed-proposed-on-request",
    ),
    pytest.param(
        "ON_REQUEST", findings("ON_REQUEST", grounds="第二十七条"), None, id="on-request-with-grounds-allowed"
    ),
    pytest.param(
        "ON_REQUEST",
        findings("ON_REQUEST"),
        (REQUIRED, "confidentiality.grounds"),
        id="on-request-without-grounds",
    ),
    pytest.param(
        "NOT_DISCLOSED",
        findings("NOT_DISCLOSED", grounds="第十六条"),
        None,
        id="第十六条-not-disclosed-allowed",
    ),
    pytest.param(
        "PROACTIVE",
        findings("PROACTIVE", stateSecrets=True),
        (BLOCKS, None),
        id="第十四条-state-secret-proactive",
    ),
    pytest.param(
        "NOT_DISCLOSED",
        findings("NOT_DISCLOSED", grounds="第十四条", stateSecrets=True),
        (BLOCKS, None),
        id="第十四条-state-secret-always-refused",
    ),
    pytest.param(
        "PROACTIVE",
        findings("PROACTIVE", personalPrivacy=True),
        (BLOCKS, "confidentiality.privacyGrounds"),
        id="第十五条-privacy-proactive-without-grounds",
    ),
    pytest.param(
        "PROACTIVE",
        findings("PROACTIVE", commercialSecrets=True, grounds=SECRET_GROUNDS),
        (BLOCKS, "confidentiality.privacyGrounds"),
        id="第十五条-commercial-proactive-free-text-only",
    ),
    pytest.param(
        "PROACTIVE",
        findings(
            "PROACTIVE", personalPrivacy=True, privacyGrounds="THIRD_PARTY_CONSENT", grounds=SECRET_GROUNDS
        ),
        None,
        id="第十五条-privacy-proactive-third-party-consent-allowed",
    ),
    pytest.param(
        "PROACTIVE",
        findings(
            "PROACTIVE", commercialSecrets=True, privacyGrounds="PUBLIC_INTEREST", grounds="涉及公共安全。"
        ),
        None,
        id="第十五条-commercial-proactive-public-interest-allowed",
    ),
    pytest.param(
        "PROACTIVE",
        findings("PROACTIVE", personalPrivacy=True, privacyGrounds="PUBLIC_INTEREST", grounds=" "),
        (REQUIRED, "confidentiality.grounds"),
        id="第十五条-public-interest-without-explanation",
    ),
    pytest.param(
        "ON_REQUEST",
        findings("ON_REQUEST", personalPrivacy=True, grounds="涉及个人隐私。"),
        None,
        id="第十五条-privacy-on-request-allowed",
    ),
    pytest.param(
        "PROACTIVE",
        findings("PROACTIVE", privacyGrounds="THIRD_PARTY_CONSENT", grounds=SECRET_GROUNDS),
        ("BAD_USER_INPUT", "confidentiality.privacyGrounds"),
        id="第十五条-grounds-without-privacy-or-secrets",
    ),
]


@pytest.mark.parametrize(("mode", "given", "refusal"), FINDINGS_TABLE)
async def test_findings_must_agree_with_the_items_mode(api, tokens, org, services, mode, given, refusal):
    # given a submitted item with its mode and grounds
    item = await created(api, tokens["officer"], "CatalogEntry", org, disclosureMode=mode, **GROUNDS[mode])
    await api.act(tokens["officer"], item["id"], "SUBMIT")
    register_before = await RegisterRecord.find({"item_id": from_global_id(item["id"])[1]}).count()
    # when the first tier approves it with these findings
    body = await api.transition(tokens["officer"], item["id"], "APPROVE", opinion="初审。", findings=given)
    saved = await stored(item["id"])
    filed = await RegisterRecord.find({"item_id": from_global_id(item["id"])[1]}).count()
    if refusal is None:
        # then it passes to the next tier, the findings filed
        assert body["data"]["transition"]["reviewState"] == "PENDING_DEPARTMENT_REVIEW", body
        assert filed == register_before + 1
        return
    # else it is refused with the code and field, and nothing is written
    assert fail(body)[:2] == refusal
    assert (saved.review_state, filed) == (ReviewState.PENDING_FIRST_REVIEW, register_before)


async def test_a_mismatch_is_refused_at_every_tier_not_only_the_first(api, tokens, org):
    item = await created(
        api, tokens["officer"], "CatalogEntry", org, disclosureMode="ON_REQUEST", **ON_REQUEST_GROUNDS
    )
    on_request = findings("ON_REQUEST", grounds="依申请公开。")
    await api.act(tokens["officer"], item["id"], "SUBMIT")
    await api.act(tokens["officer"], item["id"], "APPROVE", findings=on_request)
    body = await api.transition(tokens["head"], item["id"], "APPROVE", findings=findings("PROACTIVE"))
    assert fail(body) == (
        "DISCLOSURE_MODE_MISMATCH",
        "confidentiality.proposedMode",
        "拟公开方式与该信息的公开方式不一致；如需改变公开方式，请退回修改。",
    )


async def test_privacy_grounds_are_filed_in_the_register_and_it_verifies(api, tokens, org, services):
    # given an item approved through the chain under 第十五条 (third party's consent)
    consent = findings(
        "PROACTIVE", personalPrivacy=True, privacyGrounds="THIRD_PARTY_CONSENT", grounds=SECRET_GROUNDS
    )
    item = await created(api, tokens["officer"], "CatalogEntry", org)
    await publish(api, tokens, item["id"], consent)
    # then the register shows the grounds, and the organization's chain verifies
    history = await api.ok(
        "query($id: ID!) { history(id: $id) { transitions { action findings { privacyGrounds grounds } } } }",
        {"id": item["id"]},
        tokens["officer"],
    )
    approvals = [t["findings"] for t in history["history"]["transitions"] if t["action"] == "approve"]
    assert approvals == [{"privacyGrounds": "THIRD_PARTY_CONSENT", "grounds": SECRET_GROUNDS}] * 3
    result = await services.register.verify(ObjectId(from_global_id(org)[1]))
    assert result.ok, result


# -- the demo -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "title"),
    [
        pytest.param(
            DisclosureMode.ON_REQUEST,
            "云南省发展和改革委员会关于昆明长水国际机场航空物流园区供油工程项目核准的批复",
            id="依申请公开",
        ),
        pytest.param(
            DisclosureMode.NOT_DISCLOSED,
            "云南省人民政府办公厅关于2025年第三季度省政府重点工作督查情况的内部通报",
            id="不予公开",
        ),
    ],
)
async def test_the_demo_publishes_one_entry_of_each_non_proactive_mode_through_review(services, mode, title):
    entries = await CatalogEntry.find({"disclosure_mode": mode.value, "working_copy_of": None}).to_list()
    assert [(e.title, e.review_state) for e in entries if e.title == title] == [
        (title, ReviewState.PUBLISHED)
    ]
    entry = next(e for e in entries if e.title == title)
    assert entry.id is not None
    approvals = [r for r in await services.register.history(entry.id) if r.action == "approve"]
    assert [r.findings.proposed_mode for r in approvals if r.findings] == [mode.value] * 3
