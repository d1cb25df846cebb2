"""Newest-first reads, shaped for the server that serves them.

The domain says what it reads: the newest ``limit`` documents of a collection that match a filter
(which may hold the visibility ``$or``) below a keyset bound on ``sort_key``; how many match; the
newest matches of a search index lookup. The answer is always exactly what one sorted, limited query
(one ``$or`` filter) returns. How it is read is decided here, by the ``EngineProfile`` detected once at
start-up (storage.mongo.engine_profile):

- MongoDB walks an index in sort order and stops at the limit: one query, ``$or`` and all.
- The embedded SecantusDB fetches every document its chosen index yields before it sorts and limits,
  serves a multi-field filter with the index of the first field that has one, and reads the whole
  collection for a filter with a top-level ``$or``. There a page of an unselective filter is read as
  consecutive ``sort_key`` ranges (windows) until it is full, and a filter with ``$or`` as one plain
  query per alternative (storage.filters.branches), merged.

Search index lookups of a common term are read in windows of ``sort_day`` on every server: reading
every holder of the term costs seconds of CPU on either (see ``Reader.lookup``).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from beanie import Document
from pymongo import IndexModel

from storage.documents import day_of, instant_of
from storage.filters import branches, intersection

Doc = dict[str, Any]

# Windowed pages: the first window's span in days before any was learned, and the span beyond which
# the rest of the collection is read at once. Each next window doubles.
WINDOW_START_DAYS = 4.0
WINDOW_MAX_DAYS = 8192.0
# Windowed lookups: the narrowest first window, and a span wider than any history (the last window
# is unbounded below).
SEARCH_WINDOW_DAYS = 7.0
SEARCH_WINDOW_MAX_DAYS = 40_000.0


@dataclass(frozen=True)
class EngineProfile:
    """How the database server executes the reads this module makes."""

    name: str
    # MongoDB: a sorted, limited query walks an index and stops at the limit, and ``$or`` branches
    # are planned one by one. False for SecantusDB (see the module's doc).
    stops_sorted_walks_early: bool


MONGODB = EngineProfile("MongoDB", stops_sorted_walks_early=True)
SECANTUS = EngineProfile("SecantusDB", stops_sorted_walks_early=False)


def profile_of(build_info: Mapping[str, Any]) -> EngineProfile:
    """The profile of a server by its ``buildInfo`` (SecantusDB names itself there)."""
    return SECANTUS if "secantusVersion" in build_info else MONGODB


@dataclass(frozen=True)
class Spread:
    """What a lookup's caller expects of the matches: about ``matches`` of them, with sort instants
    since ``oldest`` (None: unknown). It only chooses how the lookup is read, never what it returns."""

    matches: int
    oldest: datetime | None


class Reader:
    """Reads for one server profile. Keeps, per document class, where the newest public item was and
    how wide a window filled the last page: hints for speed that never change an answer."""

    def __init__(self, profile: EngineProfile) -> None:
        self.profile = profile
        self._newest: dict[type[Document], datetime] = {}
        self._span: dict[type[Document], float] = {}
        # The same for oldest-first reads: where the oldest item was, how wide a window rising from a
        # page's start filled it.
        self._oldest: dict[type[Document], datetime] = {}
        self._span_up: dict[type[Document], float] = {}

    # -- pages and counts -------------------------------------------------------------------------

    async def newest(
        self,
        cls: type[Document],
        filter: Doc,
        *,
        limit: int,
        now: datetime,
        before: str | None = None,
        projection: Mapping[str, int] | None = None,
    ) -> list[Doc]:
        """``find(filter, sort_key < before).sort(sort_key, -1).limit(limit)``. ``now``: the instant
        the filter is evaluated at (windows start there; later sort keys are in the first window)."""
        if self.profile.stops_sorted_walks_early or _selective(cls, filter):
            query = filter if before is None else {**filter, "sort_key": {"$lt": before}}
            return await self._plain(cls, query, limit, projection)
        return await self._windowed(cls, filter, limit, now, before, projection)

    async def oldest(
        self,
        cls: type[Document],
        filter: Doc,
        *,
        limit: int,
        after: str | None = None,
        projection: Mapping[str, int] | None = None,
    ) -> list[Doc]:
        """``find(filter, sort_key > after).sort(sort_key, 1).limit(limit)``: oldest first (ascending
        lists, and the pages before a cursor of a newest-first list). On MongoDB one query walking
        the ``sort_key`` index; on SecantusDB windows going up from ``after`` (see :meth:`_rising`)."""
        if self.profile.stops_sorted_walks_early or _selective(cls, filter):
            query = filter if after is None else {**filter, "sort_key": {"$gt": after}}
            return await self._plain(cls, query, limit, projection, ascending=True)
        return await self._rising(cls, filter, limit, after, projection)

    async def count(self, cls: type[Document], filter: Doc) -> int:
        """``count_documents(filter)``; on SecantusDB a ``$or`` filter as the sum of its branches'
        counts less the items both count."""
        collection = cls.get_pymongo_collection()
        if self.profile.stops_sorted_walks_early or "$or" not in filter:
            return int(await collection.count_documents(filter))
        parts = branches(filter)
        both = intersection(parts)
        counted = [await collection.count_documents(part) for part in parts]
        return sum(counted) - (await collection.count_documents(both) if both is not None else 0)

    async def latest(self, cls: type[Document], filter: Doc, field: str) -> Any:
        """The largest value of ``field`` among the documents matching ``filter`` (without ``$or``);
        None when none match."""
        cursor = cls.get_pymongo_collection().find(filter, {field: 1}).sort([(field, -1)]).limit(1)
        docs: list[Doc] = await cursor.to_list()
        return docs[0].get(field) if docs else None

    async def values(self, cls: type[Document], filter: Doc, fields: Sequence[str]) -> list[Doc]:
        """``fields`` (only) of every document matching ``filter`` (without ``$or``), in no order."""
        cursor = cls.get_pymongo_collection().find(filter, {**dict.fromkeys(fields, 1), "_id": 0})
        found: list[Doc] = await cursor.to_list()
        return found

    async def count_values(self, cls: type[Document], filter: Doc, field: str) -> dict[Any, int]:
        """How many documents matching ``filter`` (without ``$or``) hold each value of ``field``; each
        element of an array field counts. Read as the field's values and counted here: no server-side
        grouping, which the embedded server may not run, and a count reads every match there anyway."""
        counted: Counter[Any] = Counter()
        cursor = cls.get_pymongo_collection().find(filter, {field: 1, "_id": 0})
        async for doc in cursor:
            value = doc.get(field)
            for one in value if isinstance(value, list) else [value]:
                if one is not None:
                    counted[one] += 1
        return dict(counted)

    async def _windowed(
        self,
        cls: type[Document],
        filter: Doc,
        limit: int,
        now: datetime,
        before: str | None,
        projection: Mapping[str, int] | None,
    ) -> list[Doc]:
        """The same page as one sorted, limited query, read as consecutive ``sort_key`` ranges, newest
        first, each twice as wide as the last (the first as wide as the last full page needed), until
        the page is full; past WINDOW_MAX_DAYS the rest is read in one.

        SecantusDB fetches every document its chosen index yields, then sorts and limits: a catalog
        page was a read of all published entries (measured: ~640 ms of server CPU per page at 2,000
        entries). A ``sort_key`` range as the filter's FIRST field rides the ``sort_key`` index there,
        so a page reads about one window. The ranges are disjoint and adjacent, so the result is
        exactly the single query's. Only pages without ``$or`` (the public's) teach the next first
        page where to start."""
        # A first page starts from the newest item last seen, not from now: data may be older than a
        # few days, and every empty window is a round trip.
        newest = min(now, self._newest.get(cls, now))
        top = instant_of(before) if before is not None else newest
        if top is None:  # not a sort key this version wrote: read it the plain way
            plain = {**filter, "sort_key": {"$lt": before}}
            return await self._plain(cls, plain, limit, projection)
        found: list[Doc] = []
        upper = before
        span = self._span.get(cls, WINDOW_START_DAYS)
        while True:
            bound: dict[str, str] = {} if upper is None else {"$lt": upper}
            lower = None if span > WINDOW_MAX_DAYS else _window_start(top, span)
            if lower is not None:
                bound["$gte"] = lower
            # sort_key first: SecantusDB serves such a filter with the index of its first field.
            window: Doc = {"sort_key": bound, **filter} if bound else filter
            found += await self._plain(cls, window, limit - len(found), projection)
            if len(found) >= limit or lower is None:
                break
            upper, span = lower, span * 2
        if "$or" not in filter:
            self._learn(cls, top, found, limit, before is None)
        return found

    async def _rising(
        self,
        cls: type[Document],
        filter: Doc,
        limit: int,
        after: str | None,
        projection: Mapping[str, int] | None,
    ) -> list[Doc]:
        """The same page as one ascending sorted, limited query, read as consecutive ``sort_key``
        ranges going up from ``after`` (or from where the oldest item was last seen), each twice as
        wide as the last, until the page is full: :meth:`_windowed` mirrored. Read as one query, an
        oldest-first page (or one before a cursor of a newest-first list) read every match on
        SecantusDB. The first window is open below when there is no ``after``, so a stale hint of
        the oldest item costs speed, never an item. Without any hint yet (the first such page of a
        process) the page is one plain query, which teaches where the oldest item is."""
        bottom = instant_of(after) if after is not None else self._oldest.get(cls)
        if bottom is None:  # no hint yet, or not a sort key this version wrote
            query = filter if after is None else {**filter, "sort_key": {"$gt": after}}
            plain = await self._plain(cls, query, limit, projection, ascending=True)
            if after is None and plain and "$or" not in filter:
                self._learn_oldest(cls, plain)
            return plain
        found: list[Doc] = []
        lower: dict[str, str] = {} if after is None else {"$gt": after}
        span = self._span_up.get(cls, WINDOW_START_DAYS)
        while True:
            upper = None if span > WINDOW_MAX_DAYS else _window_end(bottom, span)
            bound = {**lower, **({"$lt": upper} if upper is not None else {})}
            # sort_key first: SecantusDB serves such a filter with the index of its first field.
            window: Doc = {"sort_key": bound, **filter} if bound else filter
            found += await self._plain(cls, window, limit - len(found), projection, ascending=True)
            if len(found) >= limit or upper is None:
                break
            lower, span = {"$gte": upper}, span * 2
        if "$or" not in filter:
            if after is None and found:
                self._learn_oldest(cls, found)
            self._learn_rise(cls, bottom, found, limit)
        return found

    def _learn_oldest(self, cls: type[Document], found: list[Doc]) -> None:
        """The oldest item seen by an oldest-first page (the least: a narrower filter's oldest is
        younger, and a hint too young makes the open first window read everything below it)."""
        oldest = instant_of(str(found[0]["sort_key"]))
        if oldest is not None:
            known = self._oldest.get(cls)
            self._oldest[cls] = oldest if known is None else min(known, oldest)

    def _learn_rise(self, cls: type[Document], bottom: datetime, found: list[Doc], limit: int) -> None:
        """Remember how far up from its start a full ascending page reached (speed only)."""
        last = instant_of(str(found[-1]["sort_key"])) if found and len(found) >= limit else None
        if last is not None:
            reached = (last - bottom).total_seconds() / 86400
            self._span_up[cls] = min(max(reached * 1.25, 1 / 24), WINDOW_MAX_DAYS)

    def _learn(self, cls: type[Document], top: datetime, found: list[Doc], limit: int, first: bool) -> None:
        """Remember where the newest item is and how far back a full page reached (speed only)."""
        if first and found:
            newest = instant_of(str(found[0]["sort_key"]))
            if newest is not None:
                self._newest[cls] = newest
        last = instant_of(str(found[-1]["sort_key"])) if len(found) >= limit else None
        if last is not None:
            reached = (top - last).total_seconds() / 86400
            self._span[cls] = min(max(reached * 1.25, 1 / 24), WINDOW_MAX_DAYS)

    async def _plain(
        self,
        cls: type[Document],
        query: Doc,
        limit: int,
        projection: Mapping[str, int] | None,
        *,
        ascending: bool = False,
    ) -> list[Doc]:
        """One sorted, limited query; on SecantusDB a ``$or`` filter as one per branch, merged (an
        item two branches select once)."""
        if self.profile.stops_sorted_walks_early or "$or" not in query:
            return await self._find(cls, query, limit, projection, ascending)
        parts = await asyncio.gather(
            *(self._find(cls, b, limit, projection, ascending) for b in branches(query))
        )
        return _merged(parts, ascending=ascending)[:limit]

    async def _find(
        self,
        cls: type[Document],
        query: Doc,
        limit: int,
        projection: Mapping[str, int] | None,
        ascending: bool = False,
    ) -> list[Doc]:
        order = 1 if ascending else -1
        cursor = (
            cls.get_pymongo_collection()
            .find(query, projection)
            .sort([("sort_key", order)])
            .limit(max(limit, 1))
        )
        docs: list[Doc] = await cursor.to_list()
        return docs

    # -- search index lookups -----------------------------------------------------------------------

    async def lookup(
        self,
        cls: type[Document],
        match: Doc,
        filter: Doc,
        *,
        check: Doc,
        limit: int,
        projection: Mapping[str, int],
        spread: Spread | None,
        now: datetime,
    ) -> list[Doc]:
        """The newest ``limit`` documents that match ``match`` (the condition an index leading with
        its field serves, followed by ``sort_day``), ``filter`` (may hold ``$or``) and ``check`` (more
        conditions on ``match``'s field, checked on what the index yields), projected.

        Reading every document the lookup term's index entries yield, then keeping the newest, was
        seconds of database CPU for a term held by a quarter of 100,000 entries (SecantusDB checks each
        in Python; MongoDB sorts them all). So when ``spread`` expects more than ``limit`` matches, the
        lookup is read newest first in adjacent ``sort_day`` ranges until ``limit`` are found: exactly
        the newest ``limit`` the single query keeps, for work bounded by ``limit``. The first window is
        the share of the history that should hold ``limit`` matches if they were spread evenly, each
        next one twice as wide. Only for entries that all have their ``sort_day``."""
        parts = self._branches(filter)
        span = _lookup_span(spread, limit, now)
        if span is None:
            plans = self.lookup_plans(match, filter, check=check, limit=limit, projection=projection)
            results = await asyncio.gather(*(self._aggregate(cls, plan) for plan in plans))
        else:
            results = await asyncio.gather(
                *(
                    self._lookup_windows(cls, match, {**part, **check}, limit, now, span, projection)
                    for part in parts
                )
            )
        return _merged(results)[:limit]

    def lookup_plans(
        self, match: Doc, filter: Doc, *, check: Doc, limit: int, projection: Mapping[str, int]
    ) -> list[list[Doc]]:
        """The aggregations an unwindowed lookup runs: one per plain branch of ``filter`` on
        SecantusDB, ``match`` first in each (it rides the index of its first field)."""
        plans: list[list[Doc]] = []
        for part in self._branches(filter):
            pipeline: list[Doc] = [{"$match": {**match, **part}}]
            if check:
                pipeline.append({"$match": check})
            pipeline += [{"$sort": {"sort_key": -1}}, {"$limit": limit}, {"$project": dict(projection)}]
            plans.append(pipeline)
        return plans

    def _branches(self, filter: Doc) -> list[Doc]:
        return [filter] if self.profile.stops_sorted_walks_early else branches(filter)

    async def _lookup_windows(
        self,
        cls: type[Document],
        match: Doc,
        rest: Doc,
        limit: int,
        now: datetime,
        span: float,
        projection: Mapping[str, int],
    ) -> list[Doc]:
        """The newest ``limit`` matches of one branch, read in adjacent ranges of ``sort_day`` (a
        function of ``sort_key`` that never decreases), newest first; past SEARCH_WINDOW_MAX_DAYS the
        rest in one. The first range is open above (items scheduled for later), the last below
        (``sort_day`` 0: no instant)."""
        found: list[Doc] = []
        today = day_of(now.isoformat())
        upper: int | None = None
        while True:
            lower = None if span > SEARCH_WINDOW_MAX_DAYS else today - math.ceil(span)
            bound = {
                **({"$lt": upper} if upper is not None else {}),
                **({"$gte": lower} if lower is not None else {}),
            }
            found += await self._aggregate(
                cls, window_pipeline(match, rest, bound, limit - len(found), projection)
            )
            if len(found) >= limit or lower is None:
                return found
            upper, span = lower, span * 2

    async def _aggregate(self, cls: type[Document], pipeline: list[Doc]) -> list[Doc]:
        cursor = await cls.get_pymongo_collection().aggregate(pipeline)
        docs: list[Doc] = await cursor.to_list()
        return docs


def window_pipeline(
    match: Doc, rest: Doc, bound: dict[str, int], limit: int, projection: Mapping[str, int]
) -> list[Doc]:
    """One window of a windowed lookup. The first ``$match`` is exactly {match, sort_day range}:
    SecantusDB lifts a leading ``$match`` into its index lookup, and uses the (tokens, sort_day) index
    for a range only in that shape; the rest is checked on what the window yields."""
    return [
        {"$match": {**match, "sort_day": bound} if bound else match},
        {"$match": rest},
        {"$sort": {"sort_key": -1}},
        {"$limit": limit},
        {"$project": dict(projection)},
    ]


def _lookup_span(spread: Spread | None, limit: int, now: datetime) -> float | None:
    """Days of a lookup's first window, None to read it in one query."""
    if spread is None or spread.matches < limit:
        return None
    oldest = spread.oldest
    history = (now - oldest).total_seconds() / 86400 if oldest is not None else SEARCH_WINDOW_DAYS
    return max(SEARCH_WINDOW_DAYS, history * (limit - 1) / spread.matches * 1.5)


def _merged(parts: Iterable[list[Doc]], *, ascending: bool = False) -> list[Doc]:
    """The branches' results united, newest (or oldest) first (an item several branches select once)."""
    by_id = {doc["_id"]: doc for part in parts for doc in part}
    return sorted(by_id.values(), key=lambda doc: str(doc.get("sort_key", "")), reverse=not ascending)


def _selective(cls: type[Document], filter: Doc) -> bool:
    """Whether the filter constrains a field some index of ``cls`` leads with (an organization, a
    topic, a year, ids …): such a filter narrows the read by itself, better than a window of all items."""
    fields = set(filter)
    for part in filter.get("$and", ()):
        fields.update(part)
    return bool(fields & _leading_fields(cls))


_LEADING: dict[type[Document], frozenset[str]] = {}


def _leading_fields(cls: type[Document]) -> frozenset[str]:
    found = _LEADING.get(cls)
    if found is None:
        indexes = getattr(getattr(cls, "Settings", None), "indexes", []) or []
        leading = {next(iter(index.document["key"])) for index in indexes if isinstance(index, IndexModel)}
        found = frozenset((leading - {"review_state", "sort_key"}) | {"_id"})  # _id: always indexed
        _LEADING[cls] = found
    return found


def _window_end(bottom: datetime, days: float) -> str | None:
    """Where a window of ``days`` after ``bottom`` ends; None (read the rest in one) past year 9999."""
    try:
        return (bottom + timedelta(days=days)).isoformat()
    except OverflowError:
        return None


def _window_start(top: datetime, days: float) -> str | None:
    """Where a window of ``days`` before ``top`` starts; None (read the rest in one) when that is
    before year 1: an old database may hold an item dated near it."""
    try:
        return (top - timedelta(days=days)).isoformat()
    except OverflowError:
        return None
