"""An item's search entry, written together with the item (storage.search.SearchEntry, same ``_id``).

Every full write of an item (``ContentService.insert`` / ``publish``, ``cms.review.workflow.cas_update``)
stores the entry again (:func:`store_entry`), in the same transaction as the item; a status-only write
changes it only when the item crosses the line between published and not (:func:`store_visibility`);
a deleted working copy takes its entry with it (:func:`remove_entry`). What is indexed of an item that
is not 主动公开 is its catalog metadata only (:func:`indexed`). Querying is cms.search's.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from cms.content.kinds import FieldText, kind_of
from cms.content.visibility import withheld_view
from cms.search.text import (
    WeightedField,
    token_weights,
    tokens_for_index,
)
from storage.documents import ContentDocument, DisclosureMode, ReviewState, day_of
from storage.search import PUBLISHED, UNPUBLISHED, SearchEntry

MAX_FIELD_CHARS = 20_000  # of one field, indexed and searched for snippets (tokens are capped anyway)


def indexed(item: ContentDocument) -> ContentDocument:
    """What of an item is searchable and shown in snippets: all of a 主动公开 item; of any other only
    its catalog metadata (cms.content.kinds.Kind.withheld), for every reader alike, so that nobody
    finds it by a word of its body, articles, transcript or attachments (staff included: one entry per
    item serves every reader)."""
    if item.disclosure_mode is DisclosureMode.PROACTIVE:
        return item
    return withheld_view(item)


def field_texts(item: ContentDocument) -> list[FieldText]:
    """(name, text, weight) of every searchable field of an item, heaviest kinds first: title 5 and
    description 2 of every kind, then the kind's own (cms.content.kinds.Kind.search_fields), then the
    attachments' text 1."""
    item = indexed(item)
    return [
        ("title", item.title, 5.0),
        ("description", item.description, 2.0),
        *kind_of(item).search_fields(item),
        ("attachments", item.attachment_text, 1.0),
    ]


def search_fields(item: ContentDocument) -> list[WeightedField]:
    """The weighted fields the item is indexed under (:func:`field_texts`), the empty ones left out."""
    return [
        WeightedField(name, text[:MAX_FIELD_CHARS], weight)
        for name, text, weight in field_texts(item)
        if text and text.strip()
    ]


def search_entry(item: ContentDocument) -> dict[str, Any]:
    """The item's search index entry as stored (storage.search.SearchEntry); the item is stamped."""
    assert item.id is not None
    fields = search_fields(item)
    year = kind_of(item).search_year(item)
    return {
        "_id": ObjectId(item.id),
        "type": type(item).__name__,
        "tokens": tokens_for_index(fields),
        "weights": token_weights(fields),
        "org_id": ObjectId(item.org_id),
        "org_path": [ObjectId(o) for o in item.org_path],
        "topic": getattr(item, "topic", None),
        "topic_path": list(getattr(item, "topic_path", [])),
        "genre": getattr(item, "genre", None),
        "year": year if isinstance(year, int) else None,
        "sort_key": item.sort_key,
        "sort_day": day_of(item.sort_key),
        **_visibility(item),
    }


def _visibility(item: ContentDocument) -> dict[str, Any]:
    published = item.review_state is ReviewState.PUBLISHED
    return {
        "review_state": PUBLISHED if published else UNPUBLISHED,
        "effective": item.effective,
        "public_until": item.public_until,
    }


def entry_collection() -> AsyncCollection[dict[str, Any]]:
    return SearchEntry.get_pymongo_collection()


async def store_entry(
    item: ContentDocument, session: AsyncClientSession | None = None, *, new: bool = False
) -> None:
    """After a full write of the item (``new``: its first), in the same session."""
    entry = search_entry(item)
    if new:
        await entry_collection().insert_one(entry, session=session)
    else:
        await entry_collection().replace_one({"_id": entry["_id"]}, entry, upsert=True, session=session)


async def store_visibility(
    item: ContentDocument, before: ReviewState, session: AsyncClientSession | None = None
) -> None:
    """After a write of the item's workflow fields only: the entry changes when the item became
    published or stopped being published; every other review step leaves it as it is."""
    if (before is ReviewState.PUBLISHED) == (item.review_state is ReviewState.PUBLISHED):
        return
    await entry_collection().update_one({"_id": item.id}, {"$set": _visibility(item)}, session=session)


async def remove_entry(item_id: ObjectId, session: AsyncClientSession | None = None) -> None:
    await entry_collection().delete_one({"_id": item_id}, session=session)
