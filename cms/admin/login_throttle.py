"""Login throttling: failed sign-ins counted per source address and per (account name, source).

Counts live in MongoDB (collection ``login_failures``), so every server process sees the same ones.
Each count has a fixed window that starts with its first failure; when the window has passed the count
starts again, so every throttle ends on its own after at most one window.

- A source (an IPv4 address, an IPv6 /64) with ``per_source`` failures in a window is refused for every
  account: it bounds password spraying from one place. A successful sign-in does not clear it, or an
  attacker with one account of their own could reset it between guesses.
- An account name tried ``per_account_and_source`` times from one source is refused from that source
  only. The name is counted whether an account has it or not, so the answer reveals nothing, and a
  stranger who guesses from elsewhere never locks the real user out: the right password from another
  source still works.
- An account name with ``account_under_attack`` failures in a window from all sources together (a
  distributed guesser) gets a smaller allowance: one failure per source. A new source still gets one
  try, so the real user still gets in, and a guesser needs a fresh address for every guess.

Keys are keyed hashes (HMAC-SHA256 under a key derived from the secret): the collection holds no
user names (or passwords typed into the name field) and no addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from storage.accounts import LoginFailures


@dataclass(frozen=True)
class ThrottleLimits:
    window: timedelta = timedelta(minutes=15)
    per_account_and_source: int = 5
    # An office behind one NAT address shares this allowance: generous, but it still stops spraying.
    per_source: int = 30
    account_under_attack: int = 50


@dataclass(frozen=True)
class AttemptKeys:
    account: str
    pair: str
    source: str


class LoginThrottle:
    def __init__(self, secret: bytes, limits: ThrottleLimits) -> None:
        self._key = hashlib.sha256(b"gongkai-login-throttle\0" + secret).digest()
        self.limits = limits

    def keys(self, username: str, source: str | None) -> AttemptKeys:
        name = username.strip().lower()
        where = source_of(source)
        return AttemptKeys(
            account=self._hash("account", name),
            pair=self._hash("pair", name, where),
            source=self._hash("source", where),
        )

    async def blocked(self, keys: AttemptKeys, now: datetime) -> bool:
        counts = await self._counts(keys, now)
        limits = self.limits
        if counts.get(keys.source, 0) >= limits.per_source:
            return True
        under_attack = counts.get(keys.account, 0) >= limits.account_under_attack
        allowance = 1 if under_attack else limits.per_account_and_source
        return counts.get(keys.pair, 0) >= allowance

    async def failed(self, keys: AttemptKeys, now: datetime) -> None:
        await self._count(keys.account, keys.account, now)
        await self._count(keys.pair, keys.account, now)
        await self._count(keys.source, None, now)

    async def succeeded(self, keys: AttemptKeys) -> None:
        """The user knows the password: forget their own mistakes from this source (not the source's)."""
        await LoginFailures.get_pymongo_collection().delete_one({"key": keys.pair})

    async def forget_account(self, username: str) -> None:
        """A new password: every count against the account name starts again."""
        account = self._hash("account", username.strip().lower())
        await LoginFailures.get_pymongo_collection().delete_many({"account": account})

    async def _counts(self, keys: AttemptKeys, now: datetime) -> dict[str, int]:
        found = LoginFailures.get_pymongo_collection().find(
            {"key": {"$in": [keys.account, keys.pair, keys.source]}, "until": {"$gt": now}},
            projection={"key": True, "failures": True, "_id": False},
        )
        return {doc["key"]: doc["failures"] async for doc in found}

    async def _count(self, key: str, account: str | None, now: datetime) -> None:
        collection = LoginFailures.get_pymongo_collection()
        until = now + self.limits.window
        # A count whose window has passed starts again (the TTL index may not have removed it yet).
        await collection.update_one(
            {"key": key, "until": {"$lte": now}}, {"$set": {"failures": 0, "until": until}}
        )
        for _ in range(2):  # two first failures at once: one upsert wins, the other then increments
            try:
                await collection.update_one(
                    {"key": key},
                    {"$inc": {"failures": 1}, "$setOnInsert": {"until": until, "account": account}},
                    upsert=True,
                )
                return
            except DuplicateKeyError:
                continue

    def _hash(self, *parts: str) -> str:
        return hmac.new(self._key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def source_of(host: str | None) -> str:
    """The throttled unit of a client address: an IPv4 address, or the /64 an IPv6 host gets."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]  # not an address (a test client's name): taken as it is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
