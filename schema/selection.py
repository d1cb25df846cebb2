"""Which stored fields a selection needs: list pages read only those (a projection), not whole documents.

A field without a resolver reads the document attribute of its Python name. A field with a resolver
declares the attributes it reads with ``reads(...)`` in its ``metadata``; a selected field that
declares nothing makes the whole selection unknown (``None``: read everything), so forgetting a
declaration costs speed, never correctness. Fragments are followed and their type conditions and
``@skip``/``@include`` ignored: the result may only be larger than needed, never smaller.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

READS = "gongkai.reads"


def reads(*attributes: str) -> dict[str, tuple[str, ...]]:
    """``metadata`` for a resolver field: the document attributes its resolver reads."""
    return {READS: attributes}


def stored_fields(info: Any, type_name: str, path: Sequence[str]) -> frozenset[str] | None:
    """The attributes of ``type_name`` objects that the selection below ``path`` reads (e.g. a
    connection's ``("edges", "node")``), or None when that cannot be told."""
    raw = info._raw_info
    node_type = raw.schema.get_type(type_name)
    if not isinstance(node_type, GraphQLObjectType):
        return None
    fragments: Mapping[str, FragmentDefinitionNode] = raw.fragments
    level: list[FieldNode] = list(raw.field_nodes)
    for name in path:
        level = [f for f in _subfields(level, fragments) if f.name.value == name]
    wanted: set[str] = set()
    for field_node in _subfields(level, fragments):
        name = field_node.name.value
        if name == "__typename":
            continue
        field = node_type.fields.get(name)
        definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF) if field else None
        if not isinstance(definition, StrawberryField):
            return None
        metadata: Mapping[str, Any] = definition.metadata or {}
        declared = metadata.get(READS)
        if definition.base_resolver is None and definition.python_name:
            wanted.add(definition.python_name)
        elif declared is not None:
            wanted.update(declared)
        else:
            return None
    return frozenset(wanted)


def _subfields(
    fields: list[FieldNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    for field in fields:
        if field.selection_set is not None:
            yield from _flatten(field.selection_set, fragments, set())


def _flatten(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> Iterator[FieldNode]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _flatten(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                seen.add(name)
                yield from _flatten(fragment.selection_set, fragments, seen)
