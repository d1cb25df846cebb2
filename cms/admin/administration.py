"""Administration and staff reads that need a permission: organizations, users, role grants, review
chains, catalog vocabularies and the review register. Each method checks through ``AccessControl``
first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bson import ObjectId

from authz import Grant, Permission, Principal, Role
from cms.admin.access import AccessControl
from cms.admin.accounts import AccountService
from cms.admin.organizations import NewOrganization, OrganizationChanges, OrganizationService
from cms.admin.vocabularies import Vocabulary, VocabularyService
from cms.errors import InvalidInput, NotFound
from cms.review.register import RegisterService, VerifyResult
from cms.review.workflow import WorkflowService, validate_chain
from storage.accounts import User
from storage.documents import Organization, TierSpec, VocabularyTerm
from storage.register import RegisterRecord

MAX_REGISTER_PAGE = 500
MAX_REORDER = 500


class AdministrationService:
    def __init__(
        self,
        access: AccessControl,
        orgs: OrganizationService,
        accounts: AccountService,
        register: RegisterService,
        workflow: WorkflowService,
        vocabularies: VocabularyService,
    ) -> None:
        self.access = access
        self.orgs = orgs
        self.accounts = accounts
        self.register = register
        self.workflow = workflow
        self.vocabularies = vocabularies

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
        return org

    async def update_organization(
        self, principal: Principal, org_id: ObjectId, changes: OrganizationChanges
    ) -> Organization:
        if self.orgs.tree.get(org_id) is None:  # the tree is public: saying so reveals nothing
            raise NotFound("未找到该机构。")
        self.access.require(principal, Permission.ORG_MANAGE, org_id)
        return await self.orgs.update(org_id, changes)

    async def set_index_template(self, principal: Principal, org_id: ObjectId, template: str) -> Organization:
        self.access.require(principal, Permission.ORG_MANAGE, org_id)
        return await self.orgs.set_index_template(org_id, template)

    async def set_review_chain(
        self, principal: Principal, org_id: ObjectId, chain: list[TierSpec] | None
    ) -> Organization:
        self.access.require(principal, Permission.ORG_MANAGE, org_id)
        if chain is not None:
            validate_chain(chain)
        return await self.orgs.set_review_chain(org_id, chain)

    # -- catalog vocabularies (shared by every organization) ------------------------------------

    async def add_term(
        self, principal: Principal, vocabulary: Vocabulary, label: str, parent: str | None
    ) -> VocabularyTerm:
        self.access.require_shared(principal, Permission.VOCABULARY_MANAGE)
        term = await self.workflow.atomically(
            lambda s: self.vocabularies.add(vocabulary, label, parent, session=s)
        )
        await self.vocabularies.changed()
        return term

    async def relabel_term(
        self, principal: Principal, vocabulary: Vocabulary, value: str, label: str
    ) -> VocabularyTerm:
        self.access.require_shared(principal, Permission.VOCABULARY_MANAGE)
        term = await self.workflow.atomically(
            lambda s: self.vocabularies.relabel(vocabulary, value, label, session=s)
        )
        await self.vocabularies.changed()
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
        return terms

    async def remove_term(self, principal: Principal, vocabulary: Vocabulary, value: str) -> None:
        self.access.require_shared(principal, Permission.VOCABULARY_MANAGE)
        await self.workflow.atomically(lambda s: self.vocabularies.remove(vocabulary, value, session=s))
        await self.vocabularies.changed()

    # -- users and roles ----------------------------------------------------------------------

    async def create_user(
        self, principal: Principal, username: str, password: str, org_id: ObjectId, display_name: str
    ) -> User:
        self.access.require(principal, Permission.USER_MANAGE, org_id)
        self.orgs.tree.require(org_id)
        return await self.accounts.create_user(username, password, org_id, display_name)

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
        await self.access.grant(principal, grant)
        return grant

    async def revoke(self, principal: Principal, user_id: ObjectId, role: Role, org_id: ObjectId) -> bool:
        return await self.access.revoke(principal, str(user_id), role, org_id)

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
