"""Attachments: uploaded straight to the object store with presigned URLs, verified by the server
(size, sha256, type sniffed from the content), and delivered only when their item may be read.

An attachment belongs to one item. A working copy gets its own records pointing at the same objects;
when the copy is issued its set replaces the live item's set in the same transaction as the content,
so replacing a file of a published item goes through review like any other change. Objects nobody
references any more, and uploads never completed, are removed by ``cleanup``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import secrets
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from beanie import PydanticObjectId, SortDirection
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from authz import ANONYMOUS, Permission, Principal
from cms.admin.access import AccessControl
from cms.attachments.documents import MIMES as DOCUMENTS
from cms.attachments.filetypes import ALL as ALL_TYPES
from cms.attachments.filetypes import IMAGES, PDF, SNIFF_BYTES, TEXT, FileType, refusal_message, sniff
from cms.attachments.links import StaffLinks
from cms.attachments.previews import MAX_TEXT, SOURCE, PreviewLimits, PreviewRunner, decode_text
from cms.content.visibility import ReadScope, content_withheld, is_publicly_visible, is_visible
from cms.errors import DomainError, InvalidInput, NotFound, TransitionNotAllowed
from cms.review.workflow import EDITABLE_STATES, WorkflowService
from storage.accounts import User
from storage.attachments import Attachment, AttachmentStatus
from storage.documents import CONTENT_TYPES, ContentDocument
from storage.objectstore import ObjectNotFound, ObjectStore, ObjectStoreError, ObjectStoreUnavailable
from storage.requests import DisclosureRequest

log = logging.getLogger("gongkai.attachments")
T = TypeVar("T")

MAX_ATTACHMENTS_PER_ITEM = 50
MAX_FILENAME = 200
PROCESS_LIMIT = 64 * 1024 * 1024  # larger files get no thumbnail or text extraction
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class AttachmentTooLarge(DomainError):
    code = "ATTACHMENT_TOO_LARGE"
    default_message = "附件超过大小上限。"


class AttachmentTypeNotAllowed(DomainError):
    code = "ATTACHMENT_TYPE_NOT_ALLOWED"
    default_message = "不支持该文件类型。"


class UploadNotFound(DomainError):
    code = "UPLOAD_NOT_FOUND"
    default_message = "未找到上传的文件，请重新上传。"


class ChecksumMismatch(DomainError):
    code = "CHECKSUM_MISMATCH"
    default_message = "文件校验值不一致，上传可能不完整，请重新上传。"


class StorageUnavailable(DomainError):
    code = "STORAGE_UNAVAILABLE"
    default_message = "文件存储服务暂时不可用，请稍后重试。"


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int
    allowed_types: frozenset[str]
    upload_ttl: timedelta = timedelta(minutes=30)
    abandon_after: timedelta = timedelta(hours=24)
    previews: PreviewLimits = field(default_factory=PreviewLimits)


@dataclass(frozen=True)
class UploadTicket:
    attachment: Attachment
    url: str
    expires_at: datetime


OwnerCheck = Callable[[Principal, ObjectId], Awaitable[DisclosureRequest]]
_MISSING = "未找到该附件。"


class AttachmentService:
    def __init__(
        self,
        objects: ObjectStore,
        access: AccessControl,
        workflow: WorkflowService,
        limits: AttachmentLimits,
        links: StaffLinks | None = None,
    ) -> None:
        self.objects = objects
        self.access = access
        self.workflow = workflow
        self.limits = limits
        self.previews = PreviewRunner()
        self.clock = workflow.content.clock
        # Owners of files other than content items (a request's reply files): the type's name → a
        # check that answers the owner whose files the principal may change now, or raises.
        self.owners: dict[str, OwnerCheck] = {}
        # ... and the check that answers the owner when the principal may read its files (staff only;
        # such files are never public), or raises NotFound.
        self.readers: dict[str, OwnerCheck] = {}
        self.links = links
        # Without a browser-facing S3 endpoint the admin app uploads here (PUT /uploads/{id}) with a
        # ticket signed for the user, valid as long as a presigned URL would be.
        self.tickets = links.for_purpose(b"gongkai-upload-tickets", limits.upload_ttl) if links else None
        workflow.merge_hooks.append(self._on_merge)
        workflow.checkout_hooks.append(self._on_checkout)

    # -- staff: upload --------------------------------------------------------------------------

    async def request_upload(
        self, principal: Principal, item_type: str, item_id: ObjectId, filename: str, size: int
    ) -> UploadTicket:
        item = await self._editable(principal, item_type, item_id)
        name = _clean_filename(filename)
        if size <= 0:
            raise InvalidInput("文件大小无效。", field="size")
        if size > self.limits.max_bytes:
            raise AttachmentTooLarge(f"附件不能超过 {self.limits.max_bytes // (1024 * 1024)} MB。")
        count = await Attachment.find({"item_id": item.id}).count()
        if count >= MAX_ATTACHMENTS_PER_ITEM:
            raise InvalidInput(f"每项内容最多 {MAX_ATTACHMENTS_PER_ITEM} 个附件。", field="filename")
        assert item.id is not None
        token = secrets.token_hex(16)
        attachment = Attachment(
            item_id=item.id,
            item_type=type(item).__name__,
            org_id=item.org_id,
            filename=name,
            declared_size=size,
            # The client writes to a staging key; only a server-side copy made before verification is
            # ever delivered, so re-using the upload URL later cannot swap the verified bytes.
            upload_key=f"uploads/{item.org_id}/{token}",
            object_key=f"objects/{item.org_id}/{token}",
            order=count,
            uploaded_by=principal.user_id,
        )
        expires_at = self.clock() + self.limits.upload_ttl
        if self.tickets is None or self.objects.config.public_endpoint:
            url = await self._guard(
                self.objects.presigned_put(attachment.upload_key or "", self.limits.upload_ttl)
            )
        else:
            attachment.id = PydanticObjectId()
            url = await self._ticket_path(attachment.id, principal)
        await attachment.insert()
        return UploadTicket(attachment, url, expires_at)

    async def _ticket_path(self, attachment_id: ObjectId, principal: Principal) -> str:
        """``/uploads/{id}?…``: relative to this server's address (the GraphQL layer prefixes it)."""
        assert self.tickets is not None
        assert principal.user_id is not None
        user = await User.get(ObjectId(principal.user_id))
        generation = user.session_generation if user else 0
        return f"/uploads/{attachment_id}?{self.tickets.query(attachment_id, principal.user_id, generation)}"

    async def receive(
        self,
        attachment_id: ObjectId,
        ticket: Mapping[str, str],
        body: AsyncIterable[bytes],
        length: int | None,
    ) -> int:
        """A same-origin upload: the body streams on to the upload's staging key, refused as soon as it
        passes the size limit. The ticket names the user, who must still exist, be enabled and may
        still change the item (completeUpload's checks); the bytes are judged by completeUpload."""
        attachment = await self._ticketed(attachment_id, ticket)
        limit = self.limits.max_bytes
        too_large = f"附件不能超过 {limit // (1024 * 1024)} MB。"
        if length is not None and length > limit:
            raise AttachmentTooLarge(too_large)
        received = 0

        async def limited() -> AsyncIterator[bytes]:
            nonlocal received
            async for chunk in body:
                received += len(chunk)
                if received > limit:
                    raise AttachmentTooLarge(too_large)
                yield chunk

        key = attachment.upload_key
        assert key is not None
        size = -1 if length is None else length
        await self._guard(self.objects.put_chunks(key, limited(), size, "application/octet-stream"))
        return received

    async def _ticketed(self, attachment_id: ObjectId, ticket: Mapping[str, str]) -> Attachment:
        user_id = self.tickets.claimed_user(ticket) if self.tickets else None
        user = await User.get(ObjectId(user_id)) if user_id and ObjectId.is_valid(user_id) else None
        if self.tickets is None or user is None or not user.active:
            raise UploadNotFound()
        if not self.tickets.verify(str(attachment_id), ticket, user.session_generation):
            raise UploadNotFound()
        attachment = await self._pending(self.access.principal_for(user), attachment_id)
        if attachment.upload_key is None:  # already frozen by completeUpload
            raise UploadNotFound()
        return attachment

    async def complete_upload(self, principal: Principal, attachment_id: ObjectId, sha256: str) -> Attachment:
        """Verify what arrived; on any failure the object and the record are removed, nothing half-done
        stays visible."""
        attachment = await self._pending(principal, attachment_id)
        claimed = sha256.strip().lower()
        if not _SHA256.match(claimed):
            raise InvalidInput("sha256 应为 64 位十六进制字符串。", field="sha256")
        try:
            await self._verify(attachment, claimed)
        except (AttachmentTooLarge, AttachmentTypeNotAllowed, ChecksumMismatch, UploadNotFound):
            await self._discard(attachment)
            raise
        return attachment

    async def store(
        self, principal: Principal, item_type: str, item_id: ObjectId, filename: str, data: bytes
    ) -> Attachment:
        """Server-side upload of a small file (imports, demo data) through the same checks."""
        import hashlib

        ticket = await self.request_upload(principal, item_type, item_id, filename, len(data))
        content_type = "application/octet-stream"
        staging = ticket.attachment.upload_key or ticket.attachment.object_key
        await self._guard(self.objects.put_stream(staging, io.BytesIO(data), len(data), content_type))
        assert ticket.attachment.id is not None
        return await self.complete_upload(principal, ticket.attachment.id, hashlib.sha256(data).hexdigest())

    def refusal(self, size: int, head: bytes) -> str | None:
        """Why a file would be refused as an upload (size, type sniffed from ``head``), or None; lets an
        import report every refused file before it writes anything."""
        if size <= 0:
            return "文件为空。"
        if size > self.limits.max_bytes:
            return f"附件不能超过 {self.limits.max_bytes // (1024 * 1024)} MB。"
        kind = sniff(head)
        if kind is None or kind.mime not in self.limits.allowed_types:
            return refusal_message(kind)
        return None

    async def attach_server_file(
        self, item: ContentDocument | DisclosureRequest, filename: str, data: bytes, *, by: str | None
    ) -> Attachment:
        """A file the server holds itself — the annual report's .docx, an imported item's file (the
        item may already be published, as imported historical records are) — through every check an
        upload passes. The caller has checked its own permission for the item."""
        import hashlib

        assert item.id is not None
        attachment = Attachment(
            item_id=item.id,
            item_type=type(item).__name__,
            org_id=item.org_id,
            filename=_clean_filename(filename),
            declared_size=len(data),
            upload_key=None,
            object_key=f"objects/{item.org_id}/{secrets.token_hex(16)}",
            order=await Attachment.find({"item_id": item.id}).count(),
            uploaded_by=by,
        )
        await attachment.insert()
        try:
            stream = io.BytesIO(data)
            content_type = "application/octet-stream"
            await self._guard(self.objects.put_stream(attachment.object_key, stream, len(data), content_type))
            await self._verify(attachment, hashlib.sha256(data).hexdigest())
        except BaseException:
            await self._discard(attachment)
            raise
        return attachment

    async def remove(self, principal: Principal, attachment_id: ObjectId) -> None:
        attachment = await Attachment.get(attachment_id)
        if attachment is None:
            raise NotFound("未找到该附件。")
        try:
            await self._editable(principal, attachment.item_type, attachment.item_id)
        except NotFound as exc:  # an attachment of an item the caller cannot see does not exist for them
            raise NotFound("未找到该附件。") from exc
        await attachment.delete()
        await self._delete_unreferenced([attachment.object_key, attachment.thumbnail_key])

    async def forget(self, attachment: Attachment) -> None:
        """The record and its objects (those no other record shares), without a permission check:
        for the domain's own erasure after a retention period."""
        await attachment.delete()
        await self._delete_unreferenced(
            [attachment.object_key, attachment.upload_key, attachment.thumbnail_key]
        )

    # -- reading ----------------------------------------------------------------------------------

    async def of_items(self, item_ids: list[ObjectId]) -> dict[ObjectId, list[Attachment]]:
        found = await (
            Attachment.find({"item_id": {"$in": item_ids}, "status": AttachmentStatus.READY.value})
            .sort([("order", SortDirection.ASCENDING)])
            .to_list()
        )
        grouped: dict[ObjectId, list[Attachment]] = {}
        for attachment in found:
            grouped.setdefault(attachment.item_id, []).append(attachment)
        return grouped

    async def readable(
        self, attachment_id: ObjectId, scope: ReadScope, principal: Principal = ANONYMOUS
    ) -> tuple[Attachment, bool]:
        """The attachment when its item may be read in ``scope`` (files of other owners, such as a
        request's reply files: by ``principal``, never by the public); True when the public may read it."""
        attachment = await Attachment.get(attachment_id)
        if attachment is None or attachment.status is not AttachmentStatus.READY:
            raise NotFound(_MISSING)
        reader = self.readers.get(attachment.item_type)
        if reader is not None:
            if principal.is_anonymous:
                raise NotFound(_MISSING)
            try:
                await reader(principal, attachment.item_id)
            except NotFound as exc:
                raise NotFound(_MISSING) from exc
            return attachment, False
        cls = CONTENT_TYPES.get(attachment.item_type)
        item = await cls.get(attachment.item_id) if cls else None
        # A file of an item whose content is withheld from the caller (依申请公开) answers exactly as
        # one of an item they cannot see: no hint that it exists.
        if item is None or not is_visible(item, scope) or content_withheld(item, scope):
            raise NotFound(_MISSING)
        return attachment, _public(item, scope.now)

    async def readable_by_link(self, attachment_id: ObjectId, params: Mapping[str, str]) -> Attachment:
        """The attachment a signed staff link names, read as the user it was made for, who must still
        exist, be enabled and may read it now; any other case is NOT_FOUND, like a missing file."""
        user_id = self.links.claimed_user(params) if self.links else None
        user = await User.get(ObjectId(user_id)) if user_id and ObjectId.is_valid(user_id) else None
        if self.links is None or user is None or not user.active:
            raise NotFound(_MISSING)
        if not self.links.verify(str(attachment_id), params, user.session_generation):
            raise NotFound(_MISSING)
        principal = self.access.principal_for(user)
        scope = self.workflow.content.scope(self.access.draft_orgs(principal))
        attachment, _public_too = await self.readable(attachment_id, scope, principal)
        return attachment

    def link_query(self, attachment: Attachment, principal: Principal, generation: int) -> str | None:
        """The signed query string for ``principal``'s link to a file the public may not read."""
        if self.links is None or principal.user_id is None:
            return None
        return self.links.query(attachment.id, principal.user_id, generation)

    async def public_items(self, keys: Sequence[tuple[str, ObjectId]]) -> set[ObjectId]:
        """Which of the (item type, item id) pairs the public may read the files of now: a signed-in
        reader's links to these stay the stable, unsigned ones."""
        by_type: dict[str, list[ObjectId]] = {}
        for type_name, item_id in keys:
            by_type.setdefault(type_name, []).append(item_id)
        now = self.clock()
        found: set[ObjectId] = set()
        for type_name, ids in by_type.items():
            cls = CONTENT_TYPES.get(type_name)
            if cls is None:  # other owners' files (reply files) are never public
                continue
            for item in await cls.find({"_id": {"$in": ids}}).to_list():
                if _public(item, now):
                    assert item.id is not None
                    found.add(item.id)
        return found

    # -- hooks from the workflow ------------------------------------------------------------------

    async def _on_checkout(
        self, live: ContentDocument, copy: ContentDocument, session: AsyncClientSession
    ) -> None:
        originals = await Attachment.find({"item_id": live.id}, session=session).to_list()
        for original in originals:
            clone = original.model_copy(update={"id": None, "item_id": copy.id, "source_id": original.id})
            await clone.insert(session=session)

    async def _on_merge(
        self, copy: ContentDocument, live: ContentDocument, session: AsyncClientSession
    ) -> None:
        """The copy's set becomes the live set; files kept from the live version keep their ids, so
        their public URLs stay the same."""
        collection = Attachment.get_pymongo_collection()
        clones = await Attachment.find({"item_id": copy.id}, session=session).to_list()
        kept = [c.source_id for c in clones if c.source_id is not None]
        await collection.delete_many({"item_id": live.id, "_id": {"$nin": kept}}, session=session)
        for clone in clones:
            if clone.source_id is not None:
                fields = {"filename": clone.filename, "order": clone.order}
                await collection.update_one({"_id": clone.source_id}, {"$set": fields}, session=session)
                await collection.delete_one({"_id": clone.id}, session=session)
            else:
                moved = {"item_id": live.id, "item_type": type(live).__name__, "source_id": None}
                await collection.update_one({"_id": clone.id}, {"$set": moved}, session=session)

    # -- cleanup ----------------------------------------------------------------------------------

    async def cleanup(self) -> dict[str, int]:
        """Remove abandoned uploads, attachments of deleted items, and objects nobody references."""
        cutoff = self.clock() - self.limits.abandon_after
        abandoned = await Attachment.find(
            {"status": AttachmentStatus.PENDING.value, "created": {"$lt": cutoff}}
        ).to_list()
        for attachment in abandoned:
            await attachment.delete()
        orphans = 0
        for type_name, cls in CONTENT_TYPES.items():
            ids = await Attachment.get_pymongo_collection().distinct("item_id", {"item_type": type_name})
            existing = {
                d["_id"]
                for d in await cls.get_pymongo_collection().find({"_id": {"$in": ids}}, {"_id": 1}).to_list()
            }
            gone = [i for i in ids if i not in existing]
            if gone:
                orphans += (
                    await Attachment.get_pymongo_collection().delete_many({"item_id": {"$in": gone}})
                ).deleted_count
        referenced = set(await Attachment.get_pymongo_collection().distinct("object_key"))
        referenced |= set(await Attachment.get_pymongo_collection().distinct("thumbnail_key"))
        referenced |= set(await Attachment.get_pymongo_collection().distinct("upload_key"))
        stale = [
            info.key
            for prefix in ("objects/", "thumbnails/", "uploads/")
            for info in await self._guard(self.objects.list_keys(prefix))
            if info.key not in referenced and info.last_modified < cutoff
        ]
        await self._guard(self.objects.delete_many(stale))
        return {
            "abandoned_uploads": len(abandoned),
            "orphaned_records": orphans,
            "deleted_objects": len(stale),
        }

    # -- internals --------------------------------------------------------------------------------

    async def _editable(
        self, principal: Principal, item_type: str, item_id: ObjectId
    ) -> ContentDocument | DisclosureRequest:
        check = self.owners.get(item_type)
        if check is not None:
            return await check(principal, item_id)
        item = await self.workflow.load_for(principal, item_type, item_id)
        self.access.require(principal, Permission.CONTENT_EDIT, item.org_id)
        if item.review_state not in EDITABLE_STATES:
            raise TransitionNotAllowed("只有草稿、被退回的内容或工作副本可以更换附件；已发布内容请先签出。")
        return item

    async def _pending(self, principal: Principal, attachment_id: ObjectId) -> Attachment:
        attachment = await Attachment.get(attachment_id)
        if attachment is None or attachment.status is not AttachmentStatus.PENDING:
            raise UploadNotFound()
        try:
            await self._editable(principal, attachment.item_type, attachment.item_id)
        except NotFound as exc:
            raise UploadNotFound() from exc
        return attachment

    async def _verify(self, attachment: Attachment, claimed: str) -> None:
        if attachment.upload_key:
            if await self._guard(self.objects.stat(attachment.upload_key)) is None:
                raise UploadNotFound()
            # Freeze what arrived: everything below judges the copy, which the client cannot reach.
            await self._guard(self.objects.copy(attachment.upload_key, attachment.object_key))
            await self._guard(self.objects.delete(attachment.upload_key))
            attachment.upload_key = None
            await attachment.save()  # a retry after a later failure starts from the frozen copy
        info = await self._guard(self.objects.stat(attachment.object_key))
        if info is None:
            raise UploadNotFound()
        if info.size > self.limits.max_bytes:
            raise AttachmentTooLarge()
        head = await self._guard(self.objects.read_range(attachment.object_key, 0, SNIFF_BYTES))
        kind = sniff(head)
        if kind is None or kind.mime not in self.limits.allowed_types:
            raise AttachmentTypeNotAllowed(refusal_message(kind))
        actual = await self._guard(self.objects.sha256(attachment.object_key))
        if actual != claimed:
            raise ChecksumMismatch()
        attachment.size, attachment.sha256, attachment.content_type = info.size, actual, kind.mime
        attachment.filename = _with_extension(attachment.filename, kind)
        if info.size <= PROCESS_LIMIT:
            await self._derive(attachment, kind)
        attachment.status = AttachmentStatus.READY
        attachment.completed_at = self.clock()
        await attachment.save()

    async def _derive(self, attachment: Attachment, kind: FileType) -> None:
        """Thumbnail and searchable text; failures here never fail the upload (the file is valid, only
        its preview is missing), they are logged."""
        try:
            await self._derive_or_fail(attachment, kind)
        except Exception:  # storage trouble while previewing: the upload still stands
            log.warning("could not derive a preview of attachment %s", attachment.id, exc_info=True)

    async def _derive_or_fail(self, attachment: Attachment, kind: FileType) -> None:
        if kind is TEXT:
            head = await self._guard(self.objects.read_range(attachment.object_key, 0, 4 * MAX_TEXT))
            attachment.text = decode_text(head)
            return
        if kind.mime not in IMAGES and kind is not PDF and kind.mime not in DOCUMENTS:
            return
        with tempfile.TemporaryDirectory(prefix="gongkai-preview-") as folder:
            source = Path(folder) / SOURCE
            await self._download(attachment.object_key, source)
            preview = await self.previews.derive(source, kind.mime, self.limits.previews)
        if preview.problem:
            log.warning("no preview for attachment %s (%s): %s", attachment.id, kind.mime, preview.problem)
        attachment.text = preview.text[:MAX_TEXT]
        if preview.thumbnail is not None:
            key = f"thumbnails/{attachment.object_key.rsplit('/', 1)[-1]}.png"
            data = preview.thumbnail
            await self._guard(self.objects.put_stream(key, io.BytesIO(data), len(data), "image/png"))
            attachment.thumbnail_key = key

    async def _download(self, key: str, target: Path) -> None:
        """The object into a file, a chunk at a time: the server never holds the whole file."""
        reader = await self._guard(self.objects.open_range(key))

        def copy() -> None:
            with reader, target.open("wb") as out:
                for chunk in reader:
                    out.write(chunk)

        try:
            await asyncio.to_thread(copy)
        except ObjectStoreUnavailable as exc:
            raise StorageUnavailable() from exc

    async def _discard(self, attachment: Attachment) -> None:
        await attachment.delete()
        for key in (attachment.upload_key, attachment.object_key):
            if key is None:
                continue
            try:
                await self.objects.delete(key)
            except ObjectStoreError:  # the cleanup job will find it
                log.warning("could not delete object %s", key)

    async def _delete_unreferenced(self, keys: list[str | None]) -> None:
        for key in keys:
            if (
                key
                and await Attachment.find_one({"$or": [{"object_key": key}, {"thumbnail_key": key}]}) is None
            ):
                try:
                    await self.objects.delete(key)
                except ObjectStoreError:
                    log.warning("could not delete object %s", key)

    async def _guard(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except ObjectNotFound as exc:
            raise UploadNotFound() from exc
        except ObjectStoreUnavailable as exc:
            raise StorageUnavailable() from exc


def _public(item: ContentDocument, now: datetime) -> bool:
    public_scope = ReadScope(now=now)
    return is_publicly_visible(item, now) and not content_withheld(item, public_scope)


def _clean_filename(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip()
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    if not name or name in {".", ".."} or len(name) > MAX_FILENAME:
        raise InvalidInput(f"文件名不能为空，且不超过 {MAX_FILENAME} 个字符。", field="filename")
    return name


def _with_extension(filename: str, kind: FileType) -> str:
    """Keep the staff's name but make the extension tell the truth about the content."""
    _stem, dot, ext = filename.rpartition(".")
    if dot and ext.lower() in {kind.extension, "jpeg" if kind.extension == "jpg" else kind.extension}:
        return filename
    if kind.extension == "doc" and dot and ext.lower() in {"doc", "xls", "ppt", "wps"}:
        return filename
    return f"{filename}.{kind.extension}"


__all__ = ["ALL_TYPES", "AttachmentLimits", "AttachmentService", "PydanticObjectId", "UploadTicket"]
