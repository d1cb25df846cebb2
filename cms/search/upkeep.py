"""Keeping the search index: entries, attachment text, term statistics and one-off data changes.

Indexing. Every item has one entry in the search index (storage.search.SearchEntry, same ``_id``):
its weighted fields (:func:`search_fields`; title and 文号 weigh most) as ``tokens`` (a multikey index)
and ``weights`` (cms.search.text), with the fields searches filter, facet and security-trim on. The
item's writers keep it in step, in the same transaction as the item: every full write of an item
(``ContentService.insert`` / ``publish``, ``cms.review.workflow.cas_update``) stores the entry again
(:func:`store_entry`); a status-only write changes the entry only when the item crosses the line
between published and not (:func:`store_visibility`: publication, withdrawal), so the review steps
in between cost the index nothing; a deleted working copy takes its entry with it
(:func:`remove_entry`). The text of the item's ready attachments is kept on the item as
``attachment_text`` by :meth:`SearchIndex.reindex`, which runs after every workflow commit and every
import's publication (hooks; so a submitted, published or merged item carries its files' text: a
draft's new attachment becomes searchable for staff at its next transition) and from ``reindex_all``
(after dictionary changes; the ``reindexSearch`` mutation); every later full write indexes the kept
text again. The background upkeep indexes items that have no entry (stored by an earlier version)
and removes entries whose item is gone.
The term statistics (document frequencies sampled from the index) choose a search's lookup term and
tell storage.reads how its matches are spread.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from cms.content.entries import entry_collection, search_entry, store_entry
from cms.content.visibility import public_until
from storage.attachments import Attachment, AttachmentStatus
from storage.documents import (
    CONTENT_TYPES,
    OBSOLETE_CONTENT_FIELDS,
    ContentDocument,
    DisclosureMode,
    ReviewState,
    day_of,
    instant_of,
    utcnow,
)

if TYPE_CHECKING:
    from cms.content.store import ContentService

log = logging.getLogger("gongkai.search")

MAX_ATTACHMENT_TEXT = 20_000  # characters of attachment text kept on an item
REINDEX_BATCH = 100  # items per read and per transaction of a rebuild
STATISTICS_INTERVAL = 6 * 3600.0  # seconds between background refreshes of the term statistics
MAX_STATISTICS_TERMS = 50_000
STATISTICS_SAMPLE = 5_000  # entries whose tokens estimate the term frequencies (all, when fewer)
MAINTENANCE_COLLECTION = "maintenance"  # one document per one-off data change done
_FIELDS_REMOVED = "search-fields-on-items-removed"
_DAYS_SET = "search-entries-sort-day-set"
_MODES_SETTLED = "disclosure-modes-settled"


@dataclass
class _Statistics:
    documents: int = 0
    frequency: dict[str, int] = field(default_factory=dict)  # estimated entries holding each term
    sampled: int = 0  # entries whose tokens were counted
    oldest: datetime | None = None  # the earliest sort instant among them


class SearchIndex:
    """The index's upkeep; cms.search.service.SearchService adds the queries and the dictionary."""

    def __init__(self, content: ContentService) -> None:
        self.content = content
        self._stats = _Statistics()
        self._background: asyncio.Task[None] | None = None
        self._reindexing: asyncio.Task[int] | None = None
        self._upkept = asyncio.Event()  # set once an upkeep pass has run (see settled)
        self._cleaned = False  # drop_obsolete_fields ran in this process
        self._days_ready = False  # every entry has its sort_day (set_sort_days): windows may be used
        # Called after the dictionary changed or everything was reindexed: public answers that
        # depend on it (cached searches, searchWords) are stale, and other processes must reload.
        self.changed_hooks: list[Callable[[], Awaitable[None]]] = []

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Refresh this process's term statistics, which choose the index lookup (at once, then every
        few hours). Indexing what is missing (:meth:`repair`) is a periodic job of one node."""
        if self._background is None:
            self._background = asyncio.create_task(self._upkeep())

    async def stop(self) -> None:
        for task in (self._background, self._reindexing):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._background = self._reindexing = None

    async def _upkeep(self) -> None:
        while True:
            try:
                await self.refresh_statistics()
            except Exception:  # retried at the next interval; search still works without statistics
                log.exception("search statistics failed")
            self._upkept.set()
            await asyncio.sleep(STATISTICS_INTERVAL)

    def migrated(self) -> None:
        """The one-off data changes are done (cms.jobs.migrations ran them before serving)."""
        self._cleaned = self._days_ready = True

    async def settled(self) -> None:
        """Wait for the background work started so far: the first upkeep pass (once ``start`` was
        called) and a running rebuild. For tests (and operators' scripts) that must not overlap it."""
        if self._background is not None and not self._background.done():
            await self._upkept.wait()
        rebuild = self._reindexing
        if rebuild is not None:
            with contextlib.suppress(Exception):  # its failure is logged by _log_reindex
                await asyncio.shield(rebuild)

    async def repair(self) -> int:
        """Fresh term statistics; entries for the items that have none and none for items that are
        gone; the search fields earlier versions kept on the items removed (once per process).
        Returns how many items were indexed."""
        missing = await self.refresh_statistics()
        indexed = 0
        for item in missing:
            indexed += await self.reindex(item)
        if indexed:
            log.info("indexed %d items that had no search entry", indexed)
            await self._changed()
        if not self._cleaned:
            dropped = await self.drop_obsolete_fields()
            if dropped:
                log.info("removed old search fields from %d items", dropped)
            self._cleaned = True
        if not self._days_ready:
            dated = await self.set_sort_days()
            if dated:
                log.info("dated %d search entries written before sort_day existed", dated)
        return indexed

    def _start_rebuild(self) -> bool:
        """``reindex_all`` in the background; False when a rebuild is already running."""
        if self._reindexing is not None and not self._reindexing.done():
            return False
        # A fresh context: the rebuild outlives the request and must not inherit its database deadline.
        self._reindexing = asyncio.create_task(self.reindex_all(), context=contextvars.Context())
        self._reindexing.add_done_callback(_log_reindex)
        return True

    async def _changed(self) -> None:
        for hook in self.changed_hooks:
            await hook()

    # -- indexing -------------------------------------------------------------------------------

    async def reindex(self, item: ContentDocument, attachment_text: str | None = None) -> bool:
        """Keep the item's ready attachments' text on it and store its search entry again.

        Only if nobody changed the item's version or state since it was read: a writer that did has
        stored a fresh entry itself. Returns whether anything was written."""
        assert item.id is not None
        if attachment_text is None:
            attachment_text = await self._attachment_text(item.id)
        unchanged = {"_id": item.id, "version": item.version, "review_state": item.review_state.value}
        collection = type(item).get_pymongo_collection()
        item.attachment_text = attachment_text

        async def write(session: AsyncClientSession) -> bool:
            # The conditional write of the item is what makes a concurrent writer's entry win.
            result = await collection.update_one(
                unchanged, {"$set": {"attachment_text": attachment_text}}, session=session
            )
            if result.matched_count != 1:
                return False
            await store_entry(item, session)
            return True

        async with collection.database.client.start_session() as session:
            written: bool = await session.with_transaction(write)
        return written

    async def reindex_all(self) -> int:
        """Every item again: after changes to the dictionary or to what is indexed. Returns the count.

        In batches: one read of the items, one of their attachments' text and one transaction per
        batch, each write conditional as in :meth:`reindex` (one transaction per item made a rebuild
        of a few thousand items take minutes on the embedded server)."""
        count = 0
        for cls in CONTENT_TYPES.values():
            ids = [d["_id"] for d in await cls.get_pymongo_collection().find({}, {"_id": 1}).to_list()]
            for start in range(0, len(ids), REINDEX_BATCH):
                items = await cls.find({"_id": {"$in": ids[start : start + REINDEX_BATCH]}}).to_list()
                await self._reindex_batch(items)
                count += len(items)
        await self.refresh_statistics()
        await self._changed()
        return count

    async def _reindex_batch(self, items: list[ContentDocument]) -> None:
        if not items:
            return
        texts = await self._attachment_texts([i.id for i in items if i.id is not None])
        collection = type(items[0]).get_pymongo_collection()

        async def write(session: AsyncClientSession) -> None:
            for item in items:
                text = texts.get(item.id, "")  # type: ignore[arg-type]
                unchanged = {"_id": item.id, "version": item.version, "review_state": item.review_state.value}
                result = await collection.update_one(
                    unchanged, {"$set": {"attachment_text": text}}, session=session
                )
                if result.matched_count == 1:  # else a concurrent writer stored a fresh entry itself
                    item.attachment_text = text
                    await store_entry(item, session)

        async with collection.database.client.start_session() as session:
            await session.with_transaction(write)

    async def reindex_items_with_attachments(self) -> int:
        """Items whose attachments were added outside the workflow (imports, the demo loader)."""
        collection = Attachment.get_pymongo_collection()
        count = 0
        for type_name, cls in CONTENT_TYPES.items():
            ids = await collection.distinct(
                "item_id", {"item_type": type_name, "status": AttachmentStatus.READY.value}
            )
            for item_id in ids:
                item = await cls.get(item_id)
                if item is not None:
                    await self.reindex(item)
                    count += 1
        return count

    async def on_committed(self, item: ContentDocument) -> None:
        """Workflow hook after each commit: pick up attachments added or replaced since the last one
        (a submitted draft, a merged working copy). Writes only when the text changed.

        Attachments change only while an item is editable (cms.attachments.service), so their text can differ
        only at the first commit after editing (the submission: pending, nobody has acted yet) and when
        an item is published (a merge brings the working copy's attachments to the live item; an
        import arrives published). Tier approvals, 会签, rejections and withdrawals skip the lookup."""
        submitted = item.pending_tier is not None and not item.cycle
        if item.id is None or not (submitted or item.review_state is ReviewState.PUBLISHED):
            return
        try:
            text = await self._attachment_text(item.id)
            if text != item.attachment_text:
                await self.reindex(item, text)
        except Exception:  # the transition is committed; the next one or reindex_all catches up
            log.exception("could not reindex %s %s", type(item).__name__, item.id)

    async def _attachment_text(self, item_id: ObjectId) -> str:
        return (await self._attachment_texts([item_id])).get(item_id, "")

    async def _attachment_texts(self, item_ids: list[ObjectId]) -> dict[ObjectId, str]:
        """The kept text of each item's ready attachments, in their order (items without any: absent)."""
        found = await (
            Attachment.get_pymongo_collection()
            .find(
                {"item_id": {"$in": item_ids}, "status": AttachmentStatus.READY.value},
                {"item_id": 1, "text": 1, "order": 1},
            )
            .to_list()
        )
        parts: dict[ObjectId, list[str]] = {}
        for d in sorted(found, key=lambda d: d.get("order", 0)):
            if (d.get("text") or "").strip():
                parts.setdefault(d["item_id"], []).append(d["text"])
        return {item_id: "\n".join(texts)[:MAX_ATTACHMENT_TEXT] for item_id, texts in parts.items()}

    async def refresh_statistics(self) -> list[ContentDocument]:
        """Count document frequencies of the index tokens (they choose the lookup term), remove
        entries whose item is gone, and return the items without an entry (stored by an earlier
        version, or whose entry write failed after the item's outside a transaction)."""
        counts: Counter[str] = Counter()
        indexed: set[ObjectId] = set()
        sampled = 0
        oldest = "\uffff"  # the least sort_key sampled ("\uffff": none)
        entries = entry_collection()
        if await entries.estimated_document_count() <= STATISTICS_SAMPLE:
            async for doc in entries.find({}, {"tokens": 1, "sort_key": 1}):
                indexed.add(doc["_id"])
                counts.update(doc.get("tokens") or ())
                oldest = min(oldest, str(doc.get("sort_key") or oldest))
                sampled += 1
        else:
            # Reading every entry's ~160 tokens cost the 100,000-entry bench minutes of the serving
            # process's CPU at start-up and every few hours; frequencies only choose the lookup term,
            # so a random sample estimates them (the common terms, the ones worth avoiding, well).
            indexed = {doc["_id"] async for doc in entries.find({}, {"_id": 1})}
            sample = [{"$sample": {"size": STATISTICS_SAMPLE}}, {"$project": {"tokens": 1, "sort_key": 1}}]
            async for doc in await entries.aggregate(sample):
                counts.update(doc.get("tokens") or ())
                oldest = min(oldest, str(doc.get("sort_key") or oldest))
                sampled += 1
        scale = len(indexed) / sampled if sampled else 1.0
        common = {t: round(n * scale) for t, n in counts.most_common(MAX_STATISTICS_TERMS) if n > 1}
        self._stats = _Statistics(
            documents=len(indexed), frequency=common, sampled=sampled, oldest=instant_of(oldest)
        )
        missing: list[ContentDocument] = []
        for cls in CONTENT_TYPES.values():
            collection = cls.get_pymongo_collection()
            async for doc in collection.find({}, {"_id": 1}):
                if doc["_id"] in indexed:
                    indexed.discard(doc["_id"])
                    continue
                item = await cls.get(doc["_id"])
                if item is not None:
                    missing.append(item)
        if indexed:  # entries of items deleted without theirs
            await entry_collection().delete_many({"_id": {"$in": sorted(indexed)}})
        return missing

    async def drop_obsolete_fields(self) -> int:
        """Remove the search fields earlier versions kept on the items themselves, once per database
        (the field has no index: each pass reads every item). Returns how many items had them."""
        done = entry_collection().database[MAINTENANCE_COLLECTION]
        if await done.find_one({"_id": _FIELDS_REMOVED}) is not None:
            return 0
        unset = dict.fromkeys(OBSOLETE_CONTENT_FIELDS, "")
        changed = 0
        for cls in CONTENT_TYPES.values():
            result = await cls.get_pymongo_collection().update_many(
                {OBSOLETE_CONTENT_FIELDS[0]: {"$exists": True}}, {"$unset": unset}
            )
            changed += result.modified_count
        with contextlib.suppress(DuplicateKeyError):  # another process finished first
            await done.insert_one({"_id": _FIELDS_REMOVED, "at": utcnow(), "items": changed})
        return changed

    async def set_sort_days(self) -> int:
        """Give ``sort_day`` to the entries written before it existed (once per database; until then
        lookups are not windowed, since a window would miss them). Returns how many were dated."""
        done = entry_collection().database[MAINTENANCE_COLLECTION]
        if await done.find_one({"_id": _DAYS_SET}) is not None:
            self._days_ready = True
            return 0
        entries = entry_collection()
        dated = 0
        batch: list[UpdateOne] = []
        async for doc in entries.find({"sort_day": None}, {"sort_key": 1}):
            day = day_of(str(doc.get("sort_key") or ""))
            batch.append(UpdateOne({"_id": doc["_id"], "sort_day": None}, {"$set": {"sort_day": day}}))
            if len(batch) >= 500:
                dated += (await entries.bulk_write(batch, ordered=False)).modified_count
                batch = []
        if batch:
            dated += (await entries.bulk_write(batch, ordered=False)).modified_count
        with contextlib.suppress(DuplicateKeyError):  # another process finished first
            await done.insert_one({"_id": _DAYS_SET, "at": utcnow(), "entries": dated})
        self._days_ready = True
        return dated

    async def settle_disclosure_modes(self) -> int:
        """Once per database, at start-up before serving: what versions that published every mode in
        full stored. A 不予公开 item's ``public_until`` (on the item and its search entry) is stamped
        in the past, and a non-proactive item's search entry is rebuilt from its catalog metadata
        (``indexed``). Only such items are read (a scan for them, once); later starts read one marker.
        Returns how many items were rewritten."""
        done = entry_collection().database[MAINTENANCE_COLLECTION]
        if await done.find_one({"_id": _MODES_SETTLED}) is not None:
            return 0
        modes = [m.value for m in DisclosureMode if m is not DisclosureMode.PROACTIVE]
        changed = 0
        for cls in CONTENT_TYPES.values():
            ids = await cls.get_pymongo_collection().distinct("_id", {"disclosure_mode": {"$in": modes}})
            for item_id in ids:
                item = await cls.get(item_id)
                changed += item is not None and await self._settle_mode(item)
        if changed:  # public answers (of processes already serving, too) showed them as they were
            await self._changed()
        with contextlib.suppress(DuplicateKeyError):  # another process finished first
            await done.insert_one({"_id": _MODES_SETTLED, "at": utcnow(), "items": changed})
        return changed

    async def _settle_mode(self, item: ContentDocument) -> bool:
        until = public_until(item)
        entry = search_entry(item.model_copy(update={"public_until": until}))
        stored = await entry_collection().find_one({"_id": item.id}, {"tokens": 1, "public_until": 1})
        if (
            item.public_until == until
            and stored is not None
            and set(stored.get("tokens") or ()) == set(entry["tokens"])
            and stored.get("public_until") == until
        ):
            return False
        unchanged = {"_id": item.id, "version": item.version, "review_state": item.review_state.value}
        collection = type(item).get_pymongo_collection()
        item.public_until = until

        async def write(session: AsyncClientSession) -> bool:
            # Conditional, as in reindex: a writer that changed the item meanwhile stored both itself.
            result = await collection.update_one(
                unchanged, {"$set": {"public_until": until}}, session=session
            )
            if result.matched_count != 1:
                return False
            await store_entry(item, session)
            return True

        async with collection.database.client.start_session() as session:
            written: bool = await session.with_transaction(write)
        return written


def _log_reindex(task: asyncio.Task[int]) -> None:
    if task.cancelled():
        return
    if task.exception() is not None:
        log.error("reindexing for search failed", exc_info=task.exception())
    else:
        log.info("reindexed %d items for search", task.result())
