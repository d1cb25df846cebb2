"""``gongkai rekey-requests``: after ``GONGKAI_REQUEST_DATA_KEY`` was rotated, everything sealed or
hashed under an earlier key brought to the current one, so that the earlier key can be dropped.

Per request (batch by batch, in ``_id`` order): the personal fields re-sealed and ``applicant_key``
recomputed from the opened identity, written only if the request is still at the version read (a
request changed meanwhile is read again and tried again), and with a new version, so that a step that
read the request before cannot write the old values back. Erased requests have nothing to re-seal.
Webhook secrets likewise (cms.changes.webhooks). A re-run, or a run after an interrupted one, finds
what is done already current.

Query codes cannot be rehashed here: only their hash is stored. Each is rehashed at the applicant's
next lookup (RequestService.status); until then the key it is under must stay configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authz import Principal
from cms.audit.log import AuditLog, Change
from cms.changes.webhooks import WebhookService
from cms.errors import Conflict
from cms.requests.crypto import Resealed
from cms.requests.service import PERSONAL_FIELDS, Applicant, RequestService
from storage.requests import DisclosureRequest

BATCH = 200
MAX_ATTEMPTS = 5


@dataclass
class RekeyReport:
    requests: Resealed = field(default_factory=Resealed)
    webhooks: Resealed = field(default_factory=Resealed)
    erased: int = 0  # requests whose personal data is erased: nothing to re-seal
    codes_on_earlier_keys: int = 0  # query codes that upgrade only at the applicant's next lookup

    @property
    def unreadable(self) -> int:
        return self.requests.unreadable + self.webhooks.unreadable

    def as_audit(self) -> dict[str, int]:
        return {
            "requestsResealed": self.requests.resealed,
            "requestsCurrent": self.requests.current,
            "requestsUnreadable": self.requests.unreadable,
            "requestsErased": self.erased,
            "webhooksResealed": self.webhooks.resealed,
            "webhooksCurrent": self.webhooks.current,
            "webhooksUnreadable": self.webhooks.unreadable,
            "codesOnEarlierKeys": self.codes_on_earlier_keys,
        }


class RequestRekeying:
    def __init__(self, requests: RequestService, webhooks: WebhookService, audit: AuditLog) -> None:
        self.requests = requests
        self.webhooks = webhooks
        self.audit = audit
        self.collection = DisclosureRequest.get_pymongo_collection()

    async def run(self, operator: Principal, *, dry_run: bool) -> RekeyReport:
        """Everything under the current key; a dry run counts what would change and writes nothing
        (and records nothing in the audit log)."""
        report = RekeyReport()
        await self._requests(report, dry_run)
        report.webhooks = await self.webhooks.reseal_secrets(dry_run=dry_run)
        report.codes_on_earlier_keys = await self.collection.count_documents(
            {"code_key": {"$ne": self.requests.codes.current_id}}
        )
        if not dry_run:
            change = Change(
                "requests.rekey",
                "RequestKeys",
                self.requests.codes.current_id,  # names the current key without revealing it
                "申请人信息加密密钥",
                after=report.as_audit(),
            )
            await self.audit.record(operator, change)
        return report

    async def _requests(self, report: RekeyReport, dry_run: bool) -> None:
        last: Any = None
        while True:
            query = {} if last is None else {"_id": {"$gt": last}}
            batch = await self.collection.find(query).sort("_id", 1).limit(BATCH).to_list()
            if not batch:
                return
            for doc in batch:
                outcome = await self._rekey(doc, dry_run)
                if outcome == "erased":
                    report.erased += 1
                else:
                    report.requests.count(outcome)
            last = batch[-1]["_id"]

    async def _rekey(self, doc: Mapping[str, Any], dry_run: bool) -> str:
        for _ in range(MAX_ATTEMPTS):
            if doc.get("personal_erased_at") is not None:
                return "erased"
            outcome, update = self._plan(doc)
            if update is None or dry_run:
                return outcome
            done = await self.collection.update_one(
                {"_id": doc["_id"], "version": doc["version"]}, {"$set": update, "$inc": {"version": 1}}
            )
            if done.matched_count == 1:
                return outcome
            again = await self.collection.find_one({"_id": doc["_id"]})
            if again is None:
                return "current"  # deleted meanwhile: nothing left to re-seal
            doc = again
        raise Conflict()

    def _plan(self, doc: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """``resealed`` with the new personal fields and ``applicant_key``; ``current`` when both are
        current already; ``unreadable`` when a field opens under no configured key."""
        cipher = self.requests.cipher
        personal: dict[str, str] = dict(doc.get("personal") or {})
        if not personal:  # nothing sealed, no identity to hash again (it would match every such request)
            return "current", None
        opened: dict[str, str] = {}
        for name, token in personal.items():
            context = f"{doc['number']}\0{name}"
            try:
                opened[name] = cipher.open(token, context)
            except ValueError:
                return "unreadable", None
            if not cipher.is_current(token, context):
                personal[name] = cipher.seal(opened[name], context)
        known = {name: value for name, value in opened.items() if name in PERSONAL_FIELDS}
        applicant_key = self.requests.applicant_key(Applicant(**{"name": "", **known}))
        if personal == doc.get("personal") and applicant_key == doc.get("applicant_key"):
            return "current", None
        return "resealed", {"personal": personal, "applicant_key": applicant_key}
