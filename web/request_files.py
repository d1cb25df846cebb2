"""GET /request-files/{id}?n=…&e=…&s=…: an applicant's download of a reply file (cms.requests.reply_files).

Only the addresses the status page hands out (with the number and query code) work, until they
expire; the answer is private (no shared cache keeps an applicant's file).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from cms.attachments.service import StorageUnavailable
from cms.errors import NotFound
from storage.objectstore import ObjectStoreError, content_disposition
from web.facts import note_error


def request_files_endpoint(services: Callable[[], object]) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        from cms.services import Services

        svc = services()
        assert isinstance(svc, Services)
        given = request.query_params
        try:
            found = await svc.reply_files.opened(
                request.path_params["attachment_id"],
                given.get("n", ""),
                given.get("e", ""),
                given.get("s", ""),
            )
        except NotFound as exc:
            return _error(404, exc.code, exc.message)
        try:
            reader = await svc.objects.open_range(found.object_key, 0, None)
        except ObjectStoreError:
            unavailable = StorageUnavailable()
            return _error(503, unavailable.code, unavailable.message)
        headers = {
            "Cache-Control": "private, no-store",
            "Content-Disposition": content_disposition(found.filename, "attachment"),
        }
        if found.size is not None:
            headers["Content-Length"] = str(found.size)
        media = found.content_type or "application/octet-stream"
        return StreamingResponse(iter(reader), headers=headers, media_type=media)

    return download


def _error(status: int, code: str, message: str) -> Response:
    note_error(code)
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
