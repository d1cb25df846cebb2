"""Catalog imports: one record per import run (progress, cancellation) and one per imported row (the
key that makes a re-run skip what an earlier run already wrote)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from storage.documents import utcnow


class ImportState(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    REFUSED = "refused"  # the checks found problems: nothing was written
    CANCELLED = "cancelled"
    FAILED = "failed"


class CatalogImport(Document):
    """One import run of a sheet into one organization's catalog."""

    org_id: PydanticObjectId
    filename: str
    sha256: str  # of the sheet
    as_drafts: bool
    state: ImportState = ImportState.RUNNING
    total: int = 0  # data rows in the sheet
    imported: int = 0  # written by this run
    skipped: int = 0  # already imported by an earlier run of the same rows
    refused: int = 0  # rows with problems
    problems: list[dict[str, Any]] = Field(default_factory=list)  # {row, column, message}, capped
    cancel_requested: bool = False
    started_by: str = ""
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None

    class Settings:
        name = "catalog_imports"
        indexes = [IndexModel([("org_id", ASCENDING), ("started_at", DESCENDING)])]


class ImportedRow(Document):
    """A row written by an import: ``key`` (its 索引号, or a digest of the row) is unique per organization,
    so the same row is never written twice, whichever run or process tries."""

    org_id: PydanticObjectId
    key: str
    digest: str = ""  # of the row's values: the same 索引号 with other values is not the same row
    item_id: PydanticObjectId
    import_id: PydanticObjectId
    attachments: list[str] = Field(default_factory=list)  # file names still to attach
    attachments_done: bool = True

    class Settings:
        name = "imported_rows"
        indexes = [
            # pending files are found by (org_id, key) too: no index of their own (one less per row)
            IndexModel([("org_id", ASCENDING), ("key", ASCENDING)], unique=True),
        ]


IMPORT_DOCUMENTS = [CatalogImport, ImportedRow]
