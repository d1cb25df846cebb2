"""Opaque, signed cursors for keyset paging.

A cursor is the last item's ``sort_key`` signed with the server secret: paging reads an index range
(``sort_key < cursor``) instead of skipping, and a tampered cursor is refused instead of probing data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cms.errors import InvalidCursor

_TAG_BYTES = 12


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"gongkai-cursor\x00" + secret).digest()

    def encode(self, sort_key: str) -> str:
        payload = sort_key.encode("utf-8")
        tag = hmac.new(self._key, payload, hashlib.sha256).digest()[:_TAG_BYTES]
        return base64.urlsafe_b64encode(tag + payload).decode("ascii").rstrip("=")

    def decode(self, cursor: str) -> str:
        if not cursor or len(cursor) > 300:
            raise InvalidCursor()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor() from exc
        tag, payload = raw[:_TAG_BYTES], raw[_TAG_BYTES:]
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()[:_TAG_BYTES]
        if not payload or not hmac.compare_digest(tag, expected):
            raise InvalidCursor()
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidCursor() from exc
