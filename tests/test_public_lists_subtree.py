"""The public interpretations and interviews lists with ``includeSubtree``: an organization's own items,
or its whole subtree's (what a reading-room terminal configured for a city shows on its home screen),
public items only, with an exact total."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cms.content.ids import to_global_id
from cms.kinds.interpretations import NewInterpretation
from cms.kinds.interviews import NewInterview
from tests.helpers import Api

EFFECTIVE = datetime(2025, 1, 1, tzinfo=UTC)
LIST = """query($o: ID, $s: Boolean!) {
  interpretations(organization: $o, includeSubtree: $s) { totalCount edges { node { title } } }
  interviews(organization: $o, includeSubtree: $s) { totalCount edges { node { title } } } }"""


@pytest.fixture(scope="module")
def api(gql: Any, settings: Any) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def _items(services: Any, org: Any, name: str, *, publish: bool = True) -> None:
    """An interpretation and an interview of the organization, both titled ``name``."""
    for item in (
        await services.interpretations.create_draft(NewInterpretation(org_id=org.id, title=name)),
        await services.interviews.create_draft(NewInterview(org_id=org.id, title=name)),
    ):
        if publish:
            await services.content.publish(item, effective=EFFECTIVE)


@pytest.fixture
async def tree(services: Any, fresh_org: Any) -> dict[str, Any]:
    """A city, one of its departments and a section of that department, each with a published
    interpretation and interview; the department also has unpublished drafts."""
    city = await fresh_org()
    department = await fresh_org(city)
    section = await fresh_org(department)
    for org, name in ((city, "city"), (department, "department"), (section, "section")):
        await _items(services, org, name)
    await _items(services, department, "draft", publish=False)
    return {"city": city, "department": department, "section": section}


@pytest.mark.parametrize(
    ("org", "subtree", "expected"),
    [
        ("city", False, ["city"]),
        ("city", True, ["city", "department", "section"]),
        ("department", True, ["department", "section"]),
        ("section", True, ["section"]),
    ],
    ids=["own-only", "city-subtree", "department-subtree", "leaf-subtree"],
)
async def test_the_public_lists_show_an_organizations_subtree_when_asked(
    api: Api, tree: dict[str, Any], org: str, subtree: bool, expected: list[str]
) -> None:
    # given published items in a city's tree and drafts in its department
    organization = to_global_id("Organization", tree[org].id)
    # when the public lists are read anonymously for one organization, with or without its subtree
    data = await api.ok(LIST, {"o": organization, "s": subtree})
    # then each lists exactly the public items of the organization (and its subtree), drafts never
    for field in ("interpretations", "interviews"):
        titles = sorted(edge["node"]["title"] for edge in data[field]["edges"])
        assert (titles, data[field]["totalCount"]) == (expected, len(expected)), field
