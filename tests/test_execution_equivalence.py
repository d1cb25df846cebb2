"""The compiled shortcut (schema.execution) against graphql-core's general path, over the real schema.

Hypothesis writes queries over schema.root's types — random subsets of each type's fields, nested
objects and lists, connections, interfaces and unions through inline fragments, named fragments,
aliases, ``__typename`` and ``@include`` / ``@skip`` with variables — and runs each on the demo data
twice: once on a schema built with the shortcut, once on one built without it
(``GONGKAI_COMPILED_EXECUTION=false``), anonymously or as staff. Both must answer the same ``data``
and the same ``errors``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    is_leaf_type,
    is_required_argument,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from cms.services import Endpoints, Services
from cms.settings import Settings
from schema.context import Context
from schema.execution import PlainFieldExecutor
from schema.root import GongkaiSchema, build_schema
from tests.helpers import ROOT_KEY, Api
from web.app import create_app

COMPILED = build_schema()
GENERAL = build_schema(compiled_execution=False)
TYPES: GraphQLSchema = COMPILED._schema

MAX_EXAMPLES = 60
MAX_FIELDS = 36  # per query: every answer stays a few pages of a few items
MAX_ALIASES = 12  # below the schema's alias limit
MAX_DEPTH = 6  # fields below the root, within the schema's depth limit
DIRECTIVE_VARIABLES = ("a", "b")
SEARCH_TERMS = ("公开", "政府", "云南省")
STAFF_ONLY = ("history", "reviewChain")  # root fields with required arguments that need a login
# Root fields that verify whole hash chains: their cost grows with everything the session has filed
# (minutes per example late in the suite), and their answers are plain scalars and lists that other
# fields exercise alike.
WHOLE_CHAINS = ("registerHeads", "registerHeadsExport", "verifyAuditLog")


# -- the setting ----------------------------------------------------------------------------------


def test_the_general_path_is_a_setting(monkeypatch: pytest.MonkeyPatch, endpoints: Endpoints) -> None:
    # given the environment turns the shortcut off
    monkeypatch.setenv("GONGKAI_COMPILED_EXECUTION", "false")
    # when an app is built from the settings
    app = create_app(Settings(), endpoints)
    # then its schema runs strawberry's (graphql-core's general) execution context
    schema: GongkaiSchema = app.state.schema
    assert schema.execution_context_class is StrawberryGraphQLCoreExecutionContext


def test_the_shortcut_is_on_by_default(app: Starlette) -> None:
    assert Settings().compiled_execution is True
    assert issubclass(app.state.schema.execution_context_class, PlainFieldExecutor)
    assert issubclass(COMPILED.execution_context_class, PlainFieldExecutor)
    assert GENERAL.execution_context_class is StrawberryGraphQLCoreExecutionContext


# -- writing queries ------------------------------------------------------------------------------


def _named(kind: Any) -> GraphQLNamedType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    named: GraphQLNamedType = kind
    return named


@dataclass
class Query:
    """What one generated operation has declared so far."""

    arguments: dict[str, list[str]]  # root field -> literal argument lists it may take (required args)
    fields_left: int = MAX_FIELDS
    aliases_left: int = MAX_ALIASES
    names: itertools.count[int] = field(default_factory=itertools.count)
    fragments: list[str] = field(default_factory=list)
    variables: set[str] = field(default_factory=set)


class Writer:
    def __init__(self, draw: Any, query: Query) -> None:
        self.draw, self.q = draw, query

    def directive(self) -> str:
        if self.draw(st.integers(0, 5)) < 5:  # hypothesis's simplest choice is no directive
            return ""
        name = self.draw(st.sampled_from(DIRECTIVE_VARIABLES))
        self.q.variables.add(name)
        return f" @{self.draw(st.sampled_from(['include', 'skip']))}(if: ${name})"

    def arguments(self, name: str, definition: GraphQLField, *, root: bool) -> str | None:
        """The field's arguments as written, or None when it needs some the writer cannot supply."""
        if root and name in self.q.arguments:
            chosen: str = self.draw(st.sampled_from(self.q.arguments[name]))
            return chosen
        written = []
        for arg_name, arg in definition.args.items():
            if arg_name == "first" and _named(arg.type).name == "Int":
                written.append(f"first: {self.draw(st.integers(1, 4))}")  # bounds every page
            elif is_required_argument(arg):
                return None
        return f"({', '.join(written)})" if written else ""

    def selectable(self, parent: GraphQLObjectType | GraphQLInterfaceType, root: bool) -> list[str]:
        return sorted(
            name
            for name, definition in parent.fields.items()
            if ((root and name in self.q.arguments) or self.arguments_possible(definition))
            and not (root and name in WHOLE_CHAINS)
        )

    @staticmethod
    def arguments_possible(definition: GraphQLField) -> bool:
        return not any(map(is_required_argument, definition.args.values()))

    def field(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        name: str,
        depth: int,
        *,
        root: bool,
        prefix: str,
    ) -> str:
        self.q.fields_left -= 1
        alias = ""
        if prefix or (self.q.aliases_left > 0 and self.draw(st.integers(0, 4)) == 4):
            self.q.aliases_left -= 1
            alias = f"{prefix or 'x'}{next(self.q.names)}_{name}: "
        if name == "__typename":
            return f"{alias}__typename{self.directive()}"
        definition = parent.fields[name]
        arguments = self.arguments(name, definition, root=root)
        assert arguments is not None
        kind = _named(definition.type)
        below = "" if is_leaf_type(kind) else f" {{ {self.selection(kind, depth + 1)} }}"
        return f"{alias}{name}{arguments}{self.directive()}{below}"

    def selection(
        self, kind: GraphQLNamedType, depth: int, *, root: bool = False, in_fragment: bool = False
    ) -> str:
        """A selection set's body over ``kind`` (an object, interface or union type)."""
        if not (root or in_fragment) and self.draw(st.integers(0, 4)) == 4:
            return self.fragment(kind, depth)
        parts: list[str] = []
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            parts += self.own_fields(kind, depth, root=root, prefix="")
        if isinstance(kind, GraphQLInterfaceType | GraphQLUnionType):
            parts += self.type_conditions(kind, depth)
        if not parts or all(" @" in p for p in parts):
            parts.append("__typename")  # a selection never ends up empty, whatever the variables
        return " ".join(parts)

    def own_fields(
        self, kind: GraphQLObjectType | GraphQLInterfaceType, depth: int, *, root: bool, prefix: str
    ) -> list[str]:
        candidates = ["__typename", *self.selectable(kind, root)]
        if depth >= MAX_DEPTH or self.q.fields_left <= 0:
            candidates = [
                n for n in candidates if n == "__typename" or is_leaf_type(_named(kind.fields[n].type))
            ]
        most = min(5, self.q.aliases_left) if prefix else 5
        chosen = self.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=most, unique=True))
        return [self.field(kind, name, depth, root=root, prefix=prefix) for name in chosen]

    def type_conditions(self, kind: GraphQLInterfaceType | GraphQLUnionType, depth: int) -> list[str]:
        """Inline fragments on one or two of the possible types. With two, each one's fields get
        aliases of their own: a name on two types may have two types (``kind``), which one response
        name cannot carry."""
        possible = sorted(TYPES.get_possible_types(kind), key=lambda t: t.name)
        count = self.draw(st.integers(0, 2 if self.q.aliases_left >= 4 else 1))
        chosen = self.draw(
            st.lists(st.sampled_from(possible), min_size=count, max_size=count, unique_by=lambda t: t.name)
        )
        parts = []
        for concrete in chosen:
            prefix = concrete.name[:3].lower() if count > 1 else ""
            if prefix and self.q.aliases_left < 1:
                break
            fields = self.own_fields(concrete, depth, root=False, prefix=prefix)
            parts.append(f"... on {concrete.name}{self.directive()} {{ {' '.join(fields)} }}")
        return parts

    def fragment(self, kind: GraphQLNamedType, depth: int) -> str:
        """The selection in a named fragment (spread here), or in an inline one without a type."""
        body = self.selection(kind, depth, in_fragment=True)
        if self.draw(st.booleans()):
            return f"...{self.directive()} {{ {body} }} __typename"
        name = f"F{next(self.q.names)}"
        self.q.fragments.append(f"fragment {name} on {kind.name} {{ {body} }}")
        return f"...{name}{self.directive()} __typename"


@st.composite
def operations(draw: Any, arguments: dict[str, list[str]]) -> tuple[str, dict[str, bool]]:
    query = Query(arguments)
    assert TYPES.query_type is not None
    body = Writer(draw, query).selection(TYPES.query_type, 0, root=True)
    declared = sorted(query.variables)
    header = f"query Q({', '.join(f'${v}: Boolean!' for v in declared)})" if declared else "query Q"
    document = " ".join([f"{header} {{ {body} }}", *query.fragments])
    values = {name: draw(st.booleans()) for name in declared}
    return document, values


# -- running them ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def root_arguments(services: Services) -> dict[str, list[str]]:
    """Literal arguments for the root fields that need some: ids of each kind from the demo data."""
    listed = await _run(
        COMPILED,
        services,
        None,
        "{ catalog(first: 2) { edges { node { id } } } gazetteIssues(first: 2) { edges { node { id } } }"
        " interpretations(first: 2) { edges { node { id } } } interviews(first: 2) { edges { node { id } } }"
        " organizations { id children { id } } }",
        {},
    )
    data = listed[0]
    assert data is not None
    ids = [
        edge["node"]["id"]
        for connection in ("catalog", "gazetteIssues", "interpretations", "interviews")
        for edge in data[connection]["edges"]
    ]
    ids += [org["id"] for root in data["organizations"] for org in [root, *root["children"][:2]]]
    return {
        "node": [f'(id: "{i}")' for i in ids],
        "organization": [f'(key: "{ROOT_KEY}")', f'(id: "{ids[-1]}")'],
        "search": [f'(query: "{term}", first: 3)' for term in SEARCH_TERMS],
        "history": [f'(id: "{i}")' for i in ids[:8]],
        "reviewChain": [f'(organization: "{ids[-1]}")'],
    }


@pytest.fixture(scope="module")
async def staff_token(gql: Any, settings: Settings) -> str:
    return await Api(gql, settings.demo_password.get_secret_value()).token("demo-office")


async def _context(services: Services, token: str | None) -> Context:
    """As the app builds it for a request: a fresh one per execution, so no loader is shared."""
    user = await services.accounts.authenticate(token) if token else None
    principal = services.access.principal_for(user)
    scope = services.read_scope(services.access.draft_orgs(principal))
    return Context(services=services, scope=scope, principal=principal, user=user, token=token)


async def _run(
    schema: GongkaiSchema, services: Services, token: str | None, document: str, variables: dict[str, bool]
) -> tuple[Any, list[dict[str, Any]]]:
    context = await _context(services, token)
    result = await schema.execute(document, variable_values=variables, context_value=context)
    return result.data, [dict(error.formatted) for error in result.errors or []]


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_generated_selections_answer_alike_with_and_without_the_shortcut(
    services: Services, root_arguments: dict[str, list[str]], staff_token: str, data: st.DataObject
) -> None:
    # given a query over the real schema, asked by staff or anonymously (without the root fields
    # that refuse anonymous callers: their error would null every answer)
    token = staff_token if data.draw(st.booleans(), label="staff") else None
    arguments = root_arguments if token else {k: v for k, v in root_arguments.items() if k not in STAFF_ONLY}
    document, variables = data.draw(operations(arguments), label="query")
    # when the schema with the shortcut and the one without it answer it
    compiled = await _run(COMPILED, services, token, document, variables)
    general = await _run(GENERAL, services, token, document, variables)
    # then both answer alike, and the query was one the schema accepts (errors only while executing)
    assert compiled == general
    assert all("path" in error for error in compiled[1]), (document, compiled[1])
