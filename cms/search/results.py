"""What a search answers: its filter, hits, facets and pages, and the candidates it ranks (a search
index entry's few fields, cms.search.service reads them through storage.reads)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from cms.admin.organizations import OrgTree
from cms.content.kinds import label_of
from cms.search.ranking import score
from cms.search.text import QueryTokens
from storage.documents import ContentDocument, GazetteArticle

NONE_LABEL = "未标注"

# What a candidate is ranked, faceted and paged by: the little of an index entry a search reads.
CANDIDATE_FIELDS: dict[str, Any] = {
    "_id": 1,
    "type": 1,
    "weights": 1,
    "sort_key": 1,
    "org_id": 1,
    "topic": 1,
    "genre": 1,
    "year": 1,
}


@dataclass(frozen=True)
class SearchFilter:
    organization: ObjectId | None = None
    include_subtree: bool = False
    types: tuple[str, ...] | None = None  # CatalogEntry, GazetteIssue, Interpretation, Interview
    topic: str | None = None  # 主题分类, first or second level (catalog entries only)
    genre: str | None = None  # 体裁 (catalog entries only)
    year: int | None = None  # 成文年份 for entries, the year for gazettes, else publication year


@dataclass(frozen=True)
class SearchHit:
    item: ContentDocument
    type_name: str
    score: float
    snippet: str  # HTML: escaped text with matches in <em>
    article: GazetteArticle | None = None  # the matching article of a gazette issue


@dataclass(frozen=True)
class FacetCount:
    value: str | None  # organization id, topic, genre, year or type name; None: items without one
    label: str
    count: int


@dataclass(frozen=True)
class SearchFacets:
    organizations: list[FacetCount]
    topics: list[FacetCount]
    genres: list[FacetCount]
    years: list[FacetCount]
    types: list[FacetCount]


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    cursors: list[str]
    has_next: bool
    total: int  # every match the caller may read (of the candidates examined)
    facets: SearchFacets
    truncated: bool  # there were more than max_candidates matches: total and facets are partial
    has_previous: bool = False

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


@dataclass(frozen=True)
class Candidate:
    type_name: str
    id: ObjectId
    score: float
    sort_key: str
    org_id: ObjectId
    topic: str | None
    genre: str | None
    year: int | None

    @property
    def position(self) -> tuple[float, str]:
        return (self.score, self.sort_key)


@dataclass(frozen=True)
class Ranked:
    candidates: list[Candidate]  # best first
    truncated: bool
    facets: SearchFacets

    @property
    def weight(self) -> int:
        return len(self.candidates) + 1


def candidate(doc: dict[str, Any], q: QueryTokens) -> Candidate:
    """An index entry as a candidate, scored for ``q``."""
    year = doc.get("year")
    return Candidate(
        type_name=doc["type"],
        id=doc["_id"],
        score=score(doc.get("weights") or {}, q),
        sort_key=str(doc.get("sort_key", "")),
        org_id=doc["org_id"],
        topic=doc.get("topic"),
        genre=doc.get("genre"),
        year=year if isinstance(year, int) else None,
    )


def facets(candidates: Sequence[Candidate], tree: OrgTree) -> SearchFacets:
    """The candidates counted by organization, topic, genre, year (newest first) and type."""

    def org_label(value: str | None) -> str:
        org = tree.get(ObjectId(value)) if value else None
        return org.name if org else NONE_LABEL

    return SearchFacets(
        organizations=_counts((str(c.org_id) for c in candidates), org_label),
        topics=_counts((c.topic for c in candidates), lambda v: v or NONE_LABEL),
        genres=_counts((c.genre for c in candidates), lambda v: v or NONE_LABEL),
        years=sorted(
            _counts((str(c.year) if c.year else None for c in candidates), lambda v: v or NONE_LABEL),
            key=lambda f: f.value or "",
            reverse=True,
        ),
        types=_counts((c.type_name for c in candidates), lambda v: label_of(v or "") or NONE_LABEL),
    )


def _counts(values: Iterable[str | None], label: Callable[[str | None], str]) -> list[FacetCount]:
    counted = Counter(values)
    found = [FacetCount(value=v, label=label(v), count=n) for v, n in counted.items()]
    return sorted(found, key=lambda f: (-f.count, f.label))
