"""Rotating the keys that protect requests' personal data: GONGKAI_REQUEST_DATA_KEY with its previous
keys, and GONGKAI_SECRET_KEY, which no longer touches query codes. Each test builds RequestServices
of its own with fresh random keys on the session's database (the app's own keys are left alone), so
every request made before by other tests opens under none of them."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from pymongo import AsyncMongoClient

from authz import Principal
from cms.changes.feed import ChangeKind
from cms.changes.webhooks import WebhookService, WebhookSpec
from cms.content.ids import to_global_id
from cms.errors import DomainError
from cms.requests.codes import ApplicantKind, Delivery, Form
from cms.requests.crypto import CodeKeys, FieldCipher, key_id
from cms.requests.keys import RequestRekeying
from cms.requests.service import Applicant, NewRequest, RequestService
from cms.requests.service import _write as write_request
from cms.settings import Settings
from storage.audit import AuditRecord
from storage.documents import utcnow
from storage.requests import DisclosureRequest
from tests.helpers import ADMIN, OFFICE, ROOT_KEY, Api, error_of
from tests.test_search import principal_of

ROOT = Path(__file__).resolve().parents[1]
OLD_SECRET = "old-secret-" + "o" * 32
NEW_SECRET = "new-secret-" + "n" * 32
NOT_FOUND = ("NOT_FOUND", "未找到该申请，请核对申请编号和查询码。")
UNREADABLE = ("PERSONAL_DATA_UNREADABLE", "申请人信息无法解密（加密密钥已更换），请联系系统管理员。")
APPLICANT = Applicant(name="张 三", id_number="53010219800101001x", phone="13900001111")
APPLICANT_OF = "query($id: ID!) { disclosureRequest(id: $id) { applicant { name phone } } }"


def new_key() -> bytes:
    return os.urandom(32)


def b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def legacy_codes(secret: str) -> CodeKeys:
    """The query codes' key before this change: derived from the signing key."""
    return CodeKeys(hashlib.sha256(b"gongkai-request-codes\0" + secret.encode()).digest())


def with_keys(
    services: Any, data: list[bytes], secrets: list[str], codes: CodeKeys | None = None
) -> RequestService:
    """The app's request service as a node configured with these keys (current first) would build it."""
    base = services.requests
    return RequestService(
        base.access,
        base.calendar,
        FieldCipher(data[0], data[1:]),
        codes or CodeKeys.derive(data, secrets),
        base.limits,
        review=base.review,
        filing=base.filing,
    )


@pytest.fixture
async def org(services, fresh_org):
    made = await fresh_org(parent=services.orgs.tree.by_key[ROOT_KEY])
    await services.reload_tree()  # the demo roles, granted over the province, now cover it
    return made


@pytest.fixture
async def office(services):
    return await principal_of(services, OFFICE)


async def submit(requests: RequestService, org: Any) -> tuple[DisclosureRequest, str]:
    new = NewRequest(
        org.id,
        ApplicantKind.NATURAL_PERSON,
        APPLICANT,
        "请求公开某项目批复",
        Form.ELECTRONIC,
        Delivery.ONLINE,
    )
    return await requests.submit(f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", new)


async def stored(request: DisclosureRequest) -> DisclosureRequest:
    found = await DisclosureRequest.get(request.id)
    assert found is not None
    return found


# -- sealed personal data ---------------------------------------------------------------------------


async def test_sealed_data_opens_after_rotation_while_the_old_key_is_listed(services, org, office):
    # given a request sealed under the old key
    old, new = new_key(), new_key()
    request, _ = await submit(with_keys(services, [old], [NEW_SECRET]), org)

    # when the data key is rotated with the old one in the previous list
    rotated = with_keys(services, [new, old], [NEW_SECRET])

    # then the applicant reads as before, and new values are sealed under the new key alone
    assert rotated.applicant(office, request) == APPLICANT
    fresh, _ = await submit(rotated, org)
    assert with_keys(services, [new], [NEW_SECRET]).applicant(office, fresh) == APPLICANT


async def test_sealed_data_without_its_key_is_a_plain_error(services, org, office):
    # given a request sealed under a key that is then dropped
    old, new = new_key(), new_key()
    request, _ = await submit(with_keys(services, [old], [NEW_SECRET]), org)

    # when it is read under the new key alone
    with pytest.raises(DomainError) as refused:
        with_keys(services, [new], [NEW_SECRET]).applicant(office, request)

    # then the error says so, not a 500
    assert (refused.value.code, refused.value.message) == UNREADABLE


async def test_the_staff_view_of_an_unreadable_applicant_answers_a_plain_error(services, gql, settings, org):
    # given a request sealed under a key the app does not hold
    request, _ = await submit(with_keys(services, [new_key()], [NEW_SECRET]), org)
    api = Api(gql, settings.demo_password.get_secret_value())

    # when the disclosure office opens the applicant
    body = await api.post(
        APPLICANT_OF, {"id": to_global_id("DisclosureRequest", request.id)}, await api.token(OFFICE)
    )

    # then the field fails with its code, the rest of the answer stands
    assert error_of(body) == UNREADABLE
    assert body["errors"][0]["path"] == ["disclosureRequest", "applicant"]


# -- query codes ------------------------------------------------------------------------------------


async def test_a_status_lookup_survives_rotating_the_signing_key_and_dropping_the_old_one(services, org):
    # given a request made while the old signing key was current
    data = [new_key()]
    request, code = await submit(with_keys(services, data, [OLD_SECRET]), org)

    # when the signing key is rotated and, after the token lifetime, the old one dropped
    dropped = with_keys(services, data, [NEW_SECRET])

    # then the applicant still finds the request
    assert (await dropped.status(request.number, code)).id == request.id


async def test_a_status_lookup_survives_rotating_the_data_key(services, org):
    # given a request made under the old data key, and the key rotated with the old one listed
    old, new = new_key(), new_key()
    request, code = await submit(with_keys(services, [old], [NEW_SECRET]), org)
    rotated = with_keys(services, [new, old], [NEW_SECRET])

    # when the applicant looks, then the request is found and its code rehashed under the new key
    assert (await rotated.status(request.number, code)).id == request.id
    assert (await stored(request)).code_key == rotated.codes.current_id
    assert (await with_keys(services, [new], [NEW_SECRET]).status(request.number, code)).id == request.id


async def test_a_legacy_hash_is_upgraded_at_lookup_and_the_old_signing_key_can_go(services, org):
    # given a request hashed before this change (under the signing key, no key id stored)
    data = [new_key()]
    request, code = await submit(with_keys(services, data, [], codes=legacy_codes(OLD_SECRET)), org)
    await DisclosureRequest.get_pymongo_collection().update_one(
        {"_id": request.id}, {"$unset": {"code_key": 1}}
    )
    legacy_hash = request.code_hash

    # when the applicant looks after the signing key was rotated (the old one still listed)
    rotated = with_keys(services, data, [NEW_SECRET, OLD_SECRET])
    found = await rotated.status(request.number, code)

    # then the hash is rewritten under the data key, and the old signing key is no longer needed
    after = await stored(request)
    assert found.id == request.id
    assert after.code_hash != legacy_hash
    assert after.code_hash == CodeKeys.derive(data, []).hash(f"{request.number}\0{code}")
    assert after.code_key == key_id(rotated.codes.current)
    assert (await with_keys(services, data, [NEW_SECRET]).status(request.number, code)).id == request.id


async def test_a_step_that_read_the_request_before_an_upgrade_does_not_write_the_old_hash_back(services, org):
    # given a request read by a step, then upgraded by the applicant's lookup
    data = [new_key()]
    request, code = await submit(with_keys(services, data, [], codes=legacy_codes(OLD_SECRET)), org)
    rotated = with_keys(services, data, [NEW_SECRET, OLD_SECRET])
    read_before = await stored(request)
    await rotated.status(request.number, code)

    # when the step writes what it read (every step writes through _write)
    read_before.description = "补充说明"
    await write_request(read_before, read_before.version, None)

    # then the step's change is written and the upgraded hash stays
    after = await stored(request)
    assert (after.description, after.code_key) == ("补充说明", rotated.codes.current_id)


@pytest.mark.parametrize(
    "made_under",
    ["current-data-key", "previous-data-key", "current-signing-key", "previous-signing-key"],
)
async def test_a_wrong_code_is_not_found_under_every_key(services, org, made_under):
    # given a request whose code is hashed under one of the keys a lookup accepts
    old_data, new_data = new_key(), new_key()
    makers = {
        "current-data-key": with_keys(services, [new_data], []),
        "previous-data-key": with_keys(services, [old_data], []),
        "current-signing-key": with_keys(services, [old_data], [], codes=legacy_codes(NEW_SECRET)),
        "previous-signing-key": with_keys(services, [old_data], [], codes=legacy_codes(OLD_SECRET)),
    }
    request, code = await submit(makers[made_under], org)
    lookup = with_keys(services, [new_data, old_data], [NEW_SECRET, OLD_SECRET])
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)

    # when the applicant gives a wrong code, or a number that does not exist
    outcomes = []
    for number, given in ((request.number, wrong), ("YSQ-1999-999999", code)):
        with pytest.raises(DomainError) as refused:
            await lookup.status(number, given)
        outcomes.append((refused.value.code, refused.value.message))

    # then both answer the same NOT_FOUND, and nothing is rewritten
    assert outcomes == [NOT_FOUND, NOT_FOUND]
    assert (await stored(request)).code_hash == request.code_hash
    assert (await lookup.status(request.number, code)).id == request.id  # the right code still works


# -- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "previous",
    [
        pytest.param(["not base64 at all!"], id="not-base64"),
        pytest.param([b64(b"short")], id="too-short"),
        pytest.param([b64(new_key()), b64(os.urandom(33))], id="second-too-long"),
    ],
)
def test_a_malformed_previous_data_key_names_the_setting(previous):
    with pytest.raises(ValidationError) as refused:
        Settings(request_data_key=b64(new_key()), request_data_previous_keys=previous)

    assert "GONGKAI_REQUEST_DATA_PREVIOUS_KEYS must be 32 bytes in URL-safe base64" in str(refused.value)


def test_previous_data_keys_are_read_from_the_environment_as_a_json_list(monkeypatch):
    keys = [b64(new_key()), b64(new_key()).rstrip("=")]
    monkeypatch.setenv("GONGKAI_REQUEST_DATA_PREVIOUS_KEYS", f'["{keys[0]}", "{keys[1]}"]')

    settings = Settings()

    assert [k.get_secret_value() for k in settings.request_data_previous_keys] == keys


# -- gongkai rekey-requests -----------------------------------------------------------------------

OPERATOR = Principal(user_id=None, username="gongkai rekey-requests")


@dataclass
class Rotation:
    old: bytes
    new: bytes
    before: RequestService  # a node before the rotation
    after: RequestService  # a node after it, the old key listed as previous
    hooks_before: WebhookService
    hooks_after: WebhookService

    def rekeying(self, services: Any) -> RequestRekeying:
        return RequestRekeying(self.after, self.hooks_after, services.webhooks.audit)


@pytest.fixture
async def rotation(services) -> AsyncIterator[Rotation]:
    old, new = new_key(), new_key()
    made = Rotation(
        old,
        new,
        with_keys(services, [old], [NEW_SECRET]),
        with_keys(services, [new, old], [NEW_SECRET]),
        webhooks_with(services, FieldCipher(old)),
        webhooks_with(services, FieldCipher(new, [old])),
    )
    yield made
    # the webhooks this test made: the app cannot open their secrets
    await services.webhooks.webhooks.delete_many({"url": HOOK_URL})


HOOK_URL = "http://127.0.0.1:9/rekey-test"


def webhooks_with(services: Any, cipher: FieldCipher) -> WebhookService:
    base = services.webhooks
    return WebhookService(services.db, base.access, base.audit, base.feed, cipher, base.networks)


async def counts() -> dict[str, int]:
    """What the rekeying will find that other tests left: sealed under keys it does not hold."""
    requests = DisclosureRequest.get_pymongo_collection()
    kept = await requests.find({"personal_erased_at": None}, {"personal": 1}).to_list()
    return {
        "readable_elsewhere": sum(1 for doc in kept if doc.get("personal")),
        "nothing_sealed": sum(1 for doc in kept if not doc.get("personal")),  # written directly by tests
        "erased": await requests.count_documents({"personal_erased_at": {"$ne": None}}),
        "webhooks": await requests.database["webhooks"].count_documents({}),
    }


async def test_rekeying_reseals_every_request_and_webhook_secret_under_the_current_key(
    services, org, rotation
):
    # given two requests and a webhook sealed under the old key, and an erased request
    admin = await principal_of(services, ADMIN)
    others = await counts()
    made = [await submit(rotation.before, org) for _ in range(3)]
    erased = made[2][0]
    await DisclosureRequest.get_pymongo_collection().update_one(
        {"_id": erased.id}, {"$set": {"personal": {}, "applicant_key": "", "personal_erased_at": utcnow()}}
    )
    hook, secret = await rotation.hooks_before.create(
        admin, WebhookSpec(HOOK_URL, org.id, (ChangeKind.PUBLISHED,), None)
    )
    last_audit = await AuditRecord.find_one(sort=[("seq", -1)])

    # when the operator runs it dry, then for real, then again
    dry = await rotation.rekeying(services).run(OPERATOR, dry_run=True)
    untouched = [await stored(request) for request, _ in made[:2]]
    done = await rotation.rekeying(services).run(OPERATOR, dry_run=False)
    again = await rotation.rekeying(services).run(OPERATOR, dry_run=False)

    # then the dry run counted what the run did and wrote nothing
    total = await DisclosureRequest.get_pymongo_collection().count_documents({})
    expected = {
        "requestsResealed": 2,
        "requestsCurrent": others["nothing_sealed"],
        "requestsUnreadable": others["readable_elsewhere"],
        "requestsErased": others["erased"] + 1,
        "webhooksResealed": 1,
        "webhooksCurrent": 0,
        "webhooksUnreadable": others["webhooks"],
        "codesOnEarlierKeys": total,  # query codes rehash only at the applicant's lookup
    }
    assert dry.as_audit() == done.as_audit() == expected
    assert [r.personal for r in untouched] == [r.personal for r, _ in made[:2]]
    # and the run sealed everything under the new key alone, applicant_key recomputed
    only_new = with_keys(services, [rotation.new], [NEW_SECRET])
    office = await principal_of(services, OFFICE)
    for request, _ in made[:2]:
        after = await stored(request)
        assert only_new.applicant(office, after) == APPLICANT
        assert after.applicant_key == only_new.applicant_key(APPLICANT)
        assert after.version == request.version + 1
    hook_doc = await services.webhooks.webhooks.find_one({"_id": hook.id})
    assert webhooks_with(services, FieldCipher(rotation.new)).secret_of(hook_doc) == secret
    # and the rerun found it all current
    current = (again.requests.resealed, again.requests.current, again.webhooks.current)
    assert current == (0, 2 + others["nothing_sealed"], 1)
    # and one audit entry per real run, named by the command
    records = (
        await AuditRecord.find(
            {"seq": {"$gt": last_audit.seq if last_audit else 0}, "action": "requests.rekey"}
        )
        .sort("seq")
        .to_list()
    )
    assert [(r.actor_name, r.actor_id, r.target_type, r.after) for r in records] == [
        ("gongkai rekey-requests", "", "RequestKeys", expected),
        ("gongkai rekey-requests", "", "RequestKeys", again.as_audit()),
    ]


async def test_a_request_changed_meanwhile_is_read_again_and_resealed(services, org, rotation):
    # given a request the rekeying has read, then changed by a step
    request, _ = await submit(rotation.before, org)
    read = await DisclosureRequest.get_pymongo_collection().find_one({"_id": request.id})
    changed = await stored(request)
    seen, changed.version, changed.description = changed.version, changed.version + 1, "补充说明"
    await write_request(changed, seen, None)

    # when the rekeying writes what it read
    outcome = await rotation.rekeying(services)._rekey(read, dry_run=False)

    # then it read the request again: the step's change stays, and the data is under the new key
    after = await stored(request)
    assert (outcome, after.description, after.version) == ("resealed", "补充说明", request.version + 2)
    office = await principal_of(services, OFFICE)
    assert with_keys(services, [rotation.new], [NEW_SECRET]).applicant(office, after) == APPLICANT


async def test_a_step_that_read_the_request_before_the_rekeying_cannot_write_old_values_back(
    services, org, rotation
):
    # given a request a step has read, then re-sealed
    request, _ = await submit(rotation.before, org)
    read_by_step = await stored(request)
    doc = await DisclosureRequest.get_pymongo_collection().find_one({"_id": request.id})
    await rotation.rekeying(services)._rekey(doc, dry_run=False)

    # when the step writes, then it is refused as any concurrent change is
    with pytest.raises(DomainError) as refused:
        await write_request(read_by_step, read_by_step.version, None)
    assert refused.value.code == "CONFLICT"


def rekey_command(embedded: Any, settings: Any, database: str, keys: list[bytes], *args: str) -> Any:
    env = {
        **os.environ,
        "GONGKAI_MODE": "demo",
        "GONGKAI_DEMO_DATA": "false",
        "GONGKAI_SECRET_KEY": settings.secret_key.get_secret_value(),
        "GONGKAI_REQUEST_DATA_KEY": b64(keys[0]),
        "GONGKAI_REQUEST_DATA_PREVIOUS_KEYS": json.dumps([b64(k) for k in keys[1:]]),
        "GONGKAI_MONGO_URL": embedded.mongo_url,
        "GONGKAI_MONGO_DATABASE": database,
        "GONGKAI_S3_ENDPOINT": embedded.s3_endpoint,
        "GONGKAI_S3_ACCESS_KEY": embedded.s3_access_key,
        "GONGKAI_S3_SECRET_KEY": embedded.s3_secret_key,
    }
    command = [sys.executable, "-m", "web.cli", "rekey-requests", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def sealed_request(cipher: FieldCipher, number: str) -> dict[str, Any]:
    """A request as stored (only what the rekeying reads), its applicant sealed under ``cipher``."""
    return {
        "number": number,
        "code_hash": "0" * 64,
        "personal": {"name": cipher.seal("张三", f"{number}\0name")},
        "applicant_key": "hashed-under-an-earlier-key",
        "personal_erased_at": None,
        "version": 1,
    }


@pytest.fixture
async def own_database(embedded) -> AsyncIterator[Any]:
    """A database of its own: the command re-seals every request of the database it is given."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(embedded.mongo_url)
    name = f"gongkai_rekey_{uuid.uuid4().hex[:8]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()


async def test_the_command_reseals_counts_and_exits_1_on_an_unreadable_value(
    embedded, settings, own_database
):
    # given a database with a request sealed under the old key
    old, new, lost = new_key(), new_key(), new_key()
    requests = own_database["disclosure_requests"]
    await requests.insert_one(sealed_request(FieldCipher(old), "YSQ-2026-000001"))

    # when the operator runs the command dry, then for real, then again after a request under a lost key appeared
    dry = rekey_command(embedded, settings, own_database.name, [new, old], "--dry-run")
    done = rekey_command(embedded, settings, own_database.name, [new, old])
    await requests.insert_one(sealed_request(FieldCipher(lost), "YSQ-2026-000002"))
    lost_one = rekey_command(embedded, settings, own_database.name, [new, old])

    # then the counts are printed, and an unreadable value exits 1 and is left as it was
    assert (dry.returncode, dry.stdout.splitlines()) == (
        0,
        [
            "申请 / requests: 将重新加密 1，已是当前密钥 0，无法解密 0，已删除个人信息 0",
            "推送密钥 / webhook secrets: 将重新加密 0，已是当前密钥 0，无法解密 0",
            "查询码仍为旧密钥 / query codes under an earlier key: 1（申请人下次查询时更新；此前须保留旧密钥）",
            "试运行，未写入 / dry run",
        ],
    )
    assert (done.returncode, done.stdout.splitlines()[0]) == (
        0,
        "申请 / requests: 已重新加密 1，已是当前密钥 0，无法解密 0，已删除个人信息 0",
    )
    assert (lost_one.returncode, lost_one.stdout.splitlines()[0]) == (
        1,
        "申请 / requests: 已重新加密 0，已是当前密钥 1，无法解密 1，已删除个人信息 0",
    )
    assert "1 项无法用任何已配置的密钥解密" in lost_one.stderr
    first = await requests.find_one({"number": "YSQ-2026-000001"})
    assert FieldCipher(new).open(first["personal"]["name"], "YSQ-2026-000001\0name") == "张三"
    assert first["applicant_key"] == CodeKeys.derive([new], []).hash("applicant\0张三")
    second = await requests.find_one({"number": "YSQ-2026-000002"})
    assert FieldCipher(lost).open(second["personal"]["name"], "YSQ-2026-000002\0name") == "张三"
    # and each real run is in the audit log, named by the command
    audit = await own_database["audit_log"].find({}, {"action": 1, "actor_name": 1}).sort("seq").to_list()
    assert [(r["action"], r["actor_name"]) for r in audit] == [
        ("requests.rekey", "gongkai rekey-requests")
    ] * 2
