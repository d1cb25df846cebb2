"""PUT /uploads/{id}?u=…&e=…&s=…: the admin app's same-origin upload, used when no browser-facing S3
endpoint is configured (GONGKAI_S3_PUBLIC_ENDPOINT). The ticket in the address was signed for the
user by ``requestUpload``; the body streams on to the object store (never held whole), refused as soon
as it passes the size limit. ``completeUpload`` then judges what arrived, as after a presigned PUT."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bson import ObjectId
from bson.errors import InvalidId
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cms.attachments.service import AttachmentTooLarge, StorageUnavailable, UploadNotFound
from cms.errors import DomainError, Forbidden, TransitionNotAllowed
from web.facts import note_error

_STATUS = {
    UploadNotFound.code: 404,
    AttachmentTooLarge.code: 413,
    Forbidden.code: 403,
    TransitionNotAllowed.code: 409,
    StorageUnavailable.code: 503,
}


def uploads_endpoint(services: Callable[[], object]) -> Callable[[Request], Awaitable[Response]]:
    async def upload(request: Request) -> Response:
        from cms.services import Services

        svc = services()
        assert isinstance(svc, Services)
        declared = request.headers.get("content-length", "")
        try:
            attachment_id = ObjectId(request.path_params["attachment_id"])
        except InvalidId:
            return _error(UploadNotFound())
        try:
            received = await svc.attachments.receive(
                attachment_id,
                request.query_params,
                request.stream(),
                int(declared) if declared.isdigit() else None,
            )
        except DomainError as exc:
            return _error(exc)
        return JSONResponse({"size": received}, headers={"Cache-Control": "no-store"})

    return upload


def _error(exc: DomainError) -> Response:
    note_error(exc.code)
    body = {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}  # as /files answers
    return JSONResponse(body, status_code=_STATUS.get(exc.code, 400), headers={"Cache-Control": "no-store"})
