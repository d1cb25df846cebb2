"""Opaque, signed cursors for keyset paging.

A cursor is the last item's ``sort_key`` signed with the server secret: paging reads an index range
(``sort_key < cursor``) instead of skipping, and a tampered cursor is refused instead of probing data.
Keys rotate: a cursor is signed with the current key and accepted under any of the previous ones, so
a reader paging through a list while the keys change does not lose their place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

from cms.errors import InvalidCursor

_TAG_BYTES = 12


class CursorCodec:
    def __init__(self, secret: bytes, previous: Sequence[bytes] = ()) -> None:
        self._key = _cursor_key(secret)
        self._keys = [self._key, *(_cursor_key(old) for old in previous)]

    def encode(self, sort_key: str) -> str:
        payload = sort_key.encode("utf-8")
        tag = _tag(self._key, payload)
        return base64.urlsafe_b64encode(tag + payload).decode("ascii").rstrip("=")

    def decode(self, cursor: str) -> str:
        if not cursor or len(cursor) > 300:
            raise InvalidCursor()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor() from exc
        tag, payload = raw[:_TAG_BYTES], raw[_TAG_BYTES:]
        if not payload or not any(hmac.compare_digest(tag, _tag(key, payload)) for key in self._keys):
            raise InvalidCursor()
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidCursor() from exc


def _cursor_key(secret: bytes) -> bytes:
    return hashlib.sha256(b"gongkai-cursor\x00" + secret).digest()


def _tag(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_TAG_BYTES]
