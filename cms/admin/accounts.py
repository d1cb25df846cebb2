"""Staff accounts: argon2id passwords, throttled login, and short-lived bearer tokens (HS256 JWT).

Every login attempt costs the same, one argon2 verification, whether the name is unknown, the password
wrong or the attempt throttled, and unknown names and wrong passwords get the same answer, so neither the
answer nor its timing tells which names exist. Throttling is in ``cms.admin.login_throttle``.

Logout is recorded per token id (``jti``) until the token would have expired anyway, so tokens stay
stateless for every other request except one indexed lookup.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from beanie import PydanticObjectId, SortDirection
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from cms.admin.login_throttle import LoginThrottle, ThrottleLimits
from cms.errors import (
    AccountDisabled,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    TooManyAttempts,
    WeakPassword,
)
from storage.accounts import RevokedToken, User
from storage.documents import Organization, utcnow

ISSUER = "gongkai"
AUDIENCE = "gongkai-api"
MAX_TOKEN_LENGTH = 4096
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_DISPLAY_NAME_LENGTH = 100

_ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["sub", "jti", "iat", "exp", "iss", "aud"]
_USERNAME = re.compile(r"[a-z0-9._-]{3,64}")
# OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane) rather than argon2-cffi's RFC 9106 default
# (64 MiB, 3 passes, 4 lanes): about 50 ms instead of 200-600 ms on a two-core server, and a third of
# the memory per concurrent login, which bounds what a login flood can take. Hashes made with other
# parameters are upgraded at the next successful login (check_needs_rehash).
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    jti: str
    expires_at: datetime
    issued_at: datetime | None = None
    generation: int = 0  # the account's session generation when issued (absent in older tokens: 0)


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: User


class AccountService:
    def __init__(
        self,
        secret: str,
        *,
        previous_secrets: Sequence[str] = (),
        token_ttl: timedelta = timedelta(hours=8),
        throttle: ThrottleLimits | None = None,
        clock: Callable[[], datetime] = utcnow,
        failure_delay: float = 0.2,
        hasher: PasswordHasher | None = None,
    ) -> None:
        if not secret:
            raise ValueError("AccountService needs a non-empty secret")
        self._key = _token_key(secret)
        # Keys rotate: tokens are signed with the current key and accepted under the previous ones
        # until they expire, so rotating the secret does not log every member of staff out.
        self._keys = [self._key, *(_token_key(old) for old in previous_secrets if old)]
        self._ttl = token_ttl
        self._throttle = LoginThrottle(self._key, throttle or ThrottleLimits())
        self._clock = clock
        self._failure_delay = failure_delay
        self._hasher = hasher or _HASHER
        _dummy_hash()  # pay for it at start-up rather than on the first unknown username

    async def create_user(
        self, username: str, password: str, org_id: ObjectId, display_name: str = ""
    ) -> User:
        name = _valid_username(username)
        password = _acceptable_password(password)
        display_name = display_name.strip()
        if len(display_name) > MAX_DISPLAY_NAME_LENGTH:
            raise InvalidInput(f"显示名称不超过 {MAX_DISPLAY_NAME_LENGTH} 个字符。", field="display_name")
        if await Organization.get(org_id) is None:
            raise InvalidInput("所属机构不存在。", field="org")
        now = self._clock()
        user = User(
            username=name,
            display_name=display_name,
            org_id=PydanticObjectId(org_id),
            password_hash=await self._hash(password),
            created=now,
            modified=now,
        )
        try:
            await user.insert()
        except DuplicateKeyError as exc:
            raise InvalidInput("用户名已存在。", field="username") from exc
        return user

    async def login(self, username: str, password: str, source: str | None = None) -> LoginResult:
        """``source`` is the client's address (throttled per source and per account name and source)."""
        password = _normalized(password)
        keys = self._throttle.keys(username, source)
        now = self._clock()
        blocked = await self._throttle.blocked(keys, now)
        user = await self.by_username(username)
        # Verified in every case, also for unknown names (a dummy hash) and throttled attempts, so that
        # every answer takes the same time.
        correct = await self._verify(user.password_hash if user else _dummy_hash(), password)
        if blocked:
            await asyncio.sleep(self._failure_delay)
            raise TooManyAttempts()
        if user is None or not correct:
            await self._throttle.failed(keys, now)
            await asyncio.sleep(self._failure_delay)
            raise InvalidCredentials()
        # Checked only now: a guesser without the password learns nothing about the account's state.
        if not user.active:
            raise AccountDisabled()
        await self._throttle.succeeded(keys)
        changes: dict[str, Any] = {"last_login": now}
        if self._hasher.check_needs_rehash(user.password_hash):
            changes["password_hash"] = await self._hash(password)
        await user.set(changes)
        token, expires_at = self._issue(user, now)
        return LoginResult(token=token, expires_at=expires_at, user=user)

    async def logout(self, token: str) -> None:
        claims = self._decode(token)
        if claims.expires_at <= self._clock():
            return  # already useless; refusing would only confuse a client that is logging out
        # Logged out before: already the outcome the caller wants.
        with contextlib.suppress(DuplicateKeyError):
            await RevokedToken(jti=claims.jti, expires_at=claims.expires_at).insert()

    def verify_token(self, token: str) -> TokenClaims:
        claims = self._decode(token)
        if claims.expires_at <= self._clock():
            raise TokenExpired()
        return claims

    async def authenticate(self, token: str) -> User:
        claims = self.verify_token(token)
        if await RevokedToken.find_one({"jti": claims.jti}) is not None:
            raise TokenRevoked()
        user = await User.get(PydanticObjectId(claims.user_id))
        if user is None:
            raise TokenInvalid()
        if not user.active:
            raise AccountDisabled()
        # A password change or a disabling ends every session that was opened before it.
        if claims.generation != user.session_generation:
            raise TokenRevoked()
        if user.tokens_valid_after and (
            claims.issued_at is None or claims.issued_at < user.tokens_valid_after
        ):
            raise TokenRevoked()
        return user

    async def set_password(self, user_id: ObjectId, new_password: str) -> None:
        new_password = _acceptable_password(new_password)
        user = await self.get(user_id)
        if user is None:
            raise NotFound("未找到该用户。")
        # A new password is also how an administrator lets a throttled colleague back in.
        await self._throttle.forget_account(user.username)
        await user.set(
            {
                "password_hash": await self._hash(new_password),
                "session_generation": user.session_generation + 1,
                "modified": self._clock(),
            }
        )

    async def set_active(self, user: User, active: bool) -> None:
        """Disabling ends the account's sessions (``authenticate`` refuses an inactive account, and the
        cut-off keeps the old tokens dead after it is enabled again)."""
        changes: dict[str, Any] = {"active": active, "modified": self._clock()}
        if not active:
            changes["session_generation"] = user.session_generation + 1
        await user.set(changes)

    async def reset_password(self, user: User, new_password: str) -> None:
        """An administrator's reset: the user must choose a password of their own at the next login."""
        await self.set_password(user.id, new_password)  # type: ignore[arg-type]
        await user.set({"must_change_password": True})

    async def change_password(self, user: User, current: str, new_password: str) -> LoginResult:
        """The user's own change; other sessions end, and the caller gets a fresh token."""
        new_password = _acceptable_password(new_password)
        if not await self._verify(user.password_hash, _normalized(current)):
            await asyncio.sleep(self._failure_delay)
            raise InvalidInput("当前密码不正确。", field="currentPassword")
        if _normalized(current) == new_password:
            raise InvalidInput("新密码不能与当前密码相同。", field="newPassword")
        await self.set_password(user.id, new_password)  # type: ignore[arg-type]
        user = await self.get(user.id) or user  # type: ignore[arg-type]  # its new session generation
        await user.set({"must_change_password": False})
        token, expires_at = self._issue(user, self._clock())
        return LoginResult(token=token, expires_at=expires_at, user=user)

    async def unlock(self, user: User) -> None:
        """Clears the login throttling counted against the account name (a source's own count stays)."""
        await self._throttle.forget_account(user.username)

    async def search(self, text: str, org_ids: Sequence[ObjectId], limit: int) -> list[User]:
        """Accounts of ``org_ids`` whose username or display name contains ``text``."""
        query: dict[str, Any] = {"org_id": {"$in": list(org_ids)}}
        text = text.strip()
        if text:
            pattern = {"$regex": re.escape(text.lower() if text.isascii() else text), "$options": "i"}
            query["$or"] = [{"username": pattern}, {"display_name": pattern}]
        return await User.find(query).sort([("username", SortDirection.ASCENDING)]).limit(limit).to_list()

    async def get(self, user_id: ObjectId) -> User | None:
        return await User.get(PydanticObjectId(user_id))

    async def get_many(self, user_ids: Sequence[ObjectId]) -> list[User | None]:
        """One query for several accounts, in the order asked; unknown ids as None."""
        found = await User.find({"_id": {"$in": list(set(user_ids))}}).to_list()
        by_id = {user.id: user for user in found}
        return [by_id.get(PydanticObjectId(i)) for i in user_ids]

    async def by_username(self, username: str) -> User | None:
        name = username.strip().lower()
        if not _USERNAME.fullmatch(name):
            return None  # no stored account can have it
        return await User.find_one({"username": name})

    async def list_users(self, org_id: ObjectId | None = None) -> list[User]:
        query: dict[str, Any] = {} if org_id is None else {"org_id": org_id}
        return await User.find(query).sort([("username", SortDirection.ASCENDING)]).to_list()

    async def _hash(self, password: str) -> str:
        # argon2 takes tens of milliseconds of CPU and releases the GIL: keep it off the event loop.
        return await asyncio.to_thread(self._hasher.hash, password)

    async def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _issue(self, user: User, now: datetime) -> tuple[str, datetime]:
        issued = now.replace(microsecond=0)  # JWT times are whole seconds
        expires_at = issued + self._ttl
        claims = {
            "sub": str(user.id),
            "jti": secrets.token_urlsafe(16),
            "iat": issued,
            "exp": expires_at,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "gen": user.session_generation,
        }
        return jwt.encode(claims, self._key, algorithm=_ALGORITHM), expires_at

    def _decode(self, token: str) -> TokenClaims:
        """Signature, format and claims; expiry is left to the caller, judged by the service clock."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise TokenInvalid()
        for key in self._keys:
            try:
                payload = jwt.decode(
                    token,
                    key,
                    algorithms=[_ALGORITHM],
                    audience=AUDIENCE,
                    issuer=ISSUER,
                    # PyJWT reads the wall clock for these; the injected clock decides instead.
                    options={"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
                )
                return _claims(payload)
            except jwt.InvalidSignatureError:
                continue  # perhaps signed with an earlier key
            except (jwt.InvalidTokenError, TypeError, ValueError, OverflowError, OSError) as exc:
                raise TokenInvalid() from exc
        raise TokenInvalid()


def _token_key(secret: str) -> bytes:
    """A key of its own, so that a token can never pass for a signed cursor or the other way round."""
    return hashlib.sha256(b"gongkai-token\0" + secret.encode()).digest()


async def ensure_user(
    service: AccountService, username: str, password: str, org_id: ObjectId, display_name: str = ""
) -> tuple[User, bool]:
    """The user of that name as it is, or a new one; True when it was created."""
    existing = await service.by_username(username)
    if existing is not None:
        return existing, False
    try:
        return await service.create_user(username, password, org_id, display_name), True
    except InvalidInput:
        # Another process may have created it between the lookup and the insert.
        raced = await service.by_username(username)
        if raced is None:
            raise
        return raced, False


def _claims(payload: dict[str, Any]) -> TokenClaims:
    sub, jti, exp = payload["sub"], payload["jti"], payload["exp"]
    if not (isinstance(sub, str) and len(sub) == 24 and ObjectId.is_valid(sub)):
        raise ValueError("sub is not a user id")
    if not (isinstance(jti, str) and jti):
        raise ValueError("jti is empty")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise ValueError("exp is not a whole number of seconds")
    iat = payload.get("iat")
    issued = datetime.fromtimestamp(iat, UTC) if isinstance(iat, int) and not isinstance(iat, bool) else None
    gen = payload.get("gen", 0)
    if not isinstance(gen, int) or isinstance(gen, bool):
        raise ValueError("gen is not a whole number")
    return TokenClaims(
        user_id=sub, jti=jti, expires_at=datetime.fromtimestamp(exp, UTC), issued_at=issued, generation=gen
    )


def _valid_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidInput("用户名须为 3 至 64 位小写字母、数字或 . _ - 。", field="username")
    return name


def _normalized(password: str) -> str:
    # NFKC: a password typed with a Chinese input method in full-width mode (ａｂｃ１２３) is the same
    # password as in half-width mode, so logging in does not depend on the IME state.
    return unicodedata.normalize("NFKC", password)


def _acceptable_password(password: str) -> str:
    password = _normalized(password)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"密码不能超过 {MAX_PASSWORD_LENGTH} 个字符。")
    has_letter = any(c.isalpha() for c in password)
    has_digit = any(c.isdigit() for c in password)
    if len(password) < MIN_PASSWORD_LENGTH or not has_letter or not has_digit:
        raise WeakPassword()
    return password


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))
