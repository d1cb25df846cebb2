"""Who may read what, as a MongoDB filter and as the same rule in Python.

The public sees an item only when it is published, its effective date has come, it has not expired
(Plone semantics for ``expires``; statutory validity is a separate field and never hides an entry) and
its disclosure mode is not 不予公开 (such an item's ``public_until`` is stamped in the past, so the same
filter excludes it). Staff additionally see unpublished items of the organizations their roles cover.
Every read path builds its filter here, so lists, counts, lookups by id and search share one rule.

What of a visible item may be read is the second rule here: the content (body, attachments, their
text, transcripts, articles) of a 依申请公开 item is withheld from everyone who may not read the
organization's unpublished items (``content_withheld``); its catalog metadata stays public.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from bson import ObjectId
from pydantic import BaseModel

from cms.content.kinds import kind_of
from storage.documents import FAR_FUTURE, ContentDocument, DisclosureMode, ReviewState

T = TypeVar("T", bound=ContentDocument)

# ``public_until`` of a 不予公开 item: an instant that has always passed, so it is never public.
NEVER_PUBLIC = datetime(1970, 1, 1, tzinfo=UTC)


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
    """``base`` restricted to what ``scope`` may read. ``base`` must not use ``$or`` itself. A staff
    scope's filter has a top-level ``$or`` (published, or of an organization whose drafts they may
    read); storage.reads puts it to the server in the shape the server serves well."""
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


def public_until(item: ContentDocument) -> datetime:
    """Until when a published item may be public: never for 不予公开, else until it expires."""
    if item.disclosure_mode is DisclosureMode.NOT_DISCLOSED:
        return NEVER_PUBLIC
    return item.expires or FAR_FUTURE


def content_withheld(item: ContentDocument, scope: ReadScope) -> bool:
    """Whether the reader sees only the catalog metadata of ``item`` (依申请公开, or anything not
    proactive, read by someone who may not read the organization's unpublished items)."""
    return item.disclosure_mode is not DisclosureMode.PROACTIVE and item.org_id not in scope.draft_org_ids


def withheld_view(item: T) -> T:
    """A copy of ``item`` with its content (cms.content.kinds.Kind.withheld) emptied, for reading only:
    no write path receives one (readers call this on what they display or index, never on what they
    save). Everything a kind does not name there is catalog metadata and stays public; attachments live
    in their own collection and are withheld for every kind."""
    view: T = _emptied(item, kind_of(item).all_withheld)
    return view


def readable(item: T, scope: ReadScope) -> T:
    """``item`` as ``scope`` may read it: itself, or its withheld view (``content_withheld``)."""
    return withheld_view(item) if content_withheld(item, scope) else item


def _emptied(obj: Any, names: tuple[str, ...]) -> Any:
    update: dict[str, Any] = {}
    nested: dict[str, list[str]] = {}
    for name in names:
        head, _, rest = name.partition(".")
        if rest:
            nested.setdefault(head, []).append(rest)
        else:
            update[head] = type(obj).model_fields[head].get_default(call_default_factory=True)
    for head, rests in nested.items():
        update[head] = [_emptied(element, tuple(rests)) for element in getattr(obj, head)]
    copy: BaseModel = obj.model_copy(update=update)
    return copy
