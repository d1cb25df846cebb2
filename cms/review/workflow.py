"""The statutory review chain as data: 承办人初审 → 承办部门负责人审核 → 单位负责人审发 by default.

Each tier names the permission that acts there; an organization may configure its own chain (for
example with a secrecy tier) without code changes, and inherits its parent's otherwise. Every
transition is checked once through ``AccessControl.require``, registered in the tamper-evident review
register, and written together with the item's new state in one transaction, conditional on the state
and version the caller saw, so two reviewers can never both act on the same step.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from beanie import PydanticObjectId
from beanie.odm.utils.encoder import Encoder
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.content.disclosure import check_grounds
from cms.content.entries import remove_entry, store_entry, store_visibility
from cms.content.store import ContentService
from cms.content.versions import MERGE_NOTE, VersionService, apply, encode, snapshot
from cms.content.visibility import is_visible, public_until
from cms.errors import (
    ConfidentialityBlocks,
    ConfidentialityRequired,
    ConfirmationPending,
    Conflict,
    DisclosureModeMismatch,
    InterpretedDocumentNotPublished,
    InvalidInput,
    NotFound,
    OpinionRequired,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from cms.kinds.gazette import number_taken
from cms.review.register import RegisterEntry, RegisterService, StaleHead
from storage.documents import (
    CONTENT_TYPES,
    CatalogEntry,
    Confirmation,
    ContentDocument,
    DisclosureMode,
    GazetteIssue,
    Interpretation,
    ReviewState,
    TierAct,
    TierSpec,
)
from storage.register import ConfidentialityFindings, RegisterRecord

log = logging.getLogger(__name__)
T = TypeVar("T")
ItemHook = Callable[["ContentDocument", "ContentDocument", AsyncClientSession], Awaitable[None]]
# A transaction's writes; returns the register entries of other items they changed as a consequence.
Writes = Callable[[AsyncClientSession], Awaitable["list[RegisterEntry] | None"]]
Followed = list[tuple["Interpretation", RegisterEntry]]

DEFAULT_CHAIN: tuple[TierSpec, ...] = (
    TierSpec(
        key="first_review", label="承办人初审", permission=Permission.REVIEW_FIRST.value, author_may_act=True
    ),
    TierSpec(
        key="department_review", label="承办部门负责人审核", permission=Permission.REVIEW_DEPARTMENT.value
    ),
    TierSpec(key="unit_approval", label="单位负责人审发", permission=Permission.REVIEW_APPROVE.value),
)
# The default tiers have states of their own; a tier added by configuration waits in PENDING_REVIEW
# with its key in ``pending_tier``.
TIER_STATES = {
    "first_review": ReviewState.PENDING_FIRST_REVIEW,
    "department_review": ReviewState.PENDING_DEPARTMENT_REVIEW,
    "unit_approval": ReviewState.PENDING_UNIT_APPROVAL,
}
PENDING = frozenset(
    {
        ReviewState.PENDING_FIRST_REVIEW,
        ReviewState.PENDING_DEPARTMENT_REVIEW,
        ReviewState.PENDING_UNIT_APPROVAL,
        ReviewState.PENDING_REVIEW,
    }
)
EDITABLE_STATES = frozenset({ReviewState.DRAFT, ReviewState.REJECTED, ReviewState.WITHDRAWN})
MAX_OPINION = 2000
MAX_FILE_ATTEMPTS = 20
# What each kind of transition changes on the item (besides ``modified``): workflow state only.
_STATE_FIELDS = ("review_state", "pending_tier")
_APPROVE_FIELDS = (*_STATE_FIELDS, "cycle")
_SUBMIT_FIELDS = (*_APPROVE_FIELDS, "submitted_at", "submitted_by", "confirmations")
_CONFIRM_FIELDS = ("confirmations",)
_ENCODER = Encoder(to_db=True)


class Action(enum.StrEnum):
    SUBMIT = "submit"  # 提交审查
    APPROVE = "approve"  # 审核通过 / 审发
    REJECT = "reject"  # 退回
    WITHDRAW = "withdraw"  # 撤回已发布信息
    CONFIRM = "confirm"  # 涉及的其他机构确认


ACTION_LABELS = {
    Action.SUBMIT: "提交审查",
    Action.APPROVE: "审核通过",
    Action.REJECT: "退回修改",
    Action.WITHDRAW: "撤回",
    Action.CONFIRM: "会签确认",
}


@dataclass(frozen=True)
class TransitionRequest:
    item_type: str
    item_id: ObjectId
    action: Action
    expected_version: int | None = None
    opinion: str = ""
    findings: ConfidentialityFindings | None = None
    effective: datetime | None = None
    confirming_org: ObjectId | None = None


def state_for(tier: TierSpec) -> ReviewState:
    return TIER_STATES.get(tier.key, ReviewState.PENDING_REVIEW)


# The statutory floor (先审查、后公开, three tiers): whatever an organization configures, these three
# permissions each act at exactly one tier, in this order, under their reserved key (so the states
# PENDING_FIRST_REVIEW … keep their meaning), 审发 last. Tiers of other reviewing permissions (保密审查)
# may stand between them.
STATUTORY_TIERS: dict[str, str] = {
    Permission.REVIEW_FIRST.value: "first_review",
    Permission.REVIEW_DEPARTMENT.value: "department_review",
    Permission.REVIEW_APPROVE.value: "unit_approval",
}
EXTRA_TIER_PERMISSIONS = frozenset({Permission.REVIEW_SECRECY.value})
MAX_TIERS = 8
# A label is a tier's name in worklists, the register and its CSV export: a short title such as
# “承办部门负责人审核” (9 characters). 30 leaves room for a long office name (“省保密委员会办公室保密审查”)
# and stays one line in a worklist column.
MAX_TIER_LABEL = 30
TIER_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")


def validate_chain(chain: list[TierSpec]) -> None:
    """Refuse a chain below the statutory floor (see ``STATUTORY_TIERS``); every refusal names the
    tier at fault (``reviewChain.2.label``)."""
    if not 3 <= len(chain) <= MAX_TIERS:
        raise InvalidInput(
            f"审核链应包含 3 至 {MAX_TIERS} 个环节：承办人初审、承办部门负责人审核、单位负责人审发必不可少。",
            field="reviewChain",
        )
    seen: set[str] = set()
    for index, tier in enumerate(chain):
        _check_tier(index, tier, seen)
    statutory = [t.permission for t in chain if t.permission in STATUTORY_TIERS]
    if statutory != list(STATUTORY_TIERS):
        index = _first_out_of_order(chain)
        raise InvalidInput(
            "审核链须依次包含承办人初审、承办部门负责人审核、单位负责人审发各一个环节。",
            field=f"reviewChain.{index}.permission",
        )
    if chain[0].permission != Permission.REVIEW_FIRST.value:
        raise InvalidInput("审核链的第一个环节必须是承办人初审。", field="reviewChain.0.permission")
    if chain[-1].permission != Permission.REVIEW_APPROVE.value:
        raise InvalidInput(
            "审核链的最后一个环节必须是单位负责人审发。", field=f"reviewChain.{len(chain) - 1}.permission"
        )


def _check_tier(index: int, tier: TierSpec, seen: set[str]) -> None:
    where = f"reviewChain.{index}"
    name = f"第 {index + 1} 个审核环节"
    if not TIER_KEY.fullmatch(tier.key):
        raise InvalidInput(
            f"{name}的标识应以小写字母开头，由小写字母、数字和下划线组成，不超过 32 个字符。",
            field=f"{where}.key",
        )
    if tier.key in seen:
        raise InvalidInput(f"{name}的标识“{tier.key}”与前面的环节重复。", field=f"{where}.key")
    seen.add(tier.key)
    if not tier.label.strip() or len(tier.label) > MAX_TIER_LABEL or not tier.label.isprintable():
        raise InvalidInput(f"{name}的名称应为 1 至 {MAX_TIER_LABEL} 个字符。", field=f"{where}.label")
    if tier.permission not in STATUTORY_TIERS and tier.permission not in EXTRA_TIER_PERMISSIONS:
        raise InvalidInput(f"{name}的审核权限无效。", field=f"{where}.permission")
    reserved = STATUTORY_TIERS.get(tier.permission)
    if reserved is not None and tier.key != reserved:
        raise InvalidInput(f"{name}的标识必须是“{reserved}”。", field=f"{where}.key")
    if reserved is None and tier.key in STATUTORY_TIERS.values():
        raise InvalidInput(f"标识“{tier.key}”保留给法定审核环节，{name}不能使用。", field=f"{where}.key")
    if tier.author_may_act and tier.permission != Permission.REVIEW_FIRST.value:
        raise InvalidInput(
            f"只有承办人初审环节可以由起草人审核，{name}不可以。", field=f"{where}.authorMayAct"
        )


def _first_out_of_order(chain: list[TierSpec]) -> int:
    """The index of the first statutory tier that is repeated or comes too early (or the last tier
    when one is missing)."""
    order = list(STATUTORY_TIERS)
    expected = 0
    for index, tier in enumerate(chain):
        if tier.permission not in STATUTORY_TIERS:
            continue
        if expected >= len(order) or tier.permission != order[expected]:
            return index
        expected += 1
    return len(chain) - 1


def chain_below_floor(chain: list[TierSpec]) -> str | None:
    """Why a stored chain (written before the floor was enforced) breaks it; None when it holds."""
    try:
        validate_chain(chain)
    except InvalidInput as exc:
        return f"{exc.details.get('field')}: {exc.message}"
    return None


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
        # Parts of an item stored outside its document (attachments) follow it through these, inside
        # the same transaction: (live, copy) on checkout, (copy, live) when a copy is issued.
        self.checkout_hooks: list[ItemHook] = []
        self.merge_hooks: list[ItemHook] = []
        # Called after every committed transition (public caches listen here).
        self.committed_hooks: list[Callable[[ContentDocument], Awaitable[None]]] = []
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
        await self._commit(principal, item, before, request, tier=None, changed=_SUBMIT_FIELDS)
        return item

    async def _approve(
        self, principal: Principal, item: ContentDocument, request: TransitionRequest
    ) -> ContentDocument:
        index, tier = self._pending_tier(item)
        self.access.require(principal, Permission(tier.permission), item.org_id)
        self._expect(item, request, PENDING)
        await self._check_separation(principal, item, tier)
        _check_findings(item, request.findings)
        chain = self.chain(item.org_id)
        before = item.review_state
        item.cycle = [
            *item.cycle,
            TierAct(tier=tier.key, actor_id=principal.user_id or "", at=self.content.clock()),
        ]
        if index + 1 < len(chain):
            following = chain[index + 1]
            item.review_state, item.pending_tier = state_for(following), following.key
            await self._commit(principal, item, before, request, tier=tier.key, changed=_APPROVE_FIELDS)
            return item
        self._check_confirmations(item)
        not_before = await self._interpreted_published(principal, item)
        if item.working_copy_of is not None:
            return await self._merge_working_copy(principal, item, before, request, tier.key, not_before)
        if isinstance(item, CatalogEntry):
            # Idempotent: the number stays reserved for the item even if the commit fails; the entry
            # itself gets it with the commit below (one write of the entry, not two).
            await self.content.assign_index_number(item, settle=False)
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
        await self._commit(principal, item, before, request, tier=tier.key, changed=_STATE_FIELDS)
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
        await self._commit(principal, item, before, request, tier=None, changed=_STATE_FIELDS)
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
            changed=_CONFIRM_FIELDS,
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

    async def _interpreted_published(self, principal: Principal, item: ContentDocument) -> datetime | None:
        """三同步: an interpretation is issued only once every document it interprets is published.
        Returns the latest effective instant among those documents (the interpretation goes public no
        earlier). The message names only documents the caller may see; the others are counted."""
        if not isinstance(item, Interpretation) or not item.interprets_ids:
            return None
        found = {
            e.id: e for e in await CatalogEntry.find({"_id": {"$in": list(item.interprets_ids)}}).to_list()
        }
        entries = [found.get(i) for i in item.interprets_ids]
        now = self.content.clock()
        # 不予公开 or expired counts as unpublished: a public interpretation never points at a
        # document the public cannot read (see ``_follow_document``)
        waiting = [e for e in entries if e is None or not _public_document(e, now)]
        if waiting:
            scope = self.content.scope(self.access.draft_orgs(principal))
            named = [e for e in waiting if e is not None and is_visible(e, scope)]
            raise InterpretedDocumentNotPublished(
                _unpublished_message([e.title for e in named], len(waiting) - len(named)), field="interprets"
            )
        instants = [e.effective for e in entries if e is not None and e.effective is not None]
        return max(instants, default=None)

    # -- writing ------------------------------------------------------------------------------

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
                followed[:] = await self._follow_document(principal, item, request, session)
            return [e for _, e in followed]

        await self._file(write, entry)
        await self._committed(item)
        for follower, _ in followed:
            await self._committed(follower)

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
            followed[:] = await self._follow_document(principal, live, request, session)
            return [e for _, e in followed]

        try:
            await self._file(write, entry)
        except DuplicateKeyError as exc:
            # Only a gazette issue's number is unique among content fields: another live issue took
            # the copy's number after the copy was saved. The transaction wrote nothing.
            if isinstance(live, GazetteIssue):
                raise number_taken(live) from exc
            raise
        await self._committed(live)
        for follower, _ in followed:
            await self._committed(follower)
        return live

    # -- 三同步 from the document's side ----------------------------------------------------------

    async def _follow_document(
        self,
        principal: Principal,
        document: ContentDocument,
        request: TransitionRequest,
        session: AsyncClientSession,
    ) -> Followed:
        """Inside the transaction that takes a published catalog entry out of public view (withdrawn,
        or merged as 不予公开 / expired): each published interpretation of it that interprets no other
        public document is withdrawn; one that does stays and drops its links to non-public
        documents, as a new version. Read in the transaction, so a concurrent change of an
        interpretation conflicts with it instead of being overwritten. Returns what changed, with
        the register entries to file (each in its interpretation's organization's chain)."""
        now = self.content.clock()
        if not isinstance(document, CatalogEntry) or _public_document(document, now):
            return []
        interpretations = await Interpretation.find(
            {"interprets_ids": document.id, "review_state": ReviewState.PUBLISHED.value}, session=session
        ).to_list()
        if not interpretations:
            return []
        others = {i for item in interpretations for i in item.interprets_ids if i != document.id}
        public = {
            e.id
            for e in await CatalogEntry.find({"_id": {"$in": sorted(others)}}, session=session).to_list()
            if _public_document(e, now)
        }
        followed: Followed = []
        for item in interpretations:
            kept = [i for i in item.interprets_ids if i in public]
            if kept:
                entry = await self._unlink(principal, item, kept, document, request, session)
            else:
                entry = await self._withdraw_follower(principal, item, document, request, session)
            followed.append((item, entry))
        return followed

    async def _withdraw_follower(
        self,
        principal: Principal,
        item: Interpretation,
        document: CatalogEntry,
        request: TransitionRequest,
        session: AsyncClientSession,
    ) -> RegisterEntry:
        item.review_state = ReviewState.WITHDRAWN
        item.modified = self.content.clock()
        await cas_update(
            item, item.version, ReviewState.PUBLISHED, session, fields=(*_STATE_FIELDS, "modified")
        )
        opinion = f"所解读的文件《{document.title}》{_gone(request)}，本解读随之撤回（三同步）。"
        return self._record(
            principal, item, ReviewState.PUBLISHED, Action.WITHDRAW.value, opinion, _cause(document, request)
        )

    async def _unlink(
        self,
        principal: Principal,
        item: Interpretation,
        kept: list[PydanticObjectId],
        document: CatalogEntry,
        request: TransitionRequest,
        session: AsyncClientSession,
    ) -> RegisterEntry:
        seen_version = item.version
        dropped = [str(i) for i in item.interprets_ids if i not in kept]
        item.interprets_ids = kept
        item.version += 1
        item.modified = self.content.clock()
        self.content.stamp(item)
        await cas_update(item, seen_version, ReviewState.PUBLISHED, session)
        opinion = (
            f"所解读的文件《{document.title}》{_gone(request)}，本解读解除与未公开文件的关联（三同步）。"
        )
        # saved by nobody: no author of the interpretation (cms.content.versions.VersionService.saved_by)
        await self.versions.record(item, by=None, note=opinion, session=session)
        details = {**_cause(document, request), "unlinked": dropped}
        return self._record(principal, item, ReviewState.PUBLISHED, "unlink", opinion, details)

    def _entry(
        self,
        principal: Principal,
        item: ContentDocument,
        before: ReviewState,
        request: TransitionRequest,
        tier: str | None,
        details: dict[str, Any],
    ) -> RegisterEntry:
        entry = self._record(
            principal, item, before, request.action.value, request.opinion.strip(), details, tier=tier
        )
        return dataclasses.replace(entry, findings=request.findings)

    def _record(
        self,
        principal: Principal,
        item: ContentDocument,
        before: ReviewState,
        action: str,
        opinion: str,
        details: dict[str, Any],
        *,
        tier: str | None = None,
    ) -> RegisterEntry:
        assert item.id is not None
        # A working copy's reviews are filed under the live item, so its history is one list.
        subject = item.working_copy_of or item.id
        if item.working_copy_of is not None:
            details = {**details, "workingCopy": str(item.id)}
        roles = tuple(
            sorted(
                {
                    g.role.value
                    for g in self.access.roles_of(principal)
                    if ObjectId(g.org_id) in self.content.orgs.tree.path_of(item.org_id)
                }
            )
        )
        return RegisterEntry(
            org_id=item.org_id,
            item_id=subject,
            item_type=type(item).__name__,
            item_title=item.title,
            item_version=item.version,
            action=action,
            from_state=before.value,
            to_state=item.review_state.value,
            actor_id=principal.user_id or "",
            actor_name=principal.username,
            tier=tier,
            actor_roles=roles,
            opinion=opinion,
            details=details,
        )

    async def atomically(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        async with self.client.start_session() as session:
            return await session.with_transaction(work)

    async def _file(self, writes: Writes, entry: RegisterEntry) -> RegisterRecord:
        """``writes``, the register record of ``entry`` and those of the entries ``writes`` returns
        (items it changed as a consequence, possibly of other organizations) in one transaction.

        This process's appends to one organization's chain wait for each other from the append to the
        end of the transaction (``RegisterService.lock``), so they never race each other for a seq and
        the append needs no read of the head; ``writes`` (the items) run before the locks,
        concurrently. A transaction that files in several chains takes their locks in one order (by
        organization id), so two of them never wait for each other. A head moved on by another
        process (``StaleHead``) retries the whole transaction. Returns ``entry``'s record."""
        for _attempt in range(MAX_FILE_ATTEMPTS):
            try:
                return await self._file_once(writes, entry)
            except StaleHead:
                continue
        raise Conflict("审查登记并发写入冲突过多，请稍后重试。", org_id=str(entry.org_id))

    async def _file_once(self, writes: Writes, entry: RegisterEntry) -> RegisterRecord:
        held: list[ObjectId] = []  # the organizations whose locks this attempt holds, in order

        async def work(session: AsyncClientSession) -> list[RegisterRecord]:
            entries = [entry, *(await writes(session) or [])]
            # with_transaction may run this again: the locks are kept meanwhile (re-taken only if the
            # rerun files in other chains)
            await self._hold(held, {ObjectId(str(e.org_id)) for e in entries})
            return await self._append_all(entries, session)

        try:
            async with self.client.start_session() as session:
                records = await session.with_transaction(work)
            for record in records:  # before the locks are let go: the next append builds on it
                self.register.committed(record)
            return records[0]
        except StaleHead:
            raise
        except BaseException:
            for org_id in held:  # the commit's outcome may be unknown: read the heads next time
                self.register.forget(org_id)
            raise
        finally:
            for org_id in reversed(held):
                self.register.lock(org_id).release()

    async def _hold(self, held: list[ObjectId], wanted: set[ObjectId]) -> None:
        """Hold the register locks of exactly ``wanted``, taken in id order; ``held`` lists what is held
        at every moment (the caller releases it)."""
        if set(held) == wanted:
            return
        while held:  # nothing of this attempt is appended yet: letting go is safe
            self.register.lock(held.pop()).release()
        for org_id in sorted(wanted):
            await self.register.lock(org_id).acquire()
            held.append(org_id)

    async def _append_all(
        self, entries: list[RegisterEntry], session: AsyncClientSession
    ) -> list[RegisterRecord]:
        records: list[RegisterRecord] = []
        last: dict[ObjectId, RegisterRecord] = {}  # per chain, what this transaction appended last
        for entry in entries:
            org_id = ObjectId(str(entry.org_id))
            record = await self.register.append_held(entry, session, after=last.get(org_id))
            records.append(record)
            last[org_id] = record
        return records


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


async def cas_update(
    item: ContentDocument,
    seen_version: int,
    seen_state: ReviewState,
    session: AsyncClientSession | None,
    *,
    fields: tuple[str, ...] | None = None,
) -> None:
    """Write the item (or only ``fields`` of it) only if nobody changed its version or state since it
    was read, and keep its search entry in step (cms.search.service)."""
    if fields is None:
        values = encode(item)
    else:
        values = dict(_ENCODER.encode({name: getattr(item, name) for name in fields}))
    result = (
        await type(item)
        .get_pymongo_collection()
        .update_one(
            {"_id": item.id, "version": seen_version, "review_state": seen_state.value},
            {"$set": values},
            session=session,
        )
    )
    if result.matched_count != 1:
        raise Conflict()
    if fields is None:
        await store_entry(item, session)
    else:
        await store_visibility(item, seen_state, session)


def _public_document(entry: CatalogEntry, now: datetime) -> bool:
    """Published and not (any more) kept from the public: not 不予公开, not expired. Scheduled counts
    as public: an interpretation of it goes public with it (``_interpreted_published``)."""
    return entry.review_state is ReviewState.PUBLISHED and public_until(entry) > now


def _gone(request: TransitionRequest) -> str:
    return "已撤回" if request.action is Action.WITHDRAW else "已不再公开"


def _cause(document: CatalogEntry, request: TransitionRequest) -> dict[str, Any]:
    return {"followsDocument": str(document.id), "documentAction": request.action.value}


def _not_earlier(instant: datetime, bound: datetime | None) -> datetime:
    return instant if bound is None or instant >= bound else bound


def _unpublished_message(titles: list[str], unnamed: int) -> str:
    parts = "、".join(f"《{t}》" for t in titles)
    if titles and unnamed:
        parts += f"及另外 {unnamed} 件文件"
    elif unnamed:
        parts = f"中有 {unnamed} 件"
    return f"所解读的文件{parts}尚未发布：政策解读须在所解读的文件审发后方可审发。"


def _check_findings(item: ContentDocument, findings: ConfidentialityFindings | None) -> None:
    """The confidentiality findings of an approving tier allow release of ``item`` as it stands.

    The proposed mode must be the item's own: the mode is changed by editing the item (and reviewing
    it again), never by a reviewer's finding. State secrets always block. Commercial secrets or
    personal privacy block proactive disclosure unless 条例 第十五条 grounds are given (the third
    party's consent, or an overriding public interest) with their explanation."""
    if findings is None:
        raise ConfidentialityRequired()
    if findings.state_secrets:
        raise ConfidentialityBlocks("保密审查认定内容涉及国家秘密，不得公开。")
    if findings.proposed_mode not in {m.value for m in DisclosureMode}:
        raise InvalidInput("拟公开方式无效。", field="confidentiality.proposedMode")
    if findings.proposed_mode != item.disclosure_mode.value:
        raise DisclosureModeMismatch(field="confidentiality.proposedMode")
    _check_privacy_grounds(item, findings)
    if item.disclosure_mode is not DisclosureMode.PROACTIVE and not findings.grounds.strip():
        raise ConfidentialityRequired("拟不主动公开的，须写明理由和依据。", field="confidentiality.grounds")


def _check_privacy_grounds(item: ContentDocument, findings: ConfidentialityFindings) -> None:
    """条例 第十五条 for proactive disclosure of content with commercial secrets or personal privacy."""
    secret = findings.commercial_secrets or findings.personal_privacy
    if findings.privacy_grounds is not None and not secret:
        raise InvalidInput(
            "未认定涉及商业秘密或个人隐私，无需第十五条公开理由。", field="confidentiality.privacyGrounds"
        )
    if not secret or item.disclosure_mode is not DisclosureMode.PROACTIVE:
        return
    if findings.privacy_grounds is None:
        raise ConfidentialityBlocks(
            "保密审查认定内容涉及商业秘密或个人隐私：须经第三方同意，或不公开会对公共利益造成重大影响"
            "（条例第十五条），方可主动公开；否则请退回修改公开方式。",
            field="confidentiality.privacyGrounds",
        )
    if not findings.grounds.strip():
        raise ConfidentialityRequired(
            "依条例第十五条主动公开涉及商业秘密或个人隐私的信息，须写明理由。",
            field="confidentiality.grounds",
        )
