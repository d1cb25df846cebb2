"""三同步: a policy interpretation (政策解读) is public only together with the documents it interprets.

From the interpretation's side, it is issued only once every document it interprets is published
(``interpreted_published``); from the document's side, a document leaving public view takes its
interpretations with it, or out of their links to it (``follow_document``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from authz import Principal
from cms.admin.access import AccessControl
from cms.content.store import ContentService
from cms.content.versions import VersionService
from cms.content.visibility import is_visible, public_until
from cms.errors import InterpretedDocumentNotPublished
from cms.review.actions import STATE_FIELDS, Action, TransitionRequest
from cms.review.filing import Filing, cas_update
from cms.review.register import RegisterEntry
from storage.documents import CatalogEntry, ContentDocument, Interpretation, ReviewState

Followed = list[tuple["Interpretation", RegisterEntry]]


class DocumentSync:
    def __init__(
        self, content: ContentService, access: AccessControl, versions: VersionService, filing: Filing
    ) -> None:
        self.content = content
        self.access = access
        self.versions = versions
        self.filing = filing

    async def interpreted_published(self, principal: Principal, item: ContentDocument) -> datetime | None:
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
        # document the public cannot read (see ``follow_document``)
        waiting = [e for e in entries if e is None or not public_document(e, now)]
        if waiting:
            scope = self.content.scope(self.access.draft_orgs(principal))
            named = [e for e in waiting if e is not None and is_visible(e, scope)]
            raise InterpretedDocumentNotPublished(
                _unpublished_message([e.title for e in named], len(waiting) - len(named)), field="interprets"
            )
        instants = [e.effective for e in entries if e is not None and e.effective is not None]
        return max(instants, default=None)

    async def follow_document(
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
        if not isinstance(document, CatalogEntry) or public_document(document, now):
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
            if public_document(e, now)
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
            item, item.version, ReviewState.PUBLISHED, session, fields=(*STATE_FIELDS, "modified")
        )
        opinion = f"所解读的文件《{document.title}》{_gone(request)}，本解读随之撤回（三同步）。"
        return self.filing.record(
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
        return self.filing.record(principal, item, ReviewState.PUBLISHED, "unlink", opinion, details)


def public_document(entry: CatalogEntry, now: datetime) -> bool:
    """Published and not (any more) kept from the public: not 不予公开, not expired. Scheduled counts
    as public: an interpretation of it goes public with it (``interpreted_published``)."""
    return entry.review_state is ReviewState.PUBLISHED and public_until(entry) > now


def _gone(request: TransitionRequest) -> str:
    return "已撤回" if request.action is Action.WITHDRAW else "已不再公开"


def _cause(document: CatalogEntry, request: TransitionRequest) -> dict[str, Any]:
    return {"followsDocument": str(document.id), "documentAction": request.action.value}


def _unpublished_message(titles: list[str], unnamed: int) -> str:
    parts = "、".join(f"《{t}》" for t in titles)
    if titles and unnamed:
        parts += f"及另外 {unnamed} 件文件"
    elif unnamed:
        parts = f"中有 {unnamed} 件"
    return f"所解读的文件{parts}尚未发布：政策解读须在所解读的文件审发后方可审发。"
