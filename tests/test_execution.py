"""The plain-field shortcut (schema.execution) answers exactly what graphql-core's general path does:
the same data and the same errors, whichever way a field's value turns out."""

from __future__ import annotations

import asyncio
import enum
import gc
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType, execute_sync, parse
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import PlainFieldExecutor, context_only, plain_field_executor, plans_of
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


# -- objects and lists: whole subtrees compiled ---------------------------------------------------


@dataclass
class Owner:
    name: Any


@dataclass
class Box:
    label: Any
    owner: Any
    owners: Any
    maybe_owner: Any = None


@strawberry.type
class OwnerType:
    name: str

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, Owner)


@strawberry.type
class BoxType:
    label: str
    owner: OwnerType
    owners: list[OwnerType]
    maybe_owner: OwnerType | None

    @strawberry.field(metadata=context_only())
    def tagged(self, root: strawberry.Parent[Box], info: strawberry.Info) -> str:
        return f"{info.context['tag']}:{root.label}"

    @strawberry.field
    def where(self, root: strawberry.Parent[Box], info: strawberry.Info) -> str:
        return str(info.path.key)


def _box(**changes: Any) -> Box:
    values: dict[str, Any] = {"label": "b", "owner": Owner("o"), "owners": [Owner("p"), Owner("q")]}
    return Box(**{**values, **changes})


GOOD_BOXES = [_box(), _box(label=5, maybe_owner=Owner("m"))]
BAD_BOXES = [
    _box(owner=None),  # null where none is allowed
    _box(owner="not an owner"),  # an object of the wrong type
    _box(owners=[Owner("p"), None]),  # a null item in a list of non-null items
    _box(owners="not a list"),
    _box(owner=Owner(None)),  # a null deep inside
    _box(maybe_owner=Owner(ValueError("an exception as a value"))),
]
BOXES: list[Box] = []


@strawberry.type
class BoxQuery:
    @strawberry.field
    def boxes(self) -> list[BoxType | None]:
        return BOXES  # type: ignore[return-value]


BOX_QUERY = (
    "{ boxes { label tagged owner { name __typename } owners { name } maybeOwner { name }"
    " again: owner { n: name } } }"
)


def _run_boxes(executor: type[Any], query: str, boxes: list[Box]) -> tuple[Any, list[dict[str, Any]]]:
    BOXES[:] = boxes
    schema = strawberry.Schema(query=BoxQuery, execution_context_class=executor)
    result = schema.execute_sync(query, context_value={"tag": "t"})
    return result.data, [e.formatted for e in result.errors or []]


@pytest.mark.parametrize("boxes", [GOOD_BOXES, GOOD_BOXES + BAD_BOXES], ids=["good", "with-errors"])
@pytest.mark.parametrize("query", [BOX_QUERY, "{ boxes { label where owner { name } } }"])
def test_compiled_subtrees_answer_like_the_general_path(boxes: list[Box], query: str) -> None:
    expected = _run_boxes(StrawberryGraphQLCoreExecutionContext, query, boxes)
    assert bool(expected[1]) == (boxes is not GOOD_BOXES)
    assert _run_boxes(plain_field_executor(), query, boxes) == expected


def test_a_compiled_subtree_skips_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    general: list[str] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_field

    def counting(self: Any, parent_type: Any, source: Any, details: Any, *args: Any) -> Any:
        general.append(f"{parent_type.name}.{details[0].node.name.value}")
        return original(self, parent_type, source, details, *args)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counting)
    data, errors = _run_boxes(plain_field_executor(), BOX_QUERY, GOOD_BOXES)
    assert not errors
    assert data["boxes"][1]["tagged"] == "t:5"
    assert general == []  # the whole answer was compiled
    _run_boxes(plain_field_executor(), "{ boxes { label where } }", GOOD_BOXES)
    # ``where`` reads info.path: only it goes the general way, so its parent list does too
    assert general == ["BoxQuery.boxes", "BoxType.where", "BoxType.where"]


# -- compiled fields are kept with the operation ---------------------------------------------------


@strawberry.type
class AsyncBoxQuery:
    @strawberry.field
    async def boxes(self) -> list[BoxType | None]:
        await asyncio.sleep(0)  # let another execution run in between
        return BOXES  # type: ignore[return-value]


def _cached_schema(executor: type[Any], query: type = BoxQuery) -> strawberry.Schema:
    """Parsed documents are kept (as the application's schema/prepared.py does), so a repeated query
    is the same operation node."""
    parsed = ParserCache()  # one for the schema: its documents outlive a request
    return strawberry.Schema(query=query, execution_context_class=executor, extensions=[lambda: parsed])


def test_a_repeated_operation_compiles_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    original = PlainFieldExecutor._compile

    def counting(self: Any, parent_type: Any, details: Any) -> Any:
        compiled.append(details[0].node.name.value)
        return original(self, parent_type, details)

    monkeypatch.setattr(PlainFieldExecutor, "_compile", counting)
    BOXES[:] = GOOD_BOXES
    schema = _cached_schema(plain_field_executor())
    first = schema.execute_sync(BOX_QUERY, context_value={"tag": "t"})
    assert not first.errors
    assert "owner" in compiled
    compiled.clear()
    again = schema.execute_sync(BOX_QUERY, context_value={"tag": "t"})
    assert again.data == first.data
    assert compiled == []


@pytest.mark.parametrize("flags", [(True, False, True, False), (False, True, True, False)])
def test_directive_variables_choose_the_compiled_selection(flags: tuple[bool, ...]) -> None:
    query = (
        "query ($owner: Boolean!, $skip: Boolean!) { boxes { label"
        " owner @include(if: $owner) { name } ...More } }"
        " fragment More on BoxType { owners @skip(if: $skip) { name } }"
    )
    BOXES[:] = GOOD_BOXES
    fast = _cached_schema(plain_field_executor())
    general = _cached_schema(StrawberryGraphQLCoreExecutionContext)
    for flag in flags:
        variables = {"owner": flag, "skip": flag}
        expected = general.execute_sync(query, variable_values=variables)
        result = fast.execute_sync(query, variable_values=variables)
        assert not result.errors
        assert result.data == expected.data
        assert ("owner" in result.data["boxes"][0]) is flag  # type: ignore[index]
        assert ("owners" in result.data["boxes"][0]) is not flag  # type: ignore[index]


def test_compiled_fields_read_each_executions_own_context() -> None:
    """Two concurrent executions of one operation share its compiled fields, not their contexts."""
    BOXES[:] = GOOD_BOXES
    schema = _cached_schema(plain_field_executor(), AsyncBoxQuery)

    async def both() -> list[Any]:
        return await asyncio.gather(
            *(schema.execute("{ boxes { tagged } }", context_value={"tag": tag}) for tag in "ab")
        )

    first, second = asyncio.run(both())
    assert not first.errors
    assert not second.errors
    assert [b["tagged"] for b in first.data["boxes"]] == ["a:b", "a:5"]
    assert [b["tagged"] for b in second.data["boxes"]] == ["b:b", "b:5"]


def test_compiled_fields_are_kept_per_operation_object_while_it_lives() -> None:
    """graphql-core's nodes compare by structure: two parses of one text are equal but must not share
    compiled fields, and an operation's go with it."""
    executor = plain_field_executor()
    schema = strawberry.Schema(query=BoxQuery, execution_context_class=executor)
    BOXES[:] = GOOD_BOXES
    first, second = (parse("{ boxes { label owner { name } } }") for _ in range(2))
    assert first.definitions[0] == second.definitions[0]
    for document in (first, second, first):
        result = execute_sync(schema._schema, document, executor_class=executor)
        assert not result.errors
        assert result.data == {
            "boxes": [{"label": "b", "owner": {"name": "o"}}, {"label": "5", "owner": {"name": "o"}}]
        }
    assert len(executor.compiled) == 2
    assert executor.compiled.get(first.definitions[0]) is not executor.compiled.get(second.definitions[0])
    del first, document  # the loop variable held it too
    gc.collect()
    assert len(executor.compiled) == 1
