"""Helpers shared by the edit mutations: which input fields the client sent, as the JSON values that
``AuthoringService.update`` applies, and the refusal of nulls for fields that cannot be empty."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import strawberry

from cms import model
from cms.content.dates import document_date, scheduling_instant
from cms.errors import InvalidInput

# Instants of a schedule, held to the clock (check_schedule); every other date sent is a document date.
SCHEDULING_FIELDS = frozenset({"scheduled_start", "scheduled_end"})
DISCLOSURE_NAMES = ("disclosure_mode", "non_disclosure_reason", "legal_basis", "expires")


@strawberry.input(description="每类内容共有的公开方式与到期字段")
class DisclosureInput:
    """Inherited by the create and update inputs of every content kind, so the fields are declared
    once. Unset on creation: 主动公开, no expiry."""

    disclosure_mode: model.DisclosureMode | None = strawberry.field(
        default=strawberry.UNSET, description="公开方式；新建时不填为主动公开"
    )
    non_disclosure_reason: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="不予主动公开的理由（依申请公开、不予公开须填写，提交审查时核对）",
    )
    legal_basis: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="法律依据；不予公开须写明《政府信息公开条例》第十四条、第十五条或第十六条",
    )
    expires: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="到期下线时间：自此时起不再对公众公开"
    )


def disclosure_changes(fields: dict[str, Any]) -> None:
    """The disclosure fields among ``fields`` (sent by the client) as they are stored: a null mode is
    refused, a null reason or basis is no text, a null expiry means the item does not expire."""
    refuse_nulls(fields, ("disclosure_mode",))
    blank_nulls(fields, ("non_disclosure_reason", "legal_basis"))


def disclosure_of(data: DisclosureInput) -> dict[str, Any]:
    """The disclosure fields of a create input, as keyword arguments of a ``New…`` use-case object."""
    fields = {name: value for name, value in sent(data).items() if name in DISCLOSURE_NAMES}
    disclosure_changes(fields)
    return fields


def sent(data: object) -> dict[str, Any]:
    """The fields the client sent (null included), by their Python names; their dates checked."""
    fields = {name: value for name, value in vars(data).items() if value is not strawberry.UNSET}
    check_dates(fields)
    return fields


def check_dates(fields: Mapping[str, Any], prefix: str = "") -> None:
    """Every date in the input (lists of input objects included: ``transcript.3.time``) within the
    document range of cms.content.dates, except the scheduling instants."""
    for name, value in fields.items():
        if name in SCHEDULING_FIELDS:
            continue
        path = f"{prefix}{camel(name)}"
        if isinstance(value, date):
            document_date(value, path)
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if dataclasses.is_dataclass(element):
                    check_dates(vars(element), f"{path}.{index}.")


def check_schedule(fields: Mapping[str, Any], now: datetime) -> None:
    for name in sorted(SCHEDULING_FIELDS & fields.keys()):
        scheduling_instant(fields[name], camel(name), now)


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
