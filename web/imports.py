"""POST /imports/files: the admin app's catalog sheets and attachment zips, sent as the raw request
body (too large for a GraphQL request), staged for ``checkCatalogImport`` / ``startCatalogImport``,
which name them by the returned id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from authz import Principal
from cms.errors import DomainError, Forbidden, InvalidInput, Unauthenticated
from cms.imports.sheets import MAX_SHEET_BYTES
from web.facts import note_error

_STATUS = {Unauthenticated.code: 401, Forbidden.code: 403, InvalidInput.code: 400}


def import_files_endpoint(
    principal_of: Callable[[Request], Awaitable[Principal]], services: Callable[[], object]
) -> Callable[[Request], Awaitable[Response]]:
    async def upload(request: Request) -> Response:
        from cms.services import Services

        svc = services()
        assert isinstance(svc, Services)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_SHEET_BYTES:
            return _error(413, "FILE_TOO_LARGE", f"文件不能超过 {MAX_SHEET_BYTES // (1024 * 1024)} MB。")
        try:
            principal = await principal_of(request)
            data = bytearray()
            async for chunk in request.stream():  # bounded: refused as soon as it passes the limit
                data += chunk
                if len(data) > MAX_SHEET_BYTES:
                    return _error(
                        413, "FILE_TOO_LARGE", f"文件不能超过 {MAX_SHEET_BYTES // (1024 * 1024)} MB。"
                    )
            token = await svc.imports.stage(principal, bytes(data))
        except DomainError as exc:
            return _error(_STATUS.get(exc.code, 400), exc.code, exc.message)
        return JSONResponse({"id": token}, headers={"Cache-Control": "no-store"})

    return upload


def _error(status: int, code: str, message: str) -> Response:
    note_error(code)
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}  # as /files answers
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
