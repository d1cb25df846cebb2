"""Helpers shared by the edit mutations: which input fields the client sent, as the JSON values that
``AuthoringService.update`` applies, and the refusal of nulls for fields that cannot be empty."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry

from cms.errors import InvalidInput


def sent(data: object) -> dict[str, Any]:
    """The fields the client sent (null included), by their Python names."""
    return {name: value for name, value in vars(data).items() if value is not strawberry.UNSET}


def as_json(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def refuse_nulls(fields: dict[str, Any], names: Iterable[str]) -> None:
    """A null for a field that must have a value is a field error, not a silent no-op."""
    for name in names:
        if name in fields and fields[name] is None:
            raise InvalidInput(f"{camel(name)} 不能为空。", field=camel(name))


def blank_nulls(fields: dict[str, Any], names: Iterable[str]) -> None:
    """A null for an optional text means "no text"."""
    for name in names:
        if name in fields and fields[name] is None:
            fields[name] = ""


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
