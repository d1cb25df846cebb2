"""Periodic work on exactly one node: the holder of the ``jobs`` lease runs every job that is due.

Each node runs a :class:`JobRunner`; every ``tick`` it takes or renews the lease, and the holder runs
the jobs whose interval has passed since their last run. When each job last ran is kept in the
database (collection ``jobs``: ``finished`` and the ``token`` of the tenure that ran it), so a node that
takes over does not start everything again at once. While a job runs, a heartbeat renews the lease; if
renewal fails (another node took over after this one stalled) the job is cancelled. A node killed
mid-job stops renewing: another takes over once the lease has expired, so a job is resumed within
``lease duration + tick``.

Fencing. A node may stall past its lease (a long GC, a frozen VM) with its heartbeat asleep, so its job
can still finish after another node took over — and even after that node ran the job and recorded it.
The runner's own record is therefore written only when its token is not older than the one recorded
(a compare-and-set on ``token``): the stalled node's late record is refused, the newer holder's stands,
and the stalled node stops counting itself the holder.

A job's own writes use the token it is given (``Job.run(token)``) in one of two ways:

- a write that must not happen after a takeover calls :meth:`cms.jobs.lease.Lease.fence` with the
  token inside the write's transaction (as the migrations' records do): the write and the check commit
  together, or ``LeaseLost`` aborts both;
- a document that records the job's progress carries the token and is updated only on the condition
  ``{"token": {"$not": {"$gt": token}}}`` (as the runner's record here): no transaction needed.

Jobs that are idempotent (each run recomputes from the data, as the upkeep jobs do) need neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from cms.jobs.lease import Lease, LeaseLost, Sleep, renewing

log = logging.getLogger("gongkai.jobs")

JOBS = "jobs"
JOB_LEASE = "jobs"


@dataclass(frozen=True)
class Job:
    name: str
    interval: timedelta
    run: Callable[[int], Awaitable[object]]  # given the fencing token; returns something to log
    at_start: bool = True  # False: a database's first run waits one interval (as a cron job would)


class JobRunner:
    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        jobs: Sequence[Job],
        *,
        node: str,
        lease_duration: timedelta,
        tick: timedelta,
        clock: Callable[[], datetime],
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.lease = Lease(db, JOB_LEASE, node=node, duration=lease_duration, clock=clock)
        self.runs = db[JOBS]
        self.jobs = list(jobs)
        self.tick_seconds = tick.total_seconds()
        self.clock = clock
        self.sleep = sleep
        self._loop: asyncio.Task[None] | None = None
        self._ticked = asyncio.Event()  # set once the first tick is over (see settled)
        # Told True when a job starts and False when it ends (readiness watches for stuck jobs).
        self.watchers: list[Callable[[bool], object]] = []
        # Told (job name, "ok" | "failed", seconds) when a job has run (metrics).
        self.finished: list[Callable[[str, str, float], object]] = []

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The loop that ticks (None before start)."""
        return self._loop

    @property
    def holding(self) -> bool:
        return self.lease.held is not None

    def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self._run_forever())

    async def stop(self) -> None:
        """Stop this node's jobs and let another node take the lease at once."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        with contextlib.suppress(Exception):  # the database may be gone: the lease then expires
            await self.lease.release()

    async def settled(self) -> None:
        """Wait for the first tick after ``start`` (its jobs included): for tests that must not race it."""
        if self._loop is not None and not self._loop.done():
            await self._ticked.wait()

    async def _run_forever(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the database may be briefly away: try again at the next tick
                log.exception("job runner tick failed")
            self._ticked.set()
            await self.sleep(self.tick_seconds)

    async def tick(self) -> list[str]:
        """Take or renew the lease and, as its holder, run the jobs that are due. Returns the names of
        those that ran to the end (or failed) under the lease."""
        held = await self.lease.acquire()
        if held is None:
            return []
        ran = []
        for job in self.jobs:
            if self.lease.held is None or not await self._due(job):
                continue
            if await self._run(job, held.token):
                ran.append(job.name)
        return ran

    async def _due(self, job: Job) -> bool:
        last = await self.runs.find_one({"_id": job.name}, {"finished": 1})
        if last is None and not job.at_start:
            await self.runs.update_one(
                {"_id": job.name}, {"$setOnInsert": {"finished": self.clock()}}, upsert=True
            )
            return False
        return last is None or last["finished"] + job.interval <= self.clock()

    async def _run(self, job: Job, token: int) -> bool:
        """Run the job and record its run; False when the lease was lost meanwhile (not recorded)."""
        for watcher in self.watchers:
            watcher(True)
        started, outcome = time.perf_counter(), "failed"
        try:
            log.info("job %s: %s", job.name, await renewing(self.lease, job.run(token), self.sleep))
            outcome = "ok"
        except LeaseLost:
            log.warning("job %s stopped: the lease was taken over", job.name)
            return False
        except Exception:  # retried at its next interval
            log.exception("job %s failed", job.name)
        finally:
            for watcher in self.watchers:
                watcher(False)
            for listener in self.finished:
                listener(job.name, outcome, time.perf_counter() - started)
        if not await self._record(job, token):
            log.warning("job %s: its run is not recorded, a node with a newer token did", job.name)
            self.lease.forget()  # a newer token exists: this node's tenure is over
            return False
        return True

    async def _record(self, job: Job, token: int) -> bool:
        """Record the job's run, unless a newer tenure has recorded one (False: refused)."""
        try:
            result = await self.runs.update_one(
                {"_id": job.name, "token": {"$not": {"$gt": token}}},  # a missing token is older
                {"$set": {"finished": self.clock(), "token": token}},
                upsert=True,  # the first run; a newer record makes the insert collide on _id
            )
        except DuplicateKeyError:
            return False
        return result.matched_count == 1 or result.upserted_id is not None
