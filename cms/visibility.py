"""Who may read what, as a MongoDB filter and as the same rule in Python.

The public sees an item only when it is published, its effective date has come and it has not
expired (Plone semantics for ``expires``; statutory validity is a separate field and never hides an
entry). Staff additionally see unpublished items of the organizations their roles cover. Every read
path builds its filter here, so lists, counts, lookups by id and search share one rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId

from storage.documents import ContentDocument, ReviewState


@dataclass(frozen=True)
class ReadScope:
    now: datetime
    draft_org_ids: frozenset[ObjectId] = field(default_factory=frozenset)

    @property
    def is_public(self) -> bool:
        return not self.draft_org_ids


def public_filter(now: datetime) -> dict[str, Any]:
    return {
        "review_state": ReviewState.PUBLISHED.value,
        "effective": {"$lte": now},
        "public_until": {"$gt": now},
    }


def scoped_filter(scope: ReadScope, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` restricted to what ``scope`` may read. ``base`` must not use ``$or`` itself."""
    public = public_filter(scope.now)
    if scope.is_public:
        return {**base, **public} if not _conflicts(base, public) else {"$and": [base, public]}
    staff = {"org_id": {"$in": sorted(scope.draft_org_ids)}}
    return {**base, "$or": [public, staff]}


def _conflicts(base: dict[str, Any], extra: dict[str, Any]) -> bool:
    return any(key in base for key in extra)


def is_publicly_visible(item: ContentDocument, now: datetime) -> bool:
    return (
        item.review_state is ReviewState.PUBLISHED
        and item.effective is not None
        and item.effective <= now
        and item.public_until > now
    )


def is_visible(item: ContentDocument, scope: ReadScope) -> bool:
    return is_publicly_visible(item, scope.now) or item.org_id in scope.draft_org_ids
