"""Parsed and validated documents, kept by their text.

Clients send a handful of distinct documents (the portals' and the admin app's queries), each
thousands of times with different variables. Parsing and validating one is a third of the CPU of an
uncached catalog page (measured with cProfile, see bench/README.md), and the outcome depends only on
the text and the schema, so each distinct text is prepared once. The store is bounded by entries and
skips long texts, so a client cannot grow it without limit by sending ever new documents.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension


@dataclass
class Prepared:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # None: not validated yet


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

    Errors are never raised from here: on a miss strawberry parses and validates as usual (its own
    error handling applies) and the outcome is kept afterwards; syntax errors are not kept."""

    def __init__(self, store: PreparedDocuments) -> None:
        super().__init__()
        self.store = store
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
        prepared = self.prepared
        usable = prepared is not None and prepared.document is context.graphql_document
        if usable and prepared is not None and prepared.errors is not None:
            context.pre_execution_errors = list(prepared.errors)
        yield
        if usable and prepared is not None and prepared.errors is None:
            prepared.errors = list(context.pre_execution_errors or [])
