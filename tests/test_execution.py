"""The plain-field shortcut (schema.execution) answers exactly what graphql-core's general path does:
the same data and the same errors, whichever way a field's value turns out."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import PlainFieldExecutor, plain_field_executor, plans_of
from schema.root import build_schema


class Colour(enum.Enum):
    RED = "red"


@dataclass
class Item:
    name: Any
    maybe: str | None
    colour: Any
    day: Any
    tags: list[str]


@strawberry.enum
class ColourType(enum.Enum):
    RED = "red"


@strawberry.type
class ItemType:
    name: str
    maybe: str | None
    colour: ColourType
    day: date
    tags: list[str]

    @strawberry.field
    def shout(self, root: strawberry.Parent[Item]) -> str:
        return str(root.name).upper()

    @strawberry.field
    def fails(self, root: strawberry.Parent[Item]) -> str:
        raise ValueError("boom")

    @strawberry.field
    def echo(self, root: strawberry.Parent[Item], times: int) -> str:
        return str(root.name) * times

    @strawberry.field
    def where(self, root: strawberry.Parent[Item], info: strawberry.Info) -> str:
        return str(info.path.key)


GOOD = {"name": "a", "maybe": None, "colour": ColourType.RED, "day": date(2024, 5, 1), "tags": ["x"]}
ITEMS = [
    Item(**GOOD),
    Item(**{**GOOD, "maybe": "m", "name": 7}),  # coerced by the scalar
    Item(**{**GOOD, "name": None}),  # null where none is allowed
    Item(**{**GOOD, "colour": "not a colour"}),  # values the scalars refuse
    Item(**{**GOOD, "day": "not a date"}),
    Item(**{**GOOD, "name": ValueError("an exception as a value")}),
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[ItemType | None]:
        return ITEMS  # type: ignore[return-value]


QUERY = "{ items { name maybe colour day tags shout echo(times: 2) where alias: name __typename } }"
FAILING = "{ items { fails } }"


def _run(executor: type[Any], query: str) -> tuple[Any, list[dict[str, Any]]]:
    schema = strawberry.Schema(query=Query, execution_context_class=executor)
    result = schema.execute_sync(query)
    errors = [e.formatted for e in result.errors or []]
    return result.data, errors


@pytest.mark.parametrize("query", [QUERY, FAILING], ids=["values", "failing-resolver"])
def test_the_shortcut_answers_like_the_general_path(query: str) -> None:
    expected = _run(StrawberryGraphQLCoreExecutionContext, query)
    assert expected[1], "the cases include errors"
    assert _run(plain_field_executor(), query) == expected


def test_only_fields_computed_from_the_parent_alone_take_the_shortcut() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=plain_field_executor())
    item_type = schema._schema.get_type("ItemType")
    assert isinstance(item_type, GraphQLObjectType)
    assert sorted(plans_of(item_type)) == ["colour", "day", "fails", "maybe", "name", "shout"]


def test_the_application_schema_takes_the_shortcut_for_catalog_scalars() -> None:
    schema = build_schema()
    assert issubclass(schema.execution_context_class, PlainFieldExecutor)
    entry = schema._schema.get_type("CatalogEntry")
    assert isinstance(entry, GraphQLObjectType)
    plans = plans_of(entry)
    for name in ["id", "title", "indexNumber", "publishedDate", "validity", "validityLabel", "summary"]:
        assert name in plans, name
    for name in ["organization", "attachments", "scheduled", "workingCopy", "keywords"]:
        assert name not in plans, name
