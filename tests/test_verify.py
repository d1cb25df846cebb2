"""``gongkai verify``: a whole repository passes; each kind of damage is reported, and the command
exits 1 with the report. Each test damages the shared demo data and repairs it afterwards."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from cms.content.entries import entry_collection
from cms.integrity.verify import Problem, verify
from storage.attachments import Attachment, AttachmentStatus
from storage.documents import CatalogEntry
from storage.register import RegisterRecord

ROOT = Path(__file__).resolve().parents[1]
Damage = Callable[[Any], Awaitable[tuple[list[Problem], Callable[[], Awaitable[None]]]]]


async def _tamper_register(services: Any) -> tuple[list[Problem], Callable[[], Awaitable[None]]]:
    records = RegisterRecord.get_pymongo_collection()
    record = await records.find_one({"seq": 2})
    assert record is not None
    await records.update_one({"_id": record["_id"]}, {"$set": {"opinion": "事后改过的意见"}})

    async def repair() -> None:
        await records.update_one({"_id": record["_id"]}, {"$set": {"opinion": record["opinion"]}})

    problem = Problem("register", f"organization {record['org_id']}", "序号 2 的记录内容与其哈希不符")
    return [problem], repair


async def _ready_attachment() -> Attachment:
    attachment = await Attachment.find_one({"status": AttachmentStatus.READY.value, "size": {"$gt": 0}})
    assert attachment is not None
    return attachment


async def _put(services: Any, key: str, data: bytes) -> None:
    await services.objects.put_stream(key, io.BytesIO(data), len(data), "application/octet-stream")


async def _remove_object(services: Any) -> tuple[list[Problem], Callable[[], Awaitable[None]]]:
    attachment = await _ready_attachment()
    original = await services.objects.read_range(attachment.object_key)
    await services.objects.delete(attachment.object_key)
    subject = f"attachment {attachment.id} ({attachment.filename})"
    missing = Problem("attachments", subject, f"对象 {attachment.object_key} 不存在 / object missing")
    return [missing], lambda: _put(services, attachment.object_key, original)


async def _overwrite_object(services: Any) -> tuple[list[Problem], Callable[[], Awaitable[None]]]:
    attachment = await _ready_attachment()
    original = await services.objects.read_range(attachment.object_key)
    flipped = bytes([original[0] ^ 0xFF]) + original[1:]  # same size, other content
    await _put(services, attachment.object_key, flipped)
    subject = f"attachment {attachment.id} ({attachment.filename})"
    message = (
        f"对象 sha256 {hashlib.sha256(flipped).hexdigest()} 与记录 {attachment.sha256} 不符 / sha256 differs"
    )
    return [Problem("attachments", subject, message)], lambda: _put(services, attachment.object_key, original)


async def _entry_of_published_entry() -> dict[str, Any]:
    entry = await entry_collection().find_one({"type": "CatalogEntry", "review_state": "published"})
    assert entry is not None
    return entry


async def _change_entry(services: Any) -> tuple[list[Problem], Callable[[], Awaitable[None]]]:
    entry = await _entry_of_published_entry()
    _, published = await _catalog_counts()
    await entry_collection().update_one(
        {"_id": entry["_id"]}, {"$set": {"tokens": ["伪造"], "review_state": "unpublished"}}
    )

    async def repair() -> None:
        await entry_collection().replace_one({"_id": entry["_id"]}, entry)

    problems = [
        Problem(
            "search",
            f"CatalogEntry {entry['_id']}",
            "检索条目与内容不符 / entry differs: review_state, tokens",
        ),
        Problem("counts", "CatalogEntry published items/entries", f"{published} ≠ {published - 1}"),
    ]
    return problems, repair


async def _catalog_counts() -> tuple[int, int]:
    """CatalogEntry items and published ones, before the damage (the demo data decides them)."""
    items = CatalogEntry.get_pymongo_collection()
    return await items.count_documents({}), await items.count_documents({"review_state": "published"})


async def _remove_entry(services: Any) -> tuple[list[Problem], Callable[[], Awaitable[None]]]:
    entry = await _entry_of_published_entry()
    total, published = await _catalog_counts()
    await entry_collection().delete_one({"_id": entry["_id"]})

    async def repair() -> None:
        await entry_collection().insert_one(entry)

    subject = f"CatalogEntry {entry['_id']}"
    problems = [
        Problem("search", subject, "没有检索条目 / search entry missing"),
        Problem("counts", "CatalogEntry items/entries", f"{total} ≠ {total - 1}"),
        Problem("counts", "CatalogEntry published items/entries", f"{published} ≠ {published - 1}"),
    ]
    return problems, repair


async def _orphan_entry(services: Any) -> tuple[list[Problem], Callable[[], Awaitable[None]]]:
    orphan = {**await _entry_of_published_entry(), "_id": ObjectId()}
    total, published = await _catalog_counts()
    await entry_collection().insert_one(orphan)

    async def repair() -> None:
        await entry_collection().delete_one({"_id": orphan["_id"]})

    problems = [
        Problem("search", f"CatalogEntry {orphan['_id']}", "检索条目没有对应内容 / entry without item"),
        Problem("counts", "CatalogEntry items/entries", f"{total} ≠ {total + 1}"),
        Problem("counts", "CatalogEntry published items/entries", f"{published} ≠ {published + 1}"),
    ]
    return problems, repair


async def test_a_whole_repository_verifies(services):
    report = await verify(services.objects, services.register)

    assert report.problems == []
    assert min(report.checked[check] for check in ("register", "attachments", "search")) > 0
    assert report.lines()[-1].endswith("一致 / ok")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_tamper_register, id="register-record-changed"),
        pytest.param(_remove_object, id="attachment-object-removed"),
        pytest.param(_overwrite_object, id="attachment-object-overwritten"),
        pytest.param(_change_entry, id="search-entry-changed"),
        pytest.param(_remove_entry, id="search-entry-removed"),
        pytest.param(_orphan_entry, id="search-entry-without-item"),
    ],
)
async def test_damage_is_reported(services, damage: Damage):
    expected, repair = await damage(services)
    try:
        report = await verify(services.objects, services.register)
    finally:
        await repair()

    assert report.problems == expected
    assert report.lines()[: len(expected)] == [p.line() for p in expected]
    assert not report.ok


@pytest.fixture
async def damaged_register(services: Any) -> AsyncIterator[list[Problem]]:
    expected, repair = await _tamper_register(services)
    try:
        yield expected
    finally:
        await repair()


def _run_verify(embedded: Any, settings: Any) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GONGKAI_MODE": "demo",
        "GONGKAI_DEMO_DATA": "false",
        "GONGKAI_SECRET_KEY": settings.secret_key.get_secret_value(),
        "GONGKAI_MONGO_URL": embedded.mongo_url,
        "GONGKAI_MONGO_DATABASE": settings.mongo_database,
        "GONGKAI_S3_ENDPOINT": embedded.s3_endpoint,
        "GONGKAI_S3_ACCESS_KEY": embedded.s3_access_key,
        "GONGKAI_S3_SECRET_KEY": embedded.s3_secret_key,
    }
    command = [sys.executable, "-m", "web.cli", "verify"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


async def test_the_command_exits_0_on_a_whole_repository(services, embedded, settings):
    result = _run_verify(embedded, settings)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith("一致 / ok")


async def test_the_command_exits_1_with_the_report(services, embedded, settings, damaged_register):
    result = _run_verify(embedded, settings)

    lines = result.stdout.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert lines[0] == damaged_register[0].line()
    assert lines[-1].endswith("发现 1 处问题 / 1 problem(s)")
