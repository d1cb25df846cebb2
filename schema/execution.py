"""A cheaper path through graphql-core for the fields that are most of every answer.

A catalog page of 20 entries resolves ~260 fields, and nearly all of them are scalars read straight
off a document (``title``, ``indexNumber`` …), computed from it alone (``id``), or objects reached the
same way (an edge's ``node``, an entry's ``organization``). For each, graphql-core and strawberry
build a ``Path``, a resolve info, a strawberry ``Info``, convert (absent) arguments, run the resolver
through its extension chain, test the result for awaitability twice and dispatch on the return type:
most of an uncached page's execution CPU (measured with cProfile, see bench/README.md).

Such a field is *compiled* once per operation: its reader (the parent → its value) and, for object
and list types, the compiled fields of its selection, down to the leaves. Running it is a few
attribute reads and the scalars' own coercion. Compiled fields are kept per operation node (weakly,
by identity: they go when the parsed document does, see schema/prepared.py) and per values of the
variables its directives read (``@include(if: $x)`` changes the selection), so a repeated query
compiles nothing; readers take the request's context at call time, never at compile time. Anything
unusual on the way (an error, a null where none is allowed, a value a scalar refuses, an object of
the wrong type) abandons the compiled answer for that field, which then goes the general way and is
reported exactly as before.

Which fields compile is decided from the schema and the selection: fields that strawberry resolves
with the default attribute read, and synchronous resolvers that take only the parent object (no
arguments, no field extensions), or the parent and ``info`` when their ``metadata`` says with
``context_only()`` that they read nothing of ``info`` but ``info.context``; object types must be
concrete (no interface or union return types), and the selection must not ``@defer``. Such resolvers
must not have side effects: one whose answer is abandoned is called a second time by the general path.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, ClassVar, NamedTuple

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    UndefinedType,
    VariableNode,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.language import Node, OperationDefinitionNode
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

CONTEXT_ONLY = "gongkai.context_only"
MAX_DIRECTIVE_VARIANTS = 16  # compiled variants kept per operation, by directive variable values

# The running execution's context, for ``context_only()`` readers (compiled fields outlive a request).
# Set by each execution in its own task; tasks it spawns copy it.
_CONTEXT: ContextVar[Any] = ContextVar("gongkai_execution_context")

Reader = Callable[[Any], Any]  # the parent object -> the field's value
Completer = Callable[[Any], Any]  # the value -> its completed (serialized) form, or raises _Abandon


def context_only() -> dict[str, bool]:
    """``metadata`` for a resolver that takes ``info`` but reads nothing of it except ``info.context``."""
    return {CONTEXT_ONLY: True}


class _Abandon(Exception):
    """The compiled answer does not hold: take graphql-core's general path for the field."""


_ABANDON = _Abandon()


class _ContextInfo(NamedTuple):
    """What a ``context_only()`` resolver gets as its ``info``."""

    context: Any


class Plain(NamedTuple):
    """A scalar or enum field answered from its parent alone (kept for the schema's self-checks)."""

    read: Reader
    leaf: GraphQLLeafType
    non_null: bool


class Step(NamedTuple):
    read: Reader
    complete: Completer


class _Compiled:
    """An operation's compiled fields, per values of the variables its directives read."""

    __slots__ = ("directive_variables", "variants")

    def __init__(self, directive_variables: tuple[str, ...]) -> None:
        self.directive_variables = directive_variables
        # variant -> (parent type, ids of the field nodes) -> (the nodes, kept so that their ids stay
        # theirs, and the compiled step or None)
        self.variants: dict[tuple[str, ...], dict[Any, tuple[tuple[FieldNode, ...], Step | None]]] = {}


class CompiledOperations:
    """Compiled fields per operation node, by identity, for as long as the node lives.

    Not a ``WeakKeyDictionary``: graphql-core's nodes compare and hash by structure, so two parses of
    one text would share an entry that only the first one's life bounds."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[weakref.ref[OperationDefinitionNode], _Compiled]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, operation: OperationDefinitionNode) -> _Compiled | None:
        found = self._items.get(id(operation))
        return found[1] if found is not None and found[0]() is operation else None

    def put(self, operation: OperationDefinitionNode, compiled: _Compiled) -> None:
        key, items = id(operation), self._items

        def gone(ref: weakref.ref[OperationDefinitionNode]) -> None:
            current = items.get(key)
            if current is not None and current[0] is ref:
                del items[key]

        items[key] = (weakref.ref(operation, gone), compiled)


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """Build one subclass per schema with ``plain_field_executor()``."""

    compiled: ClassVar[CompiledOperations]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Middleware (a schema extension's ``resolve`` hook) must see every field: then no shortcut.
        self.shortcuts = manager is None or not manager.middlewares
        _CONTEXT.set(self.context_value)
        self.shared = self._shared_steps() if self.shortcuts else {}
        # This execution's compiled fields per field group and per grouped field set. graphql-core
        # memoizes those per type and selection, so every item of a list shares them; each is kept
        # with its plan so that its id cannot be reused while this execution runs.
        self.steps: dict[int, tuple[FieldDetailsList, Step | None]] = {}
        self.field_sets: dict[
            int, tuple[GroupedFieldSet, list[tuple[str, FieldDetailsList, Step | None]]]
        ] = {}

    # -- graphql-core's hooks ------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's loop over an object's fields, with each compiled field answered in place."""
        if not self.shortcuts:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        found = self.field_sets.get(id(grouped_field_set))
        if found is None:
            fields = [
                (name, details, self._step(parent_type, details))
                for name, details in grouped_field_set.items()
            ]
            found = self.field_sets[id(grouped_field_set)] = (grouped_field_set, fields)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for response_name, field_details_list, step in found[1]:
                if step is not None:
                    try:
                        results[response_name] = step.complete(step.read(source_value))
                        continue
                    except Exception:  # noqa: S110 - the general path reports it as it always did
                        pass
                result = super().execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:  # settle the other fields' awaitables: they may fail too
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any] | UndefinedType:
        if self.shortcuts:
            step = self._step(parent_type, field_details_list)
            if step is not None:
                try:
                    return step.complete(step.read(source))
                except Exception:  # noqa: S110 - the general path reports it as it always did
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    # -- compiling -----------------------------------------------------------------------------

    def _shared_steps(self) -> dict[Any, tuple[tuple[FieldNode, ...], Step | None]]:
        """The compiled fields this operation's earlier executions left, for these variables."""
        compiled = self.compiled.get(self.operation)
        if compiled is None:
            names = _directive_variables(self.operation, (f.definition for f in self.fragments.values()))
            compiled = _Compiled(names)
            self.compiled.put(self.operation, compiled)
        values = self.variable_values.coerced
        variant = tuple(repr(values.get(name)) for name in compiled.directive_variables)
        steps = compiled.variants.get(variant)
        if steps is None:
            steps = {}
            if len(compiled.variants) < MAX_DIRECTIVE_VARIANTS:  # else compiled for this execution only
                compiled.variants[variant] = steps
        return steps

    def _step(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Step | None:
        found = self.steps.get(id(field_details_list))
        if found is None:
            nodes = tuple(details.node for details in field_details_list)
            key = (parent_type, tuple(map(id, nodes)))
            shared = self.shared.get(key)
            if shared is None:
                shared = self.shared[key] = (nodes, self._compile(parent_type, field_details_list))
            found = self.steps[id(field_details_list)] = (field_details_list, shared[1])
        return found[1]

    def _compile(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Step | None:
        name = field_details_list[0].node.name.value
        if name == "__typename":
            type_name = parent_type.name
            return Step(lambda _source: type_name, _identity)
        field = parent_type.fields.get(name)
        if field is None:
            return None
        read = reader_of(field, with_context=True)
        if read is None:
            return None
        complete = self._completer(field.type, field_details_list)
        return Step(read, complete) if complete is not None else None

    def _completer(self, type_: GraphQLOutputType, field_details_list: FieldDetailsList) -> Completer | None:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if is_leaf_type(inner):
            return _leaf(inner, non_null)  # type: ignore[arg-type]
        if isinstance(inner, GraphQLList):
            item = self._completer(inner.of_type, field_details_list)
            return _list(item, non_null) if item is not None else None
        if not isinstance(inner, GraphQLObjectType):
            return None  # an interface or a union: the concrete type is resolved the general way
        collected = self.collect_subfields(inner, field_details_list)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return None
        fields: list[tuple[str, Reader, Completer]] = []
        for response_name, details in collected.grouped_field_set.items():
            step = self._step(inner, details)
            if step is None:
                return None
            fields.append((response_name, step.read, step.complete))
        return _object(inner, tuple(fields), non_null)


def plain_field_executor() -> type[PlainFieldExecutor]:
    """A subclass for one schema: its compiled fields are the schema's types'."""
    return type("PlainFieldExecutor", (PlainFieldExecutor,), {"compiled": CompiledOperations()})


def _directive_variables(
    operation: OperationDefinitionNode, fragments: Iterable[FragmentDefinitionNode]
) -> tuple[str, ...]:
    """The variables that can change which fields are collected: those read by any directive of the
    operation or of the document's fragments, and those passed as fragment arguments (which a
    fragment's directives may read under another name)."""
    nodes = (n for root in (operation, *fragments) for n in _nodes(root))
    steering = (n for n in nodes if isinstance(n, DirectiveNode | FragmentSpreadNode))
    return tuple(sorted({n.name.value for d in steering for n in _nodes(d) if isinstance(n, VariableNode)}))


def _nodes(root: Node) -> Iterator[Node]:
    """``root`` and every node below it."""
    pending: list[Node] = [root]
    while pending:
        node = pending.pop()
        yield node
        for key in node.keys:
            value = getattr(node, key, None)
            if isinstance(value, Node):
                pending.append(value)
            elif isinstance(value, tuple | list):
                pending.extend(v for v in value if isinstance(v, Node))


# -- completers: each raises _ABANDON where graphql-core would report something ---------------------


def _identity(value: Any) -> Any:
    return value


def _leaf(leaf: GraphQLLeafType, non_null: bool) -> Completer:
    coerce = leaf.coerce_output_value

    def complete(value: Any) -> Any:
        if value is None:
            if non_null:
                raise _ABANDON
            return None
        if isinstance(value, Exception):
            raise _ABANDON
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _ABANDON
        return coerced

    return complete


def _list(item: Completer, non_null: bool) -> Completer:
    def complete(value: Any) -> Any:
        if value is None:
            if non_null:
                raise _ABANDON
            return None
        if not isinstance(value, list | tuple):
            raise _ABANDON
        return [item(element) for element in value]

    return complete


def _object(
    object_type: GraphQLObjectType, fields: tuple[tuple[str, Reader, Completer], ...], non_null: bool
) -> Completer:
    # Our types' checks are isinstance tests, strawberry's ignore ``info``: no info is built for them.
    is_type_of: Callable[[Any, Any], Any] | None = object_type.is_type_of

    def complete(value: Any) -> Any:
        if value is None:
            if non_null:
                raise _ABANDON
            return None
        if isinstance(value, Exception) or (is_type_of is not None and is_type_of(value, None) is not True):
            raise _ABANDON
        return {name: finish(read(value)) for name, read, finish in fields}

    return complete


# -- readers --------------------------------------------------------------------------------------


def plans_of(parent_type: GraphQLObjectType) -> dict[str, Plain]:
    """The scalar and enum fields of ``parent_type`` answered from their parent alone."""
    plans: dict[str, Plain] = {}
    for name, field in parent_type.fields.items():
        non_null = isinstance(field.type, GraphQLNonNull)
        leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        read = reader_of(field, with_context=False)
        if read is not None and is_leaf_type(leaf):
            plans[name] = Plain(read, leaf, non_null)  # type: ignore[arg-type]
    return plans


def reader_of(field: GraphQLField, *, with_context: bool) -> Reader | None:
    """How to read ``field`` off its parent without strawberry's resolver machinery, or None.

    ``with_context``: ``context_only()`` resolvers are read too, with the running execution's context."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return None
    resolver = definition.base_resolver
    if resolver is None:
        # strawberry's basic field: ``config.default_resolver(source, python_name)``
        is_default = getattr(field.resolve, "_is_default", False)
        if not is_default or definition.default_resolver is not getattr or not definition.python_name:
            return None
        return operator.attrgetter(definition.python_name)
    if resolver.is_async or resolver.arguments:
        return None
    metadata: Mapping[str, Any] = definition.metadata or {}
    info_name: str | None = None
    if resolver.info_parameter is not None:
        if not with_context or not metadata.get(CONTEXT_ONLY):
            return None
        info_name = resolver.info_parameter.name
    func = resolver.wrapped_func
    if not callable(func):
        return None
    # As strawberry passes them: the parent as ``self`` (positionally) and as ``root`` / ``Parent[...]``.
    names = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    self_first = resolver.self_parameter is not None

    def read(source: Any) -> Any:
        keywords = dict.fromkeys(names, source)
        if info_name is not None:
            keywords[info_name] = _ContextInfo(_CONTEXT.get())
        return func(source, **keywords) if self_first else func(**keywords)

    return read
