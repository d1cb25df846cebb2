"""Who may do what, where: roles granted per organization, decided by Casbin in one place.

An ``Authorizer`` is an immutable snapshot of the policy (organization tree, grants, role permissions).
A policy change builds a new one and the holder swaps the reference, so every decision is memoized per
instance without invalidation. One Casbin ``enforce`` costs about 0.13 ms here (100 orgs, 1,300 grants);
the memo makes a repeated decision cost under a microsecond. Decide per request and operation, and turn
``orgs_with`` into a query filter instead of checking list items one by one.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import casbin
from casbin.model import FastModel
from casbin.persist import Adapter

from authz.principal import Principal

MODEL_PATH = Path(__file__).with_name("model.conf")
DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.csv")


class Role(StrEnum):
    OFFICER = "officer"
    DEPT_HEAD = "dept_head"
    UNIT_HEAD = "unit_head"
    OFFICE = "office"
    SECRECY = "secrecy"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.OFFICER: "承办人",
    Role.DEPT_HEAD: "承办部门负责人",
    Role.UNIT_HEAD: "单位负责人",
    Role.OFFICE: "公开办",
    Role.SECRECY: "保密审查员",
    Role.ADMIN: "管理员",
}


class Permission(StrEnum):
    CONTENT_VIEW_DRAFT = "content.view_draft"
    CONTENT_CREATE = "content.create"
    CONTENT_EDIT = "content.edit"
    CONTENT_SUBMIT = "content.submit"
    REVIEW_FIRST = "review.first"
    REVIEW_DEPARTMENT = "review.department"
    REVIEW_APPROVE = "review.approve"
    REVIEW_SECRECY = "review.secrecy"
    CONTENT_WITHDRAW = "content.withdraw"
    REGISTER_VIEW = "register.view"
    REGISTER_EXPORT = "register.export"
    ORG_MANAGE = "org.manage"
    USER_MANAGE = "user.manage"
    ROLE_GRANT = "role.grant"
    VOCABULARY_MANAGE = "vocabulary.manage"
    REQUEST_VIEW = "request.view"
    REQUEST_REGISTER = "request.register"
    REQUEST_ASSIGN = "request.assign"
    REQUEST_HANDLE = "request.handle"
    REQUEST_EXTEND = "request.extend"
    REQUEST_REPLY = "request.reply"
    REQUEST_PERSONAL_DATA = "request.personal_data"
    REQUEST_REMEDY = "request.remedy"
    REQUEST_FEE = "request.fee"
    AUDIT_VIEW = "audit.view"
    CALENDAR_VIEW = "calendar.view"
    CALENDAR_MANAGE = "calendar.manage"
    REPORT_VIEW = "report.view"
    REPORT_EDIT = "report.edit"
    COMPLIANCE_VIEW = "compliance.view"
    READING_ROOM_STATISTICS = "reading_room.statistics"
    WEBHOOK_MANAGE = "webhook.manage"
    CATALOG_IMPORT = "catalog.import"


PERMISSION_LABELS: dict[Permission, str] = {
    Permission.CONTENT_VIEW_DRAFT: "查看草稿",
    Permission.CONTENT_CREATE: "新建内容",
    Permission.CONTENT_EDIT: "编辑内容",
    Permission.CONTENT_SUBMIT: "提交审查",
    Permission.REVIEW_FIRST: "承办人初审",
    Permission.REVIEW_DEPARTMENT: "承办部门负责人审核",
    Permission.REVIEW_APPROVE: "单位负责人审发",
    Permission.REVIEW_SECRECY: "保密审查",
    Permission.CONTENT_WITHDRAW: "撤回已发布内容",
    Permission.REGISTER_VIEW: "查看审查登记",
    Permission.REGISTER_EXPORT: "导出审查登记",
    Permission.ORG_MANAGE: "管理机构",
    Permission.USER_MANAGE: "管理用户",
    Permission.ROLE_GRANT: "授予角色",
    Permission.VOCABULARY_MANAGE: "管理词表",
    Permission.REQUEST_VIEW: "查看依申请公开申请",
    Permission.REQUEST_REGISTER: "登记依申请公开申请",
    Permission.REQUEST_ASSIGN: "分办依申请公开申请",
    Permission.REQUEST_HANDLE: "办理依申请公开申请",
    Permission.REQUEST_EXTEND: "批准延期答复",
    Permission.REQUEST_REPLY: "发出答复",
    Permission.REQUEST_PERSONAL_DATA: "查看申请人个人信息",
    Permission.REQUEST_REMEDY: "登记行政复议、行政诉讼案件",
    Permission.REQUEST_FEE: "收取信息处理费",
    Permission.AUDIT_VIEW: "查看审计日志",
    Permission.CALENDAR_VIEW: "查看节假日安排",
    Permission.CALENDAR_MANAGE: "管理节假日安排",
    Permission.REPORT_VIEW: "查看年度报告",
    Permission.REPORT_EDIT: "编写和印发年度报告",
    Permission.COMPLIANCE_VIEW: "查看合规看板",
    Permission.READING_ROOM_STATISTICS: "查看查阅统计",
    Permission.WEBHOOK_MANAGE: "管理推送地址（Webhook）",
    Permission.CATALOG_IMPORT: "导入公开目录",
}


class OrgTree:
    """The organization tree as plain ids: ``parents`` maps each org to its parent (None for a root)."""

    __slots__ = ("_ancestors", "_parents", "_subtrees")

    def __init__(self, parents: Mapping[str, str | None]) -> None:
        self._parents = dict(parents)
        self._ancestors = {org: self._walk_up(org) for org in self._parents}
        subtrees: dict[str, set[str]] = {org: set() for org in self._parents}
        for org, chain in self._ancestors.items():
            for ancestor in chain:
                subtrees[ancestor].add(org)
        self._subtrees = {org: frozenset(members) for org, members in subtrees.items()}

    def _walk_up(self, org: str) -> tuple[str, ...]:
        chain = [org]
        parent = self._parents[org]
        while parent is not None:
            if parent not in self._parents:
                raise ValueError(f"organization {chain[-1]!r} has an unknown parent {parent!r}")
            if parent in chain:
                raise ValueError(f"organization tree has a cycle through {parent!r}")
            chain.append(parent)
            parent = self._parents[parent]
        return tuple(chain)

    def ancestors(self, org: str) -> tuple[str, ...]:
        """The org itself first, then its parent, up to the root. KeyError for an unknown org."""
        return self._ancestors[org]

    def subtree(self, org: str) -> frozenset[str]:
        """The org and all its descendants. KeyError for an unknown org."""
        return self._subtrees[org]

    def parent(self, org: str) -> str | None:
        return self._parents[org]

    def is_within(self, org: str, ancestor: str) -> bool:
        """True when ``org`` is ``ancestor`` or one of its descendants; False for unknown orgs."""
        return ancestor in self._ancestors.get(org, ())

    def __contains__(self, org: object) -> bool:
        return org in self._parents

    def __iter__(self) -> Iterator[str]:
        return iter(self._parents)

    def __len__(self) -> int:
        return len(self._parents)


@dataclass(frozen=True, slots=True)
class Grant:
    user_id: str
    role: Role
    org_id: str
    subtree: bool = True

    def __post_init__(self) -> None:
        # Stored grants arrive as plain strings; an unknown role must fail here, not match nothing later.
        object.__setattr__(self, "role", Role(self.role))


class Forbidden(Exception):
    code = "FORBIDDEN"

    def __init__(self, permission: Permission, org_id: str) -> None:
        self.permission = permission
        self.org_id = org_id
        label = PERMISSION_LABELS.get(permission, str(permission))
        self.message = f"您在该机构没有“{label}”的权限。"
        super().__init__(self.message)


RolePermissions = Mapping[Role, AbstractSet[Permission]]


def load_role_permissions(path: Path = DEFAULT_POLICY_PATH) -> dict[Role, frozenset[Permission]]:
    """Read ``p, role, permission`` lines; unknown roles or permissions are errors, not silent no-ops."""
    found: dict[Role, set[Permission]] = {}
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [field.strip() for field in line.split(",")]
        try:
            kind, role, permission = fields
            if kind != "p":
                raise ValueError(f"expected a p line, got {kind!r}")
            found.setdefault(Role(role), set()).add(Permission(permission))
        except ValueError as exc:
            raise ValueError(f"{path}:{lineno}: {exc}") from None
    return {role: frozenset(permissions) for role, permissions in found.items()}


@functools.cache
def _default_role_permissions() -> Mapping[Role, frozenset[Permission]]:
    return load_role_permissions()


@functools.cache
def _model_text() -> str:
    return MODEL_PATH.read_text(encoding="utf-8")


# Casbin names. Users and roles share Casbin's role-manager namespace, so users are prefixed: a user
# whose id happened to be "admin" would otherwise *be* the admin role. Domains say whether a grant is
# for the organization alone ("org:") or its whole subtree ("tree:"); requests always ask for "org:".
def _user(user_id: str) -> str:
    return "user:" + user_id


def _org(org_id: str) -> str:
    return "org:" + org_id


def _grant_domain(grant: Grant) -> str:
    return ("tree:" if grant.subtree else "org:") + grant.org_id


# r and p both carry the permission at index 1 (model.conf), so FastEnforcer keeps the p lines indexed by
# permission and scans only those of the asked permission instead of all of them.
_PERMISSION_INDEX = [1]


class _MemoryAdapter(Adapter):  # type: ignore[misc]  # casbin ships no type information
    """Hands Casbin rules that are already in memory; appends directly (no per-rule duplicate scan)."""

    def __init__(self, p_rules: list[list[str]], g_rules: list[list[str]]) -> None:
        self._p_rules = p_rules
        self._g_rules = g_rules

    def load_policy(self, model: Any) -> None:
        for section, rules in (("p", self._p_rules), ("g", self._g_rules)):
            policy = model.model[section][section].policy
            for rule in rules:
                policy.append(rule)


def _build_enforcer(tree: OrgTree, grants: Iterable[Grant], role_permissions: RolePermissions) -> Any:
    p_rules = [
        [role.value, permission.value] for role, perms in role_permissions.items() for permission in perms
    ]
    g_rules = [[_user(g.user_id), g.role.value, _grant_domain(g)] for g in grants]
    model = FastModel(_PERMISSION_INDEX)
    model.load_model_from_text(_model_text())
    enforcer = casbin.FastEnforcer(model, _MemoryAdapter(p_rules, g_rules), cache_key_order=_PERMISSION_INDEX)

    def covers(requested: str, granted: str) -> bool:
        # Called when Casbin builds the role links of one requested org (once per org and instance),
        # never per enforce: a "tree:X" grant applies to "org:Y" when Y is X or below it.
        return granted.startswith("tree:") and tree.is_within(requested[4:], granted[5:])

    enforcer.add_named_domain_matching_func("g", covers)
    # Casbin's domain role manager defaults to an equality "pattern" matcher for user and role names,
    # which makes every role link compare itself with every other name in the org: building one org's
    # links was O(n²) and cost ~8 ms per org at 100 orgs and 1,300 grants. Names here are never
    # patterns; without a matcher the role manager links them directly.
    enforcer.add_named_matching_func("g", None)
    return enforcer


class Authorizer:
    """Decisions for one snapshot of the policy. Safe to share between tasks and threads."""

    def __init__(
        self,
        tree: OrgTree | Mapping[str, str | None],
        grants: Iterable[Grant],
        role_permissions: RolePermissions | None = None,
    ) -> None:
        self._tree = tree if isinstance(tree, OrgTree) else OrgTree(tree)
        self._grants = tuple(dict.fromkeys(grants))
        self._by_user: dict[str, list[Grant]] = {}
        for grant in self._grants:
            self._by_user.setdefault(grant.user_id, []).append(grant)
        if role_permissions is None:
            role_permissions = _default_role_permissions()
        self._role_permissions = {
            Role(r): frozenset(map(Permission, ps)) for r, ps in role_permissions.items()
        }
        self._enforcer = _build_enforcer(self._tree, self._grants, self._role_permissions)
        # FastEnforcer filters its policy in place during enforce and the role manager fills caches
        # lazily, so Casbin calls are serialized; the memo below keeps them rare.
        self._lock = threading.Lock()
        self._decisions: dict[tuple[str, Permission, str], bool] = {}
        self._scopes: dict[tuple[str, Permission], frozenset[str]] = {}

    @property
    def tree(self) -> OrgTree:
        return self._tree

    @property
    def grants(self) -> tuple[Grant, ...]:
        return self._grants

    def can(self, principal: Principal, permission: Permission, org_id: str) -> bool:
        user_id = principal.user_id
        if user_id is None or org_id not in self._tree:
            return False  # unknown orgs are not memoized: request data must not grow the memo
        key = (user_id, permission, org_id)
        decision = self._decisions.get(key)
        if decision is None:
            with self._lock:
                decision = bool(self._enforcer.enforce(_user(user_id), permission.value, _org(org_id)))
            self._decisions[key] = decision
        return decision

    def require(self, principal: Principal, permission: Permission, org_id: str) -> None:
        if not self.can(principal, permission, org_id):
            raise Forbidden(permission, org_id)

    def orgs_with(self, principal: Principal, permission: Permission) -> frozenset[str]:
        """Every org where ``can`` is true: the set a list query filters on."""
        user_id = principal.user_id
        if user_id is None:
            return frozenset()
        key = (user_id, permission)
        scope = self._scopes.get(key)
        if scope is None:
            # Candidates are the orgs reached by the user's grants of roles holding the permission;
            # Casbin still decides each one, so the result can never be wider than ``can``.
            reached = {
                org
                for grant in self._by_user.get(user_id, ())
                if permission in self._role_permissions.get(grant.role, ())
                for org in self._covered_by(grant)
            }
            scope = frozenset(org for org in reached if self.can(principal, permission, org))
            self._scopes[key] = scope
        return scope

    def roles_of(self, principal: Principal) -> list[Grant]:
        if principal.user_id is None:
            return []
        return list(self._by_user.get(principal.user_id, ()))

    def permissions_in(self, principal: Principal, org_id: str) -> frozenset[Permission]:
        return frozenset(p for p in Permission if self.can(principal, p, org_id))

    def has_role(self, user_id: str, role: Role, org_id: str) -> bool:
        """Whether the user holds ``role`` in ``org_id``, directly or through a subtree grant above it."""
        if org_id not in self._tree:
            return False
        with self._lock:
            roles = self._enforcer.get_roles_for_user_in_domain(_user(user_id), _org(org_id))
        return role.value in roles

    def users_with_role(self, role: Role, org_id: str) -> frozenset[str]:
        if org_id not in self._tree:
            return frozenset()
        with self._lock:
            names = self._enforcer.get_users_for_role_in_domain(role.value, _org(org_id))
        return frozenset(name.removeprefix("user:") for name in names if name.startswith("user:"))

    def users_with(self, permission: Permission, org_id: str) -> frozenset[str]:
        """Every user for whom ``can(permission, org_id)`` is true: the candidates are the holders of
        grants of roles with the permission that cover the org; Casbin still decides each one."""
        if org_id not in self._tree:
            return frozenset()
        candidates = {
            grant.user_id
            for grant in self._grants
            if permission in self._role_permissions.get(grant.role, ()) and org_id in self._covered_by(grant)
        }
        return frozenset(u for u in candidates if self.can(Principal(u, "", ""), permission, org_id))

    def _covered_by(self, grant: Grant) -> AbstractSet[str]:
        if grant.org_id not in self._tree:
            return frozenset()
        return self._tree.subtree(grant.org_id) if grant.subtree else {grant.org_id}
