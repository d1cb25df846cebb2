"""A named lease in MongoDB with a fencing token.

One document per lease (collection ``leases``): ``holder`` (a node id), ``token`` (raised by one at
every change of holder) and ``expires``. A node takes a lease that is missing or expired, renews it
while it works, and releases it when it stops; a node killed mid-job stops renewing, so another takes
the lease over once ``expires`` has passed — within the lease's duration. The token fences a holder
that was paused past its expiry (a long GC, a frozen VM) and then wakes up: every write it makes under
the lease first checks, in the same transaction, that the token is still the current one
(:meth:`Lease.fence`), and is refused (:class:`LeaseLost`) if another node has taken over meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

LEASES = "leases"
_EXPIRED = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class LeaseLost(RuntimeError):
    """Another node holds the lease now: the work done under the old token must stop."""


def node_id() -> str:
    """This process, readable in the lease document: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Held:
    """A lease as held by this node: the fencing token identifies this tenure."""

    name: str
    token: int
    expires: datetime


class Lease:
    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        name: str,
        *,
        node: str,
        duration: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.collection = db[LEASES]
        self.name = name
        self.node = node
        self.duration = duration
        self.clock = clock
        self.held: Held | None = None

    async def acquire(self) -> Held | None:
        """Renew the lease if this node holds it, else take it if it is free or expired (a new token).
        None: another node holds it."""
        if self.held is not None and await self.renew():
            return self.held
        now = self.clock()
        try:
            doc = await self.collection.find_one_and_update(
                {"_id": self.name, "expires": {"$lte": now}},
                {"$set": {"holder": self.node, "expires": now + self.duration}, "$inc": {"token": 1}},
                upsert=True,  # the first lease of a database; a live one makes the insert collide
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return None
        if doc is None:  # a racing node's insert won (the embedded server may say so without an error)
            return None
        self.held = Held(self.name, int(doc["token"]), doc["expires"])
        return self.held

    async def renew(self) -> bool:
        """Extend this node's tenure; False (and no longer held) when another node has taken over."""
        if self.held is None:
            return False
        expires = self.clock() + self.duration
        result = await self.collection.update_one(self._mine(), {"$set": {"expires": expires}})
        if result.matched_count != 1:
            self.held = None
            return False
        self.held = Held(self.name, self.held.token, expires)
        return True

    async def release(self) -> None:
        """Let another node take over at once (a stopping node; a migration run that is over)."""
        if self.held is not None:
            await self.collection.update_one(self._mine(), {"$set": {"expires": _EXPIRED}})
            self.held = None

    def forget(self) -> None:
        """This node saw a newer token (a record written by a later tenure): it holds the lease no
        more, whatever its own renewals said (it does not release: the lease is another's)."""
        self.held = None

    async def fence(self, token: int, session: AsyncClientSession | None = None) -> None:
        """Refuse a write made under ``token`` once another node holds the lease: call it inside the
        write's transaction, so the check and the write commit together or not at all."""
        # A write, not a read: a takeover committed meanwhile then conflicts with the transaction
        # instead of slipping past a snapshot read.
        result = await self.collection.update_one(
            {"_id": self.name, "token": token}, {"$set": {"fenced": self.clock()}}, session=session
        )
        if result.matched_count != 1:
            raise LeaseLost(f"lease {self.name!r}: token {token} is no longer current")

    def _mine(self) -> dict[str, Any]:
        assert self.held is not None
        return {"_id": self.name, "holder": self.node, "token": self.held.token}


async def renewing(lease: Lease, work: Awaitable[T], sleep: Sleep) -> T:
    """Await ``work`` while renewing the lease a third of its duration apart; cancel the work and
    raise :class:`LeaseLost` once the lease is lost (this node stalled and another took over)."""
    task = asyncio.ensure_future(work)
    lost = False

    async def heartbeat() -> None:
        nonlocal lost
        while not task.done():
            await sleep(lease.duration.total_seconds() / 3)
            if not await lease.renew():
                lost = True
                task.cancel()
                return

    beat = asyncio.create_task(heartbeat())
    try:
        return await task
    except asyncio.CancelledError:
        if lost:
            raise LeaseLost(f"lease {lease.name!r} was taken over") from None
        raise
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
