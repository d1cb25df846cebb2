"""待办: what awaits the caller's action, per tier, oldest first, with the working days elapsed against
the statutory 20-working-day limit for proactive disclosure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from beanie import PydanticObjectId, SortDirection
from bson import ObjectId

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.errors import Unauthenticated
from cms.review.workdays import CalendarService
from cms.review.workflow import PENDING, WorkflowService
from storage.documents import CONTENT_TYPES, ContentDocument, TierSpec

DISCLOSURE_LIMIT = 20
MAX_ITEMS = 500


@dataclass(frozen=True)
class WorkItem:
    item: ContentDocument
    tier: TierSpec | None  # None: a confirmation requested from one of the caller's organizations
    submitted_on: date
    working_days_waiting: int
    formed_on: date
    due_on: date
    working_days_left: int


class WorklistService:
    def __init__(self, access: AccessControl, workflow: WorkflowService, calendar: CalendarService) -> None:
        self.access = access
        self.workflow = workflow
        self.calendar = calendar

    async def for_principal(self, principal: Principal) -> list[WorkItem]:
        if principal.is_anonymous:
            raise Unauthenticated()
        orgs: dict[Permission, list[ObjectId]] = {}
        for permission in (
            Permission.REVIEW_FIRST,
            Permission.REVIEW_DEPARTMENT,
            Permission.REVIEW_SECRECY,
            Permission.REVIEW_APPROVE,
        ):
            scope = self.access.orgs_with(principal, permission)
            if scope:
                orgs[permission] = sorted(scope)
        if not orgs:
            return []
        everywhere = sorted({o for scope in orgs.values() for o in scope})
        found: list[WorkItem] = []
        for cls in CONTENT_TYPES.values():
            query = {"review_state": {"$in": [s.value for s in PENDING]}, "org_id": {"$in": everywhere}}
            pending = (
                await cls.find(query)
                .sort([("submitted_at", SortDirection.ASCENDING)])
                .limit(MAX_ITEMS)
                .to_list()
            )
            saved = await self._saved(principal, pending)
            found += [w for item in pending if (w := self._awaiting(principal, item, saved)) is not None]
            approve_orgs = orgs.get(Permission.REVIEW_APPROVE, [])
            if approve_orgs:
                asked = {
                    "review_state": {"$in": [s.value for s in PENDING]},
                    "involves_org_ids": {"$in": approve_orgs},
                }
                for item in await cls.find(asked).limit(MAX_ITEMS).to_list():
                    confirmed = {c.org_id for c in item.confirmations}
                    if any(o in approve_orgs and o not in confirmed for o in item.involves_org_ids):
                        found.append(self._work(item, None))
        return sorted(found, key=lambda w: (w.item.submitted_at or w.item.created, w.item.sort_key))

    async def _saved(self, principal: Principal, items: list[ContentDocument]) -> set[PydanticObjectId]:
        """The items the caller saved a version of: like their own drafts, not theirs to approve
        beyond a tier that allows the author (cms.review.workflow separation of duties). One query."""
        ids = [i.id for i in items if i.id is not None]
        if not ids or principal.user_id is None:
            return set()
        return await self.workflow.versions.savers(ids, principal.user_id)

    def _awaiting(
        self, principal: Principal, item: ContentDocument, saved: set[PydanticObjectId]
    ) -> WorkItem | None:
        current = self.workflow.current_tier(item)
        if current is None:
            return None
        _index, tier = current
        if not self.access.can(principal, Permission(tier.permission), item.org_id):
            return None
        if self.workflow.separation_enforced(item.org_id):
            acted_elsewhere = any(a.actor_id == principal.user_id and a.tier != tier.key for a in item.cycle)
            wrote = principal.user_id in {item.created_by, item.submitted_by} or item.id in saved
            own = not tier.author_may_act and wrote
            if acted_elsewhere or own:
                return None
        return self._work(item, tier)

    def _work(self, item: ContentDocument, tier: TierSpec | None) -> WorkItem:
        calendar = self.calendar.calendar
        today = self.workflow.content.clock().date()
        submitted = (item.submitted_at or item.created).date()
        formed = getattr(item, "created_date", None) or item.created.date()
        due = calendar.due_date(formed, DISCLOSURE_LIMIT)
        left = (
            calendar.workdays_between(today, due) if due > today else -calendar.workdays_between(due, today)
        )
        return WorkItem(
            item=item,
            tier=tier,
            submitted_on=submitted,
            working_days_waiting=calendar.workdays_between(submitted, today),
            formed_on=formed,
            due_on=due,
            working_days_left=left,
        )
