"""Webhooks: administrators register endpoints that receive every change of the public change feed.

A webhook belongs to an organization and hears the changes of that organization's subtree (of the kinds
it chose). Managing one needs ``webhook.manage`` there; creating, pausing, resuming and deleting are
recorded in the administrative audit log. The signing secret is chosen by the administrator or
generated, shown once, and stored sealed (AES-GCM, cms.requests.crypto) — the server must keep it to sign
with, but a copy of the database alone does not reveal it.

Deliveries (cms.changes.delivery) are made by the job runner from the change feed, so they survive
restarts and reach a receiver that was down.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from authz import Permission, Principal
from cms.admin.access import AccessControl
from cms.audit.log import AuditLog, Change
from cms.changes.feed import ChangeFeed, ChangeKind
from cms.changes.targets import Network, resolve
from cms.errors import Conflict, InvalidInput, NotFound
from cms.requests.crypto import FieldCipher, Resealed
from storage.documents import utcnow

WEBHOOKS = "webhooks"
DELIVERIES = "webhook_deliveries"
MIN_SECRET, MAX_SECRET = 16, 200
MAX_WEBHOOKS_LISTED = 500
MAX_RESEAL_ATTEMPTS = 5
MAX_DELIVERIES_LISTED = 200
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class DeliveryStatus(enum.StrEnum):
    PENDING = "PENDING"  # waiting for its (next) attempt
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # retried for the whole retry period without success: given up


DELIVERY_STATUS_LABELS: dict[DeliveryStatus, str] = {
    DeliveryStatus.PENDING: "待推送",
    DeliveryStatus.DELIVERED: "已送达",
    DeliveryStatus.FAILED: "已放弃",
}


@dataclass(frozen=True)
class WebhookSpec:
    url: str
    org_id: ObjectId
    events: tuple[ChangeKind, ...]
    secret: str | None  # None: generate one


@dataclass(frozen=True)
class Webhook:
    id: ObjectId
    url: str
    org_id: ObjectId
    events: tuple[ChangeKind, ...]
    paused: bool
    cursor: int  # the last feed sequence turned into deliveries
    created_at: datetime
    created_by: str

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Webhook:
        return cls(
            id=doc["_id"],
            url=doc["url"],
            org_id=doc["org_id"],
            events=tuple(ChangeKind(e) for e in doc["events"]),
            paused=bool(doc.get("paused", False)),
            cursor=int(doc.get("cursor", 0)),
            created_at=doc["created_at"],
            created_by=str(doc.get("created_by", "")),
        )


@dataclass(frozen=True)
class Delivery:
    id: ObjectId
    webhook_id: ObjectId
    seq: int
    kind: ChangeKind
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    last_status_code: int | None
    next_attempt: datetime | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Delivery:
        status = DeliveryStatus(doc["status"])
        return cls(
            id=doc["_id"],
            webhook_id=doc["webhook_id"],
            seq=int(doc["seq"]),
            kind=ChangeKind(doc["kind"]),
            status=status,
            attempts=int(doc.get("attempts", 0)),
            last_error=doc.get("last_error"),
            last_status_code=doc.get("last_status_code"),
            next_attempt=doc.get("next_attempt") if status is DeliveryStatus.PENDING else None,
            created_at=doc["created_at"],
            delivered_at=doc.get("delivered_at"),
        )


class WebhookService:
    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        access: AccessControl,
        audit: AuditLog,
        feed: ChangeFeed,
        cipher: FieldCipher,
        networks: Sequence[Network],
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.webhooks = db[WEBHOOKS]
        self.deliveries = db[DELIVERIES]
        self.access = access
        self.audit = audit
        self.feed = feed
        self.cipher = cipher
        self.networks = list(networks)
        self.clock = clock

    async def ensure_indexes(self) -> None:
        await self.webhooks.create_index([("org_id", ASCENDING)], name="webhook_org")
        await self.deliveries.create_index(
            [("webhook_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="delivery_of_change"
        )
        await self.deliveries.create_index(
            [("status", ASCENDING), ("next_attempt", ASCENDING)], name="delivery_due"
        )
        await self.deliveries.create_index(
            [("webhook_id", ASCENDING), ("_id", DESCENDING)], name="delivery_log"
        )

    # -- administration -----------------------------------------------------------------------

    async def create(self, principal: Principal, spec: WebhookSpec) -> tuple[Webhook, str]:
        """The new webhook and its secret (shown this once). It hears changes from now on."""
        self.access.require(principal, Permission.WEBHOOK_MANAGE, spec.org_id)
        if self.access.orgs.tree.get(spec.org_id) is None:
            raise InvalidInput("机构不存在。", field="organization")
        secret = _secret(spec.secret)
        events = _events(spec.events)
        await resolve(spec.url, self.networks)
        webhook_id = ObjectId()
        doc = {
            "_id": webhook_id,
            "url": spec.url,
            "org_id": spec.org_id,
            "events": [e.value for e in events],
            "secret": self.cipher.seal(secret, _context(webhook_id)),
            "paused": False,
            "cursor": await self.feed.head(),
            "created_at": self.clock(),
            "created_by": principal.user_id or "",
        }
        await self.webhooks.insert_one(doc)
        webhook = Webhook.from_doc(doc)
        await self.audit.record(principal, _audit("webhook.create", webhook, None, _described(webhook)))
        return webhook, secret

    async def set_paused(self, principal: Principal, webhook_id: ObjectId, paused: bool) -> Webhook:
        """A paused webhook keeps its place in the feed: resumed, it receives what it missed."""
        webhook = await self._managed(principal, webhook_id)
        doc = await self.webhooks.find_one_and_update(
            {"_id": webhook_id}, {"$set": {"paused": paused}}, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise NotFound("推送地址不存在。")
        changed = Webhook.from_doc(doc)
        if webhook.paused != paused:
            action = "webhook.pause" if paused else "webhook.resume"
            await self.audit.record(principal, _audit(action, changed, webhook.paused, paused))
        return changed

    async def delete(self, principal: Principal, webhook_id: ObjectId) -> bool:
        webhook = await self._managed(principal, webhook_id)
        removed = await self.webhooks.delete_one({"_id": webhook_id})
        await self.deliveries.delete_many({"webhook_id": webhook_id})
        if removed.deleted_count:
            await self.audit.record(principal, _audit("webhook.delete", webhook, _described(webhook), None))
        return bool(removed.deleted_count)

    async def resend(self, principal: Principal, delivery_id: ObjectId) -> Delivery:
        """Queue a delivery again at once, with a fresh retry period (attempts so far are kept)."""
        doc = await self.deliveries.find_one({"_id": delivery_id})
        if doc is None:
            self.access.require(principal, Permission.WEBHOOK_MANAGE, ObjectId())  # refusals first
            raise NotFound("推送记录不存在。")
        await self._managed(principal, doc["webhook_id"])
        now = self.clock()
        updated = await self.deliveries.find_one_and_update(
            {"_id": delivery_id},
            {
                "$set": {
                    "status": DeliveryStatus.PENDING.value,
                    "next_attempt": now,
                    "claimed_until": EPOCH,
                    "retry_from": now,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise NotFound("推送记录不存在。")
        return Delivery.from_doc(updated)

    # -- reading ------------------------------------------------------------------------------

    async def listed(self, principal: Principal, org_id: ObjectId | None = None) -> list[Webhook]:
        """The webhooks of the organizations where the caller manages webhooks (one, if given)."""
        managed = self.access.orgs_with(principal, Permission.WEBHOOK_MANAGE)
        if not managed:
            self.access.require(principal, Permission.WEBHOOK_MANAGE, org_id or ObjectId())
        wanted = [o for o in managed if org_id is None or o == org_id]
        cursor = self.webhooks.find({"org_id": {"$in": wanted}}).sort("_id", ASCENDING)
        return [Webhook.from_doc(d) for d in await cursor.limit(MAX_WEBHOOKS_LISTED).to_list()]

    async def get(self, principal: Principal, webhook_id: ObjectId) -> Webhook:
        return await self._managed(principal, webhook_id)

    async def deliveries_of(
        self, principal: Principal, webhook_id: ObjectId, first: int, status: DeliveryStatus | None = None
    ) -> list[Delivery]:
        """The delivery log, newest first."""
        await self._managed(principal, webhook_id)
        return await self.log(webhook_id, first, status)

    async def log(
        self, webhook_id: ObjectId, first: int, status: DeliveryStatus | None = None
    ) -> list[Delivery]:
        """The delivery log without a permission check: for a webhook already read through one."""
        if not 1 <= first <= MAX_DELIVERIES_LISTED:
            raise InvalidInput(f"每页条数应在 1 到 {MAX_DELIVERIES_LISTED} 之间。", field="first")
        query: dict[str, Any] = {"webhook_id": webhook_id}
        if status is not None:
            query["status"] = status.value
        cursor = self.deliveries.find(query).sort("_id", DESCENDING).limit(first)
        return [Delivery.from_doc(d) for d in await cursor.to_list()]

    async def _managed(self, principal: Principal, webhook_id: ObjectId) -> Webhook:
        doc = await self.webhooks.find_one({"_id": webhook_id})
        if doc is None:
            self.access.require(principal, Permission.WEBHOOK_MANAGE, ObjectId())  # anonymous first
            raise NotFound("推送地址不存在。")
        webhook = Webhook.from_doc(doc)
        self.access.require(principal, Permission.WEBHOOK_MANAGE, webhook.org_id)
        return webhook

    def secret_of(self, doc: dict[str, Any]) -> str:
        return self.cipher.open(str(doc["secret"]), _context(doc["_id"]))

    async def reseal_secrets(self, *, dry_run: bool) -> Resealed:
        """Every secret sealed under the current key (after a rotation of the data key). A secret
        written meanwhile is read again and tried again: the update is conditional on the sealed
        value read."""
        found = Resealed()
        async for doc in self.webhooks.find({}, {"secret": 1}).sort("_id", ASCENDING):
            found.count(await self._reseal(doc, dry_run))
        return found

    async def _reseal(self, doc: Mapping[str, Any], dry_run: bool) -> str:
        for _ in range(MAX_RESEAL_ATTEMPTS):
            token, context = str(doc["secret"]), _context(doc["_id"])
            try:
                secret = self.cipher.open(token, context)
            except ValueError:
                return "unreadable"
            if self.cipher.is_current(token, context):
                return "current"
            if dry_run:
                return "resealed"
            sealed = self.cipher.seal(secret, context)
            done = await self.webhooks.update_one(
                {"_id": doc["_id"], "secret": token}, {"$set": {"secret": sealed}}
            )
            if done.matched_count == 1:
                return "resealed"
            again = await self.webhooks.find_one({"_id": doc["_id"]}, {"secret": 1})
            if again is None:  # deleted meanwhile: nothing left to re-seal
                return "current"
            doc = again
        raise Conflict()


def _secret(given: str | None) -> str:
    if given is None:
        return secrets.token_urlsafe(32)
    if not MIN_SECRET <= len(given) <= MAX_SECRET or given != given.strip():
        raise InvalidInput(
            f"签名密钥应为 {MIN_SECRET} 到 {MAX_SECRET} 个字符，首尾不含空格；不填则由系统生成。",
            field="secret",
        )
    return given


def _events(given: Sequence[ChangeKind]) -> tuple[ChangeKind, ...]:
    if not given:
        return tuple(ChangeKind)
    return tuple(k for k in ChangeKind if k in set(given))


def _context(webhook_id: ObjectId) -> str:
    return f"webhook:{webhook_id}:secret"


def _described(webhook: Webhook) -> dict[str, Any]:
    return {
        "url": webhook.url,
        "events": [e.value for e in webhook.events],
        "organization": str(webhook.org_id),
    }


def _audit(action: str, webhook: Webhook, before: Any, after: Any) -> Change:
    return Change(action, "Webhook", str(webhook.id), webhook.url, webhook.org_id, before, after)
