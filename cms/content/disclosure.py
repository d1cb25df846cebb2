"""公开方式 on every content kind: the fields every new item shares, the rules they obey on saving, and
the grounds a non-proactive item must give before it enters review (条例 第十四、十五、十六条).

Drafts may be saved incomplete (an officer may not know the legal basis yet); the grounds are required
when the item is submitted, for every kind alike (``check_grounds``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cms.errors import InvalidInput, NonDisclosureGroundsRequired
from storage.documents import ContentDocument, DisclosureMode

MAX_REASON = 2000
MAX_LEGAL_BASIS = 500
# 不予公开 must rest on 《政府信息公开条例》第十四条 (state secrets, other legal prohibitions, 三安全一稳定),
# 第十五条 (commercial secrets, personal privacy) or 第十六条 (internal affairs, process information,
# enforcement files). The basis is free text, as agencies write it; it must name the 条例 and one of
# these articles (Chinese or Arabic numerals), e.g. "《中华人民共和国政府信息公开条例》第十六条第二款".
NOT_DISCLOSED_ARTICLES = re.compile(r"条例.*?第\s*(十四|十五|十六|14|15|16)\s*条", re.DOTALL)


@dataclass(kw_only=True)
class DisclosureFields:
    """What every new item of any kind may be given besides its own fields: its disclosure mode with
    the reason and legal basis, and when it leaves the public (Plone's ``expires``)."""

    disclosure_mode: DisclosureMode = DisclosureMode.PROACTIVE
    non_disclosure_reason: str = ""
    legal_basis: str = ""
    expires: datetime | None = None

    def disclosure_fields(self) -> dict[str, Any]:
        """The fields as keyword arguments of a ``ContentDocument``."""
        return {
            "disclosure_mode": self.disclosure_mode,
            "non_disclosure_reason": self.non_disclosure_reason.strip(),
            "legal_basis": self.legal_basis.strip(),
            "expires": self.expires,
        }


def validate_disclosure(item: ContentDocument) -> None:
    """The save-time rules (every kind, on creation and on each edit): bounded texts, and an expiry
    after the publish-at instant (an item that expires before it is effective is never public)."""
    if len(item.non_disclosure_reason) > MAX_REASON:
        raise InvalidInput(
            f"不予主动公开的理由超出长度上限（{MAX_REASON} 字）。", field="nonDisclosureReason"
        )
    if len(item.legal_basis) > MAX_LEGAL_BASIS:
        raise InvalidInput(f"法律依据超出长度上限（{MAX_LEGAL_BASIS} 字）。", field="legalBasis")
    if item.expires is not None and item.effective is not None and _utc(item.expires) <= _utc(item.effective):
        raise InvalidInput("到期下线时间须晚于生效（发布）时间。", field="expires")


def check_grounds(item: ContentDocument) -> None:
    """Submission of a non-proactive item: the reason and the legal basis are given, and 不予公开 cites
    条例 第十四条, 第十五条 or 第十六条."""
    if item.disclosure_mode is DisclosureMode.PROACTIVE:
        return
    if not item.non_disclosure_reason.strip():
        raise NonDisclosureGroundsRequired(
            "依申请公开或不予公开的信息须写明不予主动公开的理由。", field="nonDisclosureReason"
        )
    if not item.legal_basis.strip():
        raise NonDisclosureGroundsRequired("依申请公开或不予公开的信息须写明法律依据。", field="legalBasis")
    if item.disclosure_mode is DisclosureMode.NOT_DISCLOSED and not NOT_DISCLOSED_ARTICLES.search(
        item.legal_basis
    ):
        raise NonDisclosureGroundsRequired(
            "不予公开须依据《政府信息公开条例》第十四条、第十五条或第十六条，请在法律依据中写明条款。",
            field="legalBasis",
        )


def _utc(value: datetime) -> datetime:
    """Naive instants are UTC (as MongoDB stores them), so naive and aware values compare."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
