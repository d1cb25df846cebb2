"""``allowedActions`` and ``editable`` on every content item: what the caller may do now, answered by
the server from the rules the mutations enforce (state, tier in effect, permissions, separation of
duties), so the admin app shows exactly what the server will accept.

Each test works in an organization of its own (the database is shared by the session)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import ADMIN, DEPT_HEAD, OFFICE, OFFICER, UNIT_HEAD, Api, code_of

STATES = ("DRAFT", "FIRST", "DEPARTMENT", "UNIT", "PUBLISHED", "REJECTED", "WITHDRAWN", "COPY")
ACCOUNTS = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "office": OFFICE, "admin": ADMIN}
ASKED = "id reviewState allowedActions editable"
# The refusals that mean "not allowed for this caller in this state" (as opposed to missing content).
REFUSALS = {"FORBIDDEN", "TRANSITION_NOT_ALLOWED", "SEPARATION_OF_DUTIES", "NOT_FOUND"}


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api) -> dict[str, str]:
    return {key: await api.token(name) for key, name in ACCOUNTS.items()}


async def in_state(api: Api, demo: dict[str, str], org: str, state: str) -> str:
    """A new catalog entry of ``org``, taken by the demo accounts into ``state``; its id (for COPY,
    the id of a working copy of a published entry)."""
    officer, head, unit = demo["officer"], demo["head"], demo["unit"]
    entry: str = (await api.create_entry(officer, org, summary="内容概述"))["id"]
    steps: dict[str, list[tuple[str, str, str]]] = {
        "DRAFT": [],
        "FIRST": [(officer, "SUBMIT", "")],
        "DEPARTMENT": [(officer, "SUBMIT", ""), (officer, "APPROVE", "")],
        "UNIT": [(officer, "SUBMIT", ""), (officer, "APPROVE", ""), (head, "APPROVE", "")],
        "REJECTED": [(officer, "SUBMIT", ""), (officer, "REJECT", "请补充。")],
    }
    published = [
        (officer, "SUBMIT", ""),
        (officer, "APPROVE", ""),
        (head, "APPROVE", ""),
        (unit, "APPROVE", ""),
    ]
    steps["PUBLISHED"] = steps["COPY"] = published
    steps["WITHDRAWN"] = [*published, (unit, "WITHDRAW", "撤回。")]
    for token, action, opinion in steps[state]:
        await api.act(token, entry, action, opinion=opinion)
    if state == "COPY":
        data = await api.ok("mutation($id: ID!) { checkout(id: $id) { id } }", {"id": entry}, officer)
        entry = data["checkout"]["id"]
    return entry


async def asked(api: Api, item: str, token: str | None) -> Any:
    data = await api.ok(
        f"query($id: ID!) {{ node(id: $id) {{ ... on Content {{ {ASKED} }} }} }}", {"id": item}, token
    )
    return data["node"]


@pytest.fixture(scope="module")
async def items(api, demo) -> dict[str, str]:
    org = await api.new_org()
    return {state: await in_state(api, demo, org, state) for state in STATES}


# (state, account): (allowedActions, editable)
EXPECTED: dict[tuple[str, str], tuple[list[str], bool]] = {
    ("DRAFT", "officer"): (["SUBMIT"], True),
    ("DRAFT", "head"): ([], True),
    ("DRAFT", "unit"): ([], False),
    ("DRAFT", "office"): ([], False),
    ("DRAFT", "admin"): ([], False),
    ("FIRST", "officer"): (["APPROVE", "REJECT"], False),
    ("FIRST", "head"): ([], False),
    ("FIRST", "unit"): ([], False),
    ("DEPARTMENT", "officer"): ([], False),
    ("DEPARTMENT", "head"): (["APPROVE", "REJECT"], False),
    ("DEPARTMENT", "unit"): ([], False),
    ("UNIT", "head"): ([], False),
    ("UNIT", "unit"): (["APPROVE", "REJECT"], False),
    ("UNIT", "office"): ([], False),
    ("PUBLISHED", "officer"): (["CHECKOUT"], False),
    ("PUBLISHED", "head"): (["CHECKOUT"], False),
    ("PUBLISHED", "unit"): (["WITHDRAW"], False),
    ("PUBLISHED", "office"): (["WITHDRAW"], False),
    ("PUBLISHED", "admin"): ([], False),
    ("REJECTED", "officer"): (["SUBMIT"], True),
    ("REJECTED", "unit"): ([], False),
    ("WITHDRAWN", "officer"): (["SUBMIT"], True),
    ("WITHDRAWN", "head"): ([], True),
    ("WITHDRAWN", "office"): ([], False),
    ("COPY", "officer"): (["SUBMIT", "CHECKIN", "CANCEL_CHECKOUT"], True),
    ("COPY", "head"): (["CANCEL_CHECKOUT"], True),
    ("COPY", "unit"): ([], False),
}


@pytest.mark.parametrize(("state", "account"), list(EXPECTED), ids=[f"{s}-{a}" for s, a in EXPECTED])
async def test_allowed_actions_and_editable_follow_state_and_role(api, demo, items, state, account):
    # given an item in ``state``, when a demo account asks
    node = await asked(api, items[state], demo[account])
    # then it is told what the server would accept from it
    assert (node["allowedActions"], node["editable"]) == EXPECTED[(state, account)]


async def test_anonymous_may_do_nothing_with_a_published_item(api, items):
    assert await asked(api, items["PUBLISHED"], None) == {
        "id": items["PUBLISHED"],
        "reviewState": "PUBLISHED",
        "allowedActions": [],
        "editable": False,
    }


async def test_who_saved_a_version_may_reject_but_not_approve_at_a_later_tier(api, demo):
    # given an approver who also edits: they saved a version of the item before it reached their tier
    org = await api.new_org()
    approver = await api.new_user(org, "OFFICER", "UNIT_HEAD")
    entry = (await api.create_entry(demo["officer"], org, summary="内容概述"))["id"]
    await api.update_entry(approver.token, entry, 1, summary="改过的概述")
    await api.act(demo["officer"], entry, "SUBMIT")
    await api.act(demo["officer"], entry, "APPROVE")
    await api.act(demo["head"], entry, "APPROVE")
    # when they ask, on its own and in a list (a page: one query for who saved what)
    node = await asked(api, entry, approver.token)
    listed = await api.ok(
        "query($o: ID!) { catalog(filter: {organization: $o}, first: 10) {"
        " edges { node { id allowedActions } } } }",
        {"o": org},
        approver.token,
    )
    # then they may send it back, not issue it; issuing is refused for the same reason
    assert (node["reviewState"], node["allowedActions"]) == ("PENDING_UNIT_APPROVAL", ["REJECT"])
    assert [e["node"] for e in listed["catalog"]["edges"]] == [{"id": entry, "allowedActions": ["REJECT"]}]
    assert code_of(await api.transition(approver.token, entry, "APPROVE")) == "SEPARATION_OF_DUTIES"


WORKING_COPY_MUTATIONS = {
    "CHECKOUT": "mutation($id: ID!) { checkout(id: $id) { id } }",
    "CHECKIN": "mutation($id: ID!) { checkin(id: $id) { id } }",
    "CANCEL_CHECKOUT": "mutation($id: ID!) { cancelCheckout(id: $id) { id } }",
}
ACTIONS = ("SUBMIT", "APPROVE", "REJECT", "WITHDRAW", *WORKING_COPY_MUTATIONS)


async def attempt(api: Api, token: str, item: str, action: str) -> str | None:
    """Take ``action`` with everything its content checks want; the refusal code, or None."""
    if action in WORKING_COPY_MUTATIONS:
        body = await api.post(WORKING_COPY_MUTATIONS[action], {"id": item}, token)
    else:
        body = await api.transition(token, item, action, opinion="意见。")
    return code_of(body) if "errors" in body else None


@pytest.mark.parametrize("state", STATES)
async def test_what_is_allowed_is_accepted_and_the_rest_refused(api, demo, state):
    # given an item in ``state`` for each demo account
    org = await api.new_org()
    for account, token in demo.items():
        item = await in_state(api, demo, org, state)
        allowed = (await asked(api, item, token))["allowedActions"]
        # when the account tries every other action (refusals change nothing), and each allowed one
        # on an item of its own
        codes = {a: await attempt(api, token, item, a) for a in ACTIONS if a not in allowed}
        for action in allowed:
            codes[action] = await attempt(api, token, await in_state(api, demo, org, state), action)
        # then exactly the allowed ones get through; the rest are refused as not allowed
        outcome = {
            a: "accepted" if c is None else "refused" if c in REFUSALS else c for a, c in codes.items()
        }
        assert outcome == {a: "accepted" if a in allowed else "refused" for a in ACTIONS}, account
