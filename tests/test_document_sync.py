"""三同步 from the document's side (issue #13): taking a published document out of public view withdraws,
in the same transaction, the interpretations that interpret only it, each filed in its organization's
register; an interpretation that also interprets other public documents stays and drops the link, as a
new version. A public interpretation never points at a non-public document.

Through the real GraphQL API; the database is shared by the whole session: every test works in
organizations of its own.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cms.content.ids import from_global_id
from tests.helpers import ADMIN, DEPT_HEAD, FINDINGS, OFFICE, OFFICER, UNIT_HEAD, Api, unique

CHECKOUT = "mutation($id: ID!) { checkout(id: $id) { id version } }"
CHECKIN = "mutation($id: ID!, $v: Int) { checkin(id: $id, expectedVersion: $v) { id } }"
PUBLIC_INTERPRETATION = "query($id: ID!) { node(id: $id) { ... on Interpretation { id interprets { id } } } }"
STAFF_INTERPRETATION = (
    "query($id: ID!) { node(id: $id) { ... on Interpretation { reviewState version interprets { id } } } }"
)
REGISTER = (
    "query($o: ID!) { reviewRegister(organization: $o, first: 500) {"
    " seq itemId action fromState toState actorName opinion details } }"
)
VERIFY = "query($o: ID!) { verifyReviewRegister(organization: $o) { ok reason } }"
UPDATE_INTERPRETATION = (
    "mutation($id: ID!, $v: Int!, $i: InterpretationUpdateInput!) {"
    " updateInterpretation(id: $id, expectedVersion: $v, input: $i) { version } }"
)


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api):
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "office": OFFICE, "admin": ADMIN}
    return {key: await api.token(name) for key, name in names.items()}


async def review(api: Api, demo: dict[str, str], item: str, *, submit: bool = True) -> Any:
    if submit:
        await api.act(demo["officer"], item, "SUBMIT")
    await api.act(demo["officer"], item, "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], item, "APPROVE", opinion="审核同意。")
    return await api.act(demo["unit"], item, "APPROVE", opinion="同意发布。")


async def published_interpretation(api: Api, demo: dict[str, str], org: str, *documents: str) -> str:
    data = await api.ok(
        "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
        {"i": {"organization": org, "title": unique("解读"), "interprets": list(documents)}},
        demo["officer"],
    )
    item: str = data["createInterpretation"]["id"]
    await review(api, demo, item)
    return item


async def records_about(api: Api, org: str, item: str, token: str) -> list[dict[str, Any]]:
    records = (await api.ok(REGISTER, {"o": org}, token))["reviewRegister"]
    return sorted((r for r in records if r["itemId"] == item), key=lambda r: r["seq"])


def raw_id(global_id: str) -> str:
    return str(from_global_id(global_id)[1])


async def verified(api: Api, org: str, token: str) -> dict[str, Any]:
    result: dict[str, Any] = (await api.ok(VERIFY, {"o": org}, token))["verifyReviewRegister"]
    return result


@pytest.mark.parametrize("same_org", [pytest.param(True, id="same-org"), pytest.param(False, id="other-org")])
async def test_withdrawing_a_document_withdraws_its_only_interpretation_filed_in_its_chain(
    api, demo, same_org
):
    org = await api.new_org()
    other = org if same_org else await api.new_org()
    document = await api.demo_publish(org, title=unique("文件"))
    item = await published_interpretation(api, demo, other, document["id"])
    assert (await api.ok(PUBLIC_INTERPRETATION, {"id": item}))["node"] == {
        "id": item,
        "interprets": [{"id": document["id"]}],
    }

    await api.act(demo["office"], document["id"], "WITHDRAW", opinion="文件有误，撤回。")

    staff = (await api.ok(STAFF_INTERPRETATION, {"id": item}, demo["office"]))["node"]
    assert (staff["reviewState"], staff["interprets"]) == ("WITHDRAWN", [{"id": document["id"]}])
    assert (await api.ok(PUBLIC_INTERPRETATION, {"id": item}))["node"] is None
    public_list = await api.ok("{ interpretations(first: 100) { edges { node { id } } } }")
    assert item not in [e["node"]["id"] for e in public_list["interpretations"]["edges"]]
    [*_, filed] = await records_about(api, other, item, demo["office"])
    assert filed == {
        "seq": filed["seq"],
        "itemId": item,
        "action": "withdraw",
        "fromState": "published",
        "toState": "withdrawn",
        "actorName": OFFICE,
        "opinion": f"所解读的文件《{document['title']}》已撤回，本解读随之撤回（三同步）。",
        "details": {"followsDocument": raw_id(document["id"]), "documentAction": "withdraw"},
    }
    [*_, withdrawal] = await records_about(api, org, document["id"], demo["office"])
    assert withdrawal["action"] == "withdraw"
    if same_org:  # one transaction, two records of one chain: consecutive
        assert filed["seq"] == withdrawal["seq"] + 1
    for chain in {org, other}:
        assert await verified(api, chain, demo["office"]) == {"ok": True, "reason": ""}


async def test_an_interpretation_of_another_public_document_stays_and_drops_the_link(api, demo):
    org, other = await api.new_org(), await api.new_org()
    withdrawn = await api.demo_publish(org, title=unique("撤回的文件"))
    kept = await api.demo_publish(other, title=unique("仍公开的文件"))
    item = await published_interpretation(api, demo, other, withdrawn["id"], kept["id"])
    before = (await api.ok(STAFF_INTERPRETATION, {"id": item}, demo["office"]))["node"]

    await api.act(demo["office"], withdrawn["id"], "WITHDRAW", opinion="文件有误，撤回。")

    staff = (await api.ok(STAFF_INTERPRETATION, {"id": item}, demo["office"]))["node"]
    assert staff == {
        "reviewState": "PUBLISHED",
        "version": before["version"] + 1,
        "interprets": [{"id": kept["id"]}],
    }
    assert (await api.ok(PUBLIC_INTERPRETATION, {"id": item}))["node"] == {
        "id": item,
        "interprets": [{"id": kept["id"]}],
    }
    opinion = f"所解读的文件《{withdrawn['title']}》已撤回，本解读解除与未公开文件的关联（三同步）。"
    [*_, filed] = await records_about(api, other, item, demo["office"])
    assert {k: filed[k] for k in ("action", "fromState", "toState", "actorName", "opinion", "details")} == {
        "action": "unlink",
        "fromState": "published",
        "toState": "published",
        "actorName": OFFICE,
        "opinion": opinion,
        "details": {
            "followsDocument": raw_id(withdrawn["id"]),
            "documentAction": "withdraw",
            "unlinked": [raw_id(withdrawn["id"])],
        },
    }
    [*_, version] = (await api.history(item, demo["office"]))["versions"]
    assert (version["version"], version["note"], version["savedBy"]) == (staff["version"], opinion, None)
    assert await verified(api, other, demo["office"]) == {"ok": True, "reason": ""}


async def test_merging_a_copy_that_makes_the_document_not_disclosed_withdraws_its_interpretation(api, demo):
    org = await api.new_org()
    document = await api.demo_publish(org, title=unique("文件"))
    item = await published_interpretation(api, demo, org, document["id"])
    copy = (await api.ok(CHECKOUT, {"id": document["id"]}, demo["officer"]))["checkout"]
    edited = await api.update_entry(
        demo["officer"],
        copy["id"],
        copy["version"],
        disclosureMode="NOT_DISCLOSED",
        nonDisclosureReason="涉及第三方商业秘密",
        legalBasis="《中华人民共和国政府信息公开条例》第十五条",
    )
    assert "errors" not in edited, edited
    version = edited["data"]["updateCatalogEntry"]["version"]
    await api.ok(CHECKIN, {"id": copy["id"], "v": version}, demo["officer"])
    findings = {
        **FINDINGS,
        "commercialSecrets": True,
        "proposedMode": "NOT_DISCLOSED",
        "grounds": "条例第十五条",
    }
    await api.act(demo["officer"], copy["id"], "APPROVE", opinion="初审同意。", findings=findings)
    await api.act(demo["head"], copy["id"], "APPROVE", opinion="审核同意。", findings=findings)

    merged = await api.act(demo["unit"], copy["id"], "APPROVE", opinion="同意。", findings=findings)

    assert (merged["id"], merged["reviewState"]) == (document["id"], "PUBLISHED")
    assert await api.node(document["id"]) is None
    assert (await api.ok(STAFF_INTERPRETATION, {"id": item}, demo["office"]))["node"][
        "reviewState"
    ] == "WITHDRAWN"
    assert (await api.ok(PUBLIC_INTERPRETATION, {"id": item}))["node"] is None
    [*_, merge, filed] = [
        r for r in (await api.ok(REGISTER, {"o": org}, demo["office"]))["reviewRegister"][::-1]
    ]
    assert (merge["itemId"], merge["action"], filed["itemId"], filed["action"]) == (
        document["id"],
        "approve",
        item,
        "withdraw",
    )
    assert filed["opinion"] == f"所解读的文件《{document['title']}》已不再公开，本解读随之撤回（三同步）。"
    assert filed["details"] == {"followsDocument": raw_id(document["id"]), "documentAction": "approve"}
    assert await verified(api, org, demo["office"]) == {"ok": True, "reason": ""}


async def test_a_copy_still_linking_a_withdrawn_document_is_not_issued_over_the_unlinked_interpretation(
    api, demo
):
    """The cascade dropped the link on the live interpretation; a working copy made before still
    holds it and must not bring it back."""
    org = await api.new_org()
    withdrawn, kept = await api.demo_publish(org), await api.demo_publish(org)
    item = await published_interpretation(api, demo, org, withdrawn["id"], kept["id"])
    copy = (await api.ok(CHECKOUT, {"id": item}, demo["officer"]))["checkout"]
    await api.ok(CHECKIN, {"id": copy["id"], "v": copy["version"]}, demo["officer"])
    await api.act(demo["officer"], copy["id"], "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], copy["id"], "APPROVE", opinion="审核同意。")
    await api.act(demo["office"], withdrawn["id"], "WITHDRAW", opinion="撤回。")

    refused = await api.transition(demo["unit"], copy["id"], "APPROVE", opinion="同意发布。")

    [error] = refused["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "INTERPRETED_DOCUMENT_NOT_PUBLISHED",
        "interprets",
    )
    assert (await api.ok(PUBLIC_INTERPRETATION, {"id": item}))["node"]["interprets"] == [{"id": kept["id"]}]


# --- a withdrawal racing the issue of an edited interpretation -----------------------------------


async def interpretation_copy_at_last_tier(api: Api, demo: dict[str, str], item: str, *documents: str) -> str:
    copy = (await api.ok(CHECKOUT, {"id": item}, demo["officer"]))["checkout"]
    saved = await api.post(
        UPDATE_INTERPRETATION,
        {
            "id": copy["id"],
            "v": copy["version"],
            "i": {"interprets": list(documents), "body": unique("新的解读")},
        },
        demo["officer"],
    )
    assert "errors" not in saved, saved
    version = saved["data"]["updateInterpretation"]["version"]
    await api.ok(CHECKIN, {"id": copy["id"], "v": version}, demo["officer"])
    await api.act(demo["officer"], copy["id"], "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], copy["id"], "APPROVE", opinion="审核同意。")
    copy_id: str = copy["id"]
    return copy_id


@pytest.mark.parametrize(
    ("second_document", "withdraw_first"),
    [
        pytest.param(False, True, id="only-document-withdraw-started-first"),
        pytest.param(False, False, id="only-document-issue-started-first"),
        pytest.param(True, True, id="copy-adds-a-public-document-withdraw-started-first"),
        pytest.param(True, False, id="copy-adds-a-public-document-issue-started-first"),
    ],
)
async def test_a_withdrawal_racing_the_issue_of_an_edited_interpretation_leaves_no_half_state(
    api, demo, second_document, withdraw_first
):
    org, other = await api.new_org(), await api.new_org()
    document = await api.demo_publish(org)
    extra = await api.demo_publish(other) if second_document else None
    item = await published_interpretation(api, demo, other, document["id"])
    linked = [document["id"], *([extra["id"]] if extra else [])]
    copy = await interpretation_copy_at_last_tier(api, demo, item, *linked)
    before = {
        o: len((await api.ok(REGISTER, {"o": o}, demo["office"]))["reviewRegister"]) for o in (org, other)
    }

    withdraw = api.transition(demo["office"], document["id"], "WITHDRAW", opinion="撤回。")
    issue = api.transition(demo["unit"], copy, "APPROVE", opinion="同意发布。")
    outcomes = await asyncio.gather(*((withdraw, issue) if withdraw_first else (issue, withdraw)))
    withdrawn, issued = outcomes if withdraw_first else outcomes[::-1]

    # Each request either did all it set out to or nothing, and the withdrawal never loses.
    assert "errors" not in withdrawn, withdrawn
    assert withdrawn["data"]["transition"]["reviewState"] == "WITHDRAWN"
    staff = (await api.ok(STAFF_INTERPRETATION, {"id": item}, demo["office"]))["node"]
    public = (await api.ok(PUBLIC_INTERPRETATION, {"id": item}))["node"]
    records = {o: (await api.ok(REGISTER, {"o": o}, demo["office"]))["reviewRegister"] for o in (org, other)}
    new = {o: sorted(records[o][: len(records[o]) - before[o]], key=lambda r: r["seq"]) for o in records}
    assert [(r["itemId"], r["action"]) for r in new[org]] == [(document["id"], "withdraw")]
    about_item = [(r["action"], r["toState"]) for r in new[other]]
    copy_left = await api.node(copy, demo["office"])
    if "errors" in issued:  # the issue came second and met the withdrawn (or unlinked) interpretation
        assert issued["errors"][0]["extensions"]["code"] in {
            "TRANSITION_NOT_ALLOWED",
            "INTERPRETED_DOCUMENT_NOT_PUBLISHED",
            "CONFLICT",
        }
        assert copy_left["reviewState"] == "PENDING_UNIT_APPROVAL"
        assert about_item == [("withdraw", "withdrawn")]
        assert (staff["reviewState"], public) == ("WITHDRAWN", None)
    elif second_document:  # issued first: the withdrawal then dropped the link from the issued version
        assert copy_left is None
        assert about_item == [("approve", "published"), ("unlink", "published")]
        assert staff["reviewState"] == "PUBLISHED"
        assert public["interprets"] == [{"id": extra["id"]}]
    else:  # issued first: the withdrawal then withdrew the issued version
        assert copy_left is None
        assert about_item == [("approve", "published"), ("withdraw", "withdrawn")]
        assert (staff["reviewState"], public) == ("WITHDRAWN", None)
    for chain in (org, other):
        assert await verified(api, chain, demo["office"]) == {"ok": True, "reason": ""}
