"""Staff editing: drafts, edits with an expected version, working copies of published items
(plone.app.iterate's check-out / check-in), reverts and validity changes. Every method checks its
permission through ``AccessControl.require`` before it reads anything it could reveal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.content.entries import remove_entry
from cms.content.kinds import kind_of
from cms.content.versions import FieldChange, VersionService, apply, snapshot
from cms.errors import Conflict, InvalidInput, NotFound, TransitionNotAllowed
from cms.kinds.catalog import CatalogService, NewCatalogEntry
from cms.kinds.gazette import GazetteService, NewArticle, NewGazetteIssue, build_articles
from cms.kinds.interpretations import InterpretationService, NewInterpretation
from cms.kinds.interviews import InterviewService, NewInterview, NewQuestion, build_questions
from cms.review.register import RegisterEntry
from cms.review.workflow import EDITABLE_STATES, Action, TransitionRequest, WorkflowService, cas_update
from storage.documents import (
    CatalogEntry,
    ContentDocument,
    GazetteIssue,
    Interpretation,
    Interview,
    ReviewState,
    Validity,
)

D = TypeVar("D", bound=ContentDocument)
# Changes an edit derives from the item as it is (e.g. which article ids it already has).
Derive = Callable[[ContentDocument], Awaitable[dict[str, Any]]]


class AuthoringService:
    def __init__(
        self,
        access: AccessControl,
        workflow: WorkflowService,
        versions: VersionService,
        catalog: CatalogService,
        interpretations: InterpretationService,
        gazette: GazetteService,
        interviews: InterviewService,
    ) -> None:
        self.access = access
        self.workflow = workflow
        self.versions = versions
        self.catalog = catalog
        self.interpretations = interpretations
        self.gazette = gazette
        self.interviews = interviews
        self.content = catalog.content
        # The rules of each kind, the same on every edit as on creation.
        self._checks: dict[type[ContentDocument], Callable[[Any], Awaitable[None]]] = {
            CatalogEntry: catalog.check,
            Interpretation: interpretations.check,
            GazetteIssue: gazette.check,
            Interview: interviews.check,
        }

    async def create_catalog_entry(self, principal: Principal, new: NewCatalogEntry) -> CatalogEntry:
        return await self._create(principal, new.org_id, self.catalog.create_draft, new)

    async def create_interpretation(self, principal: Principal, new: NewInterpretation) -> Interpretation:
        self.access.require(principal, Permission.CONTENT_CREATE, new.org_id)
        await self._check_entries(principal, [("interprets", i) for i in new.interprets_ids])
        return await self._create(principal, new.org_id, self.interpretations.create_draft, new)

    async def create_gazette_issue(self, principal: Principal, new: NewGazetteIssue) -> GazetteIssue:
        self.access.require(principal, Permission.CONTENT_CREATE, new.org_id)
        links = [(f"articles.{i}.catalogEntry", a.catalog_entry_id) for i, a in enumerate(new.articles)]
        await self._check_entries(principal, links)
        return await self._create(principal, new.org_id, self.gazette.create_draft, new)

    async def create_interview(self, principal: Principal, new: NewInterview) -> Interview:
        return await self._create(principal, new.org_id, self.interviews.create_draft, new)

    async def update_interpretation(
        self, principal: Principal, item_id: ObjectId, expected_version: int, changes: dict[str, Any]
    ) -> ContentDocument:
        async def derive(item: ContentDocument) -> dict[str, Any]:
            assert isinstance(item, Interpretation)
            added = [i for i in changes.get("interprets_ids", []) if ObjectId(i) not in item.interprets_ids]
            await self._check_entries(principal, [("interprets", ObjectId(i)) for i in added])
            return {}

        return await self.update(
            principal, "Interpretation", item_id, expected_version, changes, derive=derive
        )

    async def update_gazette_issue(
        self,
        principal: Principal,
        item_id: ObjectId,
        expected_version: int,
        changes: dict[str, Any],
        articles: Sequence[NewArticle] | None,
    ) -> ContentDocument:
        """``articles``, when given, is the whole list in its new order; articles passed back with
        their ids keep them."""

        async def derive(item: ContentDocument) -> dict[str, Any]:
            assert isinstance(item, GazetteIssue)
            if articles is None:
                return {}
            built = build_articles(articles, item.articles)
            linked = {a.catalog_entry_id for a in item.articles}
            added = [
                (f"articles.{i}.catalogEntry", a.catalog_entry_id)
                for i, a in enumerate(built)
                if a.catalog_entry_id not in linked
            ]
            await self._check_entries(principal, added)
            return {"articles": [a.model_dump(mode="json") for a in built]}

        return await self.update(principal, "GazetteIssue", item_id, expected_version, changes, derive=derive)

    async def update_interview(
        self,
        principal: Principal,
        item_id: ObjectId,
        expected_version: int,
        changes: dict[str, Any],
        questions: Sequence[NewQuestion] | None,
    ) -> ContentDocument:
        """``questions``, when given, is the whole list in its new order; questions passed back with
        their ids keep them."""

        async def derive(item: ContentDocument) -> dict[str, Any]:
            assert isinstance(item, Interview)
            if questions is None:
                return {}
            built = build_questions(questions, item.questions)
            return {"questions": [q.model_dump(mode="json") for q in built]}

        return await self.update(principal, "Interview", item_id, expected_version, changes, derive=derive)

    async def _create(
        self, principal: Principal, org_id: ObjectId, create_draft: Callable[..., Awaitable[D]], new: object
    ) -> D:
        """A new draft and its first version, together or not at all."""
        self.access.require(principal, Permission.CONTENT_CREATE, org_id)

        async def write(session: AsyncClientSession) -> D:
            item = await create_draft(new, created_by=principal.user_id, session=session)
            await self.versions.record(item, by=principal.user_id, note="新建", session=session)
            return item

        return await self.workflow.atomically(write)

    async def update(
        self,
        principal: Principal,
        item_type: str,
        item_id: ObjectId,
        expected_version: int,
        changes: dict[str, Any],
        *,
        derive: Derive | None = None,
    ) -> ContentDocument:
        """Apply changed fields (JSON values) to an editable item, as a new version."""
        item = await self.workflow.load_for(principal, item_type, item_id)
        self.access.require(principal, Permission.CONTENT_EDIT, item.org_id)
        if item.review_state not in EDITABLE_STATES:
            raise TransitionNotAllowed(_not_editable(item))
        if expected_version != item.version:
            raise Conflict()
        if derive is not None:
            changes = {**changes, **await derive(item)}
        unknown = set(changes) - set(snapshot(item))
        if unknown:
            raise InvalidInput(f"不能修改这些字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        apply(item, {**snapshot(item), **changes})
        await self._validate(item)
        return await self._save_version(principal, item, expected_version, note="修改")

    async def checkout(self, principal: Principal, item_type: str, item_id: ObjectId) -> ContentDocument:
        """A working copy of a published item; the live version stays as it is until the copy is issued."""
        live = await self.workflow.load_for(principal, item_type, item_id)
        self.access.require(principal, Permission.CONTENT_EDIT, live.org_id)
        if live.review_state is not ReviewState.PUBLISHED or live.working_copy_of is not None:
            raise TransitionNotAllowed("只有已发布的内容可以签出工作副本。")
        existing: ContentDocument | None = await type(live).find_one({"working_copy_of": live.id})
        if existing is not None:
            return existing
        copy: ContentDocument = type(live).model_validate(
            {
                **snapshot(live),
                "org_id": live.org_id,
                "working_copy_of": live.id,
                "created_by": principal.user_id,
                "version": 1,
            }
        )

        async def write(session: AsyncClientSession) -> ContentDocument:
            await self.content.insert(copy, session=session)
            for hook in self.workflow.checkout_hooks:
                await hook(live, copy, session)
            await self.versions.record(
                copy, by=principal.user_id, note=f"签出自第 {live.version} 版", session=session
            )
            await self.workflow.register.append(
                self._note(principal, live, "checkout", copy), session=session
            )
            return copy

        return await self.workflow.atomically(write)

    async def checkin(
        self,
        principal: Principal,
        item_type: str,
        copy_id: ObjectId,
        expected_version: int | None,
        opinion: str,
    ) -> ContentDocument:
        """Send a working copy into the review chain (it replaces the live version once issued)."""
        copy = await self.workflow.load_for(principal, item_type, copy_id)
        if copy.working_copy_of is None:
            raise TransitionNotAllowed("这不是工作副本。")
        request = TransitionRequest(item_type, copy_id, Action.SUBMIT, expected_version, opinion)
        return await self.workflow.transition(principal, request)

    async def cancel_checkout(
        self, principal: Principal, item_type: str, copy_id: ObjectId
    ) -> ContentDocument:
        copy = await self.workflow.load_for(principal, item_type, copy_id)
        self.access.require(principal, Permission.CONTENT_EDIT, copy.org_id)
        if copy.working_copy_of is None or copy.review_state not in EDITABLE_STATES:
            raise TransitionNotAllowed("只有未提交审查的工作副本可以取消签出。")
        live = await type(copy).get(copy.working_copy_of)
        if live is None:
            raise NotFound()

        async def write(session: AsyncClientSession) -> None:
            deleted = (
                await type(copy)
                .get_pymongo_collection()
                .delete_one({"_id": copy.id, "version": copy.version}, session=session)
            )
            if deleted.deleted_count != 1:
                raise Conflict()
            assert copy.id is not None
            await remove_entry(copy.id, session)
            await self.workflow.register.append(
                self._note(principal, live, "cancel_checkout", copy), session=session
            )

        await self.workflow.atomically(write)
        return live

    async def revert(
        self, principal: Principal, item_type: str, item_id: ObjectId, to_version: int, expected_version: int
    ) -> ContentDocument:
        item = await self.workflow.load_for(principal, item_type, item_id)
        self.access.require(principal, Permission.CONTENT_EDIT, item.org_id)
        if item.review_state not in EDITABLE_STATES:
            raise TransitionNotAllowed(_not_editable(item))
        if expected_version != item.version:
            raise Conflict()
        assert item.id is not None
        old = await self.versions.get(item.id, to_version)
        apply(item, old.data)
        await self._validate(item)
        return await self._save_version(principal, item, expected_version, note=f"恢复为第 {to_version} 版")

    async def change_validity(
        self,
        principal: Principal,
        entry_id: ObjectId,
        validity: Validity,
        successor_id: ObjectId | None,
        on: date | None,
    ) -> ContentDocument:
        """Mark a published entry amended / repealed / expired: a working copy that goes through review,
        while the original stays published."""
        copy = await self.checkout(principal, "CatalogEntry", entry_id)
        assert isinstance(copy, CatalogEntry)
        if successor_id is not None:
            successor = await self.workflow.load_for(principal, "CatalogEntry", successor_id)
            if successor.id == copy.working_copy_of:
                raise InvalidInput("文件不能修改或废止自身。", field="successor")
        changes: dict[str, Any] = {"validity": validity.value}
        if validity in (Validity.REPEALED, Validity.EXPIRED):
            changes["repeal_date"] = (on or self.content.clock().date()).isoformat()
        if successor_id is not None:
            key = "amended_by_ids" if validity is Validity.AMENDED else "repealed_by_ids"
            current = [str(i) for i in getattr(copy, key)]
            changes[key] = [*current, str(successor_id)] if str(successor_id) not in current else current
        return await self.update(principal, "CatalogEntry", copy.id, copy.version, changes)  # type: ignore[arg-type]

    async def history(
        self, principal: Principal, item_type: str, item_id: ObjectId
    ) -> tuple[ContentDocument, list[Any], list[Any]]:
        item = await self.workflow.load_for(principal, item_type, item_id)
        self.access.require(principal, Permission.CONTENT_VIEW_DRAFT, item.org_id)
        assert item.id is not None
        return item, await self.versions.all(item.id), await self.workflow.register.history(item.id)

    async def diff(
        self, principal: Principal, item_type: str, item_id: ObjectId, from_version: int, to_version: int
    ) -> list[FieldChange]:
        item = await self.workflow.load_for(principal, item_type, item_id)
        self.access.require(principal, Permission.CONTENT_VIEW_DRAFT, item.org_id)
        assert item.id is not None
        return await self.versions.diff(item.id, from_version, to_version)

    # -- helpers ------------------------------------------------------------------------------

    async def _validate(self, item: ContentDocument) -> None:
        """The rules of the item's kind, the same as on creation."""
        check = self._checks.get(type(item))
        if check is not None:
            await check(item)
        elif not item.title.strip():
            raise InvalidInput("标题不能为空。", field="title")

    async def _check_entries(
        self, principal: Principal, links: Sequence[tuple[str, ObjectId | None]]
    ) -> None:
        """Linked catalog entries must exist and be visible to the caller; both failures read the
        same, so a link never reveals an entry the caller cannot see."""
        wanted = [(field, entry_id) for field, entry_id in links if entry_id is not None]
        if not wanted:
            return
        scope = self.content.scope(self.access.draft_orgs(principal))
        found = await self.content.get_many(CatalogEntry, [i for _, i in wanted], scope)
        for (field, _), entry in zip(wanted, found, strict=True):
            if entry is None:
                raise InvalidInput("关联的公开目录条目不存在。", field=field)
            if entry.working_copy_of is not None:  # never published as such: would block issue forever
                raise InvalidInput("不能关联工作副本，请关联已发布的公开目录条目。", field=field)

    async def _save_version(
        self, principal: Principal, item: ContentDocument, seen_version: int, *, note: str
    ) -> ContentDocument:
        state = item.review_state
        item.version = seen_version + 1
        item.modified = self.content.clock()
        self.content.stamp(item)

        async def write(session: AsyncClientSession) -> None:
            await cas_update(item, seen_version, state, session)
            await self.versions.record(item, by=principal.user_id, note=note, session=session)

        try:
            await self.workflow.atomically(write)
        except DuplicateKeyError as exc:  # a content field unique among its kind (a gazette's number)
            unique = kind_of(item).unique_violation
            if unique is not None:
                raise unique(item) from exc
            raise
        return item

    def _note(
        self, principal: Principal, live: ContentDocument, action: str, copy: ContentDocument
    ) -> RegisterEntry:
        assert live.id is not None
        return RegisterEntry(
            org_id=live.org_id,
            item_id=live.id,
            item_type=type(live).__name__,
            item_title=live.title,
            item_version=live.version,
            action=action,
            from_state=live.review_state.value,
            to_state=live.review_state.value,
            actor_id=principal.user_id or "",
            actor_name=principal.username,
            details={"workingCopy": str(copy.id)},
        )


def _not_editable(item: ContentDocument) -> str:
    if item.review_state is ReviewState.PUBLISHED:
        return "已发布的内容须先签出工作副本再修改。"
    return "审核中的内容不能修改，请先退回。"


__all__ = ["AuthoringService", "PydanticObjectId"]
