"""Register anchoring: every register a caller may read, verified, with its head hash, and the heads as
CSV for keeping outside the system (printed in the annual report)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cms.content.ids import from_global_id
from cms.services import Services
from storage.register import RegisterRecord
from tests.helpers import Api, Person, error_of

HEADS = """{ registerHeads { organization { id key name } entries ok firstBadSeq reason headHash
  verifiedAt } }"""
VERIFY = "query($o: ID!) { verifyReviewRegister(organization: $o) { ok checked headHash } }"
EXPORT = "{ registerHeadsExport }"
HEADER = "机构,机构标识,登记条数,链头哈希,校验结果,校验时间（北京时间）"
NOON_UTC = datetime(2026, 12, 6, 4, 30, 15, tzinfo=UTC)  # 12:30:15 in Beijing


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def _office_of(api: Api, org: str) -> Person:
    return await api.new_user(org, "OFFICE")


async def _heads(api: Api, person: Person) -> list[dict[str, Any]]:
    heads: list[dict[str, Any]] = (await api.ok(HEADS, None, person.token))["registerHeads"]
    return heads


async def _last_hash(org: str) -> str:
    records = await RegisterRecord.find({"org_id": from_global_id(org)[1]}).sort("-seq").limit(1).to_list()
    return records[0].hash


async def test_heads_list_each_readable_register_with_its_entries_and_head(api: Api, services: Services):
    # given an organization with two published entries (4 register records each: submitted, three approvals) and a child without any
    org = await api.new_org()
    child = await api.new_org(org)
    await api.demo_publish(org)
    await api.demo_publish(org)
    office = await _office_of(api, org)

    # when its disclosure office asks for the heads
    heads = await _heads(api, office)

    # then both organizations are listed, parent first, the parent's head being its last record's hash
    assert [h["organization"]["id"] for h in heads] == [org, child]
    parent, empty = heads
    assert (parent["entries"], parent["ok"], parent["firstBadSeq"], parent["reason"]) == (8, True, None, "")
    assert parent["headHash"] == await _last_hash(org)
    verified = await api.ok(VERIFY, {"o": org}, office.token)
    assert verified["verifyReviewRegister"] == {"ok": True, "checked": 8, "headHash": parent["headHash"]}
    assert (empty["entries"], empty["ok"], empty["headHash"]) == (0, True, None)


async def test_a_tampered_register_shows_where_it_breaks(api: Api, services: Services):
    # given an organization whose second register record was changed behind the service's back
    org = await api.new_org()
    await api.demo_publish(org)
    office = await _office_of(api, org)
    org_id = from_global_id(org)[1]
    await RegisterRecord.get_pymongo_collection().update_one(
        {"org_id": org_id, "seq": 2}, {"$set": {"opinion": "篡改后的意见"}}
    )

    # when the heads are asked for
    [head] = await _heads(api, office)

    # then the chain is broken at seq 2, the head is the last good record, all records are counted
    first = await RegisterRecord.find_one({"org_id": org_id, "seq": 1})
    assert first is not None
    assert head["ok"] is False
    assert (head["firstBadSeq"], head["reason"]) == (2, "序号 2 的记录内容与其哈希不符")
    assert (head["entries"], head["headHash"]) == (4, first.hash)


async def test_export_lists_the_heads_with_beijing_time(
    api: Api, services: Services, monkeypatch: pytest.MonkeyPatch
):
    # given an organization with one published entry, and the register's clock at 04:30:15 UTC
    org = await api.new_org()
    await api.demo_publish(org)
    office = await _office_of(api, org)
    monkeypatch.setattr(services.register, "clock", lambda: NOON_UTC)
    shown = (await _heads(api, office))[0]["organization"]
    name, key = shown["name"], shown["key"]

    # when the heads are exported
    csv_text = (await api.ok(EXPORT, None, office.token))["registerHeadsExport"]

    # then one row for it, verified at 12:30:15 Beijing time
    head = await _last_hash(org)
    assert csv_text.split("\r\n") == [HEADER, f"{name},{key},4,{head},完好,2026-12-06 12:30:15", ""]


async def test_export_refused_without_an_export_permission(api: Api):
    # given a unit head, who reads registers but may not export them
    org = await api.new_org()
    unit = await api.new_user(org, "UNIT_HEAD")

    # when they ask for the export, then it is refused; the heads list still answers
    assert error_of(await api.post(EXPORT, None, unit.token)) == ("FORBIDDEN", "您没有执行此操作的权限。")
    assert [h["organization"]["id"] for h in await _heads(api, unit)] == [org]
