"""What a caller may do to an item now, asked without acting: the admin app shows exactly these
actions (and the editor's save button) instead of copying the rules.

The answers follow the same rules the transitions enforce (``cms.review.workflow`` and
``cms.review.authoring``): the state sets, the tier in effect, ``AccessControl`` permissions and the
separation-of-duties predicates are the ones those services check. What they check about the item's
content (confidentiality findings, an opinion, pending confirmations, published interpreted
documents) is not asked here: such an action is offered and its refusal explains what is missing.

Cheap for a list: everything is computed from the loaded items, except who saved a version of
them, asked in one query for the whole batch and only for items where it decides.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from beanie import PydanticObjectId

from authz import Permission, Principal
from cms.review.workflow import (
    EDITABLE_STATES,
    PENDING,
    WorkflowService,
    acted_at_other_tier,
    author_barred,
    named_author,
)
from storage.documents import ContentDocument, ReviewState, TierSpec


class ItemAction(enum.StrEnum):
    SUBMIT = "submit"  # 提交审查 (transition)
    APPROVE = "approve"  # 审核通过 / 审发 (transition)
    REJECT = "reject"  # 退回 (transition)
    WITHDRAW = "withdraw"  # 撤回已发布信息 (transition)
    CONFIRM = "confirm"  # 会签确认 (transition)
    CHECKOUT = "checkout"  # 签出工作副本
    CHECKIN = "checkin"  # 签入工作副本（提交审查）
    CANCEL_CHECKOUT = "cancel_checkout"  # 取消签出


ITEM_ACTION_LABELS = {
    ItemAction.SUBMIT: "提交审查",
    ItemAction.APPROVE: "审核通过",
    ItemAction.REJECT: "退回修改",
    ItemAction.WITHDRAW: "撤回",
    ItemAction.CONFIRM: "会签确认",
    ItemAction.CHECKOUT: "签出",
    ItemAction.CHECKIN: "签入",
    ItemAction.CANCEL_CHECKOUT: "取消签出",
}


class AllowedActions:
    def __init__(self, workflow: WorkflowService) -> None:
        self.workflow = workflow
        self.access = workflow.access

    def editable(self, principal: Principal, item: ContentDocument) -> bool:
        """Whether the caller may save the item now (``AuthoringService.update``'s rule)."""
        return item.review_state in EDITABLE_STATES and self._can(principal, Permission.CONTENT_EDIT, item)

    async def of(self, principal: Principal, items: Sequence[ContentDocument]) -> list[list[ItemAction]]:
        """For each item, the actions the caller may take now, in ``ItemAction`` order."""
        if principal.is_anonymous:
            return [[] for _ in items]
        found = [self._without_authorship(principal, item) for item in items]
        undecided = [item.id for item, (_, asks) in zip(items, found, strict=True) if asks and item.id]
        saved = await self._saved(principal, undecided)
        return [
            _ordered(actions | ({ItemAction.APPROVE} if asks and item.id not in saved else set()))
            for item, (actions, asks) in zip(items, found, strict=True)
        ]

    async def _saved(self, principal: Principal, ids: list[PydanticObjectId]) -> set[PydanticObjectId]:
        if not ids or principal.user_id is None:
            return set()
        return await self.workflow.versions.savers(ids, principal.user_id)

    def _without_authorship(
        self, principal: Principal, item: ContentDocument
    ) -> tuple[set[ItemAction], bool]:
        """The actions decided from the item alone, and whether APPROVE is allowed unless the caller
        saved a version of it (the one question that needs the database)."""
        actions = self._editing(principal, item) | self._published(principal, item)
        approve_unless_saved = False
        if item.review_state in PENDING:
            actions |= self._confirming(principal, item)
            tier_actions, approve_unless_saved = self._reviewing(principal, item)
            actions |= tier_actions
        return actions, approve_unless_saved

    def _editing(self, principal: Principal, item: ContentDocument) -> set[ItemAction]:
        if item.review_state not in EDITABLE_STATES:
            return set()
        actions: set[ItemAction] = set()
        copy = item.working_copy_of is not None
        if self._can(principal, Permission.CONTENT_SUBMIT, item):
            actions |= {ItemAction.SUBMIT, ItemAction.CHECKIN} if copy else {ItemAction.SUBMIT}
        if copy and self._can(principal, Permission.CONTENT_EDIT, item):
            actions.add(ItemAction.CANCEL_CHECKOUT)
        return actions

    def _published(self, principal: Principal, item: ContentDocument) -> set[ItemAction]:
        if item.review_state is not ReviewState.PUBLISHED or item.working_copy_of is not None:
            return set()
        actions: set[ItemAction] = set()
        if self._can(principal, Permission.CONTENT_WITHDRAW, item):
            actions.add(ItemAction.WITHDRAW)
        if self._can(principal, Permission.CONTENT_EDIT, item):
            actions.add(ItemAction.CHECKOUT)
        return actions

    def _confirming(self, principal: Principal, item: ContentDocument) -> set[ItemAction]:
        confirmed = {c.org_id for c in item.confirmations}
        waiting = [o for o in item.involves_org_ids if o not in confirmed]
        if any(self.access.can(principal, Permission.REVIEW_APPROVE, o) for o in waiting):
            return {ItemAction.CONFIRM}
        return set()

    def _reviewing(self, principal: Principal, item: ContentDocument) -> tuple[set[ItemAction], bool]:
        found = self.workflow.current_tier(item)
        if found is None:
            return set(), False
        _index, tier = found
        if not self._can(principal, Permission(tier.permission), item):
            return set(), False
        if not self.workflow.separation_enforced(item.org_id):
            return {ItemAction.APPROVE, ItemAction.REJECT}, False
        return self._separated(principal, item, tier)

    @staticmethod
    def _separated(
        principal: Principal, item: ContentDocument, tier: TierSpec
    ) -> tuple[set[ItemAction], bool]:
        actor = principal.user_id
        if acted_at_other_tier(item, actor, tier):
            return set(), False
        if not author_barred(tier, actor):
            return {ItemAction.APPROVE, ItemAction.REJECT}, False
        assert actor is not None
        if named_author(item, actor):
            return {ItemAction.REJECT}, False
        return {ItemAction.REJECT}, True

    def _can(self, principal: Principal, permission: Permission, item: ContentDocument) -> bool:
        return self.access.can(principal, permission, item.org_id)


def _ordered(actions: set[ItemAction]) -> list[ItemAction]:
    return [a for a in ItemAction if a in actions]
