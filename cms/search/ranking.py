"""Ranking and highlighting of search matches: pure functions over what cms.search.text builds (the
stored token weights, the query's terms, phrases and identifier)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from cms.search.text import DEFAULT_WEIGHT, QueryTokens, normalize_mapped

EXACT_BONUS = 100.0
BOOST_FACTOR = 0.5
_WHITESPACE = re.compile(r"\s+")


# --------------------------------------------------------------------------------------------------
# Ranking
# --------------------------------------------------------------------------------------------------


def score(doc_weights: Mapping[str, float], q: QueryTokens) -> float:
    """Rank a document that matched ``q`` (holds all its terms) by its stored :func:`token_weights`.

    The mean weight of the terms (a missing one counts :data:`DEFAULT_WEIGHT`), plus half the mean
    weight of the boost words the document holds as words, plus :data:`EXACT_BONUS` when the document
    has a field that is exactly the queried identifier.
    """
    total = 0.0
    if q.exact is not None and q.exact in doc_weights:
        total += EXACT_BONUS
    if q.terms:
        total += sum(doc_weights.get(t, DEFAULT_WEIGHT) for t in q.terms) / len(q.terms)
    if q.boost:
        total += BOOST_FACTOR * sum(doc_weights.get(w, 0.0) for w in q.boost) / len(q.boost)
    return total


# --------------------------------------------------------------------------------------------------
# Highlighting
# --------------------------------------------------------------------------------------------------

_MAX_OCCURRENCES = 64


def _find_all(haystack: str, needle: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    at = haystack.find(needle)
    while at >= 0 and len(spans) < _MAX_OCCURRENCES:
        spans.append((at, at + len(needle)))
        at = haystack.find(needle, at + 1)
    return spans


def _match_spans(normalized: str, q: QueryTokens) -> list[tuple[int, int]]:
    """Spans of the normalized text to mark: whole phrases where they occur, else the terms."""
    spans: list[tuple[int, int]] = []
    found: list[str] = []
    for phrase in sorted({*q.phrases, *([q.exact] if q.exact else [])}, key=len, reverse=True):
        hits = _find_all(normalized, phrase)
        if hits:
            spans.extend(hits)
            found.append(phrase)
    for term in q.terms:
        if not any(term in phrase for phrase in found):
            spans.extend(_find_all(normalized, term))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _escape(text: str) -> str:
    return html.escape(_WHITESPACE.sub(" ", text), quote=True)


def highlight(
    text: str, q: QueryTokens, *, width: int = 80, mark: tuple[str, str] = ("<em>", "</em>")
) -> str:
    """An HTML snippet of about ``width`` characters around the first match, matches wrapped in
    ``mark``; all text is HTML-escaped (the marks are inserted as given). Without a match: the start
    of the text."""
    normalized, where = normalize_mapped(text)
    spans = [(where[a], where[b - 1] + 1) for a, b in _match_spans(normalized, q)]
    width = max(width, 1)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    out: list[str] = ["…"] if start > 0 else []
    at = start
    for a, b in spans:
        a, b = max(a, at), min(b, end)
        if a >= b:
            continue
        out.append(_escape(text[at:a]))
        out.append(mark[0] + _escape(text[a:b]) + mark[1])
        at = b
    out.append(_escape(text[at:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)
