"""The review workflow's transitions: submit, approve (审发 at the last tier), reject, withdraw, confirm.

The chain of tiers is data (cms.review.chains); an organization may configure its own chain (for
example with a secrecy tier) without code changes, and inherits its parent's otherwise. Every
transition is checked once through ``AccessControl.require``, registered in the tamper-evident review
register, and written together with the item's new state in one transaction, conditional on the state
and version the caller saw, so two reviewers can never both act on the same step.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.content.disclosure import check_grounds
from cms.content.entries import remove_entry
from cms.content.kinds import kind_of
from cms.content.store import ContentService
from cms.content.versions import MERGE_NOTE, VersionService, apply, snapshot
from cms.content.visibility import is_visible
from cms.errors import (
    ConfirmationPending,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    OpinionRequired,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from cms.observe.metrics import record_transition
from cms.review.actions import (
    ACTION_LABELS,
    APPROVE_FIELDS,
    CONFIRM_FIELDS,
    STATE_FIELDS,
    SUBMIT_FIELDS,
    Action,
    TransitionRequest,
)
from cms.review.chains import (
    DEFAULT_CHAIN,
    EDITABLE_STATES,
    PENDING,
    TIER_STATES,
    chain_below_floor,
    state_for,
    validate_chain,
)
from cms.review.filing import Filing, Writes, cas_update
from cms.review.findings import check_findings
from cms.review.register import RegisterEntry, RegisterService
from cms.review.sync import DocumentSync, Followed
from storage.documents import CONTENT_TYPES, Confirmation, ContentDocument, ReviewState, TierAct, TierSpec
from storage.register import RegisterRecord

T = TypeVar("T")

log = logging.getLogger(__name__)
ItemHook = Callable[["ContentDocument", "ContentDocument", AsyncClientSession], Awaitable[None]]

MAX_OPINION = 2000


class WorkflowService:
    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        access: AccessControl,
        content: ContentService,
        register: RegisterService,
        versions: VersionService,
    ) -> None:
        self.client = client
        self.access = access
        self.content = content
        self.register = register
        self.versions = versions
        self.filing = Filing(client, register, access, content.orgs)
        self.sync = DocumentSync(content, access, versions, self.filing)
        # Parts of an item stored outside its document (attachments) follow it through these, inside
        # the same transaction: (live, copy) on checkout, (copy, live) when a copy is issued.
        self.checkout_hooks: list[ItemHook] = []
        self.merge_hooks: list[ItemHook] = []
        # Called after every committed transition (public caches listen here).
        self.committed_hooks: list[Callable[[ContentDocument], Awaitable[None]]] = []
        # Called last inside a transition's transaction (after the register records, see Filing.file)
        # with every item it changed (the item, then the interpretations that followed it): what must
        # commit with the change (the public change feed).
        self.transaction_hooks: list[
            Callable[[list[ContentDocument], AsyncClientSession], Awaitable[object]]
        ] = []
        # Whether an organization's stored chain meets the floor, by its content (checked and logged
        # once per organization and chain; chains are few).
        self._floor_checked: dict[tuple[str, tuple[tuple[str, str, str, bool], ...]], bool] = {}

    # -- configuration ------------------------------------------------------------------------

    def chain(self, org_id: ObjectId) -> list[TierSpec]:
        """The chain in effect: the organization's own, else its nearest ancestor's, else the default.
        A stored chain below the statutory floor (written before ``validate_chain`` enforced it) is
        passed over as if it were not configured, and logged once: nothing is published through it."""
        tree = self.content.orgs.tree
        org = tree.require(org_id)
        for ancestor_id in [org_id, *reversed(org.ancestors)]:
            configured = tree.require(ancestor_id).review_chain
            if configured and self._meets_floor(ancestor_id, configured):
                return list(configured)
        return list(DEFAULT_CHAIN)

    def _meets_floor(self, org_id: ObjectId, chain: list[TierSpec]) -> bool:
        signature = (str(org_id), tuple((t.key, t.label, t.permission, t.author_may_act) for t in chain))
        known = self._floor_checked.get(signature)
        if known is None:
            problem = chain_below_floor(chain)
            known = self._floor_checked[signature] = problem is None
            if problem is not None:
                log.warning("organization %s: stored review chain ignored, %s", org_id, problem)
        return known

    def separation_enforced(self, org_id: ObjectId) -> bool:
        return self.content.orgs.tree.require(org_id).separation_of_duties

    def current_tier(self, item: ContentDocument) -> tuple[int, TierSpec] | None:
        for index, tier in enumerate(self.chain(item.org_id)):
            if tier.key == item.pending_tier:
                return index, tier
        return None

    # -- loading ------------------------------------------------------------------------------

    async def load_for(self, principal: Principal, item_type: str, item_id: ObjectId) -> ContentDocument:
        """The item if the caller may see it; NotFound otherwise (existence is not revealed)."""
        cls = CONTENT_TYPES.get(item_type)
        item = await cls.get(item_id) if cls else None
        if item is None:
            raise NotFound()
        scope = self.content.scope(self.access.draft_orgs(principal))
        if is_visible(item, scope) or self._confirms(principal, item):
            return item
        raise NotFound()

    def _confirms(self, principal: Principal, item: ContentDocument) -> bool:
        return any(self.access.can(principal, Permission.REVIEW_APPROVE, o) for o in item.involves_org_ids)

    # -- transitions --------------------------------------------------------------------------

    async def transition(self, principal: Principal, request: TransitionRequest) -> ContentDocument:
        """One transition, counted by action and outcome (``gongkai_transitions_total``)."""
        try:
            item = await self._transition(principal, request)
        except DomainError as exc:
            record_transition(request.action.value, exc.code)
            raise
        except Exception:
            record_transition(request.action.value, "failed")
            raise
        record_transition(request.action.value, "ok")
        return item

    async def _transition(self, principal: Principal, request: TransitionRequest) -> ContentDocument:
        if len(request.opinion) > MAX_OPINION:
            raise InvalidInput(f"审核意见不超过 {MAX_OPINION} 字。", field="opinion")
        item = await self.load_for(principal, request.item_type, request.item_id)
        handler: dict[
            Action, Callable[[Principal, ContentDocument, TransitionRequest], Awaitable[ContentDocument]]
        ]
        handler = {
            Action.SUBMIT: self._submit,
            Action.APPROVE: self._approve,
            Action.REJECT: self._reject,
            Action.WITHDRAW: self._withdraw,
            Action.CONFIRM: self._confirm,
        }
        return await handler[request.action](principal, item, request)

    async def _submit(
        self, principal: Principal, item: ContentDocument, request: TransitionRequest
    ) -> ContentDocument:
        self.access.require(principal, Permission.CONTENT_SUBMIT, item.org_id)
        self._expect(item, request, EDITABLE_STATES)
        check_grounds(item)
        first = self.chain(item.org_id)[0]
        before = item.review_state
        now = self.content.clock()
        item.review_state = state_for(first)
        item.pending_tier = first.key
        item.submitted_at, item.submitted_by = now, principal.user_id
        item.cycle, item.confirmations = [], []
        await self._commit(principal, item, before, request, tier=None, changed=SUBMIT_FIELDS)
        return item

    async def _approve(
        self, principal: Principal, item: ContentDocument, request: TransitionRequest
    ) -> ContentDocument:
        index, tier = self._pending_tier(item)
        self.access.require(principal, Permission(tier.permission), item.org_id)
        self._expect(item, request, PENDING)
        await self._check_separation(principal, item, tier)
        check_findings(item, request.findings)
        chain = self.chain(item.org_id)
        before = item.review_state
        item.cycle = [
            *item.cycle,
            TierAct(tier=tier.key, actor_id=principal.user_id or "", at=self.content.clock()),
        ]
        if index + 1 < len(chain):
            following = chain[index + 1]
            item.review_state, item.pending_tier = state_for(following), following.key
            await self._commit(principal, item, before, request, tier=tier.key, changed=APPROVE_FIELDS)
            return item
        self._check_confirmations(item)
        not_before = await self.sync.interpreted_published(principal, item)
        if item.working_copy_of is not None:
            return await self._merge_working_copy(principal, item, before, request, tier.key, not_before)
        if kind_of(item).index_numbered:
            # Idempotent: the number stays reserved for the item even if the commit fails; the entry
            # itself gets it with the commit below (one write of the entry, not two).
            await self.content.assign_index_number(item, settle=False)
        await self.content.assign_public_number(item)
        effective = _not_earlier(request.effective or item.effective or self.content.clock(), not_before)
        self.content.prepare_publication(item, effective=effective)  # stamps the item
        await self._commit(principal, item, before, request, tier=tier.key, stamped=True)
        return item

    async def _reject(
        self, principal: Principal, item: ContentDocument, request: TransitionRequest
    ) -> ContentDocument:
        _index, tier = self._pending_tier(item)
        self.access.require(principal, Permission(tier.permission), item.org_id)
        self._expect(item, request, PENDING)
        if not request.opinion.strip():
            raise OpinionRequired()
        await self._check_separation(principal, item, tier, approving=False)
        before = item.review_state
        item.review_state, item.pending_tier = ReviewState.REJECTED, None
        await self._commit(principal, item, before, request, tier=tier.key, changed=STATE_FIELDS)
        return item

    async def _withdraw(
        self, principal: Principal, item: ContentDocument, request: TransitionRequest
    ) -> ContentDocument:
        self.access.require(principal, Permission.CONTENT_WITHDRAW, item.org_id)
        self._expect(item, request, frozenset({ReviewState.PUBLISHED}))
        if not request.opinion.strip():
            raise OpinionRequired("撤回已发布信息必须说明理由。")
        before = item.review_state
        item.review_state = ReviewState.WITHDRAWN
        await self._commit(principal, item, before, request, tier=None, changed=STATE_FIELDS)
        return item

    async def _confirm(
        self, principal: Principal, item: ContentDocument, request: TransitionRequest
    ) -> ContentDocument:
        org_id = request.confirming_org
        if org_id is None or org_id not in item.involves_org_ids:
            raise InvalidInput("请选择本事项涉及的、需要确认的机构。", field="confirmingOrganization")
        self.access.require(principal, Permission.REVIEW_APPROVE, org_id)
        self._expect(item, request, PENDING)
        if any(c.org_id == org_id for c in item.confirmations):
            raise TransitionNotAllowed("该机构已确认。")
        before = item.review_state
        item.confirmations = [
            *item.confirmations,
            Confirmation(
                org_id=org_id,
                actor_id=principal.user_id or "",
                at=self.content.clock(),
                opinion=request.opinion,
            ),
        ]
        await self._commit(
            principal,
            item,
            before,
            request,
            tier=None,
            details={"confirmingOrg": str(org_id)},
            changed=CONFIRM_FIELDS,
        )
        return item

    async def record_import(self, item: ContentDocument, *, source: str) -> None:
        """File an already-published record brought in from elsewhere (e.g. a historical catalog) in the
        register, so that every public item is accounted for there, marked as an import, not a review."""
        assert item.id is not None
        await self.register.append(
            RegisterEntry(
                org_id=item.org_id,
                item_id=item.id,
                item_type=type(item).__name__,
                item_title=item.title,
                item_version=item.version,
                action="import",
                from_state=ReviewState.PUBLISHED.value,
                to_state=item.review_state.value,
                actor_id="system",
                actor_name="系统导入",
                details={"source": source},
            )
        )

    # -- rules --------------------------------------------------------------------------------

    def _pending_tier(self, item: ContentDocument) -> tuple[int, TierSpec]:
        found = self.current_tier(item) if item.review_state in PENDING else None
        if found is None:
            raise TransitionNotAllowed()
        return found

    def _expect(
        self, item: ContentDocument, request: TransitionRequest, states: frozenset[ReviewState]
    ) -> None:
        if item.review_state not in states:
            raise TransitionNotAllowed()
        if request.expected_version is not None and request.expected_version != item.version:
            raise Conflict()

    async def _check_separation(
        self, principal: Principal, item: ContentDocument, tier: TierSpec, *, approving: bool = True
    ) -> None:
        """Nobody acts at two tiers of one cycle; whoever wrote the item (created, submitted or saved
        any version of it, a working copy's own versions for a copy) approves only at a tier that
        allows the author. The savers cost one query, and only when the rest does not decide."""
        if not self.separation_enforced(item.org_id):
            return
        actor = principal.user_id
        if acted_at_other_tier(item, actor, tier):
            raise SeparationOfDuties("同一人不能在同一事项的两个审核环节签署意见。")
        if not approving or not author_barred(tier, actor):
            return
        assert item.id is not None
        assert actor is not None
        if named_author(item, actor) or await self.versions.saved_by(item.id, actor):
            raise SeparationOfDuties("不能审核或审发自己起草、修改或提交的内容。")

    def _check_confirmations(self, item: ContentDocument) -> None:
        confirmed = {c.org_id for c in item.confirmations}
        missing = [o for o in item.involves_org_ids if o not in confirmed]
        if missing:
            names = "、".join(self.content.orgs.tree.require(o).name for o in missing)
            raise ConfirmationPending(f"须经{names}确认后方可审发。")

    # -- writing ------------------------------------------------------------------------------

    async def atomically(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        return await self.filing.atomically(work)

    async def _file(self, writes: Writes, entry: RegisterEntry) -> RegisterRecord:
        """See ``Filing.file``."""
        return await self.filing.file(writes, entry)

    async def _commit(
        self,
        principal: Principal,
        item: ContentDocument,
        before: ReviewState,
        request: TransitionRequest,
        *,
        tier: str | None,
        details: dict[str, Any] | None = None,
        changed: tuple[str, ...] | None = None,
        stamped: bool = False,
    ) -> None:
        """The new state and its register record, together or not at all.

        ``changed`` names the only fields the transition changed (workflow state, never content):
        just those are written, and the derived fields (search tokens, sort key, paths), which depend
        on content alone, are neither recomputed nor rewritten. ``None`` writes the whole item,
        restamped unless ``stamped`` says that was just done (publication: the index number and the
        publication dates feed derived fields; ``modified`` does not)."""
        seen_version = item.version
        item.modified = self.content.clock()
        if changed is None and not stamped:
            self.content.stamp(item)
        entry = self._entry(principal, item, before, request, tier, details or {})
        fields = None if changed is None else (*changed, "modified")

        followed: Followed = []

        async def write(session: AsyncClientSession) -> list[RegisterEntry]:
            await cas_update(item, seen_version, before, session, fields=fields)
            if before is ReviewState.PUBLISHED:  # withdrawn: its interpretations follow
                followed[:] = await self.sync.follow_document(principal, item, request, session)
            return [e for _, e in followed]

        async def finish(session: AsyncClientSession) -> None:
            await self._in_transaction([item, *(f for f, _ in followed)], session)

        await self.filing.file(write, entry, finish)
        await self._committed(item)
        for follower, _ in followed:
            await self._committed(follower)

    async def _in_transaction(self, items: list[ContentDocument], session: AsyncClientSession) -> None:
        for hook in self.transaction_hooks:
            await hook(items, session)

    async def _committed(self, item: ContentDocument) -> None:
        for hook in self.committed_hooks:
            await hook(item)

    async def _merge_working_copy(
        self,
        principal: Principal,
        copy: ContentDocument,
        before: ReviewState,
        request: TransitionRequest,
        tier: str,
        not_before: datetime | None,
    ) -> ContentDocument:
        """Final approval of a working copy: its content becomes the live version; the copy is gone."""
        live = await type(copy).get(copy.working_copy_of)
        if live is None:
            raise NotFound("原内容已不存在。")
        if live.review_state is not ReviewState.PUBLISHED:
            # Withdrawn, or corrected and back in review: issuing an older revision over it would
            # overwrite content nobody reviewed against it.
            raise TransitionNotAllowed("原内容已撤回或正在重新审核，工作副本不能审发。")
        live_version, live_state = live.version, live.review_state
        apply(live, snapshot(copy))
        if live.effective is not None:
            live.effective = _not_earlier(live.effective, not_before)
        live.version += 1
        live.modified = self.content.clock()
        self.content.stamp(live)
        copy.review_state = ReviewState.PUBLISHED
        entry = self._entry(principal, copy, before, request, tier, {"mergedInto": str(live.id)})
        followed: Followed = []

        async def write(session: AsyncClientSession) -> list[RegisterEntry]:
            await cas_update(live, live_version, live_state, session)
            await self.versions.record(live, by=principal.user_id, note=MERGE_NOTE, session=session)
            deleted = (
                await type(copy)
                .get_pymongo_collection()
                .delete_one(
                    {"_id": copy.id, "version": copy.version, "review_state": before.value}, session=session
                )
            )
            if deleted.deleted_count != 1:
                raise Conflict()
            assert copy.id is not None
            await remove_entry(copy.id, session)
            for hook in self.merge_hooks:
                await hook(copy, live, session)
            # made 不予公开 (or expired): its interpretations follow
            followed[:] = await self.sync.follow_document(principal, live, request, session)
            return [e for _, e in followed]

        async def finish(session: AsyncClientSession) -> None:
            await self._in_transaction([live, *(f for f, _ in followed)], session)

        try:
            await self.filing.file(write, entry, finish)
        except DuplicateKeyError as exc:
            # A content field unique among its kind (a gazette issue's number): another live item
            # took the copy's value after the copy was saved. The transaction wrote nothing.
            unique = kind_of(live).unique_violation
            if unique is not None:
                raise unique(live) from exc
            raise
        await self._committed(live)
        for follower, _ in followed:
            await self._committed(follower)
        return live

    def _entry(
        self,
        principal: Principal,
        item: ContentDocument,
        before: ReviewState,
        request: TransitionRequest,
        tier: str | None,
        details: dict[str, Any],
    ) -> RegisterEntry:
        entry = self.filing.record(
            principal, item, before, request.action.value, request.opinion.strip(), details, tier=tier
        )
        return dataclasses.replace(entry, findings=request.findings)


def _not_earlier(instant: datetime, bound: datetime | None) -> datetime:
    return instant if bound is None or instant >= bound else bound


# Importable from here, where callers and tests have always found them.
__all__ = [
    "ACTION_LABELS",
    "DEFAULT_CHAIN",
    "EDITABLE_STATES",
    "PENDING",
    "TIER_STATES",
    "Action",
    "TransitionRequest",
    "WorkflowService",
    "cas_update",
    "chain_below_floor",
    "state_for",
    "validate_chain",
]


# -- separation of duties, as predicates (cms.review.allowed asks them too, without raising) ---------


def acted_at_other_tier(item: ContentDocument, actor: str | None, tier: TierSpec) -> bool:
    """Whether ``actor`` signed at another tier of the item's current cycle."""
    return any(act.actor_id == actor and act.tier != tier.key for act in item.cycle)


def author_barred(tier: TierSpec, actor: str | None) -> bool:
    """Whether an author of the item may not approve at ``tier`` (the rest asks who wrote it)."""
    return not tier.author_may_act and actor is not None


def named_author(item: ContentDocument, actor: str) -> bool:
    """Whether the item names ``actor`` as its creator or submitter (savers of versions are asked
    of ``VersionService``)."""
    return actor in {item.created_by, item.submitted_by}
