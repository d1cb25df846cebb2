"""Search storage: the dictionary (agency names and policy terms the word segmenter keeps whole) and the
search index's entries, one per content item."""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from storage.documents import ReviewState, utcnow

PUBLISHED = ReviewState.PUBLISHED.value
UNPUBLISHED = "unpublished"


class SearchWord(Document):
    word: str  # normalized (cms.search.text.normalize)
    added_by: str | None = None  # user id
    added_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "search_words"
        indexes = [IndexModel([("word", ASCENDING)], unique=True)]


class SearchEntry(Document):
    """One content item's entry in the search index (cms.search.service writes and reads these).

    The item's index tokens and ranking weights, with the fields searches filter, facet and
    security-trim on. Kept apart from the item (same ``_id``) because the embedded server rewrites
    every index key of a document on any update: with ~160 tokens on the item, each review
    transition cost 9-18 ms of database CPU; here a transition that does not change what the public
    may see does not touch the entry at all.

    ``review_state`` is coarse: ``published`` or ``unpublished`` (so that
    ``cms.content.visibility.scoped_filter`` applies unchanged); it changes only when the item's does across
    that line (publication, withdrawal), in the same transaction as the item.
    """

    id: PydanticObjectId  # the item's id
    type: str  # the item's class: CatalogEntry, GazetteIssue, Interpretation, Interview
    tokens: list[str] = Field(default_factory=list)
    weights: dict[str, float] = Field(default_factory=dict)
    org_id: PydanticObjectId
    org_path: list[PydanticObjectId] = Field(default_factory=list)
    topic: str | None = None
    topic_path: list[str] = Field(default_factory=list)
    genre: str | None = None
    year: int | None = None  # 成文年份 of entries, the year, else the publication year
    sort_key: str = ""
    sort_day: int | None = None  # storage.documents.day_of(sort_key); None: written before it existed
    review_state: str = UNPUBLISHED
    effective: datetime | None = None
    public_until: datetime | None = None

    class Settings:
        name = "search_entries"
        # Lookups are {"tokens": term, ...} with the term FIRST: the embedded server serves a
        # multi-field filter with the index of its first indexed field. With sort_day second, a
        # lookup can read one term's entries by ranges of days, newest first (windows,
        # storage.reads.Reader.lookup). sort_day, not sort_key: a 4-byte key part instead
        # of ~50 (measured: the index with sort_key was 2.9x the size of the token index alone).
        indexes = [
            IndexModel([("tokens", ASCENDING), ("sort_day", DESCENDING)]),
            # Browsing without a query reads the newest entries of a filter (storage.reads windows on
            # sort_key; ascending for the reason given at storage.documents._content_indexes).
            IndexModel([("sort_key", ASCENDING)]),
        ]
