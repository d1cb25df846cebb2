"""The estimated size of an answer, checked before anything runs.

Depth, alias and token limits bound a document's text, not its answer: 30 aliases of a 100-entry page
each asking for every entry's relations is a short text and a long answer (issue #13). The estimate
counts the values an answer can hold: each selected field counts 1, and the selection below a list
counts once per item the list can hold. Fragments, inline fragments and aliases count wherever they
are spread (``@skip`` / ``@include`` are ignored: an upper bound).

How many items a list holds:
- a field with a ``first`` / ``last`` argument: that argument, a variable's value included, at most
  the field's page limit (``GONGKAI_MAX_PAGE_SIZE``, the review register's own limit); absent or null
  it is the field's default (``GONGKAI_DEFAULT_PAGE_SIZE``). A connection hands its size to its
  ``edges``;
- any other list: the estimate in ``LIST_ESTIMATES`` (typical sizes of the demo and of a province's
  real content), else ``DEFAULT_LIST_ESTIMATE``. Lists of scalars count 1.
Where a field's type is an interface (``node``, a search hit's ``item``), the selection is counted for
each concrete type it can be and the largest counts. Introspection fields (``__schema``, ``__type``)
count 1: their answer is bounded by the schema, and ``GONGKAI_INTROSPECTION`` turns them off.

The estimate is a polynomial in the variables that give sizes, built once per document text (with its
validation, see schema.prepared) and evaluated for each request's variables: a few multiplications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    value_from_ast_untyped,
)

from cms.admin.administration import MAX_REGISTER_PAGE
from cms.errors import QueryTooComplex

SIZE_ARGUMENTS = ("first", "last")
# Page limits other than GONGKAI_MAX_PAGE_SIZE, by "Type.field".
PAGE_LIMITS: Mapping[str, int] = {"Query.reviewRegister": MAX_REGISTER_PAGE}
# Items a list without a size argument is expected to hold, by "Type.field" or field name.
LIST_ESTIMATES: Mapping[str, int] = {
    "attachments": 5,
    "involvesOrganizations": 3,
    "confirmedOrganizations": 3,
    "coIssuers": 3,
    "amendedBy": 3,
    "repealedBy": 3,
    "amends": 3,
    "repeals": 3,
    "interpretations": 3,  # an entry's interpretations (the root field has ``first``)
    "gazetteArticles": 2,
    "interprets": 3,
    "GazetteIssue.articles": 40,
    "guests": 5,
    "questions": 30,
    "transcript": 200,
    # The tree is wide at the top and leaves below: on average over a walk down it, few children.
    "Organization.children": 4,
    "Organization.ancestors": 4,
    "ownReviewChain": 5,
    "reviewChain": 5,
    "Query.organizations": 30,
    "registerHeads": 30,  # one per organization the caller may read the register of
    "catalogEntriesByDocumentNumber": 3,
    "topics": 60,
    "genres": 30,
    "reorderVocabularyTerms": 60,
    "worklist": 50,
    "diff": 30,
    "versions": 20,
    "transitions": 30,
    "grants": 10,
    "roleGrants": 50,
    "users": 50,
    "roles": 10,
    "permissions": 30,
    "SearchFacets.organizations": 20,
    "SearchFacets.years": 20,
    "SearchFacets.topics": 20,
    "SearchFacets.genres": 20,
    "SearchFacets.types": 5,
}
DEFAULT_LIST_ESTIMATE = 10

# A size variable, the page limit of the field it sizes and the size it gives when not sent.
Atom = tuple[str, int, int]
Monomial = tuple[Atom, ...]  # a product of size variables, sorted; () is the constant term
Poly = dict[Monomial, int]  # monomial -> coefficient (all non-negative)
Items = tuple[Monomial, int]  # how many items a list holds: monomial x factor


@dataclass(frozen=True)
class CostRules:
    max_cost: int
    max_page_size: int
    default_page_size: int


@dataclass(frozen=True)
class Operation:
    cost: Poly
    variable_defaults: Mapping[str, Any]  # as declared in the operation (absent: not declared)


@dataclass(frozen=True)
class CostPlan:
    """A validated document's estimate per operation (by name; None for an anonymous one)."""

    operations: Mapping[str | None, Operation] = field(default_factory=dict)

    def estimate(self, rules: CostRules, operation_name: str | None, variables: Mapping[str, Any]) -> int:
        operation = self.operations.get(operation_name)
        if operation is None and operation_name is None and len(self.operations) == 1:
            operation = next(iter(self.operations.values()))
        if operation is None:
            return 0  # strawberry reports the unknown operation itself
        return sum(
            coefficient * _product(rules, monomial, variables, operation.variable_defaults)
            for monomial, coefficient in operation.cost.items()
        )

    def check(
        self, rules: CostRules, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> GraphQLError | None:
        estimate = self.estimate(rules, operation_name, variables or {})
        if estimate <= rules.max_cost:
            return None
        message = (
            f"查询过于复杂：预计返回约 {estimate} 项数据，超出上限 {rules.max_cost} 项。"
            "请减少每页条数、别名或嵌套的列表字段。"
        )
        return GraphQLError(message, original_error=QueryTooComplex(message, estimate=estimate))


def plan(schema: GraphQLSchema, document: DocumentNode, rules: CostRules) -> CostPlan:
    """The cost of each operation of a valid document."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walker = _Walker(schema, fragments, rules)
    operations: dict[str | None, Operation] = {}
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        root = schema.get_root_type(definition.operation)
        if root is None:
            continue
        defaults = {
            v.variable.name.value: value_from_ast_untyped(v.default_value)
            for v in definition.variable_definitions or ()
            if v.default_value is not None
        }
        name = definition.name.value if definition.name else None
        operations[name] = Operation(walker.selections(definition.selection_set, root, None), defaults)
    return CostPlan(operations)


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], rules: CostRules
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.rules = rules
        # A fragment spread many times (or nested spreads that multiply) is counted once per context.
        self.memo: dict[tuple[str, str, Items | None], Poly] = {}

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, page: Items | None
    ) -> Poly:
        """``page``: the size a connection hands to the lists below it (its ``edges``)."""
        total: Poly = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                _add(total, self.field(selection, parent, page))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, parent):
                    _add(total, self.selections(selection.selection_set, parent, page))
            elif isinstance(selection, FragmentSpreadNode):
                _add(total, self.spread(selection.name.value, parent, page))
        return total

    def spread(self, name: str, parent: GraphQLObjectType, page: Items | None) -> Poly:
        fragment = self.fragments.get(name)
        if fragment is None or not self._applies(fragment.type_condition.name.value, parent):
            return {}
        key = (name, parent.name, page)
        found = self.memo.get(key)
        if found is None:
            self.memo[key] = {}  # a cycle (invalid anyway) counts nothing, never loops
            found = self.memo[key] = self.selections(fragment.selection_set, parent, page)
        return found

    def field(self, node: FieldNode, parent: GraphQLObjectType, page: Items | None) -> Poly:
        name = node.name.value
        definition = parent.fields.get(name)
        if name.startswith("__") or definition is None or node.selection_set is None:
            return {(): 1}
        type_ = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        named = get_named_type(type_)
        if is_leaf_type(named):
            return {(): 1}
        size = self._size(node, parent, definition.args) if _sized(definition.args) else None
        if isinstance(type_, GraphQLList):
            items = size or page or ((), self._estimate(parent.name, name))
            below = self._below(node.selection_set, type_, None)
        else:  # an object; a connection hands its size to its ``edges``
            items = ((), 1)
            below = self._below(node.selection_set, type_, size)
        monomial, factor = items
        cost = _times(below, monomial, factor)
        _add(cost, {(): 1})
        return cost

    def _below(self, selection_set: SelectionSetNode, type_: GraphQLOutputType, page: Items | None) -> Poly:
        named = get_named_type(type_)
        if isinstance(named, GraphQLObjectType):
            return self.selections(selection_set, named, page)
        if not is_abstract_type(named):
            return {}
        # The answer is one of the concrete types: the largest of them (coefficient by coefficient,
        # an upper bound of each for any variables).
        largest: Poly = {}
        for concrete in self.schema.get_possible_types(named):  # type: ignore[arg-type]
            for monomial, coefficient in self.selections(selection_set, concrete, page).items():
                largest[monomial] = max(largest.get(monomial, 0), coefficient)
        return largest

    def _size(self, node: FieldNode, parent: GraphQLObjectType, args: Mapping[str, Any]) -> Items:
        """How many items a field with a ``first`` / ``last`` argument can answer."""
        limit = PAGE_LIMITS.get(f"{parent.name}.{node.name.value}", self.rules.max_page_size)
        absent = self.rules.default_page_size  # what an absent argument asks for: the schema's default
        for argument in SIZE_ARGUMENTS:
            default = args[argument].default_value if argument in args else None
            if isinstance(default, int) and not isinstance(default, bool):
                absent = default
        absent = _clamp(absent, limit)
        given = [a.value for a in node.arguments or () if a.name.value in SIZE_ARGUMENTS]
        if not given:
            return (), absent
        value = given[0]
        if isinstance(value, VariableNode):
            return ((value.name.value, limit, absent),), 1
        if isinstance(value, IntValueNode):
            return (), _clamp(int(value.value), limit)
        if isinstance(value, NullValueNode):
            return (), _clamp(self.rules.default_page_size, limit)
        return (), limit

    def _estimate(self, type_name: str, field_name: str) -> int:
        return LIST_ESTIMATES.get(
            f"{type_name}.{field_name}", LIST_ESTIMATES.get(field_name, DEFAULT_LIST_ESTIMATE)
        )

    def _applies(self, condition: str, concrete: GraphQLObjectType) -> bool:
        if condition == concrete.name:
            return True
        target = self.schema.get_type(condition)
        return target is not None and is_abstract_type(target) and self.schema.is_sub_type(target, concrete)  # type: ignore[arg-type]


def _sized(args: Iterable[str]) -> bool:
    return any(a in SIZE_ARGUMENTS for a in args)


def _clamp(value: int, limit: int) -> int:
    return max(0, min(value, limit))


def _add(total: Poly, more: Poly) -> None:
    for monomial, coefficient in more.items():
        total[monomial] = total.get(monomial, 0) + coefficient


def _times(poly: Poly, monomial: Monomial, factor: int) -> Poly:
    return {tuple(sorted(m + monomial)): c * factor for m, c in poly.items()}


def _product(
    rules: CostRules, monomial: Monomial, variables: Mapping[str, Any], defaults: Mapping[str, Any]
) -> int:
    product = 1
    for name, limit, absent in monomial:
        if name not in variables and name not in defaults:
            product *= absent
            continue
        value = variables[name] if name in variables else defaults[name]
        if value is None:
            value = rules.default_page_size  # null asks for the default page
        elif not isinstance(value, int) or isinstance(value, bool):
            value = limit  # refused when variables are coerced; until then, the most it could be
        product *= _clamp(value, limit)
    return product
