"""The snippet of a search hit: its best field (the one holding most query terms), highlighted, and
for a gazette issue the article that matches."""

from __future__ import annotations

from collections.abc import Sequence

from cms.content.entries import MAX_FIELD_CHARS, field_texts, indexed
from cms.content.kinds import kind_of
from cms.search.ranking import highlight
from cms.search.text import QueryTokens, normalize
from storage.documents import ContentDocument, GazetteArticle, GazetteIssue


def _coverage(text: str, q: QueryTokens) -> int:
    """How many query terms (or the identifier) the text holds."""
    if not text:
        return 0
    normalized = normalize(text[:MAX_FIELD_CHARS])
    found = sum(1 for t in q.terms if t in normalized)
    if q.exact is not None and q.exact in normalized.replace(" ", ""):
        found = max(found, len(q.terms))
    return found


def _best(texts: Sequence[str], q: QueryTokens) -> tuple[str, int]:
    """The first text holding every term, else the one holding most; (text, terms held)."""
    best, best_count = "", 0
    for text in texts:
        count = _coverage(text, q)
        if count >= len(q.terms):
            return text, count
        if count > best_count:
            best, best_count = text, count
    return best, best_count


def _snippet(text: str, q: QueryTokens) -> str:
    return highlight(text[:MAX_FIELD_CHARS], q)


def present(item: ContentDocument, q: QueryTokens) -> tuple[str, GazetteArticle | None]:
    """The snippet of a hit (title if it matches, else the matching body text, transcript turn,
    article or attachment text) and, for a gazette issue, the article that matches."""
    full, item = item, indexed(item)
    if isinstance(item, GazetteIssue) and isinstance(full, GazetteIssue):
        snippet, article = _present_issue(item, q)
        # The stored article: whether its body may be read is decided where it is read (cms.content.visibility).
        return snippet, next((a for a in full.articles if article and a.id == article.id), None)
    own = kind_of(item).snippet_texts
    if own is not None:
        texts = own(item)
    else:
        texts = [text for name, text, _ in field_texts(item) if name != "keywords" and text]
    best, count = _best([t for t in texts if t], q)
    if count == 0:
        fallback = getattr(item, "summary", "") or getattr(item, "body", "") or item.description or item.title
        return _snippet(fallback, q), None
    return _snippet(best, q), None


def _present_issue(issue: GazetteIssue, q: QueryTokens) -> tuple[str, GazetteArticle | None]:
    if _coverage(issue.title, q) >= len(q.terms):
        return _snippet(issue.title, q), None
    best_article: GazetteArticle | None = None
    best_text, best_count = "", 0
    for article in sorted(issue.articles, key=lambda a: a.order):
        texts = [article.title, article.document_number or "", article.body]
        combined = _coverage("\n".join(texts), q)
        if combined > best_count:
            text, _ = _best([t for t in texts if t], q)
            best_article, best_text, best_count = article, text, combined
    if best_article is None:
        text, count = _best([issue.description, issue.attachment_text], q)
        return _snippet(text if count else issue.title, q), None
    return _snippet(best_text, q), best_article
