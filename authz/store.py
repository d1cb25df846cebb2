"""Role grants in MongoDB, a policy version counter, and a watcher that tells when either changed.

Each server process holds the whole policy in memory (an ``Authorizer``); ``watch`` is how the other
processes learn that an administrator granted or revoked a role, so they rebuild theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError

from authz.policy import Grant, Role

log = logging.getLogger(__name__)

META_COLLECTION = "authz_meta"

# What a server says when it cannot open a change stream at all (a standalone mongod, an old or partial
# MongoDB-compatible server): 40573 "only supported on replica sets", 40324 unknown stage, 115 command
# not supported, 20 illegal operation. Anything else is treated as transient and retried.
_NO_CHANGE_STREAMS = frozenset({20, 115, 40324, 40573})

_MAX_BACKOFF = 30.0

OnChange = Callable[[], Awaitable[None]]

_GRANT_FIELDS = {"_id": 0, "user_id": 1, "role": 1, "org_id": 1, "subtree": 1}


class _Backoff:
    def __init__(self, first: float) -> None:
        self._first = first
        self._next = first

    def reset(self) -> None:
        self._next = self._first

    def next(self) -> float:
        delay = self._next
        self._next = min(_MAX_BACKOFF, delay * 2)
        return delay


class GrantStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], collection: str = "authz_grants") -> None:
        self._grants = db[collection]
        self._meta = db[META_COLLECTION]
        # One version document per grant collection, so two stores in one database do not share it.
        self._version_id = collection

    async def ensure_indexes(self) -> None:
        await self._grants.create_index(
            [("user_id", ASCENDING), ("role", ASCENDING), ("org_id", ASCENDING)],
            unique=True,
            name="user_role_org_unique",
        )

    async def load(self) -> list[Grant]:
        grants = []
        async for doc in self._grants.find({}, _GRANT_FIELDS):
            try:
                grants.append(
                    Grant(doc["user_id"], doc["role"], doc["org_id"], bool(doc.get("subtree", True)))
                )
            except (KeyError, ValueError):
                # A role that this version no longer knows must not take the whole policy down with it.
                log.warning("skipping unreadable grant %r", doc)
        grants.sort(key=lambda g: (g.user_id, g.role, g.org_id))
        return grants

    async def add(self, grant: Grant, *, by: str | None = None) -> bool:
        doc = {
            "user_id": grant.user_id,
            "role": grant.role.value,
            "org_id": grant.org_id,
            "subtree": grant.subtree,
            "granted_by": by,
            "granted_at": datetime.now(UTC),
        }
        try:
            await self._grants.insert_one(doc)
        except DuplicateKeyError:
            return False
        await self._bump()
        return True

    async def remove(self, user_id: str, role: Role, org_id: str) -> bool:
        key = {"user_id": user_id, "role": Role(role).value, "org_id": org_id}
        result = await self._grants.delete_one(key)
        if result.deleted_count == 0:
            return False
        await self._bump()
        return True

    async def version(self) -> int:
        doc = await self._meta.find_one({"_id": self._version_id})
        return int(doc["version"]) if doc else 0

    async def _bump(self) -> int:
        # After the write, never before: a poller that sees the new number must also see the grant.
        doc = await self._meta.find_one_and_update(
            {"_id": self._version_id},
            {"$inc": {"version": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["version"]) if doc else 0

    async def watch(self, on_change: OnChange, *, poll_interval: float = 1.0) -> None:
        """Call ``on_change`` whenever grants change, until cancelled.

        ``on_change`` is also called once as soon as the watch is established (and again after every
        reconnect), because anything that changed before that moment would otherwise be missed. Bursts
        of changes are coalesced: changes made while ``on_change`` runs lead to a single further call.
        Follows a change stream on the grants collection; where the server has none, polls
        ``version()`` every ``poll_interval`` seconds. Database errors and exceptions from ``on_change``
        are logged and retried with exponential backoff (up to 30 s).
        """
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        dirty = asyncio.Event()
        notifier = asyncio.create_task(_notify(dirty, on_change, poll_interval))
        try:
            await self._feed(dirty, poll_interval)
        finally:
            notifier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await notifier

    async def _feed(self, dirty: asyncio.Event, poll_interval: float) -> None:
        backoff = _Backoff(poll_interval)
        streams = True
        while True:
            try:
                if streams:
                    await self._follow_stream(dirty, poll_interval, backoff)
                else:
                    await self._follow_version(dirty, poll_interval, backoff)
            except OperationFailure as exc:
                if streams and exc.code in _NO_CHANGE_STREAMS:
                    log.info("change streams unavailable (%s); polling the policy version instead", exc)
                    streams = False
                else:
                    await _pause(backoff, exc)
            except PyMongoError as exc:
                await _pause(backoff, exc)

    async def _follow_stream(self, dirty: asyncio.Event, poll_interval: float, backoff: _Backoff) -> None:
        loop = asyncio.get_running_loop()
        max_await_ms = max(1, int(poll_interval * 1000))
        async with await self._grants.watch(max_await_time_ms=max_await_ms) as stream:
            backoff.reset()
            dirty.set()
            while stream.alive:
                started = loop.time()
                if await stream.try_next() is not None:
                    dirty.set()
                    continue
                # An empty getMore normally waited max_await_ms on the server; one that did not must
                # not turn this into a busy loop.
                await asyncio.sleep(max(0.0, poll_interval - (loop.time() - started)))
        # The stream was invalidated (collection dropped or renamed): reopen after a pause.
        await asyncio.sleep(poll_interval)

    async def _follow_version(self, dirty: asyncio.Event, poll_interval: float, backoff: _Backoff) -> None:
        seen: int | None = None
        while True:
            current = await self.version()
            backoff.reset()
            if current != seen:
                seen = current
                dirty.set()
            await asyncio.sleep(poll_interval)


async def _pause(backoff: _Backoff, exc: PyMongoError) -> None:
    delay = backoff.next()
    log.warning("watching grants failed (%s); retrying in %.1f s", exc, delay)
    await asyncio.sleep(delay)


async def _notify(dirty: asyncio.Event, on_change: OnChange, poll_interval: float) -> None:
    backoff = _Backoff(poll_interval)
    while True:
        await dirty.wait()
        dirty.clear()
        try:
            await on_change()
        except Exception:
            delay = backoff.next()
            log.exception("reacting to a grant change failed; retrying in %.1f s", delay)
            await asyncio.sleep(delay)
            dirty.set()
        else:
            backoff.reset()
