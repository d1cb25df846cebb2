"""The /graphql endpoint, following the GraphQL-over-HTTP specification.

POST (``application/json`` bodies) runs any operation; GET runs queries only, so that HTTP caches and
CDNs can help. Responses are ``application/graphql-response+json`` when the client accepts it (request
errors then get 4xx), else ``application/json`` (always 200 for a well-formed request). Errors carry
``extensions.code``; unexpected exceptions reach clients only as a generic message.

Anonymous requests (no ``Authorization`` header) are answered from the public response cache when
possible (``web.cache``); their GET answers carry a strong ``ETag`` and ``Cache-Control: public``,
and ``If-None-Match`` gets a 304 without executing anything. Everything else is ``private, no-store``.
Automatic persisted queries (Apollo's protocol, ``extensions.persistedQuery``) work over GET and POST.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, parse
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from cms.errors import DomainError
from cms.observe.metrics import operation_label
from schema.context import Context
from schema.root import GongkaiSchema
from web.cache import (
    BoundedLRU,
    CachedAnswer,
    DocumentKeys,
    PersistedQueries,
    ResponseCache,
    document_hash,
    etag_matches,
)
from web.facts import note_error, note_operation
from web.faults import RETRY_AFTER, fault_of, unavailable_body
from web.graphiql import OfflinePage, page_response

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
NO_STORE = "private, no-store"
VARY = "Accept, Authorization"
QUERIES = frozenset({OperationType.QUERY})
ANY_OPERATION = frozenset({OperationType.QUERY, OperationType.MUTATION})
KEPT_GET_PARAMS = 1024  # decoded GET query strings kept (see GraphQLEndpoint._get_params)
MAX_KEPT_QUERY_STRING = 8 * 1024  # bytes; longer ones are decoded every time
KEPT_DOCUMENT_KEYS = 1024  # document texts whose canonical cache key is remembered (see DocumentKeys)
MAX_KEPT_DOCUMENT = 16 * 1024  # characters; longer texts are parsed for their key every time
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
log = logging.getLogger("gongkai.http")

_LIMIT_CODES = [
    (re.compile(r"exceeds maximum operation depth"), "QUERY_TOO_DEEP", "查询嵌套层级超出上限。"),
    (re.compile(r"aliases found"), "TOO_MANY_ALIASES", "查询使用的别名数量超出上限。"),
    (re.compile(r"more than \d+ tokens"), "QUERY_TOO_LARGE", "查询过长。"),
]


class RequestError(Exception):
    """The HTTP request itself is unusable (not a GraphQL error)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class PersistedQueryNotFound(Exception):
    """A persisted-query hash this process does not know: the client sends the document next."""


@dataclass(frozen=True)
class GraphQLParams:
    query: str | None  # None only when a persisted query's hash stands in for it
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


@dataclass(frozen=True)
class Document:
    text: str
    sha256: str | None  # known for persisted queries; computed when a cache needs it
    register: bool = False  # a persisted query sent with its document: keep it once it validates


@dataclass(frozen=True)
class Encoded:
    status: int
    body: bytes
    has_errors: bool
    request_error: bool  # the document itself was unusable (parse, validation)
    query: bool = True  # False: a mutation ran

    @property
    def cacheable(self) -> bool:
        return self.query and self.status == 200 and not self.has_errors


class GraphQLEndpoint:
    def __init__(
        self,
        schema: GongkaiSchema,
        context_factory: Callable[[Request], Awaitable[Context]],
        *,
        max_request_bytes: int,
        graphiql: bool,
        cache: ResponseCache | None = None,
        persisted: PersistedQueries | None = None,
        base_url: Callable[[Request], str] | None = None,
        http_max_age: int = 30,
        max_tokens: int | None = None,
        graphiql_headers: dict[str, str] | None = None,
        graphiql_page: OfflinePage | None = None,
    ) -> None:
        self.schema = schema
        self.context_factory = context_factory
        self.max_request_bytes = max_request_bytes
        self.graphiql = graphiql
        self.cache = cache
        self.persisted = persisted
        self.base_url = base_url or (lambda request: str(request.base_url).rstrip("/"))
        self.http_max_age = http_max_age
        self.max_tokens = max_tokens
        self.graphiql_headers = {"Cache-Control": "no-cache", "Vary": "Accept", **(graphiql_headers or {})}
        self.graphiql_page = graphiql_page or OfflinePage(get_graphql_ide_html(), {}, ())
        self._document_keys = DocumentKeys(
            self._parse, max_entries=KEPT_DOCUMENT_KEYS, max_text=MAX_KEPT_DOCUMENT
        )
        self._kept_params: BoundedLRU[GraphQLParams] = BoundedLRU(  # see _get_params
            KEPT_GET_PARAMS, KEPT_GET_PARAMS * MAX_KEPT_QUERY_STRING
        )
        self._kept_keys: BoundedLRU[bytes] = BoundedLRU(  # see _cache_key
            KEPT_GET_PARAMS, KEPT_GET_PARAMS * MAX_KEPT_QUERY_STRING
        )
        self._labels: BoundedLRU[str] = BoundedLRU(  # see _operation_label
            KEPT_DOCUMENT_KEYS, KEPT_DOCUMENT_KEYS * MAX_KEPT_DOCUMENT
        )

    async def handle(self, request: Request) -> Response:
        if (
            self.graphiql
            and request.method == "GET"
            and _wants_html(request)
            and "query" not in request.query_params
            and "extensions" not in request.query_params
        ):
            return page_response(self.graphiql_page, self.graphiql_headers)
        try:
            media_type = _negotiate(request.headers.get("accept"))
            params = await self._params(request)
            document = self._document(params)
        except PersistedQueryNotFound:
            return _persisted_query_not_found()
        except RequestError as exc:
            return _error_response(exc)
        if self.cache is not None and "authorization" not in request.headers:
            return await self._public(self.cache, request, params, document, media_type)
        note_operation(self._operation_label(params, document), "bypass")
        outcome = await self._run(request, params, document, media_type, ANY_OPERATION)
        if isinstance(outcome, Response):
            return outcome
        return self._plain(request, outcome, media_type)

    async def _public(
        self,
        cache: ResponseCache,
        request: Request,
        params: GraphQLParams,
        document: Document,
        media_type: str,
    ) -> Response:
        """The same answer for every anonymous reader: from the cache, or computed once and kept."""
        key = self._cache_key(request, params, document, media_type)
        answer = await cache.lookup(key)
        if answer is not None:
            note_operation(self._operation_label(params, document), "hit")
            self._remember(document)  # the same document already ran without errors
            return self._cached(request, answer, media_type)
        note_operation(self._operation_label(params, document), "miss")
        async with cache.computing(key) as flight:
            # Queries first, even over POST: only an operation known to be a query may be kept.
            outcome = await self._run(request, params, document, media_type, QUERIES)
            if isinstance(outcome, Response):
                return outcome
            if outcome.cacheable:
                flight.answer = await cache.store(key, flight.ticket, outcome.body, media_type)
        if flight.answer is not None:
            return self._cached(request, flight.answer, media_type)
        return self._plain(request, outcome, media_type)

    def _cache_key(
        self, request: Request, params: GraphQLParams, document: Document, media_type: str
    ) -> bytes:
        """The response cache's key; a GET's is kept per query string, like its parameters (hashing
        the document and the variables was a fifth of a cache hit's work)."""
        base_url = self.base_url(request)
        raw: bytes | None = request.scope.get("query_string", b"") if request.method == "GET" else None
        kept_as = (
            (raw, media_type, base_url) if raw is not None and len(raw) <= MAX_KEPT_QUERY_STRING else None
        )
        if kept_as is not None and (kept := self._kept_keys.get(kept_as)) is not None:
            return kept
        key = ResponseCache.key(
            document=self._document_keys(document.text),
            variables=params.variables,
            operation_name=params.operation_name,
            media_type=media_type,
            base_url=base_url,
        )
        if kept_as is not None:
            self._kept_keys.put(kept_as, key, len(kept_as[0] or b"") + len(base_url) + len(key))
        return key

    async def _run(
        self,
        request: Request,
        params: GraphQLParams,
        document: Document,
        media_type: str,
        operations: frozenset[OperationType],
    ) -> Encoded | Response:
        try:
            context = await self.context_factory(request)
        except DomainError as exc:  # a bad or expired token: the client must sign in again
            return _error_response(RequestError(401, exc.code, exc.message, {"WWW-Authenticate": "Bearer"}))
        allowed = QUERIES if request.method == "GET" else operations
        if params.operation_name is None and self._operations_in(document.text) > 1:
            # strawberry would run the first one; GraphQL-over-HTTP says the request is unusable
            return _error_response(_operation_not_chosen(None, 2, media_type))
        try:
            try:
                encoded = self._encode(await self._execute(document, params, context, allowed), media_type)
                return replace(encoded, query=False) if context.uncacheable else encoded
            except InvalidOperationTypeError as exc:
                if request.method == "GET" or exc.operation_type is not OperationType.MUTATION:
                    raise
                # A mutation sent anonymously over POST: it runs, its answer is simply never kept.
                result = await self._execute(document, params, context, ANY_OPERATION)
                return replace(self._encode(result, media_type), query=False)
        except InvalidOperationTypeError:
            if request.method == "GET":
                return _error_response(
                    RequestError(
                        405, "METHOD_NOT_ALLOWED", "GET 请求只能执行查询（query）。", {"Allow": "POST"}
                    )
                )
            return _error_response(
                RequestError(400, "OPERATION_NOT_SUPPORTED", "只支持查询（query）和变更（mutation）。")
            )
        except CannotGetOperationTypeError:
            return _error_response(_operation_not_chosen(params.operation_name, 0, media_type))

    def _operation_label(self, params: GraphQLParams, document: Document) -> str:
        """The operation's metric label: ``operationName``, else the name of the document's one
        operation (kept per text, so a cache hit does not parse)."""
        if params.operation_name is not None:
            return operation_label(params.operation_name)
        found = self._labels.get(document.text)
        if found is None:
            try:
                definitions = self._parse(document.text).definitions
            except GraphQLError:
                return operation_label(None)
            operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
            name = operations[0].name if len(operations) == 1 else None
            found = operation_label(name.value if name is not None else None)
            if len(document.text) <= MAX_KEPT_DOCUMENT:
                self._labels.put(document.text, found, len(document.text))
        return found

    def _operations_in(self, text: str) -> int:
        """How many operations the document defines (0 when it does not parse: execution says why)."""
        try:
            definitions = self._parse(text).definitions
        except GraphQLError:
            return 0
        return sum(isinstance(definition, OperationDefinitionNode) for definition in definitions)

    def _parse(self, text: str) -> DocumentNode:
        """The parsed document, shared with the schema's store of prepared documents: the execution
        that follows a cache miss then does not parse the same text again."""
        prepared = self.schema.prepared.get(text)
        if prepared is not None:
            return prepared.document
        document = parse(text, max_tokens=self.max_tokens)
        self.schema.prepared.put(text, document)
        return document

    async def _execute(
        self,
        document: Document,
        params: GraphQLParams,
        context: Context,
        allowed: frozenset[OperationType],
    ) -> ExecutionResult:
        result = await self.schema.execute(
            document.text,
            variable_values=params.variables,
            context_value=context,
            operation_name=params.operation_name,
            allowed_operation_types=allowed,
        )
        if not _failed_as_a_whole(result):
            self._remember(document)
        return result

    def _remember(self, document: Document) -> None:
        if document.register and document.sha256 and self.persisted is not None:
            self.persisted.put(document.sha256, document.text)

    def _document(self, params: GraphQLParams) -> Document:
        """The document to run: as sent, or looked up / registered by its persisted-query hash."""
        persisted = (params.extensions or {}).get("persistedQuery")
        if persisted is None:
            if params.query is None:
                raise RequestError(400, "BAD_REQUEST", "缺少 query 参数。")
            return Document(params.query, None)
        if self.persisted is None:
            raise RequestError(400, "PERSISTED_QUERY_NOT_SUPPORTED", "本服务未启用持久化查询。")
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise RequestError(400, "PERSISTED_QUERY_VERSION_NOT_SUPPORTED", "只支持第 1 版持久化查询。")
        sha256 = persisted.get("sha256Hash")
        if not isinstance(sha256, str) or not _SHA256_HEX.match(sha256.lower()):
            raise RequestError(400, "BAD_REQUEST", "persistedQuery.sha256Hash 必须是 64 位十六进制 SHA-256。")
        sha256 = sha256.lower()
        if params.query is None:
            known = self.persisted.get(sha256)
            if known is None:
                raise PersistedQueryNotFound()
            return Document(known, sha256)
        if document_hash(params.query) != sha256:
            raise RequestError(
                400, "PERSISTED_QUERY_HASH_MISMATCH", "persistedQuery.sha256Hash 与查询文本的 SHA-256 不符。"
            )
        return Document(params.query, sha256, register=True)

    async def _params(self, request: Request) -> GraphQLParams:
        if request.method == "GET":
            return self._get_params(request.scope.get("query_string", b""))
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise RequestError(415, "UNSUPPORTED_MEDIA_TYPE", "请求体必须是 application/json。")
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_request_bytes:
            raise RequestError(413, "REQUEST_TOO_LARGE", "请求体过大。")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_request_bytes:
                raise RequestError(413, "REQUEST_TOO_LARGE", "请求体过大。")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise RequestError(400, "BAD_REQUEST", "请求体不是合法的 JSON。") from exc
        if not isinstance(data, dict):
            raise RequestError(400, "BAD_REQUEST", "请求体必须是 JSON 对象。")
        return _validate(data)

    def _get_params(self, raw: bytes) -> GraphQLParams:
        """A GET's parameters, kept per query string: portals send the same few URLs again and again,
        and decoding one (the whole document, URL-encoded, and the JSON variables) was about half of
        the work of answering it from the response cache. Only valid parameters are kept, at most
        ``KEPT_GET_PARAMS`` of at most ``MAX_KEPT_QUERY_STRING`` bytes, least recently used first out.
        Kept parameters are shared by the requests that send the same URL: never modify them."""
        kept = self._kept_params.get(raw)
        if kept is not None:
            return kept
        q = QueryParams(raw)
        params = _validate(
            {
                "query": q.get("query"),
                "variables": _json_param(q.get("variables"), "variables"),
                "operationName": q.get("operationName"),
                "extensions": _json_param(q.get("extensions"), "extensions"),
            }
        )
        if len(raw) <= MAX_KEPT_QUERY_STRING:
            self._kept_params.put(raw, params, len(raw))
        return params

    def _encode(self, result: ExecutionResult, media_type: str) -> Encoded:
        faults = [f for e in result.errors or [] if (f := fault_of(e.original_error)) is not None]
        if faults:  # a service is down: the answer would be partial, so none is given (503)
            return Encoded(503, unavailable_body(faults[:1]), True, False)
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [format_error(e) for e in result.errors]
        request_error = _failed_as_a_whole(result)
        if not request_error:
            body["data"] = result.data
        status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
        return Encoded(status, orjson.dumps(body), bool(result.errors), request_error)

    def _cached(self, request: Request, answer: CachedAnswer, media_type: str) -> Response:
        if request.method != "GET":
            return Response(answer.body, media_type=media_type, headers={"Cache-Control": NO_STORE})
        headers = {"ETag": answer.etag, "Cache-Control": self._public_control(answer), "Vary": VARY}
        if etag_matches(request.headers.get("if-none-match"), answer.etag):
            return Response(status_code=304, headers=headers)
        return _CachedResponse(answer, media_type, headers["Cache-Control"])

    def _plain(self, request: Request, outcome: Encoded, media_type: str) -> Response:
        headers = {"Cache-Control": NO_STORE}
        if outcome.status == 503:
            headers["Retry-After"] = RETRY_AFTER
        if request.method == "GET":
            headers["Vary"] = VARY
        return Response(outcome.body, status_code=outcome.status, media_type=media_type, headers=headers)

    def _public_control(self, answer: CachedAnswer) -> str:
        # Never tell a downstream cache to keep an answer past the moment it stops being true here.
        now = self.cache.now() if self.cache is not None else time.time()  # by the cache's own clock
        max_age = max(0, min(self.http_max_age, int(answer.expires - now)))
        return f"public, max-age={max_age}, stale-while-revalidate={self.http_max_age}"


def _operation_not_chosen(operation_name: str | None, operations: int, media_type: str) -> RequestError:
    """Why no operation could be picked (GraphQL-over-HTTP): several without ``operationName``, none
    of that name, or none at all. A request error, so 400 for graphql-response+json and 200 for plain
    JSON, like a validation error; nothing was executed."""
    status = 400 if media_type == GRAPHQL_RESPONSE else 200
    if operation_name is not None:
        return RequestError(status, "OPERATION_NOT_FOUND", "文档中没有 operationName 所指定的操作。")
    if operations > 1:
        return RequestError(
            status, "OPERATION_NAME_REQUIRED", "文档中有多个操作，请用 operationName 指明要执行哪一个。"
        )
    return RequestError(status, "OPERATION_NOT_FOUND", "文档中没有可执行的操作。")


def _failed_as_a_whole(result: ExecutionResult) -> bool:
    """No data and an error outside any field: the request as a whole failed (parse, validation)."""
    return result.data is None and any(not e.path for e in result.errors or [])


def format_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = {}
    original = error.original_error
    if isinstance(original, DomainError):
        formatted["message"] = original.message
        extensions: dict[str, Any] = {"code": original.code}
        if field := original.details.get("field"):
            extensions["field"] = field
    elif original is not None and not isinstance(original, GraphQLError):
        formatted["message"] = "服务器内部错误，请稍后重试。"
        extensions = {"code": "INTERNAL_SERVER_ERROR"}
    else:
        formatted["message"], extensions = _request_error(error)
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        formatted["path"] = error.path
    formatted["extensions"] = extensions
    note_error(extensions["code"])
    return formatted


def _request_error(error: GraphQLError) -> tuple[str, dict[str, Any]]:
    for pattern, code, message in _LIMIT_CODES:
        if pattern.search(error.message):
            return message, {"code": code}
    if isinstance(error, GraphQLSyntaxError):
        return f"GraphQL 语法错误：{error.message}", {"code": "GRAPHQL_PARSE_FAILED"}
    if error.message.startswith("Variable "):
        return f"变量值不正确：{error.message}", {"code": "BAD_USER_INPUT"}
    return f"GraphQL 查询校验失败：{error.message}", {"code": "GRAPHQL_VALIDATION_FAILED"}


def _validate(data: dict[str, Any]) -> GraphQLParams:
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    if query is None and isinstance(extensions, dict) and "persistedQuery" in extensions:
        pass  # the hash stands in for the document
    elif not isinstance(query, str) or not query.strip():
        raise RequestError(400, "BAD_REQUEST", "缺少 query 参数。")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, "BAD_REQUEST", "variables 必须是 JSON 对象。")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(400, "BAD_REQUEST", "operationName 必须是字符串。")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError(400, "BAD_REQUEST", "extensions 必须是 JSON 对象。")
    return GraphQLParams(query, variables, operation_name, extensions)


def _json_param(value: str | None, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, "BAD_REQUEST", f"{name} 参数不是合法的 JSON。") from exc


class _CachedResponse(Response):
    """A kept answer as Starlette's ``Response`` would send it, without building its headers anew
    (header dicts, lower-casing and encoding were a fifth of answering a cache hit in-process)."""

    def __init__(self, answer: CachedAnswer, media_type: str, cache_control: str) -> None:
        self.status_code = 200
        self.body = answer.body
        self.background = None
        self.raw_headers = [
            (b"content-length", str(len(answer.body)).encode("latin-1")),
            (b"content-type", media_type.encode("latin-1")),
            (b"etag", answer.etag.encode("latin-1")),
            (b"cache-control", cache_control.encode("latin-1")),
            (b"vary", VARY.encode("latin-1")),
        ]


MAX_NEGOTIATED = 256
_NEGOTIATED: BoundedLRU[str] = BoundedLRU(MAX_NEGOTIATED, MAX_NEGOTIATED * 512)  # Accept -> media type


def _negotiate(accept: str | None) -> str:
    if not accept:
        return JSON
    found = _NEGOTIATED.get(accept)
    if found is None:
        found = _negotiate_uncached(accept)  # raises for an unacceptable header: never kept
        _NEGOTIATED.put(accept, found, len(accept))
    return found


def _negotiate_uncached(accept: str) -> str:
    ranked = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked.append((q, media.strip().lower()))
    for _q, media in sorted(ranked, key=lambda r: -r[0]):
        if _q <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media in (JSON, "application/*", "*/*"):
            return JSON
    raise RequestError(
        406, "NOT_ACCEPTABLE", "只支持 application/graphql-response+json 或 application/json 响应。"
    )


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _error_response(exc: RequestError) -> Response:
    note_error(exc.code)
    body = {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}
    headers = {"Cache-Control": NO_STORE, **exc.headers}
    return Response(orjson.dumps(body), status_code=exc.status, media_type=JSON, headers=headers)


def _persisted_query_not_found() -> Response:
    """200 with the message Apollo's clients look for, so they send the document next; never cached."""
    note_error("PERSISTED_QUERY_NOT_FOUND")
    body = {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }
    return Response(orjson.dumps(body), media_type=JSON, headers={"Cache-Control": NO_STORE, "Vary": VARY})
