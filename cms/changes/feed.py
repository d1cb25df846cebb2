"""The public change feed: one record per change of what the public sees, in commit order.

Each record says that an item became public (``PUBLISHED``), changed while public (``UPDATED``) or left
the public (``WITHDRAWN``: withdrawn, expired, made 不予公开) — the item's id, kind and organization and
the time, never its content (a withdrawal is a tombstone). Unlike the *public generation*
(cms.content.public_changes), which only says "something changed", the feed says what, per item, so a
portal, a CDN purge or a webhook can follow it from any point.

**Written with the change.** A review transition calls :meth:`ChangeFeed.record` inside its own
transaction, so the record commits (or not) with the item. Sequence numbers come from one counter
document incremented in that transaction: two transactions that both record conflict on it and the
later one is retried after the first has committed, so numbers are handed out in commit order and a
reader that has seen *n* can never later find a committed record below *n*. A reader who keeps the last
sequence it read and asks for what follows misses nothing and sees nothing twice.

**Decided from the feed itself.** Whether an item "was public" is the kind of its last record (none, or
``WITHDRAWN``: not public), and whether it is public now is the one public rule
(``is_publicly_visible``). So the same call serves every path — publication, withdrawal, a merged
working copy, interpretations that follow a withdrawn document — and recording twice writes nothing
the second time. Time alone changes what the public sees too (a scheduled ``effective`` arriving, an
``expires`` passing): :meth:`ChangeFeed.sweep`, a job on the job runner, records those shortly after
they happen; its first run records every item already public (a feed added to an existing repository).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from cms.admin.organizations import OrganizationService
from cms.content.visibility import is_publicly_visible
from cms.delivery.portal import public_key
from cms.errors import InvalidCursor, InvalidInput
from storage.documents import CONTENT_TYPES, ContentDocument, ReviewState, utcnow

FEED = "change_feed"
FEED_STATE = "change_feed_state"
SEQ_ID = "seq"
SWEEP_ID = "sweep"
# The sweep looks back this far behind its last run: a transition that judged an item "not yet
# public" just before its ``effective`` and committed after the sweep's read is still seen.
SWEEP_OVERLAP = timedelta(minutes=10)
MAX_FEED_PAGE = 500
_MAY_BE_PUBLIC = frozenset({ReviewState.PUBLISHED, ReviewState.WITHDRAWN})


class ChangeKind(enum.StrEnum):
    PUBLISHED = "PUBLISHED"
    UPDATED = "UPDATED"
    WITHDRAWN = "WITHDRAWN"


CHANGE_KIND_LABELS: dict[ChangeKind, str] = {
    ChangeKind.PUBLISHED: "发布",
    ChangeKind.UPDATED: "更新",
    ChangeKind.WITHDRAWN: "撤下",
}


@dataclass(frozen=True)
class Change:
    seq: int
    kind: ChangeKind
    item_id: ObjectId
    item_type: str
    org_id: ObjectId
    at: datetime
    # The item's stable public key when the change was recorded (kept on a withdrawal, so a consumer
    # can remove the page it built under that key).
    public_key: str | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Change:
        return cls(
            seq=int(doc["_id"]),
            kind=ChangeKind(doc["kind"]),
            item_id=doc["item_id"],
            item_type=str(doc["item_type"]),
            org_id=doc["org_id"],
            at=doc["at"],
            public_key=doc.get("public_key"),
        )


@dataclass(frozen=True)
class ChangeFilter:
    org_id: ObjectId | None = None  # the organization and its whole subtree
    item_types: tuple[str, ...] | None = None
    kinds: tuple[ChangeKind, ...] | None = None

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.org_id is not None:
            query["org_path"] = self.org_id
        if self.item_types is not None:
            query["item_type"] = {"$in": list(self.item_types)}
        if self.kinds is not None:
            query["kind"] = {"$in": [k.value for k in self.kinds]}
        return query


def _may_be_public(item: ContentDocument) -> bool:
    if item.working_copy_of is not None or item.id is None:
        return False  # a working copy is never public itself; its merge reports the live item
    # leaving the public always passes through WITHDRAWN (or stays PUBLISHED)
    return item.review_state in _MAY_BE_PUBLIC


def parse_cursor(cursor: str | None) -> int:
    """A cursor is the sequence number of the last change read, as a string; none: from the start."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise InvalidCursor()
    return int(cursor)


Atomically = Callable[[Callable[[AsyncClientSession], Awaitable[Any]]], Awaitable[Any]]


class ChangeFeed:
    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        orgs: OrganizationService,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.client = client
        self.feed = db[FEED]
        self.state = db[FEED_STATE]
        self.orgs = orgs
        self.clock = clock
        # Called after the sweep recorded something (webhook deliveries start at once).
        self.swept_hooks: list[Callable[[], Awaitable[None]]] = []

    async def ensure_indexes(self) -> None:
        await self.feed.create_index([("item_id", ASCENDING), ("_id", DESCENDING)], name="feed_item")
        await self.feed.create_index([("org_path", ASCENDING), ("_id", ASCENDING)], name="feed_org")
        # The embedded server serves an ``_id`` range only from an index that leads with ``_id`` (its
        # own serves equality alone): without one every page read the whole feed (see page()).
        await self.feed.create_index([("_id", ASCENDING), ("kind", ASCENDING)], name="feed_seq")
        with contextlib.suppress(DuplicateKeyError):
            await self.state.insert_one({"_id": SEQ_ID, "value": 0})

    # -- writing ------------------------------------------------------------------------------

    async def record(
        self, items: Sequence[ContentDocument], session: AsyncClientSession, *, updates: bool = True
    ) -> list[Change]:
        """Inside the caller's transaction: a record for each of ``items`` whose public state differs
        from what the feed last said of it (see the module's docstring), and ``UPDATED`` for one that
        stays public (the caller changed it) unless ``updates`` is false (the sweep: time alone
        changes no content)."""
        now = self.clock()
        last = await self._last_kinds(items, session)
        wanted: list[tuple[ContentDocument, ChangeKind]] = []
        for item in items:
            kind = self._change_of(item, now, last)
            if kind is ChangeKind.UPDATED and not updates:
                continue
            if kind is not None:
                wanted.append((item, kind))
        if not wanted:
            return []
        counter = await self.state.find_one_and_update(
            {"_id": SEQ_ID},
            {"$inc": {"value": len(wanted)}},
            session=session,
            return_document=ReturnDocument.AFTER,
        )
        if counter is None:  # ensure_indexes creates it; never deleted
            raise RuntimeError("the change feed's counter is missing")
        first = int(counter["value"]) - len(wanted) + 1
        changes = [self._change(first + n, item, kind, now) for n, (item, kind) in enumerate(wanted)]
        await self.feed.insert_many([self._doc(c) for c in changes], session=session)
        return changes

    async def record_now(self, items: Sequence[ContentDocument], *, updates: bool = True) -> list[Change]:
        """In a transaction of its own (imports, the sweep)."""
        async with self.client.start_session() as session:
            changes: list[Change] = await session.with_transaction(
                lambda s: self.record(items, s, updates=updates)
            )
            return changes

    async def on_published(self, item: ContentDocument) -> None:
        """For ``ContentService.published_hooks``: an item published without review (the demo data;
        an import's files stored after its batch). One already public is not recorded again: an
        import's batch is recorded in its own transaction (``WorkflowService.transaction_hooks``)."""
        await self.record_now([item], updates=False)

    async def _last_kinds(
        self, items: Sequence[ContentDocument], session: AsyncClientSession
    ) -> dict[ObjectId, str]:
        """The kind of each item's last record, for the items that may be public: one query for the
        lot (an import records 500 items at once; a query per item was most of its feed's cost)."""
        ids = list({ObjectId(item.id) for item in items if _may_be_public(item)})
        if not ids:
            return {}
        last: dict[ObjectId, str] = {}
        cursor = self.feed.find(
            {"item_id": {"$in": ids}}, {"item_id": 1, "kind": 1}, sort=[("_id", DESCENDING)], session=session
        )
        async for doc in cursor:
            last.setdefault(doc["item_id"], doc["kind"])  # newest first: the first seen is the last
        return last

    def _change_of(
        self, item: ContentDocument, now: datetime, last: dict[ObjectId, str]
    ) -> ChangeKind | None:
        if not _may_be_public(item):
            return None
        kind = last.get(ObjectId(item.id))
        was_public = kind is not None and kind != ChangeKind.WITHDRAWN.value
        public = is_publicly_visible(item, now)
        if public:
            return ChangeKind.UPDATED if was_public else ChangeKind.PUBLISHED
        return ChangeKind.WITHDRAWN if was_public else None

    def _change(self, seq: int, item: ContentDocument, kind: ChangeKind, now: datetime) -> Change:
        assert item.id is not None
        key = public_key(item)
        return Change(seq, kind, ObjectId(item.id), type(item).__name__, ObjectId(item.org_id), now, key)

    def _doc(self, change: Change) -> dict[str, Any]:
        return {
            "_id": change.seq,
            "kind": change.kind.value,
            "item_id": change.item_id,
            "item_type": change.item_type,
            "org_id": change.org_id,
            "org_path": self.orgs.tree.path_of(change.org_id),
            "at": change.at,
            "public_key": change.public_key,
        }

    # -- time ---------------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Record what time alone made public or took from the public since the last sweep (and a
        little before: ``SWEEP_OVERLAP``). The first sweep looks at every published item. Returns how
        many changes it recorded."""
        now = self.clock()
        state = await self.state.find_one({"_id": SWEEP_ID})
        # min(): a clock set back (or a test's stepped clock) must not leave a window nobody sweeps
        since = min(state["until"], now) - SWEEP_OVERLAP if state is not None else None
        recorded = 0
        for cls in CONTENT_TYPES.values():
            for query in _crossed(since, now):
                async for doc in cls.get_pymongo_collection().find(query, {"_id": 1}):
                    recorded += len(await self._record_current(cls, doc["_id"]))
        await self.state.update_one({"_id": SWEEP_ID}, {"$set": {"until": now}}, upsert=True)
        if recorded:
            for hook in self.swept_hooks:
                await hook()
        return recorded

    async def _record_current(self, cls: type[ContentDocument], item_id: ObjectId) -> list[Change]:
        """The item as it is inside the recording transaction, not as the sweep's query saw it: a
        withdrawal committed in between is seen (or conflicts on the counter, and the transaction
        is retried), so the sweep never reports a withdrawn item as published again."""

        async def work(session: AsyncClientSession) -> list[Change]:
            doc = await cls.get_pymongo_collection().find_one({"_id": item_id}, session=session)
            if doc is None:
                return []
            return await self.record([cls.model_validate(doc)], session, updates=False)

        async with self.client.start_session() as session:
            changes: list[Change] = await session.with_transaction(work)
            return changes

    # -- reading ------------------------------------------------------------------------------

    async def page(
        self, after: int, first: int, wanted: ChangeFilter, *, upto: int | None = None
    ) -> tuple[list[Change], bool]:
        """The ``first`` changes after sequence ``after`` (and not beyond ``upto``), oldest first, and
        whether more follow."""
        if not 1 <= first <= MAX_FEED_PAGE:
            raise InvalidInput(f"每页条数应在 1 到 {MAX_FEED_PAGE} 之间。", field="first")
        top = upto if upto is not None else await self.head()
        docs: list[dict[str, Any]] = []
        low, span = after, first + 1
        # Sequence numbers are dense, so a page of an unfiltered feed is one window of first + 1; a
        # filter's matches are sparser, and each next window is twice as wide. ``_id`` first: the
        # embedded server serves the range with the index of the first field (feed_seq) and reads
        # what the window holds, not every record after the cursor (MongoDB stops at the limit anyway).
        while len(docs) <= first and low < top:
            high = min(low + span, top)
            query = {"_id": {"$gt": low, "$lte": high}, **wanted.query()}
            cursor = self.feed.find(query).sort("_id", ASCENDING).limit(first + 1 - len(docs))
            docs += await cursor.to_list()
            low, span = high, span * 2
        return [Change.from_doc(d) for d in docs[:first]], len(docs) > first

    async def head(self) -> int:
        """The newest sequence number handed out."""
        doc = await self.state.find_one({"_id": SEQ_ID})
        return int(doc["value"]) if doc else 0


def _crossed(since: datetime | None, now: datetime) -> list[dict[str, Any]]:
    """Published items whose ``effective`` arrived or whose ``public_until`` passed in (since, now]:
    two queries, each on its index (cms.content.public_changes), rather than one ``$or``."""
    published = ReviewState.PUBLISHED.value
    if since is None:
        return [{"review_state": published, "working_copy_of": None}]
    window = {"$gt": since, "$lte": now}
    return [
        {"review_state": published, "effective": window},
        {"review_state": published, "public_until": window},
    ]
