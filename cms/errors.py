"""Errors a user can cause: a stable code (for programs) and a plain Chinese message (for people).

Every service raises these; the GraphQL layer turns them into ``extensions.code``. Anything else that
escapes is a bug, and clients see only a generic message.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "BAD_REQUEST"
    default_message: ClassVar[str] = "请求无效。"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


class NotFound(DomainError):
    code = "NOT_FOUND"
    default_message = "未找到该内容。"


class InvalidInput(DomainError):
    code = "BAD_USER_INPUT"
    default_message = "输入内容不正确。"


class InvalidCursor(DomainError):
    code = "INVALID_CURSOR"
    default_message = "分页游标无效或已被篡改，请从第一页重新查询。"


class PageSizeExceeded(DomainError):
    code = "PAGE_SIZE_EXCEEDED"
    default_message = "每页条数超出上限。"


class InvalidId(DomainError):
    code = "INVALID_ID"
    default_message = "ID 格式不正确。"


class Forbidden(DomainError):
    code = "FORBIDDEN"
    default_message = "您没有执行此操作的权限。"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
    default_message = "请先登录。"


class Conflict(DomainError):
    code = "CONFLICT"
    default_message = "内容已被他人修改，请刷新后重试。"


class IndexNumberError(DomainError):
    code = "INDEX_NUMBER_ERROR"
    default_message = "索引号生成失败。"


class ImmutableIndexNumber(DomainError):
    code = "INDEX_NUMBER_IMMUTABLE"
    default_message = "已发布内容的索引号不可更改。"
