"""GraphQL for managing people: disable and enable accounts, reset and change passwords, lift login
throttling, and find accounts across organizations."""

from __future__ import annotations

import strawberry

from cms.content.ids import expect_global_id
from schema.context import Info
from schema.mutations import LoginPayload
from schema.staff import Me, User, principal

MAX_PASSWORD_INPUT = 300


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="按用户名或显示名称查找账号（在本人可管理用户的全部机构中）")
    async def search_users(self, info: Info, query: str = "", first: int = 50) -> list[User]:
        found = await info.context.services.admin.search_users(principal(info), query, first)
        return found  # type: ignore[return-value]


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(description="停用账号：不能再登录，已登录的会话立即失效")
    async def disable_user(self, info: Info, id: strawberry.ID) -> User:
        user = await info.context.services.admin.set_user_active(
            principal(info), expect_global_id(id, "User"), active=False
        )
        return user  # type: ignore[return-value]

    @strawberry.mutation(description="启用已停用的账号（停用前的会话不会恢复）")
    async def enable_user(self, info: Info, id: strawberry.ID) -> User:
        user = await info.context.services.admin.set_user_active(
            principal(info), expect_global_id(id, "User"), active=True
        )
        return user  # type: ignore[return-value]

    @strawberry.mutation(description="管理员重置密码：会话失效，用户下次登录后须先修改密码")
    async def reset_password(self, info: Info, id: strawberry.ID, password: str) -> User:
        user = await info.context.services.admin.reset_password(
            principal(info), expect_global_id(id, "User"), password[:MAX_PASSWORD_INPUT]
        )
        return user  # type: ignore[return-value]

    @strawberry.mutation(description="解除账号的登录失败锁定")
    async def unlock_user(self, info: Info, id: strawberry.ID) -> User:
        user = await info.context.services.admin.unlock_user(principal(info), expect_global_id(id, "User"))
        return user  # type: ignore[return-value]

    @strawberry.mutation(description="修改本人密码；其他会话失效，返回新的令牌")
    async def change_password(self, info: Info, current_password: str, new_password: str) -> LoginPayload:
        services = info.context.services
        result = await services.admin.change_own_password(
            info.context.principal, current_password[:MAX_PASSWORD_INPUT], new_password[:MAX_PASSWORD_INPUT]
        )
        grants = services.access.roles_of(services.access.principal_for(result.user))
        me = Me(user=result.user, grants=grants)  # type: ignore[arg-type]
        return LoginPayload(token=result.token, expires_at=result.expires_at, me=me)
