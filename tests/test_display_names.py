"""People by their display names, not their ids or usernames (#17): who submitted an item in the review
worklist, and who acted in the review register's CSV export (names resolved in one batched query)."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from tests.helpers import ADMIN, PASSWORD, Api, Person

WORKLIST = "{ worklist { item { id } submittedByName } }"
EXPORT = "query($o: ID!) { reviewRegisterExport(organization: $o) }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def person(api: Api, org: str, display_name: str, *roles: str) -> Person:
    username = f"u-{uuid.uuid4().hex[:12]}"
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


@pytest.mark.parametrize(
    ("display_name", "shown"),
    [("张晓明", "张晓明"), ("", "username")],
    ids=["display-name", "username-when-no-display-name"],
)
async def test_the_worklist_names_who_submitted(api, display_name, shown):
    # given an item submitted by a writer
    org = await api.new_org()
    writer = await person(api, org, display_name, "OFFICER")
    reviewer = await person(api, org, "审核人", "OFFICER")
    entry = await api.create_entry(writer.token, org)
    await api.act(writer.token, entry["id"], "SUBMIT")

    # when the reviewer opens the worklist
    work = (await api.ok(WORKLIST, None, reviewer.token))["worklist"]

    # then the item names the writer as staff know them
    named = next(w["submittedByName"] for w in work if w["item"]["id"] == entry["id"])
    assert named == (writer.username if shown == "username" else shown)


async def test_the_register_csv_names_actors_by_display_name_and_keeps_the_username(api):
    # given an item submitted and approved by two people with display names
    org = await api.new_org()
    writer = await person(api, org, "李文书", "OFFICER")
    reviewer = await person(api, org, "王初审", "OFFICER")
    entry = await api.create_entry(writer.token, org)
    await api.act(writer.token, entry["id"], "SUBMIT")
    await api.act(reviewer.token, entry["id"], "APPROVE", opinion="初审同意。")

    # when the register is exported
    text = (await api.ok(EXPORT, {"o": org}, await api.token(ADMIN)))["reviewRegisterExport"]

    # then each row names its actor by display name, with the account and its id beside it
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    named = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["操作"], r["经办人"], r["经办人账号"]) for r in named] == [
        ("提交", "李文书", writer.username),
        ("通过", "王初审", reviewer.username),
    ]
