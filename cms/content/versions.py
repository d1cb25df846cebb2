"""Versions: every saved change of an item's editable fields is a snapshot; diffs and reverts read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId, SortDirection
from beanie.odm.utils.encoder import Encoder
from pymongo.asynchronous.client_session import AsyncClientSession

from cms.content.kinds import kind_of
from cms.errors import NotFound
from storage.documents import ContentDocument, ContentVersion

# The note of the version a working copy's final approval writes on the live item. Its ``saved_by`` is
# the approver, who merged what others wrote: not an author of the item (see ``VersionService.saved_by``).
MERGE_NOTE = "工作副本审发合并"


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def editable_fields(item: ContentDocument) -> tuple[str, ...]:
    """Every kind's common fields and its own (cms.content.kinds.Kind.editable)."""
    return kind_of(item).all_editable


def snapshot(item: ContentDocument) -> dict[str, Any]:
    """The editable fields as JSON-compatible data (what a version stores and a diff compares)."""
    data: dict[str, Any] = item.model_dump(mode="json", include=set(editable_fields(item)))
    return data


def apply(item: ContentDocument, data: dict[str, Any]) -> None:
    """Set the editable fields from a snapshot, validated by the item's own model."""
    fields = [f for f in editable_fields(item) if f in data]
    current = item.model_dump(mode="json", exclude={"id", "revision_id"})
    validated = type(item).model_validate({**current, **{f: data[f] for f in fields}})
    for name in fields:
        setattr(item, name, getattr(validated, name))


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    names = sorted(set(before) | set(after))
    return [FieldChange(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


def encode(item: ContentDocument) -> dict[str, Any]:
    """The document as MongoDB stores it (dates become datetimes), for conditional whole-field updates."""
    encoded = dict(Encoder(to_db=True).encode(item))
    encoded.pop("_id", None)
    return encoded


class VersionService:
    async def record(
        self,
        item: ContentDocument,
        *,
        by: str | None,
        note: str = "",
        session: AsyncClientSession | None = None,
    ) -> ContentVersion:
        assert item.id is not None
        version = ContentVersion(
            item_id=item.id,
            item_type=type(item).__name__,
            version=item.version,
            data=snapshot(item),
            saved_by=by,
            note=note,
        )
        await version.insert(session=session)
        return version

    async def saved_by(self, item_id: PydanticObjectId, user_id: str) -> bool:
        """Whether ``user_id`` saved a version of the item (created, edited or reverted it; a merge
        does not count). One indexed lookup: separation of duties asks it once per approval."""
        found = await ContentVersion.get_pymongo_collection().find_one(
            {"item_id": item_id, "saved_by": user_id, "note": {"$ne": MERGE_NOTE}}, {"_id": 1}
        )
        return found is not None

    async def savers(self, item_ids: list[PydanticObjectId], user_id: str) -> set[PydanticObjectId]:
        """Which of ``item_ids`` ``user_id`` saved a version of (as ``saved_by``), in one query."""
        cursor = ContentVersion.get_pymongo_collection().find(
            {"item_id": {"$in": item_ids}, "saved_by": user_id, "note": {"$ne": MERGE_NOTE}}, {"item_id": 1}
        )
        return {PydanticObjectId(doc["item_id"]) for doc in await cursor.to_list()}

    async def all(self, item_id: PydanticObjectId) -> list[ContentVersion]:
        return (
            await ContentVersion.find({"item_id": item_id})
            .sort([("version", SortDirection.ASCENDING)])
            .to_list()
        )

    async def get(self, item_id: PydanticObjectId, version: int) -> ContentVersion:
        found = await ContentVersion.find_one({"item_id": item_id, "version": version})
        if found is None:
            raise NotFound(f"未找到第 {version} 版。")
        return found

    async def diff(self, item_id: PydanticObjectId, from_version: int, to_version: int) -> list[FieldChange]:
        before = await self.get(item_id, from_version)
        after = await self.get(item_id, to_version)
        return diff(before.data, after.data)
