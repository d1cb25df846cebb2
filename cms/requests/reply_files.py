"""The reply letter and the released files of a request for disclosure (第三十六条): staff attach
them before the reply is sent; the applicant downloads them from the status page afterwards.

The files sit in the object store as attachments of the request (never of a content item, so
``/files`` never serves them to the public; staff who may view the request get them there, by token or
by a link signed for them). The status page lists them with download addresses signed for this
request's number and query code and valid for ``ttl``: an address works only for the one file and
request it was made for, and only until it expires.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from beanie import SortDirection
from bson import ObjectId
from bson.errors import InvalidId

from authz import Permission, Principal
from cms.attachments.service import AttachmentService
from cms.errors import NotFound
from cms.requests.codes import OPEN_STATES, RequestState
from cms.requests.service import InvalidRequestState, RequestService
from storage.attachments import Attachment, AttachmentStatus
from storage.documents import utcnow
from storage.requests import DisclosureRequest, ErasedFile

OWNER = "DisclosureRequest"
_GONE = "该文件不存在或下载地址已过期，请重新打开办理进度页面。"


@dataclass(frozen=True)
class SignedFile:
    attachment: Attachment
    path: str  # /request-files/{id}?n=…&e=…&s=…, relative to the public base URL
    expires_at: datetime


class ReplyFiles:
    def __init__(
        self,
        requests: RequestService,
        attachments: AttachmentService,
        secret: bytes,
        *,
        ttl: timedelta = timedelta(minutes=15),
    ) -> None:
        self.requests = requests
        self.attachments = attachments
        self.ttl = ttl
        self._key = hashlib.sha256(b"gongkai-request-files\0" + secret).digest()
        self.clock: Callable[[], datetime] = utcnow
        # requestUpload / completeUpload / removeAttachment with a request's ID go through this check
        attachments.owners[OWNER] = self._changeable
        requests.files = self  # the erasure after the retention period deletes the files too
        # ... and /files serves them to staff who may view the request (never to the public)
        attachments.readers[OWNER] = self._viewable

    async def attach(self, principal: Principal, request_id: str, filename: str, data: bytes) -> Attachment:
        """A small file for the reply sent inline (Base64), through every check an upload passes."""
        request = await self._changeable(principal, ObjectId(request_id))
        return await self.attachments.attach_server_file(request, filename, data, by=principal.user_id)

    async def _changeable(self, principal: Principal, request_id: ObjectId) -> DisclosureRequest:
        """The request whose reply files the principal may change: request.reply, reply unsent."""
        request = await self.requests.get(principal, str(request_id))
        self.requests.access.require(principal, Permission.REQUEST_REPLY, request.org_id)
        if RequestState(request.state) not in OPEN_STATES:
            raise InvalidRequestState("答复已发出，不能再更改文件。")
        return request

    async def _viewable(self, principal: Principal, request_id: ObjectId) -> DisclosureRequest:
        return await self.requests.get(principal, str(request_id))

    async def of(self, request: DisclosureRequest) -> list[Attachment]:
        query = {"item_id": request.id, "item_type": OWNER, "status": AttachmentStatus.READY.value}
        return await Attachment.find(query).sort([("order", SortDirection.ASCENDING)]).to_list()

    async def record(self, request: DisclosureRequest) -> list[ErasedFile]:
        """What is kept of the reply files after the retention period: that they existed."""
        return [
            ErasedFile(size=a.size or 0, sha256=a.sha256, content_type=a.content_type)
            for a in await self.of(request)
        ]

    async def remove_all(self, request: DisclosureRequest) -> None:
        """Every file of the request (sent or left pending) and its objects in the store."""
        for attachment in await Attachment.find({"item_id": request.id, "item_type": OWNER}).to_list():
            await self.attachments.forget(attachment)

    async def signed(self, request: DisclosureRequest) -> list[SignedFile]:
        """What the applicant may download: nothing until the reply is sent."""
        if RequestState(request.state) in OPEN_STATES:
            return []
        expires_at = self.clock() + self.ttl
        expires = int(expires_at.timestamp())
        return [
            SignedFile(
                a,
                f"/request-files/{a.id}?n={request.number}&e={expires}&s={self._sign(request, a.id, expires)}",
                expires_at,
            )
            for a in await self.of(request)
        ]

    async def opened(self, attachment_id: str, number: str, expires: str, signature: str) -> Attachment:
        """The file a signed address names, or NOT_FOUND (wrong, altered or expired address alike)."""
        try:
            oid, until = ObjectId(attachment_id), int(expires)
        except (InvalidId, TypeError, ValueError) as exc:
            raise NotFound(_GONE) from exc
        request = await DisclosureRequest.find_one({"number": number[:40]})
        if request is None or until < self.clock().timestamp():
            raise NotFound(_GONE)
        if not hmac.compare_digest(self._sign(request, oid, until), signature[:64]):
            raise NotFound(_GONE)
        found = await Attachment.get(oid)
        if found is None or found.item_id != request.id or found.status is not AttachmentStatus.READY:
            raise NotFound(_GONE)
        if RequestState(request.state) in OPEN_STATES:
            raise NotFound(_GONE)
        return found

    def _sign(self, request: DisclosureRequest, attachment_id: object, expires: int) -> str:
        # The code's hash is part of the message: a new query code voids every address made before.
        message = f"{request.number}\0{request.code_hash}\0{attachment_id}\0{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:40]
