"""Filing a review decision: the item's writes and the register records they cause, in one
transaction, across the register chains of every organization involved; and the conditional write of
an item (``cas_update``) that keeps its search entry in step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from beanie.odm.utils.encoder import Encoder
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from authz import Principal
from cms.admin.access import AccessControl
from cms.admin.organizations import OrganizationService
from cms.content.entries import store_entry, store_visibility
from cms.content.versions import encode
from cms.errors import Conflict
from cms.review.register import RegisterEntry, RegisterService, StaleHead
from storage.documents import ContentDocument, ReviewState
from storage.register import RegisterRecord

T = TypeVar("T")
# A transaction's writes; returns the register entries of other items they changed as a consequence.
Writes = Callable[[AsyncClientSession], Awaitable["list[RegisterEntry] | None"]]
# Runs last in a filing transaction (see Filing.file).
Finish = Callable[[AsyncClientSession], Awaitable[None]]
MAX_FILE_ATTEMPTS = 20
_ENCODER = Encoder(to_db=True)


class Filing:
    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        register: RegisterService,
        access: AccessControl,
        orgs: OrganizationService,
    ) -> None:
        self.client = client
        self.register = register
        self.access = access
        self.orgs = orgs

    def record(
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
                    if ObjectId(g.org_id) in self.orgs.tree.path_of(item.org_id)
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

    async def file(
        self, writes: Writes, entry: RegisterEntry, finish: Finish | None = None
    ) -> RegisterRecord:
        """``writes``, the register record of ``entry`` and those of the entries ``writes`` returns
        (items it changed as a consequence, possibly of other organizations) in one transaction.

        This process's appends to one organization's chain wait for each other from the append to the
        end of the transaction (``RegisterService.lock``), so they never race each other for a seq and
        the append needs no read of the head; ``writes`` (the items) run before the locks,
        concurrently. A transaction that files in several chains takes their locks in one order (by
        organization id), so two of them never wait for each other. A head moved on by another
        process (``StaleHead``) retries the whole transaction. Returns ``entry``'s record.

        ``finish`` runs last in the transaction, after the register records, with the locks held:
        for writes to documents every transaction shares (the change feed's counter), which a
        transaction must not hold while it waits for a register lock another one holds."""
        for _attempt in range(MAX_FILE_ATTEMPTS):
            try:
                return await self._file_once(writes, entry, finish)
            except StaleHead:
                continue
        raise Conflict("审查登记并发写入冲突过多，请稍后重试。", org_id=str(entry.org_id))

    async def file_many(self, writes: Writes, entries: list[RegisterEntry]) -> list[RegisterRecord]:
        """``writes`` and many records of one organization's chain (an import's batch), in one
        transaction, the records stored together (``RegisterService.append_many_held``); otherwise as
        ``file``: the chain's lock from the append to the end, a moved head retries the whole."""
        assert len({str(e.org_id) for e in entries}) == 1, "one organization's chain"
        for _attempt in range(MAX_FILE_ATTEMPTS):
            try:
                return await self._file_many_once(writes, entries)
            except StaleHead:
                continue
        raise Conflict("审查登记并发写入冲突过多，请稍后重试。", org_id=str(entries[0].org_id))

    async def _file_many_once(self, writes: Writes, entries: list[RegisterEntry]) -> list[RegisterRecord]:
        held: list[ObjectId] = []

        async def work(session: AsyncClientSession) -> list[RegisterRecord]:
            await writes(session)
            await self._hold(held, {ObjectId(str(entries[0].org_id))})
            return await self.register.append_many_held(entries, session)

        try:
            async with self.client.start_session() as session:
                records = await session.with_transaction(work)
            self.register.committed(records[-1])
            return records
        except StaleHead:
            raise
        except BaseException:
            for org_id in held:
                self.register.forget(org_id)
            raise
        finally:
            for org_id in reversed(held):
                self.register.lock(org_id).release()

    async def _file_once(self, writes: Writes, entry: RegisterEntry, finish: Finish | None) -> RegisterRecord:
        held: list[ObjectId] = []  # the organizations whose locks this attempt holds, in order

        async def work(session: AsyncClientSession) -> list[RegisterRecord]:
            entries = [entry, *(await writes(session) or [])]
            # with_transaction may run this again: the locks are kept meanwhile (re-taken only if the
            # rerun files in other chains)
            await self._hold(held, {ObjectId(str(e.org_id)) for e in entries})
            records = await self._append_all(entries, session)
            if finish is not None:
                await finish(session)
            return records

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
