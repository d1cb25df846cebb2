"""The statutory review chain as data: 承办人初审 → 承办部门负责人审核 → 单位负责人审发 by default.

Each tier names the permission that acts there; an organization may configure its own chain (for
example with a secrecy tier) without code changes, and inherits its parent's otherwise (the workflow's
``chain``). What a configured chain must keep is the statutory floor (``validate_chain``).
"""

from __future__ import annotations

import re

from authz import Permission
from cms.errors import InvalidInput
from storage.documents import ReviewState, TierSpec

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
