"""The content repository's use cases shared by every content type: derived fields, reads through a
``ReadScope``, keyset paging, index numbers and the publication step the workflow ends in."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from beanie.odm.utils.parsing import parse_obj
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from cms.admin.index_numbers import IndexTemplate
from cms.admin.organizations import OrganizationService
from cms.content.cursors import CursorCodec
from cms.content.entries import store_entry
from cms.content.kinds import KINDS, kind_of
from cms.content.public_changes import PublicCounts, PublicMemo
from cms.content.visibility import ReadScope, is_visible, public_until, scoped_filter
from cms.errors import ImmutableIndexNumber, IndexNumberError, PageSizeExceeded
from storage.documents import (
    CatalogEntry,
    ContentDocument,
    Counter,
    IndexNumberRecord,
    ReviewState,
    utcnow,
)
from storage.reads import MONGODB, Reader

T = TypeVar("T", bound=ContentDocument)
READ_PROJECTION = {"attachment_text": 0}
# Read by every projection: cursors (sort_key), and what decides whether an item's content is withheld
# (cms.content.visibility.content_withheld; a missing disclosure_mode would read as its default, 主动公开).
ALWAYS_READ = ("sort_key", "disclosure_mode", "org_id")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    cursors: list[str]
    has_previous: bool = False

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


@dataclass(frozen=True)
class PageRequest:
    """Forward (``first`` items after ``after``) or, with ``last``, backward (the ``last`` items
    just before ``before``), in the list's order: newest first, or oldest first when ``ascending``."""

    first: int
    after: str | None = None
    last: int | None = None
    before: str | None = None
    ascending: bool = False

    @property
    def backward(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        return self.last if self.last is not None else self.first


class ContentService:
    def __init__(
        self,
        orgs: OrganizationService,
        cursors: CursorCodec,
        *,
        max_page_size: int,
        clock: Callable[[], datetime] = utcnow,
        reader: Reader | None = None,
    ) -> None:
        self.orgs = orgs
        # How reads are put to the server (one query, or windows and branches): storage's choice.
        self.reader = reader or Reader(MONGODB)
        self.public_counts: PublicCounts | None = None  # set by the composition root
        self.public_value_counts: PublicMemo[dict[Any, int]] | None = None  # likewise
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
        self,
        cls: type[T],
        base: dict[str, Any],
        scope: ReadScope,
        limit: int = 200,
        *,
        fields: Collection[str] | None = None,
    ) -> list[T]:
        """``fields``: see page() (the items are then for display only)."""
        return await self._read_scoped(cls, base, scope, limit=limit, fields=fields)

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
        size = request.size
        if size < 0 or size > self.max_page_size:
            raise PageSizeExceeded(f"每页条数应在 0 到 {self.max_page_size} 之间。", limit=self.max_page_size)
        mark = request.before if request.backward else request.after
        bound = self.cursors.decode(mark) if mark else None
        # Newest first read forward, or oldest first read backward, is a read newest first.
        newest_first = request.backward == request.ascending
        found = await self._read_scoped(
            cls, base, scope, limit=size + 1, after=bound, fields=fields, ascending=not newest_first
        )
        items = found[:size]
        more, beyond_mark = len(found) > size, bound is not None
        if request.backward:
            items.reverse()
        return Page(
            items=items,
            has_next=beyond_mark if request.backward else more,
            has_previous=more if request.backward else beyond_mark,
            cursors=[self.cursors.encode(item.sort_key) for item in items],
        )

    async def _read_scoped(
        self,
        cls: type[T],
        base: dict[str, Any],
        scope: ReadScope,
        *,
        limit: int,
        after: str | None = None,
        fields: Collection[str] | None = None,
        ascending: bool = False,
    ) -> list[T]:
        """``base`` as ``scope`` may read it, newest first, below ``after``; without the search index
        fields: they are most of a stored document, and reading them for every list made catalog
        pages ~1.7x slower on the embedded server. Objects read here are for display only (every
        write path re-stamps those fields anyway). With ``fields``, only those are read (see page()).
        How the server is asked (one query, windows, one per visibility alternative) is storage's.
        ``ascending``: oldest first, ``after`` then the bound below."""
        if ascending:
            projection = _projection(cls, fields)
            found = await self.reader.oldest(
                cls, scoped_filter(scope, base), limit=limit, after=after, projection=projection
            )
            return [parse_obj(cls, doc) for doc in found]  # type: ignore[misc]
        docs = await self.reader.newest(
            cls,
            scoped_filter(scope, base),
            limit=limit,
            now=scope.now,
            before=after,
            projection=_projection(cls, fields),
        )
        return [parse_obj(cls, doc) for doc in docs]  # type: ignore[misc]

    async def visible_values(
        self, cls: type[ContentDocument], base: dict[str, Any], scope: ReadScope, fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        """``fields`` of every item of ``base`` that the public ``scope`` may read, nothing else of
        them: where long lists (sitemaps) are divided into ranges, and what each range holds."""
        assert scope.is_public, "only the public's filter is a plain one"
        return await self.reader.values(cls, scoped_filter(scope, base), fields)

    async def count(self, cls: type[ContentDocument], base: dict[str, Any], scope: ReadScope) -> int:
        """The public's counts are shared by every anonymous reader and kept (PublicCounts)."""

        async def compute() -> int:
            return await self.reader.count(cls, scoped_filter(scope, base))

        if self.public_counts is None or not scope.is_public:
            return await compute()
        key = f"{cls.__name__}:{sorted(base.items())!r}"
        return await self.public_counts.count(key, scope.now, compute)

    async def latest_modified(
        self, base: dict[str, Any], scope: ReadScope, classes: Sequence[type[ContentDocument]]
    ) -> datetime | None:
        """When the newest change to an item of ``base`` that ``scope`` may read was made (public
        scopes only: their filter has no ``$or``)."""
        assert scope.is_public, "only the public's filter is a plain one"
        found = [await self.reader.latest(cls, scoped_filter(scope, base), "modified") for cls in classes]
        instants = [
            value.replace(tzinfo=value.tzinfo or UTC) for value in found if isinstance(value, datetime)
        ]
        return max(instants, default=None)

    async def count_values(
        self, cls: type[ContentDocument], base: dict[str, Any], scope: ReadScope, field: str
    ) -> dict[Any, int]:
        """Items of ``base`` that ``scope`` may read, per value of ``field``; the public's are kept
        like its counts (``public_value_counts``)."""

        async def compute() -> dict[Any, int]:
            return await self.reader.count_values(cls, scoped_filter(scope, base), field)

        if self.public_value_counts is None or not scope.is_public:
            return await compute()
        key = f"{cls.__name__}:{field}:{sorted(base.items())!r}"
        return await self.public_value_counts.get(key, scope.now, compute)

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
        await self.assign_public_number(item)
        self.prepare_publication(item, effective=effective)
        await item.save()
        await store_entry(item)
        for hook in self.published_hooks:
            await hook(item)
        return item

    async def assign_public_number(self, item: ContentDocument) -> None:
        """Draw the item's public number at its first publication, for a kind numbered so
        (Kind.public_numbered); a number once drawn stays (working copies merge their content only).
        A commit that fails afterwards leaves a gap in the sequence, never a duplicate."""
        if kind_of(item).public_numbered and item.public_number is None:
            item.public_number = await self._next(f"public-number:{type(item).__name__}")

    async def number_published(self) -> int:
        """Draw public numbers for items published before numbers existed, in the order they were
        first published (a data migration; safe to run again: only items without one are numbered)."""
        numbered = 0
        for kind in [k for k in KINDS.values() if k.public_numbered]:
            collection = kind.cls.get_pymongo_collection()
            missing = {"public_number": None, "published_at": {"$ne": None}, "working_copy_of": None}
            cursor = collection.find(missing, {"_id": 1}).sort([("published_at", 1), ("_id", 1)])
            async for doc in cursor:
                number = await self._next(f"public-number:{kind.name}")
                result = await collection.update_one(
                    {"_id": doc["_id"], "public_number": None}, {"$set": {"public_number": number}}
                )
                numbered += result.modified_count
        return numbered

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


def org_filter(org_id: ObjectId | None, include_subtree: bool) -> dict[str, object]:
    """One organization's items, or its whole subtree's (``org_path`` holds each item's organization and
    its ancestors, indexed with the sort key like ``org_id``), as the catalog's ``includeSubtree`` does."""
    if org_id is None:
        return {}
    return {"org_path" if include_subtree else "org_id": org_id}
