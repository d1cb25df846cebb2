"""Field-level encryption of applicants' personal data at rest (AES-256-GCM, ``cryptography``).

Every field is sealed on its own with a fresh 96-bit nonce, and bound to its request and field name
(the associated data), so a sealed value copied into another request or field does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1:"
_NONCE = 12


def key_from(configured: str, secret_key: str) -> bytes:
    """The configured key (32 bytes, URL-safe base64), else one derived from the secret key."""
    if configured:
        try:
            key = base64.urlsafe_b64decode(configured.encode() + b"=" * (-len(configured) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("GONGKAI_REQUEST_DATA_KEY must be 32 bytes in URL-safe base64") from exc
        if len(key) != 32:
            raise ValueError("GONGKAI_REQUEST_DATA_KEY must be 32 bytes in URL-safe base64")
        return key
    return hashlib.sha256(b"gongkai-request-personal-data\0" + secret_key.encode()).digest()


class FieldCipher:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, value: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, value.encode(), context.encode())
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, context: str) -> str:
        """Raises ValueError when the value was not sealed under this key for this context."""
        if not token.startswith(_PREFIX):
            raise ValueError("not a sealed value")
        raw = base64.urlsafe_b64decode(token[len(_PREFIX) :].encode())
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
        except InvalidTag as exc:
            raise ValueError("sealed value does not open under this key") from exc
