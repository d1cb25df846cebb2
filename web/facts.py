"""What is known about the request being answered, in one context variable set once per request.

``web.observe.Observe`` sets ``REQUEST`` when a request comes in; the layers inside report what only
they know (the GraphQL operation and how the response cache answered, the user, the first error
code) through ``note_*``, the access line and the metrics read it when the answer is done, and
``web.logs`` writes its request id into every line logged meanwhile. Outside a request (start-up,
background jobs, tests calling a layer directly) ``REQUEST`` is None and ``note_*`` do nothing but
count errors.
"""

from __future__ import annotations

import contextvars

from cms.observe.metrics import record_error


class RequestFacts:
    """One request as observed. Defaults are class attributes: a request sets only what it learns
    (creating the object is on every request's path, a response-cache hit's too)."""

    status = 500  # until the answer starts
    operation: str | None = None
    cache: str | None = None  # how the response cache answered: hit, miss, bypass
    user: str | None = None
    outcome: str | None = None  # the first error code answered

    def __init__(self, request_id: bytes) -> None:
        self.request_id = request_id  # ASCII, as it goes into the X-Request-ID header


REQUEST: contextvars.ContextVar[RequestFacts | None] = contextvars.ContextVar("gongkai_request", default=None)


def note_operation(operation: str, cache: str) -> None:
    facts = REQUEST.get()
    if facts is not None:
        facts.operation, facts.cache = operation, cache


def note_user(user_id: str) -> None:
    facts = REQUEST.get()
    if facts is not None:
        facts.user = user_id


def note_error(code: str) -> None:
    """Counted in ``gongkai_errors_total``; the first one is the request's outcome in its log line."""
    record_error(code)
    facts = REQUEST.get()
    if facts is not None and facts.outcome is None:
        facts.outcome = code
