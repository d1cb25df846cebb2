"""Staff accounts and revoked tokens."""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from storage.documents import utcnow


class User(Document):
    username: str  # unique, case-folded
    display_name: str = ""
    org_id: PydanticObjectId  # home organization
    password_hash: str
    active: bool = True
    must_change_password: bool = False  # set by an administrator's password reset
    last_login: datetime | None = None
    tokens_valid_after: datetime | None = None  # tokens issued earlier are refused (password change)
    # Raised by every change that ends the account's sessions (password set, account disabled): a token
    # carries the generation it was issued in and is refused under any other. Exact where the
    # whole-second ``tokens_valid_after`` cannot tell a token from a change made in the same second.
    session_generation: int = 0
    created: datetime = Field(default_factory=utcnow)
    modified: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "users"
        indexes = [
            IndexModel([("username", ASCENDING)], unique=True),
            IndexModel([("org_id", ASCENDING)]),
        ]


class RevokedToken(Document):
    """Tokens ended by logout before they expire; the TTL index forgets them once they would have."""

    jti: str
    expires_at: datetime

    class Settings:
        name = "revoked_tokens"
        indexes = [
            IndexModel([("jti", ASCENDING)], unique=True),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        ]


class LoginFailures(Document):
    """Failed sign-ins counted under one throttle key (a keyed hash: no names or addresses are stored)
    until ``until``; the TTL index forgets a count once its window has passed."""

    key: str
    account: str | None = None  # hash of the account name, so a new password can clear its counts
    failures: int = 0
    until: datetime

    class Settings:
        name = "login_failures"
        indexes = [
            IndexModel([("key", ASCENDING)], unique=True),
            IndexModel([("account", ASCENDING)]),
            IndexModel([("until", ASCENDING)], expireAfterSeconds=0),
        ]
