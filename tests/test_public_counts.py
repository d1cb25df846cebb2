"""The public's totalCount is kept between requests, and is never stale after a publication or once a
scheduled item becomes effective."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cms.services import Services
from storage.documents import CatalogEntry, ReviewState
from tests.conftest import SteppedClock


def _entry(org_id: Any, title: str, **fields: Any) -> CatalogEntry:
    return CatalogEntry(org_id=org_id, title=title, **fields)


async def test_counts_are_kept_until_something_public_changes(
    services: Services, fresh_org: Any, clock: SteppedClock
) -> None:
    org = await fresh_org()

    async def total() -> int:
        content = services.content
        return await content.count(CatalogEntry, {"org_id": org.id}, content.scope())

    assert await total() == 0
    first = _entry(org.id, "第一条")
    await services.content.insert(first)
    await services.content.publish(first)  # announces the change: the next count is fresh
    assert await total() == 1

    # Written behind the services' back (no announcement): the kept count is what readers get.
    now = services.content.clock()
    hidden = _entry(org.id, "未公告", review_state=ReviewState.PUBLISHED, effective=now, published_at=now)
    await services.content.insert(hidden)
    assert await total() == 1

    # A scheduled item: the count changes by itself when its effective time comes.
    soon = _entry(org.id, "定时发布")
    await services.content.insert(soon)
    await services.content.publish(soon, effective=services.content.clock() + timedelta(seconds=2))
    assert await total() == 2  # the publication was announced: recounted (the unannounced one too)
    clock.advance(2.5)
    assert await total() == 3


async def test_staff_counts_are_never_kept(services: Services, fresh_org: Any) -> None:
    org = await fresh_org()
    staff = services.content.scope(frozenset({org.id}))
    assert await services.content.count(CatalogEntry, {"org_id": org.id}, staff) == 0
    await services.content.insert(_entry(org.id, "草稿"))
    assert await services.content.count(CatalogEntry, {"org_id": org.id}, staff) == 1
