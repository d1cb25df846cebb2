"""Requests for disclosure (依申请公开): the request with its timeline, reply and history, and the
per-source submission counts that rate-limit anonymous intake.

Applicants' identity and contact are held only sealed (``personal``: field name -> ciphertext); the
domain (cms.requests) seals and opens them.
"""

from __future__ import annotations

from datetime import date, datetime

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from storage.documents import utcnow


class RequestEvent(BaseModel):
    """One step of the request's handling: who did what, when."""

    action: str
    by: str | None = None  # user id; None: the applicant or the system
    at: datetime = Field(default_factory=utcnow)
    note: str = ""


class Consultation(BaseModel):
    party: str
    started: date
    ended: date | None = None


class ReplyReview(BaseModel):
    """One tier's approval of the reply draft (初审 → 审核 → 审发), also filed in the review register."""

    tier: str
    label: str
    actor_id: str
    at: datetime
    opinion: str = ""


class Reply(BaseModel):
    outcome: str
    ground: str | None = None
    legal_basis: str = ""
    remedies: list[str] = Field(default_factory=list)
    text: str = ""
    drafted_by: str | None = None
    reviews: list[ReplyReview] = Field(default_factory=list)  # a new draft starts the chain again
    replied_on: date | None = None


class RemedyCase(BaseModel):
    """A 行政复议 or 行政诉讼 against the handling of the request; ``result`` stays "pending" until the
    case is concluded (on ``concluded_on``)."""

    case_id: str
    kind: str
    filed_on: date
    authority: str
    case_number: str = ""
    note: str = ""
    result: str = "pending"
    concluded_on: date | None = None


class FeeNotice(BaseModel):
    """A 信息处理费 notice (国办函〔2020〕109号), amounts in fen; paid once ``paid_on`` is set."""

    method: str
    pages: int = 0
    monthly_count: int = 0  # the applicant's how-manieth request of the month, when noticed
    amount_fen: int
    notice_on: date
    due_on: date
    paid_fen: int | None = None
    paid_on: date | None = None


class ErasedFile(BaseModel):
    """What is kept of a reply file once the retention period has passed: that it existed, not what
    it said (the object is deleted from the store)."""

    size: int
    sha256: str | None = None
    content_type: str | None = None


class DisclosureRequest(Document):
    number: str
    code_hash: str
    # Which key hashed the query code (cms.requests.crypto.key_id; empty: a key from before key ids).
    # A lookup under an earlier key rewrites both; ``gongkai rekey-requests`` counts those left.
    code_key: str = ""
    org_id: PydanticObjectId
    state: str
    channel: str
    applicant_kind: str
    personal: dict[str, str] = Field(default_factory=dict)
    personal_erased_at: datetime | None = None
    # A keyed hash of the applicant's identity: counts an applicant's requests per month (信息处理费)
    # without opening the sealed fields; erased with them.
    applicant_key: str = ""
    description: str
    form: str
    delivery: str
    received_on: date
    correction_requested_on: date | None = None
    correction_due_on: date | None = None
    correction_received_on: date | None = None
    correction_note: str = ""
    consultations: list[Consultation] = Field(default_factory=list)
    extension_days: int = 0
    officer_id: str | None = None
    reply: Reply | None = None
    closed_at: datetime | None = None
    fee: FeeNotice | None = None
    proactive_entry_id: PydanticObjectId | None = None  # 第四十四条: the catalog draft made of the reply
    remedy_cases: list[RemedyCase] = Field(default_factory=list)
    history: list[RequestEvent] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    erased_files: list[ErasedFile] = Field(default_factory=list)  # the reply files, after retention
    files_to_remove: bool = False  # erased, and the reply files' objects not yet all deleted
    version: int = 1

    class Settings:
        name = "disclosure_requests"
        indexes = [
            IndexModel([("number", ASCENDING)], unique=True),
            IndexModel([("org_id", ASCENDING), ("state", ASCENDING)]),
            IndexModel([("closed_at", ASCENDING)]),  # the erasure after the retention period
            IndexModel([("state", ASCENDING), ("correction_due_on", ASCENDING)]),  # 补正 expiry
            IndexModel([("remedy_cases.filed_on", ASCENDING)]),  # the annual report's section 四
            # an applicant's requests in a month (信息处理费 按件), unpaid fees, fees of the year
            IndexModel([("org_id", ASCENDING), ("applicant_key", ASCENDING), ("received_on", ASCENDING)]),
            IndexModel([("state", ASCENDING), ("fee.due_on", ASCENDING)]),
            IndexModel([("fee.paid_on", ASCENDING)]),
            IndexModel([("files_to_remove", ASCENDING)]),  # reply files still to delete after erasure
        ]


class RequestSubmissions(Document):
    """Anonymous submissions per (keyed hash of the) source and fixed window; the TTL index forgets
    a count once its window has passed, so the collection holds about one window's sources."""

    key: str
    submissions: int = 0
    expires: datetime

    class Settings:
        name = "request_submissions"
        indexes = [
            IndexModel([("key", ASCENDING)], unique=True),
            IndexModel([("expires", ASCENDING)], expireAfterSeconds=0),
        ]


REQUEST_DOCUMENTS: list[type[Document]] = [DisclosureRequest, RequestSubmissions]
