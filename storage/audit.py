"""The administrative audit log: one append-only, hash-chained list of every administrative change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel


class AuditRecord(Document):
    """One administrative change. ``hash`` covers every other field (see ``cms.audit.log``)."""

    seq: int
    at: datetime
    actor_id: str
    actor_name: str
    action: str  # e.g. "user.disable", "role.grant", "organization.update"
    target_type: str  # "User", "RoleGrant", "Organization", "Vocabulary", "SearchDictionary"
    target_id: str
    target_label: str
    org_id: PydanticObjectId | None = None  # the organization the change concerns, if any
    before: Any = None  # JSON-like values only, as they come back from MongoDB
    after: Any = None
    prev_hash: str
    hash: str

    class Settings:
        name = "audit_log"
        indexes = [
            IndexModel([("seq", ASCENDING)], unique=True),
            IndexModel([("actor_id", ASCENDING), ("seq", DESCENDING)]),
            IndexModel([("target_type", ASCENDING), ("seq", DESCENDING)]),
            IndexModel([("target_id", ASCENDING), ("seq", DESCENDING)]),
            IndexModel([("org_id", ASCENDING), ("seq", DESCENDING)]),
        ]
