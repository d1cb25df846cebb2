"""The administrative audit log: who changed what, when, with values before and after; append-only,
hash-chained, paged, exported as CSV and verified. Through GraphQL."""

from __future__ import annotations

from typing import Any

import pytest

from cms.content.ids import from_global_id
from storage.audit import AuditRecord
from tests.helpers import ADMIN, Api, error_of, unique

LOG = (
    "query($f: AuditLogFilter, $first: Int, $after: String) { auditLog(filter: $f, first: $first, after: $after) {"
    " totalCount pageInfo { hasNextPage endCursor }"
    " edges { node { seq action actionLabel targetType targetId targetLabel actorName before after"
    " organization { id } prevHash hash } } } }"
)
VERIFY = "{ verifyAuditLog { ok checked firstBadSeq reason headHash } }"
EXPORT = "query($f: AuditLogFilter) { auditLogExport(filter: $f) }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def log_of(api: Api, **filter: Any) -> list[dict[str, Any]]:
    data = await api.ok(LOG, {"f": filter, "first": 50}, await api.token(ADMIN))
    return [e["node"] for e in data["auditLog"]["edges"]]


async def test_disabling_and_enabling_a_user_is_logged_with_before_and_after(api: Api):
    org = await api.new_org()
    person = await api.new_user(org)
    admin = await api.token(ADMIN)
    await api.ok("mutation($id: ID!) { disableUser(id: $id) { id } }", {"id": person.id}, admin)
    await api.ok("mutation($id: ID!) { enableUser(id: $id) { id } }", {"id": person.id}, admin)
    records = await log_of(api, target=person.id)
    assert [(r["action"], r["actionLabel"], r["before"], r["after"]) for r in records] == [
        ("user.enable", "启用账号", {"active": False}, {"active": True}),
        ("user.disable", "停用账号", {"active": True}, {"active": False}),
        ("user.create", "新建账号", None, records[-1]["after"]),
    ]
    assert records[-1]["after"]["username"] == person.username
    assert {r["actorName"] for r in records} == {ADMIN}
    assert {r["targetId"] for r in records} == {person.id}
    assert {r["organization"]["id"] for r in records} == {org}
    assert records[0]["seq"] == records[1]["seq"] + 1  # nothing else happened in between: linked
    assert records[0]["prevHash"] == records[1]["hash"]


async def test_a_revoke_keeps_the_grants_history(api: Api):
    org = await api.new_org()
    person = await api.new_user(org, "OFFICE")
    await api.ok(
        "mutation($i: RoleGrantInput!) { revokeRole(input: $i) }",
        {"i": {"user": person.id, "role": "OFFICE", "organization": org}},
        await api.token(ADMIN),
    )
    records = await log_of(api, targetType="RoleGrant", organization=org)
    grant = {
        "user_id": records[0]["before"]["user_id"],
        "role": "office",
        "org_id": records[0]["before"]["org_id"],
    }
    assert [(r["action"], r["before"], r["after"]) for r in records] == [
        ("role.revoke", {**grant, "subtree": True}, None),
        ("role.grant", None, {**grant, "subtree": True}),
    ]
    assert records[0]["targetLabel"].endswith("：公开办")


async def test_organization_and_vocabulary_and_dictionary_changes_are_logged(api: Api):
    admin = await api.token(ADMIN)
    org = await api.new_org()
    name = unique("改名机构")
    await api.ok(
        "mutation($o: ID!, $n: String!) { updateOrganization(id: $o, input: {name: $n}) { id } }",
        {"o": org, "n": name},
        admin,
    )
    await api.ok(
        'mutation($o: ID!) { setIndexTemplate(organization: $o, template: "{code}-{year}-{seq:04d}") { id } }',
        {"o": org},
        admin,
    )
    org_log = await log_of(api, target=org)
    assert [r["action"] for r in org_log] == [
        "organization.index_template",
        "organization.update",
        "organization.create",
    ]
    assert org_log[0]["before"] == {"index_template": "{code}/{year}-{seq:05d}"}
    assert org_log[0]["after"] == {"index_template": "{code}-{year}-{seq:04d}"}
    assert org_log[1]["before"]["name"] != name
    assert org_log[1]["after"]["name"] == name
    label = unique("审计体裁")
    await api.ok(
        "mutation($l: String!) { addVocabularyTerm(input: {vocabulary: GENRE, label: $l}) { value } }",
        {"l": label},
        admin,
    )
    term = (await log_of(api, targetType="Vocabulary"))[0]
    assert (term["action"], term["before"], term["after"]) == (
        "vocabulary.add",
        None,
        {"value": label, "label": label, "parent": None},
    )
    word = unique("审计检索词")
    await api.ok("mutation($w: [String!]!) { addSearchWords(words: $w) }", {"w": [word]}, admin)
    added = (await log_of(api, targetType="SearchDictionary"))[0]
    assert (added["action"], added["after"]) == ("search.add_words", {"words": [word]})


async def test_the_log_pages_newest_first(api: Api):
    admin = await api.token(ADMIN)
    org = await api.new_org()
    for _ in range(3):
        await api.ok(
            "mutation($o: ID!, $n: String!) { updateOrganization(id: $o, input: {shortName: $n}) { id } }",
            {"o": org, "n": unique("简称")},
            admin,
        )
    seen, after = [], None
    while True:
        data = (await api.ok(LOG, {"f": {"target": org}, "first": 2, "after": after}, admin))["auditLog"]
        assert data["totalCount"] == 4
        seen += [e["node"]["seq"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert len(seen) == 4
    assert seen == sorted(seen, reverse=True)


async def test_a_tampered_cursor_is_refused(api: Api):
    body = await api.post(LOG, {"first": 1, "after": "bm90LWEtY3Vyc29y"}, await api.token(ADMIN))
    assert error_of(body)[0] == "INVALID_CURSOR"


@pytest.mark.parametrize("first", [0, 201], ids=["zero", "too-many"])
async def test_a_page_size_out_of_range_is_refused(api: Api, first: int):
    body = await api.post(LOG, {"first": first}, await api.token(ADMIN))
    assert error_of(body) == ("BAD_USER_INPUT", "每页条数应在 1 到 200 之间。")
    assert body["errors"][0]["extensions"]["field"] == "first"


async def test_the_export_has_chinese_headers_and_the_records(api: Api):
    org = await api.new_org()
    person = await api.new_user(org)
    await api.ok(
        "mutation($id: ID!) { disableUser(id: $id) { id } }", {"id": person.id}, await api.token(ADMIN)
    )
    text = (await api.ok(EXPORT, {"f": {"target": person.id}}, await api.token(ADMIN)))["auditLogExport"]
    lines = text.lstrip("\ufeff").splitlines()
    assert (
        lines[0]
        == "序号,时间,操作,对象类型,对象ID,对象,所属机构ID,操作人,操作人账号,操作人ID,修改前,修改后,前一记录哈希,本记录哈希"
    )
    # the administrator by display name, the account name beside it
    assert {tuple(line.split(",")[7:9]) for line in lines[1:]} == {("演示管理员", ADMIN)}
    assert [line.split(",")[2] for line in lines[1:]] == ["新建账号", "停用账号"]
    assert '"{""active"": true}","{""active"": false}"' in lines[2]


async def test_verification_finds_a_changed_record(api: Api):
    admin = await api.token(ADMIN)
    await api.new_org()  # at least one record
    good = (await api.ok(VERIFY, None, admin))["verifyAuditLog"]
    assert (good["ok"], good["firstBadSeq"], good["reason"]) == (True, None, "")
    assert len(good["headHash"]) == 64
    # given someone edits a stored record behind the service's back
    collection = AuditRecord.get_pymongo_collection()
    victim = await collection.find_one({"seq": 1})
    assert victim is not None
    await collection.update_one({"_id": victim["_id"]}, {"$set": {"actor_name": "someone-else"}})
    try:
        bad = (await api.ok(VERIFY, None, admin))["verifyAuditLog"]
        assert (bad["ok"], bad["firstBadSeq"], bad["reason"]) == (False, 1, "序号 1 的记录内容与其哈希不符")
    finally:
        await collection.update_one({"_id": victim["_id"]}, {"$set": {"actor_name": victim["actor_name"]}})
    assert (await api.ok(VERIFY, None, admin))["verifyAuditLog"]["ok"] is True


async def test_an_accounts_records_include_its_grants_and_revokes(api: Api):
    # given an account created, granted 公开办, then revoked, and another account granted the same role
    org = await api.new_org()
    person = await api.new_user(org, "OFFICE")
    other = await api.new_user(org, "OFFICE")
    await api.ok(
        "mutation($i: RoleGrantInput!) { revokeRole(input: $i) }",
        {"i": {"user": person.id, "role": "OFFICE", "organization": org}},
        await api.token(ADMIN),
    )

    # when the log is filtered by the account (the people screen's audit link)
    records = await log_of(api, target=person.id)

    # then its grant and revoke are there, the other account's grant is not
    assert [(r["action"], r["targetType"]) for r in records] == [
        ("role.revoke", "RoleGrant"),
        ("role.grant", "RoleGrant"),
        ("user.create", "User"),
    ]
    user_id = str(from_global_id(person.id)[1])
    assert (records[0]["before"]["user_id"], records[1]["after"]["user_id"]) == (user_id, user_id)
    assert all(other.username not in r["targetLabel"] for r in records)
    assert (await log_of(api, target=other.id))[0]["action"] == "role.grant"
