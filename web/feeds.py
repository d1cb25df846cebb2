"""Feeds and sitemaps over HTTP: ``/feeds/catalog.atom`` and ``/feeds/catalog.rss`` (parameters
``organization`` (key, subtree included), ``topic``, ``type``), ``/sitemap.xml`` (the index) and
``/sitemaps/{organization}.xml`` (cms.delivery.feeds builds them).

Anonymous and public by nature. A built document is kept per URL and public base URL while nothing
public changes (cms.content.public_changes.PublicMemo: a publication, withdrawal or scheduled
boundary drops it), and answered with a strong ``ETag``, ``Last-Modified`` (the newest item's
modification) and ``Cache-Control: public, max-age``; ``If-None-Match`` (or, without it,
``If-Modified-Since``) gets a 304."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cms.content.public_changes import PublicMemo
from cms.delivery.feeds import FeedDocument, FeedService, sitemap_url
from cms.errors import DomainError, InvalidInput
from cms.services import Services
from web.cache import etag_matches, etag_of
from web.facts import note_error

KEPT_DOCUMENTS = 256
KEPT_BYTES = 32 * 1024 * 1024
Handler = Callable[[Request], Awaitable[Response]]


class FeedEndpoints:
    def __init__(
        self, services: Callable[[], Services], base_url_of: Callable[[Request], str], *, max_age: int
    ) -> None:
        self.services = services
        self.base_url_of = base_url_of
        self.control = f"public, max-age={max_age}"
        self._kept: PublicMemo[FeedDocument | None] | None = None

    def _memo(self, svc: Services) -> PublicMemo[FeedDocument | None]:
        if self._kept is None:  # the services exist only once the app has started
            self._kept = PublicMemo(
                svc.public_changes,
                max_entries=KEPT_DOCUMENTS,
                max_weight=KEPT_BYTES,
                weigh=lambda d: len(d.body) if d is not None else 1,
            )
        return self._kept

    def _feeds(self, svc: Services) -> FeedService:
        settings = svc.settings
        return FeedService(svc.content, settings.portal_url_templates, sitemap_size=settings.sitemap_urls)

    async def atom(self, request: Request) -> Response:
        return await self._feed(request, rss=False)

    async def rss(self, request: Request) -> Response:
        return await self._feed(request, rss=True)

    async def _feed(self, request: Request, *, rss: bool) -> Response:
        svc = self.services()
        feeds = self._feeds(svc)
        params = request.query_params
        try:
            query = feeds.query(params.get("organization"), params.get("topic"), params.get("type"))
        except DomainError as exc:
            return _error(400, exc)
        base_url = self.base_url_of(request)
        self_url = f"{base_url}{request.url.path}" + (f"?{request.url.query}" if request.url.query else "")

        async def build() -> FeedDocument:
            items = await feeds.items(query)
            return feeds.feed(items, query, self_url=self_url, base_url=base_url, rss=rss)

        return await self._answer(request, svc, self_url, build)

    async def sitemap_index(self, request: Request) -> Response:
        svc = self.services()
        base_url = self.base_url_of(request)
        return await self._answer(
            request, svc, f"{base_url}/sitemap.xml", lambda: self._feeds(svc).sitemap_index(base_url)
        )

    async def sitemap(self, request: Request) -> Response:
        svc = self.services()
        base_url = self.base_url_of(request)
        key = request.path_params["organization"]
        raw_page = request.query_params.get("page", "1")
        if (
            not raw_page.isascii()
            or not raw_page.isdigit()
            or not 0 < len(raw_page) <= 6
            or int(raw_page) < 1
        ):
            return _error(400, InvalidInput("page 应为正整数。", field="page"))
        page = int(raw_page)
        if svc.orgs.tree.by_key.get(key) is None:
            return _not_found()

        async def build() -> FeedDocument | None:
            return await self._feeds(svc).sitemap(key, base_url, page)

        return await self._answer(request, svc, sitemap_url(base_url, key, page), build)

    async def _answer(
        self, request: Request, svc: Services, key: str, build: Callable[[], Awaitable[FeedDocument | None]]
    ) -> Response:
        document = await self._memo(svc).get(key, svc.content.clock(), build)
        if document is None:  # a sitemap page past the last
            return _not_found()
        etag = etag_of(document.media_type, document.body)
        modified = document.last_modified.astimezone(UTC).replace(microsecond=0)
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(modified, usegmt=True),
            "Cache-Control": self.control,
        }
        if_none_match = request.headers.get("if-none-match")
        if etag_matches(if_none_match, etag) or (
            if_none_match is None and _not_modified_since(request.headers.get("if-modified-since"), modified)
        ):
            return Response(status_code=304, headers=headers)
        return Response(document.body, headers=headers, media_type=document.media_type)


def _not_modified_since(header: str | None, modified: datetime) -> bool:
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored (RFC 9110 §13.1.3)
    return since.tzinfo is not None and modified <= since


def _not_found() -> Response:
    note_error("NOT_FOUND")
    body = {"errors": [{"message": "未找到该机构的站点地图。", "extensions": {"code": "NOT_FOUND"}}]}
    return JSONResponse(body, status_code=404, headers={"Cache-Control": "private, no-store"})


def _error(status: int, exc: DomainError) -> Response:
    note_error(exc.code)
    field = exc.details.get("field")
    extensions = {"code": exc.code, **({"field": field} if field else {})}
    body = {"errors": [{"message": exc.message, "extensions": extensions}]}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "private, no-store"})
