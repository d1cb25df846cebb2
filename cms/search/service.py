"""Full-text search over catalog entries, gazette articles, interpretations, interviews and attachment
text: security-trimmed, ranked, faceted and paged. The index and its upkeep are cms.search.upkeep's.

Querying. Neither server has a usable text index for Chinese, so a search reads the newest matches of
one index lookup (storage.reads.Reader.lookup, which decides how the server is asked)::

    {"$match": {"tokens": <rarest term>, <type>, <filters>, <visibility>}}  # rides the token index
    {"$match": {"tokens": {"$all": <the other terms>}}}                      # checks the candidates
    {"$sort": {"sort_key": -1}}, {"$limit": cap + 1}, {"$project": <small>}

The visibility part is ``cms.content.visibility.scoped_filter``'s. The rarest term is judged by
document frequencies sampled from the index in the background (:meth:`SearchIndex.refresh_statistics`);
terms with digits or 〔〕 are preferred before statistics exist. Candidates past ``max_candidates`` are
dropped (newest kept) and the page says ``truncated``. Ranking (cms.search.ranking.score), facets and
paging happen in Python over the candidates (cms.search.results), so counts and facets cover exactly
what the caller may read; the public's ranked candidates are kept per public generation
(``public_results``). Only the page's own items are read from the content collections (for snippets,
cms.search.snippets), and re-checked against the scope there. Cursors are signed (score, sort_key) positions bound to the query, so a tampered or foreign cursor is
refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from authz import Permission, Principal
from cms.audit.log import AuditLog, Change
from cms.content.cursors import CursorCodec
from cms.content.visibility import ReadScope, is_visible, scoped_filter
from cms.errors import Forbidden, InvalidCursor, InvalidInput, PageSizeExceeded, Unauthenticated
from cms.search.results import (
    CANDIDATE_FIELDS,
    Candidate,
    FacetCount,
    Ranked,
    SearchFacets,
    SearchFilter,
    SearchHit,
    SearchPage,
    candidate,
    facets,
)
from cms.search.snippets import present
from cms.search.text import MAX_WORD_CHARS, QueryTokens, initialize, load_user_words, normalize, query_tokens
from cms.search.upkeep import MAINTENANCE_COLLECTION, SearchIndex
from storage.documents import CONTENT_TYPES, ContentDocument
from storage.reads import Spread
from storage.search import SearchEntry, SearchWord

if TYPE_CHECKING:
    from cms.admin.access import AccessControl
    from cms.content.public_changes import PublicMemo
    from cms.content.store import ContentService

__all__ = [
    "MAINTENANCE_COLLECTION",
    "FacetCount",
    "SearchFacets",
    "SearchFilter",
    "SearchHit",
    "SearchPage",
    "SearchService",
]

MAX_CANDIDATES = 2_000  # matches ranked per query (the newest; storage.reads.Reader.lookup)
KEPT_SEARCHES = 256  # public searches whose ranked matches are kept (SearchService.public_results)
KEPT_CANDIDATES = 200_000  # their matches together (~200 bytes each)
MAX_QUERY_LENGTH = 100
MAX_WORDS_PER_CALL = 100
_CURSOR_VERSION = "s1"
Order = Literal["relevance", "newest", "oldest"]
RELEVANCE: Order = "relevance"
NEWEST: Order = "newest"
OLDEST: Order = "oldest"
BROWSE = QueryTokens(exact=None, terms=[])  # a blank query: no term to match, rank or highlight
_HAS_DIGIT = re.compile(r"[0-9〔〕]")
_WORDLIKE = re.compile(r"\w")


class SearchService(SearchIndex):
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
        super().__init__(content)
        self.access = access
        self.cursors = cursors
        self.max_page_size = max_page_size
        self.max_query_length = max_query_length
        self.max_candidates = max_candidates
        # The public's ranked matches by query and filter (set by the composition root).
        self.public_results: PublicMemo[Ranked] | None = None
        # Where dictionary changes are recorded (the administrative audit log; set by the composition root).
        self.audit: AuditLog | None = None

    async def prepare(self) -> None:
        """Load the segmenter's dictionary (1-3 s, in a thread) and the administrators' words."""
        await asyncio.to_thread(initialize)
        await self.load_dictionary()

    # -- searching ------------------------------------------------------------------------------

    async def search(
        self,
        query: str,
        scope: ReadScope,
        *,
        filter: SearchFilter,
        first: int,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order: Order = RELEVANCE,
    ) -> SearchPage:
        """Forward (``first`` after ``after``) or backward (``last`` before ``before``) through the
        matches in ``order``: best first, or by publication either way."""
        size = first if last is None else last
        if size < 0 or size > self.max_page_size:
            raise PageSizeExceeded(f"每页条数应在 0 到 {self.max_page_size} 之间。", limit=self.max_page_size)
        # A blank query browses: every match of the filter, newest first (issue #16).
        q = query_tokens(query, max_length=self.max_query_length) if query.strip() else BROWSE
        self._check_filter(filter)
        fingerprint = _fingerprint(q, filter, order)
        mark = before if last is not None else after
        position = self._decode_cursor(mark, fingerprint) if mark else None

        found = await self._ranked(q, scope, filter)
        ranked = _ordered(found.candidates, order)
        at = len(ranked) if position is None and last is not None else 0
        if position is not None and last is None:  # the first item after the cursor's
            at = next((i for i, c in enumerate(ranked) if _follows(c, position, order)), len(ranked))
        elif position is not None:  # the cursor's item (or where it stood): the page ends before it
            at = next((i for i, c in enumerate(ranked) if not _follows(position, c, order)), len(ranked))
        start, end = (max(0, at - size), at) if last is not None else (at, at + size)
        hits = await self._hits(ranked[start:end], q, scope)
        return SearchPage(
            hits=[hit for hit, _ in hits],
            cursors=[self._encode_cursor(fingerprint, c) for _, c in hits],
            has_next=len(ranked) > end,
            has_previous=start > 0,
            total=len(ranked),
            facets=found.facets,
            truncated=found.truncated,
        )

    async def _ranked(self, q: QueryTokens, scope: ReadScope, filter: SearchFilter) -> Ranked:
        """Every match the scope may read, best first, with facets. The public's are kept while
        nothing public changes (``public_results``), so paging through them, or asking again with
        other variables, reads the index once per publication."""

        async def compute() -> Ranked:
            candidates, truncated = await self._candidates(q, scope, filter)
            ranked = sorted(candidates, key=lambda c: c.position, reverse=True)
            return Ranked(ranked, truncated, facets(ranked, self.content.orgs.tree))

        if self.public_results is None or not scope.is_public:
            return await compute()
        key = repr((q.exact, q.terms, q.boost, filter))
        return await self.public_results.get(key, scope.now, compute)

    def plan(self, q: QueryTokens, scope: ReadScope, filter: SearchFilter) -> list[list[dict[str, Any]]]:
        """The aggregations an unwindowed search runs over the search index (storage.reads): the
        lookup term first in the filter, the other terms checked on what it yields."""
        match, rest, check = self.lookup(q, scope, filter)
        if not match:
            return []
        limit = self.max_candidates + 1
        return self.content.reader.lookup_plans(
            match, rest, check=check, limit=limit, projection=CANDIDATE_FIELDS
        )

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
    ) -> tuple[list[Candidate], bool]:
        """The newest ``max_candidates`` matches the scope may read, and whether there were more."""
        limit = self.max_candidates
        if q is BROWSE:
            return await self._browse(scope, filter)
        match, rest, check = self.lookup(q, scope, filter)
        if not match:
            return [], False
        docs = await self.content.reader.lookup(
            SearchEntry,
            match,
            rest,
            check=check,
            limit=limit + 1,
            projection=CANDIDATE_FIELDS,
            spread=self._spread(q),
            now=scope.now,
        )
        return [candidate(d, q) for d in docs[:limit]], len(docs) > limit

    async def _browse(self, scope: ReadScope, filter: SearchFilter) -> tuple[list[Candidate], bool]:
        """Without a query: the newest ``max_candidates`` index entries the filter and scope select
        (on the ``sort_key`` index; the reader decides how), scored alike, so newest first."""
        types = _types(filter)
        if not types:
            return [], False
        limit = self.max_candidates
        docs = await self.content.reader.newest(
            SearchEntry,
            scoped_filter(scope, _base(types, filter)),
            limit=limit + 1,
            now=scope.now,
            projection=CANDIDATE_FIELDS,
        )
        return [candidate(d, BROWSE) for d in docs[:limit]], len(docs) > limit

    def _spread(self, q: QueryTokens) -> Spread | None:
        """What the statistics expect of the lookup term's matches (they decide whether the lookup is
        read in windows of days, storage.reads.Reader.lookup); None until every entry has its
        ``sort_day`` (:meth:`set_sort_days`): a window would miss the others."""
        if not self._days_ready:
            return None
        return Spread(self._stats.frequency.get(self._lookup_term(q), 0), self._stats.oldest)

    def lookup(
        self, q: QueryTokens, scope: ReadScope, filter: SearchFilter
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """What a search reads from the index: the lookup term (the (tokens, sort_day) index serves
        it), the filter with the visibility the scope reads with, and the other terms (checked on what
        the lookup yields). An empty lookup when the filter leaves no content type."""
        types = _types(filter)
        if not types:
            return {}, {}, {}
        lookup = self._lookup_term(q)
        others = [t for t in q.terms if t != lookup]
        rest = scoped_filter(scope, _base(types, filter))
        return {"tokens": lookup}, rest, ({"tokens": {"$all": others}} if others else {})

    async def _hits(
        self, window: Sequence[Candidate], q: QueryTokens, scope: ReadScope
    ) -> list[tuple[SearchHit, Candidate]]:
        """The page's items in full, re-checked against the scope (one may have changed since)."""
        ids_by_type: dict[str, list[ObjectId]] = {}
        for c in window:
            ids_by_type.setdefault(c.type_name, []).append(c.id)
        loaded: dict[ObjectId, ContentDocument] = {}
        for type_name, ids in ids_by_type.items():
            found = await CONTENT_TYPES[type_name].find({"_id": {"$in": ids}}).to_list()
            loaded.update((item.id, item) for item in found if item.id is not None)
        out: list[tuple[SearchHit, Candidate]] = []
        for c in window:
            item = loaded.get(c.id)
            if item is None or not is_visible(item, scope):
                continue
            snippet, article = present(item, q)
            out.append((SearchHit(item, c.type_name, c.score, snippet, article), c))
        return out

    # -- cursors --------------------------------------------------------------------------------

    def _encode_cursor(self, fingerprint: str, c: Candidate) -> str:
        return self.cursors.encode(f"{_CURSOR_VERSION}|{fingerprint}|{c.score.hex()}|{c.sort_key}")

    def _decode_cursor(self, cursor: str, fingerprint: str) -> tuple[float, str]:
        parts = self.cursors.decode(cursor).split("|", 3)
        if len(parts) != 4 or parts[0] != _CURSOR_VERSION or parts[1] != fingerprint:
            raise InvalidCursor("分页游标与本次检索不符，请从第一页重新检索。")
        try:
            return float.fromhex(parts[2]), parts[3]
        except ValueError as exc:
            raise InvalidCursor() from exc

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
            await self._audit(principal, "search.add_words", None, {"words": added})
        return await self.words()

    async def remove_word(self, principal: Principal, word: str) -> bool:
        """Removes the word from the stored dictionary. The running segmenter keeps it until the
        server restarts (jieba cannot forget a word without forgetting its own dictionary entry)."""
        self._require_manager(principal)
        result = await SearchWord.get_pymongo_collection().delete_one({"word": normalize(word).strip()})
        if result.deleted_count != 1:
            return False
        await self._changed()
        await self._audit(principal, "search.remove_word", {"word": normalize(word).strip()}, None)
        return True

    async def _audit(self, principal: Principal, action: str, before: object, after: object) -> None:
        if self.audit is not None:
            change = Change(action, "SearchDictionary", "search-words", "检索词典", None, before, after)
            await self.audit.record(principal, change)

    def start_reindex(self, principal: Principal) -> bool:
        """Rebuild every item's search fields in the background (minutes for a large repository);
        False when a rebuild is already running."""
        self._require_manager(principal)
        return self._start_rebuild()

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


def _types(filter: SearchFilter) -> tuple[str, ...]:
    """The content types a search covers; topics and genres are catalog entries' alone."""
    types = filter.types or tuple(CONTENT_TYPES)
    if filter.topic or filter.genre:
        types = tuple(t for t in types if t == "CatalogEntry")
    return types


def _base(types: tuple[str, ...], filter: SearchFilter) -> dict[str, Any]:
    """The lookup's filter before visibility (the token goes before it)."""
    base: dict[str, Any] = {}
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


def _ordered(ranked: list[Candidate], order: Order) -> list[Candidate]:
    """The ranked candidates (best first) in ``order``; sort keys are unique (they end in the id)."""
    if order == RELEVANCE:
        return ranked
    return sorted(ranked, key=lambda c: c.sort_key, reverse=order == NEWEST)


def _follows(c: Candidate | tuple[float, str], position: Candidate | tuple[float, str], order: Order) -> bool:
    """Whether ``c`` comes after ``position`` (a candidate or a cursor's position) in ``order``."""
    mine = c.position if isinstance(c, Candidate) else c
    theirs = position.position if isinstance(position, Candidate) else position
    if order == NEWEST:
        return mine[1] < theirs[1]
    if order == OLDEST:
        return mine[1] > theirs[1]
    return mine < theirs


def _fingerprint(q: QueryTokens, filter: SearchFilter, order: Order = RELEVANCE) -> str:
    raw = repr((q.exact, q.terms, q.boost, filter, order))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _clean_word(raw: str) -> str:
    word = normalize(raw).strip()
    if not 2 <= len(word) <= MAX_WORD_CHARS or any(ch.isspace() for ch in word) or not _WORDLIKE.search(word):
        raise InvalidInput(f"词语应为 2 到 {MAX_WORD_CHARS} 个字，且不含空格：{raw[:20]}", field="words")
    return word
