"""The statutory floor of the review chain and separation of duties by everyone who wrote an item
(issue #13), through the real GraphQL API with exact codes, messages and fields.

Every chain holds 承办人初审, 承办部门负责人审核 and 单位负责人审发 in that order under their reserved keys
(保密审查 tiers may stand between), only 初审 may be the author's, labels are short; a chain stored before
the floor was enforced is passed over. Whoever saved a version of an item approves it only where the
author may.

The database is shared by the whole session: every test works in organizations of its own.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cms.content.ids import from_global_id
from storage.documents import TierSpec
from tests.helpers import ADMIN, DEPT_HEAD, OFFICER, UNIT_HEAD, Api, code_of, error_of, unique

SET_CHAIN = "mutation($o: ID!, $t: [ReviewTierInput!]) { setReviewChain(organization: $o, tiers: $t) { id } }"
CHAIN = "query($o: ID!) { reviewChain(organization: $o) { key label permission authorMayAct } }"
OWN_CHAIN = "query($o: ID!) { node(id: $o) { ... on Organization { ownReviewChain { key } } } }"
DEFAULT_KEYS = ["first_review", "department_review", "unit_approval"]


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api):
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "admin": ADMIN}
    return {key: await api.token(name) for key, name in names.items()}


def first(**changes: Any) -> dict[str, Any]:
    return {
        "key": "first_review",
        "label": "承办人初审",
        "permission": "review.first",
        "authorMayAct": True,
        **changes,
    }


def department(**changes: Any) -> dict[str, Any]:
    return {
        "key": "department_review",
        "label": "承办部门负责人审核",
        "permission": "review.department",
        **changes,
    }


def secrecy(**changes: Any) -> dict[str, Any]:
    return {"key": "secrecy_review", "label": "保密审查", "permission": "review.secrecy", **changes}


def approve(**changes: Any) -> dict[str, Any]:
    return {"key": "unit_approval", "label": "单位负责人审发", "permission": "review.approve", **changes}


# --- the floor -----------------------------------------------------------------------------------

REFUSED = [
    pytest.param(
        [approve(authorMayAct=True)],
        "reviewChain",
        "审核链应包含 3 至 8 个环节：承办人初审、承办部门负责人审核、单位负责人审发必不可少。",
        id="one-tier-approve-by-author",
    ),
    pytest.param(
        [
            first(),
            department(),
            secrecy(),
            secrecy(key="s2"),
            secrecy(key="s3"),
            secrecy(key="s4"),
            secrecy(key="s5"),
            secrecy(key="s6"),
            approve(),
        ],
        "reviewChain",
        "审核链应包含 3 至 8 个环节：承办人初审、承办部门负责人审核、单位负责人审发必不可少。",
        id="nine-tiers",
    ),
    pytest.param(
        [first(), secrecy(), approve()],
        "reviewChain.2.permission",
        "审核链须依次包含承办人初审、承办部门负责人审核、单位负责人审发各一个环节。",
        id="department-missing",
    ),
    pytest.param(
        [first(), approve(), department()],
        "reviewChain.1.permission",
        "审核链须依次包含承办人初审、承办部门负责人审核、单位负责人审发各一个环节。",
        id="approve-before-department",
    ),
    pytest.param(
        [secrecy(), first(), department(), approve()],
        "reviewChain.0.permission",
        "审核链的第一个环节必须是承办人初审。",
        id="secrecy-before-first",
    ),
    pytest.param(
        [first(), department(), approve(), secrecy()],
        "reviewChain.3.permission",
        "审核链的最后一个环节必须是单位负责人审发。",
        id="secrecy-after-approve",
    ),
    pytest.param(
        [first(), department(authorMayAct=True), approve()],
        "reviewChain.1.authorMayAct",
        "只有承办人初审环节可以由起草人审核，第 2 个审核环节不可以。",
        id="author-at-department",
    ),
    pytest.param(
        [first(), department(), secrecy(authorMayAct=True), approve()],
        "reviewChain.2.authorMayAct",
        "只有承办人初审环节可以由起草人审核，第 3 个审核环节不可以。",
        id="author-at-secrecy",
    ),
    pytest.param(
        [first(), department(), approve(authorMayAct=True)],
        "reviewChain.2.authorMayAct",
        "只有承办人初审环节可以由起草人审核，第 3 个审核环节不可以。",
        id="author-at-approve",
    ),
    pytest.param(
        [first(permission="review.approve"), department(), approve()],
        "reviewChain.0.key",
        "第 1 个审核环节的标识必须是“unit_approval”。",
        id="first-review-key-with-approve-permission",
    ),
    pytest.param(
        [first(), department(key="dept"), approve()],
        "reviewChain.1.key",
        "第 2 个审核环节的标识必须是“department_review”。",
        id="statutory-tier-under-another-key",
    ),
    pytest.param(
        [first(), department(), secrecy(key="unit_approval"), approve(key="final")],
        "reviewChain.2.key",
        "标识“unit_approval”保留给法定审核环节，第 3 个审核环节不能使用。",
        id="reserved-key-on-secrecy-tier",
    ),
    pytest.param(
        [first(), department(), secrecy(key="Secrecy Review"), approve()],
        "reviewChain.2.key",
        "第 3 个审核环节的标识应以小写字母开头，由小写字母、数字和下划线组成，不超过 32 个字符。",
        id="key-pattern",
    ),
    pytest.param(
        [first(), department(), secrecy(key="s" * 33), approve()],
        "reviewChain.2.key",
        "第 3 个审核环节的标识应以小写字母开头，由小写字母、数字和下划线组成，不超过 32 个字符。",
        id="key-too-long",
    ),
    pytest.param(
        [first(), department(), secrecy(key="department_review"), approve()],
        "reviewChain.2.key",
        "第 3 个审核环节的标识“department_review”与前面的环节重复。",
        id="duplicate-key",
    ),
    pytest.param(
        [first(), department(), secrecy(label="x" * 150_000), approve()],
        "reviewChain.2.label",
        "第 3 个审核环节的名称应为 1 至 30 个字符。",
        id="label-150000-characters",
    ),
    pytest.param(
        [first(), department(), secrecy(label="保" * 31), approve()],
        "reviewChain.2.label",
        "第 3 个审核环节的名称应为 1 至 30 个字符。",
        id="label-31-characters",
    ),
    pytest.param(
        [first(label="   "), department(), approve()],
        "reviewChain.0.label",
        "第 1 个审核环节的名称应为 1 至 30 个字符。",
        id="blank-label",
    ),
    pytest.param(
        [first(), department(label="审核\n换行"), approve()],
        "reviewChain.1.label",
        "第 2 个审核环节的名称应为 1 至 30 个字符。",
        id="control-character-in-label",
    ),
    pytest.param(
        [first(), department(), secrecy(permission="content.edit"), approve()],
        "reviewChain.2.permission",
        "第 3 个审核环节的审核权限无效。",
        id="non-review-permission",
    ),
]


@pytest.mark.parametrize(("tiers", "field", "message"), REFUSED)
async def test_a_chain_below_the_statutory_floor_is_refused_naming_the_tier(api, demo, tiers, field, message):
    org = await api.new_org()

    body = await api.post(SET_CHAIN, {"o": org, "t": tiers}, demo["admin"])

    [error] = body["errors"]
    assert (error["extensions"]["code"], error["message"], error["extensions"].get("field")) == (
        "BAD_USER_INPUT",
        message,
        field,
    )
    assert (await api.ok(OWN_CHAIN, {"o": org}, demo["admin"]))["node"]["ownReviewChain"] is None


ACCEPTED = [
    pytest.param([first(), department(), approve()], id="the-three-statutory-tiers"),
    pytest.param([first(authorMayAct=False), department(), approve()], id="first-tier-not-the-authors"),
    pytest.param([first(), secrecy(), department(), approve()], id="secrecy-after-first"),
    pytest.param(
        [first(), department(), secrecy(), secrecy(key="s2", label="保" * 30), approve()],
        id="two-secrecy-tiers-30-character-label",
    ),
]


@pytest.mark.parametrize("tiers", ACCEPTED)
async def test_a_chain_that_holds_the_floor_is_stored_as_given(api, demo, tiers):
    org = await api.new_org()

    await api.ok(SET_CHAIN, {"o": org, "t": tiers}, demo["admin"])

    chain = (await api.ok(CHAIN, {"o": org}, demo["admin"]))["reviewChain"]
    assert chain == [{"authorMayAct": False, **t} for t in tiers]


async def test_a_stored_chain_below_the_floor_is_passed_over_for_the_inherited_one(
    api, demo, services, caplog
):
    """A chain written before the floor (here the issue's one-tier chain with the author allowed at
    审发) must not let one person publish alone: the parent's chain (or the default) applies."""
    parent = await api.new_org()
    org = await api.new_org(parent)
    await api.ok(SET_CHAIN, {"o": parent, "t": [first(), secrecy(), department(), approve()]}, demo["admin"])
    legacy = [TierSpec(key="only", label="审发", permission="review.approve", author_may_act=True)]
    await services.orgs.set_review_chain(from_global_id(org)[1], legacy)
    both = await api.new_user(org, "OFFICER", "UNIT_HEAD")

    with caplog.at_level(logging.WARNING, logger="cms.review.workflow"):
        chain = (await api.ok(CHAIN, {"o": org}, demo["admin"]))["reviewChain"]
    entry = await api.create_entry(both.token, org)
    submitted = await api.act(both.token, entry["id"], "SUBMIT")
    await api.act(both.token, entry["id"], "APPROVE", opinion="初审同意。")
    alone = await api.transition(both.token, entry["id"], "APPROVE", opinion="同意。")

    assert [t["key"] for t in chain] == [
        "first_review",
        "secrecy_review",
        "department_review",
        "unit_approval",
    ]
    assert (submitted["reviewState"], submitted["pendingTier"]) == ("PENDING_FIRST_REVIEW", "first_review")
    assert code_of(alone) == "FORBIDDEN"  # the secrecy tier of the parent's chain, not 审发
    assert (await api.node(entry["id"], both.token))["pendingTier"] == "secrecy_review"
    assert [r.getMessage() for r in caplog.records] == [
        f"organization {from_global_id(org)[1]}: stored review chain ignored, "
        "reviewChain: 审核链应包含 3 至 8 个环节：承办人初审、承办部门负责人审核、单位负责人审发必不可少。"
    ]


async def test_a_stored_chain_below_the_floor_without_ancestors_chains_gives_the_default(api, demo, services):
    org = await api.new_org()
    legacy = [
        TierSpec(key="first_review", label="初审", permission="review.first", author_may_act=True),
        TierSpec(key="department_review", label="审核", permission="review.department", author_may_act=True),
        TierSpec(key="unit_approval", label="审发", permission="review.approve"),
    ]
    await services.orgs.set_review_chain(from_global_id(org)[1], legacy)

    chain = (await api.ok(CHAIN, {"o": org}, demo["admin"]))["reviewChain"]

    assert [(t["key"], t["authorMayAct"]) for t in chain] == [
        ("first_review", True),
        ("department_review", False),
        ("unit_approval", False),
    ]


# --- separation of duties: everyone who saved a version -----------------------------------------


async def edit(api: Api, token: str, entry: dict[str, Any], version: int) -> int:
    body = await api.update_entry(token, entry["id"], version, summary=unique("改写的概述"))
    assert "errors" not in body, body
    new_version: int = body["data"]["updateCatalogEntry"]["version"]
    return new_version


async def test_a_department_head_who_rewrote_the_draft_cannot_approve_it_and_another_can(api):
    org = await api.new_org()
    p = await api.team(org, a=("OFFICER",), h=("OFFICER", "DEPT_HEAD"), k=("DEPT_HEAD",), u=("UNIT_HEAD",))
    entry = await api.create_entry(p["a"].token, org)
    version = await edit(api, p["h"].token, entry, entry["version"])
    await api.act(p["a"].token, entry["id"], "SUBMIT", expected=version)
    await api.act(p["a"].token, entry["id"], "APPROVE", opinion="初审同意。")

    refused = await api.transition(p["h"].token, entry["id"], "APPROVE", opinion="审核同意。")
    listed = [w["item"]["id"] for w in await api.worklist(p["h"].token)]
    passed = await api.act(p["k"].token, entry["id"], "APPROVE", opinion="审核同意。")

    assert error_of(refused) == ("SEPARATION_OF_DUTIES", "不能审核或审发自己起草、修改或提交的内容。")
    assert entry["id"] not in listed
    assert entry["id"] in [w["item"]["id"] for w in await api.worklist(p["u"].token)]
    assert (passed["reviewState"], passed["pendingTier"]) == ("PENDING_UNIT_APPROVAL", "unit_approval")


async def test_whoever_saved_a_version_may_act_at_first_review_and_send_it_back(api):
    """Only approving beyond 初审 is refused: 初审 allows the author, and so every saver; sending an
    item back is no approval (as for the author)."""
    org = await api.new_org()
    p = await api.team(org, a=("OFFICER",), h=("OFFICER", "DEPT_HEAD"))
    items = []
    for _ in range(2):
        entry = await api.create_entry(p["a"].token, org)
        version = await edit(api, p["h"].token, entry, entry["version"])
        await api.act(p["a"].token, entry["id"], "SUBMIT", expected=version)
        items.append(entry["id"])

    first_review = await api.act(p["h"].token, items[0], "APPROVE", opinion="初审同意。")
    await api.act(p["a"].token, items[1], "APPROVE", opinion="初审同意。")
    rejected = await api.act(p["h"].token, items[1], "REJECT", opinion="请补充依据。")

    assert first_review["pendingTier"] == "department_review"
    assert (rejected["reviewState"], rejected["pendingTier"]) == ("REJECTED", None)


async def test_a_working_copys_own_savers_count_and_the_merging_approver_is_no_author(api):
    """The editor of a working copy cannot approve the copy at 审核; the unit head whose approval
    merged an earlier copy (and so wrote the merge version of the live item) is not its author."""
    org = await api.new_org()
    p = await api.team(
        org, a=("OFFICER",), e=("OFFICER", "DEPT_HEAD"), k=("DEPT_HEAD",), u=("UNIT_HEAD",), o=("OFFICE",)
    )
    live = await api.publish(org, p["a"].token, p["k"].token, p["u"].token)
    copy = (
        await api.ok(
            "mutation($id: ID!) { checkout(id: $id) { id version } }", {"id": live["id"]}, p["a"].token
        )
    )["checkout"]
    version = await edit(api, p["e"].token, copy, copy["version"])
    await api.ok(
        "mutation($id: ID!, $v: Int) { checkin(id: $id, expectedVersion: $v) { id } }",
        {"id": copy["id"], "v": version},
        p["a"].token,
    )
    await api.act(p["a"].token, copy["id"], "APPROVE", opinion="初审同意。")

    refused = await api.transition(p["e"].token, copy["id"], "APPROVE", opinion="审核同意。")
    await api.act(p["k"].token, copy["id"], "APPROVE", opinion="审核同意。")
    merged = await api.act(p["u"].token, copy["id"], "APPROVE", opinion="同意发布。")
    await api.act(p["o"].token, live["id"], "WITHDRAW", opinion="需更正后重新发布。")
    await api.act(p["a"].token, live["id"], "SUBMIT")
    await api.act(p["a"].token, live["id"], "APPROVE", opinion="初审同意。")
    await api.act(p["k"].token, live["id"], "APPROVE", opinion="审核同意。")
    again = await api.act(p["u"].token, live["id"], "APPROVE", opinion="同意发布。")

    assert error_of(refused) == ("SEPARATION_OF_DUTIES", "不能审核或审发自己起草、修改或提交的内容。")
    assert merged["id"] == live["id"]
    assert again["reviewState"] == "PUBLISHED"
