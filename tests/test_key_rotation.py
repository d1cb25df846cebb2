"""Key rotation: signing keys are a list, current first; what an earlier key signed stays valid
(tokens until they expire), what no listed key signed is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr, ValidationError

from cms.admin.accounts import AccountService
from cms.content.cursors import CursorCodec
from cms.errors import DomainError
from cms.settings import DEV_SECRET_KEY, Settings

OLD = "old-secret-" + "o" * 32
NEW = "new-secret-" + "n" * 32
OTHER = "other-secret-" + "x" * 32
PASSWORD = "Correct-horse-42"
TOKEN_INVALID = ("TOKEN_INVALID", "登录凭证无效，请重新登录。")
TOKEN_EXPIRED = ("TOKEN_EXPIRED", "登录已过期，请重新登录。")
INVALID_CURSOR = "INVALID_CURSOR"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def accounts(secret: str, clock: Clock, previous: list[str] | None = None) -> AccountService:
    return AccountService(secret, previous_secrets=previous or [], failure_delay=0.0, clock=clock)


@pytest.fixture
async def old_token(services, fresh_org) -> tuple[str, Clock]:
    """A staff token signed with the key in use before the rotation."""
    clock = Clock()
    before = accounts(OLD, clock)
    org = await fresh_org()
    user = await before.create_user(f"rot-{uuid.uuid4().hex[:10]}", PASSWORD, org.id)
    return (await before.login(user.username, PASSWORD)).token, clock


async def test_a_token_signed_with_a_previous_key_stays_valid(old_token):
    # given a token signed with the old key, and a service rotated to a new key that keeps the old one
    token, clock = old_token
    rotated = accounts(NEW, clock, previous=[OLD])

    # when it is presented, then it is accepted
    claims = rotated.verify_token(token)
    assert (await rotated.authenticate(token)).id is not None
    assert claims.expires_at > clock.now


async def test_new_tokens_are_signed_with_the_current_key(old_token):
    # given a rotated service
    _, clock = old_token
    rotated = accounts(NEW, clock, previous=[OLD])
    user = await rotated.by_username((await rotated.authenticate(old_token[0])).username)
    assert user is not None

    # when someone logs in, then the new token verifies under the new key alone, not the old one
    token = (await rotated.login(user.username, PASSWORD)).token
    assert accounts(NEW, clock).verify_token(token).user_id == str(user.id)
    with pytest.raises(DomainError) as refused:
        accounts(OLD, clock).verify_token(token)
    assert (refused.value.code, refused.value.message) == TOKEN_INVALID


@pytest.mark.parametrize(
    "previous",
    [pytest.param([], id="old-key-dropped"), pytest.param([OTHER], id="other-key-listed")],
)
async def test_a_token_signed_with_an_unlisted_key_is_refused(old_token, previous):
    token, clock = old_token
    rotated = accounts(NEW, clock, previous=previous)

    with pytest.raises(DomainError) as refused:
        await rotated.authenticate(token)

    assert (refused.value.code, refused.value.message) == TOKEN_INVALID


async def test_a_token_signed_with_a_previous_key_still_expires(old_token):
    # given an old-key token, accepted after the rotation, when its lifetime has passed
    token, clock = old_token
    rotated = accounts(NEW, clock, previous=[OLD])
    clock.now += timedelta(hours=8, seconds=1)

    # then it is refused as expired
    with pytest.raises(DomainError) as refused:
        await rotated.authenticate(token)
    assert (refused.value.code, refused.value.message) == TOKEN_EXPIRED


def test_a_cursor_signed_with_a_previous_key_stays_valid():
    cursor = CursorCodec(OLD.encode()).encode("2026-01-01T00:00:00|abc")

    rotated = CursorCodec(NEW.encode(), [OTHER.encode(), OLD.encode()])

    assert rotated.decode(cursor) == "2026-01-01T00:00:00|abc"
    assert CursorCodec(NEW.encode()).decode(rotated.encode("k")) == "k"  # signed with the current key


def test_a_cursor_signed_with_an_unlisted_key_is_refused():
    cursor = CursorCodec(OLD.encode()).encode("2026-01-01T00:00:00|abc")

    with pytest.raises(DomainError) as refused:
        CursorCodec(NEW.encode(), [OTHER.encode()]).decode(cursor)

    assert refused.value.code == INVALID_CURSOR


def test_previous_keys_are_read_from_the_environment_as_a_json_list(monkeypatch):
    monkeypatch.setenv("GONGKAI_SECRET_KEY", NEW)
    monkeypatch.setenv("GONGKAI_PREVIOUS_SECRET_KEYS", f'["{OLD}", "{OTHER}"]')

    settings = Settings()

    assert settings.secret_key.get_secret_value() == NEW
    assert settings.previous_secrets == [OLD, OTHER]
    assert OLD not in repr(settings)  # kept secret in logs and tracebacks


REFUSAL = "GONGKAI_PREVIOUS_SECRET_KEYS must hold only random values of at least 32 characters"
PRODUCTION = {
    "mode": "production",
    "secret_key": SecretStr(NEW),
    "mongo_url": "mongodb://db.example/?replicaSet=rs0",
    "s3_endpoint": "s3.example",
    "s3_access_key": "access",
    "s3_secret_key": SecretStr("secret"),
    "public_base_url": "https://gk.example.gov.cn",
    "request_data_key": SecretStr("a2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMtZm9yLWFlcy0"),
}


@pytest.mark.parametrize(
    "previous",
    [pytest.param(DEV_SECRET_KEY, id="development-key"), pytest.param("short", id="short-key")],
)
def test_production_refuses_a_weak_previous_key(previous):
    # pydantic wraps UnsafeConfiguration
    with pytest.raises(ValidationError, match=REFUSAL) as refused:
        Settings(**PRODUCTION, previous_secret_keys=[SecretStr(previous)])

    assert "GONGKAI_SECRET_KEY must" not in str(refused.value)  # the current key is fine


def test_production_accepts_strong_previous_keys():
    settings = Settings(**PRODUCTION, previous_secret_keys=[SecretStr(OLD)])

    assert settings.previous_secrets == [OLD]
