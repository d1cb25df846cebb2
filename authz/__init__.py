"""Authorization: roles granted per organization, permissions as policy data, decided by Casbin.

Imports nothing else of the project (checked by an import-linter contract).
"""

from authz.policy import (
    DEFAULT_POLICY_PATH,
    PERMISSION_LABELS,
    ROLE_LABELS,
    Authorizer,
    Forbidden,
    Grant,
    OrgTree,
    Permission,
    Role,
    load_role_permissions,
)
from authz.principal import ANONYMOUS, Principal
from authz.store import GrantStore

__all__ = [
    "ANONYMOUS",
    "DEFAULT_POLICY_PATH",
    "PERMISSION_LABELS",
    "ROLE_LABELS",
    "Authorizer",
    "Forbidden",
    "Grant",
    "GrantStore",
    "OrgTree",
    "Permission",
    "Principal",
    "Role",
    "load_role_permissions",
]
