"""The review register (审查登记): append-only, hash-chained per organization."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer
from pymongo import ASCENDING, DESCENDING, IndexModel

from storage.documents import utcnow


class PrivacyGrounds(enum.StrEnum):
    """条例 第十五条: why information touching commercial secrets or personal privacy may still be
    disclosed proactively."""

    THIRD_PARTY_CONSENT = "third_party_consent"  # 第三方同意公开
    PUBLIC_INTEREST = "public_interest"  # 不公开会对公共利益造成重大影响


# Fields added to the findings after registers were first written: left out of the stored and hashed
# form while unset, so every record written before they existed keeps its hash (and new records
# without them hash exactly as they did before).
_OPTIONAL_FINDINGS = ("privacy_grounds",)


class ConfidentialityFindings(BaseModel):
    """保密审查 findings recorded with a review decision."""

    state_secrets: bool  # 涉及国家秘密
    commercial_secrets: bool  # 涉及商业秘密
    personal_privacy: bool  # 涉及个人隐私
    proposed_mode: str  # DisclosureMode value
    proposed_scope: str = ""  # 公开范围
    proposed_time: str = ""  # 公开时间 (free text: 即时 / a date)
    grounds: str = ""  # grounds when not disclosed proactively, or of a 第十五条 disclosure
    privacy_grounds: PrivacyGrounds | None = None  # 第十五条: secrets or privacy found, yet proactive

    @model_serializer(mode="wrap")
    def _leave_out_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in _OPTIONAL_FINDINGS:
            if data.get(name) is None:
                data.pop(name, None)
        return data


class RegisterRecord(Document):
    org_id: PydanticObjectId
    seq: int  # 1, 2, … per organization
    item_id: PydanticObjectId
    item_type: str
    item_title: str
    item_version: int
    action: str  # submit | approve | reject | withdraw | confirm | checkout | …
    tier: str | None = None
    from_state: str
    to_state: str
    actor_id: str
    actor_name: str
    actor_roles: list[str] = Field(default_factory=list)
    at: datetime = Field(default_factory=utcnow)
    opinion: str = ""
    findings: ConfidentialityFindings | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str

    class Settings:
        name = "review_register"
        indexes = [
            IndexModel([("org_id", ASCENDING), ("seq", DESCENDING)], unique=True),
            IndexModel([("item_id", ASCENDING), ("seq", ASCENDING)]),
            IndexModel([("org_id", ASCENDING), ("at", ASCENDING)]),
        ]
