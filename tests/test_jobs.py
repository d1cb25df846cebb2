"""One job runner: periodic work and migrations run on one node at a time, under a lease in MongoDB
with fencing tokens; a killed holder is taken over once its lease has expired."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta

import pytest

from cms.jobs.lease import LEASES, Lease, LeaseLost
from cms.jobs.migrations import MIGRATIONS, Migration, Migrations, Phase
from cms.jobs.runner import Job, JobRunner
from tests.conftest import SteppedClock

LEASE = timedelta(seconds=60)
TICK = timedelta(seconds=10)


@pytest.fixture
async def db(services):
    """A database of the test's own, on the shared server: its leases are nobody else's."""
    name = f"gongkai_jobs_{uuid.uuid4().hex[:10]}"
    yield services.client[name]
    await services.client.drop_database(name)


async def killed(_: float) -> None:
    """The sleep of a node that was killed: it never wakes up to renew its lease."""
    await asyncio.Event().wait()


async def passing(_: float) -> None:
    await asyncio.sleep(0)


class Counting:
    """A job body that counts its runs and, when told to, blocks until released."""

    def __init__(self, *, block: bool = False) -> None:
        self.runs: list[int] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        if not block:
            self.release.set()

    async def __call__(self, token: int) -> str:
        self.runs.append(token)
        self.started.set()
        await self.release.wait()
        return "done"


def runner(db, node: str, clock: SteppedClock, jobs: list[Job], sleep=passing) -> JobRunner:
    return JobRunner(db, jobs, node=node, lease_duration=LEASE, tick=TICK, clock=clock, sleep=sleep)


async def test_only_the_lease_holder_runs_the_jobs(db):
    # given two nodes on one database with the same job
    clock, body = SteppedClock(), Counting()
    jobs = [Job("cleanup", timedelta(minutes=15), body)]
    a, b = runner(db, "a", clock, jobs), runner(db, "b", clock, jobs)

    # when both tick, again and again, across several intervals
    ran = []
    for _ in range(3):
        ran += [await a.tick(), await b.tick()]
        clock.advance(15 * 60)

    # then the job ran once per interval, always on the first node, under one token
    assert ran == [["cleanup"], [], ["cleanup"], [], ["cleanup"], []]
    assert body.runs == [1, 1, 1]
    assert (a.holding, b.holding) == (True, False)


async def test_a_job_that_is_not_due_at_start_waits_one_interval(db):
    clock, body = SteppedClock(), Counting()
    a = runner(db, "a", clock, [Job("cleanup", timedelta(minutes=15), body, at_start=False)])

    assert await a.tick() == []
    clock.advance(15 * 60 - 1)
    assert await a.tick() == []
    clock.advance(1)
    assert await a.tick() == ["cleanup"]


async def test_a_node_killed_mid_job_is_taken_over_after_its_lease_expires(db):
    # given node a, killed while running a job (it never renews its lease again)
    clock = SteppedClock()
    stuck, body = Counting(block=True), Counting()
    a = runner(db, "a", clock, [Job("cleanup", timedelta(minutes=15), stuck)], sleep=killed)
    b = runner(db, "b", clock, [Job("cleanup", timedelta(minutes=15), body)])
    dead = asyncio.create_task(a.tick())
    await stuck.started.wait()

    # when node b ticks before the lease has expired, then it waits
    clock.advance(LEASE.total_seconds() - 1)
    assert await b.tick() == []

    # when the lease has expired, then b takes over with a higher fencing token and runs the job
    clock.advance(1)
    assert await b.tick() == ["cleanup"]
    assert (stuck.runs, body.runs) == ([1], [2])

    # and a write of the dead node's tenure is refused by the fence
    with pytest.raises(LeaseLost):
        await a.lease.fence(1)
    await b.lease.fence(2)
    dead.cancel()


async def test_a_stalled_holder_loses_its_job_when_another_node_took_over(db):
    # given node a running a job, whose heartbeat wakes only when the test says so
    clock, stuck = SteppedClock(), Counting(block=True)
    wake = asyncio.Queue[None]()

    async def stalled(_: float) -> None:
        await wake.get()

    a = runner(db, "a", clock, [Job("cleanup", timedelta(minutes=15), stuck)], sleep=stalled)
    running = asyncio.create_task(a.tick())
    await stuck.started.wait()

    # when b takes the expired lease, and a's heartbeat then wakes
    clock.advance(LEASE.total_seconds())
    taken = await Lease(db, "jobs", node="b", duration=LEASE, clock=clock).acquire()
    wake.put_nowait(None)

    # then a's job is cancelled, and a no longer counts itself the holder
    assert await running == []
    assert taken is not None
    assert taken.token == 2
    assert not a.holding
    assert await db["jobs"].find_one({"_id": "cleanup"}) is None  # its run was not recorded


async def test_a_stalled_holder_that_finishes_late_cannot_overwrite_the_newer_record(db):
    # given node a running a job, its heartbeat stalled (it never wakes to notice the takeover)
    clock, late, fresh = SteppedClock(), Counting(block=True), Counting()
    a = runner(db, "a", clock, [Job("cleanup", timedelta(minutes=15), late)], sleep=killed)
    b = runner(db, "b", clock, [Job("cleanup", timedelta(minutes=15), fresh)])
    running = asyncio.create_task(a.tick())
    await late.started.wait()
    # and node b, once the lease has expired, took it over, ran the job and recorded its run
    clock.advance(LEASE.total_seconds())
    assert await b.tick() == ["cleanup"]
    recorded = await db["jobs"].find_one({"_id": "cleanup"})

    # when a's job finishes afterwards and a goes to record its run
    clock.advance(5)
    late.release.set()

    # then a's late record is refused: b's record stands, and a no longer counts itself the holder
    assert await running == []
    assert (late.runs, fresh.runs) == ([1], [2])
    assert recorded["token"] == 2
    assert await db["jobs"].find_one({"_id": "cleanup"}) == recorded
    assert (a.holding, b.holding) == (False, True)


async def test_a_stopping_node_hands_the_lease_over_at_once(db):
    clock = SteppedClock()
    a, b = runner(db, "a", clock, []), runner(db, "b", clock, [])
    await a.tick()

    await a.stop()

    assert (await b.lease.acquire()).token == 2
    assert (await db[LEASES].find_one({"_id": "jobs"}))["holder"] == "b"


async def test_the_app_runs_its_jobs_under_the_lease_and_a_second_node_waits(services, app):
    # given the test app's runner (started by its lifespan) and a second node on the same database
    other = dataclasses.replace(services, node="second-node").job_runner()

    # then the app holds the jobs lease, has run the search upkeep, and the second node runs nothing
    lease = await services.db[LEASES].find_one({"_id": "jobs"})
    assert lease["holder"] == services.node
    assert app.state.jobs.holding
    assert await services.db["jobs"].find_one({"_id": "search-upkeep"}) is not None
    assert await other.tick() == []


# --- migrations ---------------------------------------------------------------------------------


def migrations(db, node: str, clock: SteppedClock, *steps: Migration, sleep=passing) -> Migrations:
    return Migrations(db, list(steps), node=node, lease_duration=LEASE, poll=TICK, clock=clock, sleep=sleep)


def step(version: int, body) -> Migration:
    async def apply() -> object:
        return await body(0)

    return Migration(version, f"step-{version}", Phase.DATA, apply)


async def test_a_migration_runs_once_and_is_recorded(db):
    clock, first, second = SteppedClock(), Counting(), Counting()

    ran = await migrations(db, "a", clock, step(1, first), step(2, second)).run(Phase.DATA)
    again = await migrations(db, "b", clock, step(1, first), step(2, second)).run(Phase.DATA)

    assert (ran, again) == ([1, 2], [])
    assert (len(first.runs), len(second.runs)) == (1, 1)
    records = await db[MIGRATIONS].find({}, {"name": 1, "node": 1, "token": 1}).to_list()
    assert records == [
        {"_id": 1, "name": "step-1", "node": "a", "token": 1},
        {"_id": 2, "name": "step-2", "node": "a", "token": 1},
    ]


async def test_a_failed_migration_is_not_recorded_and_is_retried_at_the_next_start(db):
    clock, done = SteppedClock(), Counting()
    attempts = []

    async def flaky(_: int) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("disk full")
        return "ok"

    with pytest.raises(RuntimeError, match="disk full"):
        await migrations(db, "a", clock, step(1, done), step(2, flaky)).run(Phase.DATA)
    assert [d["_id"] for d in await db[MIGRATIONS].find().to_list()] == [1]

    ran = await migrations(db, "b", clock, step(1, done), step(2, flaky)).run(Phase.DATA)  # at once

    assert ran == [2]
    assert (len(done.runs), len(attempts)) == (1, 2)


async def test_two_nodes_starting_together_run_a_migration_once(db):
    # given two nodes starting at once; the migration takes a while
    clock, slow = SteppedClock(), Counting(block=True)
    a = migrations(db, "a", clock, step(1, slow))
    b = migrations(db, "b", clock, step(1, slow))

    # when both run, and the migration then finishes
    both = asyncio.gather(a.run(Phase.DATA), b.run(Phase.DATA))
    await slow.started.wait()
    slow.release.set()

    # then one node ran it, the other waited for it
    assert sorted(await both) == [[], [1]]
    assert len(slow.runs) == 1


async def test_a_migration_of_a_node_that_lost_the_lease_is_not_recorded(db):
    # given node a, stalled inside a migration past its lease; node b took over and ran it
    clock, stuck, fresh = SteppedClock(), Counting(block=True), Counting()
    a = migrations(db, "a", clock, step(1, stuck), sleep=killed)
    running = asyncio.create_task(a.run(Phase.DATA))
    await stuck.started.wait()
    clock.advance(LEASE.total_seconds())
    assert await migrations(db, "b", clock, step(1, fresh)).run(Phase.DATA) == [1]

    # when a wakes up and finishes, then its record is refused by the fence
    stuck.release.set()
    with pytest.raises(LeaseLost):
        await running
    assert await db[MIGRATIONS].find({}, {"node": 1, "token": 1}).to_list() == [
        {"_id": 1, "node": "b", "token": 2}
    ]


def test_migration_versions_must_ascend():
    with pytest.raises(ValueError, match="ascend"):
        migrations(None, "a", SteppedClock(), step(2, Counting()), step(1, Counting()))


async def test_the_app_recorded_its_migrations_at_start(services):
    records = await services.db[MIGRATIONS].find({}, {"name": 1}).sort("_id").to_list()

    assert [r["name"] for r in records] == [
        "drop-replaced-indexes",
        "remove-search-fields-from-items",
        "date-search-entries",
        "settle-disclosure-modes",
        "interview-event-fields",
        "number-published-items",
    ]
    assert services.search._days_ready
