"""Accounts: argon2id passwords, throttled login, bearer tokens that expire and can be revoked."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from argon2 import PasswordHasher
from bson import ObjectId

from cms.admin.accounts import AccountService, ensure_user
from cms.admin.login_throttle import ThrottleLimits, source_of
from cms.errors import DomainError
from storage.accounts import User

SECRET = "test-secret"
PASSWORD = "Correct-horse-42"
TOKEN_KEY = hashlib.sha256(b"gongkai-token\0" + SECRET.encode()).digest()

INVALID_CREDENTIALS = ("INVALID_CREDENTIALS", "用户名或密码错误。")
TOO_MANY_ATTEMPTS = ("TOO_MANY_ATTEMPTS", "登录失败次数过多，请稍后再试。")
ACCOUNT_DISABLED = ("ACCOUNT_DISABLED", "账号已停用，请联系管理员。")
TOKEN_EXPIRED = ("TOKEN_EXPIRED", "登录已过期，请重新登录。")
TOKEN_INVALID = ("TOKEN_INVALID", "登录凭证无效，请重新登录。")
TOKEN_REVOKED = ("TOKEN_REVOKED", "登录凭证已注销，请重新登录。")
WEAK_PASSWORD = ("WEAK_PASSWORD", "密码至少 10 位，且须同时包含字母和数字。")


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class CountingHasher(PasswordHasher):
    """The service's real argon2id parameters, counting verifications: equal counts, equal work."""

    def __init__(self) -> None:
        super().__init__(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verifications += 1
        return super().verify(hash, password)


# Small limits so tests reach them quickly; per source high enough for the tests that use no source.
LIMITS = ThrottleLimits(window=timedelta(minutes=15), per_account_and_source=3, per_source=100)


def new_source() -> str:
    """An IPv6 address in a /64 no other test uses, so the counts of sources never mix."""
    return str(ipaddress.IPv6Address(uuid.uuid4().int >> 64 << 64 | 1))


def unique_username() -> str:
    return f"u-{uuid.uuid4().hex[:12]}"


def error_of(excinfo: pytest.ExceptionInfo[DomainError]) -> tuple[str, str]:
    return excinfo.value.code, excinfo.value.message


async def failure(coro) -> tuple[str, str]:
    with pytest.raises(DomainError) as excinfo:
        await coro
    return error_of(excinfo)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def hasher():
    return CountingHasher()


@pytest.fixture
def accounts(services, clock, hasher):
    return AccountService(secret=SECRET, failure_delay=0.0, clock=clock, throttle=LIMITS, hasher=hasher)


@pytest.fixture
async def org(fresh_org):
    return await fresh_org()


@pytest.fixture
async def user(accounts, org):
    return await accounts.create_user(unique_username(), PASSWORD, org.id, display_name="张三")


async def stored(user: User) -> User:
    found = await User.get(user.id)
    assert found is not None
    return found


# --- login and tokens --------------------------------------------------------------------------


async def test_login_returns_a_token_that_authenticate_accepts(accounts, user, clock):
    result = await accounts.login(user.username, PASSWORD)

    assert result.user.id == user.id
    assert result.expires_at == clock.now.replace(microsecond=0) + timedelta(hours=8)
    assert (await accounts.authenticate(result.token)).id == user.id
    claims = accounts.verify_token(result.token)
    assert (claims.user_id, claims.expires_at) == (str(user.id), result.expires_at)
    assert (await stored(user)).last_login is not None


async def test_usernames_are_case_and_space_insensitive(accounts, org):
    name = unique_username()
    await accounts.create_user(f"  {name.upper()} ", PASSWORD, org.id)

    result = await accounts.login(f"{name.upper()}  ", PASSWORD)

    assert result.user.username == name


async def test_full_width_password_from_a_chinese_ime_is_the_same_password(accounts, org):
    name = unique_username()
    await accounts.create_user(name, "Gongkai2026abc", org.id)

    result = await accounts.login(name, "Ｇｏｎｇｋａｉ２０２６ａｂｃ")

    assert result.user.username == name


async def test_each_login_gets_its_own_token(accounts, user):
    first = await accounts.login(user.username, PASSWORD)
    second = await accounts.login(user.username, PASSWORD)

    assert accounts.verify_token(first.token).jti != accounts.verify_token(second.token).jti


async def test_wrong_password_and_unknown_user_fail_identically(accounts, user):
    wrong_password = await failure(accounts.login(user.username, "Wrong-password-1"))
    unknown_user = await failure(accounts.login(unique_username(), PASSWORD))

    assert wrong_password == unknown_user == INVALID_CREDENTIALS


# --- throttling --------------------------------------------------------------------------------


async def attempts(accounts, username: str, password: str, source: str, times: int) -> list[tuple[str, str]]:
    return [await failure(accounts.login(username, password, source)) for _ in range(times)]


async def throttle(accounts, username: str, source: str) -> None:
    """Use up the allowance of a name from a source."""
    await attempts(accounts, username, "Wrong-password-1", source, LIMITS.per_account_and_source)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param("unknown-name", INVALID_CREDENTIALS, id="unknown-name"),
        pytest.param("malformed-name", INVALID_CREDENTIALS, id="malformed-name"),
        pytest.param("wrong-password", INVALID_CREDENTIALS, id="wrong-password"),
        pytest.param("throttled-wrong-password", TOO_MANY_ATTEMPTS, id="throttled-wrong-password"),
        pytest.param("throttled-right-password", TOO_MANY_ATTEMPTS, id="throttled-right-password"),
        pytest.param("throttled-unknown-name", TOO_MANY_ATTEMPTS, id="throttled-unknown-name"),
        pytest.param("disabled-wrong-password", INVALID_CREDENTIALS, id="disabled-wrong-password"),
    ],
)
async def test_every_refused_attempt_costs_one_verification(accounts, user, hasher, case, expected):
    source = new_source()
    name = {
        "unknown-name": unique_username(),
        "malformed-name": "张三 x",
        "throttled-unknown-name": unique_username(),
    }
    username = name.get(case, user.username)
    password = PASSWORD if case == "throttled-right-password" else "Wrong-password-1"
    if case.startswith("throttled"):
        await throttle(accounts, username, source)
    if case.startswith("disabled"):
        await user.set({"active": False})
    before = hasher.verifications

    answer = await failure(accounts.login(username, password, source))

    assert (answer, hasher.verifications - before) == (expected, 1)


async def test_a_successful_login_costs_one_verification(accounts, user, hasher):
    await accounts.login(user.username, PASSWORD, new_source())

    assert hasher.verifications == 1


async def test_unknown_names_and_wrong_passwords_are_throttled_alike(accounts, user):
    source = new_source()

    real = await attempts(accounts, user.username, "Wrong-password-1", source, 4)
    unknown = await attempts(accounts, unique_username(), "Wrong-password-1", source, 4)

    assert real == unknown == [INVALID_CREDENTIALS] * 3 + [TOO_MANY_ATTEMPTS]


async def test_a_throttled_name_refuses_even_the_right_password_from_that_source(accounts, user):
    source = new_source()
    await throttle(accounts, user.username, source)

    assert await failure(accounts.login(user.username, PASSWORD, source)) == TOO_MANY_ATTEMPTS


async def test_a_stranger_cannot_lock_the_user_out_from_elsewhere(accounts, user):
    await throttle(accounts, user.username, new_source())

    result = await accounts.login(user.username, PASSWORD, new_source())

    assert result.user.id == user.id


async def test_the_throttle_is_per_account_name(accounts, user, org):
    source = new_source()
    other = await accounts.create_user(unique_username(), PASSWORD, org.id)
    await throttle(accounts, user.username, source)

    result = await accounts.login(other.username, PASSWORD, source)

    assert result.user.id == other.id


async def test_names_are_throttled_whatever_their_case(accounts, user):
    source = new_source()
    await throttle(accounts, f" {user.username.upper()} ", source)

    assert await failure(accounts.login(user.username, PASSWORD, source)) == TOO_MANY_ATTEMPTS


async def test_a_source_spraying_many_names_is_throttled_for_every_name(services, user, clock):
    limits = ThrottleLimits(per_account_and_source=3, per_source=5)
    accounts = AccountService(secret=SECRET, failure_delay=0.0, clock=clock, throttle=limits)
    sprayer = new_source()
    sprayed = [await failure(accounts.login(unique_username(), "Password-1234", sprayer)) for _ in range(5)]

    right_password_from_the_sprayer = await failure(accounts.login(user.username, PASSWORD, sprayer))
    from_elsewhere = await accounts.login(user.username, PASSWORD, new_source())

    assert sprayed == [INVALID_CREDENTIALS] * 5
    assert right_password_from_the_sprayer == TOO_MANY_ATTEMPTS
    assert from_elsewhere.user.id == user.id


async def test_the_addresses_of_one_ipv6_network_are_one_source(accounts, user):
    network = ipaddress.IPv6Address(new_source())
    for offset in (0, 1, 0xFFFF_0000_0000):
        await failure(accounts.login(user.username, "Wrong-password-1", str(network + offset)))

    same_network = await failure(accounts.login(user.username, PASSWORD, str(network + 3)))
    another_network = await accounts.login(user.username, PASSWORD, new_source())

    assert same_network == TOO_MANY_ATTEMPTS
    assert another_network.user.id == user.id


@pytest.mark.parametrize(
    ("host", "source"),
    [
        pytest.param("203.0.113.7", "203.0.113.7", id="ipv4"),
        pytest.param("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", id="ipv6-is-its-64"),
        pytest.param("::ffff:203.0.113.7", "203.0.113.7", id="ipv4-mapped"),
        pytest.param("testclient", "testclient", id="not-an-address"),
        pytest.param(None, "unknown", id="none"),
    ],
)
def test_source_of_a_client_address(host, source):
    assert source_of(host) == source


async def test_the_throttle_ends_after_its_window(accounts, user, clock):
    source = new_source()
    await throttle(accounts, user.username, source)

    clock.advance(timedelta(minutes=14, seconds=59))
    still = await failure(accounts.login(user.username, PASSWORD, source))
    clock.advance(timedelta(seconds=1))
    result = await accounts.login(user.username, PASSWORD, source)

    assert still == TOO_MANY_ATTEMPTS
    assert result.user.id == user.id


async def test_the_allowance_starts_again_after_the_window(accounts, user, clock):
    source = new_source()
    await throttle(accounts, user.username, source)
    clock.advance(timedelta(minutes=15))

    again = await attempts(accounts, user.username, "Wrong-password-1", source, 4)

    assert again == [INVALID_CREDENTIALS] * 3 + [TOO_MANY_ATTEMPTS]


async def test_a_successful_login_forgets_the_users_own_mistakes(accounts, user):
    source = new_source()
    await attempts(accounts, user.username, "Wrong-password-1", source, 2)
    await accounts.login(user.username, PASSWORD, source)

    again = await attempts(accounts, user.username, "Wrong-password-1", source, 4)

    assert again == [INVALID_CREDENTIALS] * 3 + [TOO_MANY_ATTEMPTS]


async def test_a_successful_login_does_not_reset_the_sources_count(services, user, org, clock):
    limits = ThrottleLimits(per_account_and_source=3, per_source=4)
    accounts = AccountService(secret=SECRET, failure_delay=0.0, clock=clock, throttle=limits)
    source = new_source()
    await attempts(accounts, unique_username(), "Wrong-password-1", source, 2)
    await accounts.login(user.username, PASSWORD, source)  # the guesser's own account
    await attempts(accounts, unique_username(), "Wrong-password-1", source, 2)

    assert await failure(accounts.login(user.username, PASSWORD, source)) == TOO_MANY_ATTEMPTS


async def test_an_account_under_attack_gives_each_source_one_try(services, user, clock):
    limits = ThrottleLimits(per_account_and_source=3, per_source=100, account_under_attack=6)
    accounts = AccountService(secret=SECRET, failure_delay=0.0, clock=clock, throttle=limits)
    for _ in range(2):
        await attempts(accounts, user.username, "Wrong-password-1", new_source(), 3)
    guesser = new_source()

    one_guess = await attempts(accounts, user.username, "Wrong-password-1", guesser, 2)
    right_password_from_the_guesser = await failure(accounts.login(user.username, PASSWORD, guesser))
    the_user_elsewhere = await accounts.login(user.username, PASSWORD, new_source())

    assert one_guess == [INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS]
    assert right_password_from_the_guesser == TOO_MANY_ATTEMPTS
    assert the_user_elsewhere.user.id == user.id


async def test_concurrent_wrong_attempts_are_all_counted(services, org, clock):
    limits = ThrottleLimits(per_account_and_source=10, per_source=100)
    accounts = AccountService(secret=SECRET, failure_delay=0.0, clock=clock, throttle=limits)
    user = await accounts.create_user(unique_username(), PASSWORD, org.id)
    source = new_source()

    results = await asyncio.gather(
        *(accounts.login(user.username, f"Wrong-password-{i}", source) for i in range(10)),
        return_exceptions=True,
    )

    assert [(e.code, e.message) for e in results] == [INVALID_CREDENTIALS] * 10
    assert await failure(accounts.login(user.username, PASSWORD, source)) == TOO_MANY_ATTEMPTS


async def test_counts_hold_no_names_or_addresses(services, accounts, user):
    source = "198.51.100.23"
    await failure(accounts.login(user.username, "Wrong-password-1", source))

    stored_counts = await services.db["login_failures"].find().to_list()

    assert stored_counts
    assert user.username not in str(stored_counts)
    assert source not in str(stored_counts)


async def test_login_through_graphql_is_throttled_by_the_client_address(app, services, org):
    user = await services.accounts.create_user(unique_username(), PASSWORD, org.id)
    mutation = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"

    async def login(host: str, password: str) -> dict:
        transport = httpx.ASGITransport(app=app, client=(host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post(
                "/graphql", json={"query": mutation, "variables": {"u": user.username, "p": password}}
            )
            assert response.status_code == 200
            return response.json()

    guesser, colleague = "203.0.113.7", "203.0.113.8"
    for _ in range(5):
        await login(guesser, "Wrong-password-1")
    throttled = await login(guesser, PASSWORD)
    elsewhere = await login(colleague, PASSWORD)

    assert throttled["data"] is None
    assert [(e["extensions"]["code"], e["message"]) for e in throttled["errors"]] == [TOO_MANY_ATTEMPTS]
    assert elsewhere["data"]["login"]["token"]


async def test_expired_token_is_refused(accounts, user, clock):
    token = (await accounts.login(user.username, PASSWORD)).token

    clock.advance(timedelta(hours=8))

    assert await failure(accounts.authenticate(token)) == TOKEN_EXPIRED
    with pytest.raises(DomainError) as excinfo:
        accounts.verify_token(token)
    assert error_of(excinfo) == TOKEN_EXPIRED


def _segments(token: str) -> tuple[dict[str, object], dict[str, object], str]:
    header, payload, signature = token.split(".")
    return _unb64(header), _unb64(payload), signature


def _unb64(segment: str) -> dict[str, object]:
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return decoded


def _b64(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _claims(token: str, **changes: object) -> dict[str, object]:
    claims = _segments(token)[1] | changes
    return {k: v for k, v in claims.items() if v is not None}


def forged_with_another_secret(token: str) -> str:
    other_key = hashlib.sha256(b"gongkai-token\0another-secret").digest()
    return jwt.encode(_claims(token), other_key, algorithm="HS256")


def signed_with_the_raw_secret(token: str) -> str:
    # HMAC zero-pads short keys, so this is the raw secret; the padding only avoids PyJWT's short-key warning.
    return jwt.encode(_claims(token), SECRET.ljust(32, "\0"), algorithm="HS256")


def alg_none(token: str) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(token))}."


def other_algorithm_with_the_right_key(token: str) -> str:
    # The same HMAC key as HS256 uses (zero padding), so only the algorithm pin can refuse it.
    return jwt.encode(_claims(token), TOKEN_KEY.ljust(64, b"\0"), algorithm="HS512")


def tampered_payload(token: str) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{_b64(_claims(token, sub=str(ObjectId())))}.{signature}"


def signed(**changes: object):
    def build(token: str) -> str:
        return jwt.encode(_claims(token, **changes), TOKEN_KEY, algorithm="HS256")

    return build


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(forged_with_another_secret, id="forged-with-another-secret"),
        pytest.param(signed_with_the_raw_secret, id="signed-with-the-raw-secret"),
        pytest.param(alg_none, id="alg-none"),
        pytest.param(other_algorithm_with_the_right_key, id="hs512-with-the-right-key"),
        pytest.param(tampered_payload, id="tampered-payload"),
        pytest.param(lambda _: "not-a-token", id="garbage"),
        pytest.param(lambda _: "", id="empty"),
        pytest.param(lambda t: t.rsplit(".", 1)[0], id="signature-cut-off"),
        pytest.param(signed(aud="someone-else"), id="wrong-audience"),
        pytest.param(signed(iss="someone-else"), id="wrong-issuer"),
        pytest.param(signed(jti=None), id="missing-jti"),
        pytest.param(signed(exp=None), id="missing-exp"),
        pytest.param(signed(sub="admin"), id="subject-not-a-user-id"),
        pytest.param(signed(pad="x" * 4096), id="longer-than-4096"),
    ],
)
async def test_bad_tokens_are_invalid(accounts, user, make_token):
    token = make_token((await accounts.login(user.username, PASSWORD)).token)

    assert await failure(accounts.authenticate(token)) == TOKEN_INVALID


async def test_token_of_a_deleted_user_is_invalid(accounts, user):
    token = (await accounts.login(user.username, PASSWORD)).token
    await user.delete()

    assert await failure(accounts.authenticate(token)) == TOKEN_INVALID


# --- logout ------------------------------------------------------------------------------------


async def test_logout_revokes_the_token_and_only_that_token(accounts, user):
    kept = (await accounts.login(user.username, PASSWORD)).token
    ended = (await accounts.login(user.username, PASSWORD)).token

    await accounts.logout(ended)

    assert await failure(accounts.authenticate(ended)) == TOKEN_REVOKED
    assert (await accounts.authenticate(kept)).id == user.id


async def test_logout_twice_is_harmless(accounts, user):
    token = (await accounts.login(user.username, PASSWORD)).token

    await accounts.logout(token)
    await accounts.logout(token)

    assert await failure(accounts.authenticate(token)) == TOKEN_REVOKED


async def test_logout_with_an_expired_token_is_harmless(accounts, user, clock):
    token = (await accounts.login(user.username, PASSWORD)).token
    clock.advance(timedelta(hours=9))

    await accounts.logout(token)

    assert await failure(accounts.authenticate(token)) == TOKEN_EXPIRED


async def test_logout_with_a_forged_token_is_refused(accounts, user):
    token = forged_with_another_secret((await accounts.login(user.username, PASSWORD)).token)

    assert await failure(accounts.logout(token)) == TOKEN_INVALID


# --- disabled accounts -------------------------------------------------------------------------


async def test_disabled_user_cannot_log_in_or_use_an_earlier_token(accounts, user):
    token = (await accounts.login(user.username, PASSWORD)).token
    await user.set({"active": False})

    assert await failure(accounts.login(user.username, PASSWORD)) == ACCOUNT_DISABLED
    assert await failure(accounts.authenticate(token)) == ACCOUNT_DISABLED


async def test_disabled_user_with_a_wrong_password_learns_nothing_about_the_account(accounts, user):
    await user.set({"active": False})

    assert await failure(accounts.login(user.username, "Wrong-password-1")) == INVALID_CREDENTIALS


# --- creating users and passwords --------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        pytest.param("Short1", WEAK_PASSWORD, id="too-short"),
        pytest.param("", WEAK_PASSWORD, id="empty"),
        pytest.param("onlylettersherE", WEAK_PASSWORD, id="no-digit"),
        pytest.param("12345678901234", WEAK_PASSWORD, id="no-letter"),
        pytest.param("!@#$%^&*()_+-=", WEAK_PASSWORD, id="symbols-only"),
        pytest.param("a1" * 129, ("WEAK_PASSWORD", "密码不能超过 256 个字符。"), id="longer-than-256"),
    ],
)
async def test_weak_passwords_are_refused(accounts, org, password, expected):
    assert await failure(accounts.create_user(unique_username(), password, org.id)) == expected


@pytest.mark.parametrize(
    "username",
    [
        pytest.param("ab", id="too-short"),
        pytest.param("a" * 65, id="too-long"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("zhang san", id="inner-space"),
        pytest.param("张三", id="chinese"),
        pytest.param("admin@example.cn", id="email"),
        pytest.param("a/b/c", id="slash"),
        pytest.param("x$ne", id="dollar"),
    ],
)
async def test_bad_usernames_are_refused(accounts, org, username):
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_user(username, PASSWORD, org.id)

    assert error_of(excinfo) == ("BAD_USER_INPUT", "用户名须为 3 至 64 位小写字母、数字或 . _ - 。")
    assert excinfo.value.details == {"field": "username"}


async def test_duplicate_username_is_refused_whatever_the_case(accounts, user, org):
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_user(user.username.upper(), "Another-password-2", org.id)

    assert error_of(excinfo) == ("BAD_USER_INPUT", "用户名已存在。")
    assert excinfo.value.details == {"field": "username"}


async def test_unknown_organization_is_refused(accounts):
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_user(unique_username(), PASSWORD, ObjectId())

    assert error_of(excinfo) == ("BAD_USER_INPUT", "所属机构不存在。")
    assert excinfo.value.details == {"field": "org"}


async def test_only_an_argon2id_hash_of_the_password_is_stored(services, user):
    raw = await services.db["users"].find_one({"_id": user.id})

    assert raw is not None
    assert raw["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(raw)


async def test_login_upgrades_a_hash_made_with_other_parameters(accounts, user):
    await user.set({"password_hash": PasswordHasher(memory_cost=8 * 1024, time_cost=1).hash(PASSWORD)})

    await accounts.login(user.username, PASSWORD)

    assert (await stored(user)).password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_set_password_replaces_the_old_one(accounts, user):
    await accounts.set_password(user.id, "New-password-2026")

    assert await failure(accounts.login(user.username, PASSWORD)) == INVALID_CREDENTIALS
    assert (await accounts.login(user.username, "New-password-2026")).user.id == user.id


async def test_set_password_ends_sessions_opened_before_it(accounts, user, clock):
    old = await accounts.login(user.username, PASSWORD)
    clock.now += timedelta(seconds=2)

    await accounts.set_password(user.id, "New-password-2026")

    assert await failure(accounts.authenticate(old.token)) == TOKEN_REVOKED
    fresh = await accounts.login(user.username, "New-password-2026")
    assert (await accounts.authenticate(fresh.token)).id == user.id


async def test_set_password_lifts_the_throttle(accounts, user):
    source = new_source()
    await throttle(accounts, user.username, source)

    await accounts.set_password(user.id, "New-password-2026")

    assert (await accounts.login(user.username, "New-password-2026", source)).user.id == user.id


async def test_set_password_applies_the_policy(accounts, user):
    assert await failure(accounts.set_password(user.id, "short")) == WEAK_PASSWORD


async def test_set_password_of_an_unknown_user(accounts):
    assert await failure(accounts.set_password(ObjectId(), "New-password-2026")) == (
        "NOT_FOUND",
        "未找到该用户。",
    )


# --- lookups -----------------------------------------------------------------------------------


async def test_lookups_by_id_username_and_organization(accounts, org, fresh_org):
    other_org = await fresh_org()
    beta = await accounts.create_user(f"b-{unique_username()}", PASSWORD, org.id)
    alpha = await accounts.create_user(f"a-{unique_username()}", PASSWORD, org.id)
    elsewhere = await accounts.create_user(unique_username(), PASSWORD, other_org.id)

    assert [u.id for u in await accounts.list_users(org.id)] == [alpha.id, beta.id]
    assert {alpha.id, beta.id, elsewhere.id} <= {u.id for u in await accounts.list_users()}
    assert (await accounts.get(beta.id)).username == beta.username
    assert (await accounts.by_username(beta.username.upper())).id == beta.id
    assert await accounts.get(ObjectId()) is None
    assert await accounts.by_username("nobody-" + uuid.uuid4().hex) is None


async def test_ensure_user_creates_once_and_then_leaves_the_user_alone(accounts, org):
    name = unique_username()

    created, was_created = await ensure_user(accounts, name, PASSWORD, org.id, "管理员")
    existing, created_again = await ensure_user(accounts, name, "Other-password-9", org.id)

    assert (was_created, created_again) == (True, False)
    assert existing.id == created.id
    assert (await accounts.login(name, PASSWORD)).user.display_name == "管理员"
