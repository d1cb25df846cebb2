"""Rotating the keys that protect requests' personal data: GONGKAI_REQUEST_DATA_KEY with its previous
keys, and GONGKAI_SECRET_KEY, which no longer touches query codes. Each test builds RequestServices
of its own with fresh random keys on the session's database (the app's own keys are left alone), so
every request made before by other tests opens under none of them."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from cms.content.ids import to_global_id
from cms.errors import DomainError
from cms.requests.codes import ApplicantKind, Delivery, Form
from cms.requests.crypto import CodeKeys, FieldCipher, key_id
from cms.requests.service import Applicant, NewRequest, RequestService
from cms.requests.service import _write as write_request
from cms.settings import Settings
from storage.requests import DisclosureRequest
from tests.helpers import OFFICE, ROOT_KEY, Api, error_of
from tests.test_search import principal_of

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
