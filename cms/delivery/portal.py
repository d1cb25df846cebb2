"""Public keys and canonical URLs of published items.

Every kind has a stable public key (cms.content.kinds.Kind.public_key): a catalog entry its index
number, a gazette issue ``year-number``, interpretations and interviews the number their first
publication drew. The canonical URL is the type's portal template filled with it; without a template
(or before publication) an item has none, and feeds and sitemaps fall back to the reading room."""

from __future__ import annotations

from urllib.parse import quote

from cms.admin.organizations import OrgTree
from cms.content.ids import to_global_id
from cms.content.kinds import kind_of
from storage.documents import ContentDocument, ReviewState


def public_key(item: ContentDocument) -> str | None:
    key: str | None = kind_of(item).public_key(item)
    return key


def canonical_url(item: ContentDocument, templates: dict[str, str], tree: OrgTree) -> str | None:
    """The item's address on the portal; None unless it is published (not a working copy), has its
    key, and its type has a template. Values are escaped as one path segment each."""
    if item.review_state is not ReviewState.PUBLISHED or item.working_copy_of is not None:
        return None
    type_name = type(item).__name__
    template, key = templates.get(type_name), public_key(item)
    if not template or key is None:
        return None
    org = tree.get(item.org_id)
    values = {
        "publicKey": key,
        "id": to_global_id(type_name, str(item.id)),
        "organization": org.key if org else "",
        "indexNumber": getattr(item, "index_number", None) or "",
        "year": str(getattr(item, "year", "") or ""),
        "number": str(getattr(item, "number", "") or ""),
    }
    return template.format_map({name: quote(value, safe="-_.~") for name, value in values.items()})


def reading_room_url(item: ContentDocument, base_url: str) -> str:
    """Where this server shows the item when no portal template is set (the reading room)."""
    return f"{base_url}/reading-room/item/{to_global_id(type(item).__name__, str(item.id))}"
