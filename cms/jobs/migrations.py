"""Versioned, forward-only migrations of the data and its indexes, in one place.

Each migration has a version (ascending, never reused) and is recorded in the collection
``migrations`` once it has run. At start-up every node calls :meth:`Migrations.run` before serving:
under the ``migrations`` lease, the holder runs what is not recorded yet in version order, recording
each (with the fencing token checked in the same transaction) before the next; the other nodes wait
until all are recorded. A migration that fails is not recorded: start-up stops with its error, and the
next start (of any node) runs it again, so each must be safe to run again after a partial run.
The index migrations run before Beanie creates the current indexes (a replaced index may share its key
pattern); the data migrations after the services are built.

A lease of its own rather than the periodic jobs' one: a node of a new version can migrate while an
old node keeps holding the jobs during a rolling upgrade.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from cms.jobs.lease import Lease, Sleep, renewing

log = logging.getLogger("gongkai.migrations")

MIGRATIONS = "migrations"
MIGRATION_LEASE = "migrations"


class Phase(enum.StrEnum):
    INDEXES = "indexes"  # before the current indexes are created
    DATA = "data"  # after the services are built, before serving


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    phase: Phase
    apply: Callable[[], Awaitable[object]]  # returns something to log


class Migrations:
    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        migrations: Sequence[Migration],
        *,
        node: str,
        lease_duration: timedelta,
        poll: timedelta,
        clock: Callable[[], datetime],
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        versions = [m.version for m in migrations]
        if versions != sorted(set(versions)):
            raise ValueError(f"migration versions must ascend without repeats: {versions}")
        self.db = db
        self.records = db[MIGRATIONS]
        self.migrations = list(migrations)
        self.lease = Lease(db, MIGRATION_LEASE, node=node, duration=lease_duration, clock=clock)
        self.poll_seconds = poll.total_seconds()
        self.clock = clock
        self.sleep = sleep

    async def pending(self, phase: Phase) -> list[Migration]:
        done = {d["_id"] for d in await self.records.find({}, {"_id": 1}).to_list()}
        return [m for m in self.migrations if m.phase is phase and m.version not in done]

    async def run(self, phase: Phase) -> list[int]:
        """Bring the database to this version's ``phase``: run what is missing here, or wait for the
        node that holds the lease to. Returns the versions this node ran."""
        while await self.pending(phase):
            held = await self.lease.acquire()
            if held is None:  # another node migrates: bounded by its lease if it dies meanwhile
                await self.sleep(self.poll_seconds)
                continue
            try:
                return await self._apply(phase, held.token)
            finally:
                await self.lease.release()
        return []

    async def _apply(self, phase: Phase, token: int) -> list[int]:
        ran = []
        for migration in await self.pending(phase):  # read again: another node may have run some
            result = await renewing(self.lease, migration.apply(), self.sleep)
            await self._record(migration, token, result)
            log.info("migration %d %s: %s", migration.version, migration.name, result)
            ran.append(migration.version)
        return ran

    async def _record(self, migration: Migration, token: int, result: object) -> None:
        record = {
            "_id": migration.version,
            "name": migration.name,
            "at": self.clock(),
            "node": self.lease.node,
            "token": token,
            "result": str(result)[:200],
        }

        async def write(session: AsyncClientSession) -> None:
            await self.lease.fence(token, session)  # a node that lost the lease records nothing
            await self.records.insert_one(record, session=session)

        async with self.db.client.start_session() as session:
            await session.with_transaction(write)
