"""Attachment metadata. The bytes live in the object store under ``object_key``."""

from __future__ import annotations

import enum
from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from storage.documents import utcnow


class AttachmentStatus(enum.StrEnum):
    PENDING = "pending"  # upload URL handed out, not yet verified
    READY = "ready"


class Attachment(Document):
    item_id: PydanticObjectId
    item_type: str
    org_id: PydanticObjectId
    filename: str
    declared_size: int
    size: int | None = None
    content_type: str | None = None  # sniffed from the content
    sha256: str | None = None
    object_key: str
    upload_key: str | None = None  # where the client uploads; copied to object_key when verified
    source_id: PydanticObjectId | None = None  # on a working copy's record: the live record it copies
    status: AttachmentStatus = AttachmentStatus.PENDING
    order: int = 0
    thumbnail_key: str | None = None
    text: str = ""  # extracted text, for search
    uploaded_by: str | None = None
    created: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None

    class Settings:
        name = "attachments"
        indexes = [
            IndexModel([("item_id", ASCENDING), ("order", ASCENDING)]),
            IndexModel([("object_key", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("created", ASCENDING)]),
        ]
