"""Webhooks: registered by administrators, fed from the change feed by the job runner, signed with
HMAC-SHA256, retried with backoff for a day, refused on internal addresses, recorded in the audit log.

A real HTTP receiver (http.server in a thread on a loopback port) takes the deliveries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client import REGISTRY

from cms.changes.delivery import Deliveries, tls_context
from cms.changes.targets import resolve
from cms.content.ids import from_global_id
from cms.errors import WebhookTargetRefused
from cms.services import Services
from tests.conftest import SteppedClock
from tests.helpers import ADMIN, OFFICER, Api, error_of, random_id

CREATE = """
mutation($i: WebhookInput!) {
  createWebhook(input: $i) { secret webhook { id url events paused organization { id } } }
}
"""
LIST = """
query($o: ID) {
  webhooks(organization: $o) {
    id url paused
    deliveries(first: 50) {
      id sequence event status statusLabel attempts lastError lastStatusCode nextAttemptAt createdAt deliveredAt
    }
  }
}
"""
PAUSE = "mutation($id: ID!) { pauseWebhook(id: $id) { id paused } }"
RESUME = "mutation($id: ID!) { resumeWebhook(id: $id) { id paused } }"
DELETE = "mutation($id: ID!) { deleteWebhook(id: $id) }"
RESEND = "mutation($id: ID!) { resendWebhookDelivery(id: $id) { id status } }"
SECRET = "receiver-shared-secret-0123456789"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on a loopback port that records what it is sent and answers ``status``."""

    server: ThreadingHTTPServer
    status: int = 200
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}/hooks/gongkai"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve(None)


def _serve(tls: ssl.SSLContext | None) -> Iterator[Receiver]:
    """A receiver on a loopback port; HTTPS when given a server TLS context."""
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            box[0].requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(box[0].status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            box[0].arrived.set()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    box.append(Receiver(server, scheme="https" if tls else "http"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box[0]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api(gql: Any, settings: Any) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture
def delivery_clock(clock: SteppedClock, services: Services, monkeypatch: pytest.MonkeyPatch) -> SteppedClock:
    monkeypatch.setattr(services.deliveries, "clock", clock)
    monkeypatch.setattr(services.webhooks, "clock", clock)
    monkeypatch.setattr(services.changes, "clock", clock)
    return clock


async def create(api: Api, org: str, url: str, **extra: Any) -> dict[str, Any]:
    data = await api.ok(CREATE, {"i": {"url": url, "organization": org, **extra}}, await api.token(ADMIN))
    created: dict[str, Any] = data["createWebhook"]
    return created


async def deliveries(api: Api, org: str) -> list[dict[str, Any]]:
    data = await api.ok(LIST, {"o": org}, await api.token(ADMIN))
    assert len(data["webhooks"]) == 1
    found: list[dict[str, Any]] = data["webhooks"][0]["deliveries"]
    return found


def verified(secret: str, request: Received) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["x-gongkai-signature"])


async def test_a_publication_is_posted_signed_to_the_receiver(
    api: Api, services: Services, receiver: Receiver, quiet_jobs: None
) -> None:
    # given a webhook on a fresh organization, with a generated secret
    org = await api.new_org()
    created = await create(api, org, receiver.url)
    assert created["webhook"]["events"] == ["PUBLISHED", "UPDATED", "WITHDRAWN"]
    assert (created["webhook"]["url"], created["webhook"]["organization"]["id"]) == (receiver.url, org)

    # when an entry is published there and the delivery job runs
    entry = await api.demo_publish(org)
    await services.deliveries.run()

    # then the receiver got one POST whose signature verifies under the secret, naming the change
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hooks/gongkai"
    assert verified(created["secret"], request)
    assert not verified("another-secret-entirely-0000", request)
    payload = json.loads(request.body)
    index = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on CatalogEntry { indexNumber } } }", {"id": entry["id"]}
    )
    assert (payload["event"], payload["item"], payload["organization"]) == (
        "PUBLISHED",
        {"id": entry["id"], "type": "CatalogEntry", "publicKey": index["node"]["indexNumber"]},
        org,
    )
    assert request.headers["x-gongkai-event"] == "PUBLISHED"
    assert int(request.headers["x-gongkai-timestamp"]) > 0
    log = await deliveries(api, org)
    assert [(d["status"], d["attempts"], d["sequence"]) for d in log] == [
        ("DELIVERED", 1, payload["sequence"])
    ]
    assert request.headers["x-gongkai-delivery"]
    assert log[0]["statusLabel"] == "已送达"


async def test_the_delivering_server_posts_within_two_seconds_of_the_commit(
    api: Api, services: Services, receiver: Receiver
) -> None:
    # given the app's job runner holding the lease (it delivers) and a webhook on a fresh organization
    assert services.deliveries.active()
    org = await api.new_org()
    created = await create(api, org, receiver.url)

    # when an entry is published there
    entry = await api.demo_publish(org)
    committed = time.monotonic()  # the approval has committed and answered

    # then the receiver has it well before the next job tick would come
    arrived = await asyncio.to_thread(receiver.arrived.wait, 10)
    latency = time.monotonic() - committed
    assert arrived
    assert latency < 2.0
    assert json.loads(receiver.requests[0].body)["item"]["id"] == entry["id"]
    assert verified(created["secret"], receiver.requests[0])


async def test_a_failing_receiver_is_retried_with_growing_waits_until_it_answers(
    api: Api, services: Services, receiver: Receiver, quiet_jobs: None, delivery_clock: SteppedClock
) -> None:
    # given a webhook with the receiver's own secret, and a receiver that answers 503
    org = await api.new_org()
    await create(api, org, receiver.url, secret=SECRET)
    receiver.status = 503
    await api.demo_publish(org)

    # when the job runs, again at once, then 30 s and 60 s later (the receiver up again at last)
    await services.deliveries.run()
    first = await deliveries(api, org)
    await services.deliveries.run()
    delivery_clock.advance(30)
    await services.deliveries.run()
    second = await deliveries(api, org)
    receiver.status = 200
    delivery_clock.advance(59)
    await services.deliveries.run()
    early = len(receiver.requests)
    delivery_clock.advance(1)
    await services.deliveries.run()

    # then each attempt came only when due, and the third one was delivered: the same signed body
    assert (first[0]["status"], first[0]["attempts"], first[0]["lastStatusCode"]) == ("PENDING", 1, 503)
    assert first[0]["lastError"] == "HTTP 503"
    wait = datetime.fromisoformat(first[0]["nextAttemptAt"]) - datetime.fromisoformat(first[0]["createdAt"])
    assert timedelta(seconds=30) <= wait < timedelta(seconds=31)
    assert (second[0]["attempts"], early) == (2, 2)
    final = await deliveries(api, org)
    assert [(d["status"], d["attempts"], d["lastError"]) for d in final] == [("DELIVERED", 3, None)]
    assert len(receiver.requests) == 3
    assert len({r.body for r in receiver.requests}) == 1
    assert len({r.headers["x-gongkai-delivery"] for r in receiver.requests}) == 1
    assert all(verified(SECRET, r) for r in receiver.requests)


async def test_a_receiver_down_for_a_day_is_tried_for_24_hours_then_given_up_and_can_be_resent(
    api: Api, services: Services, receiver: Receiver, quiet_jobs: None, delivery_clock: SteppedClock
) -> None:
    # given a receiver that always answers 500
    org = await api.new_org()
    await create(api, org, receiver.url, secret=SECRET)
    receiver.status = 500
    await api.demo_publish(org)
    gave_up_before = _gave_up()

    # when the job runs every hour for a day and a bit
    await services.deliveries.run()
    for _ in range(25):
        delivery_clock.advance(3600)
        await services.deliveries.run()

    # then it was attempted each hour until 24 h had passed, then given up (and counted)
    given_up = (await deliveries(api, org))[0]
    assert (given_up["status"], given_up["statusLabel"], given_up["attempts"]) == ("FAILED", "已放弃", 25)
    assert given_up["nextAttemptAt"] is None
    assert len(receiver.requests) == 25
    # (at least: other tests' webhooks in the shared database may give up in the same day-long step)
    assert _gave_up() >= gave_up_before + 1

    # and when an administrator resends it to the repaired receiver
    receiver.status = 204
    resent = await api.ok(RESEND, {"id": given_up["id"]}, await api.token(ADMIN))
    await services.deliveries.run()

    # then it is delivered
    assert resent["resendWebhookDelivery"] == {"id": given_up["id"], "status": "PENDING"}
    assert [(d["status"], d["attempts"]) for d in await deliveries(api, org)] == [("DELIVERED", 26)]


def _gave_up() -> float:
    value = REGISTRY.get_sample_value(
        "gongkai_webhook_delivery_duration_seconds_count", {"outcome": "gave_up"}
    )
    return value or 0.0


async def test_a_paused_webhook_and_a_restarted_worker_lose_nothing(
    api: Api, services: Services, receiver: Receiver, quiet_jobs: None
) -> None:
    # given a paused webhook, and two entries published and withdrawn meanwhile
    org = await api.new_org()
    created = await create(api, org, receiver.url, events=["PUBLISHED", "WITHDRAWN"])
    token = await api.token(ADMIN)
    paused = await api.ok(PAUSE, {"id": created["webhook"]["id"]}, token)
    first = await api.demo_publish(org)
    second = await api.demo_publish(org)
    await api.act(await api.token("demo-unit-head"), first["id"], "WITHDRAW", opinion="撤回。")
    await services.deliveries.run()
    while_paused = len(receiver.requests)

    # when it is resumed and a new worker (as after a restart) runs
    resumed = await api.ok(RESUME, {"id": created["webhook"]["id"]}, token)
    await Deliveries(services.webhooks, services.changes).run()

    # then every change arrives, in feed order, once
    assert (paused["pauseWebhook"]["paused"], resumed["resumeWebhook"]["paused"], while_paused) == (
        True,
        False,
        0,
    )
    received = sorted((json.loads(r.body) for r in receiver.requests), key=lambda p: int(p["sequence"]))
    assert [(p["event"], p["item"]["id"]) for p in received] == [
        ("PUBLISHED", first["id"]),
        ("PUBLISHED", second["id"]),
        ("WITHDRAWN", first["id"]),
    ]


async def test_webhooks_hear_only_their_organizations_subtree(
    api: Api, services: Services, receiver: Receiver, quiet_jobs: None
) -> None:
    # given a webhook on a child organization
    parent = await api.new_org()
    child = await api.new_org(parent)
    await create(api, child, receiver.url)

    # when entries are published in the parent and in the child
    await api.demo_publish(parent)
    below = await api.demo_publish(child)
    await services.deliveries.run()

    # then only the child's arrives
    assert [json.loads(r.body)["item"]["id"] for r in receiver.requests] == [below["id"]]


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        pytest.param(
            "http://10.0.0.1/hook",
            "WEBHOOK_TARGET_REFUSED",
            WebhookTargetRefused.default_message,
            id="private",
        ),
        pytest.param(
            "http://169.254.169.254/latest/meta-data",
            "WEBHOOK_TARGET_REFUSED",
            WebhookTargetRefused.default_message,
            id="metadata",
        ),
        pytest.param(
            "http://[::ffff:192.168.1.1]/",
            "WEBHOOK_TARGET_REFUSED",
            WebhookTargetRefused.default_message,
            id="mapped",
        ),
        pytest.param(
            "http://0.0.0.0:8000/",
            "WEBHOOK_TARGET_REFUSED",
            WebhookTargetRefused.default_message,
            id="unspecified",
        ),
        pytest.param(
            "ftp://example.com/",
            "BAD_USER_INPUT",
            "推送地址须为 http:// 或 https:// 开头的完整网址，且不含用户名和密码。",
            id="scheme",
        ),
        pytest.param(
            "http://user:pw@example.com/",
            "BAD_USER_INPUT",
            "推送地址须为 http:// 或 https:// 开头的完整网址，且不含用户名和密码。",
            id="credentials",
        ),
    ],
)
async def test_internal_and_malformed_targets_are_refused(
    api: Api, services: Services, url: str, code: str, message: str
) -> None:
    # given an organization
    org = await api.new_org()

    # when a webhook to an internal or malformed address is created
    body = await api.post(CREATE, {"i": {"url": url, "organization": org}}, await api.token(ADMIN))

    # then it is refused on the url field and nothing is stored
    assert error_of(body) == (code, message)
    assert body["errors"][0]["extensions"]["field"] == "url"
    assert await services.webhooks.webhooks.count_documents({"url": url}) == 0


async def test_loopback_is_refused_unless_a_network_allows_it() -> None:
    # given production's rule (no networks listed) and one that lists 10.1.0.0/16
    listed = [ipaddress.ip_network("10.1.0.0/16")]

    # when loopback and a listed private address are checked
    # then loopback is refused without a listing, and the listed address is accepted
    with pytest.raises(WebhookTargetRefused):
        await resolve("http://127.0.0.1:9000/hook", [])
    assert (await resolve("http://10.1.2.3/hook", listed)).address == "10.1.2.3"
    with pytest.raises(WebhookTargetRefused):
        await resolve("http://10.2.0.1/hook", listed)


@pytest.mark.parametrize(
    ("who", "code"),
    [pytest.param(None, "UNAUTHENTICATED", id="anonymous"), pytest.param(OFFICER, "FORBIDDEN", id="officer")],
)
@pytest.mark.parametrize("operation", ["create", "list", "pause", "resume", "delete", "resend"])
async def test_only_webhook_administrators_manage_webhooks(
    api: Api, services: Services, receiver: Receiver, who: str | None, code: str, operation: str
) -> None:
    # given a webhook an administrator made
    org = await api.new_org()
    created = await create(api, org, receiver.url)
    hook = created["webhook"]["id"]
    token = await api.token(who) if who else None

    # when someone without webhook.manage tries an operation
    queries = {
        "create": (CREATE, {"i": {"url": receiver.url, "organization": org}}),
        "list": (LIST, {"o": org}),
        "pause": (PAUSE, {"id": hook}),
        "resume": (RESUME, {"id": hook}),
        "delete": (DELETE, {"id": hook}),
        "resend": (RESEND, {"id": random_id("WebhookDelivery")}),
    }
    query, variables = queries[operation]
    body = await api.post(query, variables, token)

    # then it is refused, and the organization's one webhook is as it was
    assert body["errors"][0]["extensions"]["code"] == code
    org_id = from_global_id(org)[1]
    assert await services.webhooks.webhooks.count_documents({"org_id": org_id}) == 1
    assert (
        await services.webhooks.webhooks.count_documents({"_id": from_global_id(hook)[1], "paused": False})
        == 1
    )


async def test_creation_and_deletion_are_in_the_audit_log(
    api: Api, services: Services, receiver: Receiver
) -> None:
    # given a webhook made and then deleted by the administrator
    org = await api.new_org()
    token = await api.token(ADMIN)
    created = await create(api, org, receiver.url)
    deleted = await api.ok(DELETE, {"id": created["webhook"]["id"]}, token)

    # when the audit log is read for webhooks
    data = await api.ok(
        '{ auditLog(filter: {targetType: "Webhook"}, first: 200) { edges { node { action actionLabel targetLabel'
        " organization { id } } } } }",
        None,
        token,
    )

    # then both are there, and the webhook is gone
    mine = [e["node"] for e in data["auditLog"]["edges"] if e["node"]["organization"]["id"] == org]
    assert [(n["action"], n["actionLabel"], n["targetLabel"]) for n in mine] == [
        ("webhook.delete", "删除推送地址", receiver.url),
        ("webhook.create", "新建推送地址", receiver.url),
    ]
    assert deleted["deleteWebhook"] is True
    assert (await api.ok(LIST, {"o": org}, token))["webhooks"] == []


def _certificate(subject: str, key: Any, issuer: x509.Name | None, signer: Any, ca: bool) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.now().astimezone()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture
def https_receiver(tmp_path: Path) -> Iterator[tuple[Receiver, Path]]:
    """An HTTPS receiver whose certificate (for 127.0.0.1) is signed by a CA made here, and that CA's
    PEM file: trusted by nobody until a setting names it."""
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Gongkai test CA", ca_key, None, ca_key, ca=True)
    leaf = _certificate("127.0.0.1", leaf_key, ca.subject, ca_key, ca=False)
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "leaf.pem", tmp_path / "leaf.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_file, key_file)
    for served in _serve(server_tls):
        yield served, ca_file


async def test_an_https_receiver_is_delivered_to_once_its_ca_is_trusted(
    api: Api,
    services: Services,
    https_receiver: tuple[Receiver, Path],
    quiet_jobs: None,
    delivery_clock: SteppedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given an HTTPS receiver with a certificate of a CA the delivery worker does not trust yet
    receiver, ca_file = https_receiver
    org = await api.new_org()
    await create(api, org, receiver.url, secret=SECRET)
    entry = await api.demo_publish(org)

    # when the job runs with the system's certificate authorities only
    await services.deliveries.run()
    refused = await deliveries(api, org)
    # and again, once GONGKAI_WEBHOOK_CA_FILE names the CA and the retry is due
    monkeypatch.setattr(services.deliveries, "tls", tls_context(ca_file))
    delivery_clock.advance(30)
    await services.deliveries.run()

    # then the first attempt failed with a plain error and was kept for a retry, nothing arrived
    assert [(d["status"], d["attempts"], d["lastStatusCode"]) for d in refused] == [("PENDING", 1, None)]
    assert refused[0]["lastError"] in {
        "接收方的 HTTPS 证书未通过验证：unable to get local issuer certificate",
        "接收方的 HTTPS 证书未通过验证：self-signed certificate in certificate chain",
    }
    # and the retry arrived over TLS, signed, and is recorded as delivered
    assert [(d["status"], d["attempts"], d["lastError"]) for d in await deliveries(api, org)] == [
        ("DELIVERED", 2, None)
    ]
    assert len(receiver.requests) == 1
    assert verified(SECRET, receiver.requests[0])
    assert json.loads(receiver.requests[0].body)["item"]["id"] == entry["id"]
