"""Administration and staff reads that need a permission: organizations, users, role grants, review
chains, catalog vocabularies and the review register. Each method checks through ``AccessControl``
first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bson import ObjectId

from authz import ROLE_LABELS, Grant, Permission, Principal, Role
from cms.admin.access import AccessControl
from cms.admin.accounts import AccountService, LoginResult
from cms.admin.organizations import NewOrganization, OrganizationChanges, OrganizationService
from cms.admin.vocabularies import Vocabulary, VocabularyService
from cms.audit.log import AuditFilter, AuditLog, Change
from cms.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from cms.review.anchoring import RegisterHead, head_of, heads_csv
from cms.review.register import RegisterService, VerifyResult
from cms.review.workflow import WorkflowService, validate_chain
from storage.accounts import User
from storage.audit import AuditRecord
from storage.documents import Organization, TierSpec, VocabularyTerm
from storage.register import RegisterRecord

MAX_REGISTER_PAGE = 500
MAX_REORDER = 500
MAX_USER_SEARCH = 100


class AdministrationService:
    def __init__(
        self,
        access: AccessControl,
        orgs: OrganizationService,
        accounts: AccountService,
        register: RegisterService,
        workflow: WorkflowService,
        vocabularies: VocabularyService,
        audit: AuditLog | None = None,
    ) -> None:
        self.access = access
        self.orgs = orgs
        self.accounts = accounts
        self.register = register
        self.workflow = workflow
        self.vocabularies = vocabularies
        self.audit = audit or AuditLog()

    # -- organizations ------------------------------------------------------------------------

    async def create_organization(self, principal: Principal, new: NewOrganization) -> Organization:
        if new.parent_id is None:
            roots = self.orgs.tree.roots()
            if roots:  # a second root needs the power to manage the existing one
                self.access.require(principal, Permission.ORG_MANAGE, roots[0].id)  # type: ignore[arg-type]
        else:
            self.access.require(principal, Permission.ORG_MANAGE, new.parent_id)
        org = await self.orgs.create(new)
        await self.access.reload()
        await self._org_changed(principal, "organization.create", None, org)
        return org

    async def update_organization(
        self, principal: Principal, org_id: ObjectId, changes: OrganizationChanges
    ) -> Organization:
        if self.orgs.tree.get(org_id) is None:  # the tree is public: saying so reveals nothing
            raise NotFound("未找到该机构。")
        self.access.require(principal, Permission.ORG_MANAGE, org_id)
        before = _org_snapshot(self.orgs.tree.require(org_id))
        org = await self.orgs.update(org_id, changes)
        await self._org_changed(principal, "organization.update", before, org)
        return org

    async def set_index_template(self, principal: Principal, org_id: ObjectId, template: str) -> Organization:
        self.access.require(principal, Permission.ORG_MANAGE, org_id)
        before = self.orgs.tree.require(org_id).index_template
        org = await self.orgs.set_index_template(org_id, template)
        await self._org_changed(
            principal, "organization.index_template", {"index_template": before}, org, ("index_template",)
        )
        return org

    async def set_review_chain(
        self, principal: Principal, org_id: ObjectId, chain: list[TierSpec] | None
    ) -> Organization:
        self.access.require(principal, Permission.ORG_MANAGE, org_id)
        if chain is not None:
            validate_chain(chain)
        before = self.orgs.tree.require(org_id).review_chain
        org = await self.orgs.set_review_chain(org_id, chain)
        await self._org_changed(
            principal, "organization.review_chain", {"review_chain": before}, org, ("review_chain",)
        )
        return org

    async def _org_changed(
        self,
        principal: Principal,
        action: str,
        before: dict[str, object] | None,
        org: Organization,
        fields: Sequence[str] | None = None,
    ) -> None:
        after = _org_snapshot(org)
        if fields is not None:
            after = {k: after[k] for k in fields}
        change = Change(action, "Organization", str(org.id), org.name, org.id, before, after)
        await self.audit.record(principal, change)

    # -- catalog vocabularies (shared by every organization) ------------------------------------

    async def add_term(
        self, principal: Principal, vocabulary: Vocabulary, label: str, parent: str | None
    ) -> VocabularyTerm:
        self.access.require_shared(principal, Permission.VOCABULARY_MANAGE)
        term = await self.workflow.atomically(
            lambda s: self.vocabularies.add(vocabulary, label, parent, session=s)
        )
        await self.vocabularies.changed()
        await self._term_changed(principal, "vocabulary.add", vocabulary, term.value, None, _term(term))
        return term

    async def relabel_term(
        self, principal: Principal, vocabulary: Vocabulary, value: str, label: str
    ) -> VocabularyTerm:
        self.access.require_shared(principal, Permission.VOCABULARY_MANAGE)
        before = await _stored_term(vocabulary, value)
        term = await self.workflow.atomically(
            lambda s: self.vocabularies.relabel(vocabulary, value, label, session=s)
        )
        await self.vocabularies.changed()
        await self._term_changed(principal, "vocabulary.relabel", vocabulary, value, before, _term(term))
        return term

    async def reorder_terms(
        self, principal: Principal, vocabulary: Vocabulary, parent: str | None, values: Sequence[str]
    ) -> list[VocabularyTerm]:
        self.access.require_shared(principal, Permission.VOCABULARY_MANAGE)
        if len(values) > MAX_REORDER:
            raise InvalidInput(f"一次最多排列 {MAX_REORDER} 个词。", field="values")
        terms = await self.workflow.atomically(
            lambda s: self.vocabularies.reorder(vocabulary, parent, values, session=s)
        )
        await self.vocabularies.changed()
        after = {"parent": parent, "order": [t.value for t in terms]}
        await self._term_changed(principal, "vocabulary.reorder", vocabulary, parent or "", None, after)
        return terms

    async def remove_term(self, principal: Principal, vocabulary: Vocabulary, value: str) -> None:
        self.access.require_shared(principal, Permission.VOCABULARY_MANAGE)
        before = await _stored_term(vocabulary, value)
        await self.workflow.atomically(lambda s: self.vocabularies.remove(vocabulary, value, session=s))
        await self.vocabularies.changed()
        await self._term_changed(principal, "vocabulary.remove", vocabulary, value, before, None)

    async def _term_changed(
        self,
        principal: Principal,
        action: str,
        vocabulary: Vocabulary,
        value: str,
        before: object,
        after: object,
    ) -> None:
        target = f"{vocabulary.value}:{value}"
        await self.audit.record(principal, Change(action, "Vocabulary", target, value, None, before, after))

    # -- users and roles ----------------------------------------------------------------------

    async def create_user(
        self, principal: Principal, username: str, password: str, org_id: ObjectId, display_name: str
    ) -> User:
        self.access.require(principal, Permission.USER_MANAGE, org_id)
        self.orgs.tree.require(org_id)
        user = await self.accounts.create_user(username, password, org_id, display_name)
        await self._user_changed(principal, "user.create", user, None, _account(user))
        return user

    async def set_user_active(self, principal: Principal, user_id: ObjectId, active: bool) -> User:
        """Disable (its sessions end, it cannot log in) or enable an account."""
        user = await self._managed_user(principal, user_id)
        if not active and str(user.id) == principal.user_id:
            raise InvalidInput("不能停用自己的账号。", field="id")
        before = {"active": user.active}
        await self.accounts.set_active(user, active)
        action = "user.enable" if active else "user.disable"
        await self._user_changed(principal, action, user, before, {"active": active})
        return user

    async def reset_password(self, principal: Principal, user_id: ObjectId, password: str) -> User:
        """A temporary password the user must change at the next login; their sessions end."""
        user = await self._managed_user(principal, user_id)
        before = {"must_change_password": user.must_change_password}
        await self.accounts.reset_password(user, password)
        await self._user_changed(
            principal, "user.reset_password", user, before, {"must_change_password": True}
        )
        return user

    async def unlock_user(self, principal: Principal, user_id: ObjectId) -> User:
        user = await self._managed_user(principal, user_id)
        await self.accounts.unlock(user)
        await self._user_changed(principal, "user.unlock", user, None, None)
        return user

    async def change_own_password(self, principal: Principal, current: str, new_password: str) -> LoginResult:
        """The signed-in user's own change (also while a reset forces it: no permission is needed)."""
        if principal.is_anonymous or principal.user_id is None:
            raise Unauthenticated()
        user = await self.accounts.get(ObjectId(principal.user_id))
        if user is None:
            raise Unauthenticated()
        result = await self.accounts.change_password(user, current, new_password)
        await self._user_changed(principal, "user.change_password", user, None, None)
        return result

    async def search_users(self, principal: Principal, text: str, first: int) -> list[User]:
        """Accounts whose name or display name contains ``text``, in every organization where the
        caller manages users."""
        if principal.is_anonymous:
            raise Unauthenticated()
        if not 1 <= first <= MAX_USER_SEARCH:
            raise InvalidInput(f"每页条数应在 1 到 {MAX_USER_SEARCH} 之间。", field="first")
        orgs = self.access.orgs_with(principal, Permission.USER_MANAGE)
        if not orgs:
            raise Forbidden(permission=Permission.USER_MANAGE.value)
        return await self.accounts.search(text[:100], sorted(orgs), first)

    async def _managed_user(self, principal: Principal, user_id: ObjectId) -> User:
        """The account, once the caller may manage users of its organization. An unknown id answers
        ``FORBIDDEN`` to a caller who manages users nowhere, so ids are not probed."""
        if principal.is_anonymous:
            raise Unauthenticated()
        user = await self.accounts.get(user_id)
        if user is None:
            if not self.access.orgs_with(principal, Permission.USER_MANAGE):
                raise Forbidden(permission=Permission.USER_MANAGE.value)
            raise NotFound("未找到该用户。")
        self.access.require(principal, Permission.USER_MANAGE, user.org_id)
        return user

    async def _user_changed(
        self, principal: Principal, action: str, user: User, before: object, after: object
    ) -> None:
        label = f"{user.display_name}（{user.username}）" if user.display_name else user.username
        change = Change(action, "User", str(user.id), label, user.org_id, before, after)
        await self.audit.record(principal, change)

    async def users(self, principal: Principal, org_id: ObjectId) -> list[User]:
        self.access.require(principal, Permission.USER_MANAGE, org_id)
        return await self.accounts.list_users(org_id)

    async def grant(
        self, principal: Principal, user_id: ObjectId, role: Role, org_id: ObjectId, subtree: bool
    ) -> Grant:
        self.access.require(principal, Permission.ROLE_GRANT, org_id)  # before anything is looked up
        if await self.accounts.get(user_id) is None:
            raise InvalidInput("用户不存在。", field="user")
        grant = Grant(user_id=str(user_id), role=role, org_id=str(org_id), subtree=subtree)
        if await self.access.grant(principal, grant):
            await self._grant_changed(principal, "role.grant", grant, None, _grant(grant))
        return grant

    async def revoke(self, principal: Principal, user_id: ObjectId, role: Role, org_id: ObjectId) -> bool:
        held = [
            g
            for g in self.access.authorizer.grants
            if g.user_id == str(user_id) and g.role == role and g.org_id == str(org_id)
        ]
        removed = await self.access.revoke(principal, str(user_id), role, org_id)
        if removed:  # the grant is gone from the store; the log keeps what it was
            grant = held[0] if held else Grant(str(user_id), role, str(org_id), True)
            await self._grant_changed(principal, "role.revoke", grant, _grant(grant), None)
        return removed

    async def _grant_changed(
        self, principal: Principal, action: str, grant: Grant, before: object, after: object
    ) -> None:
        user = await self.accounts.get(ObjectId(grant.user_id))
        org = self.orgs.tree.get(ObjectId(grant.org_id))
        who = user.username if user is not None else grant.user_id
        label = f"{who} @ {org.name if org else grant.org_id}：{ROLE_LABELS[grant.role]}"
        target = f"{grant.user_id}:{grant.role.value}:{grant.org_id}"
        change = Change(action, "RoleGrant", target, label, ObjectId(grant.org_id), before, after)
        await self.audit.record(principal, change)

    # -- the audit log -------------------------------------------------------------------------

    async def audit_page(
        self, principal: Principal, filter: AuditFilter, first: int, before_seq: int | None
    ) -> list[AuditRecord]:
        self.access.require_shared(principal, Permission.AUDIT_VIEW)
        return await self.audit.page(filter, first, before_seq)

    async def audit_count(self, principal: Principal, filter: AuditFilter) -> int:
        self.access.require_shared(principal, Permission.AUDIT_VIEW)
        return await self.audit.count(filter)

    async def audit_export(self, principal: Principal, filter: AuditFilter) -> str:
        self.access.require_shared(principal, Permission.AUDIT_VIEW)
        return await self.audit.export_csv(filter)

    async def audit_verify(self, principal: Principal) -> VerifyResult:
        self.access.require_shared(principal, Permission.AUDIT_VIEW)
        return await self.audit.verify()

    def grants_of(self, principal: Principal, user: User) -> list[Grant]:
        """The roles one account holds, wherever they are granted: for the account itself, and for whoever
        manages the people of its organization or grants roles there."""
        if principal.user_id is not None and principal.user_id == str(user.id):
            return self.access.roles_of(principal)
        if not self.access.can(principal, Permission.ROLE_GRANT, user.org_id):
            self.access.require(principal, Permission.USER_MANAGE, user.org_id)
        return self.access.roles_of(self.access.principal_for(user))

    def grants_in(self, principal: Principal, org_id: ObjectId) -> list[Grant]:
        """Who holds what in an organization (including grants inherited from above)."""
        self.access.require(principal, Permission.ROLE_GRANT, org_id)
        path = {str(o) for o in self.orgs.tree.path_of(org_id)}
        return [
            g
            for g in self.access.authorizer.grants
            if g.org_id == str(org_id) or (g.subtree and g.org_id in path)
        ]

    # -- the review register ------------------------------------------------------------------

    async def register_page(
        self,
        principal: Principal,
        org_id: ObjectId,
        *,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        before_seq: int | None,
    ) -> list[RegisterRecord]:
        self.access.require(principal, Permission.REGISTER_VIEW, org_id)
        if not 1 <= limit <= MAX_REGISTER_PAGE:
            raise InvalidInput(f"每页条数应在 1 到 {MAX_REGISTER_PAGE} 之间。", field="first")
        return await self.register.list(org_id, since=since, until=until, limit=limit, before_seq=before_seq)

    async def register_export(
        self, principal: Principal, org_id: ObjectId, *, since: datetime | None, until: datetime | None
    ) -> str:
        self.access.require(principal, Permission.REGISTER_EXPORT, org_id)
        return await self.register.export_csv(org_id, since=since, until=until)

    async def register_verify(self, principal: Principal, org_id: ObjectId) -> VerifyResult:
        self.access.require(principal, Permission.REGISTER_VIEW, org_id)
        return await self.register.verify(org_id)

    async def register_heads(self, principal: Principal) -> list[RegisterHead]:
        """Every register the caller may read, verified, in the order of the organization tree."""
        return await self._heads(principal, Permission.REGISTER_VIEW)

    async def register_heads_export(self, principal: Principal) -> str:
        """The heads of every register the caller may export, as CSV, for anchoring outside the system."""
        heads = await self._heads(principal, Permission.REGISTER_EXPORT)
        if not heads:  # a file of headings alone would look like an empty register
            raise Forbidden(permission=Permission.REGISTER_EXPORT.value)
        return heads_csv(heads)

    async def _heads(self, principal: Principal, permission: Permission) -> list[RegisterHead]:
        allowed = self.access.signed_in_orgs_with(principal, permission)
        return [await head_of(self.register, org) for org in self._tree_order() if org.id in allowed]

    def _tree_order(self) -> list[Organization]:
        """Depth first, siblings by their sort order: the order the organization screens show."""
        ordered: list[Organization] = []
        stack = list(reversed(self.orgs.tree.roots()))
        while stack:
            org = stack.pop()
            ordered.append(org)
            stack.extend(reversed(self.orgs.tree.children.get(org.id, [])))
        return ordered

    def chain_of(self, principal: Principal, org_id: ObjectId) -> list[TierSpec]:
        """The chain in effect: the organization's own, else its nearest ancestor's, else the default."""
        self._require_chain_reader(principal, org_id)
        return self.workflow.chain(org_id)

    def own_chain_of(self, principal: Principal, org_id: ObjectId) -> list[TierSpec] | None:
        """The chain configured on the organization itself; None when it inherits (as ``chain_of``,
        which treats an empty list as not configured)."""
        self._require_chain_reader(principal, org_id)
        configured = self.orgs.tree.require(org_id).review_chain
        return list(configured) if configured else None

    def _require_chain_reader(self, principal: Principal, org_id: ObjectId) -> None:
        if self.orgs.tree.get(org_id) is None:
            raise NotFound("未找到该机构。")
        self.access.require(principal, Permission.CONTENT_VIEW_DRAFT, org_id)


def _org_snapshot(org: Organization) -> dict[str, object]:
    return {
        "key": org.key,
        "name": org.name,
        "short_name": org.short_name,
        "code": org.code,
        "parent_id": org.parent_id,
        "sort_order": org.sort_order,
        "doc_prefix": org.doc_prefix,
        "index_template": org.index_template,
        "review_chain": org.review_chain,
    }


def _account(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "org_id": user.org_id,
        "active": user.active,
    }


def _grant(grant: Grant) -> dict[str, object]:
    return {
        "user_id": grant.user_id,
        "role": grant.role.value,
        "org_id": grant.org_id,
        "subtree": grant.subtree,
    }


def _term(term: VocabularyTerm) -> dict[str, object]:
    return {"value": term.value, "label": term.label, "parent": term.parent}


async def _stored_term(vocabulary: Vocabulary, value: str) -> dict[str, object] | None:
    found = await VocabularyTerm.find_one({"vocabulary": vocabulary.value, "value": value})
    return _term(found) if found is not None else None
