"""The public response cache, HTTP validators, and the store of automatic persisted queries.

Anonymous GraphQL answers are the same for every reader, so the encoded response is kept and served
again without executing anything, for as long as the public generation it was computed in is current
and the next scheduled boundary (an item becoming effective or expiring) has not come
(``cms.content.public_changes``). Both stores are LRUs bounded in entries and bytes: cache-busting variables or
a flood of registered documents evict old entries, never grow memory. Concurrent misses of one key
wait for the first one's answer instead of all executing it (after a publication, every reader of the
front page would otherwise hit the database at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from graphql import DocumentNode, GraphQLError, print_ast
from pymongo.errors import PyMongoError

from cms.content.public_changes import PublicChanges

log = logging.getLogger("gongkai.cache")
V = TypeVar("V")
_ENTRY_OVERHEAD = 200  # bytes per entry beyond its body: key, object headers, bookkeeping
_LARGEST_SHARE = 8  # one answer may take at most this fraction of the byte budget


def document_hash(query: str) -> str:
    """The sha256 of a GraphQL document, as automatic persisted queries name it."""
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def etag_of(media_type: str, body: bytes) -> str:
    """A strong validator: the representation's bytes and its media type."""
    digest = hashlib.sha256(media_type.encode("ascii") + b"\n" + body).hexdigest()
    return f'"{digest[:32]}"'


_ENTITY_TAG = re.compile(r'(?:W/)?("[^"]*")')


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names the current representation (RFC 9110 §13.1.2): ``*`` matches
    any, otherwise a list of entity tags compared weakly (``W/"a"`` matches ``"a"`` and the other way
    round). Tags are taken whole, quotes included, so a comma inside one cannot split it."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag == opaque for tag in _ENTITY_TAG.findall(if_none_match))


class DocumentKeys:
    """A document's text → the sha256 of its canonical form (graphql-core's printed AST), so texts that
    differ only in whitespace, commas or comments share a response-cache entry. Remembered per text
    in a bounded LRU (at most ``max_text`` characters each): an answer served from the cache never
    parses anything. A text that does not parse keys by itself; its answer is an error, never kept."""

    def __init__(self, parse: Callable[[str], DocumentNode], *, max_entries: int, max_text: int) -> None:
        self._parse = parse
        self._max_text = max_text
        self._keys: BoundedLRU[str] = BoundedLRU(max_entries, max_entries * max_text)

    def __len__(self) -> int:
        return len(self._keys)

    def __call__(self, text: str) -> str:
        found = self._keys.get(text)
        if found is not None:
            return found
        try:
            key = document_hash(print_ast(self._parse(text)))
        except GraphQLError:
            key = document_hash(text)
        if len(text) <= self._max_text:
            self._keys.put(text, key, len(text))
        return key


class BoundedLRU(Generic[V]):
    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.evictions = 0  # entries pushed out by the limits (a metric for the response cache)
        self._items: OrderedDict[Any, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Any) -> bool:
        return key in self._items

    def get(self, key: Any) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: Any, value: V, size: int) -> bool:
        if size > self.max_bytes // _LARGEST_SHARE or self.max_entries <= 0:
            return False
        self.discard(key)
        self._items[key] = (value, size)
        self.bytes += size
        while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
            _key, (_value, evicted) = self._items.popitem(last=False)
            self.bytes -= evicted
            self.evictions += 1
        return True

    def discard(self, key: Any) -> None:
        found = self._items.pop(key, None)
        if found is not None:
            self.bytes -= found[1]

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def values(self) -> list[V]:
        return [value for value, _size in self._items.values()]


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    body: bytes
    etag: str
    version: tuple[int, int]
    expires: float  # seconds since the epoch


@dataclass(frozen=True, slots=True)
class Ticket:
    """Taken before executing: what the answer will be valid for."""

    version: tuple[int, int]
    started: datetime


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    coalesced: int = 0  # misses answered by a concurrent computation of the same key


@dataclass
class Flight:
    ticket: Ticket
    done: asyncio.Future[CachedAnswer | None]
    answer: CachedAnswer | None = None


@dataclass
class ResponseCache:
    changes: Callable[[], PublicChanges]
    max_entries: int
    max_bytes: int
    ttl_seconds: float
    stats: CacheStats = field(default_factory=CacheStats)

    def __post_init__(self) -> None:
        self.entries: BoundedLRU[CachedAnswer] = BoundedLRU(self.max_entries, self.max_bytes)
        self._flights: dict[bytes, Flight] = {}

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def size_bytes(self) -> int:
        return self.entries.bytes

    @staticmethod
    def key(
        *,
        document: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        media_type: str,
        base_url: str,
    ) -> bytes:
        """``document`` is the sha256 of the document's canonical form (``DocumentKeys``), so a
        persisted query, the same text sent in full and its whitespace, comma and comment variants
        share an entry. ``base_url`` is part of the answer (attachment links)."""
        canonical = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
        parts = [document.encode(), canonical, (operation_name or "").encode(), media_type.encode()]
        return hashlib.sha256(b"\x00".join([*parts, base_url.encode()])).digest()

    def get(self, key: bytes) -> CachedAnswer | None:
        answer = self.entries.get(key)
        if answer is not None and self._valid(answer):
            self.stats.hits += 1
            return answer
        return None

    async def lookup(self, key: bytes) -> CachedAnswer | None:
        """A valid cached answer, or the answer a concurrent request is computing right now."""
        answer = self.get(key)
        if answer is not None:
            return answer
        flight = self._flights.get(key)
        if flight is not None and flight.ticket.version == self.changes().version:
            answer = await asyncio.shield(flight.done)
            if answer is not None and self._valid(answer):
                self.stats.coalesced += 1
                return answer
        self.stats.misses += 1
        return None

    @contextlib.asynccontextmanager
    async def computing(self, key: bytes) -> AsyncIterator[Flight]:
        """Mark ``key`` as being computed; set ``flight.answer`` (see ``store``) for the waiters."""
        changes = self.changes()
        flight = Flight(Ticket(changes.version, changes.clock()), asyncio.get_running_loop().create_future())
        self._flights[key] = flight
        try:
            yield flight
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
            flight.done.set_result(flight.answer)

    async def store(self, key: bytes, ticket: Ticket, body: bytes, media_type: str) -> CachedAnswer | None:
        """Keep an answer computed under ``ticket``, unless the public view has moved on since."""
        changes = self.changes()
        if changes.version != ticket.version:
            return None
        try:
            boundary = await changes.next_boundary(ticket.started)
        except PyMongoError:  # the answer is still good to send; it is just not kept
            log.warning("could not read the next scheduled boundary; answer not cached", exc_info=True)
            return None
        if changes.version != ticket.version:
            return None
        expires = ticket.started.timestamp() + self.ttl_seconds
        if boundary is not None:
            expires = min(expires, boundary.timestamp())
        if expires <= self.now():
            return None
        answer = CachedAnswer(body, etag_of(media_type, body), ticket.version, expires)
        if self.entries.put(key, answer, len(body) + _ENTRY_OVERHEAD):
            self.stats.stores += 1
        return answer

    def clear(self) -> None:
        self.entries.clear()

    def now(self) -> float:
        """Seconds since the epoch by the public change feed's clock, which schedules are judged by
        (injectable: tests step it instead of waiting)."""
        return self.changes().clock().timestamp()

    def _valid(self, answer: CachedAnswer) -> bool:
        return answer.version == self.changes().version and self.now() < answer.expires


class PersistedQueries:
    """Documents registered by automatic persisted queries, by sha256, in this process only.

    Not shared through MongoDB on purpose: anyone may register a document, and a shared store would let
    anonymous clients write to the database. A client that reaches another process simply gets one
    ``PERSISTED_QUERY_NOT_FOUND`` and registers there too, as the protocol intends.
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self._documents: BoundedLRU[str] = BoundedLRU(max_entries, max_bytes)

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, sha256: str) -> str | None:
        return self._documents.get(sha256)

    def put(self, sha256: str, query: str) -> None:
        self._documents.put(sha256, query, len(query.encode("utf-8")) + _ENTRY_OVERHEAD)
