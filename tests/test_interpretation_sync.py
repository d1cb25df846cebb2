"""三同步: a policy interpretation is issued only together with, or after, the documents it interprets,
and never goes public before them. Through the real GraphQL API, with exact codes and messages.

The database is shared by the whole session: every test works in organizations of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers import ADMIN, DEPT_HEAD, OFFICE, OFFICER, UNIT_HEAD, Api, unique

CODE = "INTERPRETED_DOCUMENT_NOT_PUBLISHED"
CHECKOUT = "mutation($id: ID!) { checkout(id: $id) { id version } }"
CHECKIN = "mutation($id: ID!, $v: Int) { checkin(id: $id, expectedVersion: $v) { id } }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api):
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "office": OFFICE, "admin": ADMIN}
    return {key: await api.token(name) for key, name in names.items()}


async def create_interpretation(api: Api, token: str, org: str, *entries: str) -> str:
    data = await api.ok(
        "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
        {"i": {"organization": org, "title": unique("解读"), "interprets": list(entries)}},
        token,
    )
    item: str = data["createInterpretation"]["id"]
    return item


async def up_to_the_last_tier(api: Api, demo: dict[str, str], item: str, submit: str = "SUBMIT") -> None:
    await api.act(demo["officer"], item, submit)
    await api.act(demo["officer"], item, "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], item, "APPROVE", opinion="审核同意。")


async def register_size(api: Api, org: str, token: str) -> int:
    data = await api.ok(
        "query($o: ID!) { reviewRegister(organization: $o, first: 500) { seq } }", {"o": org}, token
    )
    return len(data["reviewRegister"])


def refusal(body: dict[str, Any]) -> tuple[str, str, str | None]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"], error["extensions"].get("field")


async def test_an_interpretation_is_not_issued_before_its_document_and_is_once_it_is(api, demo):
    org = await api.new_org()
    document = await api.create_entry(demo["officer"], org, title=unique("文件"))
    item = await create_interpretation(api, demo["officer"], org, document["id"])
    await up_to_the_last_tier(api, demo, item)
    waiting = await api.node(item, demo["office"])
    records = await register_size(api, org, demo["office"])

    refused = await api.transition(demo["unit"], item, "APPROVE", opinion="同意发布。")

    assert refusal(refused) == (
        CODE,
        f"所解读的文件《{document['title']}》尚未发布：政策解读须在所解读的文件审发后方可审发。",
        "interprets",
    )
    assert await api.node(item, demo["office"]) == waiting  # state and version unchanged
    assert await register_size(api, org, demo["office"]) == records
    assert await api.node(item) is None

    await up_to_the_last_tier(api, demo, document["id"])
    await api.act(demo["unit"], document["id"], "APPROVE", opinion="同意发布。")
    issued = await api.act(demo["unit"], item, "APPROVE", opinion="同意发布。")

    assert (issued["reviewState"], issued["scheduled"]) == ("PUBLISHED", False)
    assert (await api.node(item))["reviewState"] == "PUBLISHED"
    assert (
        await register_size(api, org, demo["office"]) == records + 5
    )  # the document's four and this approval


async def test_staff_see_an_entrys_unpublished_interpretations_and_the_public_does_not(api, demo):
    org = await api.new_org()
    document = await api.demo_publish(org)
    item = await create_interpretation(api, demo["officer"], org, document["id"])
    query = "query($id: ID!) { node(id: $id) { ... on CatalogEntry { interpretations { id } } } }"

    staff = await api.ok(query, {"id": document["id"]}, demo["officer"])
    public = await api.ok(query, {"id": document["id"]})

    assert staff["node"]["interpretations"] == [{"id": item}]
    assert public["node"]["interpretations"] == []


async def test_the_refusal_names_only_documents_the_reviewer_may_see(api, demo):
    org, elsewhere = await api.new_org(), await api.new_org()
    visible = await api.create_entry(demo["officer"], org, title=unique("本机构文件"))
    hidden = await api.create_entry(demo["officer"], elsewhere, title=unique("他机构文件"))
    item = await create_interpretation(api, demo["officer"], org, visible["id"], hidden["id"])
    await up_to_the_last_tier(api, demo, item)
    unit = await api.new_user(org, "UNIT_HEAD")  # sees drafts of this organization only

    refused = await api.transition(unit.token, item, "APPROVE", opinion="同意发布。")

    assert refusal(refused) == (
        CODE,
        f"所解读的文件《{visible['title']}》及另外 1 件文件尚未发布：政策解读须在所解读的文件审发后方可审发。",
        "interprets",
    )
    assert hidden["title"] not in refused["errors"][0]["message"]


async def test_an_interpretation_of_a_scheduled_document_goes_public_with_it_not_before(api, demo):
    org = await api.new_org()
    document = await api.create_entry(demo["officer"], org)
    await up_to_the_last_tier(api, demo, document["id"])
    when = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    await api.act(demo["unit"], document["id"], "APPROVE", effective=when.isoformat())
    item = await create_interpretation(api, demo["officer"], org, document["id"])
    await up_to_the_last_tier(api, demo, item)

    earlier = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    issued = await api.act(demo["unit"], item, "APPROVE", effective=earlier.isoformat())

    assert (issued["reviewState"], issued["scheduled"]) == ("PUBLISHED", True)
    assert datetime.fromisoformat(issued["effective"]) == when
    assert await api.node(item) is None


async def test_a_working_copy_that_links_an_unpublished_document_is_not_merged(api, demo):
    org = await api.new_org()
    document = await api.demo_publish(org)
    item = await create_interpretation(api, demo["officer"], org, document["id"])
    await up_to_the_last_tier(api, demo, item)
    live = await api.act(demo["unit"], item, "APPROVE", opinion="同意发布。")
    draft = await api.create_entry(demo["officer"], org, title=unique("新文件"))
    copy = (await api.ok(CHECKOUT, {"id": item}, demo["officer"]))["checkout"]
    edited = await api.post(
        "mutation($id: ID!, $v: Int!, $i: InterpretationUpdateInput!) {"
        " updateInterpretation(id: $id, expectedVersion: $v, input: $i) { version } }",
        {"id": copy["id"], "v": copy["version"], "i": {"interprets": [document["id"], draft["id"]]}},
        demo["officer"],
    )
    assert "errors" not in edited, edited
    await api.ok(
        CHECKIN, {"id": copy["id"], "v": edited["data"]["updateInterpretation"]["version"]}, demo["officer"]
    )
    await api.act(demo["officer"], copy["id"], "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], copy["id"], "APPROVE", opinion="审核同意。")

    refused = await api.transition(demo["unit"], copy["id"], "APPROVE", opinion="同意发布。")

    assert refusal(refused)[0::2] == (CODE, "interprets")
    assert draft["title"] in refused["errors"][0]["message"]
    assert (await api.node(item))["version"] == live["version"]
    assert (await api.node(copy["id"], demo["office"]))["reviewState"] == "PENDING_UNIT_APPROVAL"


async def test_a_working_copy_cannot_be_interpreted_and_staff_see_each_interpretation_once(api, demo):
    org = await api.new_org()
    document = await api.demo_publish(org)
    item = await create_interpretation(api, demo["officer"], org, document["id"])
    await up_to_the_last_tier(api, demo, item)
    await api.act(demo["unit"], item, "APPROVE", opinion="同意发布。")
    interpretation_copy = (await api.ok(CHECKOUT, {"id": item}, demo["officer"]))["checkout"]
    document_copy = (await api.ok(CHECKOUT, {"id": document["id"]}, demo["officer"]))["checkout"]

    linked = await api.post(
        "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
        {"i": {"organization": org, "title": unique("解读"), "interprets": [document_copy["id"]]}},
        demo["officer"],
    )
    assert refusal(linked)[0::2] == ("BAD_USER_INPUT", "interprets")

    listed = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on CatalogEntry { interpretations { id } } } }",
        {"id": document["id"]},
        demo["officer"],
    )
    ids = [i["id"] for i in listed["node"]["interpretations"]]
    assert ids == [item]
    assert interpretation_copy["id"] not in ids
