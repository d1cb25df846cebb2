"""The public read API. Every resolver reads through the caller's ``ReadScope``."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import strawberry

from cms import model
from cms.admin.vocabularies import GENRE, TOPIC
from cms.content.dates import document_date, document_instant
from cms.content.ids import expect_global_id, from_global_id
from cms.content.store import Page, PageRequest, org_filter
from cms.errors import InvalidInput
from cms.kinds.catalog import CatalogQuery
from cms.kinds.interviews import EventFilter, interview_filter
from schema import types as t
from schema.context import Info
from schema.selection import stored_fields

N = TypeVar("N")
MAX_LOOKUP = 200
SUBTREE = "与 organization 同用：包含其下级机构的内容（不带 organization 时不起作用）"


@strawberry.input(description="公开目录筛选条件")
class CatalogFilter:
    organization: strawberry.ID | None = strawberry.UNSET
    include_subtree: bool = strawberry.field(default=False, description="包含下级机构")
    topic: str | None = strawberry.field(default=None, description="主题分类（一级或二级）")
    genre: str | None = None
    year: int | None = strawberry.field(default=None, description="成文年份")
    validity: model.Validity | None = None
    disclosure_mode: model.DisclosureMode | None = None
    review_state: model.ReviewState | None = strawberry.field(default=None, description="仅工作人员可用")
    published_since: date | None = strawberry.field(default=None, description="发布日期不早于此日（含）")
    published_until: date | None = strawberry.field(default=None, description="发布日期不晚于此日（含）")
    modified_since: datetime | None = strawberry.field(
        default=None, description="只列出此时刻及以后有变更的条目（简单同步；完整同步请用 publicChanges）"
    )


def _catalog_query(value: CatalogFilter | None) -> CatalogQuery:
    f = value or CatalogFilter()
    return CatalogQuery(
        organization=_org(f.organization or None),
        include_subtree=f.include_subtree,
        topic=f.topic,
        genre=f.genre,
        year=f.year,
        validity=f.validity,
        disclosure_mode=f.disclosure_mode,
        review_state=f.review_state,
        published_since=f.published_since,
        published_until=f.published_until,
        modified_since=document_instant(f.modified_since, "filter.modifiedSince"),
    )


@strawberry.enum(description="按发布日期排序")
class DateOrder(enum.Enum):
    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"


def _request(info: Info, first: int | None, after: str | None) -> PageRequest:
    size = info.context.services.settings.default_page_size if first is None else first
    return PageRequest(first=size, after=after)


def _paging(
    info: Info, first: int | None, after: str | None, last: int | None, before: str | None, ascending: bool
) -> PageRequest:
    """Relay paging either way: ``first``/``after`` forward, ``last``/``before`` backward."""
    check_paging(first, after, last, before)
    size = info.context.services.settings.default_page_size if first is None else first
    return PageRequest(first=size, after=after, last=last, before=before, ascending=ascending)


def check_paging(first: int | None, after: str | None, last: int | None, before: str | None) -> None:
    if last is not None and first is not None:
        raise InvalidInput("first 与 last 不能同时使用。", field="last")
    if last is not None and after is not None:
        raise InvalidInput("向前翻页（last）须与 before 一起使用，不能用 after。", field="after")
    if last is None and before is not None:
        raise InvalidInput("before 须与 last 一起使用。", field="before")


def _connection(page: Page[Any], counter: Callable[[], Awaitable[int]]) -> t.Connection[Any]:
    edges = [t.Edge(cursor=c, node=item) for item, c in zip(page.items, page.cursors, strict=True)]
    return t.Connection(
        edges=edges,
        page_info=t.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            end_cursor=page.end_cursor,
            start_cursor=page.cursors[0] if page.cursors else None,
        ),
        counter=counter,
    )


def _org(value: strawberry.ID | None) -> Any:
    return expect_global_id(value, "Organization") if value else None


def _short(value: str, field: str, limit: int = MAX_LOOKUP) -> str:
    if not value.strip() or len(value) > limit:
        raise InvalidInput(f"{field} 不能为空，且不超过 {limit} 个字符。", field=field)
    return value


@strawberry.type
class PublicQuery:
    @strawberry.field(description="按全局 ID 获取对象；无权查看或不存在时返回 null")
    async def node(self, info: Info, id: strawberry.ID) -> t.Node | None:
        type_name, object_id = from_global_id(id)
        services, scope = info.context.services, info.context.scope
        match type_name:
            case "Organization":
                return services.orgs.tree.get(object_id)  # type: ignore[return-value]
            case "CatalogEntry":
                return await services.content.get(model.CatalogEntry, object_id, scope)  # type: ignore[return-value]
            case "Interpretation":
                return await services.content.get(model.Interpretation, object_id, scope)  # type: ignore[return-value]
            case "Interview":
                return await services.content.get(model.Interview, object_id, scope)  # type: ignore[return-value]
            case "GazetteIssue":
                return await services.content.get(model.GazetteIssue, object_id, scope)  # type: ignore[return-value]
            case "GazetteArticle":
                issue = await services.gazette.issue_of_article(object_id, scope)
                article = next((a for a in issue.articles if a.id == object_id), None) if issue else None
                return t.ArticleRef(issue, article) if issue and article else None  # type: ignore[return-value]
        return None

    @strawberry.field(
        description="公开目录：按发布日期排序（默认从新到旧），游标分页，可向后（first/after）或向前（last/before）翻页"
    )
    async def catalog(
        self,
        info: Info,
        filter: CatalogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: Annotated[int | None, strawberry.argument(description="向前翻页：before 之前的条数")] = None,
        before: str | None = None,
        sort: Annotated[
            DateOrder, strawberry.argument(description="按发布日期排序")
        ] = DateOrder.NEWEST_FIRST,
    ) -> t.Connection[t.CatalogEntry]:
        query = _catalog_query(filter)
        scope = info.context.scope
        catalog = info.context.services.catalog
        # Only what the selection shows is read (schema.selection): a page is for display only.
        fields = stored_fields(info, "CatalogEntry", ("edges", "node"))
        request = _paging(info, first, after, last, before, sort is DateOrder.OLDEST_FIRST)
        page = await catalog.page(query, scope, request, fields=fields)
        return _connection(page, lambda: catalog.count(query, scope))

    @strawberry.field(description="按索引号获取公开目录条目")
    async def catalog_entry(self, info: Info, index_number: str) -> t.CatalogEntry | None:
        found = await info.context.services.catalog.by_index_number(
            _short(index_number, "indexNumber"), info.context.scope
        )
        return found  # type: ignore[return-value]

    @strawberry.field(description="按发文字号查找公开目录条目")
    async def catalog_entries_by_document_number(
        self, info: Info, document_number: str
    ) -> list[t.CatalogEntry]:
        found = await info.context.services.catalog.by_document_number(
            _short(document_number, "documentNumber"), info.context.scope
        )
        return found  # type: ignore[return-value]

    @strawberry.field(description="机构树：不带参数时返回根机构，带 parent 时返回其下级机构")
    def organizations(self, info: Info, parent: strawberry.ID | None = None) -> list[t.Organization]:
        tree = info.context.services.orgs.tree
        if parent is None:
            return tree.roots()  # type: ignore[return-value]
        return list(tree.children.get(expect_global_id(parent, "Organization"), []))  # type: ignore[return-value]

    @strawberry.field(description="按标识或 ID 获取机构")
    def organization(
        self, info: Info, id: strawberry.ID | None = None, key: str | None = None
    ) -> t.Organization | None:
        tree = info.context.services.orgs.tree
        if id is not None:
            return tree.get(expect_global_id(id, "Organization"))  # type: ignore[return-value]
        if key is not None:
            return tree.by_key.get(key)  # type: ignore[return-value]
        raise InvalidInput("请提供 id 或 key。", field="id")

    @strawberry.field(description="政府公报，按期从新到旧")
    async def gazette_issues(
        self,
        info: Info,
        organization: strawberry.ID | None = None,
        year: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.GazetteIssue]:
        scope, gazette = info.context.scope, info.context.services.gazette
        org_id = _org(organization)
        page = await gazette.page(scope, _request(info, first, after), org_id=org_id, year=year)
        base: dict[str, Any] = {k: v for k, v in {"org_id": org_id, "year": year}.items() if v is not None}
        return _connection(page, lambda: info.context.services.content.count(model.GazetteIssue, base, scope))

    @strawberry.field(description="政策解读")
    async def interpretations(
        self,
        info: Info,
        organization: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        include_subtree: Annotated[bool, strawberry.argument(description=SUBTREE)] = False,
    ) -> t.Connection[t.Interpretation]:
        scope = info.context.scope
        org_id = _org(organization)
        page = await info.context.services.interpretations.page(
            scope, _request(info, first, after), org_id=org_id, include_subtree=include_subtree
        )
        base = org_filter(org_id, include_subtree)
        return _connection(
            page, lambda: info.context.services.content.count(model.Interpretation, base, scope)
        )

    @strawberry.field(
        description="在线访谈与新闻发布会；可按发布活动类型（eventKind）和举办日期（heldFrom 至 heldTo，含两端）筛选"
    )
    async def interviews(
        self,
        info: Info,
        organization: strawberry.ID | None = None,
        kind: model.InterviewKind | None = None,
        first: int | None = None,
        after: str | None = None,
        event_kind: model.EventKind | None = None,
        held_from: date | None = None,
        held_to: date | None = None,
        include_subtree: Annotated[bool, strawberry.argument(description=SUBTREE)] = False,
    ) -> t.Connection[t.Interview]:
        scope = info.context.scope
        org_id = _org(organization)
        document_date(held_from, "heldFrom")
        document_date(held_to, "heldTo")
        events = EventFilter(event_kind=event_kind, held_from=held_from, held_to=held_to)
        page = await info.context.services.interviews.page(
            scope,
            _request(info, first, after),
            org_id=org_id,
            kind=kind,
            events=events,
            include_subtree=include_subtree,
        )
        base = interview_filter(org_id, kind, events, include_subtree=include_subtree)
        return _connection(page, lambda: info.context.services.content.count(model.Interview, base, scope))

    @strawberry.field(description="主题分类词表（两级）；count 为 filter 下公众可见的公开目录条目数")
    async def topics(self, info: Info, filter: CatalogFilter | None = None) -> list[t.VocabularyTerm]:
        return await _counted_terms(info, TOPIC, filter)  # type: ignore[return-value]

    @strawberry.field(description="体裁词表；count 为 filter 下公众可见的公开目录条目数")
    async def genres(self, info: Info, filter: CatalogFilter | None = None) -> list[t.VocabularyTerm]:
        return await _counted_terms(info, GENRE, filter)  # type: ignore[return-value]


async def _counted_terms(info: Info, vocabulary: str, filter: CatalogFilter | None) -> list[t.CountedTerm]:
    """The vocabulary's terms, each counting lazily: the counts are read only when some term's
    ``count`` is selected, and once for all terms (they resolve concurrently: they share one read)."""
    services = info.context.services
    query = _catalog_query(filter)
    shared: list[asyncio.Task[dict[str, int]]] = []

    async def count(value: str) -> int:
        if not shared:
            shared.append(asyncio.ensure_future(services.catalog.public_term_counts(query, vocabulary)))
        return (await shared[0]).get(value, 0)

    return [t.CountedTerm(term, count) for term in await services.vocabularies.terms(vocabulary)]
