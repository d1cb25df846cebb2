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


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"
    default_message = "用户名或密码错误。"


class TooManyAttempts(DomainError):
    code = "TOO_MANY_ATTEMPTS"
    default_message = "登录失败次数过多，请稍后再试。"


class AccountDisabled(DomainError):
    code = "ACCOUNT_DISABLED"
    default_message = "账号已停用，请联系管理员。"


class TokenExpired(DomainError):
    code = "TOKEN_EXPIRED"
    default_message = "登录已过期，请重新登录。"


class TokenInvalid(DomainError):
    code = "TOKEN_INVALID"
    default_message = "登录凭证无效，请重新登录。"


class TokenRevoked(DomainError):
    code = "TOKEN_REVOKED"
    default_message = "登录凭证已注销，请重新登录。"


class WeakPassword(DomainError):
    code = "WEAK_PASSWORD"
    default_message = "密码至少 10 位，且须同时包含字母和数字。"


class PasswordChangeRequired(DomainError):
    code = "PASSWORD_CHANGE_REQUIRED"
    default_message = "管理员已重置您的密码，请先修改密码。"


class TransitionNotAllowed(DomainError):
    code = "TRANSITION_NOT_ALLOWED"
    default_message = "当前状态下不能执行该操作。"


class SeparationOfDuties(DomainError):
    code = "SEPARATION_OF_DUTIES"
    default_message = "同一人不能在同一事项的两个审核环节签署意见，也不能审核自己起草的内容。"


class ConfidentialityRequired(DomainError):
    code = "CONFIDENTIALITY_REVIEW_REQUIRED"
    default_message = "请先完成保密审查并填写审查结论。"


class ConfidentialityBlocks(DomainError):
    code = "CONFIDENTIALITY_BLOCKS_RELEASE"
    default_message = "保密审查认定内容涉及秘密或隐私，不得按主动公开发布。"


class ConfirmationPending(DomainError):
    code = "CONFIRMATION_PENDING"
    default_message = "涉及其他机构的信息，须经相关机构确认后方可发布。"


class InterpretedDocumentNotPublished(DomainError):
    code = "INTERPRETED_DOCUMENT_NOT_PUBLISHED"
    default_message = "所解读的文件尚未发布：政策解读须在所解读的文件审发后方可审发。"


class OpinionRequired(DomainError):
    code = "OPINION_REQUIRED"
    default_message = "退回时必须填写审核意见。"


class RegisterIntegrityError(DomainError):
    code = "REGISTER_TAMPERED"
    default_message = "审查登记记录校验失败，可能已被篡改。"


class GazetteNumberTaken(DomainError):
    code = "GAZETTE_NUMBER_TAKEN"
    default_message = "本机构该年度的这一期公报已存在，请核对期号。"


class VocabularyTermExists(DomainError):
    code = "VOCABULARY_TERM_EXISTS"
    default_message = "词表中已有这个词。"


class VocabularyTermInUse(DomainError):
    code = "VOCABULARY_TERM_IN_USE"
    default_message = "已有内容使用这个词，不能删除。"


class VocabularyTermHasChildren(DomainError):
    code = "VOCABULARY_TERM_HAS_CHILDREN"
    default_message = "该分类下还有下级分类，请先删除下级分类。"


class QueryTooComplex(DomainError):
    code = "QUERY_TOO_COMPLEX"
    default_message = "查询过于复杂，请减少每页条数、别名或嵌套的列表字段。"


class IntrospectionDisabled(DomainError):
    code = "INTROSPECTION_DISABLED"
    default_message = "本服务已关闭 GraphQL 内省查询（__schema、__type）。"


class NonDisclosureGroundsRequired(DomainError):
    code = "NON_DISCLOSURE_GROUNDS_REQUIRED"
    default_message = "非主动公开的信息须写明不予主动公开的理由和法律依据后方可提交审查。"


class DisclosureModeMismatch(DomainError):
    code = "DISCLOSURE_MODE_MISMATCH"
    default_message = "拟公开方式与该信息的公开方式不一致；如需改变公开方式，请退回修改。"


class DatabaseUnavailable(DomainError):
    """The database could not be reached or did not answer in time (HTTP 503; retry later)."""

    code = "DATABASE_UNAVAILABLE"
    default_message = "数据库暂时无法访问，请稍后重试。"


class WebhookTargetRefused(DomainError):
    code = "WEBHOOK_TARGET_REFUSED"
    default_message = "推送地址指向内部网络或本机，不允许使用。"
