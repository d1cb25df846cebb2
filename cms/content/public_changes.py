"""The public change feed: one number, the *public generation*, that grows whenever anything a public
answer depends on changes, and the next instant at which time alone changes what the public sees.

Writers bump the generation after their write has committed (review transitions, imports, organization
and vocabulary changes); the number lives in one MongoDB document, so every server process follows it
through a change stream (or by polling where the server has none), as ``authz.GrantStore.watch`` does
for role grants. An answer computed at generation *g* is good for as long as the generation is still
*g* and the next scheduled boundary (an ``effective`` arriving, a ``public_until`` passing) has not
come. Response caches key their entries on both.

The feed document also counts changes per reason, so a process that learns of another process's
organization or vocabulary change reloads what it holds in memory before it moves to the new
generation: an answer can never be computed from a stale tree under the new number.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError

from storage.documents import FAR_FUTURE, ContentDocument, ReviewState, utcnow

log = logging.getLogger("gongkai.public_changes")
V = TypeVar("V")

FEED_COLLECTION = "public_changes"
FEED_ID = "public"
# What a server says when it has no change streams at all (see authz.store); anything else is retried.
_NO_CHANGE_STREAMS = frozenset({20, 115, 40324, 40573})
_MAX_BACKOFF = 30.0

Reloader = Callable[[], Awaitable[None]]
_PUBLIC_EFFECT = frozenset({ReviewState.PUBLISHED, ReviewState.WITHDRAWN})


class Reason(enum.StrEnum):
    CONTENT = "content"  # a committed review transition, an import
    ORGANIZATIONS = "organizations"
    VOCABULARIES = "vocabularies"
    CALENDAR = "calendar"  # the working-day calendar: every process recomputes deadlines with it


@dataclass(frozen=True)
class _Boundary:
    version: tuple[int, int]
    since: datetime
    next: datetime | None  # None: nothing is scheduled


class PublicChanges:
    """``version`` is (generation, local epoch): the epoch moves only when a bump could not be written,
    so that this process at least stops trusting what it cached while the bump is retried."""

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        content: Sequence[AsyncCollection[dict[str, Any]]],
        *,
        clock: Callable[[], datetime] = utcnow,
        poll_interval: float = 1.0,
    ) -> None:
        self._feed = db[FEED_COLLECTION]
        self._content = list(content)
        self.clock = clock
        self.poll_interval = poll_interval
        self.version: tuple[int, int] = (0, 0)
        self._counts: dict[str, int] = {}
        self._reloaders: dict[Reason, list[Reloader]] = {}
        self._apply_lock = asyncio.Lock()
        self._boundary: _Boundary | None = None
        self._boundary_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None
        # time.monotonic() of the last word from the database's change feed (readiness reads it)
        self.last_heard: float | None = None

    @property
    def generation(self) -> int:
        return self.version[0]

    # -- setup --------------------------------------------------------------------------------

    async def ensure_indexes(self) -> None:
        """The boundary queries read only scheduled and expiring items, never every published one."""
        for collection in self._content:
            await collection.create_index(
                [("review_state", ASCENDING), ("effective", ASCENDING)], name="public_changes_effective"
            )
            await collection.create_index(
                [("review_state", ASCENDING), ("public_until", ASCENDING)], name="public_changes_until"
            )

    async def load(self) -> None:
        await self._ensure_document()
        doc = await self._feed.find_one({"_id": FEED_ID})
        self._counts = _counts(doc)
        self.version = (_generation(doc), self.version[1])

    def on_remote_change(self, reason: Reason, reloader: Reloader) -> None:
        """Run ``reloader`` when another process changed something of this kind, before this process
        moves to the generation that change produced."""
        self._reloaders.setdefault(reason, []).append(reloader)

    # -- writing ------------------------------------------------------------------------------

    async def bump(self, reason: Reason) -> None:
        """Called after the write it announces has committed, never before: a process that sees the new
        generation must also see the change. A failed bump never fails the caller's committed write."""
        try:
            doc = await self._increment(reason)
        except PyMongoError:
            log.exception("could not record a public change (%s); retrying in the background", reason)
            self.version = (self.version[0], self.version[1] + 1)
            self._spawn(self._retry(reason))
            return
        await self._apply(doc, own=reason)

    async def content_changed(self, item: ContentDocument) -> None:
        """For ``WorkflowService.committed_hooks`` and ``ContentService.published_hooks``.

        Only an item that is published now, or was until this transition (withdrawn), can change a
        public answer; submitting, intermediate approvals, rejections and a working copy's own steps
        cannot (a copy reaches the public only through the merge, which reports the live item). So
        the review traffic of a busy day leaves the public cache alone until something is issued."""
        if item.review_state in _PUBLIC_EFFECT:
            await self.bump(Reason.CONTENT)

    async def organizations_changed(self) -> None:
        await self.bump(Reason.ORGANIZATIONS)

    async def vocabularies_changed(self) -> None:
        await self.bump(Reason.VOCABULARIES)

    async def calendar_changed(self) -> None:
        await self.bump(Reason.CALENDAR)

    async def _increment(self, reason: Reason) -> dict[str, Any]:
        # Never an upsert here: concurrent upserts were seen to lose increments on the embedded server
        # (see ContentService._next), and two changes sharing one generation could hide the second.
        for _ in range(2):
            doc = await self._feed.find_one_and_update(
                {"_id": FEED_ID},
                {"$inc": {"generation": 1, f"counts.{reason.value}": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                return doc
            await self._ensure_document()
        raise OperationFailure("the public change feed document could not be created")

    async def _ensure_document(self) -> None:
        with contextlib.suppress(DuplicateKeyError):
            await self._feed.update_one(
                {"_id": FEED_ID}, {"$setOnInsert": {"generation": 0, "counts": {}}}, upsert=True
            )

    async def _retry(self, reason: Reason) -> None:
        delay = self.poll_interval
        while True:
            await asyncio.sleep(delay)
            try:
                doc = await self._increment(reason)
            except PyMongoError as exc:
                delay = min(_MAX_BACKOFF, delay * 2)
                log.warning("recording a public change still fails (%s); retrying in %.1f s", exc, delay)
                continue
            await self._apply(doc, own=reason)
            return

    async def _apply(self, doc: dict[str, Any] | None, *, own: Reason | None = None) -> None:
        async with self._apply_lock:
            generation = _generation(doc)
            if generation <= self.version[0]:
                return
            counts = _counts(doc)
            for reason in Reason:
                expected = self._counts.get(reason.value, 0) + (1 if reason is own else 0)
                if counts.get(reason.value, 0) != expected:
                    for reload in self._reloaders.get(reason, []):
                        await reload()
            self._counts = counts
            self.version = (generation, self.version[1])

    # -- time ---------------------------------------------------------------------------------

    async def next_boundary(self, since: datetime) -> datetime | None:
        """The first instant after ``since`` at which an item's ``effective`` arrives or its
        ``public_until`` passes. Read from the database once per version and boundary passed."""
        version = self.version
        cached = self._boundary
        if cached is not None and _answers(cached, version, since):
            return cached.next
        async with self._boundary_lock:
            cached = self._boundary
            if cached is not None and _answers(cached, version, since):
                return cached.next
            found = await self._scan(since)
            if cached is None or cached.version != version or cached.since <= since:
                self._boundary = _Boundary(version, since, found)
            return found

    async def _scan(self, since: datetime) -> datetime | None:
        published = ReviewState.PUBLISHED.value
        queries = []
        for collection in self._content:
            queries.append(_first(collection, "effective", {"$gt": since}, published))
            queries.append(_first(collection, "public_until", {"$gt": since, "$lt": FAR_FUTURE}, published))
        found = [instant for instant in await asyncio.gather(*queries) if instant is not None]
        return min(found, default=None)

    # -- following other processes ------------------------------------------------------------

    @property
    def watching(self) -> bool:
        return self._watcher is not None and not self._watcher.done()

    def start_watching(self) -> None:
        if self._watcher is None:
            self._watcher = asyncio.create_task(self._watch())

    async def stop_watching(self) -> None:
        tasks = [t for t in [self._watcher, *self._tasks] if t is not None]
        self._watcher = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def refresh(self) -> None:
        await self._apply(await self._feed.find_one({"_id": FEED_ID}))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        # A fresh context: a retry spawned by a request must not inherit its database deadline.
        task = asyncio.create_task(work, context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch(self) -> None:
        dirty = asyncio.Event()
        notifier = asyncio.create_task(self._notify(dirty))
        try:
            await self._feed_loop(dirty)
        finally:
            notifier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await notifier

    async def _feed_loop(self, dirty: asyncio.Event) -> None:
        backoff = self.poll_interval
        streams = True
        while True:
            try:
                if streams:
                    await self._follow_stream(dirty)
                else:
                    await self._poll(dirty)
                backoff = self.poll_interval
            except OperationFailure as exc:
                if streams and exc.code in _NO_CHANGE_STREAMS:
                    log.info("change streams unavailable (%s); polling the public generation", exc)
                    streams = False
                else:
                    backoff = await _pause(backoff, exc)
            except PyMongoError as exc:
                backoff = await _pause(backoff, exc)

    async def _follow_stream(self, dirty: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        max_await_ms = max(1, int(self.poll_interval * 1000))
        async with await self._feed.watch(max_await_time_ms=max_await_ms) as stream:
            dirty.set()  # whatever changed before the stream opened
            while stream.alive:
                started = loop.time()
                self.last_heard = time.monotonic()
                if await stream.try_next() is not None:
                    dirty.set()
                    continue
                await asyncio.sleep(max(0.0, self.poll_interval - (loop.time() - started)))
        await asyncio.sleep(self.poll_interval)

    async def _poll(self, dirty: asyncio.Event) -> None:
        while True:
            doc = await self._feed.find_one({"_id": FEED_ID}, {"generation": 1})
            self.last_heard = time.monotonic()
            if _generation(doc) > self.version[0]:
                dirty.set()
            await asyncio.sleep(self.poll_interval)

    async def _notify(self, dirty: asyncio.Event) -> None:
        backoff = self.poll_interval
        while True:
            await dirty.wait()
            dirty.clear()
            try:
                await self.refresh()
                backoff = self.poll_interval
            except Exception:  # a failed reload is retried; the generation stays where it was
                log.exception("following a public change failed; retrying in %.1f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(_MAX_BACKOFF, backoff * 2)
                dirty.set()


class PublicMemo(Generic[V]):
    """Values computed from what the public sees, kept while nothing public can have changed: the
    public generation is the one the value was computed in and the next scheduled boundary (an item
    becoming effective or expiring) has not come. Bounded by entries and by total weight (what
    ``weigh`` says a value costs to keep), least recently used first out."""

    def __init__(
        self,
        changes: PublicChanges,
        *,
        max_entries: int = 1024,
        max_weight: int | None = None,
        weigh: Callable[[V], int] | None = None,
    ) -> None:
        self.changes = changes
        self.max_entries = max_entries
        self.max_weight = max_weight
        self.weigh = weigh
        self.weight = 0
        self._items: OrderedDict[str, _Kept[V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, key: str, now: datetime, compute: Callable[[], Awaitable[V]]) -> V:
        version = self.changes.version  # before computing: a change meanwhile makes the value stale
        kept = self._items.get(key)
        if kept is not None and _still_counts(kept, version, now):
            self._items.move_to_end(key)
            return kept.value
        value = await compute()
        until = await self.changes.next_boundary(now)
        weight = self.weigh(value) if self.weigh is not None else 1
        if self.max_weight is not None and weight > self.max_weight:
            return value  # too big to keep at all
        self._drop(key)
        self._items[key] = _Kept(version, now, until, value, weight)
        self.weight += weight
        while len(self._items) > self.max_entries or (
            self.max_weight is not None and self.weight > self.max_weight
        ):
            self._drop(next(iter(self._items)))
        return value

    def _drop(self, key: str) -> None:
        kept = self._items.pop(key, None)
        if kept is not None:
            self.weight -= kept.weight


class PublicCounts(PublicMemo[int]):
    """Counts of publicly visible items by filter. Every page of a list asks for the same
    ``totalCount``; on SecantusDB a count reads every matching document."""

    async def count(self, key: str, now: datetime, compute: Callable[[], Awaitable[int]]) -> int:
        return await self.get(key, now, compute)


@dataclass(frozen=True)
class _Kept(Generic[V]):
    version: tuple[int, int]
    since: datetime
    until: datetime | None
    value: V
    weight: int


def _still_counts(kept: _Kept[Any], version: tuple[int, int], now: datetime) -> bool:
    return kept.version == version and kept.since <= now and (kept.until is None or now < kept.until)


def _answers(cached: _Boundary, version: tuple[int, int], since: datetime) -> bool:
    return (
        cached.version == version and cached.since <= since and (cached.next is None or since < cached.next)
    )


async def _first(
    collection: AsyncCollection[dict[str, Any]], field: str, bounds: dict[str, Any], state: str
) -> datetime | None:
    cursor = collection.find({"review_state": state, field: bounds}, {field: 1}).sort(field, ASCENDING)
    async for doc in cursor.limit(1):
        value = doc.get(field)
        return value if isinstance(value, datetime) else None
    return None


def _generation(doc: dict[str, Any] | None) -> int:
    return int(doc.get("generation", 0)) if doc else 0


def _counts(doc: dict[str, Any] | None) -> dict[str, int]:
    raw = doc.get("counts", {}) if doc else {}
    return {str(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


async def _pause(delay: float, exc: PyMongoError) -> float:
    log.warning("following the public generation failed (%s); retrying in %.1f s", exc, delay)
    await asyncio.sleep(delay)
    return min(_MAX_BACKOFF, delay * 2)
