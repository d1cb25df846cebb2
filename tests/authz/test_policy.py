from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from authz import (
    ANONYMOUS,
    ROLE_LABELS,
    Authorizer,
    Forbidden,
    Grant,
    GrantStore,
    OrgTree,
    Permission,
    Principal,
    Role,
    load_role_permissions,
)

# 云南省 with one department, two prefectures and their subordinates.
TREE = OrgTree(
    {
        "yn": None,
        "yn-edu": "yn",
        "km": "yn",
        "km-edu": "km",
        "km-wh": "km",
        "km-pl": "km",
        "dl": "yn",
        "dl-city": "dl",
    }
)
KUNMING = frozenset({"km", "km-edu", "km-wh", "km-pl"})

OFFICER_WH = Principal("u-officer", "officer", "km-wh")
PREFECTURE_HEAD = Principal("u-head", "head", "km")
ONLY_KM = Principal("u-only", "only", "km")
DEPT_HEAD = Principal("u-dept", "dept", "km-edu")
ADMIN = Principal("u-admin", "admin", "yn")
TWO_ROLES = Principal("u-two", "two", "dl-city")
NAMED_ADMIN = Principal("admin", "a user whose id is the name of a role", "km-wh")

GRANTS = [
    Grant("u-officer", Role.OFFICER, "km-wh"),
    Grant("u-head", Role.UNIT_HEAD, "km"),
    Grant("u-only", Role.OFFICE, "km", subtree=False),
    Grant("u-dept", Role.DEPT_HEAD, "km-edu"),
    Grant("u-admin", Role.ADMIN, "yn"),
    Grant("u-two", Role.OFFICER, "dl-city"),
    Grant("u-two", Role.SECRECY, "dl-city"),
    Grant("admin", Role.OFFICER, "km-wh"),
]


@pytest.fixture(scope="module")
def authorizer() -> Authorizer:
    return Authorizer(TREE, GRANTS)


# --- the organization tree -----------------------------------------------------------------------


def test_tree_ancestors_start_with_the_org_itself() -> None:
    assert TREE.ancestors("km-wh") == ("km-wh", "km", "yn")


def test_tree_subtree_contains_the_org_and_all_descendants() -> None:
    assert TREE.subtree("km") == KUNMING


@pytest.mark.parametrize(
    ("parents", "message"),
    [
        pytest.param({"a": "b", "b": "a"}, "cycle", id="cycle"),
        pytest.param({"a": None, "b": "missing"}, "unknown parent 'missing'", id="unknown-parent"),
    ],
)
def test_tree_rejects_a_broken_structure(parents: dict[str, str | None], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OrgTree(parents)


# --- decisions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("permission", list(Permission), ids=str)
def test_anonymous_is_denied_everything(authorizer: Authorizer, permission: Permission) -> None:
    assert [org for org in TREE if authorizer.can(ANONYMOUS, permission, org)] == []
    assert authorizer.orgs_with(ANONYMOUS, permission) == frozenset()


@pytest.mark.parametrize(
    ("principal", "permission", "org", "allowed"),
    [
        pytest.param(OFFICER_WH, Permission.CONTENT_CREATE, "km-wh", True, id="officer-creates-in-own-org"),
        pytest.param(OFFICER_WH, Permission.CONTENT_CREATE, "km-pl", False, id="officer-not-in-sibling"),
        pytest.param(OFFICER_WH, Permission.CONTENT_CREATE, "km", False, id="officer-not-in-parent"),
        pytest.param(PREFECTURE_HEAD, Permission.REVIEW_APPROVE, "km", True, id="subtree-grant-at-its-org"),
        pytest.param(PREFECTURE_HEAD, Permission.REVIEW_APPROVE, "km-wh", True, id="subtree-covers-county"),
        pytest.param(PREFECTURE_HEAD, Permission.REVIEW_APPROVE, "km-edu", True, id="subtree-covers-dept"),
        pytest.param(PREFECTURE_HEAD, Permission.REVIEW_APPROVE, "dl", False, id="subtree-not-sibling"),
        pytest.param(PREFECTURE_HEAD, Permission.REVIEW_APPROVE, "dl-city", False, id="subtree-not-cousin"),
        pytest.param(PREFECTURE_HEAD, Permission.REVIEW_APPROVE, "yn", False, id="subtree-not-parent"),
        pytest.param(ONLY_KM, Permission.REGISTER_EXPORT, "km", True, id="org-only-grant-at-its-org"),
        pytest.param(ONLY_KM, Permission.REGISTER_EXPORT, "km-wh", False, id="org-only-grant-not-below"),
        pytest.param(DEPT_HEAD, Permission.REVIEW_DEPARTMENT, "km-edu", True, id="dept-head-reviews"),
        pytest.param(DEPT_HEAD, Permission.REVIEW_APPROVE, "km-edu", False, id="dept-head-cannot-approve"),
        pytest.param(ADMIN, Permission.ROLE_GRANT, "yn", True, id="admin-grants-roles"),
        pytest.param(ADMIN, Permission.ROLE_GRANT, "dl-city", True, id="admin-grants-roles-below"),
        pytest.param(ADMIN, Permission.REVIEW_APPROVE, "yn", False, id="admin-does-not-approve"),
        pytest.param(NAMED_ADMIN, Permission.ROLE_GRANT, "km-wh", False, id="user-id-is-not-a-role"),
        pytest.param(OFFICER_WH, Permission.CONTENT_CREATE, "no-such-org", False, id="unknown-org"),
    ],
)
def test_can(
    authorizer: Authorizer, principal: Principal, permission: Permission, org: str, allowed: bool
) -> None:
    assert authorizer.can(principal, permission, org) is allowed


@pytest.mark.parametrize(
    ("principal", "permission", "orgs"),
    [
        pytest.param(OFFICER_WH, Permission.CONTENT_EDIT, {"km-wh"}, id="officer"),
        pytest.param(PREFECTURE_HEAD, Permission.CONTENT_VIEW_DRAFT, KUNMING, id="subtree"),
        pytest.param(ONLY_KM, Permission.CONTENT_VIEW_DRAFT, {"km"}, id="org-only"),
        pytest.param(ADMIN, Permission.USER_MANAGE, set(TREE), id="admin-at-root"),
        pytest.param(DEPT_HEAD, Permission.REVIEW_APPROVE, set(), id="permission-not-held"),
    ],
)
def test_orgs_with_is_exactly_where_can_is_true(
    authorizer: Authorizer, principal: Principal, permission: Permission, orgs: set[str]
) -> None:
    assert authorizer.orgs_with(principal, permission) == orgs
    assert {org for org in TREE if authorizer.can(principal, permission, org)} == orgs


def test_require_raises_forbidden_with_code_and_message(authorizer: Authorizer) -> None:
    with pytest.raises(Forbidden) as raised:
        authorizer.require(DEPT_HEAD, Permission.REVIEW_APPROVE, "km-edu")

    assert (raised.value.code, str(raised.value)) == ("FORBIDDEN", "您在该机构没有“单位负责人审发”的权限。")
    assert (raised.value.permission, raised.value.org_id) == (Permission.REVIEW_APPROVE, "km-edu")


def test_require_passes_silently_when_allowed(authorizer: Authorizer) -> None:
    authorizer.require(OFFICER_WH, Permission.CONTENT_SUBMIT, "km-wh")


def test_a_user_with_two_roles_gets_the_union(authorizer: Authorizer) -> None:
    policy = load_role_permissions()

    assert authorizer.permissions_in(TWO_ROLES, "dl-city") == policy[Role.OFFICER] | policy[Role.SECRECY]


def test_roles_of_lists_the_users_grants(authorizer: Authorizer) -> None:
    assert authorizer.roles_of(TWO_ROLES) == [
        Grant("u-two", Role.OFFICER, "dl-city"),
        Grant("u-two", Role.SECRECY, "dl-city"),
    ]
    assert authorizer.roles_of(ANONYMOUS) == []


@pytest.mark.parametrize(
    ("user", "role", "org", "held"),
    [
        pytest.param("u-head", Role.UNIT_HEAD, "km-pl", True, id="through-subtree"),
        pytest.param("u-head", Role.UNIT_HEAD, "yn", False, id="not-above"),
        pytest.param("u-only", Role.OFFICE, "km-pl", False, id="org-only-not-below"),
        pytest.param("u-officer", Role.DEPT_HEAD, "km-wh", False, id="other-role"),
    ],
)
def test_has_role_considers_subtree_coverage(
    authorizer: Authorizer, user: str, role: Role, org: str, held: bool
) -> None:
    assert authorizer.has_role(user, role, org) is held


def test_users_with_role_includes_subtree_grants_from_above(authorizer: Authorizer) -> None:
    assert authorizer.users_with_role(Role.UNIT_HEAD, "km-wh") == {"u-head"}
    assert authorizer.users_with_role(Role.OFFICER, "km-wh") == {"u-officer", "admin"}
    assert authorizer.users_with_role(Role.UNIT_HEAD, "dl") == frozenset()


def test_role_permissions_can_be_given_instead_of_the_default_file() -> None:
    custom = Authorizer(TREE, GRANTS, {Role.OFFICER: {Permission.CONTENT_VIEW_DRAFT}})

    assert custom.permissions_in(OFFICER_WH, "km-wh") == {Permission.CONTENT_VIEW_DRAFT}
    assert custom.permissions_in(ADMIN, "yn") == frozenset()


def test_the_authorizer_accepts_a_plain_parents_mapping() -> None:
    assert Authorizer({"a": None, "b": "a"}, [Grant("u", Role.OFFICER, "a")]).orgs_with(
        Principal("u", "u"), Permission.CONTENT_CREATE
    ) == {"a", "b"}


def test_grant_roles_read_from_storage_are_checked() -> None:
    assert Grant("u", "officer", "a").role is Role.OFFICER  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'chief'"):
        Grant("u", "chief", "a")  # type: ignore[arg-type]


# --- the default policy --------------------------------------------------------------------------


def test_every_role_has_a_label_and_permissions() -> None:
    policy = load_role_permissions()

    assert set(ROLE_LABELS) == set(Role) == set(policy)


def test_every_permission_is_held_by_some_role() -> None:
    held = set().union(*load_role_permissions().values())

    assert held == set(Permission)


@pytest.mark.parametrize(
    "tier",
    [
        Permission.REVIEW_FIRST,
        Permission.REVIEW_DEPARTMENT,
        Permission.REVIEW_APPROVE,
        Permission.REVIEW_SECRECY,
    ],
    ids=str,
)
def test_each_review_tier_belongs_to_exactly_one_role(tier: Permission) -> None:
    holders = [role for role, permissions in load_role_permissions().items() if tier in permissions]

    assert len(holders) == 1


@pytest.mark.parametrize(
    ("line", "error"),
    [
        pytest.param(
            "p, chief, content.create", "policy.csv:2: 'chief' is not a valid Role", id="unknown-role"
        ),
        pytest.param(
            "p, officer, content.fly", "policy.csv:2: 'content.fly' is not a valid Permission", id="perm"
        ),
        pytest.param("g, u, officer", "policy.csv:2: expected a p line, got 'g'", id="not-a-p-line"),
        pytest.param("p, officer", "policy.csv:2: not enough values to unpack", id="short-line"),
    ],
)
def test_policy_file_errors_name_the_line(tmp_path: Path, line: str, error: str) -> None:
    path = tmp_path / "policy.csv"
    path.write_text(f"# comment\n{line}\n", encoding="utf-8")

    with pytest.raises(ValueError, match=error):
        load_role_permissions(path)


# --- the grant store (MongoDB) -------------------------------------------------------------------


async def test_grants_round_trip(store: GrantStore) -> None:
    officer = Grant("u1", Role.OFFICER, "km-wh")
    head = Grant("u2", Role.UNIT_HEAD, "km", subtree=False)

    assert await store.add(officer, by="u-admin") is True
    assert await store.add(head) is True
    assert await store.load() == [officer, head]

    assert await store.remove("u1", Role.OFFICER, "km-wh") is True
    assert await store.load() == [head]


async def test_adding_an_existing_grant_returns_false(store: GrantStore) -> None:
    await store.add(Grant("u1", Role.OFFICER, "km-wh"))

    assert await store.add(Grant("u1", Role.OFFICER, "km-wh", subtree=False)) is False
    assert await store.load() == [Grant("u1", Role.OFFICER, "km-wh")]


async def test_removing_a_missing_grant_returns_false(store: GrantStore) -> None:
    assert await store.remove("u1", Role.OFFICER, "km-wh") is False


async def test_version_increases_with_every_change_and_only_then(store: GrantStore) -> None:
    assert await store.version() == 0

    await store.add(Grant("u1", Role.OFFICER, "km-wh"))
    await store.add(Grant("u1", Role.OFFICER, "km-wh"))
    await store.remove("u1", Role.OFFICER, "km-pl")
    after_add = await store.version()
    await store.remove("u1", Role.OFFICER, "km-wh")

    assert (after_add, await store.version()) == (1, 2)


async def test_load_skips_grants_with_unknown_roles(
    store: GrantStore, db: AsyncDatabase[dict[str, Any]]
) -> None:
    await db["authz_grants"].insert_one({"user_id": "u1", "role": "retired-role", "org_id": "km"})
    await store.add(Grant("u2", Role.OFFICE, "km"))

    assert await store.load() == [Grant("u2", Role.OFFICE, "km")]


class Calls:
    """An ``on_change`` callback that tests can wait on."""

    def __init__(self, fail_first: bool = False) -> None:
        self.count = 0
        self._fail_first = fail_first
        self._event = asyncio.Event()

    async def __call__(self) -> None:
        self.count += 1
        self._event.set()
        if self._fail_first and self.count == 1:
            raise RuntimeError("reload failed")

    async def arrive(self, within: float) -> None:
        async with asyncio.timeout(within):
            await self._event.wait()
        self._event.clear()


@contextlib.asynccontextmanager
async def watching(
    store: GrantStore, on_change: Callable[[], Awaitable[None]], **options: float
) -> AsyncIterator[None]:
    task = asyncio.create_task(store.watch(on_change, **options))
    try:
        yield
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_watch_reports_a_grant_added_by_another_client(
    store: GrantStore, other_store: GrantStore
) -> None:
    calls = Calls()
    # A poll interval far beyond the deadline: only the change stream can deliver in time.
    async with watching(store, calls, poll_interval=30.0):
        await calls.arrive(within=5)  # the watch is established

        await other_store.add(Grant("u9", Role.OFFICER, "km-wh"))

        await calls.arrive(within=3)


async def test_watch_polls_the_version_without_change_streams(
    standalone_db: AsyncDatabase[dict[str, Any]],
    authz_standalone_mongo_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = GrantStore(standalone_db)
    calls = Calls()
    async with AsyncMongoClient[dict[str, Any]](authz_standalone_mongo_url) as other_client:
        other = GrantStore(other_client[standalone_db.name])
        with caplog.at_level(logging.INFO, logger="authz.store"):
            async with watching(store, calls, poll_interval=0.2):
                await calls.arrive(within=5)

                await other.add(Grant("u9", Role.OFFICER, "km-wh"))

                await calls.arrive(within=3)

    assert "change streams unavailable" in caplog.text


async def test_watch_retries_when_on_change_fails(store: GrantStore) -> None:
    calls = Calls(fail_first=True)
    async with watching(store, calls, poll_interval=0.1):
        await calls.arrive(within=5)

        await calls.arrive(within=3)

    assert calls.count == 2


async def test_watch_backs_off_while_the_server_is_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    calls = Calls()
    async with AsyncMongoClient[dict[str, Any]](
        "mongodb://127.0.0.1:9/", serverSelectionTimeoutMS=50
    ) as client:
        store = GrantStore(client["unreachable"])
        with caplog.at_level(logging.WARNING, logger="authz.store"):
            async with watching(store, calls, poll_interval=0.1):
                await asyncio.sleep(1.5)

    retries = [r for r in caplog.records if r.getMessage().startswith("watching grants failed")]
    # 0.1 + 0.2 + 0.4 + 0.8 s of backoff plus 50 ms per attempt: a handful, never a busy loop.
    assert 2 <= len(retries) <= 6
    assert calls.count == 0
