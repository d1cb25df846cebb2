"""GET /files/{id}/{name}: attachment downloads with HTTP Range and cache headers.

A published item's attachments are public at a stable URL; a draft's (and a request's reply files)
only to staff who may read them — by Bearer token, or by a short-lived signed link made for them
(``?u=…&e=…&s=…``, cms.attachments.links) that works in links, images and PDF viewers — never cached
by shared caches. The bytes stream from the object store in bounded memory.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bson import ObjectId
from bson.errors import InvalidId
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from authz import Principal
from cms.attachments.links import StaffLinks
from cms.attachments.service import StorageUnavailable
from cms.content.visibility import ReadScope
from cms.errors import DomainError, NotFound
from storage.objectstore import ObjectStoreError, content_disposition
from web.cache import etag_matches
from web.facts import note_error

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
INLINE = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "video/mp4",
    "audio/mpeg",
}


def files_endpoint(
    reader_for: Callable[[Request], Awaitable[tuple[Principal, ReadScope]]],
    services: Callable[[], object],
    *,
    max_age: int = 30,
) -> Callable[[Request], Awaitable[Response]]:
    # Short, like GraphQL's answers, and without a stale window: a withdrawn file leaves shared
    # caches within max-age. Revalidating costs one lookup and a 304, which a download never notices.
    public_control = f"public, max-age={max_age}"

    async def download(request: Request) -> Response:
        from cms.services import Services

        svc = services()
        assert isinstance(svc, Services)
        try:
            attachment_id = ObjectId(request.path_params["attachment_id"])
            if StaffLinks.is_signed(request.query_params):
                # A signed link answers for the user it names, whatever else the request carries.
                attachment = await svc.attachments.readable_by_link(attachment_id, request.query_params)
                public = False
            else:
                principal, scope = await reader_for(request)
                attachment, public = await svc.attachments.readable(attachment_id, scope, principal)
        except (InvalidId, NotFound):
            return _error(404, "NOT_FOUND", "未找到该附件。")
        except DomainError as exc:
            return _error(401, exc.code, exc.message)
        thumbnail = request.path_params.get("name") is None
        if thumbnail and attachment.thumbnail_key is None:
            return _error(404, "NOT_FOUND", "该附件没有缩略图。")
        key = attachment.thumbnail_key if thumbnail else attachment.object_key
        assert key is not None
        etag = f'"{attachment.sha256}{"-t" if thumbnail else ""}"'
        headers = {
            "ETag": etag,
            "Accept-Ranges": "bytes",
            "Cache-Control": public_control if public else "private, no-store",
        }
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        content_type = "image/png" if thumbnail else (attachment.content_type or "application/octet-stream")
        disposition = "inline" if content_type in INLINE else "attachment"
        headers["Content-Disposition"] = content_disposition(attachment.filename, disposition)
        size = await _size(svc, key, thumbnail, attachment.size)
        wanted = _range(request.headers.get("range"), size, request.headers.get("if-range"), etag)
        if isinstance(wanted, str):
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        start, end = wanted if wanted else (0, size - 1)
        if size == 0:
            return Response(b"", headers=headers, media_type=content_type)
        try:
            reader = await svc.attachments.objects.open_range(key, start, end - start + 1)
        except ObjectStoreError:
            unavailable = StorageUnavailable()
            return _error(503, unavailable.code, unavailable.message)
        headers["Content-Length"] = str(end - start + 1)
        status = 200
        if wanted:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return StreamingResponse(iter(reader), status_code=status, headers=headers, media_type=content_type)

    return download


async def _size(svc: object, key: str, thumbnail: bool, known: int | None) -> int:
    from cms.services import Services

    assert isinstance(svc, Services)
    if known is not None and not thumbnail:
        return known
    info = await svc.attachments.objects.stat(key)
    return info.size if info else 0


def _range(header: str | None, size: int, if_range: str | None, etag: str) -> tuple[int, int] | str | None:
    """One byte range (RFC 9110); several ranges or a stale If-Range get the whole file instead."""
    if not header or (if_range and if_range != etag):
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0:
            return "unsatisfiable"
        return (max(size - suffix, 0), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return (start, end)


def _error(status: int, code: str, message: str) -> Response:
    note_error(code)
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    # never kept downstream: a file that is not public yet must not stay "not found" once it is
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "private, no-store"})
