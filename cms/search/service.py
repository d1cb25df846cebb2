"""Full-text search over catalog entries, gazette articles, interpretations, interviews and attachment
text: security-trimmed, ranked, faceted and paged.

Indexing. Every item has one entry in the search index (storage.search.SearchEntry, same ``_id``):
its weighted fields (:func:`search_fields`; title and 文号 weigh most) as ``tokens`` (a multikey index)
and ``weights`` (cms.search.text), with the fields searches filter, facet and security-trim on. The
item's writers keep it in step, in the same transaction as the item: every full write of an item
(``ContentService.insert`` / ``publish``, ``cms.review.workflow.cas_update``) stores the entry again
(:func:`store_entry`); a status-only write changes the entry only when the item crosses the line
between published and not (:func:`store_visibility`: publication, withdrawal), so the review steps
in between cost the index nothing; a deleted working copy takes its entry with it
(:func:`remove_entry`). The text of the item's ready attachments is kept on the item as
``attachment_text`` by :meth:`SearchService.reindex`, which runs after every workflow commit and every
import's publication (hooks; so a submitted, published or merged item carries its files' text: a
draft's new attachment becomes searchable for staff at its next transition) and from ``reindex_all``
(after dictionary changes; the ``reindexSearch`` mutation); every later full write indexes the kept
text again. The background upkeep indexes items that have no entry (stored by an earlier version)
and removes entries whose item is gone.

Querying. The embedded MongoDB-compatible server has no text index, turns a filter with a top-level
``$and``/``$or`` into a collection scan, and serves a multi-field filter with the index of the first
field that has one. So each lookup is one aggregation per visibility branch::

    {"$match": {"tokens": <rarest term>, <type>, <filters>, <visibility>}}  # rides the token index
    {"$match": {"tokens": {"$all": <the other terms>}}}                      # checks the candidates
    {"$sort": {"sort_key": -1}}, {"$limit": cap + 1}, {"$project": <small>}

The visibility part is ``cms.content.visibility.scoped_filter``'s: for staff its ``$or`` (published, or of
an organization whose drafts they may read) is split into one plain branch per alternative, and the
branches' results are united. The rarest term is judged by document frequencies sampled from the
index in the background (:meth:`SearchService.refresh_statistics`); terms with digits or 〔〕 are
preferred before statistics exist. Candidates past ``max_candidates`` are dropped (newest
kept) and the page says ``truncated``. Ranking (cms.search.text.score), facets and paging happen in
Python over the candidates, so counts and facets cover exactly what the caller may read; the
public's ranked candidates are kept per public generation (``public_results``). Only the page's own
items are read from the content collections (for snippets), and re-checked against the scope there.
Cursors are signed (score, sort_key) positions bound to the query, so a tampered or foreign cursor is
refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from authz import Permission, Principal
from cms.content.cursors import CursorCodec
from cms.content.visibility import ReadScope, branches, is_visible, public_until, scoped_filter
from cms.errors import Forbidden, InvalidCursor, InvalidInput, PageSizeExceeded, Unauthenticated
from cms.search.text import (
    MAX_WORD_CHARS,
    QueryTokens,
    initialize,
    load_user_words,
    normalize,
    query_tokens,
    score,
)
from cms.search.text import highlight as highlight_text
from storage.attachments import Attachment, AttachmentStatus
from storage.documents import (
    CONTENT_TYPES,
    OBSOLETE_CONTENT_FIELDS,
    ContentDocument,
    DisclosureMode,
    GazetteArticle,
    GazetteIssue,
    ReviewState,
    day_of,
    instant_of,
    utcnow,
)
from storage.search import SearchWord

if TYPE_CHECKING:
    from cms.admin.access import AccessControl
    from cms.content.public_changes import PublicMemo
    from cms.content.store import ContentService

from cms.content.entries import (
    MAX_FIELD_CHARS,
    entry_collection,
    field_texts,
    indexed,
    search_entry,
    store_entry,
)
from cms.content.kinds import kind_of, label_of

log = logging.getLogger("gongkai.search")

__all__ = [
    "FacetCount",
    "SearchFacets",
    "SearchFilter",
    "SearchHit",
    "SearchPage",
    "SearchService",
]

NONE_LABEL = "未标注"

MAX_ATTACHMENT_TEXT = 20_000  # characters of attachment text kept on an item
MAX_CANDIDATES = 2_000  # matches ranked per query (the newest; SearchService._window_start)
SEARCH_WINDOW_DAYS = 7.0  # the narrowest first window of a windowed lookup (SearchService._window_start)
SEARCH_WINDOW_MAX_DAYS = 40_000.0  # wider than any history: the last window is unbounded below
KEPT_SEARCHES = 256  # public searches whose ranked matches are kept (SearchService.public_results)
KEPT_CANDIDATES = 200_000  # their matches together (~200 bytes each)
MAX_QUERY_LENGTH = 100
MAX_WORDS_PER_CALL = 100
STATISTICS_INTERVAL = 6 * 3600.0  # seconds between background refreshes of the term statistics
MAX_STATISTICS_TERMS = 50_000
STATISTICS_SAMPLE = 5_000  # entries whose tokens estimate the term frequencies (all, when fewer)
_CURSOR_VERSION = "s1"
MAINTENANCE_COLLECTION = "maintenance"  # one document per one-off data change done
_FIELDS_REMOVED = "search-fields-on-items-removed"
_DAYS_SET = "search-entries-sort-day-set"
_MODES_SETTLED = "disclosure-modes-settled"
_HAS_DIGIT = re.compile(r"[0-9〔〕]")
_WORDLIKE = re.compile(r"\w")


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilter:
    organization: ObjectId | None = None
    include_subtree: bool = False
    types: tuple[str, ...] | None = None  # CatalogEntry, GazetteIssue, Interpretation, Interview
    topic: str | None = None  # 主题分类, first or second level (catalog entries only)
    genre: str | None = None  # 体裁 (catalog entries only)
    year: int | None = None  # 成文年份 for entries, the issue's year for gazettes, else publication year


@dataclass(frozen=True)
class SearchHit:
    item: ContentDocument
    type_name: str
    score: float
    snippet: str  # HTML: escaped text with matches in <em>
    article: GazetteArticle | None = None  # the matching article of a gazette issue


@dataclass(frozen=True)
class FacetCount:
    value: str | None  # organization id, topic, genre, year or type name; None: items without one
    label: str
    count: int


@dataclass(frozen=True)
class SearchFacets:
    organizations: list[FacetCount]
    topics: list[FacetCount]
    genres: list[FacetCount]
    years: list[FacetCount]
    types: list[FacetCount]


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    cursors: list[str]
    has_next: bool
    total: int  # every match the caller may read (of the candidates examined)
    facets: SearchFacets
    truncated: bool  # there were more than max_candidates matches: total and facets are partial

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


@dataclass(frozen=True)
class _Candidate:
    type_name: str
    id: ObjectId
    score: float
    sort_key: str
    org_id: ObjectId
    topic: str | None
    genre: str | None
    year: int | None

    @property
    def position(self) -> tuple[float, str]:
        return (self.score, self.sort_key)


@dataclass(frozen=True)
class _Ranked:
    candidates: list[_Candidate]  # best first
    truncated: bool
    facets: SearchFacets

    @property
    def weight(self) -> int:
        return len(self.candidates) + 1


@dataclass
class _Statistics:
    documents: int = 0
    frequency: dict[str, int] = field(default_factory=dict)  # estimated entries holding each term
    sampled: int = 0  # entries whose tokens were counted
    oldest: datetime | None = None  # the earliest sort instant among them


_PROJECTION: dict[str, Any] = {
    "_id": 1,
    "type": 1,
    "weights": 1,
    "sort_key": 1,
    "org_id": 1,
    "topic": 1,
    "genre": 1,
    "year": 1,
}


# --------------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------------


class SearchService:
    def __init__(
        self,
        content: ContentService,
        access: AccessControl,
        cursors: CursorCodec,
        *,
        max_page_size: int,
        max_query_length: int = MAX_QUERY_LENGTH,
        max_candidates: int = MAX_CANDIDATES,
    ) -> None:
        self.content = content
        self.access = access
        self.cursors = cursors
        self.max_page_size = max_page_size
        self.max_query_length = max_query_length
        self.max_candidates = max_candidates
        self._stats = _Statistics()
        self._background: asyncio.Task[None] | None = None
        self._reindexing: asyncio.Task[int] | None = None
        self._upkept = asyncio.Event()  # set once an upkeep pass has run (see settled)
        self._cleaned = False  # drop_obsolete_fields ran in this process
        self._days_ready = False  # every entry has its sort_day (set_sort_days): windows may be used
        # The public's ranked matches by query and filter (set by the composition root).
        self.public_results: PublicMemo[_Ranked] | None = None
        # Called after the dictionary changed or everything was reindexed: public answers that
        # depend on it (cached searches, searchWords) are stale, and other processes must reload.
        self.changed_hooks: list[Callable[[], Awaitable[None]]] = []

    # -- life cycle -----------------------------------------------------------------------------

    async def prepare(self) -> None:
        """Load the segmenter's dictionary (1-3 s, in a thread) and the administrators' words."""
        await asyncio.to_thread(initialize)
        await self.load_dictionary()

    def start(self) -> None:
        """Background upkeep: index items stored before search existed, and refresh the term
        statistics that choose the index lookup (at once, then every few hours)."""
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
                await self.repair()
            except Exception:  # retried at the next interval; search still works without statistics
                log.exception("search upkeep failed")
            self._upkept.set()
            await asyncio.sleep(STATISTICS_INTERVAL)

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

    # -- searching ------------------------------------------------------------------------------

    async def search(
        self,
        query: str,
        scope: ReadScope,
        *,
        filter: SearchFilter,
        first: int,
        after: str | None = None,
    ) -> SearchPage:
        if first < 0 or first > self.max_page_size:
            raise PageSizeExceeded(f"每页条数应在 0 到 {self.max_page_size} 之间。", limit=self.max_page_size)
        q = query_tokens(query, max_length=self.max_query_length)
        self._check_filter(filter)
        fingerprint = _fingerprint(q, filter)
        start_after = self._decode_cursor(after, fingerprint) if after else None

        found = await self._ranked(q, scope, filter)
        ranked = found.candidates
        start = 0
        if start_after is not None:
            start = next((i for i, c in enumerate(ranked) if c.position < start_after), len(ranked))
        window = ranked[start : start + first]
        hits = await self._hits(window, q, scope)
        return SearchPage(
            hits=[hit for hit, _ in hits],
            cursors=[self._encode_cursor(fingerprint, c) for _, c in hits],
            has_next=len(ranked) > start + first,
            total=len(ranked),
            facets=found.facets,
            truncated=found.truncated,
        )

    async def _ranked(self, q: QueryTokens, scope: ReadScope, filter: SearchFilter) -> _Ranked:
        """Every match the scope may read, best first, with facets. The public's are kept while
        nothing public changes (``public_results``), so paging through them, or asking again with
        other variables, reads the index once per publication."""

        async def compute() -> _Ranked:
            candidates, truncated = await self._candidates(q, scope, filter)
            ranked = sorted(candidates, key=lambda c: c.position, reverse=True)
            return _Ranked(ranked, truncated, self._facets(ranked))

        if self.public_results is None or not scope.is_public:
            return await compute()
        key = repr((q.exact, q.terms, q.boost, filter))
        return await self.public_results.get(key, scope.now, compute)

    def plan(self, q: QueryTokens, scope: ReadScope, filter: SearchFilter) -> list[list[dict[str, Any]]]:
        """The aggregations an unwindowed search runs over the search index: one per visibility
        branch, the lookup term first in its filter, the other terms checked on what it yields."""
        plans: list[list[dict[str, Any]]] = []
        for match, rest in self._branches(q, scope, filter):
            others = rest.pop("tokens", None)
            pipeline: list[dict[str, Any]] = [{"$match": {**match, **rest}}]
            if others is not None:
                pipeline.append({"$match": {"tokens": others}})
            pipeline += [
                {"$sort": {"sort_key": -1}},
                {"$limit": self.max_candidates + 1},
                {"$project": _PROJECTION},
            ]
            plans.append(pipeline)
        return plans

    def _check_filter(self, filter: SearchFilter) -> None:
        if filter.types is not None:
            unknown = [t for t in filter.types if t not in CONTENT_TYPES]
            if unknown or not filter.types:
                raise InvalidInput(f"内容类型应为 {'、'.join(CONTENT_TYPES)} 之一。", field="types")
        if filter.organization is not None:
            self.content.orgs.tree.require(filter.organization)
        if filter.year is not None and not 1949 <= filter.year <= 2200:
            raise InvalidInput("年份超出范围。", field="year")
        for name, value in (("topic", filter.topic), ("genre", filter.genre)):
            if value is not None and len(value) > 100:
                raise InvalidInput(f"{name} 过长。", field=name)

    def _lookup_term(self, q: QueryTokens) -> str:
        """The term whose index entries are read: the rarest by the sampled statistics; before there
        are any, one with digits or 〔〕 (identifier parts are rare), else the longest."""
        frequency = self._stats.frequency

        def rarity(term: str) -> tuple[int, int, int]:
            return (frequency.get(term, 0), 0 if _HAS_DIGIT.search(term) else 1, -len(term))

        return min(q.terms, key=rarity)

    async def _candidates(
        self, q: QueryTokens, scope: ReadScope, filter: SearchFilter
    ) -> tuple[list[_Candidate], bool]:
        limit = self.max_candidates
        windows = self._window_start(q, limit, scope.now)
        if windows is None:
            results = await asyncio.gather(*(self._run(p) for p in self.plan(q, scope, filter)))
        else:
            branches_ = self._branches(q, scope, filter)
            results = await asyncio.gather(
                *(self._windowed(match, rest, limit, scope.now, windows) for match, rest in branches_)
            )
        # The branches (staff: published, and their organizations' drafts) may overlap.
        docs_by_id = {doc["_id"]: doc for docs in results for doc in docs}
        docs = sorted(docs_by_id.values(), key=lambda d: str(d.get("sort_key", "")), reverse=True)
        truncated = len(docs) > limit
        return [_candidate(d["type"], d, q) for d in docs[:limit]], truncated

    def _window_start(self, q: QueryTokens, limit: int, now: datetime) -> float | None:
        """Days of the first window when a lookup should be read window by window, else None (one
        query).

        A search reads every entry holding its rarest term, then keeps the newest ``limit``. For a
        term held by a quarter of 100,000 entries that was seconds of database CPU on SecantusDB
        (which fetches and checks in Python every entry its index yields) and a sort of all of them
        on MongoDB. So a term the statistics expect in more than ``limit`` entries is read newest
        first in adjacent ranges of ``sort_day`` on the (tokens, sort_day) index, until ``limit``
        candidates are found: exactly the newest ``limit`` the single query keeps, for work bounded
        by ``limit`` instead of by the collection, on either server. The first window is the share
        of the indexed history that should hold ``limit`` matches if they were spread evenly, and
        each next one twice as wide. Not before every entry has its ``sort_day``
        (:meth:`set_sort_days`)."""
        if not self._days_ready:
            return None
        expected = self._stats.frequency.get(self._lookup_term(q), 0)
        if expected <= limit:
            return None
        oldest = self._stats.oldest
        history = (now - oldest).total_seconds() / 86400 if oldest is not None else SEARCH_WINDOW_DAYS
        return max(SEARCH_WINDOW_DAYS, history * limit / expected * 1.5)

    def _branches(
        self, q: QueryTokens, scope: ReadScope, filter: SearchFilter
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Per visibility branch: the part of the filter the (tokens, sort_day) index serves (the
        lookup term) and the rest, checked on what it yields."""
        types = _types(filter)
        if not types:
            return []
        lookup = self._lookup_term(q)
        others = [t for t in q.terms if t != lookup]
        out: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for branch in branches(scoped_filter(scope, _base(lookup, types, filter))):
            rest = {k: v for k, v in branch.items() if k != "tokens"}
            if others:
                rest["tokens"] = {"$all": others}
            out.append(({"tokens": lookup}, rest))
        return out

    async def _windowed(
        self, match: dict[str, Any], rest: dict[str, Any], limit: int, now: datetime, span: float
    ) -> list[dict[str, Any]]:
        """The newest ``limit + 1`` matches of one branch, read in adjacent ranges of ``sort_day``
        (a function of ``sort_key`` that never decreases), newest first (see :meth:`_window_start`);
        past SEARCH_WINDOW_MAX_DAYS the rest in one. The first range is open above (items scheduled
        for later), the last below (``sort_day`` 0: no instant)."""
        found: list[dict[str, Any]] = []
        today = day_of(now.isoformat())
        upper: int | None = None
        while True:
            lower = None if span > SEARCH_WINDOW_MAX_DAYS else today - math.ceil(span)
            bound = {
                **({"$lt": upper} if upper is not None else {}),
                **({"$gte": lower} if lower is not None else {}),
            }
            found += await self._run(window_pipeline(match, rest, bound, limit + 1 - len(found)))
            if len(found) > limit or lower is None:
                return found
            upper, span = lower, span * 2

    async def _run(self, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
        cursor = await entry_collection().aggregate(pipeline)
        docs: list[dict[str, Any]] = await cursor.to_list()
        return docs

    async def _hits(
        self, window: Sequence[_Candidate], q: QueryTokens, scope: ReadScope
    ) -> list[tuple[SearchHit, _Candidate]]:
        """The page's items in full, re-checked against the scope (one may have changed since)."""
        ids_by_type: dict[str, list[ObjectId]] = {}
        for c in window:
            ids_by_type.setdefault(c.type_name, []).append(c.id)
        loaded: dict[ObjectId, ContentDocument] = {}
        for type_name, ids in ids_by_type.items():
            found = await CONTENT_TYPES[type_name].find({"_id": {"$in": ids}}).to_list()
            loaded.update((item.id, item) for item in found if item.id is not None)
        out: list[tuple[SearchHit, _Candidate]] = []
        for c in window:
            item = loaded.get(c.id)
            if item is None or not is_visible(item, scope):
                continue
            snippet, article = _present(item, q)
            out.append((SearchHit(item, c.type_name, c.score, snippet, article), c))
        return out

    def _facets(self, candidates: Sequence[_Candidate]) -> SearchFacets:
        tree = self.content.orgs.tree

        def org_label(value: str | None) -> str:
            org = tree.get(ObjectId(value)) if value else None
            return org.name if org else NONE_LABEL

        return SearchFacets(
            organizations=_counts((str(c.org_id) for c in candidates), org_label),
            topics=_counts((c.topic for c in candidates), lambda v: v or NONE_LABEL),
            genres=_counts((c.genre for c in candidates), lambda v: v or NONE_LABEL),
            years=sorted(
                _counts((str(c.year) if c.year else None for c in candidates), lambda v: v or NONE_LABEL),
                key=lambda f: f.value or "",
                reverse=True,
            ),
            types=_counts((c.type_name for c in candidates), lambda v: label_of(v or "") or NONE_LABEL),
        )

    # -- cursors --------------------------------------------------------------------------------

    def _encode_cursor(self, fingerprint: str, c: _Candidate) -> str:
        return self.cursors.encode(f"{_CURSOR_VERSION}|{fingerprint}|{c.score.hex()}|{c.sort_key}")

    def _decode_cursor(self, cursor: str, fingerprint: str) -> tuple[float, str]:
        parts = self.cursors.decode(cursor).split("|", 3)
        if len(parts) != 4 or parts[0] != _CURSOR_VERSION or parts[1] != fingerprint:
            raise InvalidCursor("分页游标与本次检索不符，请从第一页重新检索。")
        try:
            return float.fromhex(parts[2]), parts[3]
        except ValueError as exc:
            raise InvalidCursor() from exc

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
        """Every item again: after changes to the dictionary or to what is indexed. Returns the count."""
        count = 0
        for cls in CONTENT_TYPES.values():
            ids = [d["_id"] for d in await cls.get_pymongo_collection().find({}, {"_id": 1}).to_list()]
            for item_id in ids:
                item = await cls.get(item_id)
                if item is not None:
                    await self.reindex(item)
                    count += 1
        await self.refresh_statistics()
        await self._changed()
        return count

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
        found = await (
            Attachment.get_pymongo_collection()
            .find(
                {"item_id": item_id, "status": AttachmentStatus.READY.value},
                {"text": 1, "order": 1},
            )
            .to_list()
        )
        parts = [d.get("text") or "" for d in sorted(found, key=lambda d: d.get("order", 0))]
        return "\n".join(p for p in parts if p.strip())[:MAX_ATTACHMENT_TEXT]

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

    # -- the dictionary ---------------------------------------------------------------------------
    # Words change how jieba segments text, which affects word tokens (ranking boosts) of items indexed
    # afterwards, never which items a query finds. Existing items keep their old word tokens until
    # reindex_all (the reindexSearch mutation). Other server processes load the words at start-up.

    async def words(self) -> list[str]:
        return sorted(w.word for w in await SearchWord.find_all().to_list())

    async def load_dictionary(self) -> int:
        return load_user_words(await self.words())

    async def reload_dictionary(self) -> None:
        """After another process changed the dictionary (cms.content.public_changes tells)."""
        await self.load_dictionary()

    async def add_words(self, principal: Principal, words: Sequence[str]) -> list[str]:
        self._require_manager(principal)
        if not words or len(words) > MAX_WORDS_PER_CALL:
            raise InvalidInput(f"每次可添加 1 到 {MAX_WORDS_PER_CALL} 个词。", field="words")
        cleaned = [_clean_word(w) for w in words]
        added = []
        for word in dict.fromkeys(cleaned):
            with contextlib.suppress(DuplicateKeyError):
                await SearchWord(word=word, added_by=principal.user_id).insert()
                added.append(word)
        load_user_words(added)
        if added:
            await self._changed()
        return await self.words()

    async def remove_word(self, principal: Principal, word: str) -> bool:
        """Removes the word from the stored dictionary. The running segmenter keeps it until the
        server restarts (jieba cannot forget a word without forgetting its own dictionary entry)."""
        self._require_manager(principal)
        result = await SearchWord.get_pymongo_collection().delete_one({"word": normalize(word).strip()})
        if result.deleted_count != 1:
            return False
        await self._changed()
        return True

    def start_reindex(self, principal: Principal) -> bool:
        """Rebuild every item's search fields in the background (minutes for a large repository);
        False when a rebuild is already running."""
        self._require_manager(principal)
        if self._reindexing is not None and not self._reindexing.done():
            return False
        self._reindexing = asyncio.create_task(self.reindex_all())
        self._reindexing.add_done_callback(_log_reindex)
        return True

    async def _changed(self) -> None:
        for hook in self.changed_hooks:
            await hook()

    def _require_manager(self, principal: Principal) -> None:
        """The dictionary is shared by every organization: managing it takes the vocabulary
        permission at a root organization."""
        if principal.is_anonymous:
            raise Unauthenticated()
        roots = [o.id for o in self.content.orgs.tree.roots() if o.id is not None]
        if any(self.access.can(principal, Permission.VOCABULARY_MANAGE, r) for r in roots):
            return
        if not roots:
            raise Forbidden()
        self.access.require(principal, Permission.VOCABULARY_MANAGE, roots[0])


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _log_reindex(task: asyncio.Task[int]) -> None:
    if task.cancelled():
        return
    if task.exception() is not None:
        log.error("reindexing for search failed", exc_info=task.exception())
    else:
        log.info("reindexed %d items for search", task.result())


def window_pipeline(
    match: dict[str, Any], rest: dict[str, Any], bound: dict[str, int], limit: int
) -> list[dict[str, Any]]:
    """One window of a windowed lookup (SearchService._windowed). The first ``$match`` is exactly
    {tokens, sort_day range}: SecantusDB lifts a leading ``$match`` into its index lookup, and uses
    the (tokens, sort_day) index for a range only in that shape; the rest is checked on what the
    window yields."""
    return [
        {"$match": {**match, "sort_day": bound} if bound else match},
        {"$match": rest},
        {"$sort": {"sort_key": -1}},
        {"$limit": limit},
        {"$project": _PROJECTION},
    ]


def _types(filter: SearchFilter) -> tuple[str, ...]:
    """The content types a search covers; topics and genres are catalog entries' alone."""
    types = filter.types or tuple(CONTENT_TYPES)
    if filter.topic or filter.genre:
        types = tuple(t for t in types if t == "CatalogEntry")
    return types


def _base(lookup: str, types: tuple[str, ...], filter: SearchFilter) -> dict[str, Any]:
    """The lookup's filter before visibility, the token first."""
    base: dict[str, Any] = {"tokens": lookup}
    if set(types) != set(CONTENT_TYPES):
        base["type"] = types[0] if len(types) == 1 else {"$in": list(types)}
    if filter.organization is not None:
        base["org_path" if filter.include_subtree else "org_id"] = filter.organization
    if filter.topic:
        base["topic_path"] = filter.topic
    if filter.genre:
        base["genre"] = filter.genre
    if filter.year is not None:
        base["year"] = filter.year
    return base


def _candidate(type_name: str, doc: dict[str, Any], q: QueryTokens) -> _Candidate:
    year = doc.get("year")
    return _Candidate(
        type_name=type_name,
        id=doc["_id"],
        score=score(doc.get("weights") or {}, q),
        sort_key=str(doc.get("sort_key", "")),
        org_id=doc["org_id"],
        topic=doc.get("topic"),
        genre=doc.get("genre"),
        year=year if isinstance(year, int) else None,
    )


def _counts(values: Iterable[str | None], label: Any) -> list[FacetCount]:
    counted = Counter(values)
    facets = [FacetCount(value=v, label=label(v), count=n) for v, n in counted.items()]
    return sorted(facets, key=lambda f: (-f.count, f.label))


def _fingerprint(q: QueryTokens, filter: SearchFilter) -> str:
    raw = repr((q.exact, q.terms, q.boost, filter))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _clean_word(raw: str) -> str:
    word = normalize(raw).strip()
    if not 2 <= len(word) <= MAX_WORD_CHARS or any(ch.isspace() for ch in word) or not _WORDLIKE.search(word):
        raise InvalidInput(f"词语应为 2 到 {MAX_WORD_CHARS} 个字，且不含空格：{raw[:20]}", field="words")
    return word


# --------------------------------------------------------------------------------------------------
# Snippets: the best field of a hit, highlighted
# --------------------------------------------------------------------------------------------------


def _coverage(text: str, q: QueryTokens) -> int:
    """How many query terms (or the identifier) the text holds."""
    if not text:
        return 0
    normalized = normalize(text[:MAX_FIELD_CHARS])
    found = sum(1 for t in q.terms if t in normalized)
    if q.exact is not None and q.exact in normalized.replace(" ", ""):
        found = max(found, len(q.terms))
    return found


def _best(texts: Sequence[str], q: QueryTokens) -> tuple[str, int]:
    """The first text holding every term, else the one holding most; (text, terms held)."""
    best, best_count = "", 0
    for text in texts:
        count = _coverage(text, q)
        if count >= len(q.terms):
            return text, count
        if count > best_count:
            best, best_count = text, count
    return best, best_count


def _snippet(text: str, q: QueryTokens) -> str:
    return highlight_text(text[:MAX_FIELD_CHARS], q)


def _present(item: ContentDocument, q: QueryTokens) -> tuple[str, GazetteArticle | None]:
    """The snippet of a hit (title if it matches, else the matching body text, transcript turn,
    article or attachment text) and, for a gazette issue, the article that matches."""
    full, item = item, indexed(item)
    if isinstance(item, GazetteIssue) and isinstance(full, GazetteIssue):
        snippet, article = _present_issue(item, q)
        # The stored article: whether its body may be read is decided where it is read (cms.content.visibility).
        return snippet, next((a for a in full.articles if article and a.id == article.id), None)
    own = kind_of(item).snippet_texts
    if own is not None:
        texts = own(item)
    else:
        texts = [text for name, text, _ in field_texts(item) if name != "keywords" and text]
    best, count = _best([t for t in texts if t], q)
    if count == 0:
        fallback = getattr(item, "summary", "") or getattr(item, "body", "") or item.description or item.title
        return _snippet(fallback, q), None
    return _snippet(best, q), None


def _present_issue(issue: GazetteIssue, q: QueryTokens) -> tuple[str, GazetteArticle | None]:
    if _coverage(issue.title, q) >= len(q.terms):
        return _snippet(issue.title, q), None
    best_article: GazetteArticle | None = None
    best_text, best_count = "", 0
    for article in sorted(issue.articles, key=lambda a: a.order):
        texts = [article.title, article.document_number or "", article.body]
        combined = _coverage("\n".join(texts), q)
        if combined > best_count:
            text, _ = _best([t for t in texts if t], q)
            best_article, best_text, best_count = article, text, combined
    if best_article is None:
        text, count = _best([issue.description, issue.attachment_text], q)
        return _snippet(text if count else issue.title, q), None
    return _snippet(best_text, q), best_article
