"""Access control for the whole application: the one place where a permission is checked.

The current ``Authorizer`` is a snapshot of the organization tree and the role grants; any change to
either builds a new snapshot and swaps the reference. Several server processes stay in step through the
grant store's watcher (a change stream on MongoDB, polling where change streams are unavailable).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bson import ObjectId

from authz import ANONYMOUS, Authorizer, Grant, GrantStore, Permission, Principal, Role
from authz import Forbidden as AuthzForbidden
from cms.admin.organizations import OrganizationService
from cms.errors import Forbidden, InvalidInput, PasswordChangeRequired, Unauthenticated
from storage.accounts import User

log = logging.getLogger("gongkai.access")

__all__ = ["ANONYMOUS", "AccessControl", "Permission", "Principal", "Role"]


class AccessControl:
    def __init__(self, grants: GrantStore, orgs: OrganizationService) -> None:
        self.grants = grants
        self.orgs = orgs
        self.authorizer = Authorizer(orgs.tree.parents(), [])
        self._watcher: asyncio.Task[None] | None = None

    async def reload(self) -> None:
        self.authorizer = Authorizer(self.orgs.tree.parents(), await self.grants.load())

    @staticmethod
    def principal_for(user: User | None) -> Principal:
        if user is None:
            return ANONYMOUS
        return Principal(
            user_id=str(user.id),
            username=user.username,
            org_id=str(user.org_id),
            must_change_password=user.must_change_password,
        )

    def require(self, principal: Principal, permission: Permission, org_id: ObjectId) -> None:
        """The check every mutation makes before it changes anything."""
        _require_signed_in(principal)
        try:
            self.authorizer.require(principal, permission, str(org_id))
        except AuthzForbidden as exc:
            raise Forbidden(exc.message, permission=permission.value) from exc

    def require_shared(self, principal: Principal, permission: Permission) -> None:
        """For data every organization shares (the catalog vocabularies): the permission must be held
        at a root of the organization tree, i.e. over a whole tree, not just one department."""
        _require_signed_in(principal)
        roots = [o.id for o in self.orgs.tree.roots() if o.id is not None]
        if any(self.can(principal, permission, r) for r in roots):
            return
        if not roots:
            raise Forbidden(permission=permission.value)
        self.require(principal, permission, roots[0])

    def can(self, principal: Principal, permission: Permission, org_id: ObjectId) -> bool:
        if principal.must_change_password:
            return False
        return self.authorizer.can(principal, permission, str(org_id))

    def orgs_with(self, principal: Principal, permission: Permission) -> frozenset[ObjectId]:
        if principal.must_change_password:
            return frozenset()
        return frozenset(ObjectId(o) for o in self.authorizer.orgs_with(principal, permission))

    def users_with(self, permission: Permission, org_id: ObjectId) -> frozenset[str]:
        """The accounts (ids) that hold ``permission`` in ``org_id``, directly or through a subtree
        grant above it: exactly those ``can`` says yes to, whatever their password state."""
        return self.authorizer.users_with(permission, str(org_id))

    def signed_in_orgs_with(self, principal: Principal, permission: Permission) -> frozenset[ObjectId]:
        """For reads across organizations: anonymous callers and those who must change their password
        are refused; for everyone else, the organizations where they hold the permission (maybe none)."""
        _require_signed_in(principal)
        return self.orgs_with(principal, permission)

    def draft_orgs(self, principal: Principal) -> frozenset[ObjectId]:
        """Organizations whose unpublished items the caller may read."""
        if principal.is_anonymous:
            return frozenset()
        return self.orgs_with(principal, Permission.CONTENT_VIEW_DRAFT)

    def roles_of(self, principal: Principal) -> list[Grant]:
        return self.authorizer.roles_of(principal)

    def permissions_in(self, principal: Principal, org_id: ObjectId) -> frozenset[Permission]:
        if principal.must_change_password:
            return frozenset()
        return self.authorizer.permissions_in(principal, str(org_id))

    async def grant(self, principal: Principal, grant: Grant) -> bool:
        self.require(principal, Permission.ROLE_GRANT, ObjectId(grant.org_id))
        if self.orgs.tree.get(ObjectId(grant.org_id)) is None:
            raise InvalidInput("机构不存在。", field="organization")
        added = await self.grants.add(grant, by=principal.user_id)
        await self.reload()
        return added

    async def revoke(self, principal: Principal, user_id: str, role: Role, org_id: ObjectId) -> bool:
        self.require(principal, Permission.ROLE_GRANT, org_id)
        removed = await self.grants.remove(user_id, role, str(org_id))
        await self.reload()
        return removed

    @property
    def watching(self) -> bool:
        return self._watcher is not None and not self._watcher.done()

    def start_watching(self) -> None:
        """Follow grant changes made by other processes."""
        if self._watcher is None:
            self._watcher = asyncio.create_task(self.grants.watch(self.reload, poll_interval=1.0))

    async def stop_watching(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None


def _require_signed_in(principal: Principal) -> None:
    if principal.is_anonymous:
        raise Unauthenticated()
    if principal.must_change_password:
        raise PasswordChangeRequired()
