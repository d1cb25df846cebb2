"""The review register (审查登记备案): every review decision filed, append-only and hash-chained.

Each organization has its own chain. Record ``seq`` n of an organization carries ``prev_hash`` = the
``hash`` of its record n-1 (``"0" * 64`` for seq 1), and ``hash`` = SHA-256 (hex) of the canonical JSON
of every stored field except ``_id`` and ``hash`` (see ``canonical_json``). ``verify`` walks a chain and
finds the first record that was changed, removed, re-hashed or re-typed behind the service's back.

What the chain cannot show by itself: removing the *newest* records of an organization leaves a shorter
but intact chain. Anchor the head (``VerifyResult.head_hash``, e.g. in each exported CSV filed on paper
or in a higher-level organization's register) to detect that.

Concurrency: appenders race for the unique index ``(org_id, seq)``; the loser re-reads the head and
retries. Appends of one process to one organization are serialized by a lock first, so collisions only
happen between processes. Inside a caller's transaction nothing is retried: the conflict (a duplicate
key, or a ``TransientTransactionError`` write conflict) goes to the caller's transaction retry logic.

The hot path (``append_held``, used by the review workflow) runs inside a transaction whose caller holds
the organization's lock (``lock``) from just before the append until the transaction has ended, and
builds on the head this process last committed (``committed``) without reading it: the unique index
still decides, so a head another process moved on meanwhile ends in ``StaleHead`` (the cached head is
dropped; the caller retries the whole transaction, which then reads the head). Only the append and the
commit are serialized; whatever the transaction wrote before (the item) is not.
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import json
import math
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from beanie import PydanticObjectId, SortDirection
from bson import ObjectId
from pydantic import BaseModel
from pymongo import DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError

from cms.errors import Conflict, InvalidInput, PageSizeExceeded
from cms.review.register_csv import CSV_HEADER, RECORD_ACTION_LABELS, csv_of
from storage.documents import utcnow
from storage.register import ConfidentialityFindings, RegisterRecord

GENESIS_HASH = "0" * 64
MAX_APPEND_ATTEMPTS = 50
MAX_LIST_LIMIT = 1000
_HASH_EXCLUDED = frozenset({"_id", "id", "hash", "revision_id"})
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class RegisterEntry:
    """What a caller files; the service adds ``seq``, ``at``, ``prev_hash`` and ``hash``."""

    org_id: ObjectId
    item_id: ObjectId
    item_type: str
    item_title: str
    item_version: int
    action: str
    from_state: str
    to_state: str
    actor_id: str
    actor_name: str
    tier: str | None = None
    actor_roles: tuple[str, ...] = ()
    opinion: str = ""
    findings: ConfidentialityFindings | None = None
    # JSON-like values only (str, int, float, bool, None, datetime, ObjectId, lists, str-keyed maps):
    # exactly what survives a round trip through MongoDB, so the hash stays verifiable.
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Head:
    """The newest record of a chain: what the next record links to."""

    seq: int
    hash: str
    at: datetime


class StaleHead(Exception):
    """``append_held`` found the cached head overtaken (another process appended): retry the transaction."""


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int  # records examined, including the first bad one
    first_bad_seq: int | None
    reason: str = ""
    head_hash: str | None = None  # hash of the last good record: anchor it to detect a truncated tail


# -- canonical form and hash ------------------------------------------------------------------------


def to_stored_instant(value: datetime) -> datetime:
    """The instant as MongoDB will give it back: UTC, milliseconds (naive values are taken as UTC)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.replace(microsecond=aware.microsecond // 1000 * 1000)


def _iso_ms(value: datetime) -> str:
    v = to_stored_instant(value)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
        f".{v.microsecond // 1000:03d}Z"
    )


def _canonical_value(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # plain str for str subclasses (StrEnum)
    if isinstance(value, int):
        return int(value)  # bson.Int64 and IntEnum as plain int
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        return _iso_ms(value)
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, BaseModel):
        return _canonical_value(value.model_dump())
    if isinstance(value, Mapping):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def canonical_json(fields: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 text (no ASCII escapes), datetimes as
    ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC, milliseconds), ObjectIds as 24-digit hex, None as null, nested
    findings as an object, floats as Python's shortest repr (NaN and infinities are refused)."""
    return json.dumps(
        _canonical_value(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def record_hash(record: RegisterRecord | Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of every field except ``id``/``_id`` and ``hash``.

    Takes a ``RegisterRecord`` or a raw document as stored (for auditors reading the collection
    directly: a field added to a raw document behind the service's back changes the hash)."""
    if isinstance(record, RegisterRecord):
        fields: Mapping[str, Any] = record.model_dump(exclude=set(_HASH_EXCLUDED))
    else:
        fields = {k: v for k, v in record.items() if k not in _HASH_EXCLUDED}
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def _normalize_detail(value: Any, path: str) -> Any:
    """Details as they will come back from the database (tuples become lists, datetimes lose their
    microseconds): hashing the normalized value is what keeps read-back records verifiable."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise InvalidInput(f"登记附加信息 {path} 的整数超出范围。", field=path)
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"登记附加信息 {path} 不能是 NaN 或无穷大。", field=path)
        return value
    if isinstance(value, datetime):
        return to_stored_instant(value)
    if isinstance(value, ObjectId):
        return ObjectId(str(value))
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidInput(f"登记附加信息 {path} 的键必须是字符串。", field=path)
            out[str(k)] = _normalize_detail(v, f"{path}.{k}")
        return out
    if isinstance(value, list | tuple):
        return [_normalize_detail(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise InvalidInput(f"登记附加信息 {path} 的类型 {type(value).__name__} 不受支持。", field=path)


_EXPECTED_TYPES: dict[str, tuple[type, ...]] = {
    "org_id": (ObjectId,),
    "seq": (int,),
    "item_id": (ObjectId,),
    "item_type": (str,),
    "item_title": (str,),
    "item_version": (int,),
    "action": (str,),
    "tier": (str, type(None)),
    "from_state": (str,),
    "to_state": (str,),
    "actor_id": (str,),
    "actor_name": (str,),
    "actor_roles": (list,),
    "at": (datetime,),
    "opinion": (str,),
    "findings": (dict, type(None)),
    "details": (dict,),
    "prev_hash": (str,),
    "hash": (str,),
}


def _shape_problem(doc: Mapping[str, Any]) -> str:
    """The canonical form writes an ObjectId and its hex string alike; the types are checked here."""
    for name, types in _EXPECTED_TYPES.items():
        if name not in doc:
            return f"缺少字段 {name}"
        value = doc[name]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            return f"字段 {name} 的类型不正确"
    if not all(isinstance(role, str) for role in doc["actor_roles"]):
        return "字段 actor_roles 的类型不正确"
    return ""


# -- the service ------------------------------------------------------------------------------------


class RegisterService:
    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.clock = clock
        self.collisions = 0  # appends that lost the race for a seq and retried (a metric)
        self._locks: defaultdict[ObjectId, asyncio.Lock] = defaultdict(asyncio.Lock)
        # The newest committed record seen per organization. Its seq keeps the head lookup to an index
        # range scan (the embedded server reads every record of the org for an unbounded sort+limit);
        # ``append_held`` builds on it directly. A hint only: the unique index decides, so a stale value
        # costs a retry, never a wrong seq or a fork.
        self._heads: dict[ObjectId, Head] = {}

    # -- writes -------------------------------------------------------------------------------

    async def append(
        self, entry: RegisterEntry, *, session: AsyncClientSession | None = None
    ) -> RegisterRecord:
        """File one record at the end of the organization's chain.

        With ``session`` (a caller's transaction) the read and the insert run in it and a conflict is
        re-raised for the caller's transaction retry; the head hint is left alone since the
        transaction may still abort."""
        org_id = ObjectId(str(entry.org_id))
        details = _normalize_detail(dict(entry.details), "details")
        if session is not None:
            previous = await self._latest(org_id, session)
            record = self._build(entry, org_id, details, previous)
            await _insert(record, session)
            return record
        async with self._locks[org_id]:
            last_error: DuplicateKeyError | None = None
            for attempt in range(MAX_APPEND_ATTEMPTS):
                previous = await self._latest(org_id, None)
                record = self._build(entry, org_id, details, previous)
                try:
                    await _insert(record, None)
                except DuplicateKeyError as exc:
                    last_error = exc
                    self.collisions += 1
                    # Another process took this seq: back off a little (jittered, growing) and re-read.
                    await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311
                    continue
                self.committed(record)
                return record
        raise Conflict("审查登记并发写入冲突过多，请稍后重试。", org_id=str(org_id)) from last_error

    def lock(self, org_id: ObjectId) -> asyncio.Lock:
        """Serializes this process's appends to one organization's chain (hold it through the commit)."""
        return self._locks[ObjectId(str(org_id))]

    async def append_held(
        self, entry: RegisterEntry, session: AsyncClientSession, *, after: RegisterRecord | None = None
    ) -> RegisterRecord:
        """Append inside ``session``'s transaction while the caller holds ``lock(entry.org_id)`` and keeps
        holding it until the transaction has ended; call ``committed`` with the record after the commit.

        Builds on the head this process last committed, without reading it (the transaction's snapshot
        may predate that commit anyway), or on ``after``, a record of the same chain appended earlier
        in this very transaction (one transaction may file several records of one organization).
        Raises ``StaleHead`` when the unique index says the head has moved on (another process
        appended, or nothing is cached and the read was overtaken): retry the transaction; the next
        attempt reads the head."""
        org_id = ObjectId(str(entry.org_id))
        details = _normalize_detail(dict(entry.details), "details")
        record = self._build(entry, org_id, details, await self._previous(org_id, session, after))
        try:
            await _insert(record, session)
        except DuplicateKeyError as exc:
            self._heads.pop(org_id, None)
            self.collisions += 1
            raise StaleHead(str(org_id)) from exc
        return record

    async def _previous(
        self, org_id: ObjectId, session: AsyncClientSession, after: RegisterRecord | None
    ) -> Mapping[str, Any] | None:
        """What the next record of the chain builds on (see ``append_held``)."""
        if after is not None:
            return {"seq": after.seq, "hash": after.hash, "at": after.at}
        head = self._heads.get(org_id)
        if head is None:
            return await self._latest(org_id, session)
        return {"seq": head.seq, "hash": head.hash, "at": head.at}

    async def append_many_held(
        self,
        entries: builtins.list[RegisterEntry],
        session: AsyncClientSession,
        *,
        after: RegisterRecord | None = None,
    ) -> builtins.list[RegisterRecord]:
        """``append_held`` for many records of one chain (an import files a batch of records at once):
        the chain is built here, then stored in one ``insert_many``; the unique index still decides."""
        org_id = ObjectId(str(entries[0].org_id))
        previous = await self._previous(org_id, session, after)
        records: builtins.list[RegisterRecord] = []
        for entry in entries:
            record = self._build(entry, org_id, _normalize_detail(dict(entry.details), "details"), previous)
            records.append(record)
            previous = {"seq": record.seq, "hash": record.hash, "at": record.at}
        documents = [r.model_dump(by_alias=True, exclude={"id", "revision_id"}) for r in records]
        try:
            result = await RegisterRecord.get_pymongo_collection().insert_many(documents, session=session)
        except BulkWriteError as exc:
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
            self._heads.pop(org_id, None)
            self.collisions += 1
            raise StaleHead(str(org_id)) from exc
        for record, inserted in zip(records, result.inserted_ids, strict=True):
            record.id = PydanticObjectId(inserted)
        return records

    def committed(self, record: RegisterRecord) -> None:
        """Note a committed record as its chain's head (ignored if an older one than what is known)."""
        org_id = ObjectId(str(record.org_id))
        known = self._heads.get(org_id)
        if known is None or record.seq > known.seq:
            self._heads[org_id] = Head(record.seq, record.hash, to_stored_instant(record.at))

    def forget(self, org_id: ObjectId) -> None:
        """Drop the cached head of a chain (e.g. after a transaction whose outcome is unknown)."""
        self._heads.pop(ObjectId(str(org_id)), None)

    def _build(
        self,
        entry: RegisterEntry,
        org_id: ObjectId,
        details: dict[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> RegisterRecord:
        at = to_stored_instant(self.clock())
        if previous is not None:
            at = max(at, to_stored_instant(previous["at"]))  # never earlier than its predecessor
        findings = (
            ConfidentialityFindings.model_validate(entry.findings.model_dump())
            if entry.findings is not None
            else None
        )
        record = RegisterRecord(
            org_id=org_id,
            seq=int(previous["seq"]) + 1 if previous is not None else 1,
            item_id=ObjectId(str(entry.item_id)),
            item_type=str(entry.item_type),
            item_title=str(entry.item_title),
            item_version=int(entry.item_version),
            action=str(entry.action),
            tier=str(entry.tier) if entry.tier is not None else None,
            from_state=str(entry.from_state),
            to_state=str(entry.to_state),
            actor_id=str(entry.actor_id),
            actor_name=str(entry.actor_name),
            actor_roles=[str(role) for role in entry.actor_roles],
            at=at,
            opinion=str(entry.opinion),
            findings=findings,
            details=details,
            prev_hash=str(previous["hash"]) if previous is not None else GENESIS_HASH,
            hash="",
        )
        record.hash = record_hash(record)
        return record

    async def _latest(self, org_id: ObjectId, session: AsyncClientSession | None) -> Mapping[str, Any] | None:
        collection = RegisterRecord.get_pymongo_collection()
        projection = {"seq": 1, "hash": 1, "at": 1}
        newest = [("seq", DESCENDING)]
        hint = self._heads.get(org_id)
        doc: Mapping[str, Any] | None = None
        if hint is not None:
            doc = await collection.find_one(
                {"org_id": org_id, "seq": {"$gte": hint.seq}}, projection, sort=newest, session=session
            )
        if doc is None:
            doc = await collection.find_one({"org_id": org_id}, projection, sort=newest, session=session)
        if doc is not None and session is None:
            self._remember(org_id, doc)
        return doc

    def _remember(self, org_id: ObjectId, doc: Mapping[str, Any]) -> None:
        known = self._heads.get(org_id)
        if known is None or int(doc["seq"]) > known.seq:
            self._heads[org_id] = Head(int(doc["seq"]), str(doc["hash"]), to_stored_instant(doc["at"]))

    # -- reads --------------------------------------------------------------------------------

    async def history(self, item_id: ObjectId) -> builtins.list[RegisterRecord]:
        """Every record about one item, oldest first."""
        found = (
            await RegisterRecord.find({"item_id": item_id}).sort([("seq", SortDirection.ASCENDING)]).to_list()
        )
        found.sort(key=lambda r: (r.at, r.seq))  # one org in practice; time first should it ever span two
        return found

    async def list(
        self,
        org_id: ObjectId,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        before_seq: int | None = None,
    ) -> builtins.list[RegisterRecord]:
        """Newest first. ``since`` is inclusive and ``until`` exclusive; page on with
        ``before_seq`` = the last seq of the previous page, until a page comes back empty."""
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise PageSizeExceeded(f"每页条数应在 1 到 {MAX_LIST_LIMIT} 之间。", limit=MAX_LIST_LIMIT)
        newest = [("seq", SortDirection.DESCENDING)]
        if since is None and until is None:
            return await self._list_window(org_id, limit, before_seq)
        query: dict[str, Any] = {"org_id": org_id, "at": _time_range(since, until)}
        if before_seq is not None:
            query["seq"] = {"$lt": before_seq}
        return await RegisterRecord.find(query).sort(newest).limit(limit).to_list()

    async def _list_window(
        self, org_id: ObjectId, limit: int, before_seq: int | None
    ) -> builtins.list[RegisterRecord]:
        # Seqs are contiguous, so the page is the seq window just below the bound: a bounded index range
        # (the embedded server would otherwise read the whole chain to sort it). Should records be
        # missing (tampering), the rest of the page is filled by the plain query, so results stay exact.
        newest = [("seq", SortDirection.DESCENDING)]
        if before_seq is None:
            latest = await self._latest(org_id, None)
            if latest is None:
                return []
            top = int(latest["seq"])
        else:
            top = before_seq - 1
        if top < 1:
            return []
        low = max(1, top - limit + 1)
        found = (
            await RegisterRecord.find({"org_id": org_id, "seq": {"$gte": low, "$lte": top}})
            .sort(newest)
            .to_list()
        )
        if len(found) < limit and low > 1:
            found += (
                await RegisterRecord.find({"org_id": org_id, "seq": {"$lt": low}})
                .sort(newest)
                .limit(limit - len(found))
                .to_list()
            )
        return found

    async def verify(self, org_id: ObjectId) -> VerifyResult:
        """Walk the whole chain from seq 1 on the raw stored documents: contiguous seqs, field types,
        ``prev_hash`` links and recomputed hashes. Stops at the first bad record."""
        collection = RegisterRecord.get_pymongo_collection()
        cursor = collection.find({"org_id": org_id}).sort("seq", 1)
        expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
        async for doc in cursor:
            checked += 1
            problem = _shape_problem(doc)
            seq = doc.get("seq")
            if problem:
                bad = seq if isinstance(seq, int) and not isinstance(seq, bool) else expected_seq
                return _bad(checked, bad, f"序号 {bad} 的记录{problem}", prev_hash)
            if seq != expected_seq:
                if seq > expected_seq:
                    missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
                    reason = f"缺少序号 {missing} 的记录"
                    return _bad(checked, expected_seq, reason, prev_hash)
                return _bad(checked, seq, f"序号 {seq} 重复", prev_hash)
            if doc["prev_hash"] != prev_hash:
                return _bad(checked, seq, f"序号 {seq} 的前一记录哈希与上一条记录不符", prev_hash)
            try:
                recomputed = record_hash(doc)
            except (TypeError, ValueError):
                return _bad(checked, seq, f"序号 {seq} 的记录含有无法校验的内容", prev_hash)
            if recomputed != doc["hash"]:
                return _bad(checked, seq, f"序号 {seq} 的记录内容与其哈希不符", prev_hash)
            prev_hash = doc["hash"]
            expected_seq += 1
        head = prev_hash if checked else None
        return VerifyResult(ok=True, checked=checked, first_bad_seq=None, head_hash=head)

    async def export_csv(
        self, org_id: ObjectId, *, since: datetime | None = None, until: datetime | None = None
    ) -> str:
        """The register as a CSV file for filing, oldest first (cms.review.register_csv)."""
        return await csv_of(self._iter_range(org_id, since, until))

    async def _iter_range(
        self, org_id: ObjectId, since: datetime | None, until: datetime | None
    ) -> AsyncIterator[RegisterRecord]:
        query: dict[str, Any] = {"org_id": org_id}
        if since is not None or until is not None:
            query["at"] = _time_range(since, until)
        async for record in RegisterRecord.find(query).sort([("seq", SortDirection.ASCENDING)]):
            yield record


async def _insert(record: RegisterRecord, session: AsyncClientSession | None) -> None:
    """Store exactly the form that was hashed (``model_dump``: findings leave out unset optional
    fields), so the stored document re-hashes to the record's hash."""
    document = record.model_dump(by_alias=True, exclude={"id", "revision_id"})
    result = await RegisterRecord.get_pymongo_collection().insert_one(document, session=session)
    record.id = PydanticObjectId(result.inserted_id)


def _bad(checked: int, seq: int, reason: str, head: str) -> VerifyResult:
    return VerifyResult(
        ok=False,
        checked=checked,
        first_bad_seq=seq,
        reason=reason,
        head_hash=head if head != GENESIS_HASH else None,
    )


def _time_range(since: datetime | None, until: datetime | None) -> dict[str, datetime]:
    bounds: dict[str, datetime] = {}
    if since is not None:
        bounds["$gte"] = since
    if until is not None:
        bounds["$lt"] = until
    return bounds


# CSV_HEADER: importable from here, where the export's callers have always found it.
__all__ = [
    "CSV_HEADER",
    "GENESIS_HASH",
    "RECORD_ACTION_LABELS",
    "Head",
    "RegisterEntry",
    "RegisterService",
    "StaleHead",
    "VerifyResult",
    "canonical_json",
    "record_hash",
    "to_stored_instant",
]
