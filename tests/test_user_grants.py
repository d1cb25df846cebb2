"""An account's role grants, shown where people are managed (#17, 人员管理): `User.grants` for the account
itself and for whoever manages people or grants roles in its organization; nobody else."""

from __future__ import annotations

import pytest
from bson import ObjectId

from authz import ANONYMOUS
from cms.content.ids import from_global_id
from cms.errors import Forbidden, Unauthenticated
from tests.helpers import ADMIN, Api

SEARCH = (
    "query($q: String!) { searchUsers(query: $q) { username grants { role subtree organization { id } } } }"
)
MINE = "{ me { user { grants { role organization { id } } } } }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def test_an_administrator_sees_every_grant_of_an_account_they_find(api):
    # given an account holding two roles in a new organization
    org = await api.new_org()
    person = await api.new_user(org, "OFFICER", "DEPT_HEAD")

    # when an administrator finds it
    found = (await api.ok(SEARCH, {"q": person.username}, await api.token(ADMIN)))["searchUsers"]

    # then its grants are listed with their organization
    assert [u["username"] for u in found] == [person.username]
    assert sorted((g["role"], g["subtree"], g["organization"]["id"]) for g in found[0]["grants"]) == [
        ("DEPT_HEAD", True, org),
        ("OFFICER", True, org),
    ]


async def test_an_account_sees_its_own_grants(api):
    org = await api.new_org()
    person = await api.new_user(org, "OFFICER")

    data = await api.ok(MINE, None, person.token)

    assert data["me"]["user"]["grants"] == [{"role": "OFFICER", "organization": {"id": org}}]


@pytest.mark.parametrize("who", ["anonymous", "officer-elsewhere"])
async def test_nobody_else_reads_an_accounts_grants(api, services, who):
    # given an account, and someone who neither is it nor manages people or roles in its organization
    org = await api.new_org()
    person = await api.new_user(org, "OFFICER")
    other = await api.new_user(await api.new_org(), "OFFICER")
    account = await services.accounts.get(ObjectId(str(from_global_id(person.id)[1])))
    viewer = await services.accounts.get(ObjectId(str(from_global_id(other.id)[1])))
    caller = ANONYMOUS if who == "anonymous" else services.access.principal_for(viewer)
    expected = Unauthenticated if who == "anonymous" else Forbidden

    # when they ask for its grants, then they are refused
    with pytest.raises(expected):
        services.admin.grants_of(caller, account)
