"""Webhook deliveries: a job on the job runner (one node at a time) that turns new change-feed records
into deliveries and makes the attempts that are due.

**Nothing is lost.** Each webhook keeps the last feed sequence it has turned into deliveries; the
deliveries are stored (one per webhook and sequence, a unique index) before that mark moves, so a
process that dies in between only makes the same deliveries again, which the index absorbs. Attempts
are claimed one by one (``claimed_until``), so two runners — a node that lost the lease a moment ago
and its successor — never send the same attempt twice at once.

**Retries.** A failed attempt (no answer, a non-2xx status, a refused address) is retried after 30 s,
1, 2, 4 … minutes, at most an hour apart, until ``RETRY_FOR`` (24 h) has passed since the delivery was
queued: the attempt after that is the last. Receivers get at least once, not exactly once: the
``X-Gongkai-Delivery`` header names the delivery, so a receiver can drop a repeat.

**Signature.** The body is JSON; ``X-Gongkai-Signature: sha256=<hex>`` is HMAC-SHA256 of the exact
bytes of the body under the webhook's secret, and ``X-Gongkai-Timestamp`` (Unix seconds) the time of
the attempt, so a receiver can refuse old replays.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import BulkWriteError

from cms.changes.feed import Change, ChangeFeed, ChangeFilter
from cms.changes.targets import Target, resolve
from cms.changes.webhooks import EPOCH, DeliveryStatus, Webhook, WebhookService
from cms.content.ids import to_global_id
from cms.errors import DomainError
from cms.observe.metrics import record_webhook_delivery
from storage.documents import utcnow

log = logging.getLogger("gongkai.webhooks")

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
CLAIM = timedelta(minutes=2)  # longer than an attempt can take (TIMEOUT_SECONDS)
TIMEOUT_SECONDS = 10.0
FEED_BATCH = 500
ATTEMPTS_PER_RUN = 200
PARALLEL = 8
MAX_ERROR = 300
USER_AGENT = "Gongkai-Webhooks/1"


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s doubling, at most an hour."""
    wait: timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 16))
    return min(wait, LONGEST_WAIT)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(webhook: Webhook, change: Change) -> bytes:
    payload = {
        "webhook": to_global_id("Webhook", webhook.id),
        "sequence": str(change.seq),
        "event": change.kind.value,
        "item": {
            "id": to_global_id(change.item_type, change.item_id),
            "type": change.item_type,
            "publicKey": change.public_key,
        },
        "organization": to_global_id("Organization", change.org_id),
        "at": change.at.isoformat().replace("+00:00", "Z"),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """How HTTPS receivers are verified: the system's certificate authorities, plus those of
    ``ca_file`` (GONGKAI_WEBHOOK_CA_FILE, e.g. an intranet CA); host names are checked either way."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None
    error: str | None


class Deliveries:
    def __init__(
        self,
        webhooks: WebhookService,
        feed: ChangeFeed,
        *,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = TIMEOUT_SECONDS,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.webhooks = webhooks
        self.feed = feed
        self.clock = clock
        self.timeout = timeout
        self.tls = tls or tls_context(None)
        # Whether this process runs the deliveries now (the composition root: it holds the jobs
        # lease). Then a commit starts a run at once instead of waiting for the next tick.
        self.active: Callable[[], bool] = lambda: False
        self._kicked: asyncio.Task[None] | None = None
        self._again = False

    async def on_committed(self, _item: object = None) -> None:
        """After a commit that may have added to the feed: deliver now, on the node that delivers.
        Commits during a run ask for one more run (coalesced), so none waits for the tick."""
        if not self.active():
            return
        if self._kicked is not None and not self._kicked.done():
            self._again = True
            return
        # A fresh context: the run must not inherit the committing request's database deadline.
        self._kicked = asyncio.create_task(self._kick(), context=contextvars.Context())

    async def _kick(self) -> None:
        while True:
            self._again = False
            try:
                await self.run()
            except Exception:  # the job's next tick tries again
                log.exception("webhook delivery run after a commit failed")
            if not self._again:
                return

    async def stop(self) -> None:
        if self._kicked is not None:
            self._kicked.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._kicked

    async def run(self, _token: int = 0) -> str:
        """The job: queue what the feed holds for each active webhook, then attempt what is due."""
        queued = await self.enqueue()
        attempted = await self.attempt_due()
        return f"{queued} queued, {attempted} attempted"

    # -- from the feed ------------------------------------------------------------------------

    async def enqueue(self) -> int:
        queued = 0
        async for doc in self.webhooks.webhooks.find({"paused": False}).sort("_id", ASCENDING):
            queued += await self._enqueue_for(Webhook.from_doc(doc))
        return queued

    async def _enqueue_for(self, webhook: Webhook) -> int:
        """Every feed record after the webhook's mark, in batches, up to the head read first (all
        records up to a committed head are committed: the feed hands out numbers in commit order)."""
        head = await self.feed.head()
        wanted = ChangeFilter(org_id=webhook.org_id, kinds=webhook.events)
        mark, queued = webhook.cursor, 0
        while mark < head:
            changes, more = await self.feed.page(mark, FEED_BATCH, wanted, upto=head)
            queued += await self._store(webhook, changes)
            reached = changes[-1].seq if more and changes else head
            moved = await self.webhooks.webhooks.update_one(
                {"_id": webhook.id, "cursor": mark}, {"$set": {"cursor": reached}}
            )
            if moved.modified_count != 1:
                return queued  # another runner moved it meanwhile (or the webhook is gone)
            mark = reached
        return queued

    async def _store(self, webhook: Webhook, changes: list[Change]) -> int:
        if not changes:
            return 0
        now = self.clock()
        docs = [
            {
                "_id": ObjectId(),
                "webhook_id": webhook.id,
                "seq": change.seq,
                "kind": change.kind.value,
                "body": body_of(webhook, change).decode(),
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "last_error": None,
                "last_status_code": None,
                "next_attempt": now,
                "claimed_until": EPOCH,
                "created_at": now,
                "retry_from": now,
                "delivered_at": None,
            }
            for change in changes
        ]
        try:
            result = await self.webhooks.deliveries.insert_many(docs, ordered=False)
            return len(result.inserted_ids)
        except BulkWriteError as exc:  # queued before by a runner that stopped before moving the mark
            return int(exc.details.get("nInserted", 0))

    # -- attempts -----------------------------------------------------------------------------

    async def attempt_due(self) -> int:
        paused = [d["_id"] async for d in self.webhooks.webhooks.find({"paused": True}, {"_id": 1})]
        gate = asyncio.Semaphore(PARALLEL)
        attempts: list[asyncio.Task[None]] = []
        for _ in range(ATTEMPTS_PER_RUN):
            claimed = await self._claim(paused)
            if claimed is None:
                break
            attempts.append(asyncio.create_task(self._attempt(claimed, gate)))
        for failure in await asyncio.gather(*attempts, return_exceptions=True):
            if isinstance(failure, BaseException):  # the claim lapses; the attempt is made again
                log.error("webhook delivery attempt failed", exc_info=failure)
        return len(attempts)

    async def _claim(self, paused: list[ObjectId]) -> dict[str, Any] | None:
        now = self.clock()
        query: dict[str, Any] = {
            "status": DeliveryStatus.PENDING.value,
            "next_attempt": {"$lte": now},
            "claimed_until": {"$lte": now},
        }
        if paused:
            query["webhook_id"] = {"$nin": paused}
        return await self.webhooks.deliveries.find_one_and_update(
            query,
            {"$set": {"claimed_until": now + CLAIM}},
            sort=[("next_attempt", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def _attempt(self, delivery: dict[str, Any], gate: asyncio.Semaphore) -> None:
        async with gate:
            hook = await self.webhooks.webhooks.find_one({"_id": delivery["webhook_id"]})
            if hook is None:
                return  # deleted meanwhile; its deliveries go with it
            started = time.perf_counter()
            outcome = await self._send(hook, delivery)
            await self._settle(delivery, outcome, time.perf_counter() - started)

    async def _send(self, hook: dict[str, Any], delivery: dict[str, Any]) -> Outcome:
        body = str(delivery["body"]).encode()
        try:
            target = await resolve(str(hook["url"]), self.webhooks.networks)
        except DomainError as exc:
            return Outcome(False, None, exc.message)
        try:
            secret = self.webhooks.secret_of(hook)
        except ValueError:  # sealed under another key (GONGKAI_REQUEST_DATA_KEY was changed)
            return Outcome(False, None, "签名密钥无法解密：请删除并重新创建该推送地址。")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Gongkai-Delivery": str(delivery["_id"]),
            "X-Gongkai-Event": str(delivery["kind"]),
            "X-Gongkai-Timestamp": str(int(self.clock().timestamp())),
            "X-Gongkai-Signature": sign(secret, body),
        }
        try:
            status = await asyncio.to_thread(_post, target, body, headers, self.timeout, self.tls)
        except ssl.SSLCertVerificationError as exc:  # retried: the certificate may be fixed meanwhile
            return Outcome(False, None, f"接收方的 HTTPS 证书未通过验证：{exc.verify_message}"[:MAX_ERROR])
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
        if 200 <= status < 300:
            return Outcome(True, status, None)
        return Outcome(False, status, f"HTTP {status}")

    async def _settle(self, delivery: dict[str, Any], outcome: Outcome, seconds: float) -> None:
        now = self.clock()
        attempts = int(delivery.get("attempts", 0)) + 1
        changes: dict[str, Any] = {
            "attempts": attempts,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
            "last_attempt": now,
            "claimed_until": EPOCH,
        }
        if outcome.delivered:
            label = "delivered"
            changes |= {"status": DeliveryStatus.DELIVERED.value, "delivered_at": now}
        elif now - delivery.get("retry_from", delivery["created_at"]) >= RETRY_FOR:
            label = "gave_up"
            changes["status"] = DeliveryStatus.FAILED.value
            log.warning("webhook delivery %s given up after %d attempts", delivery["_id"], attempts)
        else:
            label = "failed"
            changes["next_attempt"] = now + backoff(attempts)
        record_webhook_delivery(label, seconds)
        await self.webhooks.deliveries.update_one({"_id": delivery["_id"]}, {"$set": changes})


def _post(target: Target, body: bytes, headers: dict[str, str], timeout: float, tls: ssl.SSLContext) -> int:
    """POST to exactly the checked address (never a redirect, never another resolution of the name);
    TLS still verifies the certificate for the host name."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(target.host, target.port, timeout=timeout, context=tls)
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def pinned(address: tuple[str, int], wait: float | None, source: Any = None) -> socket.socket:
        return socket.create_connection((target.address, address[1]), wait, source)

    connection._create_connection = pinned  # type: ignore[attr-defined]
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # enough to let a keep-alive receiver finish; the body is not used
        return response.status
    finally:
        connection.close()
