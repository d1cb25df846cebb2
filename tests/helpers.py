"""Helpers for tests that drive the review chain through the real GraphQL API: sign-in, fresh
organizations and users made by demo-admin, catalog entries and transitions.

Everything goes through HTTP /graphql (the ``gql`` fixture); nothing here touches services directly.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

from cms.content.ids import to_global_id

ROOT_KEY = "yn-gov"  # the province root; demo roles are granted here with subtree
OFFICER, DEPT_HEAD, UNIT_HEAD, OFFICE, ADMIN = (
    "demo-officer",
    "demo-dept-head",
    "demo-unit-head",
    "demo-office",
    "demo-admin",
)
PASSWORD = "Test-pass-2026x"  # for the users the tests create

FINDINGS: dict[str, Any] = {
    "stateSecrets": False,
    "commercialSecrets": False,
    "personalPrivacy": False,
    "proposedMode": "PROACTIVE",
    "proposedScope": "面向社会",
    "proposedTime": "审发后即时公开",
}

ITEM = """
  id title version reviewState pendingTier workingCopyOf scheduled submittedAt effective
  organization { id }
  involvesOrganizations { id }
  confirmedOrganizations { id }
  ... on CatalogEntry { indexNumber validity summary repealDate }
"""

_DEFAULT = object()


def unique(prefix: str = "测试") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def random_id(type_name: str = "CatalogEntry") -> str:
    return to_global_id(type_name, uuid.uuid4().hex[:24])


def error_of(body: dict[str, Any]) -> tuple[str, str]:
    """(extensions.code, message) of the one error a response carries."""
    errors = body.get("errors")
    assert errors, f"expected an error, got {body}"
    assert len(errors) == 1, errors
    return errors[0]["extensions"]["code"], errors[0]["message"]


def code_of(body: dict[str, Any]) -> str:
    return error_of(body)[0]


def text_of(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


@dataclass(frozen=True)
class Person:
    id: str
    username: str
    token: str


class Api:
    """A GraphQL client that knows the demo accounts and a few workflow chores."""

    def __init__(self, gql: Any, demo_password: str) -> None:
        self.gql = gql
        self.demo_password = demo_password
        self._tokens: dict[str, str] = {}
        self._root: str | None = None

    # -- transport ----------------------------------------------------------------------------

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        *,
        status: int = 200,
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else None
        body: dict[str, Any] = await self.gql(query, variables, headers=headers, status=status)
        return body

    async def ok(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        body = await self.post(query, variables, token)
        assert "errors" not in body, body
        return body["data"]

    # -- accounts -----------------------------------------------------------------------------

    async def login(self, username: str, password: str | None = None) -> str:
        data = await self.ok(
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            {"u": username, "p": password or self.demo_password},
        )
        token: str = data["login"]["token"]
        return token

    async def token(self, username: str) -> str:
        """A cached sign-in of a demo account."""
        if username not in self._tokens:
            self._tokens[username] = await self.login(username)
        return self._tokens[username]

    async def root(self) -> str:
        if self._root is None:
            data = await self.ok("query($k: String!) { organization(key: $k) { id } }", {"k": ROOT_KEY})
            self._root = data["organization"]["id"]
        return self._root

    async def new_org(self, parent: str | None = None) -> str:
        suffix = uuid.uuid4().hex[:10].upper()
        data = await self.ok(
            "mutation($i: OrganizationInput!) { createOrganization(input: $i) { id } }",
            {
                "i": {
                    "key": f"t-{suffix.lower()}",
                    "name": f"测试机构{suffix}",
                    "code": suffix,
                    "parent": parent or await self.root(),
                    "kind": "DEPARTMENT",
                }
            },
            await self.token(ADMIN),
        )
        org: str = data["createOrganization"]["id"]
        return org

    async def grant(self, user: str, role: str, org: str, *, subtree: bool = True) -> None:
        await self.ok(
            "mutation($i: RoleGrantInput!) { grantRole(input: $i) { role } }",
            {"i": {"user": user, "role": role, "organization": org, "subtree": subtree}},
            await self.token(ADMIN),
        )

    async def new_user(self, org: str, *roles: str, home: str | None = None) -> Person:
        """A user whose home is ``home`` (default ``org``), holding ``roles`` at ``org`` with subtree."""
        username = f"u-{uuid.uuid4().hex[:12]}"
        data = await self.ok(
            "mutation($u: String!, $p: String!, $o: ID!) {"
            " createUser(username: $u, password: $p, organization: $o, displayName: $u) { id } }",
            {"u": username, "p": PASSWORD, "o": home or org},
            await self.token(ADMIN),
        )
        user_id: str = data["createUser"]["id"]
        for role in roles:
            await self.grant(user_id, role, org)
        return Person(user_id, username, await self.login(username, PASSWORD))

    async def team(self, org: str, **roles: tuple[str, ...]) -> dict[str, Person]:
        """Several users at once: ``team(org, a=("OFFICER",), x=("DEPT_HEAD", "UNIT_HEAD"))``."""
        names = list(roles)
        people = await asyncio.gather(*(self.new_user(org, *roles[n]) for n in names))
        return dict(zip(names, people, strict=True))

    # -- content ------------------------------------------------------------------------------

    async def create_entry(self, token: str, org: str, title: str | None = None, **fields: Any) -> Any:
        data = await self.ok(
            f"mutation($i: CatalogEntryInput!) {{ createCatalogEntry(input: $i) {{ {ITEM} }} }}",
            {"i": {"organization": org, "title": title or unique("条目"), **fields}},
            token,
        )
        return data["createCatalogEntry"]

    async def update_entry(self, token: str, entry: str, expected: int, **fields: Any) -> dict[str, Any]:
        return await self.post(
            "mutation($id: ID!, $v: Int!, $i: CatalogEntryInput!) {"
            f" updateCatalogEntry(id: $id, expectedVersion: $v, input: $i) {{ {ITEM} }} }}",
            {"id": entry, "v": expected, "i": fields},
            token,
        )

    async def transition(
        self,
        token: str | None,
        item: str,
        action: str,
        *,
        opinion: str = "",
        findings: Any = _DEFAULT,
        expected: int | None = None,
        effective: str | None = None,
        confirming: str | None = None,
    ) -> dict[str, Any]:
        """One transition; APPROVE carries clean confidentiality findings unless told otherwise."""
        if findings is _DEFAULT:
            findings = FINDINGS if action == "APPROVE" else None
        request: dict[str, Any] = {"id": item, "action": action, "opinion": opinion}
        if findings is not None:
            request["confidentiality"] = findings
        if expected is not None:
            request["expectedVersion"] = expected
        if effective is not None:
            request["effective"] = effective
        if confirming is not None:
            request["confirmingOrganization"] = confirming
        return await self.post(
            f"mutation($i: TransitionInput!) {{ transition(input: $i) {{ {ITEM} }} }}", {"i": request}, token
        )

    async def act(self, token: str, item: str, action: str, **kwargs: Any) -> Any:
        body = await self.transition(token, item, action, **kwargs)
        assert "errors" not in body, body
        return body["data"]["transition"]

    async def node(self, item: str, token: str | None = None) -> Any:
        data = await self.ok(
            f"query($id: ID!) {{ node(id: $id) {{ ... on Content {{ {ITEM} }} }} }}", {"id": item}, token
        )
        return data["node"]

    async def history(self, item: str, token: str) -> Any:
        data = await self.ok(
            "query($id: ID!) { history(id: $id) {"
            " versions { version note data savedBy }"
            " transitions { seq action tier fromState toState actorName actorId opinion itemId details"
            " findings { stateSecrets commercialSecrets personalPrivacy proposedMode proposedScope } } } }",
            {"id": item},
            token,
        )
        return data["history"]

    async def worklist(self, token: str) -> Any:
        data = await self.ok(
            "{ worklist { submittedOn workingDaysWaiting formedOn dueOn workingDaysLeft"
            " item { id title reviewState pendingTier } tier { key permission } } }",
            None,
            token,
        )
        return data["worklist"]

    async def publish(
        self, org: str, officer: str, head: str, unit: str, title: str | None = None, **fields: Any
    ) -> Any:
        """A new entry taken through the whole default chain."""
        entry = await self.create_entry(officer, org, title, **fields)
        await self.act(officer, entry["id"], "SUBMIT")
        await self.act(officer, entry["id"], "APPROVE", opinion="初审同意。")
        await self.act(head, entry["id"], "APPROVE", opinion="审核同意。")
        return await self.act(unit, entry["id"], "APPROVE", opinion="同意发布。")

    async def demo_publish(self, org: str, title: str | None = None, **fields: Any) -> Any:
        tokens = [await self.token(u) for u in (OFFICER, DEPT_HEAD, UNIT_HEAD)]
        return await self.publish(org, *tokens, title, **fields)
