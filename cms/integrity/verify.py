"""``gongkai verify``: is the repository whole? Run after a restore, an upgrade or a crash.

Four checks, each over the raw stored data, so that whatever changed behind the services' back shows:

- every organization's review register chain verifies (cms.review.register.RegisterService.verify);
- every ready attachment record has its object in the bucket, of the recorded size and sha256, and
  its thumbnail when it has one;
- every item's search entry is exactly what the item would be indexed as now, and no entry lacks
  its item;
- the counts agree: items and search entries per type, published items and published entries.

Uploads still pending are not checked (their objects may legitimately not exist yet). The sha256 check
reads every object once: on a large bucket that is the time of one full read of the attachments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from cms.content.entries import entry_collection, search_entry
from cms.review.register import RegisterService
from storage.attachments import Attachment, AttachmentStatus
from storage.documents import CONTENT_TYPES, Organization, ReviewState
from storage.objectstore import ObjectStore
from storage.register import RegisterRecord
from storage.search import PUBLISHED

REGISTER, ATTACHMENTS, SEARCH, COUNTS = "register", "attachments", "search", "counts"


@dataclass(frozen=True)
class Problem:
    check: str  # REGISTER, ATTACHMENTS, SEARCH or COUNTS
    subject: str  # what is wrong: an organization, attachment or item id, or a count's name
    message: str

    def line(self) -> str:
        return f"[{self.check}] {self.subject}: {self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)  # what was examined, per check

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, check: str, subject: object, message: str) -> None:
        self.problems.append(Problem(check, str(subject), message))

    def lines(self) -> list[str]:
        summary = ", ".join(f"{name} {self.checked[name]}" for name in (REGISTER, ATTACHMENTS, SEARCH))
        verdict = (
            "一致 / ok" if self.ok else f"发现 {len(self.problems)} 处问题 / {len(self.problems)} problem(s)"
        )
        return [p.line() for p in self.problems] + [f"checked: {summary}; {verdict}"]


async def verify(objects: ObjectStore, register: RegisterService) -> Report:
    report = Report()
    await check_register(register, report)
    await check_attachments(objects, report)
    items, published = await check_search_entries(report)
    await check_counts(items, published, report)
    return report


async def check_register(register: RegisterService, report: Report) -> None:
    """Every chain, including those of organizations since deleted (their records stay)."""
    filed = await RegisterRecord.get_pymongo_collection().distinct("org_id")
    orgs = await Organization.get_pymongo_collection().distinct("_id")
    for org_id in sorted(set(filed) | set(orgs), key=str):
        result = await register.verify(org_id)
        report.checked[REGISTER] += result.checked
        if not result.ok:
            report.add(REGISTER, f"organization {org_id}", result.reason)


async def check_attachments(objects: ObjectStore, report: Report) -> None:
    ready = Attachment.find({"status": AttachmentStatus.READY.value})
    async for attachment in ready:
        report.checked[ATTACHMENTS] += 1
        for message in await _attachment_problems(objects, attachment):
            report.add(ATTACHMENTS, f"attachment {attachment.id} ({attachment.filename})", message)


async def _attachment_problems(objects: ObjectStore, attachment: Attachment) -> list[str]:
    info = await objects.stat(attachment.object_key)
    if info is None:
        return [f"对象 {attachment.object_key} 不存在 / object missing"]
    problems = []
    if attachment.size is not None and info.size != attachment.size:
        problems.append(f"对象大小 {info.size} 与记录 {attachment.size} 不符 / size differs")
    elif (actual := await objects.sha256(attachment.object_key)) != attachment.sha256:
        problems.append(f"对象 sha256 {actual} 与记录 {attachment.sha256} 不符 / sha256 differs")
    if attachment.thumbnail_key and await objects.stat(attachment.thumbnail_key) is None:
        problems.append(f"缩略图 {attachment.thumbnail_key} 不存在 / thumbnail missing")
    return problems


async def check_search_entries(report: Report) -> tuple[Counter[str], Counter[str]]:
    """Compare each item's stored entry with the one it would get now; returns the items and the
    published items per type (for the counts)."""
    items: Counter[str] = Counter()
    published: Counter[str] = Counter()
    seen: set[ObjectId] = set()
    entries = entry_collection()
    for type_name, cls in CONTENT_TYPES.items():
        async for item in cls.find_all():
            assert item.id is not None
            items[type_name] += 1
            published[type_name] += item.review_state is ReviewState.PUBLISHED
            seen.add(ObjectId(item.id))
            report.checked[SEARCH] += 1
            stored = await entries.find_one({"_id": item.id})
            if stored is None:
                report.add(SEARCH, f"{type_name} {item.id}", "没有检索条目 / search entry missing")
            elif differing := _differing(search_entry(item), stored):
                report.add(
                    SEARCH,
                    f"{type_name} {item.id}",
                    f"检索条目与内容不符 / entry differs: {', '.join(differing)}",
                )
    async for orphan in entries.find({"_id": {"$nin": list(seen)}}, {"type": 1}):
        report.add(
            SEARCH, f"{orphan.get('type')} {orphan['_id']}", "检索条目没有对应内容 / entry without item"
        )
    return items, published


def _differing(expected: Mapping[str, Any], stored: Mapping[str, Any]) -> list[str]:
    return sorted(
        name for name, value in expected.items() if _comparable(value) != _comparable(stored.get(name))
    )


def _comparable(value: Any) -> Any:
    """Token lists compare as sets of tokens (their order is not meaningful); instants as UTC."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.replace(microsecond=aware.microsecond // 1000 * 1000)
    return value


async def check_counts(items: Counter[str], published: Counter[str], report: Report) -> None:
    entries = entry_collection()
    for type_name in CONTENT_TYPES:
        _compare(
            report,
            f"{type_name} items/entries",
            items[type_name],
            await entries.count_documents({"type": type_name}),
        )
        in_entries = await entries.count_documents({"type": type_name, "review_state": PUBLISHED})
        _compare(report, f"{type_name} published items/entries", published[type_name], in_entries)


def _compare(report: Report, name: str, left: int, right: int) -> None:
    if left != right:
        report.add(COUNTS, name, f"{left} ≠ {right}")
