"""Short-lived signed download links for staff.

A file the public may not read (a draft's attachment, a request's reply file) needs the reader's
identity, but a Bearer header cannot ride along a link, an ``<img>`` or the browser's PDF viewer. So a
signed-in reader gets ``/files/{id}/{name}?u=USER&e=EXPIRY&s=SIGNATURE``: an HMAC over the attachment,
the expiry and the user (and the user's session generation, so a password change or a disabling voids
the links with the sessions). The link carries no token: whoever holds it can do nothing else with it,
and the download route still checks, at each request, that the user exists, is enabled and may read
the file now. Keys rotate like the login tokens' (current first; links made under an earlier key
verify until they expire).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.documents import utcnow

_MAX_SIGNATURE = 64  # longer values are not ours; never hash attacker-sized input


@dataclass(frozen=True)
class LinkClaim:
    """What a link says before the reader is checked: who it was made for."""

    user_id: str
    generation: int


class StaffLinks:
    def __init__(
        self,
        secrets: Sequence[bytes],
        *,
        ttl: timedelta = timedelta(minutes=10),
        clock: Callable[[], datetime] = utcnow,
        purpose: bytes = b"gongkai-staff-links",
    ) -> None:
        if not secrets or not secrets[0]:
            raise ValueError("StaffLinks needs a non-empty current secret")
        self._secrets = [s for s in secrets if s]
        # A key of its own, derived: a link signature can never be replayed as a token or a cursor.
        self._keys = [hashlib.sha256(purpose + b"\0" + s).digest() for s in self._secrets]
        self.ttl = ttl
        self.clock = clock

    def for_purpose(self, purpose: bytes, ttl: timedelta) -> StaffLinks:
        """Links of another kind (upload tickets) under keys of their own, so that one kind never
        passes for the other."""
        return StaffLinks(self._secrets, ttl=ttl, clock=self.clock, purpose=purpose)

    def query(self, attachment_id: object, user_id: str, generation: int) -> str:
        """The query string (without ``?``) of a link for ``user_id``, valid for ``ttl``."""
        expires = int((self.clock() + self.ttl).timestamp())
        signature = self._sign(self._keys[0], str(attachment_id), user_id, generation, expires)
        return f"u={user_id}&e={expires}&s={signature}"

    @staticmethod
    def is_signed(params: Mapping[str, str]) -> bool:
        return "s" in params

    def claimed_user(self, params: Mapping[str, str]) -> str | None:
        """The user a link names when it is unexpired and well-formed; the signature is checked
        afterwards against that user's current generation (``verify``)."""
        user_id, expires = params.get("u", ""), params.get("e", "")
        if not user_id or len(user_id) > 24 or not expires.isdigit() or len(expires) > 12:
            return None
        if int(expires) <= self.clock().timestamp():
            return None
        return user_id

    def verify(self, attachment_id: str, params: Mapping[str, str], generation: int) -> bool:
        user_id, expires, given = params.get("u", ""), params.get("e", ""), params.get("s", "")
        if self.claimed_user(params) is None or len(given) > _MAX_SIGNATURE:
            return False
        return any(
            hmac.compare_digest(self._sign(key, attachment_id, user_id, generation, int(expires)), given)
            for key in self._keys
        )

    @staticmethod
    def _sign(key: bytes, attachment_id: str, user_id: str, generation: int, expires: int) -> str:
        message = f"{attachment_id}\0{user_id}\0{generation}\0{expires}".encode()
        digest = hmac.new(key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
