"""``Content.workingCopy`` (who checked a published item out, when, and where the copy stands) and
``Organization.ownReviewChain``, through the real GraphQL API.

Both are staff information: ``workingCopy`` is null for every caller who may not read the
organization's unpublished items (so nobody else learns that a copy exists), and ``ownReviewChain`` is
guarded like ``reviewChain``. The database is shared by the whole session: every test works in
organizations of its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from cms.content.store import ContentService
from tests.helpers import ADMIN, DEPT_HEAD, OFFICE, OFFICER, UNIT_HEAD, Api, code_of, unique

INFO = "workingCopy { id checkedOutBy checkedOutAt reviewState }"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Content {{ id title version reviewState {INFO} }} }} }}"
CHECKOUT = "mutation($id: ID!) { checkout(id: $id) { id version workingCopyOf } }"
CANCEL = "mutation($id: ID!) { cancelCheckout(id: $id) { id } }"
CHECKIN = "mutation($id: ID!, $v: Int) { checkin(id: $id, expectedVersion: $v) { id reviewState } }"
OWN_CHAIN = "query($o: ID!) { node(id: $o) { ... on Organization { id ownReviewChain { key label permission authorMayAct } } } }"
SET_CHAIN = "mutation($o: ID!, $t: [ReviewTierInput!]) { setReviewChain(organization: $o, tiers: $t) { id ownReviewChain { key } } }"
SECRECY_CHAIN = [
    {"key": "first_review", "label": "承办人初审", "permission": "review.first", "authorMayAct": True},
    {
        "key": "department_review",
        "label": "承办部门负责人审核",
        "permission": "review.department",
        "authorMayAct": False,
    },
    {"key": "secrecy_review", "label": "保密审查", "permission": "review.secrecy", "authorMayAct": False},
    {
        "key": "unit_approval",
        "label": "单位负责人审发",
        "permission": "review.approve",
        "authorMayAct": False,
    },
]


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api):
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "office": OFFICE, "admin": ADMIN}
    return {key: await api.token(name) for key, name in names.items()}


async def node(api: Api, item: str, token: str | None = None) -> Any:
    return (await api.ok(NODE, {"id": item}, token))["node"]


async def shown_name(api: Api, token: str) -> str:
    user = (await api.ok("{ me { user { username displayName } } }", None, token))["me"]["user"]
    name: str = user["displayName"] or user["username"]
    return name


async def checkout(api: Api, token: str, item: str) -> dict[str, Any]:
    copy: dict[str, Any] = (await api.ok(CHECKOUT, {"id": item}, token))["checkout"]
    return copy


async def test_staff_of_the_organization_see_the_working_copy_and_nobody_else_does(api, demo):
    org, elsewhere = await api.new_org(), await api.new_org()
    outsider = await api.new_user(elsewhere, "OFFICER", "DEPT_HEAD", "UNIT_HEAD", "OFFICE")
    live = await api.demo_publish(org, title=unique("已发布"))
    anonymous_before = await node(api, live["id"])
    assert (await node(api, live["id"], demo["officer"]))["workingCopy"] is None

    copy = await checkout(api, demo["officer"], live["id"])

    staff = (await node(api, live["id"], demo["officer"]))["workingCopy"]
    assert staff["id"] == copy["id"]
    assert staff["checkedOutBy"] == await shown_name(api, demo["officer"])
    assert staff["checkedOutAt"]
    assert staff["reviewState"] == "DRAFT"
    # Anybody on the organization's staff, not just the one who checked it out.
    assert (await node(api, live["id"], demo["office"]))["workingCopy"] == staff
    # The public and staff of an unrelated organization learn nothing: the same answer as before.
    assert await node(api, live["id"]) == anonymous_before
    assert anonymous_before["workingCopy"] is None
    assert await node(api, live["id"], outsider.token) == anonymous_before
    assert await node(api, copy["id"]) is None
    # A working copy has no working copy of its own.
    assert (await node(api, copy["id"], demo["officer"]))["workingCopy"] is None

    await api.ok(CANCEL, {"id": copy["id"]}, demo["officer"])

    assert (await node(api, live["id"], demo["officer"]))["workingCopy"] is None


async def test_the_display_name_of_whoever_checked_out_and_the_review_state_as_it_moves(api, demo):
    org = await api.new_org()
    live = await api.demo_publish(org)
    editor = await api.new_user(org, "OFFICER")  # display name = username (tests.helpers)
    copy = await checkout(api, editor.token, live["id"])
    assert (await node(api, live["id"], demo["office"]))["workingCopy"]["checkedOutBy"] == editor.username

    await api.ok(CHECKIN, {"id": copy["id"], "v": copy["version"]}, editor.token)
    waiting = (await node(api, live["id"], demo["office"]))["workingCopy"]
    assert (waiting["id"], waiting["reviewState"]) == (copy["id"], "PENDING_FIRST_REVIEW")
    assert (await node(api, live["id"]))["workingCopy"] is None

    await api.act(demo["officer"], copy["id"], "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], copy["id"], "APPROVE", opinion="审核同意。")
    issued = await api.act(demo["unit"], copy["id"], "APPROVE", opinion="同意发布。")

    assert issued["id"] == live["id"]
    after = await node(api, live["id"], demo["office"])
    assert (after["version"], after["workingCopy"]) == (live["version"] + 1, None)


async def test_every_content_type_has_the_field(api, demo):
    org = await api.new_org()
    data = await api.ok(
        "mutation($i: InterviewInput!) { createInterview(input: $i) { id } }",
        {"i": {"organization": org, "title": unique("访谈")}},
        demo["officer"],
    )
    item = data["createInterview"]["id"]
    await api.act(demo["officer"], item, "SUBMIT")
    await api.act(demo["officer"], item, "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], item, "APPROVE", opinion="审核同意。")
    await api.act(demo["unit"], item, "APPROVE", opinion="同意发布。")

    copy = await checkout(api, demo["officer"], item)

    assert (await node(api, item, demo["officer"]))["workingCopy"]["id"] == copy["id"]
    assert (await node(api, item))["workingCopy"] is None


async def test_a_list_page_reads_all_working_copies_in_one_query(api, demo, services, monkeypatch):
    org = await api.new_org()
    entries = [await api.demo_publish(org, title=unique("列表")) for _ in range(3)]
    copies = {e["id"]: await checkout(api, demo["officer"], e["id"]) for e in entries[:2]}
    reads: list[dict[str, Any]] = []
    original = ContentService.find_visible

    async def counted(self: ContentService, cls: Any, base: dict[str, Any], *args: Any, **kw: Any) -> Any:
        if "working_copy_of" in base and isinstance(base["working_copy_of"], dict):
            reads.append(base)
        return await original(self, cls, base, *args, **kw)

    monkeypatch.setattr(ContentService, "find_visible", counted)
    page = "query($o: ID!) { catalog(filter: {organization: $o}, first: 10) { edges { node { id workingCopy { id checkedOutBy } } } } }"

    staff = await api.ok(page, {"o": org}, demo["office"])

    found = {e["node"]["id"]: e["node"]["workingCopy"] for e in staff["catalog"]["edges"]}
    # Staff's catalog lists the copies themselves too (as drafts); they have no copy of their own.
    assert [found.pop(copy["id"]) for copy in copies.values()] == [None, None]
    name = await shown_name(api, demo["officer"])
    assert found == {
        **{live: {"id": copy["id"], "checkedOutBy": name} for live, copy in copies.items()},
        entries[2]["id"]: None,
    }
    assert len(reads) == 1
    reads.clear()
    public = await api.ok(page, {"o": org})
    assert {e["node"]["workingCopy"] for e in public["catalog"]["edges"]} == {None}
    assert reads == []  # the public's page does not even look


async def test_own_review_chain_is_null_while_inheriting_and_the_list_once_set(api, demo):
    parent = await api.new_org()
    org = await api.new_org(parent)
    own = await api.ok(OWN_CHAIN, {"o": org}, demo["officer"])
    assert own["node"] == {"id": org, "ownReviewChain": None}

    set_on_parent = await api.ok(SET_CHAIN, {"o": parent, "t": SECRECY_CHAIN}, demo["admin"])
    assert [t["key"] for t in set_on_parent["setReviewChain"]["ownReviewChain"]] == [
        t["key"] for t in SECRECY_CHAIN
    ]
    # The child inherits the parent's chain: reviewChain has it, ownReviewChain stays null.
    effective = await api.ok(
        "query($o: ID!) { reviewChain(organization: $o) { key } }", {"o": org}, demo["officer"]
    )
    assert [t["key"] for t in effective["reviewChain"]] == [t["key"] for t in SECRECY_CHAIN]
    assert (await api.ok(OWN_CHAIN, {"o": org}, demo["officer"]))["node"]["ownReviewChain"] is None

    await api.ok(SET_CHAIN, {"o": org, "t": SECRECY_CHAIN}, demo["admin"])
    assert (await api.ok(OWN_CHAIN, {"o": org}, demo["officer"]))["node"]["ownReviewChain"] == SECRECY_CHAIN

    await api.ok(SET_CHAIN, {"o": org, "t": None}, demo["admin"])
    assert (await api.ok(OWN_CHAIN, {"o": org}, demo["officer"]))["node"]["ownReviewChain"] is None


async def test_own_review_chain_is_guarded_like_review_chain(api, demo):
    org, elsewhere = await api.new_org(), await api.new_org()
    await api.ok(SET_CHAIN, {"o": org, "t": SECRECY_CHAIN}, demo["admin"])
    outsider = await api.new_user(elsewhere, "OFFICER")
    effective = "query($o: ID!) { reviewChain(organization: $o) { key } }"

    for token, code in ((None, "UNAUTHENTICATED"), (outsider.token, "FORBIDDEN")):
        assert code_of(await api.post(effective, {"o": org}, token)) == code
        body = await api.post(OWN_CHAIN, {"o": org}, token)
        assert code_of(body) == code
        assert body["errors"][0]["path"] == ["node", "ownReviewChain"]
        assert body["data"]["node"] == {"id": org, "ownReviewChain": None}  # the rest still answers
        assert "secrecy_review" not in str(body)
