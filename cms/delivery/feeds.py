"""Atom and RSS 2.0 feeds and sitemaps of public items (issue #16), for portals, CDNs and new-media
publishing tools.

Only what the public may read in full is syndicated: published, effective, unexpired, 主动公开 items
(a 依申请公开 item's content is withheld, a 不予公开 one never public). A feed is the newest
``FEED_SIZE`` items of its filter: one page per content type through the public read path, so it
costs reads proportional to the feed, not to the collection. A sitemap lists one organization's
items; the index lists the organizations that have any. Documents are built with feedgen (feeds)
and lxml (sitemaps); links are canonical URLs (cms.delivery.portal), else the reading room's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from feedgen.feed import FeedGenerator
from lxml import etree

from cms.content.kinds import label_of
from cms.content.store import ContentService, PageRequest
from cms.delivery.portal import canonical_url, reading_room_url
from cms.errors import InvalidInput
from storage.documents import CONTENT_TYPES, ContentDocument, DisclosureMode

FEED_SIZE = 50
SITEMAP_SIZE = 50_000  # the sitemaps protocol's limit of URLs per file
SUMMARY_CHARS = 500
# What a sitemap line is made of: the link (cms.delivery.portal) and the modification time.
SITEMAP_FIELDS = (
    "title",
    "modified",
    "review_state",
    "working_copy_of",
    "index_number",
    "year",
    "number",
    "public_number",
)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedQuery:
    organization: ObjectId | None = None  # with its subtree
    topic: str | None = None  # first or second level; catalog entries only
    types: tuple[str, ...] = tuple(CONTENT_TYPES)

    def base(self) -> dict[str, Any]:
        base: dict[str, Any] = {"disclosure_mode": DisclosureMode.PROACTIVE.value}
        if self.organization is not None:
            base["org_path"] = self.organization
        if self.topic:
            base["topic_path"] = self.topic
        return base


@dataclass(frozen=True)
class FeedDocument:
    body: bytes
    media_type: str
    last_modified: datetime  # the newest item's modification (the epoch for an empty feed)


class FeedService:
    def __init__(
        self, content: ContentService, templates: dict[str, str], *, sitemap_size: int = SITEMAP_SIZE
    ) -> None:
        self.content = content
        self.templates = templates
        self.sitemap_size = sitemap_size  # URLs per sitemap page (GONGKAI_SITEMAP_URLS)

    def query(self, organization: str | None, topic: str | None, type_name: str | None) -> FeedQuery:
        """The feed's filter from its URL's parameters (organization key, topic, content type)."""
        org_id = None
        if organization:
            org = self.content.orgs.tree.by_key.get(organization)
            if org is None:
                raise InvalidInput("机构不存在。", field="organization")
            org_id = org.id
        if topic is not None and not 0 < len(topic) <= 100:
            raise InvalidInput("主题分类不能为空，且不超过 100 个字符。", field="topic")
        if type_name is not None and type_name not in CONTENT_TYPES:
            raise InvalidInput(f"内容类型应为 {'、'.join(CONTENT_TYPES)} 之一。", field="type")
        types = (type_name,) if type_name else tuple(CONTENT_TYPES)
        if topic:  # topics classify catalog entries alone
            types = tuple(t for t in types if t == "CatalogEntry")
        return FeedQuery(organization=org_id, topic=topic or None, types=types)

    async def items(self, query: FeedQuery) -> list[ContentDocument]:
        """The newest FEED_SIZE public, proactive items of the query, newest first."""
        scope = self.content.scope()
        found: list[ContentDocument] = []
        for type_name in query.types:
            cls = CONTENT_TYPES[type_name]
            page = await self.content.page(cls, query.base(), scope, PageRequest(first=FEED_SIZE))
            found += page.items
        return sorted(found, key=lambda item: item.sort_key, reverse=True)[:FEED_SIZE]

    def link(self, item: ContentDocument, base_url: str) -> str:
        return canonical_url(item, self.templates, self.content.orgs.tree) or reading_room_url(item, base_url)

    def feed(
        self, items: Sequence[ContentDocument], query: FeedQuery, *, self_url: str, base_url: str, rss: bool
    ) -> FeedDocument:
        generator = FeedGenerator()
        generator.id(self_url)
        generator.title(self._title(query))
        generator.subtitle("政府信息公开：主动公开的公开目录、政府公报、政策解读与在线访谈")
        generator.link(href=self_url, rel="self")
        generator.link(href=f"{base_url}/reading-room/", rel="alternate")
        generator.language("zh-CN")
        generator.generator("Gongkai")
        newest = max((_modified(item) for item in items), default=_EPOCH)
        generator.updated(newest)
        if rss:
            generator.description(self._title(query))
            generator.lastBuildDate(newest)
        for item in reversed(items):  # feedgen puts each added entry first
            self._entry(generator, item, base_url)
        if rss:
            return FeedDocument(generator.rss_str(pretty=False), "application/rss+xml; charset=utf-8", newest)
        return FeedDocument(generator.atom_str(pretty=False), "application/atom+xml; charset=utf-8", newest)

    def _title(self, query: FeedQuery) -> str:
        parts = ["政府信息公开"]
        if query.organization is not None:
            parts.insert(0, self.content.orgs.tree.require(query.organization).name)
        if query.topic:
            parts.append(query.topic.replace("\\", "·"))
        if len(query.types) == 1:
            parts.append(label_of(query.types[0]) or query.types[0])
        return " - ".join(parts)

    def _entry(self, generator: FeedGenerator, item: ContentDocument, base_url: str) -> None:
        link = self.link(item, base_url)
        org = self.content.orgs.tree.get(item.org_id)
        entry = generator.add_entry()
        entry.id(link)
        entry.guid(link, permalink=True)
        entry.title(item.title)
        entry.link(href=link, rel="alternate")
        entry.updated(_modified(item))
        entry.published(_published(item))
        entry.summary(_summary(item) or item.title)
        if org is not None:
            entry.author(name=org.name)
        label = label_of(type(item).__name__) or type(item).__name__
        entry.category(term=type(item).__name__, label=label)
        topic = getattr(item, "topic", None)
        if topic:
            entry.category(term=topic, label=topic.replace("\\", "·"))

    # -- sitemaps ---------------------------------------------------------------------------------

    async def sitemap_index(self, base_url: str) -> FeedDocument:
        """Per organization that has public items, as many sitemap pages as its items fill (at most
        ``sitemap_size`` URLs each: the protocol's 50,000), each with its newest modification. Read
        as the public items' organization, sort key and modification time alone, one query per type."""
        rows = await self._lines({"disclosure_mode": DisclosureMode.PROACTIVE.value})
        by_org: dict[Any, list[dict[str, Any]]] = {}
        for row in rows:
            by_org.setdefault(row["org_id"], []).append(row)
        root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
        newest = _EPOCH
        for org in sorted(self.content.orgs.tree.by_id.values(), key=lambda o: o.key):
            for page, chunk in enumerate(self._chunks(by_org.get(org.id, [])), start=1):
                latest = max(_aware(row["modified"]) for row in chunk)
                newest = max(newest, latest)
                sitemap = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
                etree.SubElement(sitemap, f"{{{SITEMAP_NS}}}loc").text = sitemap_url(base_url, org.key, page)
                etree.SubElement(sitemap, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(latest)
        return _xml(root, newest)

    async def sitemap(self, org_key: str, base_url: str, page: int = 1) -> FeedDocument | None:
        """Page ``page`` of the organization's public, proactive items, newest first (None: no such
        organization or page). Read as the range of ``sort_key`` between the page's bounds."""
        org = self.content.orgs.tree.by_key.get(org_key)
        if org is None:
            return None
        bounds = await self._page_bounds(org.id)
        if not 1 <= page <= max(len(bounds), 1):  # an organization without items: one empty page
            return None
        base = _page_filter(org.id, bounds, page) if bounds else _page_filter(org.id, [], 1)
        scope = self.content.scope()
        items: list[ContentDocument] = []
        for cls in CONTENT_TYPES.values():
            fields = [name for name in SITEMAP_FIELDS if name in cls.model_fields]  # not the bodies
            items += await self.content.find_visible(cls, base, scope, limit=self.sitemap_size, fields=fields)
        items = sorted(items, key=lambda item: item.sort_key, reverse=True)[: self.sitemap_size]
        root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
        for item in items:
            url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
            etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = self.link(item, base_url)
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(_modified(item))
        return _xml(root, max((_modified(item) for item in items), default=_EPOCH))

    async def _page_bounds(self, org_id: object) -> list[str]:
        """The newest ``sort_key`` of each of the organization's sitemap pages (newest first; [] without
        public items)."""
        rows = await self._lines(_page_filter(org_id, [], 1))
        return [str(chunk[0]["sort_key"]) for chunk in self._chunks(rows)]

    async def _lines(self, base: dict[str, Any]) -> list[dict[str, Any]]:
        """Of every public item of ``base``: its organization, sort key and modification time."""
        scope = self.content.scope()
        rows: list[dict[str, Any]] = []
        for cls in CONTENT_TYPES.values():
            rows += await self.content.visible_values(cls, base, scope, ("org_id", "sort_key", "modified"))
        return rows

    def _chunks(self, rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """``rows`` newest first, in pages of ``sitemap_size``."""
        ordered = sorted(rows, key=lambda row: str(row["sort_key"]), reverse=True)
        return [ordered[at : at + self.sitemap_size] for at in range(0, len(ordered), self.sitemap_size)]


def sitemap_url(base_url: str, org_key: str, page: int) -> str:
    return f"{base_url}/sitemaps/{org_key}.xml" + (f"?page={page}" if page > 1 else "")


def _page_filter(org_id: object, bounds: Sequence[str], page: int) -> dict[str, Any]:
    """An organization's proactive items on sitemap page ``page``: ``sort_key`` from the page's newest
    (inclusive) down to the next page's newest (exclusive); the whole range without bounds."""
    base: dict[str, Any] = {"org_id": org_id, "disclosure_mode": DisclosureMode.PROACTIVE.value}
    if bounds:
        bound = {"$lte": bounds[page - 1]}
        if page < len(bounds):
            bound["$gt"] = bounds[page]
        base["sort_key"] = bound
    return base


def _xml(root: Any, last_modified: datetime) -> FeedDocument:
    body: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return FeedDocument(body, "application/xml; charset=utf-8", last_modified)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _modified(item: ContentDocument) -> datetime:
    return _aware(item.modified)


def _published(item: ContentDocument) -> datetime:
    return _aware(item.effective or item.published_at or item.created)


def _w3c(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _summary(item: ContentDocument) -> str:
    text = getattr(item, "summary", "") or item.description or getattr(item, "body", "") or ""
    text = " ".join(str(text).split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "…"
