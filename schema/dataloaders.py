"""Relations are loaded in batches, one query per relation per request, always through the caller's
``ReadScope`` so a relation can never reveal an item the caller may not read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from bson import ObjectId
from strawberry.dataloader import DataLoader

from authz import Principal
from cms.content.visibility import ReadScope
from cms.model import (
    Attachment,
    CatalogEntry,
    ContentDocument,
    GazetteArticle,
    GazetteIssue,
    Interpretation,
    User,
)
from cms.review.allowed import ItemAction
from cms.services import Services

RELATION_LIMIT = 200  # entries per item and relation (``ContentService.find_visible``'s default)


class Loaders:
    def __init__(self, services: Services, scope: ReadScope, principal: Principal) -> None:
        self._services = services
        self._scope = scope
        self._principal = principal
        self.catalog_entry = DataLoader[ObjectId, CatalogEntry | None](load_fn=self._entries)
        self.interpretations_of = DataLoader[ObjectId, list[Interpretation]](load_fn=self._interpretations_of)
        # The entries that name a key in their ``amended_by_ids`` / ``repealed_by_ids``: what it amends,
        # what it repeals (one query per relation for a whole page, whatever the aliases).
        self.amended_by_key = DataLoader[ObjectId, list[CatalogEntry]](
            load_fn=partial(self._entries_naming, "amended_by_ids")
        )
        self.repealed_by_key = DataLoader[ObjectId, list[CatalogEntry]](
            load_fn=partial(self._entries_naming, "repealed_by_ids")
        )
        self.interpretation = DataLoader[ObjectId, Interpretation | None](load_fn=self._interpretations)
        self.attachments_of = DataLoader[ObjectId, list[Attachment]](load_fn=self._attachments_of)
        # Whether the public may read the files of (item type, item id): staff get signed links otherwise.
        self.public_files = DataLoader[tuple[str, ObjectId], bool](load_fn=self._public_files)
        self.gazette_articles_of = DataLoader[ObjectId, list[tuple[GazetteIssue, GazetteArticle]]](
            load_fn=self._articles_of
        )
        # Keyed by (content type, live item id): one query per content type on a list page.
        self.working_copy = DataLoader[tuple[type[ContentDocument], ObjectId], ContentDocument | None](
            load_fn=self._working_copies
        )
        self.user = DataLoader[str, User | None](load_fn=self._users)
        # What the caller may do to each item of a page: one query for the page, whatever its size.
        # Not cached: an item changed by a mutation earlier in the request is asked again.
        self.allowed_actions = DataLoader[ContentDocument, list[ItemAction]](
            load_fn=self._allowed_actions, cache=False
        )

    async def _allowed_actions(self, items: Sequence[ContentDocument]) -> list[list[ItemAction]]:
        return await self._services.allowed.of(self._principal, items)

    async def _working_copies(
        self, keys: Sequence[tuple[type[ContentDocument], ObjectId]]
    ) -> list[ContentDocument | None]:
        """The outstanding working copy of each live item, read through the caller's scope (a copy is
        unpublished, so only staff who may read the organization's drafts find it)."""
        by_type: dict[type[ContentDocument], list[ObjectId]] = defaultdict(list)
        for cls, live_id in keys:
            by_type[cls].append(live_id)
        copies: dict[tuple[type[ContentDocument], ObjectId], ContentDocument] = {}
        for cls, live_ids in by_type.items():
            found = await self._services.content.find_visible(
                cls, {"working_copy_of": {"$in": live_ids}}, self._scope, limit=2 * len(live_ids)
            )
            for copy in found:
                assert copy.working_copy_of is not None
                copies.setdefault((cls, copy.working_copy_of), copy)
        return [copies.get(key) for key in keys]

    async def _users(self, user_ids: Sequence[str]) -> list[User | None]:
        valid = [ObjectId(i) for i in user_ids if ObjectId.is_valid(i)]
        found = await self._services.accounts.get_many(valid) if valid else []
        by_id = {str(user.id): user for user in found if user is not None}
        return [by_id.get(i) for i in user_ids]

    async def _public_files(self, keys: Sequence[tuple[str, ObjectId]]) -> list[bool]:
        public = await self._services.attachments.public_items(keys)
        return [item_id in public for _type, item_id in keys]

    async def _attachments_of(self, item_ids: Sequence[ObjectId]) -> list[list[Attachment]]:
        # Only called for items the caller may already read, so the item's visibility covers its files.
        grouped = await self._services.attachments.of_items(list(item_ids))
        return [grouped.get(i, []) for i in item_ids]

    async def _entries(self, ids: Sequence[ObjectId]) -> list[CatalogEntry | None]:
        return await self._services.content.get_many(CatalogEntry, ids, self._scope)

    async def _interpretations(self, ids: Sequence[ObjectId]) -> list[Interpretation | None]:
        return await self._services.content.get_many(Interpretation, ids, self._scope)

    async def _entries_naming(self, key: str, ids: Sequence[ObjectId]) -> list[list[CatalogEntry]]:
        """For each id, the entries the caller may read whose ``key`` list holds it, newest first.
        At most ``RELATION_LIMIT`` per id, as when each id was asked on its own."""
        found = await self._services.content.find_visible(
            CatalogEntry, {key: {"$in": list(ids)}}, self._scope, limit=RELATION_LIMIT * len(ids)
        )
        by_id: dict[ObjectId, list[CatalogEntry]] = defaultdict(list)
        for entry in found:
            for named in getattr(entry, key):
                if len(by_id[named]) < RELATION_LIMIT:
                    by_id[named].append(entry)
        return [by_id.get(i, []) for i in ids]

    async def _interpretations_of(self, entry_ids: Sequence[ObjectId]) -> list[list[Interpretation]]:
        found = await self._services.content.find_visible(
            Interpretation,
            # A working copy is the live item being edited, not another interpretation: not listed twice.
            {"interprets_ids": {"$in": list(entry_ids)}, "working_copy_of": None},
            self._scope,
            limit=1000,
        )
        by_entry: dict[ObjectId, list[Interpretation]] = defaultdict(list)
        for item in found:
            for entry_id in item.interprets_ids:
                by_entry[entry_id].append(item)
        return [by_entry.get(i, []) for i in entry_ids]

    async def _articles_of(
        self, entry_ids: Sequence[ObjectId]
    ) -> list[list[tuple[GazetteIssue, GazetteArticle]]]:
        issues = await self._services.content.find_visible(
            GazetteIssue,
            {"articles.catalog_entry_id": {"$in": list(entry_ids)}, "working_copy_of": None},
            self._scope,
            limit=1000,
        )
        by_entry: dict[ObjectId, list[tuple[GazetteIssue, GazetteArticle]]] = defaultdict(list)
        for issue in issues:
            for article in issue.articles:
                if article.catalog_entry_id is not None:
                    by_entry[article.catalog_entry_id].append((issue, article))
        return [by_entry.get(i, []) for i in entry_ids]
