"""The root schema: composes each domain's Query, and the limits a public endpoint needs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import strawberry
from graphql import FieldNode, GraphQLError, ValidationRule
from graphql.language.visitor import SKIP, VisitorAction
from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from cms.errors import DomainError, IntrospectionDisabled
from schema import types as t
from schema.audit import AuditQuery
from schema.calendar import CalendarMutation, CalendarQuery
from schema.changes import ChangesMutation, ChangesQuery
from schema.compliance import ComplianceQuery
from schema.cost import CostRules
from schema.execution import plain_field_executor
from schema.imports import ImportMutation, ImportQuery
from schema.labels import LabelsQuery
from schema.mutations import Mutation as BaseMutation
from schema.people import PeopleMutation, PeopleQuery
from schema.prepared import PreparedDocuments, PreparedDocumentsExtension
from schema.queries import PublicQuery
from schema.reading_room import ReadingRoomMutation, ReadingRoomQuery
from schema.reports import ReportMutation, ReportQuery
from schema.requests import RequestMutation, RequestQuery
from schema.search import SearchMutation, SearchQuery
from schema.staff import StaffQuery

SDL_PATH = Path(__file__).with_name("schema.graphql")
log = logging.getLogger("gongkai.graphql")


class GongkaiSchema(strawberry.Schema):
    prepared: PreparedDocuments  # parsed and validated documents by text (see schema.prepared)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Errors users cause are expected and carry their own codes; only log the unexpected ones.
        for error in errors:
            if error.original_error is not None and not isinstance(
                error.original_error, (DomainError, GraphQLError)
            ):
                log.error("unexpected error in GraphQL execution", exc_info=error.original_error)


@strawberry.type
class Query(
    PublicQuery,
    StaffQuery,
    SearchQuery,
    LabelsQuery,
    RequestQuery,
    PeopleQuery,
    AuditQuery,
    CalendarQuery,
    ReportQuery,
    ComplianceQuery,
    ReadingRoomQuery,
    ChangesQuery,
    ImportQuery,
):
    pass


@strawberry.type
class Mutation(
    BaseMutation,
    SearchMutation,
    RequestMutation,
    PeopleMutation,
    CalendarMutation,
    ReportMutation,
    ReadingRoomMutation,
    ChangesMutation,
    ImportMutation,
):
    pass


class NoIntrospection(ValidationRule):
    """Refuses ``__schema`` and ``__type`` (once each, not for every field below them), with a code;
    ``__typename`` is not introspection of the schema and still works."""

    def enter_field(self, node: FieldNode, *_args: Any) -> VisitorAction:
        if node.name.value not in ("__schema", "__type"):
            return None
        refusal = IntrospectionDisabled()
        self.report_error(GraphQLError(refusal.message, node, original_error=refusal))
        return SKIP


def build_schema(
    *,
    max_depth: int = 10,
    max_aliases: int = 30,
    max_tokens: int = 2000,
    cost: CostRules | None = None,
    introspection: bool = True,
    compiled_execution: bool = True,
) -> GongkaiSchema:
    """``cost``: the estimated answer size allowed (see schema.cost); None: not limited.
    ``compiled_execution``: plain fields take schema.execution's shortcut; off, graphql-core's
    general path answers every field (strawberry's own execution context)."""
    # Factories, not instances: strawberry builds fresh extensions for every request. The depth and
    # alias limits are validation rules (stateless classes): built once here, not per request (each
    # limiter builds a new rule class in its constructor, ~50 us of every uncached request).
    limits = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    if not introspection:
        limits.append(NoIntrospection)
    extensions: list[Any] = [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
    ]
    # Last: the limits above add their validation rules before a document is first validated.
    prepared = PreparedDocuments()
    extensions.append(lambda: PreparedDocumentsExtension(prepared, cost))
    schema = GongkaiSchema(
        query=Query,
        mutation=Mutation,
        types=t.CONTENT_GRAPHQL_TYPES,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=(
            plain_field_executor() if compiled_execution else StrawberryGraphQLCoreExecutionContext
        ),
    )
    schema.prepared = prepared
    return schema


def sdl() -> str:
    return build_schema().as_str() + "\n"
