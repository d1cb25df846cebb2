"""The organization tree. Small (hundreds to a few thousand nodes) and read on every request, so the
whole tree is held in memory and reloaded after each change."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from cms.admin.index_numbers import IndexTemplate
from cms.errors import InvalidInput, NotFound
from storage.documents import Organization, OrgKind, OrgLevel, TierSpec, utcnow


@dataclass(frozen=True)
class NewOrganization:
    key: str
    name: str
    code: str
    parent_id: ObjectId | None = None
    short_name: str = ""
    level: OrgLevel = OrgLevel.PROVINCE
    kind: OrgKind = OrgKind.GOVERNMENT
    index_template: str = "{code}/{year}-{seq:05d}"
    doc_prefix: str = ""
    sort_order: int = 0


@dataclass(frozen=True)
class OrganizationChanges:
    """What an administrator may change on an organization; None leaves a field as it is. Its place
    in the tree (parent) and its key (used in paths) stay."""

    name: str | None = None
    short_name: str | None = None
    code: str | None = None
    sort_order: int | None = None
    doc_prefix: str | None = None


class OrgTree:
    def __init__(self, orgs: Iterable[Organization]) -> None:
        self.by_id: dict[ObjectId, Organization] = {o.id: o for o in orgs if o.id is not None}
        self.by_key = {o.key: o for o in self.by_id.values()}
        self.children: dict[ObjectId | None, list[Organization]] = {}
        for org in sorted(self.by_id.values(), key=lambda o: (o.sort_order, o.name)):
            self.children.setdefault(org.parent_id, []).append(org)

    def get(self, org_id: ObjectId) -> Organization | None:
        return self.by_id.get(org_id)

    def require(self, org_id: ObjectId) -> Organization:
        org = self.by_id.get(org_id)
        if org is None:
            raise NotFound("未找到该机构。")
        return org

    def roots(self) -> list[Organization]:
        return list(self.children.get(None, []))

    def subtree_ids(self, org_id: ObjectId) -> set[ObjectId]:
        found: set[ObjectId] = set()
        stack = [org_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.add(current)
            stack.extend(child.id for child in self.children.get(current, []) if child.id is not None)
        return found

    def path_of(self, org_id: ObjectId) -> list[ObjectId]:
        org = self.require(org_id)
        return [*org.ancestors, org_id]

    def parents(self) -> dict[str, str | None]:
        """The tree as plain strings, the shape ``authz`` works with."""
        return {str(i): (str(o.parent_id) if o.parent_id else None) for i, o in self.by_id.items()}


class OrganizationService:
    def __init__(self) -> None:
        self.tree = OrgTree([])
        self._lock = asyncio.Lock()
        # Called after every change to the tree has been written and reloaded (public caches listen).
        self.changed_hooks: list[Callable[[], Awaitable[None]]] = []

    async def reload(self) -> OrgTree:
        self.tree = OrgTree(await Organization.find_all().to_list())
        return self.tree

    async def create(self, new: NewOrganization) -> Organization:
        IndexTemplate.parse(new.index_template)
        _require_text(new.key, "key", 64)
        _require_text(new.name, "name", 200)
        _require_text(new.code, "code", 64)
        ancestors: list[PydanticObjectId] = []
        if new.parent_id is not None:
            parent = self.tree.get(new.parent_id)
            if parent is None:
                raise InvalidInput("上级机构不存在。", field="parent")
            ancestors = [*parent.ancestors, PydanticObjectId(new.parent_id)]
        org = Organization(
            key=new.key,
            name=new.name,
            short_name=new.short_name,
            code=new.code,
            parent_id=PydanticObjectId(new.parent_id) if new.parent_id else None,
            ancestors=ancestors,
            level=new.level,
            kind=new.kind,
            index_template=new.index_template,
            doc_prefix=new.doc_prefix,
            sort_order=new.sort_order,
        )
        async with self._lock:
            try:
                await org.insert()
            except DuplicateKeyError as exc:
                raise InvalidInput("机构标识或机构代码已存在。", field="code") from exc
            await self.reload()
        await self._changed()
        return org

    async def update(self, org_id: ObjectId, changes: OrganizationChanges) -> Organization:
        """Index numbers already assigned keep the old code: they never change (see ADR 2)."""
        org = self.tree.require(org_id).model_copy(deep=True)
        if changes.name is not None:
            _require_text(changes.name, "name", 200)
            org.name = changes.name.strip()
        if changes.short_name is not None:
            _limit_text(changes.short_name, "shortName", 100)
            org.short_name = changes.short_name.strip()
        if changes.code is not None:
            _require_text(changes.code, "code", 64)
            org.code = changes.code.strip()
        if changes.doc_prefix is not None:
            _limit_text(changes.doc_prefix, "docPrefix", 50)
            org.doc_prefix = changes.doc_prefix.strip()
        if changes.sort_order is not None:
            if not -1_000_000 <= changes.sort_order <= 1_000_000:
                raise InvalidInput("排序号超出范围。", field="sortOrder")
            org.sort_order = changes.sort_order
        org.modified = utcnow()
        async with self._lock:
            try:
                await org.save()
            except DuplicateKeyError as exc:
                raise InvalidInput("机构代码已被其他机构使用。", field="code") from exc
            await self.reload()
        await self._changed()
        return self.tree.require(org_id)

    async def set_index_template(self, org_id: ObjectId, template: str) -> Organization:
        IndexTemplate.parse(template)
        org = self.tree.require(org_id)
        org.index_template = template
        org.modified = utcnow()
        await org.save()
        await self.reload()
        await self._changed()
        return org

    async def set_review_chain(self, org_id: ObjectId, chain: list[TierSpec] | None) -> Organization:
        org = self.tree.require(org_id)
        org.review_chain = chain
        org.modified = utcnow()
        await org.save()
        await self.reload()
        await self._changed()
        return org

    async def _changed(self) -> None:
        for hook in self.changed_hooks:
            await hook()


def _limit_text(value: str, field: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidInput(f"{field} 不超过 {limit} 个字符。", field=field)


def _require_text(value: str, field: str, limit: int) -> None:
    if not value.strip() or len(value) > limit:
        raise InvalidInput(f"{field} 不能为空，且不超过 {limit} 个字符。", field=field)
