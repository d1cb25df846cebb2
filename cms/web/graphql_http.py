"""The /graphql endpoint, following the GraphQL-over-HTTP specification.

POST (``application/json`` bodies) runs any operation; GET runs queries only, so that HTTP caches and
CDNs can help. Responses are ``application/graphql-response+json`` when the client accepts it (request
errors then get 4xx), else ``application/json`` (always 200 for a well-formed request). Errors carry
``extensions.code``; unexpected exceptions reach clients only as a generic message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from cms.errors import DomainError
from schema.context import Context
from schema.root import GongkaiSchema

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
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


@dataclass(frozen=True)
class GraphQLParams:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


class GraphQLEndpoint:
    def __init__(
        self,
        schema: GongkaiSchema,
        context_factory: Callable[[Request], Awaitable[Context]],
        *,
        max_request_bytes: int,
        graphiql: bool,
    ) -> None:
        self.schema = schema
        self.context_factory = context_factory
        self.max_request_bytes = max_request_bytes
        self.graphiql = graphiql

    async def handle(self, request: Request) -> Response:
        if (
            self.graphiql
            and request.method == "GET"
            and _wants_html(request)
            and "query" not in request.query_params
        ):
            return HTMLResponse(get_graphql_ide_html())
        try:
            media_type = _negotiate(request.headers.get("accept"))
            params = await self._params(request)
        except RequestError as exc:
            return _error_response(exc)
        try:
            context = await self.context_factory(request)
        except DomainError as exc:  # a bad or expired token: the client must sign in again
            return _error_response(RequestError(401, exc.code, exc.message, {"WWW-Authenticate": "Bearer"}))
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            result = await self.schema.execute(
                params.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:
            return _error_response(
                RequestError(405, "METHOD_NOT_ALLOWED", "GET 请求只能执行查询（query）。", {"Allow": "POST"})
            )
        except CannotGetOperationTypeError:
            return _error_response(
                RequestError(400, "OPERATION_NOT_FOUND", "找不到要执行的操作（operationName）。")
            )
        return self._respond(result, media_type)

    async def _params(self, request: Request) -> GraphQLParams:
        if request.method == "GET":
            q = request.query_params
            return _validate(
                {
                    "query": q.get("query"),
                    "variables": _json_param(q.get("variables"), "variables"),
                    "operationName": q.get("operationName"),
                    "extensions": _json_param(q.get("extensions"), "extensions"),
                }
            )
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

    def _respond(self, result: ExecutionResult, media_type: str) -> Response:
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [format_error(e) for e in result.errors]
        # No data and an error outside any field: the request as a whole failed (parse, validation).
        is_request_error = result.data is None and any(not e.path for e in result.errors or [])
        if not is_request_error:
            body["data"] = result.data
        status = 400 if is_request_error and media_type == GRAPHQL_RESPONSE else 200
        return Response(orjson.dumps(body), status_code=status, media_type=media_type)


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
    if not isinstance(query, str) or not query.strip():
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


def _negotiate(accept: str | None) -> str:
    if not accept:
        return JSON
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
    body = {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}
    return Response(orjson.dumps(body), status_code=exc.status, media_type=JSON, headers=exc.headers)
