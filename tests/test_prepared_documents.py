"""Parsed and validated documents are kept by text: the same answers, bounded memory."""

from __future__ import annotations

from graphql import parse

from schema.prepared import PreparedDocuments
from schema.root import build_schema

DEEP = "{ organizations { children { children { children { children { children { name } } } } } } }"


async def test_a_kept_document_answers_like_a_fresh_one() -> None:
    schema = build_schema()
    first = await schema.execute("{ __typename }")
    second = await schema.execute("{ __typename }")
    assert first.errors is None
    assert second.errors is None
    assert first.data == second.data == {"__typename": "Query"}
    kept = schema.prepared.get("{ __typename }")
    assert kept is not None
    assert kept.errors == []


async def test_validation_errors_are_reported_every_time() -> None:
    schema = build_schema(max_depth=3)
    for _ in range(3):
        unknown = await schema.execute("{ noSuchField }")
        assert unknown.errors
        assert "noSuchField" in unknown.errors[0].message
        too_deep = await schema.execute(DEEP)
        assert too_deep.errors
        assert "exceeds maximum operation depth" in too_deep.errors[0].message
    kept = schema.prepared.get(DEEP)
    assert kept is not None
    assert kept.errors
    assert len(schema.prepared) == 2


async def test_syntax_errors_are_reported_and_not_kept() -> None:
    schema = build_schema()
    for _ in range(2):
        result = await schema.execute("{ catalog(")
        assert result.errors
        assert "Syntax Error" in result.errors[0].message
    assert len(schema.prepared) == 0


def test_the_store_is_bounded_by_entries_and_text_length() -> None:
    store = PreparedDocuments(max_entries=3, max_text=40)
    for n in range(5):
        text = f"{{ a{n} }}"
        store.put(text, parse(text))
    assert len(store) == 3
    assert store.get("{ a0 }") is None
    assert store.get("{ a4 }") is not None
    store.get("{ a2 }")  # recently used: survives the next insertion
    store.put("{ a5 }", parse("{ a5 }"))
    assert store.get("{ a2 }") is not None
    assert store.get("{ a3 }") is None
    long_text = "{ " + "b " * 30 + "}"
    assert store.put(long_text, parse(long_text)) is None
    assert store.get(long_text) is None
