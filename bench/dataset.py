"""The benchmark's data: the demo province through the real services, then N generated catalog entries
inserted in bulk, stamped and numbered the way a publication stamps and numbers them.

The demo loader (organizations, accounts and roles, the fixed documents, gazette, interpretations,
interviews, the workflow samples) runs through the services as on any first start. The bulk entries
skip the review chain and the register (that is what makes 100,000 of them load in minutes), but every
stored field is what ``ContentService.prepare_publication`` and ``assign_index_number`` would produce:
derived fields from ``ContentService.stamp``, index numbers rendered from each organization's template
and recorded in the index-number register, counters advanced past them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from cms.admin.index_numbers import IndexTemplate
from cms.content.entries import search_entry
from cms.content.public_changes import Reason
from cms.services import Endpoints, Services, build_services
from cms.settings import Settings
from demo import data
from demo.loader import DISCLOSURE, VALIDITY, load_demo
from storage.documents import CatalogEntry, Counter, IndexNumberRecord, Organization, ReviewState, utcnow
from storage.search import SearchEntry

BATCH = 1_000


async def load(settings: Settings, endpoints: Endpoints, *, entries: int, seed: int) -> dict[str, float]:
    """Returns timings in seconds, for the report."""
    services = await build_services(settings, endpoints)
    try:
        started = time.monotonic()
        await services.search.prepare()  # the word segmenter, before stamp() indexes anything
        await load_demo(services, password=settings.demo_password.get_secret_value(), entries=0)
        demo_done = time.monotonic()
        raw = data.catalog_entries(random.Random(seed), entries)
        generated = time.monotonic()
        numbering = _Numbering(services.orgs.tree.by_key)
        await numbering.load_counters()
        # Stamping (search tokens) is Python CPU in this process, inserting is index work in the database
        # process: stamp the next batch in a thread while the previous one is being inserted.
        inserting: asyncio.Task[None] | None = None
        for batch in _batches(raw, BATCH):
            stamped = await asyncio.to_thread(_stamp_all, batch, services, numbering)
            if inserting is not None:
                await inserting
            inserting = asyncio.create_task(_insert(stamped))
        if inserting is not None:
            await inserting
        await numbering.save_counters()
        await services.public_changes.bump(Reason.CONTENT)
        return {
            "demo": demo_done - started,
            "generate": generated - demo_done,
            "insert": time.monotonic() - generated,
        }
    finally:
        await services.close()


def _stamp_all(
    batch: list[dict[str, Any]], services: Services, numbering: _Numbering
) -> tuple[list[CatalogEntry], list[dict[str, Any]]]:
    """The stamped entries and their search index entries (segmenting the text is the costly part)."""
    docs = [_entry(item, services, numbering) for item in batch]
    return docs, [search_entry(d) for d in docs]


async def _insert(stamped: tuple[list[CatalogEntry], list[dict[str, Any]]]) -> None:
    docs, entries = stamped
    await CatalogEntry.insert_many(docs)
    await SearchEntry.get_pymongo_collection().insert_many(entries)
    records = [IndexNumberRecord(number=d.index_number or "", org_id=d.org_id, item_id=d.id) for d in docs]
    await IndexNumberRecord.insert_many(records)


def _batches(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Numbering:
    """索引号 as ``assign_index_number`` draws them: per organization template and period."""

    def __init__(self, orgs: dict[str, Organization]) -> None:
        self.orgs = orgs
        self.counters: dict[str, int] = {}

    def next(self, org_key: str, day: date) -> str:
        org = self.orgs[org_key]
        template = IndexTemplate.parse(org.index_template)
        scope = template.scope(str(org.id), day.year, day.month)
        self.counters[scope] = self.counters.get(scope, 0) + 1
        seq = self.counters[scope]
        return template.render(code=org.code, key=org.key, year=day.year, month=day.month, seq=seq)

    async def load_counters(self) -> None:
        """Continue after the numbers the demo's imports and samples already drew."""
        async for counter in Counter.get_pymongo_collection().find({}, {"scope": 1, "value": 1}):
            self.counters[counter["scope"]] = int(counter["value"])

    async def save_counters(self) -> None:
        collection = Counter.get_pymongo_collection()
        for scope, value in self.counters.items():
            await collection.update_one({"scope": scope}, {"$max": {"value": value}}, upsert=True)


def _entry(raw: dict[str, Any], services: Services, numbering: _Numbering) -> CatalogEntry:
    orgs = services.orgs.tree.by_key
    published: date | None = raw.get("published_date")
    created: date | None = raw.get("created_date")
    now = utcnow()
    entry = CatalogEntry(
        org_id=orgs[raw["org"]].id,
        title=raw["title"],
        summary=raw.get("summary", ""),
        document_number=raw.get("document_number"),
        co_issuer_ids=[orgs[k].id for k in raw.get("co_issuers", [])],
        topic=raw.get("topic"),
        genre=raw.get("genre"),
        keywords=list(raw.get("keywords", [])),
        created_date=created,
        published_date=published,
        disclosure_mode=DISCLOSURE[raw.get("disclosure_mode", "主动公开")],
        scope=raw.get("scope", "面向社会"),
        validity=VALIDITY[raw.get("validity", "有效")],
        repeal_date=raw.get("repeal_date"),
        body=raw.get("body", ""),
        review_state=ReviewState.PUBLISHED,
        effective=datetime(published.year, published.month, published.day, 9, tzinfo=UTC)
        if published
        else now,
        published_at=now,
        modified=now,
        index_number=numbering.next(raw["org"], created or now.date()),
    )
    services.content.stamp(entry)
    return entry
