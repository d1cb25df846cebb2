"""Delivery to portals (issue #16): what reading the change feed and the Atom feed costs as the
collections grow, and how soon a webhook receiver hears of a commit.

``.venv/bin/python -m bench.delivery [--sizes 1000 10000] [--events 200]``

Starts the embedded services (in memory) and builds the application's services in this process.

(a) **Documents examined per page.** For each size, the change feed holds that many records and the
catalog that many public entries (inserted directly, in bulk), and the run reads a change-feed page
from the start, one from the middle and one of an organization; the Atom feed of all items and of an
organization; and an oldest-first catalog page. Every ``find`` those reads send is captured (a PyMongo
``CommandListener``) and its cost asked of the server: explain's ``totalDocsExamined`` of the query's
first condition (SecantusDB serves a multi-field filter with the index of its first field and fetches
everything that index yields before it filters, sorts and limits; its explain reports the whole filter
as a collection scan, the first condition alone as the index scan it is; see
tests/test_windowed_reads.py). The ratio of the two sizes should stay near 1.

(b) **Webhook latency after the commit.** A real receiver (http.server on a loopback port) and a
webhook on a fresh organization; ``--events`` times, one at a time: an entry is published (the change
recorded in its transaction), the delivery run starts as a commit starts it on the delivering node,
and the time until the receiver has the POST is taken. Baseline in the same run: a bare POST of the
same size to the same receiver, timed the same way. A benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import monitoring

from authz import Grant, Role
from cms.admin.organizations import NewOrganization
from cms.changes.feed import FEED, FEED_STATE, ChangeFilter
from cms.changes.webhooks import WebhookSpec
from cms.content.store import PageRequest
from cms.delivery.feeds import FeedQuery, FeedService
from cms.services import Endpoints, Services, build_services
from cms.settings import Settings
from devservers.embedded import start_embedded
from storage.documents import CatalogEntry, ReviewState, utcnow


class Finds(monitoring.CommandListener):
    """The ``find`` commands sent while ``recording``: (collection, filter, sort)."""

    def __init__(self) -> None:
        self.recording = False
        self.found: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.recording and event.command_name == "find":
            command = event.command
            self.found.append(
                (command["find"], dict(command.get("filter", {})), dict(command.get("sort", {})))
            )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


FINDS = Finds()
monitoring.register(FINDS)


@contextmanager
def recording() -> Iterator[list[tuple[str, dict[str, Any], dict[str, Any]]]]:
    FINDS.found = []
    FINDS.recording = True
    try:
        yield FINDS.found
    finally:
        FINDS.recording = False


async def examined(services: Services, read: Callable[[], Awaitable[object]]) -> tuple[int, int]:
    """(documents examined, queries) of one read, by explain of each query's first condition."""
    with recording() as found:
        await read()
    total = 0
    for collection, query, sort in found:
        first = dict([next(iter(query.items()))]) if query else {}
        explained = await services.db.command(
            {"explain": {"find": collection, "filter": first, "sort": sort}, "verbosity": "executionStats"}
        )
        total += int(explained["executionStats"]["totalDocsExamined"])
    return total, len(found)


async def fill(services: Services, org_id: ObjectId, other_id: ObjectId, size: int, have: int) -> None:
    """Feed records and public entries up to ``size`` (``have`` exist), every third of ``org_id``."""
    now = utcnow()
    root = services.orgs.tree.require(org_id).ancestors
    records, entries = [], []
    for n in range(have, size):
        mine = n % 3 == 0
        owner = org_id if mine else other_id
        instant = now - timedelta(hours=2 * n + 1)
        item_id = ObjectId()
        records.append(
            {
                "_id": n + 1,
                "kind": "PUBLISHED",
                "item_id": item_id,
                "item_type": "CatalogEntry",
                "org_id": owner,
                "org_path": [*root, owner],
                "at": now,
                "public_key": f"K{n}",
            }
        )
        entries.append(
            {
                "_id": item_id,
                "org_id": owner,
                "org_path": [*root, owner],
                "title": f"基准条目{n}",
                "review_state": ReviewState.PUBLISHED.value,
                "disclosure_mode": "proactive",
                "effective": instant,
                "published_at": instant,
                "public_until": now + timedelta(days=3650),
                "modified": instant,
                "created": instant,
                "sort_key": f"{instant.isoformat()}|{item_id}",
            }
        )
    await services.db[FEED].insert_many(records)
    await services.db[FEED_STATE].update_one({"_id": "seq"}, {"$max": {"value": size}}, upsert=True)
    await CatalogEntry.get_pymongo_collection().insert_many(entries)


async def measure_reads(services: Services, sizes: list[int]) -> None:
    org = await new_org(services, "读取")
    other = await new_org(services, "其他")
    feeds = FeedService(services.content, {})
    rows: dict[str, list[tuple[int, int]]] = {}
    have = 0
    for size in sizes:
        await fill(services, org, other, size, have)
        have = middle = size
        services.content.reader._oldest.clear()  # as after a start-up
        await services.content.page(
            CatalogEntry, {}, services.content.scope(), PageRequest(first=20, ascending=True)
        )
        reads: dict[str, Callable[[], Awaitable[object]]] = {
            "change feed, first page (100) from the start": lambda: services.changes.page(
                0, 100, ChangeFilter()
            ),
            "change feed, page (100) from the middle": partial(
                services.changes.page, middle // 2, 100, ChangeFilter()
            ),
            "change feed, one organization's page (100)": lambda: services.changes.page(
                0, 100, ChangeFilter(org_id=org)
            ),
            "Atom feed, all items (50 per type)": lambda: feeds.items(FeedQuery()),
            "Atom feed, one organization": lambda: feeds.items(FeedQuery(organization=org)),
            "catalog, oldest first, page 1 (20)": lambda: services.content.page(
                CatalogEntry, {}, services.content.scope(), PageRequest(first=20, ascending=True)
            ),
        }
        for label, read in reads.items():
            rows.setdefault(label, []).append(await examined(services, read))
    print(f"\n{'read':<48}" + "".join(f"{f'examined @{s}':>16}" for s in sizes) + f"{'ratio':>8}")
    for label, found in rows.items():
        ratio = found[-1][0] / max(found[0][0], 1)
        cells = "".join(f"{f'{n} ({q} q)':>16}" for n, q in found)
        print(f"{label:<48}{cells}{ratio:8.2f}")


async def new_org(services: Services, name: str) -> ObjectId:
    suffix = uuid.uuid4().hex[:8]
    org = await services.orgs.create(
        NewOrganization(key=f"bench-{suffix}", name=f"基准{name}{suffix}", code=f"D{suffix.upper()}")
    )
    assert org.id is not None
    return org.id


class Receiver:
    """A loopback HTTP receiver that notes when each POST arrived."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.arrived = threading.Event()
        box = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                box.arrivals.append(time.perf_counter())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                box.arrived.set()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    async def wait(self) -> float:
        arrived = await asyncio.to_thread(self.arrived.wait, 30)
        assert arrived, "no delivery within 30 s"
        self.arrived.clear()
        return self.arrivals[-1]


def bare_post(port: int, body: bytes) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/hook", body=body, headers={"Content-Type": "application/json"})
        connection.getresponse().read()
    finally:
        connection.close()


async def measure_latency(services: Services, events: int) -> None:
    receiver = Receiver()
    org = await new_org(services, "推送")
    admin = await services.accounts.create_user(
        f"bench-{uuid.uuid4().hex[:8]}", "Bench-delivery-2026", org, "管理员"
    )
    await services.access.grants.add(Grant(str(admin.id), Role.ADMIN, str(org), True))
    await services.access.reload()
    spec = WebhookSpec(f"http://127.0.0.1:{receiver.port}/hook", org, (), None)
    await services.webhooks.create(services.access.principal_for(admin), spec)
    services.deliveries.active = lambda: True  # this process delivers (holds the jobs lease)
    body = b'{"webhook":"V2ViaG9vazo2NzAw","sequence":"1","event":"PUBLISHED","item":{}}' * 3
    bare: list[float] = []
    after_commit: list[float] = []
    for n in range(events):
        started = time.perf_counter()
        await asyncio.to_thread(bare_post, receiver.port, body)
        bare.append(await receiver.wait() - started)
        item = CatalogEntry(org_id=org, title=f"推送{n}", review_state=ReviewState.PUBLISHED)
        item.effective = item.published_at = utcnow()
        await services.content.insert(item)
        await services.changes.record_now([item], updates=False)
        committed = time.perf_counter()
        await services.deliveries.on_committed()
        after_commit.append(await receiver.wait() - committed)
    receiver.server.shutdown()
    print(f"\n{'webhook latency (ms)':<48}{'p50':>10}{'p95':>10}{'max':>10}")
    for label, values in (("bare POST to the receiver (baseline)", bare), ("after the commit", after_commit)):
        q = statistics.quantiles(values, n=20)
        print(
            f"{label:<48}{statistics.median(values) * 1000:10.1f}{q[18] * 1000:10.1f}{max(values) * 1000:10.1f}"
        )
    ratio = statistics.median(after_commit) / statistics.median(bare)
    print(f"p50 ratio against the baseline: {ratio:.1f}x; target: p95 under 2 s after the commit")


async def main_async(args: argparse.Namespace, settings: Settings, endpoints: Endpoints) -> None:
    services = await build_services(settings, endpoints)
    try:
        await measure_reads(services, sorted(args.sizes))
        await measure_latency(services, args.events)
    finally:
        await services.deliveries.stop()
        await services.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.delivery", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="collection sizes")
    parser.add_argument("--events", type=int, default=200, help="webhook events timed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gongkai-delivery-") as tmp:
        work = Path(tmp)
        embedded = start_embedded(work / "embedded", in_memory=True)
        try:
            settings = Settings(  # type: ignore[call-arg]
                mode="demo",
                demo_data=False,
                data_dir=work / "data",
                secret_key="bench-" + uuid.uuid4().hex,
            )
            endpoints = Endpoints(
                mongo_url=embedded.mongo_url,
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
