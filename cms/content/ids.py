"""Global object ids (Relay style): base64 of "TypeName:hex", so that ``node(id)`` can find any object."""

from __future__ import annotations

import base64
import binascii

from bson import ObjectId
from bson.errors import InvalidId as BsonInvalidId

from cms.errors import InvalidId


def to_global_id(type_name: str, object_id: ObjectId | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{object_id}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, ObjectId]:
    if not global_id or len(global_id) > 200:
        raise InvalidId()
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
        type_name, _, hex_id = raw.partition(":")
        return type_name, ObjectId(hex_id)
    except (binascii.Error, UnicodeError, ValueError, BsonInvalidId) as exc:
        raise InvalidId() from exc


def expect_global_id(global_id: str, *type_names: str) -> ObjectId:
    type_name, object_id = from_global_id(global_id)
    if type_name not in type_names:
        raise InvalidId(f"ID 类型不符，应为 {'/'.join(type_names)}。")
    return object_id
