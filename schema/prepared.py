"""Parsed and validated documents, kept by their text.

Clients send a handful of distinct documents (the portals' and the admin app's queries), each
thousands of times with different variables. Parsing and validating one is a third of the CPU of an
uncached catalog page (measured with cProfile, see bench/README.md), and the outcome depends only on
the text and the schema, so each distinct text is prepared once. The store is bounded by entries and
skips long texts, so a client cannot grow it without limit by sending ever new documents.

The cost estimate (schema.cost) is prepared with validation, once per text, as a plan that each
request evaluates for its own variables: a document too costly for the variables sent is refused
before execution, and the same document with smaller sizes still runs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.cost import CostPlan, CostRules, plan


@dataclass
class Prepared:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # None: not validated yet
    cost: CostPlan | None = None  # of a valid document, when the schema limits cost


class PreparedDocuments:
    """A bounded LRU of documents by text (shared by the requests of one schema)."""

    def __init__(self, *, max_entries: int = 512, max_text: int = 16_384) -> None:
        self.max_entries = max_entries
        self.max_text = max_text
        self._items: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()  # sync resolvers may run in threads; keep the dict consistent

    def __len__(self) -> int:
        return len(self._items)

    def get(self, text: str) -> Prepared | None:
        with self._lock:
            found = self._items.get(text)
            if found is not None:
                self._items.move_to_end(text)
            return found

    def put(self, text: str, document: DocumentNode) -> Prepared | None:
        if len(text) > self.max_text:
            return None
        prepared = Prepared(document)
        with self._lock:
            self._items[text] = prepared
            self._items.move_to_end(text)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return prepared


class PreparedDocumentsExtension(SchemaExtension):
    """Skips parsing and validation for a text prepared before. Pass as a factory, one store per schema.

    Errors are never raised from here: on a parse miss strawberry parses as usual (its own error
    handling applies) and the document is kept afterwards; syntax errors are not kept. Validation is
    run here (strawberry skips its own once errors are set), then the cost check for this request."""

    def __init__(self, store: PreparedDocuments, cost: CostRules | None = None) -> None:
        super().__init__()
        self.store = store
        self.cost = cost
        self.prepared: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        if text and context.graphql_document is None:
            self.prepared = self.store.get(text)
            if self.prepared is not None:
                context.graphql_document = self.prepared.document
        yield
        if text and self.prepared is None and context.graphql_document is not None:
            self.prepared = self.store.put(text, context.graphql_document)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None or context.pre_execution_errors is not None:
            yield  # nothing to validate, or validated already by someone else
            return
        prepared = self.prepared
        if prepared is None or prepared.document is not document:
            prepared = Prepared(document)  # not kept (a long text): prepared for this request only
        if prepared.errors is None:
            errors = validate_document(context.schema._schema, document, tuple(context.validation_rules))
            if not errors and self.cost is not None:
                prepared.cost = plan(context.schema._schema, document, self.cost)
            prepared.errors = errors  # last: another request may read the plan once errors are set
        errors = list(prepared.errors)
        if not errors and prepared.cost is not None and self.cost is not None:
            too_costly = prepared.cost.check(self.cost, context.operation_name, context.variables)
            if too_costly is not None:
                errors.append(too_costly)
        context.pre_execution_errors = errors
        yield
