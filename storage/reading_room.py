"""Reading-room visit statistics: counts per terminal, day, event and subject, and the per-terminal
batch counts that rate-limit the anonymous mutation recording them. Nothing here names a person: a
count is (terminal id, day, event, item id or search term, number)."""

from __future__ import annotations

from datetime import datetime

from beanie import Document
from pymongo import ASCENDING, IndexModel


class ReadingRoomCount(Document):
    """How often ``event`` happened to ``subject`` on one terminal on one day (China time)."""

    terminal: str  # a configured terminal id; "" for terminals without one
    day: datetime  # midnight UTC of the day in China time (storage.documents.at_midnight)
    event: str  # cms.reading_room.visits.VisitEvent
    subject: str  # the item's global id, or the search term; "" for events without one
    visits: int = 0  # how many times (``count`` is a Document method)

    class Settings:
        name = "reading_room_counts"
        indexes = [
            IndexModel(
                [("terminal", ASCENDING), ("day", ASCENDING), ("event", ASCENDING), ("subject", ASCENDING)],
                unique=True,
            ),
            IndexModel([("day", ASCENDING)]),
        ]


class ReadingRoomBatches(Document):
    """Batches a terminal sent in one window; the TTL index forgets a window once it has passed."""

    key: str
    batches: int = 0
    expires: datetime

    class Settings:
        name = "reading_room_batches"
        indexes = [
            IndexModel([("key", ASCENDING)], unique=True),
            IndexModel([("expires", ASCENDING)], expireAfterSeconds=0),
        ]


READING_ROOM_DOCUMENTS: list[type[Document]] = [ReadingRoomCount, ReadingRoomBatches]
