"""The search dictionary: agency names and policy terms the word segmenter should keep whole."""

from __future__ import annotations

from datetime import datetime

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from storage.documents import utcnow


class SearchWord(Document):
    word: str  # normalized (cms.search_text.normalize)
    added_by: str | None = None  # user id
    added_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "search_words"
        indexes = [IndexModel([("word", ASCENDING)], unique=True)]
