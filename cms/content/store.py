"""The content repository's use cases shared by every content type: derived fields, reads through a
``ReadScope``, keyset paging, index numbers and the publication step the workflow ends in."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from beanie.odm.utils.parsing import parse_obj
from bson import ObjectId
from pymongo import IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from cms.admin.index_numbers import IndexTemplate
from cms.admin.organizations import OrganizationService
from cms.content.cursors import CursorCodec
from cms.content.entries import store_entry
from cms.content.kinds import kind_of
from cms.content.public_changes import PublicCounts
from cms.content.visibility import ReadScope, branches, intersection, is_visible, public_until, scoped_filter
from cms.errors import ImmutableIndexNumber, IndexNumberError, PageSizeExceeded
from storage.documents import (
    CatalogEntry,
    ContentDocument,
    Counter,
    IndexNumberRecord,
    ReviewState,
    instant_of,
    utcnow,
)

T = TypeVar("T", bound=ContentDocument)
READ_PROJECTION = {"attachment_text": 0}
# Read by every projection: cursors (sort_key), and what decides whether an item's content is withheld
# (cms.content.visibility.content_withheld; a missing disclosure_mode would read as its default, 主动公开).
ALWAYS_READ = ("sort_key", "disclosure_mode", "org_id")
# Windowed reads (see ContentService.page): the first window's span in days before any was learned,
# and the span beyond which the rest of the collection is read at once. Each next window doubles.
WINDOW_START_DAYS = 4.0
WINDOW_MAX_DAYS = 8192.0


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    cursors: list[str]

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: str | None = None


class ContentService:
    def __init__(
        self,
        orgs: OrganizationService,
        cursors: CursorCodec,
        *,
        max_page_size: int,
        clock: Callable[[], datetime] = utcnow,
        windowed_reads: bool = False,
    ) -> None:
        self.orgs = orgs
        # On a server that cannot stop a sorted index walk early (SecantusDB reads every matching
        # document before sorting and limiting), public pages are read window by window; see page().
        self.windowed_reads = windowed_reads
        # The instant of the newest public item a windowed first page found, per type: where the next
        # first page starts its windows (only a hint for speed; the first window is open above).
        self._newest: dict[type[ContentDocument], datetime] = {}
        # The span, in days, that filled the last windowed page, per type: where the next one starts.
        self._span: dict[type[ContentDocument], float] = {}
        self.public_counts: PublicCounts | None = None  # set by the composition root
        self._numbering = KeyedLocks()  # per entry: see assign_index_number
        self.cursors = cursors
        self.max_page_size = max_page_size
        self.clock = clock
        # Called after an import is published (public caches listen here; reviews use the workflow's).
        self.published_hooks: list[Callable[[ContentDocument], Awaitable[None]]] = []

    # -- derived fields -----------------------------------------------------------------------

    def stamp(self, item: ContentDocument) -> None:
        """Recompute every derived field; called before each write so they can never drift."""
        if item.id is None:
            item.id = ObjectId()  # type: ignore[assignment]
        org = self.orgs.tree.require(item.org_id)
        item.org_path = [*org.ancestors, org.id]  # type: ignore[list-item]
        item.path = "/" + "/".join(
            [
                *(self.orgs.tree.require(a).key for a in org.ancestors),
                org.key,
                type(item).__name__,
                str(item.id),
            ]
        )
        item.public_until = public_until(item)
        item.sort_key = f"{item.sort_instant().isoformat()}|{item.id}"
        kind_of(item).derive(item)

    # -- reads --------------------------------------------------------------------------------

    def scope(self, draft_org_ids: frozenset[ObjectId] = frozenset()) -> ReadScope:
        return ReadScope(now=self.clock(), draft_org_ids=draft_org_ids)

    async def get(self, cls: type[T], item_id: ObjectId, scope: ReadScope) -> T | None:
        item = await cls.get(item_id)
        return item if item is not None and is_visible(item, scope) else None

    async def get_many(self, cls: type[T], ids: Sequence[ObjectId], scope: ReadScope) -> list[T | None]:
        """Batch load for dataloaders: one query, results in the order asked, invisible ones as None."""
        found = await self._read_scoped(cls, {"_id": {"$in": list(set(ids))}}, scope, limit=len(ids))
        by_id = {item.id: item for item in found}
        return [by_id.get(i) for i in ids]  # type: ignore[call-overload]

    async def find_visible(
        self, cls: type[T], base: dict[str, Any], scope: ReadScope, limit: int = 200
    ) -> list[T]:
        return await self._read_scoped(cls, base, scope, limit=limit)

    async def page(
        self,
        cls: type[T],
        base: dict[str, Any],
        scope: ReadScope,
        request: PageRequest,
        *,
        fields: Collection[str] | None = None,
    ) -> Page[T]:
        """Newest first, keyset-paged on ``sort_key``: page 1,000 costs what page 1 costs.

        ``fields``: the attributes the caller will read (None: all). The items then hold only those
        (and the required ones); the rest keep their defaults, so they are for display only and must
        never be written back."""
        if request.first < 0 or request.first > self.max_page_size:
            raise PageSizeExceeded(f"每页条数应在 0 到 {self.max_page_size} 之间。", limit=self.max_page_size)
        after = self.cursors.decode(request.after) if request.after else None
        if self.windowed_reads and not _selective(cls, base):
            found = await self._windowed(cls, base, scope, after, request.first + 1, fields)
        else:
            query = dict(base)
            if after is not None:
                query["sort_key"] = {"$lt": after}
            found = await self._read_scoped(cls, query, scope, limit=request.first + 1, fields=fields)
        items = found[: request.first]
        return Page(
            items=items,
            has_next=len(found) > request.first,
            cursors=[self.cursors.encode(item.sort_key) for item in items],
        )

    async def _windowed(
        self,
        cls: type[T],
        base: dict[str, Any],
        scope: ReadScope,
        after: str | None,
        limit: int,
        fields: Collection[str] | None = None,
    ) -> list[T]:
        """The same page as one sorted, limited query, read as consecutive ``sort_key`` ranges, newest
        first, each twice as wide as the last (the first as wide as the last full page needed), until
        the page is full; past WINDOW_MAX_DAYS the rest is read in one.

        For a server whose planner walks an index in order and stops at the limit (MongoDB) one query
        is best. SecantusDB instead fetches every document its chosen index yields, then sorts and
        limits: a catalog page was a read of all published entries (measured: ~640 ms of server CPU
        per page at 2,000 entries). A ``sort_key`` range as the filter's FIRST field rides the
        ``sort_key`` index there, so a page reads about one window. The ranges are disjoint and
        adjacent, so the result is exactly the single query's. Staff scopes read each window as the
        plain branches of their ``$or`` (``_read_scoped``); only the public's pages teach the next
        first page where to start."""
        # A first page starts from the newest item last seen, not from now: data may be older than a
        # few days, and every empty window is a round trip.
        newest = min(scope.now, self._newest.get(cls, scope.now))
        top = instant_of(after) if after is not None else newest
        if top is None:  # not a sort key this version wrote: read it the plain way
            plain = {**base, **({"sort_key": {"$lt": after}} if after else {})}
            return await self._read_scoped(cls, plain, scope, limit=limit, fields=fields)
        found: list[T] = []
        upper = after
        span = self._span.get(cls, WINDOW_START_DAYS)
        while True:
            bound: dict[str, str] = {} if upper is None else {"$lt": upper}
            lower = None if span > WINDOW_MAX_DAYS else _window_start(top, span)
            if lower is not None:
                bound["$gte"] = lower
            # sort_key first: SecantusDB serves such a filter with the index of its first field.
            window: dict[str, Any] = {"sort_key": bound, **base} if bound else base
            found += await self._read_scoped(cls, window, scope, limit=limit - len(found), fields=fields)
            if len(found) >= limit or lower is None:
                break
            upper, span = lower, span * 2
        if scope.is_public:
            self._learn(cls, top, found, limit, after is None)
        return found

    def _learn(self, cls: type[T], top: datetime, found: list[T], limit: int, first_page: bool) -> None:
        """Remember where the newest item is and how far back a full page reached (speed only)."""
        if first_page and found:
            newest = instant_of(found[0].sort_key)
            if newest is not None:
                self._newest[cls] = newest
        last = instant_of(found[-1].sort_key) if len(found) >= limit else None
        if last is not None:
            reached = (top - last).total_seconds() / 86400
            self._span[cls] = min(max(reached * 1.25, 1 / 24), WINDOW_MAX_DAYS)

    async def _read_scoped(
        self,
        cls: type[T],
        base: dict[str, Any],
        scope: ReadScope,
        *,
        limit: int,
        fields: Collection[str] | None = None,
    ) -> list[T]:
        """``base`` as ``scope`` may read it, newest first. A staff scope's filter has a top-level
        ``$or`` (published, or of an organization whose drafts they may read), which SecantusDB
        serves by reading the whole collection: there each alternative is read as a plain filter on
        its own and the results merged (an item both published and of such an organization once)."""
        query = scoped_filter(scope, base)
        if not self.windowed_reads or "$or" not in query:
            return await self._read(cls, query, limit=limit, fields=fields)
        parts = await asyncio.gather(
            *(self._read(cls, branch, limit=limit, fields=fields) for branch in branches(query))
        )
        merged = {item.id: item for part in parts for item in part}
        return sorted(merged.values(), key=lambda item: item.sort_key, reverse=True)[:limit]

    async def _read(
        self, cls: type[T], query: dict[str, Any], *, limit: int, fields: Collection[str] | None = None
    ) -> list[T]:
        """Newest first, without the search index fields: they are most of a stored document, and
        reading them for every list made catalog pages ~1.7x slower on the embedded server. Objects
        read here are for display only (every write path re-stamps those fields anyway). With
        ``fields``, only those are read (see page())."""
        cursor = (
            cls.get_pymongo_collection()
            .find(query, _projection(cls, fields))
            .sort([("sort_key", -1)])
            .limit(max(limit, 1))
        )
        return [parse_obj(cls, doc) for doc in await cursor.to_list()]  # type: ignore[misc]

    async def count(self, cls: type[ContentDocument], base: dict[str, Any], scope: ReadScope) -> int:
        """The public's counts are shared by every anonymous reader and kept (PublicCounts)."""

        async def compute() -> int:
            query = scoped_filter(scope, base)
            if not self.windowed_reads or "$or" not in query:
                return await cls.find(query).count()
            # SecantusDB: the branches' counts (see _read_scoped), less the items both count.
            collection = cls.get_pymongo_collection()
            parts = branches(query)
            both = intersection(parts)
            counted = [await collection.count_documents(part) for part in parts]
            return sum(counted) - (await collection.count_documents(both) if both is not None else 0)

        if self.public_counts is None or not scope.is_public:
            return await compute()
        key = f"{cls.__name__}:{sorted(base.items())!r}"
        return await self.public_counts.count(key, scope.now, compute)

    # -- writes -------------------------------------------------------------------------------

    async def insert(self, item: T, *, session: AsyncClientSession | None = None) -> T:
        self.stamp(item)
        await item.insert(session=session)
        await store_entry(item, session, new=True)
        return item

    def prepare_publication(self, item: ContentDocument, *, effective: datetime | None = None) -> None:
        """The state an item takes when the last tier approves it; public once ``effective`` comes."""
        now = self.clock()
        item.effective = effective or item.effective or now
        kind_of(item).on_publication(item)
        item.published_at = item.published_at or now
        item.review_state = ReviewState.PUBLISHED
        item.pending_tier = None
        item.modified = now
        self.stamp(item)

    async def publish(self, item: T, *, effective: datetime | None = None) -> T:
        """Publication without review, for imports of already-published records (e.g. the demo's
        historical catalog). Everything staff publish goes through ``cms.review.workflow``."""
        if kind_of(item).index_numbered:
            await self.assign_index_number(item)
        self.prepare_publication(item, effective=effective)
        await item.save()
        await store_entry(item)
        for hook in self.published_hooks:
            await hook(item)
        return item

    # -- index numbers ------------------------------------------------------------------------

    async def assign_index_number(self, entry: ContentDocument, *, settle: bool = True) -> str:
        """Idempotent per entry; unique per number even under concurrent requests (the register's
        unique indexes decide, the counter only proposes). ``settle=False``: the number is set on
        ``entry`` but not written to the stored entry (a caller writing the entry anyway does that).
        Only for a kind whose publication numbers it (cms.content.kinds.Kind.index_numbered)."""
        assert isinstance(entry, CatalogEntry), "only catalog entries carry an index number"
        if entry.index_number:
            return entry.index_number
        if entry.id is None:
            raise IndexNumberError("内容尚未保存，无法生成索引号。")
        # One entry's concurrent callers in this process take turns, so that the later ones find the
        # first one's number instead of each drawing (and wasting) one from the counter: a gap in the
        # sequence. Across processes the register's unique index still decides, with a possible gap.
        async with self._numbering.hold(entry.id):
            return await self._assign_index_number(entry, settle)

    async def _assign_index_number(self, entry: CatalogEntry, settle: bool) -> str:
        existing = await IndexNumberRecord.find_one({"item_id": entry.id})
        if existing is not None:
            entry.index_number = existing.number
            return existing.number
        org = self.orgs.tree.require(entry.org_id)
        template = IndexTemplate.parse(org.index_template)
        day = entry.created_date or self.clock().date()
        for _ in range(50):
            seq = await self._next(template.scope(str(org.id), day.year, day.month))
            number = template.render(code=org.code, key=org.key, year=day.year, month=day.month, seq=seq)
            try:
                await IndexNumberRecord(number=number, org_id=org.id, item_id=entry.id).insert()
            except DuplicateKeyError:
                winner = await IndexNumberRecord.find_one({"item_id": entry.id})
                if winner is None:
                    continue  # the number was taken (e.g. imported data): draw the next one
                number = winner.number  # a concurrent call for the same entry registered first
            if not settle:
                entry.index_number = number
                return number
            return await self._settle_index_number(entry, number)
        raise IndexNumberError("索引号连续冲突，请检查机构的索引号模板与已有编号。")

    async def _settle_index_number(self, entry: CatalogEntry, number: str) -> str:
        """The entry's stored number is the truth: the first writer wins, everyone returns its number."""
        collection = CatalogEntry.get_pymongo_collection()
        await collection.update_one(
            {"_id": entry.id, "index_number": None}, {"$set": {"index_number": number}}
        )
        stored = await collection.find_one({"_id": entry.id}, {"index_number": 1})
        entry.index_number = stored["index_number"] if stored else number
        return entry.index_number or number

    def check_index_number_unchanged(self, entry: CatalogEntry, proposed: str | None) -> None:
        if entry.index_number and proposed is not None and proposed != entry.index_number:
            raise ImmutableIndexNumber()

    async def _next(self, scope: str) -> int:
        # Increment an existing counter; create it (racing creators collide on the unique index) only
        # when missing. An upserting find_one_and_update was measured to lose increments under
        # concurrency on the embedded server, leaving gaps in the sequence.
        collection = Counter.get_pymongo_collection()
        for attempt in range(20):
            doc = await collection.find_one_and_update(
                {"scope": scope}, {"$inc": {"value": 1}}, return_document=ReturnDocument.AFTER
            )
            if doc is not None:
                return int(doc["value"])
            with contextlib.suppress(DuplicateKeyError):
                await collection.insert_one({"scope": scope, "value": 0})
            # A concurrent creator's counter may not be visible yet: wait a little and look again.
            await asyncio.sleep(0.005 * (attempt + 1))
        raise IndexNumberError()


class KeyedLocks:
    """An asyncio lock per key, gone again once nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Any) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def _selective(cls: type[ContentDocument], base: dict[str, Any]) -> bool:
    """Whether ``base`` constrains a field some index of ``cls`` leads with (an organization, a topic, a
    year …): such a filter narrows the read by itself, better than a window of all items would."""
    return any(field in _leading_fields(cls) for field in base)


_LEADING: dict[type[ContentDocument], frozenset[str]] = {}
_REQUIRED: dict[type[ContentDocument], frozenset[str]] = {}


def _projection(cls: type[ContentDocument], fields: Collection[str] | None) -> dict[str, int]:
    """Only ``fields``, the fields a document cannot be built without, and ALWAYS_READ;
    the usual read when ``fields`` is None or names something that is not a stored field."""
    known = cls.model_fields
    if fields is None or any(name not in known for name in fields):
        return READ_PROJECTION
    required = _REQUIRED.get(cls)
    if required is None:
        required = _REQUIRED[cls] = frozenset(n for n, f in known.items() if f.is_required())
    return {known[name].alias or name: 1 for name in {*fields, *required, *ALWAYS_READ}}


def _leading_fields(cls: type[ContentDocument]) -> frozenset[str]:
    found = _LEADING.get(cls)
    if found is None:
        indexes = getattr(getattr(cls, "Settings", None), "indexes", []) or []
        found = frozenset(
            next(iter(index.document["key"])) for index in indexes if isinstance(index, IndexModel)
        ) - {"review_state", "sort_key"}
        _LEADING[cls] = found
    return found


def _window_start(top: datetime, days: float) -> str | None:
    """Where a window of ``days`` before ``top`` starts; None (read the rest in one) when that is
    before year 1: an old database may hold an item dated near it."""
    try:
        return (top - timedelta(days=days)).isoformat()
    except OverflowError:
        return None
