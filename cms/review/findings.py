"""The confidentiality findings (保密审查意见) an approving tier files: whether they allow the item's release
as it stands."""

from __future__ import annotations

from cms.errors import ConfidentialityBlocks, ConfidentialityRequired, DisclosureModeMismatch, InvalidInput
from storage.documents import ContentDocument, DisclosureMode
from storage.register import ConfidentialityFindings


def check_findings(item: ContentDocument, findings: ConfidentialityFindings | None) -> None:
    """The confidentiality findings of an approving tier allow release of ``item`` as it stands.

    The proposed mode must be the item's own: the mode is changed by editing the item (and reviewing
    it again), never by a reviewer's finding. State secrets always block. Commercial secrets or
    personal privacy block proactive disclosure unless 条例 第十五条 grounds are given (the third
    party's consent, or an overriding public interest) with their explanation."""
    if findings is None:
        raise ConfidentialityRequired()
    if findings.state_secrets:
        raise ConfidentialityBlocks("保密审查认定内容涉及国家秘密，不得公开。")
    if findings.proposed_mode not in {m.value for m in DisclosureMode}:
        raise InvalidInput("拟公开方式无效。", field="confidentiality.proposedMode")
    if findings.proposed_mode != item.disclosure_mode.value:
        raise DisclosureModeMismatch(field="confidentiality.proposedMode")
    _check_privacy_grounds(item, findings)
    if item.disclosure_mode is not DisclosureMode.PROACTIVE and not findings.grounds.strip():
        raise ConfidentialityRequired("拟不主动公开的，须写明理由和依据。", field="confidentiality.grounds")


def _check_privacy_grounds(item: ContentDocument, findings: ConfidentialityFindings) -> None:
    """条例 第十五条 for proactive disclosure of content with commercial secrets or personal privacy."""
    secret = findings.commercial_secrets or findings.personal_privacy
    if findings.privacy_grounds is not None and not secret:
        raise InvalidInput(
            "未认定涉及商业秘密或个人隐私，无需第十五条公开理由。", field="confidentiality.privacyGrounds"
        )
    if not secret or item.disclosure_mode is not DisclosureMode.PROACTIVE:
        return
    if findings.privacy_grounds is None:
        raise ConfidentialityBlocks(
            "保密审查认定内容涉及商业秘密或个人隐私：须经第三方同意，或不公开会对公共利益造成重大影响"
            "（条例第十五条），方可主动公开；否则请退回修改公开方式。",
            field="confidentiality.privacyGrounds",
        )
    if not findings.grounds.strip():
        raise ConfidentialityRequired(
            "依条例第十五条主动公开涉及商业秘密或个人隐私的信息，须写明理由。",
            field="confidentiality.grounds",
        )
