"""分办 by name: the staff who may handle requests in an organization (``requestHandlers``), the case
officer's name on the request (``assignee``), and the names of who did each step and review."""

from __future__ import annotations

import pytest

from tests.helpers import ADMIN, PASSWORD, Api, Person, error_of, unique

HANDLERS = "query($o: ID!) { requestHandlers(organization: $o) { id displayName } }"
REGISTER = """mutation($i: DisclosureRequestInput!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: POST, receivedOn: $d) { number } }"""
ASSIGN = """mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) {
  officerId assignee { id displayName } history { action by byName } } }"""
ROW = "query($o: ID) { disclosureRequests(organization: $o) { id number assignee { displayName } } }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def named_user(api: Api, org: str, display_name: str, *roles: str) -> Person:
    """A new account of ``org`` with a display name of its own, holding ``roles`` there."""
    username = unique("u-").lower()
    data = await api.ok(
        "mutation($u: String!, $p: String!, $o: ID!, $n: String!) {"
        " createUser(username: $u, password: $p, organization: $o, displayName: $n) { id } }",
        {"u": username, "p": PASSWORD, "o": org, "n": display_name},
        await api.token(ADMIN),
    )
    user_id = data["createUser"]["id"]
    for role in roles:
        await api.grant(user_id, role, org)
    return Person(user_id, username, await api.login(username, PASSWORD))


async def registered(api: Api, org: str, token: str, today: str) -> str:
    request = {
        "organization": org,
        "applicantKind": "NATURAL_PERSON",
        "applicant": {"name": "赵分办", "phone": "13600006666"},
        "description": unique("申请公开分办测试"),
    }
    number = (await api.ok(REGISTER, {"i": request, "d": today}, token))["registerDisclosureRequest"][
        "number"
    ]
    listed = await api.ok(ROW, {"o": org}, token)
    return str(next(r["id"] for r in listed["disclosureRequests"] if r["number"] == number))


async def test_handlers_are_the_active_accounts_with_request_handle_there_by_name(api):
    # given: in a fresh organization an officer and an office member (both handle requests), a
    # department head (reviews replies, does not handle), a disabled officer; an officer next door
    org, sibling = await api.new_org(), await api.new_org()
    officer = await named_user(api, org, "王承办", "OFFICER")
    office = await named_user(api, org, "陈公开办", "OFFICE")
    head = await named_user(api, org, "李处长", "DEPT_HEAD")
    gone = await named_user(api, org, "周离职", "OFFICER")
    await api.ok(
        "mutation($id: ID!) { disableUser(id: $id) { active } }", {"id": gone.id}, await api.token(ADMIN)
    )
    neighbour = await named_user(api, sibling, "吴隔壁", "OFFICER")

    # when: the office member asks whom they may assign to
    found = (await api.ok(HANDLERS, {"o": org}, office.token))["requestHandlers"]

    # then: both handlers with their names, none of the others; the list is in name order
    by_id = {u["id"]: u["displayName"] for u in found}
    assert by_id[officer.id] == "王承办"
    assert by_id[office.id] == "陈公开办"
    assert not {head.id, gone.id, neighbour.id} & by_id.keys()
    names = [u["displayName"] for u in found]
    assert names == sorted(names)


async def test_handlers_need_request_assign_in_that_organization(api):
    # given: an officer of one organization (handles requests, does not assign them)
    org = await api.new_org()
    officer = await named_user(api, org, "王承办", "OFFICER")

    # when: the officer asks for the organization's handlers
    body = await api.post(HANDLERS, {"o": org}, officer.token)

    # then: refused with the permission's name
    assert error_of(body) == ("FORBIDDEN", "您在该机构没有“分办依申请公开申请”的权限。")


async def test_an_assigned_request_shows_its_officer_and_who_assigned_it_by_name(api, services):
    # given: a request received by a fresh organization's office
    org = await api.new_org()
    office = await named_user(api, org, "陈公开办", "OFFICE")
    officer = await named_user(api, org, "王承办", "OFFICER")
    rid = await registered(api, org, office.token, services.requests.today().isoformat())

    # when: the office assigns it to the officer
    done = (await api.ok(ASSIGN, {"id": rid, "o": officer.id}, office.token))["assignDisclosureRequest"]

    # then: the request and the worklist name the officer; the history names who assigned it
    assert done["assignee"] == {"id": officer.id, "displayName": "王承办"}
    assert done["history"][-1] == {"action": "assign", "by": office.id, "byName": "陈公开办"}
    listed = (await api.ok(ROW, {"o": org}, office.token))["disclosureRequests"]
    assert next(r for r in listed if r["id"] == rid)["assignee"] == {"displayName": "王承办"}


async def test_a_disabled_account_cannot_be_assigned(api, services):
    # given: a request and an officer whose account was disabled
    org = await api.new_org()
    office = await named_user(api, org, "陈公开办", "OFFICE")
    gone = await named_user(api, org, "周离职", "OFFICER")
    await api.ok(
        "mutation($id: ID!) { disableUser(id: $id) { active } }", {"id": gone.id}, await api.token(ADMIN)
    )
    rid = await registered(api, org, office.token, services.requests.today().isoformat())

    # when: the office assigns the request to that account
    body = await api.post(ASSIGN, {"id": rid, "o": gone.id}, office.token)

    # then: refused on the officer field, the request still waits for 分办
    assert error_of(body) == ("BAD_USER_INPUT", "承办人须在受理机关具有办理依申请公开的权限。")
    assert body["errors"][0]["extensions"]["field"] == "officer"
    state = await api.ok(
        "query($id: ID!) { disclosureRequest(id: $id) { state } }", {"id": rid}, office.token
    )
    assert state["disclosureRequest"]["state"] == "RECEIVED"
