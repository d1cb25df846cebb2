"""People: administrators disable, enable and unlock accounts and reset passwords; users change their
own; administrators find accounts across the organizations they manage. Through GraphQL."""

from __future__ import annotations

import pytest

from tests.helpers import ADMIN, PASSWORD, Api, code_of, error_of, unique

NEW_PASSWORD = "Fresh-pass-2027y"
TEMPORARY = "Temp-pass-2027z"
ME = "{ me { user { username active mustChangePassword } } }"
CREATE = "mutation($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }"
DISABLE = "mutation($id: ID!) { disableUser(id: $id) { active } }"
ENABLE = "mutation($id: ID!) { enableUser(id: $id) { active } }"
RESET = "mutation($id: ID!, $p: String!) { resetPassword(id: $id, password: $p) { mustChangePassword } }"
UNLOCK = "mutation($id: ID!) { unlockUser(id: $id) { username } }"
CHANGE = (
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {"
    " token me { user { mustChangePassword } } } }"
)
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
SEARCH = "query($q: String!) { searchUsers(query: $q) { username organization { id } } }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def test_a_disabled_account_cannot_log_in_and_its_sessions_end(api: Api):
    # given a signed-in officer
    org = await api.new_org()
    person = await api.new_user(org, "OFFICER")
    admin = await api.token(ADMIN)
    # when an administrator disables the account
    data = await api.ok(DISABLE, {"id": person.id}, admin)
    # then its session has ended and it cannot sign in again
    assert data["disableUser"] == {"active": False}
    assert code_of(await api.post(ME, None, person.token, status=401)) == "ACCOUNT_DISABLED"
    login = await api.post(LOGIN, {"u": person.username, "p": PASSWORD})
    assert error_of(login) == ("ACCOUNT_DISABLED", "账号已停用，请联系管理员。")
    # when it is enabled again, it signs in; the session that was open before stays ended
    assert (await api.ok(ENABLE, {"id": person.id}, admin))["enableUser"] == {"active": True}
    fresh = await api.login(person.username, PASSWORD)
    assert (await api.ok(ME, None, fresh))["me"]["user"]["active"] is True
    assert code_of(await api.post(ME, None, person.token, status=401)) == "TOKEN_REVOKED"


async def test_an_administrator_cannot_disable_their_own_account(api: Api):
    org = await api.new_org()
    boss = await api.new_user(org, "ADMIN")
    body = await api.post(DISABLE, {"id": boss.id}, boss.token)
    assert error_of(body) == ("BAD_USER_INPUT", "不能停用自己的账号。")
    assert body["errors"][0]["extensions"]["field"] == "id"


async def test_a_reset_password_must_be_changed_before_anything_else(api: Api):
    # given an officer whose password an administrator resets
    org = await api.new_org()
    person = await api.new_user(org, "OFFICER")
    reset = await api.ok(RESET, {"id": person.id, "p": TEMPORARY}, await api.token(ADMIN))
    assert reset["resetPassword"] == {"mustChangePassword": True}
    # then the old session has ended and the old password no longer works
    assert code_of(await api.post(ME, None, person.token, status=401)) == "TOKEN_REVOKED"
    assert code_of(await api.post(LOGIN, {"u": person.username, "p": PASSWORD})) == "INVALID_CREDENTIALS"
    # when they sign in with the temporary password, they may do nothing but change it
    temporary = await api.login(person.username, TEMPORARY)
    assert (await api.ok(ME, None, temporary))["me"]["user"]["mustChangePassword"] is True
    refused = await api.post(CREATE, {"i": {"organization": org, "title": unique("草稿")}}, temporary)
    assert error_of(refused) == ("PASSWORD_CHANGE_REQUIRED", "管理员已重置您的密码，请先修改密码。")
    changed = await api.ok(CHANGE, {"c": TEMPORARY, "n": NEW_PASSWORD}, temporary)
    # then the new token works for their role, and the flag is gone
    token = changed["changePassword"]["token"]
    assert changed["changePassword"]["me"]["user"]["mustChangePassword"] is False
    assert "errors" not in await api.post(
        CREATE, {"i": {"organization": org, "title": unique("草稿")}}, token
    )
    assert code_of(await api.post(ME, None, temporary, status=401)) == "TOKEN_REVOKED"


@pytest.mark.parametrize(
    ("current", "new", "expected", "field"),
    [
        ("Wrong-pass-2026", NEW_PASSWORD, ("BAD_USER_INPUT", "当前密码不正确。"), "currentPassword"),
        (PASSWORD, "short1", ("WEAK_PASSWORD", "密码至少 10 位，且须同时包含字母和数字。"), None),
        (PASSWORD, PASSWORD, ("BAD_USER_INPUT", "新密码不能与当前密码相同。"), "newPassword"),
    ],
    ids=["wrong-current", "weak-new", "same-as-current"],
)
async def test_a_refused_password_change_changes_nothing(
    api: Api, current: str, new: str, expected: tuple[str, str], field: str | None
):
    org = await api.new_org()
    person = await api.new_user(org, "OFFICER")
    body = await api.post(CHANGE, {"c": current, "n": new}, person.token)
    assert error_of(body) == expected
    assert body["errors"][0]["extensions"].get("field") == field
    assert (await api.ok(ME, None, person.token))["me"]["user"]["username"] == person.username
    await api.login(person.username, PASSWORD)  # the old password still works


async def test_changing_a_password_needs_a_sign_in(api: Api):
    body = await api.post(CHANGE, {"c": PASSWORD, "n": NEW_PASSWORD})
    assert code_of(body) == "UNAUTHENTICATED"


async def test_unlocking_clears_the_login_throttle_of_the_account(api: Api):
    # given an account locked by wrong passwords from this client
    org = await api.new_org()
    person = await api.new_user(org, "OFFICER")
    for _ in range(5):
        assert code_of(await api.post(LOGIN, {"u": person.username, "p": "Wrong-pass-2026"})) == (
            "INVALID_CREDENTIALS"
        )
    locked = await api.post(LOGIN, {"u": person.username, "p": PASSWORD})
    assert code_of(locked) == "TOO_MANY_ATTEMPTS"
    # when an administrator unlocks it, then the right password works again
    assert (await api.ok(UNLOCK, {"id": person.id}, await api.token(ADMIN)))["unlockUser"] == {
        "username": person.username
    }
    await api.login(person.username, PASSWORD)


async def test_people_are_found_across_the_organizations_one_manages(api: Api):
    # given two organizations with a person each, sharing a name part
    left, right = await api.new_org(), await api.new_org()
    marker = unique("张")
    admin = await api.token(ADMIN)
    for org, suffix in ((left, "甲"), (right, "乙")):
        await api.ok(
            "mutation($u: String!, $p: String!, $o: ID!, $d: String!) {"
            " createUser(username: $u, password: $p, organization: $o, displayName: $d) { id } }",
            {"u": f"p-{unique('x').lower()[-10:]}", "p": PASSWORD, "o": org, "d": f"{marker}{suffix}"},
            admin,
        )
    # when the province administrator searches, both are found
    found = (await api.ok(SEARCH, {"q": marker}, admin))["searchUsers"]
    assert sorted(u["organization"]["id"] for u in found) == sorted([left, right])
    # when an administrator of one organization searches, only that organization's person is found
    local = await api.new_user(left, "ADMIN")
    mine = (await api.ok(SEARCH, {"q": marker}, local.token))["searchUsers"]
    assert [u["organization"]["id"] for u in mine] == [left]


async def test_an_unknown_account_is_not_found(api: Api):
    body = await api.post(DISABLE, {"id": "VXNlcjo2NTAwMDAwMDAwMDAwMDAwMDAwMDAwMDA"}, await api.token(ADMIN))
    assert error_of(body) == ("NOT_FOUND", "未找到该用户。")


async def test_history_names_people_by_their_display_names(api: Api):
    # given an officer with a display name who drafts and submits an entry
    org = await api.new_org()
    name = unique("王承办")
    created = await api.ok(
        "mutation($u: String!, $p: String!, $o: ID!, $d: String!) {"
        " createUser(username: $u, password: $p, organization: $o, displayName: $d) { id username } }",
        {"u": f"d-{unique('x').lower()[-10:]}", "p": PASSWORD, "o": org, "d": name},
        await api.token(ADMIN),
    )
    await api.grant(created["createUser"]["id"], "OFFICER", org)
    token = await api.login(created["createUser"]["username"], PASSWORD)
    entry = await api.create_entry(token, org)
    await api.act(token, entry["id"], "SUBMIT")
    # when the history is read, then versions and transitions carry the display name
    data = await api.ok(
        "query($id: ID!) { history(id: $id) { versions { savedByName } transitions { actorName actorDisplayName } } }",
        {"id": entry["id"]},
        token,
    )
    history = data["history"]
    assert {v["savedByName"] for v in history["versions"]} == {name}
    assert [t["actorDisplayName"] for t in history["transitions"]] == [name]
    assert history["transitions"][0]["actorName"] == created["createUser"]["username"]


AUDIT = (
    "query($t: ID!) { auditLog(filter: {target: $t}, first: 20) { edges { node { action actionLabel"
    " actorName before after } } } }"
)


async def test_disable_enable_reset_change_and_unlock_each_show_in_the_accounts_audit_records(api: Api):
    # given an account without roles that an administrator disables, enables, resets and unlocks, and
    # whose owner then chooses a password of their own
    org = await api.new_org()
    person = await api.new_user(org)
    admin = await api.token(ADMIN)
    await api.ok(DISABLE, {"id": person.id}, admin)
    assert code_of(await api.post(LOGIN, {"u": person.username, "p": PASSWORD})) == "ACCOUNT_DISABLED"
    await api.ok(ENABLE, {"id": person.id}, admin)
    await api.ok(RESET, {"id": person.id, "p": TEMPORARY}, admin)
    temporary = await api.login(person.username, TEMPORARY)
    await api.ok(CHANGE, {"c": TEMPORARY, "n": NEW_PASSWORD}, temporary)
    await api.ok(UNLOCK, {"id": person.id}, admin)

    # when the account's audit records are read
    data = await api.ok(AUDIT, {"t": person.id}, admin)
    records = [e["node"] for e in data["auditLog"]["edges"]]

    # then each change is there, newest first, by whom, and no password (or its hash) is in any of them
    assert [(r["actionLabel"], r["actorName"]) for r in records] == [
        ("解除登录锁定", ADMIN),
        ("修改密码", person.username),
        ("重置密码", ADMIN),
        ("启用账号", ADMIN),
        ("停用账号", ADMIN),
        ("新建账号", ADMIN),
    ]
    assert [(r["before"], r["after"]) for r in records[2:5]] == [
        (records[2]["before"], {**records[2]["before"], "must_change_password": True}),
        ({"active": False}, {"active": True}),
        ({"active": True}, {"active": False}),
    ]
    text = str(records)
    assert TEMPORARY not in text
    assert NEW_PASSWORD not in text
    assert "password_hash" not in text
