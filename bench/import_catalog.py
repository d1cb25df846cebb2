"""Importing a catalog against a raw bulk insert of the same documents and search entries.

``.venv/bin/python -m bench.import_catalog [--rows 100000] [--in-memory] [--mongo-url URL] [--commands]``

Starts the embedded services (on disk in a temporary directory, as ``gongkai serve``'s embedded default
keeps its data; ``--in-memory`` sizes SecantusDB's cache for the whole dataset instead; ``--mongo-url``
measures on a real MongoDB replica set, in a database of its own that is dropped afterwards), builds the
application's services in this process, creates
two organizations and a CSV of ``--rows`` catalog rows (索引号, 名称, 发文字号, dates, topic, genre, a
short body). Then, each on fresh servers of the same kind (both start from an empty repository):

1. the baseline: the same rows turned into stamped, published entries and their search entries
   beforehand (not timed), then only ``insert_many`` of both, in batches of the import's size, timed;
2. ``gongkai import-catalog``'s own path (``CatalogImportService.run_from_shell``): every row read and
   checked, then written as published historical records with their first versions, 索引号 records,
   import keys and review-register records, batch by batch in transactions;

and prints both times, their ratio (issue #17's target: at most 1.5) and this process's peak RSS during
each (sampled from /proc every 50 ms) — the import's should not grow with ``--rows``. A benchmark, not
a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import io
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from beanie.odm.utils.encoder import Encoder
from pymongo import monitoring
from pymongo.errors import BulkWriteError

from bench.run import external_database
from cms.admin.organizations import NewOrganization
from cms.content.entries import search_entry
from cms.imports.rows import RowContext, read_row
from cms.imports.service import BATCH, ImportFiles
from cms.imports.sheets import open_sheet
from cms.services import Endpoints, Services, build_services
from cms.settings import Settings
from devservers.embedded import start_embedded
from storage.documents import CatalogEntry, Organization
from storage.search import SearchEntry

HEADINGS = ["索引号", "名称", "发文字号", "成文日期", "发布日期", "主题分类", "体裁", "主题词", "正文"]
ENCODER = Encoder(to_db=True)  # as the import encodes its documents
BODY = "为进一步做好政府信息公开工作，现将有关事项通知如下。各地各部门要高度重视，认真抓好落实。"


def sheet(org: Organization, rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    for n in range(1, rows + 1):
        year = 2000 + n % 20
        writer.writerow(
            [
                f"{org.code}/{year}-{n:06d}",
                f"关于做好第{n}批政府信息公开工作的通知",
                f"基准发〔{year}〕{n}号",
                f"{year}-03-01",
                f"{year}-03-{1 + n % 28:02d}",
                "综合政务\\政务公开",
                "通知",
                "政务公开、信息公开",
                f"{BODY}（第{n}号）",
            ]
        )
    return out.getvalue().encode("utf-8")


class CommandTimes(monitoring.CommandListener):
    """``--commands``: the server's time per command and collection, summed for each phase (where the
    import's extra time goes)."""

    def __init__(self) -> None:
        self._pending: dict[int, tuple[str, str]] = {}
        self.totals: collections.Counter[tuple[str, str]] = collections.Counter()
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        self._pending[event.request_id] = (event.command_name, target if isinstance(target, str) else "")

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._done(event.request_id, event.duration_micros)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._done(event.request_id, event.duration_micros)

    def _done(self, request_id: int, micros: int) -> None:
        key = self._pending.pop(request_id, None)
        if key is not None:
            self.totals[key] += micros
            self.counts[key] += 1

    def report(self, title: str) -> None:
        total = sum(self.totals.values()) / 1e6
        print(f"  {title}: {total:.1f} s in database commands", flush=True)
        for (name, target), micros in self.totals.most_common(12):
            print(f"    {name:<18} {target:<24} {self.counts[(name, target)]:>7}× {micros / 1e6:8.1f} s")
        self.totals.clear()
        self.counts.clear()


COMMANDS: CommandTimes | None = None


class PeakRss:
    """This process's resident memory, sampled while a phase runs (ru_maxrss never goes down)."""

    def __init__(self) -> None:
        self.peak = self.start = 0
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def now() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.now())
            await asyncio.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self.peak = self.start = self.now()
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def make_org(services: Services, name: str) -> Organization:
    suffix = uuid.uuid4().hex[:8].upper()
    org = await services.orgs.create(
        NewOrganization(
            key=f"bench-{suffix.lower()}",
            name=f"{name}{suffix}",
            code=suffix,
            index_template="{code}/{year}-{seq:06d}",
        )
    )
    await services.reload_tree()
    return org


async def baseline(services: Services, org: Organization, data: bytes) -> tuple[float, int]:
    """Raw insert_many of the same published entries and search entries; preparing them is not timed."""
    imports = services.imports
    context: RowContext = imports._context(org.id, as_drafts=False)  # type: ignore[arg-type]
    batches: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
    entries: list[CatalogEntry] = []
    for row in open_sheet("bench.csv", data).rows():
        result = read_row(row, context)
        assert result.entry is not None, result.problems
        entry = result.entry
        entry.index_number = result.index_number
        services.content.prepare_publication(entry)
        entries.append(entry)
        if len(entries) == BATCH:
            batches.append(([dict(ENCODER.encode(e)) for e in entries], [search_entry(e) for e in entries]))
            entries = []
            # Let the client's monitors run: a loop blocked for minutes had the pool reset under the
            # first insert, which pymongo retried after the server had done it (a duplicate key).
            await asyncio.sleep(0)
    if entries:
        batches.append(([dict(ENCODER.encode(e)) for e in entries], [search_entry(e) for e in entries]))
    items, search = CatalogEntry.get_pymongo_collection(), SearchEntry.get_pymongo_collection()
    with PeakRss() as rss:
        started = time.perf_counter()
        for docs, entry_docs in batches:
            await _insert_once(items, docs)
            await _insert_once(search, entry_docs)
        seconds = time.perf_counter() - started
    return seconds, rss.peak


async def _insert_once(collection: Any, docs: list[dict[str, Any]]) -> None:
    """insert_many, where a retry of an insert the server had already done (a reset connection on a
    loaded machine, seen at 10,000 rows) reports duplicate ids: those documents are in."""
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if any(
            e.get("code") != 11000 or "_id_" not in e.get("errmsg", "") for e in exc.details["writeErrors"]
        ):
            raise
        print(
            f"  (a retried insert found {len(exc.details['writeErrors'])} documents already in)", flush=True
        )


async def run_import(services: Services, org: Organization, data: bytes) -> tuple[float, int, Any]:
    files = ImportFiles("bench.csv", data)
    with PeakRss() as rss:
        started = time.perf_counter()
        report = await services.imports.run_from_shell(org.key, files, dry_run=False, as_drafts=False)
        seconds = time.perf_counter() - started
    return seconds, rss.peak, report


async def check_only(services: Services, org: Organization, data: bytes) -> tuple[float, int, Any]:
    """The import's first pass alone (every row read and checked, nothing written): its memory."""
    files = ImportFiles("bench.csv", data)
    with PeakRss() as rss:
        started = time.perf_counter()
        report = await services.imports.run_from_shell(org.key, files, dry_run=True, as_drafts=False)
        seconds = time.perf_counter() - started
    return seconds, rss.peak - rss.start, report


async def phase(name: str, rows: int, settings: Settings, endpoints: Endpoints) -> tuple[float, Any]:
    """One phase on a repository of its own: the raw insert, the import or the check pass alone."""
    services = await build_services(settings, endpoints)
    try:
        org = await make_org(
            services, {"raw": "基准原始写入", "import": "基准导入", "check": "基准检查"}[name]
        )
        data = sheet(org, rows)
        if COMMANDS is not None:
            COMMANDS.totals.clear()
            COMMANDS.counts.clear()
        report: Any = None
        if name == "raw":
            seconds, rss = await baseline(services, org, data)
            label = "raw bulk insert"
        elif name == "import":
            seconds, rss, report = await run_import(services, org, data)
            label = "import-catalog"
        else:
            seconds, grown, report = await check_only(services, org, data)
            print(
                f"dry run           {rows:>7} rows  {seconds:8.1f} s  sheet {len(data) / 2**20:5.1f} MiB  RSS grew {grown / 2**20:6.1f} MiB; would import {report.imported}",
                flush=True,
            )
            return seconds, report
        print(
            f"{label:<17} {rows:>7} rows  {seconds:8.1f} s  {rows / seconds:7.0f} rows/s  peak RSS {rss / 2**20:6.0f} MiB",
            flush=True,
        )
        if COMMANDS is not None:
            COMMANDS.report(label)
        return seconds, report
    finally:
        await services.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.import_catalog", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dry-run", action="store_true", help="only the check pass, for its memory")
    parser.add_argument(
        "--in-memory",
        action="store_true",
        help="keep the database in memory (SecantusDB's cache sized for the rows)",
    )
    parser.add_argument(
        "--mongo-url",
        help="measure against this MongoDB (a replica set: the import writes in transactions) instead "
        "of the embedded server, in databases of their own that are dropped afterwards",
    )
    parser.add_argument("--only", choices=["import", "raw"], help="run one phase alone (its memory)")
    parser.add_argument(
        "--commands", action="store_true", help="also sum the database commands' times per phase"
    )
    args = parser.parse_args(argv)
    if args.commands:
        global COMMANDS
        COMMANDS = CommandTimes()
        monitoring.register(COMMANDS)
    results: dict[str, tuple[float, Any]] = {}
    # The import first: this process's RSS never shrinks, so a phase after the raw one (which holds
    # every prepared document) would report the raw phase's peak as its own.
    phases = ["check"] if args.dry_run else ["import", "raw"]
    for name in [args.only] if args.only else phases:
        results[name] = run_phase(name, args)
    if len(results) == 2:
        (raw_seconds, _), (seconds, report) = results["raw"], results["import"]
        print(
            f"imported {report.imported}, refused rows {report.refused_rows}; ratio {seconds / raw_seconds:.2f} (target ≤ 1.5)"
        )
    return 0


def run_phase(name: str, args: argparse.Namespace) -> tuple[float, Any]:
    """Each phase on fresh servers (or a fresh database of ``--mongo-url``): both start from the same
    empty repository, so neither pays for the other's documents in the indexes."""
    with tempfile.TemporaryDirectory(prefix="gongkai-import-") as tmp:
        work = Path(tmp)
        # In memory, every document and index entry must fit in SecantusDB's cache, or writes fail with
        # an internal error (the default 1 GB overflowed at 20,000 rows of both phases on one server):
        # ~1 GB per 8,000 rows, measured loosely. On disk the cache is the default and evicts to files.
        cache = f"{max(1, -(-args.rows // 8_000))}G" if args.in_memory and not args.mongo_url else None
        embedded = start_embedded(work / "embedded", in_memory=args.in_memory, db_cache=cache)
        with external_database(args.mongo_url, f"gongkai_import_bench_{name}") as (mongo_url, database):
            try:
                settings = Settings(
                    mode="demo",
                    demo_data=False,
                    data_dir=work / "data",
                    secret_key="bench-" + uuid.uuid4().hex,
                    mongo_database=database,
                    # A 500-row batch can take longer than the default 10 s on a loaded machine: the
                    # client then retries an insert the server already did (a duplicate key).
                    mongo_timeout_seconds=120,
                )
                endpoints = Endpoints(
                    mongo_url=mongo_url or embedded.mongo_url,
                    s3_endpoint=embedded.s3_endpoint,
                    s3_access_key=embedded.s3_access_key,
                    s3_secret_key=embedded.s3_secret_key,
                )
                return asyncio.run(phase(name, args.rows, settings, endpoints))
            finally:
                embedded.stop()


if __name__ == "__main__":
    raise SystemExit(main())
