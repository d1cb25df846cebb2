"""A cheaper path through graphql-core for the fields that are most of every answer.

A catalog page of 20 entries resolves ~260 fields, and nearly all of them are scalars read straight
off a document (``title``, ``indexNumber`` …) or computed from it alone (``id``). For each, graphql-core
and strawberry build a resolve info, a strawberry ``Info``, convert (absent) arguments, run the
resolver through its extension chain, test the result for awaitability twice and dispatch on the
return type: about half of an uncached page's execution CPU (measured with cProfile, see
bench/README.md). For such a field the answer is simply the coerced value, so it is computed
directly; anything unusual (an error, a null where none is allowed, a value the scalar refuses) goes
the general way, which then reports it exactly as before.

Which fields qualify is decided once per type from the schema: scalar or enum fields that strawberry
resolves with the default attribute read, and synchronous resolvers that take only the parent object
(no arguments, no ``info``, no field extensions). Such resolvers must not have side effects: one that
fails is called a second time by the general path.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    UndefinedType,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


class Plain(NamedTuple):
    read: Callable[[Any], Any]  # the parent object -> the field's value
    leaf: GraphQLLeafType
    non_null: bool


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """Build one subclass per schema with ``plain_field_executor()``: the plans are per schema."""

    plans: ClassVar[dict[str, dict[str, Plain]]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Middleware (a schema extension's ``resolve`` hook) must see every field: then no shortcut.
        self.shortcuts = manager is None or not manager.middlewares

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any] | UndefinedType:
        if self.shortcuts:
            plans = self.plans.get(parent_type.name)
            if plans is None:
                plans = self.plans[parent_type.name] = plans_of(parent_type)
            plan = plans.get(field_details_list[0].node.name.value)
            if plan is not None:
                try:
                    value = plan.read(source)
                    if value is None:
                        if not plan.non_null:
                            return None
                    elif not isinstance(value, Exception):
                        coerced = plan.leaf.coerce_output_value(value)
                        if coerced is not None and coerced is not Undefined:
                            return coerced
                except Exception:  # noqa: S110 - the general path below reports it as it always did
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def plain_field_executor() -> type[PlainFieldExecutor]:
    return type("PlainFieldExecutor", (PlainFieldExecutor,), {"plans": {}})


def plans_of(parent_type: GraphQLObjectType) -> dict[str, Plain]:
    plans: dict[str, Plain] = {}
    for name, field in parent_type.fields.items():
        plan = plan_of(field)
        if plan is not None:
            plans[name] = plan
    return plans


def plan_of(field: GraphQLField) -> Plain | None:
    non_null = isinstance(field.type, GraphQLNonNull)
    leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not is_leaf_type(leaf) or not isinstance(definition, StrawberryField) or definition.extensions:
        return None
    read = _reader(definition, field)
    return Plain(read, leaf, non_null) if read is not None else None


def _reader(definition: StrawberryField, field: GraphQLField) -> Callable[[Any], Any] | None:
    resolver = definition.base_resolver
    if resolver is None:
        # strawberry's basic field: ``config.default_resolver(source, python_name)``
        is_default = getattr(field.resolve, "_is_default", False)
        if not is_default or definition.default_resolver is not getattr or not definition.python_name:
            return None
        return operator.attrgetter(definition.python_name)
    if resolver.is_async or resolver.arguments or resolver.info_parameter is not None:
        return None
    func = resolver.wrapped_func
    if not callable(func):
        return None
    # As strawberry passes them: the parent as ``self`` (positionally) and as ``root`` / ``Parent[...]``.
    names = {p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None}
    if resolver.self_parameter is not None:
        return lambda source: func(source, **dict.fromkeys(names, source))
    return lambda source: func(**dict.fromkeys(names, source))
