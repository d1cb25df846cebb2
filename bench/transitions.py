"""Review transitions at the service layer: where a transition's time goes.

``.venv/bin/python -m bench.transitions [--chains 100] [--concurrency 8] [--backlog 2000] [--profile F]``

Starts the embedded services (in memory), builds the application's services in this process, creates
one organization with an officer, a department head and a unit head, files ``--backlog`` records in its
review register (a deployment's register is never empty; the demo files every imported entry there),
then drafts ``--chains`` catalog entries and walks each through submit → 初审 → 审核 → 审发 with
``--concurrency`` chains at a time (all in the one organization: the register chain every transition
appends to is the shared part). Printed per transition: the rate, the database commands (a PyMongo
``CommandListener`` counts them, by name and by action), this process's CPU time and the database
process's CPU time (``/proc/<pid>/stat``, minus its idle rate).

The same run first measures a baseline on the same server, so that ratios stay meaningful on a noisy
machine: one ``find_one`` by id, one bare single-document update, one transaction holding only that
update (what a transaction adds over the bare update is SecantusDB's own transaction cost), and one
single-field update of a catalog entry (a document with its search tokens in a multikey index).

``--profile F`` writes a pyinstrument HTML profile of the transitions phase to F (pyinstrument is not a
dependency: install it somewhere, e.g. ``uv pip install --target /tmp/prof pyinstrument``, and pass
``--extra-path /tmp/prof``). A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import monitoring

from authz import Grant, Principal, Role
from bench.run import cpu_seconds, database_pid, external_database
from cms.admin.organizations import NewOrganization
from cms.content.entries import search_entry
from cms.kinds.catalog import NewCatalogEntry
from cms.review.register import GENESIS_HASH, RegisterEntry, record_hash, to_stored_instant
from cms.review.workflow import Action, TransitionRequest
from cms.services import Endpoints, Services, build_services
from cms.settings import Settings
from devservers.embedded import start_embedded
from storage.documents import CatalogEntry, DisclosureMode, utcnow
from storage.register import ConfidentialityFindings, RegisterRecord

PASSWORD = "Bench-transitions-2026"
FINDINGS = ConfidentialityFindings(
    state_secrets=False,
    commercial_secrets=False,
    personal_privacy=False,
    proposed_mode=DisclosureMode.PROACTIVE.value,
    proposed_scope="面向社会",
    proposed_time="审发后即时公开",
)
SUMMARY = (
    "为深入贯彻落实国务院关于全面推进政务公开工作的部署要求，进一步规范政府信息主动公开目录编制，"
    "提升政府信息公开标准化规范化水平，结合本省实际，现就做好政府信息公开目录维护和更新工作提出如下意见。"
)
CHAIN: tuple[tuple[str, Action, str], ...] = (
    ("officer", Action.SUBMIT, ""),
    ("officer", Action.APPROVE, "初审同意。"),
    ("dept", Action.APPROVE, "审核同意。"),
    ("unit", Action.APPROVE, "同意发布。"),
)
LABELS = ("submit", "first_review", "department_review", "unit_approval")

_label: contextvars.ContextVar[str | None] = contextvars.ContextVar("label", default=None)


# -- counting commands -------------------------------------------------------------------------------


@dataclass
class Commands(monitoring.CommandListener):
    """Every command this process sends, by the label of the task that sent it and by name."""

    counts: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    micros: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    _labels: dict[int, str] = field(default_factory=dict)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        label = _label.get()
        if label is None:
            return
        self._labels[event.request_id] = label
        self.counts[label][event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        label = self._labels.pop(event.request_id, None)
        if label is not None:
            self.micros[label] += event.duration_micros

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        label = self._labels.pop(event.request_id, None)
        if label is not None:
            self.micros[label] += event.duration_micros
            self.counts[label]["(failed)"] += 1

    def reset(self) -> None:
        self.counts.clear()
        self.micros.clear()


COMMANDS = Commands()
monitoring.register(COMMANDS)


# -- measuring ---------------------------------------------------------------------------------------


@dataclass
class Measured:
    label: str
    operations: int
    seconds: float
    app_cpu: float
    db_cpu: float | None
    commands: Counter[str]
    round_trip_micros: int

    def row(self) -> str:
        n = max(self.operations, 1)
        per = sum(self.commands.values()) / n
        db = f"{self.db_cpu / n * 1000:8.2f}" if self.db_cpu is not None else "       ?"
        names = ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(self.commands.items()))
        return (
            f"{self.label:<44} {self.operations / self.seconds:9.1f}/s {self.app_cpu / n * 1000:8.2f}"
            f" {db} {per:6.2f}  {self.round_trip_micros / n / 1000:7.2f}   {names}"
        )


HEADER = (
    f"{'operation':<44} {'rate':>11} {'app ms':>8} {'db ms':>8} {'cmds':>6}  {'rt ms':>7}   commands per op"
)


class Meter:
    def __init__(self, db_pid: int | None) -> None:
        self.db_pid = db_pid
        self.db_idle_rate = 0.0

    async def calibrate(self, seconds: float = 1.5) -> None:
        before = cpu_seconds(self.db_pid)
        await asyncio.sleep(seconds)
        after = cpu_seconds(self.db_pid)
        if before is not None and after is not None:
            self.db_idle_rate = (after - before) / seconds

    async def run(
        self,
        label: str,
        operations: int,
        concurrency: int,
        operation: Callable[[int, int], Awaitable[None]],
    ) -> Measured:
        """Run ``operation(i, worker)`` for i in range(operations), ``concurrency`` workers at a time,
        under ``label``."""
        COMMANDS.counts.pop(label, None)
        COMMANDS.micros.pop(label, None)
        queue = iter(range(operations))

        async def worker(w: int) -> None:
            _label.set(label)
            for i in queue:
                await operation(i, w)

        db_before, app_before, started = cpu_seconds(self.db_pid), time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        seconds = time.perf_counter() - started
        app_cpu = time.process_time() - app_before
        db_after = cpu_seconds(self.db_pid)
        db_cpu = None
        if db_before is not None and db_after is not None:
            db_cpu = max(0.0, db_after - db_before - self.db_idle_rate * seconds)
        return Measured(
            label, operations, seconds, app_cpu, db_cpu, COMMANDS.counts[label], COMMANDS.micros[label]
        )


# -- the world ---------------------------------------------------------------------------------------


@dataclass
class World:
    services: Services
    org_id: ObjectId
    staff: dict[str, Principal]
    body_repeat: int = 4


async def make_world(services: Services, backlog: int) -> World:
    suffix = uuid.uuid4().hex[:8]
    org = await services.orgs.create(
        NewOrganization(key=f"bench-{suffix}", name=f"基准测试机构{suffix}", code=f"B{suffix.upper()}")
    )
    assert org.id is not None
    await services.access.reload()
    staff: dict[str, Principal] = {}
    for name, role in (("officer", Role.OFFICER), ("dept", Role.DEPT_HEAD), ("unit", Role.UNIT_HEAD)):
        user = await services.accounts.create_user(f"bench-{suffix}-{name}", PASSWORD, org.id, name)
        staff[name] = services.access.principal_for(user)
        await services.access.grants.add(Grant(str(user.id), role, str(org.id), True))
    await services.access.reload()
    if backlog:
        await file_backlog(services, org.id, backlog)
    return World(services, org.id, staff)


async def file_backlog(services: Services, org_id: ObjectId, count: int) -> None:
    """``count`` chained import records in the organization's register, written in bulk, then one more
    through the service (so that whatever the service keeps about the head is in place)."""
    collection = RegisterRecord.get_pymongo_collection()
    prev_hash, at, batch = GENESIS_HASH, to_stored_instant(utcnow()), []
    for seq in range(1, count):
        record = RegisterRecord(
            org_id=org_id,  # type: ignore[arg-type]
            seq=seq,
            item_id=ObjectId(),  # type: ignore[arg-type]
            item_type="CatalogEntry",
            item_title=f"历史条目 {seq}",
            item_version=1,
            action="import",
            from_state="published",
            to_state="published",
            actor_id="system",
            actor_name="系统导入",
            at=at,
            details={"source": "bench"},
            prev_hash=prev_hash,
            hash="",
        )
        record.hash = record_hash(record)
        prev_hash = record.hash
        batch.append(record.model_dump(by_alias=True, exclude={"id", "revision_id"}))
        if len(batch) == 1000:
            await collection.insert_many(batch)
            batch = []
    if batch:
        await collection.insert_many(batch)
    await services.register.append(
        RegisterEntry(
            org_id=org_id,
            item_id=ObjectId(),
            item_type="CatalogEntry",
            item_title="历史条目",
            item_version=1,
            action="import",
            from_state="published",
            to_state="published",
            actor_id="system",
            actor_name="系统导入",
        )
    )


async def draft(world: World, n: int) -> ObjectId:
    entry = await world.services.authoring.create_catalog_entry(
        world.staff["officer"],
        NewCatalogEntry(
            org_id=world.org_id,
            title=f"关于做好政府信息公开目录维护工作的通知（基准 {n}）",
            summary=SUMMARY if world.body_repeat else "",
            body=SUMMARY * world.body_repeat,
            document_number=f"基准办发〔2026〕{n}号" if world.body_repeat else None,
            keywords=["政务公开", "信息公开目录"] if world.body_repeat else [],
        ),
    )
    assert entry.id is not None
    return entry.id


async def measure_baseline(
    meter: Meter, services: Services, operations: int, concurrency: int
) -> list[Measured]:
    db = services.db
    plain = db["bench_baseline"]
    await plain.delete_many({})
    ids = [ObjectId() for _ in range(concurrency)]
    await plain.insert_many([{"_id": i, "n": 0, "state": "a", "tags": ["x", "y"]} for i in ids])
    entries = CatalogEntry.get_pymongo_collection()
    entry_ids = [d["_id"] for d in await entries.find({}, {"_id": 1}).limit(concurrency).to_list()]

    async def find(i: int, w: int) -> None:
        await plain.find_one({"_id": ids[w]})

    async def update(i: int, w: int) -> None:
        await plain.update_one({"_id": ids[w]}, {"$set": {"n": i}})

    async def transaction(i: int, w: int) -> None:
        async def work(session: Any) -> None:
            await plain.update_one({"_id": ids[w]}, {"$set": {"n": i}}, session=session)

        async with services.client.start_session() as session:
            await session.with_transaction(work)

    async def transaction3(i: int, w: int) -> None:
        async def work(session: Any) -> None:
            key = ids[w]
            await plain.update_one({"_id": key}, {"$set": {"n": i}}, session=session)
            await plain.update_one({"_id": key}, {"$set": {"state": str(i)}}, session=session)
            await plain.find_one({"_id": key}, session=session)

        async with services.client.start_session() as session:
            await session.with_transaction(work)

    async def entry_update(i: int, w: int) -> None:
        await entries.update_one({"_id": entry_ids[w % len(entry_ids)]}, {"$set": {"modified": utcnow()}})

    async def entry_transaction(i: int, w: int) -> None:
        async def work(session: Any) -> None:
            await entries.update_one(
                {"_id": entry_ids[w % len(entry_ids)]}, {"$set": {"modified": utcnow()}}, session=session
            )

        async with services.client.start_session() as session:
            await session.with_transaction(work)

    results = [
        await meter.run("baseline: find_one by _id", operations, concurrency, find),
        await meter.run("baseline: update_one, small doc", operations, concurrency, update),
        await meter.run("baseline: txn(update_one small doc)", operations, concurrency, transaction),
        await meter.run("baseline: txn(2 updates + 1 find)", operations, concurrency, transaction3),
    ]
    if entry_ids:
        results.append(
            await meter.run(
                "baseline: update_one catalog entry 1 field", operations, concurrency, entry_update
            )
        )
        results.append(
            await meter.run(
                "baseline: txn(update_one catalog entry)", operations, concurrency, entry_transaction
            )
        )
    await plain.drop()
    return results


async def measure_transitions(
    meter: Meter,
    world: World,
    chains: int,
    concurrency: int,
    profile: Path | None,
    db_profile: tuple[str, str] | None = None,
) -> tuple[Measured, list[Measured]]:
    services = world.services
    drafts = [await draft(world, n) for n in range(chains)]
    sample = await CatalogEntry.get(drafts[0])
    assert sample is not None
    print(f"each entry has {len(search_entry(sample)['tokens'])} search tokens (in its search entry)")
    by_action: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()

    async def chain(i: int, w: int) -> None:
        item_id = drafts[i]
        for (who, action, opinion), label in zip(CHAIN, LABELS, strict=True):
            token = _label.set(label)
            started = time.perf_counter()
            try:
                await services.workflow.transition(
                    world.staff[who],
                    TransitionRequest(
                        "CatalogEntry",
                        item_id,
                        action,
                        opinion=opinion,
                        findings=FINDINGS if action is Action.APPROVE else None,
                    ),
                )
            except Exception as exc:
                errors[f"{label}: {type(exc).__name__}: {exc}"] += 1
                return
            finally:
                _label.reset(token)
            by_action[label].append(time.perf_counter() - started)

    spy: asyncio.subprocess.Process | None = None
    if db_profile is not None and meter.db_pid is not None:
        # py-spy on the database process (not a dependency either): collapsed stacks, one per line.
        spy = await asyncio.create_subprocess_exec(
            *(db_profile[0], "record", "-p", str(meter.db_pid), "-f", "raw", "-r", "250"),
            *("-o", db_profile[1]),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(1.0)
    profiler: Any = None
    if profile is not None:
        from pyinstrument import Profiler  # not a dependency; see the module docstring

        profiler = Profiler(async_mode="disabled", interval=0.0005)
        profiler.start()
    whole = await meter.run("transitions (all four actions)", chains, concurrency, chain)
    if profiler is not None:
        profiler.stop()
        assert profile is not None
        await asyncio.to_thread(profile.write_text, profiler.output_html())
        print(profiler.output_text(unicode=True, color=False, show_all=False)[:12000])
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        await asyncio.wait_for(spy.wait(), 30)
    if errors:
        print("errors:", dict(errors))
    transitions = sum(len(v) for v in by_action.values())
    whole.operations = transitions
    per_action = []
    for label in LABELS:
        done = len(by_action[label])
        latencies = sorted(by_action[label])
        p50 = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
        per_action.append(
            Measured(
                f"  {label} (p50 {p50:.1f} ms)",
                done,
                whole.seconds,
                0.0,
                None,
                COMMANDS.counts[label],
                COMMANDS.micros[label],
            )
        )
        whole.commands.update(COMMANDS.counts[label])
        whole.round_trip_micros += COMMANDS.micros[label]
    verify = await services.register.verify(world.org_id)
    print(f"register of the bench org: ok={verify.ok} records={verify.checked} {verify.reason}")
    print(f"register collisions (retries) {services.register.collisions}")
    return whole, per_action


async def main_async(args: argparse.Namespace, settings: Settings, endpoints: Endpoints) -> None:
    services = await build_services(settings, endpoints)
    try:
        meter = Meter(database_pid(endpoints.mongo_url))
        if meter.db_pid is None:
            print("(the database process was not found: no DB CPU column)")
        world = await make_world(services, args.backlog)
        world.body_repeat = args.body_repeat
        # A few entries exist for the catalog-entry baseline row.
        for n in range(args.concurrency):
            await draft(world, 100_000 + n)
        await meter.calibrate()
        print(f"database idle CPU: {meter.db_idle_rate * 1000:.1f} ms/s (subtracted)")
        print(HEADER)
        for m in await measure_baseline(meter, services, args.baseline_ops, args.concurrency):
            print(m.row(), flush=True)
        db_profile = (args.py_spy, str(args.db_profile)) if args.db_profile else None
        whole, per_action = await measure_transitions(
            meter, world, args.chains, args.concurrency, args.profile, db_profile
        )
        print(HEADER)
        print(whole.row())
        for m in per_action:
            print(m.row())
        print(
            f"\n{whole.operations / whole.seconds:.1f} transitions/s at concurrency {args.concurrency} "
            f"(target ≥ 200)"
        )
    finally:
        await services.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.transitions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--chains", type=int, default=100, help="drafts walked through the chain")
    parser.add_argument("--concurrency", type=int, default=8, help="chains at a time")
    parser.add_argument("--backlog", type=int, default=2000, help="records already in the register")
    parser.add_argument(
        "--body-repeat",
        type=int,
        default=4,
        help="paragraphs of body text per entry (0: a title only, as scripts/bench creates them)",
    )
    parser.add_argument("--baseline-ops", type=int, default=400, help="operations per baseline row")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument HTML profile here")
    parser.add_argument(
        "--db-profile", type=Path, help="record the database process with py-spy (collapsed stacks) here"
    )
    parser.add_argument("--py-spy", default="py-spy", help="the py-spy executable for --db-profile")
    parser.add_argument("--extra-path", action="append", default=[], help="added to sys.path")
    parser.add_argument(
        "--mongo-url",
        help="measure against this MongoDB replica set instead of the embedded server, in a database "
        "of its own that is dropped afterwards; its CPU is not measured",
    )
    args = parser.parse_args(argv)
    sys.path.extend(args.extra_path)
    with (
        tempfile.TemporaryDirectory(prefix="gongkai-transitions-") as tmp,
        external_database(args.mongo_url, "gongkai_transitions") as (mongo_url, database),
    ):
        work = Path(tmp)
        embedded = start_embedded(work / "embedded", in_memory=True)
        try:
            settings = Settings(  # type: ignore[call-arg]
                mode="demo",
                demo_data=False,
                data_dir=work / "data",
                secret_key="bench-" + uuid.uuid4().hex,
                mongo_database=database,
            )
            endpoints = Endpoints(
                mongo_url=mongo_url or embedded.mongo_url,
                s3_endpoint=embedded.s3_endpoint,
                s3_access_key=embedded.s3_access_key,
                s3_secret_key=embedded.s3_secret_key,
            )
            asyncio.run(main_async(args, settings, endpoints))
        finally:
            embedded.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
