"""Full-text search and the administrators' search dictionary (see cms.search.service)."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from cms.content.ids import expect_global_id, to_global_id
from cms.search import service as s
from schema import types as t
from schema.context import Info
from schema.queries import check_paging
from schema.staff import principal


@strawberry.enum(description="可检索的内容类型（取值即 GraphQL 类型名，与 SearchResult.type 相同）")
class ContentType(enum.Enum):
    # The type names themselves, not UPPER_CASE: they are what SearchResult.type and the type facet
    # already answer, so a value read from a facet can be sent back as a filter unchanged.
    CatalogEntry = "CatalogEntry"
    GazetteIssue = "GazetteIssue"
    Interpretation = "Interpretation"
    Interview = "Interview"


@strawberry.enum(description="检索结果的排序")
class SearchOrder(enum.Enum):
    RELEVANCE = "relevance"
    NEWEST_FIRST = "newest"
    OLDEST_FIRST = "oldest"


@strawberry.input(description="检索筛选条件")
class SearchFilter:
    organization: strawberry.ID | None = strawberry.field(default=None, description="发布机构")
    include_subtree: bool = strawberry.field(default=False, description="包含下级机构")
    types: list[ContentType] | None = strawberry.field(default=None, description="内容类型")
    topic: str | None = strawberry.field(default=None, description="主题分类（一级或二级，仅公开目录）")
    genre: str | None = strawberry.field(default=None, description="体裁（仅公开目录）")
    year: int | None = strawberry.field(
        default=None, description="年份：目录为成文年份，公报为期号年份，其余为发布年份"
    )


@strawberry.type(description="分面中的一项")
class FacetCount:
    value: str | None = strawberry.field(description="取值；机构为其 ID；null 表示未标注")
    label: str
    count: int


@strawberry.type(description="年份分面中的一项：value 与筛选条件 year 同为整数")
class YearFacetCount:
    value: int | None = strawberry.field(description="年份；null 表示未标注")
    label: str
    count: int


@strawberry.type(description="分面计数：每一维的计数之和等于 totalCount")
class SearchFacets:
    organizations: list[FacetCount]
    topics: list[FacetCount]
    genres: list[FacetCount]
    years: list[YearFacetCount]
    types: list[FacetCount]


@strawberry.type(description="一条检索结果")
class SearchResult:
    item: t.Content = strawberry.field(description="命中的内容项")
    type: str = strawberry.field(description="内容类型（GraphQL 类型名）")
    title: str
    snippet: str = strawberry.field(description="摘要片段（HTML：已转义，命中处以 <em> 标出）")
    score: float = strawberry.field(description="相关度：标题与文号高于正文；精确命中文号或索引号时最高")
    article: t.GazetteArticle | None = strawberry.field(description="公报中命中的文章")


@strawberry.type
class SearchEdge:
    cursor: str
    node: SearchResult


@strawberry.type(description="检索结果（按相关度、再按发布时间从新到旧）")
class SearchConnection:
    edges: list[SearchEdge]
    page_info: t.PageInfo
    total_count: int = strawberry.field(description="可见的命中总数")
    facets: SearchFacets
    truncated: bool = strawberry.field(
        description="检索词过于宽泛，只统计了最新的一部分命中；请补充检索词或筛选条件"
    )


def _facets(facets: s.SearchFacets) -> SearchFacets:
    def convert(values: list[s.FacetCount], org: bool = False) -> list[FacetCount]:
        return [
            FacetCount(
                value=to_global_id("Organization", f.value) if org and f.value else f.value,
                label=f.label,
                count=f.count,
            )
            for f in values
        ]

    return SearchFacets(
        organizations=convert(facets.organizations, org=True),
        topics=convert(facets.topics),
        genres=convert(facets.genres),
        years=[
            YearFacetCount(value=int(f.value) if f.value else None, label=f.label, count=f.count)
            for f in facets.years
        ],
        types=convert(facets.types),
    )


def _filter(value: SearchFilter | None) -> s.SearchFilter:
    if value is None:
        return s.SearchFilter()
    return s.SearchFilter(
        organization=expect_global_id(value.organization, "Organization") if value.organization else None,
        include_subtree=value.include_subtree,
        types=tuple(kind.value for kind in value.types) if value.types is not None else None,
        topic=value.topic or None,
        genre=value.genre or None,
        year=value.year,
    )


def _result(hit: s.SearchHit) -> SearchResult:
    article = t.ArticleRef(hit.item, hit.article) if hit.article is not None else None  # type: ignore[arg-type]
    return SearchResult(
        item=hit.item,  # type: ignore[arg-type]
        type=hit.type_name,
        title=hit.item.title,
        snippet=hit.snippet,
        score=hit.score,
        article=article,  # type: ignore[arg-type]
    )


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description="全文检索：公开目录、公报文章、政策解读、访谈实录与附件文字；文号、索引号可精确检索"
    )
    async def search(
        self,
        info: Info,
        query: Annotated[
            str | None, strawberry.argument(description="检索词；为空时按筛选条件浏览，按发布时间从新到旧")
        ] = None,
        filter: SearchFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: Annotated[int | None, strawberry.argument(description="向前翻页：before 之前的条数")] = None,
        before: str | None = None,
        sort: Annotated[
            SearchOrder, strawberry.argument(description="排序：相关度（无检索词时即从新到旧）或发布时间")
        ] = SearchOrder.RELEVANCE,
    ) -> SearchConnection:
        services = info.context.services
        check_paging(first, after, last, before)
        size = services.settings.default_page_size if first is None else first
        page = await services.search.search(
            query or "",
            info.context.scope,
            filter=_filter(filter),
            first=size,
            after=after,
            last=last,
            before=before,
            order=sort.value,
        )
        edges = [
            SearchEdge(cursor=cursor, node=_result(hit))
            for hit, cursor in zip(page.hits, page.cursors, strict=True)
        ]
        return SearchConnection(
            edges=edges,
            page_info=t.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                end_cursor=page.end_cursor,
                start_cursor=page.cursors[0] if page.cursors else None,
            ),
            total_count=page.total,
            facets=_facets(page.facets),
            truncated=page.truncated,
        )

    @strawberry.field(description="检索词典中管理员添加的词（机构名称、政策术语）")
    async def search_words(self, info: Info) -> list[str]:
        return await info.context.services.search.words()


@strawberry.type
class SearchMutation:
    @strawberry.mutation(
        description="向检索词典添加词语（需词表管理权限）；已有内容的分词在 reindexSearch 后更新"
    )
    async def add_search_words(self, info: Info, words: list[str]) -> list[str]:
        return await info.context.services.search.add_words(principal(info), words)

    @strawberry.mutation(description="从检索词典删除一个词（需词表管理权限）；返回是否确有删除")
    async def remove_search_word(self, info: Info, word: str) -> bool:
        return await info.context.services.search.remove_word(principal(info), word[:100])

    @strawberry.mutation(
        description="在后台重建全部内容的检索索引（需词表管理权限）；已有重建在进行时返回 false"
    )
    def reindex_search(self, info: Info) -> bool:
        return info.context.services.search.start_reindex(principal(info))
