"""Field-level encryption of applicants' personal data at rest (AES-256-GCM, ``cryptography``), and
the HMAC keys of applicants' query codes and identities.

Every field is sealed on its own with a fresh 96-bit nonce, and bound to its request and field name
(the associated data), so a sealed value copied into another request or field does not open.

Keys rotate: values are sealed under the current key and open under it or any previous one, so an
operator can change ``GONGKAI_REQUEST_DATA_KEY`` while the old one stays in
``GONGKAI_REQUEST_DATA_PREVIOUS_KEYS`` until ``gongkai rekey-requests`` has re-sealed everything.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1:"
_NONCE = 12
DATA_KEY_SETTING = "GONGKAI_REQUEST_DATA_KEY"
PREVIOUS_DATA_KEYS_SETTING = "GONGKAI_REQUEST_DATA_PREVIOUS_KEYS"
# Query codes and identities were once hashed under a key derived from GONGKAI_SECRET_KEY with this
# label (still accepted, see CodeKeys); they are now derived from the data key with _CODES_LABEL.
_LEGACY_CODES_LABEL = b"gongkai-request-codes\0"
_CODES_LABEL = b"gongkai-request-codes-from-data-key\0"
_KEY_ID_LABEL = b"gongkai-request-codes-key-id\0"


def parse_key(configured: str, setting: str = DATA_KEY_SETTING) -> bytes:
    """A configured key: 32 bytes in URL-safe base64 (padding optional); the error names ``setting``."""
    try:
        key = base64.urlsafe_b64decode(configured.encode() + b"=" * (-len(configured) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{setting} must be 32 bytes in URL-safe base64") from exc
    if len(key) != 32:
        raise ValueError(f"{setting} must be 32 bytes in URL-safe base64")
    return key


def key_from(configured: str, secret_key: str) -> bytes:
    """The configured key (32 bytes, URL-safe base64), else one derived from the secret key."""
    if configured:
        return parse_key(configured)
    return hashlib.sha256(b"gongkai-request-personal-data\0" + secret_key.encode()).digest()


class FieldCipher:
    def __init__(self, key: bytes, previous: Sequence[bytes] = ()) -> None:
        self._aead = AESGCM(key)
        self._previous = [AESGCM(old) for old in previous]

    def seal(self, value: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, value.encode(), context.encode())
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, context: str) -> str:
        """Under the current key, else each previous one in turn. Raises ValueError when the value
        was sealed under none of them for this context."""
        raw = _raw(token)
        for aead in (self._aead, *self._previous):
            try:
                return aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
            except InvalidTag:
                continue
        raise ValueError("sealed value does not open under any configured key")

    def is_current(self, token: str, context: str) -> bool:
        """Whether the value opens under the current key (nothing to re-seal)."""
        raw = _raw(token)
        try:
            self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode())
        except InvalidTag:
            return False
        return True


@dataclass
class Resealed:
    """What re-sealing a kind of value under the current key found (``gongkai rekey-requests``)."""

    resealed: int = 0
    current: int = 0  # nothing to do
    unreadable: int = 0  # under none of the configured keys: left as it is

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def _raw(token: str) -> bytes:
    if not token.startswith(_PREFIX):
        raise ValueError("not a sealed value")
    try:
        return base64.urlsafe_b64decode(token[len(_PREFIX) :].encode())
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a sealed value") from exc


@dataclass(frozen=True)
class CodeKeys:
    """The HMAC keys of query codes (``code_hash``) and applicants' identities (``applicant_key``):
    the current one, derived from the current data key, and the earlier ones a stored hash may still
    be under (the previous data keys, then the legacy derivations from the signing keys)."""

    current: bytes
    earlier: tuple[bytes, ...] = ()

    @classmethod
    def derive(cls, data_keys: Sequence[bytes], secrets: Sequence[str]) -> CodeKeys:
        """``data_keys`` and ``secrets`` current first."""
        derived = [hashlib.sha256(_CODES_LABEL + key).digest() for key in data_keys]
        legacy = [hashlib.sha256(_LEGACY_CODES_LABEL + s.encode()).digest() for s in secrets if s]
        earlier = [key for key in dict.fromkeys([*derived[1:], *legacy]) if key != derived[0]]
        return cls(derived[0], tuple(earlier))

    @property
    def current_id(self) -> str:
        """Names the current key in stored documents (so the rekey command can count the hashes
        still under an earlier one) without revealing it."""
        return key_id(self.current)

    def hash(self, text: str) -> str:
        return _hmac(self.current, text)

    def match(self, stored: str, text: str) -> int | None:
        """Which key (0: the current one, then ``earlier`` from 1) made ``stored`` from ``text``, or
        None. Every key is tried and compared in constant time, whichever matches, so the answer
        takes as long for a wrong code as for a right one."""
        found = None
        for index, key in enumerate((self.current, *self.earlier)):
            if hmac.compare_digest(stored, _hmac(key, text)) and found is None:
                found = index
        return found


def key_id(key: bytes) -> str:
    return hashlib.sha256(_KEY_ID_LABEL + key).hexdigest()[:16]


def _hmac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
