"""The reply's review (seed section 五: 先审查、后公开): a reply draft passes the organization's review
chain (承办人初审 → 承办部门负责人审核 → 单位负责人审发 by default, cms.review.chains) before it is sent,
each tier by the permission the chain names, nobody at two tiers of one draft, and the drafter only
where the chain lets the author act. Every decision and the sending are filed in the review register.

The rules live here; the request service loads, asks ``AccessControl`` and writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId

from authz import Principal
from cms.errors import DomainError, SeparationOfDuties
from storage.documents import TierSpec
from storage.requests import DisclosureRequest, Reply, ReplyReview

OPINION_LIMIT = 2000


class ReplyNotApproved(DomainError):
    code = "INVALID_REQUEST_STATE"
    default_message = "答复须经审查（初审、审核、审发）后方可发出。"


@dataclass(frozen=True)
class ReplyChain:
    """How the organization reviews: its chain in effect and whether separation of duties holds
    (cms.review.workflow decides both, for replies as for any release)."""

    chain: Callable[[ObjectId], list[TierSpec]]
    separation: Callable[[ObjectId], bool]

    def pending(self, request: DisclosureRequest) -> TierSpec | None:
        """The tier the draft waits at; None when there is no draft or every tier approved it."""
        if request.reply is None:
            return None
        tiers = self.chain(request.org_id)
        done = len(request.reply.reviews)
        return tiers[done] if done < len(tiers) else None

    def approved(self, request: DisclosureRequest) -> bool:
        reply = request.reply
        return reply is not None and len(reply.reviews) >= len(self.chain(request.org_id))

    def check_reviewer(self, principal: Principal, request: DisclosureRequest, tier: TierSpec) -> None:
        if not self.separation(request.org_id):
            return
        assert request.reply is not None
        actor = principal.user_id
        if any(review.actor_id == actor for review in request.reply.reviews):
            raise SeparationOfDuties("同一人不能在同一答复的两个审核环节签署意见。")
        if not tier.author_may_act and request.reply.drafted_by == actor:
            raise SeparationOfDuties("不能审核或审发自己起草的答复。")


def approve(reply: Reply, tier: TierSpec, principal: Principal, at: datetime, opinion: str) -> None:
    reply.reviews.append(
        ReplyReview(tier=tier.key, label=tier.label, actor_id=principal.user_id or "", at=at, opinion=opinion)
    )
