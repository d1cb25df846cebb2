"""Who is asking: the signed-in user (or nobody), as the rest of the system passes it to ``authz``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str | None
    username: str
    org_id: str | None = None
    # An administrator reset the password: nothing is permitted until the user has chosen a new one.
    must_change_password: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Principal(user_id=None, username="anonymous")
