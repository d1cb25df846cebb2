"""The statutory review chain (先审查、后公开) through the real GraphQL API: three-tier review,
rejection, scheduled publication, withdrawal, separation of duties, confidentiality review, cross-agency
confirmation, optimistic concurrency, working copies, versions, validity changes, worklists, configurable
chains and accounts. Each refusal is asserted by its exact ``extensions.code``.

The database is shared by the whole session: every test works in organizations of its own, made by
demo-admin under the province root, and never depends on global counts.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from cms.content.ids import from_global_id
from tests.helpers import (
    ADMIN,
    DEPT_HEAD,
    FINDINGS,
    OFFICE,
    OFFICER,
    PASSWORD,
    UNIT_HEAD,
    Api,
    code_of,
    error_of,
    unique,
)


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api):
    """Tokens of the demo accounts (roles at the province root, covering every test organization)."""
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "office": OFFICE, "admin": ADMIN}
    return {key: await api.token(name) for key, name in names.items()}


async def anon_catalog_ids(api: Api, org: str) -> list[str]:
    data = await api.ok(
        "query($o: ID!) { catalog(filter: {organization: $o}, first: 100) { edges { node { id } } } }",
        {"o": org},
    )
    return [e["node"]["id"] for e in data["catalog"]["edges"]]


async def register(api: Api, org: str, token: str) -> list[dict]:
    data = await api.ok(
        "query($o: ID!) { reviewRegister(organization: $o, first: 500) {"
        " seq itemId action tier actorName opinion fromState toState } }",
        {"o": org},
        token,
    )
    return data["reviewRegister"]


async def verify(api: Api, org: str, token: str) -> dict:
    data = await api.ok(
        "query($o: ID!) { verifyReviewRegister(organization: $o) { ok checked firstBadSeq reason } }",
        {"o": org},
        token,
    )
    return data["verifyReviewRegister"]


def verify_ok(result: dict, checked: int) -> bool:
    assert result == {"ok": True, "checked": checked, "firstBadSeq": None, "reason": result["reason"]}
    return True


# --- the three tiers ---------------------------------------------------------------------------


async def test_three_tier_review_publishes_with_index_number_and_files_every_step(api, demo):
    org = await api.new_org()
    title = unique("三级审核")
    entry = await api.create_entry(demo["officer"], org, title, summary="内容概述")
    entry_id = entry["id"]
    assert (entry["reviewState"], entry["version"], entry["indexNumber"]) == ("DRAFT", 1, None)
    assert await api.node(entry_id) is None

    submitted = await api.act(demo["officer"], entry_id, "SUBMIT")
    assert (submitted["reviewState"], submitted["pendingTier"]) == ("PENDING_FIRST_REVIEW", "first_review")
    assert submitted["submittedAt"]
    first = await api.act(demo["officer"], entry_id, "APPROVE", opinion="初审同意。")
    assert (first["reviewState"], first["pendingTier"]) == ("PENDING_DEPARTMENT_REVIEW", "department_review")
    second = await api.act(demo["head"], entry_id, "APPROVE", opinion="审核同意。")
    assert (second["reviewState"], second["pendingTier"]) == ("PENDING_UNIT_APPROVAL", "unit_approval")
    assert await api.node(entry_id) is None  # 未经审查和批准不得对外发布

    final = await api.act(demo["unit"], entry_id, "APPROVE", opinion="同意发布。")
    assert (final["reviewState"], final["pendingTier"], final["scheduled"]) == ("PUBLISHED", None, False)
    assert final["indexNumber"]

    public = await api.node(entry_id)
    assert (public["title"], public["indexNumber"], public["reviewState"]) == (
        title,
        final["indexNumber"],
        "PUBLISHED",
    )
    assert await anon_catalog_ids(api, org) == [entry_id]
    by_index = await api.ok(
        "query($i: String!) { catalogEntry(indexNumber: $i) { id } }", {"i": final["indexNumber"]}
    )
    assert by_index["catalogEntry"] == {"id": entry_id}

    history = await api.history(entry_id, demo["officer"])
    steps = history["transitions"]
    assert [(s["action"], s["tier"], s["actorName"], s["opinion"]) for s in steps] == [
        ("submit", None, OFFICER, ""),
        ("approve", "first_review", OFFICER, "初审同意。"),
        ("approve", "department_review", DEPT_HEAD, "审核同意。"),
        ("approve", "unit_approval", UNIT_HEAD, "同意发布。"),
    ]
    assert len({s["actorId"] for s in steps}) == 3
    assert {s["itemId"] for s in steps} == {entry_id}
    assert steps[0]["findings"] is None
    for step in steps[1:]:
        assert step["findings"]["stateSecrets"] is False
        assert step["findings"]["personalPrivacy"] is False
        assert step["findings"]["proposedScope"] == "面向社会"
    assert [(s["fromState"], s["toState"]) for s in steps] == [
        ("draft", "pending_first_review"),
        ("pending_first_review", "pending_department_review"),
        ("pending_department_review", "pending_unit_approval"),
        ("pending_unit_approval", "published"),
    ]

    for reader in (demo["office"], demo["admin"]):
        records = await register(api, org, reader)
        assert [r["action"] for r in records] == ["approve", "approve", "approve", "submit"]  # newest first
        assert verify_ok(await verify(api, org, reader), 4)


async def test_rejection_needs_an_opinion_which_the_officer_reads_before_editing_and_resubmitting(api, demo):
    org = await api.new_org()
    entry = await api.create_entry(demo["officer"], org)
    entry_id = entry["id"]
    await api.act(demo["officer"], entry_id, "SUBMIT")
    await api.act(demo["officer"], entry_id, "APPROVE", opinion="初审同意。")

    refused = await api.transition(demo["head"], entry_id, "REJECT", opinion="  ")
    assert code_of(refused) == "OPINION_REQUIRED"
    assert (await api.node(entry_id, demo["officer"]))["reviewState"] == "PENDING_DEPARTMENT_REVIEW"

    rejected = await api.act(demo["head"], entry_id, "REJECT", opinion="请补充政策依据后重新报送。")
    assert (rejected["reviewState"], rejected["pendingTier"]) == ("REJECTED", None)

    history = await api.history(entry_id, demo["officer"])
    last = history["transitions"][-1]
    assert (last["action"], last["tier"], last["actorName"], last["opinion"]) == (
        "reject",
        "department_review",
        DEPT_HEAD,
        "请补充政策依据后重新报送。",
    )

    edited = await api.update_entry(demo["officer"], entry_id, 1, summary="已补充政策依据。")
    assert "errors" not in edited, edited
    assert edited["data"]["updateCatalogEntry"]["version"] == 2
    again = await api.act(demo["officer"], entry_id, "SUBMIT", expected=2)
    assert (again["reviewState"], again["pendingTier"], again["summary"]) == (
        "PENDING_FIRST_REVIEW",
        "first_review",
        "已补充政策依据。",
    )


async def test_final_approval_with_future_effective_is_scheduled_and_not_yet_public(api, demo):
    org = await api.new_org()
    entry = await api.create_entry(demo["officer"], org)
    entry_id = entry["id"]
    await api.act(demo["officer"], entry_id, "SUBMIT")
    await api.act(demo["officer"], entry_id, "APPROVE")
    await api.act(demo["head"], entry_id, "APPROVE")
    when = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)

    final = await api.act(demo["unit"], entry_id, "APPROVE", effective=when.isoformat())

    assert (final["reviewState"], final["scheduled"]) == ("PUBLISHED", True)
    assert datetime.fromisoformat(final["effective"]) == when
    assert final["indexNumber"]
    assert await api.node(entry_id) is None
    assert entry_id not in await anon_catalog_ids(api, org)
    assert (await api.node(entry_id, demo["office"]))["scheduled"] is True


async def test_withdrawal_needs_the_power_and_an_opinion_and_hides_the_item(api, demo):
    org = await api.new_org()
    published = await api.demo_publish(org)
    entry_id = published["id"]
    assert await api.node(entry_id) is not None

    assert code_of(await api.transition(demo["officer"], entry_id, "WITHDRAW", opinion="撤回")) == "FORBIDDEN"
    assert code_of(await api.transition(demo["office"], entry_id, "WITHDRAW")) == "OPINION_REQUIRED"
    assert (await api.node(entry_id))["reviewState"] == "PUBLISHED"

    withdrawn = await api.act(demo["office"], entry_id, "WITHDRAW", opinion="政策调整，撤回。")

    assert withdrawn["reviewState"] == "WITHDRAWN"
    assert await api.node(entry_id) is None
    assert entry_id not in await anon_catalog_ids(api, org)
    by_index = await api.ok(
        "query($i: String!) { catalogEntry(indexNumber: $i) { id } }", {"i": published["indexNumber"]}
    )
    assert by_index["catalogEntry"] is None
    last = (await api.history(entry_id, demo["office"]))["transitions"][-1]
    assert (last["action"], last["actorName"], last["opinion"]) == ("withdraw", OFFICE, "政策调整，撤回。")


# --- separation of duties ----------------------------------------------------------------------


@pytest.fixture(scope="module")
async def team(api):
    """A fresh organization with its own people: officers A and B, head H, unit head U, and X who is
    both department head and unit head; D drafts and also holds every review role."""
    org = await api.new_org()
    people = await api.team(
        org,
        a=("OFFICER",),
        b=("OFFICER",),
        h=("DEPT_HEAD",),
        u=("UNIT_HEAD",),
        x=("DEPT_HEAD", "UNIT_HEAD"),
        d=("OFFICER", "DEPT_HEAD", "UNIT_HEAD"),
    )
    return org, people


async def test_one_person_does_not_act_at_two_tiers_of_the_same_item(api, team):
    org, p = team
    entry = await api.create_entry(p["a"].token, org)
    entry_id = entry["id"]
    await api.act(p["a"].token, entry_id, "SUBMIT")
    # 承办人初审 of one's own draft is the documented exception (author_may_act on first_review).
    first = await api.act(p["a"].token, entry_id, "APPROVE", opinion="初审同意。")
    assert first["reviewState"] == "PENDING_DEPARTMENT_REVIEW"
    await api.act(p["x"].token, entry_id, "APPROVE", opinion="审核同意。")

    twice = await api.transition(p["x"].token, entry_id, "APPROVE", opinion="审发同意。")
    assert code_of(twice) == "SEPARATION_OF_DUTIES"
    assert code_of(await api.transition(p["x"].token, entry_id, "REJECT", opinion="退回。")) == (
        "SEPARATION_OF_DUTIES"
    )
    assert (await api.node(entry_id, p["u"].token))["reviewState"] == "PENDING_UNIT_APPROVAL"
    assert entry_id not in [w["item"]["id"] for w in await api.worklist(p["x"].token)]

    final = await api.act(p["u"].token, entry_id, "APPROVE", opinion="同意发布。")
    assert final["reviewState"] == "PUBLISHED"
    steps = (await api.history(entry_id, p["u"].token))["transitions"]
    assert [s["actorName"] for s in steps] == [
        p["a"].username,
        p["a"].username,
        p["x"].username,
        p["u"].username,
    ]


async def test_nobody_approves_their_own_draft_at_department_or_unit_tier(api, team):
    org, p = team
    drafter = p["d"]
    entry = await api.create_entry(drafter.token, org)
    entry_id = entry["id"]
    await api.act(drafter.token, entry_id, "SUBMIT")
    await api.act(p["b"].token, entry_id, "APPROVE", opinion="初审同意。")

    own = await api.transition(drafter.token, entry_id, "APPROVE", opinion="审核同意。")
    assert code_of(own) == "SEPARATION_OF_DUTIES"
    assert entry_id not in [w["item"]["id"] for w in await api.worklist(drafter.token)]
    await api.act(p["h"].token, entry_id, "APPROVE", opinion="审核同意。")

    own = await api.transition(drafter.token, entry_id, "APPROVE", opinion="审发同意。")
    assert code_of(own) == "SEPARATION_OF_DUTIES"
    assert (await api.node(entry_id, drafter.token))["reviewState"] == "PENDING_UNIT_APPROVAL"
    final = await api.act(p["u"].token, entry_id, "APPROVE", opinion="同意发布。")
    assert final["reviewState"] == "PUBLISHED"


# --- confidentiality review --------------------------------------------------------------------


REQUIRED, BLOCKS = "CONFIDENTIALITY_REVIEW_REQUIRED", "CONFIDENTIALITY_BLOCKS_RELEASE"


async def test_confidentiality_findings_are_required_and_secrets_block_proactive_release(api, demo):
    org = await api.new_org()
    entry = await api.create_entry(demo["officer"], org, disclosureMode="PROACTIVE")
    entry_id = entry["id"]
    await api.act(demo["officer"], entry_id, "SUBMIT")
    before = await api.node(entry_id, demo["officer"])
    steps_before = len((await api.history(entry_id, demo["officer"]))["transitions"])
    register_before = len(await register(api, org, demo["office"]))

    refusals = [
        (None, REQUIRED),
        ({**FINDINGS, "stateSecrets": True}, BLOCKS),
        ({**FINDINGS, "stateSecrets": True, "proposedMode": "NOT_DISCLOSED", "grounds": "涉密"}, BLOCKS),
        ({**FINDINGS, "personalPrivacy": True}, BLOCKS),
        ({**FINDINGS, "commercialSecrets": True}, BLOCKS),
        ({**FINDINGS, "proposedMode": "ON_REQUEST", "grounds": "涉及个人隐私"}, "DISCLOSURE_MODE_MISMATCH"),
    ]
    for findings, expected in refusals:
        body = await api.transition(demo["officer"], entry_id, "APPROVE", findings=findings)
        assert code_of(body) == expected, findings

    after = await api.node(entry_id, demo["officer"])
    assert after == before
    assert len((await api.history(entry_id, demo["officer"]))["transitions"]) == steps_before
    assert len(await register(api, org, demo["office"])) == register_before

    passed = await api.act(demo["officer"], entry_id, "APPROVE", findings=FINDINGS)
    assert passed["reviewState"] == "PENDING_DEPARTMENT_REVIEW"


# --- cross-agency confirmation -----------------------------------------------------------------


async def test_item_involving_another_agency_waits_for_its_confirmation(api, demo):
    home, other = await api.new_org(), await api.new_org()
    p = await api.team(home, o=("OFFICER",), h=("DEPT_HEAD",), u=("UNIT_HEAD",))
    q = await api.team(other, u=("UNIT_HEAD",), o=("OFFICER",))
    entry = await api.create_entry(p["o"].token, home, involvesOrganizations=[other])
    entry_id = entry["id"]
    assert entry["involvesOrganizations"] == [{"id": other}]
    await api.act(p["o"].token, entry_id, "SUBMIT")
    await api.act(p["o"].token, entry_id, "APPROVE")
    await api.act(p["h"].token, entry_id, "APPROVE")

    pending = await api.transition(p["u"].token, entry_id, "APPROVE", opinion="同意发布。")
    assert code_of(pending) == "CONFIRMATION_PENDING"
    assert (await api.node(entry_id, p["u"].token))["reviewState"] == "PENDING_UNIT_APPROVAL"

    asked = [w for w in await api.worklist(q["u"].token) if w["item"]["id"] == entry_id]
    assert [w["tier"] for w in asked] == [None]

    # Someone who sees the item but holds no review.approve at the other agency may not confirm for it.
    assert code_of(await api.transition(p["h"].token, entry_id, "CONFIRM", confirming=other)) == "FORBIDDEN"
    # Nor may the home unit head confirm on the other agency's behalf.
    assert code_of(await api.transition(p["u"].token, entry_id, "CONFIRM", confirming=other)) == "FORBIDDEN"
    # An officer of the other agency cannot even see the unpublished item.
    assert code_of(await api.transition(q["o"].token, entry_id, "CONFIRM", confirming=other)) == "NOT_FOUND"
    assert (
        code_of(await api.transition(q["u"].token, entry_id, "CONFIRM", confirming=home)) == "BAD_USER_INPUT"
    )

    confirmed = await api.act(q["u"].token, entry_id, "CONFIRM", confirming=other, opinion="经核，同意发布。")
    assert confirmed["reviewState"] == "PENDING_UNIT_APPROVAL"
    assert confirmed["confirmedOrganizations"] == [{"id": other}]
    again = await api.transition(q["u"].token, entry_id, "CONFIRM", confirming=other)
    assert code_of(again) == "TRANSITION_NOT_ALLOWED"

    assert entry_id not in [w["item"]["id"] for w in await api.worklist(q["u"].token)]
    for reviewer in (demo["unit"], p["u"].token):
        mine = [w for w in await api.worklist(reviewer) if w["item"]["id"] == entry_id]
        assert [w["tier"]["key"] if w["tier"] else None for w in mine] == ["unit_approval"]

    final = await api.act(p["u"].token, entry_id, "APPROVE", opinion="同意发布。")
    assert final["reviewState"] == "PUBLISHED"
    steps = (await api.history(entry_id, p["u"].token))["transitions"]
    confirm = [s for s in steps if s["action"] == "confirm"]
    assert len(confirm) == 1
    assert (confirm[0]["actorName"], confirm[0]["opinion"]) == (q["u"].username, "经核，同意发布。")


# --- optimistic concurrency --------------------------------------------------------------------


async def test_stale_expected_version_is_a_conflict_and_changes_nothing(api, demo):
    org = await api.new_org()
    entry = await api.create_entry(demo["officer"], org, summary="第一版")
    entry_id = entry["id"]
    assert "errors" not in await api.update_entry(demo["officer"], entry_id, 1, summary="第二版")

    assert code_of(await api.transition(demo["officer"], entry_id, "SUBMIT", expected=1)) == "CONFLICT"
    assert code_of(await api.update_entry(demo["officer"], entry_id, 1, summary="旧版上的修改")) == "CONFLICT"
    now = await api.node(entry_id, demo["officer"])
    assert (now["reviewState"], now["version"], now["summary"]) == ("DRAFT", 2, "第二版")

    await api.act(demo["officer"], entry_id, "SUBMIT", expected=2)
    stale = await api.transition(demo["officer"], entry_id, "APPROVE", expected=1)
    assert code_of(stale) == "CONFLICT"
    assert (await api.node(entry_id, demo["officer"]))["reviewState"] == "PENDING_FIRST_REVIEW"


async def test_concurrent_approvals_of_one_step_let_exactly_one_through(api, team):
    org, p = team
    entry = await api.create_entry(p["a"].token, org)
    entry_id = entry["id"]
    await api.act(p["a"].token, entry_id, "SUBMIT")
    await api.act(p["a"].token, entry_id, "APPROVE")

    # Two different department heads at once.
    bodies = await asyncio.gather(
        api.transition(p["h"].token, entry_id, "APPROVE", expected=1),
        api.transition(p["x"].token, entry_id, "APPROVE", expected=1),
    )
    assert sorted("errors" in b for b in bodies) == [False, True], bodies
    assert code_of(next(b for b in bodies if "errors" in b)) in {"CONFLICT", "TRANSITION_NOT_ALLOWED"}

    # The same unit head twice at once, at the final step (index number and publication).
    bodies = await asyncio.gather(*(api.transition(p["u"].token, entry_id, "APPROVE") for _ in range(2)))
    assert sorted("errors" in b for b in bodies) == [False, True], bodies
    assert code_of(next(b for b in bodies if "errors" in b)) in {"CONFLICT", "TRANSITION_NOT_ALLOWED"}

    steps = (await api.history(entry_id, p["u"].token))["transitions"]
    assert [s["tier"] for s in steps] == [None, "first_review", "department_review", "unit_approval"]
    records = [r for r in await register(api, org, p["u"].token) if r["itemId"] == entry_id]
    assert sorted(r["tier"] or "" for r in records) == [
        "",
        "department_review",
        "first_review",
        "unit_approval",
    ]
    live = await api.node(entry_id)
    assert live["reviewState"] == "PUBLISHED"
    assert live["indexNumber"]


async def test_transitions_not_allowed_from_the_current_state(api, demo):
    org = await api.new_org()
    draft = await api.create_entry(demo["officer"], org)
    assert code_of(await api.transition(demo["officer"], draft["id"], "APPROVE")) == "TRANSITION_NOT_ALLOWED"
    assert code_of(await api.transition(demo["head"], draft["id"], "REJECT", opinion="退回")) == (
        "TRANSITION_NOT_ALLOWED"
    )
    withdraw = await api.transition(demo["office"], draft["id"], "WITHDRAW", opinion="撤回")
    assert code_of(withdraw) == "TRANSITION_NOT_ALLOWED"

    published = await api.demo_publish(org)
    assert (
        code_of(await api.transition(demo["officer"], published["id"], "SUBMIT")) == "TRANSITION_NOT_ALLOWED"
    )
    assert code_of(await api.transition(demo["unit"], published["id"], "APPROVE")) == "TRANSITION_NOT_ALLOWED"

    await api.act(demo["officer"], draft["id"], "SUBMIT")
    assert code_of(await api.transition(demo["officer"], draft["id"], "SUBMIT")) == "TRANSITION_NOT_ALLOWED"
    assert (await api.node(draft["id"], demo["officer"]))["reviewState"] == "PENDING_FIRST_REVIEW"


# --- working copies, versions, validity --------------------------------------------------------

CHECKOUT = """mutation($id: ID!) { checkout(id: $id) {
  id title version reviewState workingCopyOf } }"""
CHECKIN = """mutation($id: ID!, $v: Int) { checkin(id: $id, expectedVersion: $v, opinion: "修改后报审") {
  id title version reviewState pendingTier workingCopyOf } }"""
CANCEL = "mutation($id: ID!) { cancelCheckout(id: $id) { id title version reviewState workingCopyOf } }"


async def test_working_copy_goes_through_review_while_the_live_version_stays(api, demo):
    org = await api.new_org()
    old_title, new_title = unique("原标题"), unique("新标题")
    live = await api.demo_publish(org, old_title)
    live_id = live["id"]

    direct = await api.update_entry(demo["officer"], live_id, live["version"], title=new_title)
    assert code_of(direct) == "TRANSITION_NOT_ALLOWED"

    copy = (await api.ok(CHECKOUT, {"id": live_id}, demo["officer"]))["checkout"]
    copy_id = copy["id"]
    assert copy_id != live_id
    assert (copy["workingCopyOf"], copy["reviewState"], copy["title"]) == (live_id, "DRAFT", old_title)
    edited = await api.update_entry(demo["officer"], copy_id, copy["version"], title=new_title)
    assert "errors" not in edited, edited

    async def live_is_unchanged() -> None:
        public = await api.node(live_id)
        assert (public["title"], public["version"], public["reviewState"]) == (
            old_title,
            live["version"],
            "PUBLISHED",
        )
        assert await api.node(copy_id) is None

    await live_is_unchanged()
    submitted = (await api.ok(CHECKIN, {"id": copy_id, "v": 2}, demo["officer"]))["checkin"]
    assert (submitted["reviewState"], submitted["workingCopyOf"]) == ("PENDING_FIRST_REVIEW", live_id)
    await live_is_unchanged()
    await api.act(demo["officer"], copy_id, "APPROVE")
    await live_is_unchanged()
    await api.act(demo["head"], copy_id, "APPROVE")
    await live_is_unchanged()

    merged = await api.act(demo["unit"], copy_id, "APPROVE", opinion="同意发布修改。")
    assert merged["id"] == live_id

    public = await api.node(live_id)
    assert public["title"] == new_title
    assert public["version"] > live["version"]
    assert public["indexNumber"] == live["indexNumber"]
    assert public["reviewState"] == "PUBLISHED"
    assert public["workingCopyOf"] is None
    assert await api.node(copy_id, demo["officer"]) is None
    steps = (await api.history(live_id, demo["office"]))["transitions"]
    assert [s["action"] for s in steps][-4:] == ["submit", "approve", "approve", "approve"]

    # cancelCheckout deletes an unsubmitted copy and returns the live version.
    second = (await api.ok(CHECKOUT, {"id": live_id}, demo["officer"]))["checkout"]
    assert second["workingCopyOf"] == live_id
    cancelled = (await api.ok(CANCEL, {"id": second["id"]}, demo["officer"]))["cancelCheckout"]
    assert (cancelled["id"], cancelled["title"]) == (live_id, new_title)
    assert await api.node(second["id"], demo["officer"]) is None
    assert (await api.node(live_id))["title"] == new_title


async def test_diff_lists_changed_fields_and_revert_makes_a_new_version(api, demo):
    org = await api.new_org()
    t1, t3 = unique("第一版"), unique("第三版")
    entry = await api.create_entry(demo["officer"], org, t1, summary="概述一", body="正文")
    entry_id = entry["id"]
    assert "errors" not in await api.update_entry(demo["officer"], entry_id, 1, title=t3)
    assert "errors" not in await api.update_entry(demo["officer"], entry_id, 2, summary="概述三")

    diff = await api.ok(
        "query($id: ID!) { diff(id: $id, fromVersion: 1, toVersion: 3) { field before after } }",
        {"id": entry_id},
        demo["officer"],
    )
    assert diff["diff"] == [
        {"field": "summary", "before": "概述一", "after": "概述三"},
        {"field": "title", "before": t1, "after": t3},
    ]

    reverted = await api.ok(
        "mutation($id: ID!) { revert(id: $id, toVersion: 1, expectedVersion: 3) {"
        " id version title ... on CatalogEntry { summary } } }",
        {"id": entry_id},
        demo["officer"],
    )
    assert reverted["revert"] == {"id": entry_id, "version": 4, "title": t1, "summary": "概述一"}
    versions = (await api.history(entry_id, demo["officer"]))["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    assert versions[3]["data"] == versions[0]["data"]
    stale = await api.post(
        "mutation($id: ID!) { revert(id: $id, toVersion: 2, expectedVersion: 3) { id } }",
        {"id": entry_id},
        demo["officer"],
    )
    assert code_of(stale) == "CONFLICT"


# The admin history page's query (admin-ui/src/graphql/operations.ts, DIFF).
DIFF = """
  query Diff($id: ID!, $from: Int!, $to: Int!) {
    diff(id: $id, fromVersion: $from, toVersion: $to) { field before after }
  }
"""


@pytest.mark.parametrize(
    ("first", "second", "before", "after"),
    [
        pytest.param(
            {}, {"documentNumber": "云政发〔2026〕1号"}, None, "云政发〔2026〕1号", id="added-later"
        ),
        pytest.param(
            {"documentNumber": "云政发〔2026〕2号"},
            {"documentNumber": None},
            "云政发〔2026〕2号",
            None,
            id="removed",
        ),
    ],
)
async def test_diff_of_a_field_empty_on_one_side(api, demo, first, second, before, after):
    org = await api.new_org()
    entry = await api.create_entry(demo["officer"], org, unique("文号"), **first)
    assert "errors" not in await api.update_entry(demo["officer"], entry["id"], 1, **second)

    body = await api.post(DIFF, {"id": entry["id"], "from": 1, "to": 2}, demo["officer"])

    assert body == {"data": {"diff": [{"field": "document_number", "before": before, "after": after}]}}


async def test_repeal_takes_effect_only_after_review_and_the_original_stays_published(api, demo):
    org = await api.new_org()
    old = await api.demo_publish(org, unique("被废止文件"))
    successor = await api.demo_publish(org, unique("新文件"))
    on = "2026-03-01"

    changed = await api.ok(
        "mutation($id: ID!, $s: ID!, $d: Date!) {"
        " changeValidity(id: $id, validity: REPEALED, successor: $s, date: $d) {"
        " id version validity repealDate workingCopyOf reviewState repealedBy { id } } }",
        {"id": old["id"], "s": successor["id"], "d": on},
        demo["officer"],
    )
    copy = changed["changeValidity"]
    assert (copy["workingCopyOf"], copy["validity"], copy["repealDate"], copy["reviewState"]) == (
        old["id"],
        "REPEALED",
        on,
        "DRAFT",
    )
    assert copy["repealedBy"] == [{"id": successor["id"]}]

    async def still_valid() -> None:
        public = await api.node(old["id"])
        assert (public["validity"], public["reviewState"], public["repealDate"]) == (
            "VALID",
            "PUBLISHED",
            None,
        )

    await still_valid()
    submitted = (await api.ok(CHECKIN, {"id": copy["id"], "v": copy["version"]}, demo["officer"]))["checkin"]
    assert submitted["reviewState"] == "PENDING_FIRST_REVIEW"
    await api.act(demo["officer"], copy["id"], "APPROVE")
    await api.act(demo["head"], copy["id"], "APPROVE")
    await still_valid()
    await api.act(demo["unit"], copy["id"], "APPROVE")

    data = await api.ok(
        "query($a: ID!, $b: ID!) {"
        " a: node(id: $a) { ... on CatalogEntry { validity validityLabel reviewState repealDate indexNumber"
        " repealedBy { id } } }"
        " b: node(id: $b) { ... on CatalogEntry { repeals { id } } } }",
        {"a": old["id"], "b": successor["id"]},
    )
    assert data["a"] == {
        "validity": "REPEALED",
        "validityLabel": "废止",
        "reviewState": "PUBLISHED",
        "repealDate": on,
        "indexNumber": old["indexNumber"],
        "repealedBy": [{"id": successor["id"]}],
    }
    assert data["b"] == {"repeals": [{"id": old["id"]}]}
    assert await api.node(copy["id"], demo["officer"]) is None


# --- worklists ---------------------------------------------------------------------------------


async def test_worklists_hold_exactly_what_awaits_each_reviewers_tier_oldest_first(api):
    org = await api.new_org()
    p = await api.team(org, a=("OFFICER",), h=("DEPT_HEAD",), u=("UNIT_HEAD",), x=("DEPT_HEAD", "UNIT_HEAD"))
    a = p["a"].token
    made = {}
    for name in ("first_late", "first_early", "dept_late", "dept_early", "unit", "draft", "rejected"):
        made[name] = (await api.create_entry(a, org, unique(name)))["id"]
    # Submitted in the opposite order of creation: "oldest first" is by submission.
    for name in ("unit", "rejected", "dept_early", "dept_late", "first_early", "first_late"):
        await api.act(a, made[name], "SUBMIT")
    for name in ("unit", "rejected", "dept_early", "dept_late"):
        await api.act(a, made[name], "APPROVE")
    await api.act(p["x"].token, made["unit"], "APPROVE")
    await api.act(p["h"].token, made["rejected"], "REJECT", opinion="请补充。")

    expected = {
        "a": (["first_early", "first_late"], "first_review"),
        "h": (["dept_early", "dept_late"], "department_review"),
        "x": (["dept_early", "dept_late"], "department_review"),  # not "unit": X acted on it at 审核
        "u": (["unit"], "unit_approval"),
    }
    names = {v: k for k, v in made.items()}
    for who, (items, tier) in expected.items():
        work = await api.worklist(p[who].token)
        assert [names.get(w["item"]["id"], w["item"]["id"]) for w in work] == items, who
        for w in work:
            assert w["tier"]["key"] == tier
            assert w["item"]["pendingTier"] == tier
            assert w["workingDaysWaiting"] >= 0
            assert w["dueOn"] >= w["formedOn"]
            assert w["submittedOn"]


# --- configurable chains -----------------------------------------------------------------------

SET_CHAIN = (
    """mutation($o: ID!, $t: [ReviewTierInput!]) { setReviewChain(organization: $o, tiers: $t) { id } }"""
)
CHAIN = "query($o: ID!) { reviewChain(organization: $o) { key permission authorMayAct } }"
SECRECY_CHAIN = [
    {"key": "first_review", "label": "承办人初审", "permission": "review.first", "authorMayAct": True},
    {"key": "department_review", "label": "承办部门负责人审核", "permission": "review.department"},
    {"key": "secrecy_review", "label": "保密审查", "permission": "review.secrecy"},
    {"key": "unit_approval", "label": "单位负责人审发", "permission": "review.approve"},
]


async def test_an_organization_can_add_a_secrecy_tier_that_only_the_secrecy_role_passes(api, demo):
    org = await api.new_org()
    await api.ok(SET_CHAIN, {"o": org, "t": SECRECY_CHAIN}, demo["admin"])
    p = await api.team(org, a=("OFFICER",), h=("DEPT_HEAD",), s=("SECRECY",), u=("UNIT_HEAD",))
    chain = (await api.ok(CHAIN, {"o": org}, demo["admin"]))["reviewChain"]
    assert [(t["key"], t["permission"]) for t in chain] == [
        (t["key"], t["permission"]) for t in SECRECY_CHAIN
    ]

    entry = await api.create_entry(p["a"].token, org)
    entry_id = entry["id"]
    await api.act(p["a"].token, entry_id, "SUBMIT")
    await api.act(p["a"].token, entry_id, "APPROVE")
    waiting = await api.act(p["h"].token, entry_id, "APPROVE")
    assert (waiting["reviewState"], waiting["pendingTier"]) == ("PENDING_REVIEW", "secrecy_review")

    for who in (p["u"].token, p["h"].token, demo["unit"]):
        assert code_of(await api.transition(who, entry_id, "APPROVE")) == "FORBIDDEN"
    assert [w["tier"]["key"] for w in await api.worklist(p["s"].token)] == ["secrecy_review"]
    assert entry_id not in [w["item"]["id"] for w in await api.worklist(p["u"].token)]

    passed = await api.act(p["s"].token, entry_id, "APPROVE", opinion="经保密审查，可以公开。")
    assert (passed["reviewState"], passed["pendingTier"]) == ("PENDING_UNIT_APPROVAL", "unit_approval")
    final = await api.act(p["u"].token, entry_id, "APPROVE")
    assert final["reviewState"] == "PUBLISHED"
    tiers = [s["tier"] for s in (await api.history(entry_id, p["u"].token))["transitions"]]
    assert tiers == [None, "first_review", "department_review", "secrecy_review", "unit_approval"]

    await api.ok(SET_CHAIN, {"o": org, "t": None}, demo["admin"])
    default = (await api.ok(CHAIN, {"o": org}, demo["admin"]))["reviewChain"]
    assert [t["key"] for t in default] == ["first_review", "department_review", "unit_approval"]


def _tier(key: str, permission: str) -> dict:
    return {"key": key, "label": key, "permission": permission}


@pytest.mark.parametrize(
    "tiers",
    [
        pytest.param([], id="empty"),
        pytest.param([_tier("a", "review.first"), _tier("a", "review.approve")], id="duplicate-keys"),
        pytest.param(
            [_tier("a", "review.everything"), _tier("b", "review.approve")], id="unknown-permission"
        ),
        pytest.param([_tier("a", "content.edit"), _tier("b", "review.approve")], id="non-review-permission"),
        pytest.param([_tier("a", "review.first"), _tier("b", "review.department")], id="last-not-approve"),
    ],
)
async def test_bad_review_chains_are_refused(api, demo, tiers):
    org = await api.new_org()
    body = await api.post(SET_CHAIN, {"o": org, "t": tiers}, demo["admin"])
    assert code_of(body) == "BAD_USER_INPUT"
    chain = (await api.ok(CHAIN, {"o": org}, demo["admin"]))["reviewChain"]
    assert [t["key"] for t in chain] == ["first_review", "department_review", "unit_approval"]


# --- accounts ----------------------------------------------------------------------------------

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
ME = "{ me { user { username } grants { role subtree organization { key } } } }"


async def test_wrong_password_and_unknown_user_are_the_same_invalid_credentials(api):
    org = await api.new_org()
    person = await api.new_user(org)
    wrong = await api.post(LOGIN, {"u": person.username, "p": "Wrong-pass-2026x"})
    unknown = await api.post(LOGIN, {"u": f"nobody-{uuid.uuid4().hex[:8]}", "p": PASSWORD})
    assert error_of(wrong)[0] == "INVALID_CREDENTIALS"
    assert error_of(wrong) == error_of(unknown)
    assert wrong["data"] is None


def _token(settings, user_id: str, *, key: bytes | None = None, expires: datetime | None = None) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    secret = settings.secret_key.get_secret_value().encode()
    claims = {
        "sub": user_id,
        "jti": uuid.uuid4().hex,
        "iat": now - timedelta(hours=9),
        "exp": expires or now + timedelta(hours=1),
        "iss": "gongkai",
        "aud": "gongkai-api",
    }
    return jwt.encode(claims, key or hashlib.sha256(b"gongkai-token\0" + secret).digest(), algorithm="HS256")


async def test_bad_bearer_tokens_get_401_with_their_codes(api, settings):
    org = await api.new_org()
    person = await api.new_user(org)
    user_id = str(from_global_id(person.id)[1])
    now = datetime.now(UTC).replace(microsecond=0)
    cases = [
        ("garbage", "TOKEN_INVALID"),
        (_token(settings, user_id, key=b"x" * 32), "TOKEN_INVALID"),  # forged: another key
        (person.token[:-4] + ("AAAA" if not person.token.endswith("AAAA") else "BBBB"), "TOKEN_INVALID"),
        (_token(settings, user_id, expires=now - timedelta(minutes=1)), "TOKEN_EXPIRED"),
    ]
    for token, code in cases:
        body = await api.post(ME, None, token, status=401)
        assert code_of(body) == code, token
    assert (await api.ok(ME, None, _token(settings, user_id)))["me"]["user"]["username"] == person.username


async def test_logout_revokes_the_token_and_me_reflects_who_is_signed_in(api):
    assert (await api.ok(ME))["me"] is None
    token = await api.login(OFFICER)
    me = (await api.ok(ME, None, token))["me"]
    assert me["user"]["username"] == OFFICER
    assert {"role": "OFFICER", "subtree": True, "organization": {"key": "yn-gov"}} in me["grants"]

    assert (await api.ok("mutation { logout }", None, token)) == {"logout": True}
    body = await api.post(ME, None, token, status=401)
    assert code_of(body) == "TOKEN_REVOKED"
    assert code_of(await api.post("mutation { logout }", None, token, status=401)) == "TOKEN_REVOKED"
