"""A city's reading-room terminal lists the interpretations and interviews of the city's whole subtree
(its departments' too), not only the city government's own, in Debian's Chromium at 1080×1920."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cms.kinds.interpretations import NewInterpretation
from cms.kinds.interviews import NewInterview
from tests.e2e.conftest import Scenarios
from tests.e2e.test_reading_room import built_terminal  # noqa: F401 (the fixture)
from tests.helpers import unique


async def test_a_city_terminal_lists_its_departments_interpretations_and_interviews(
    built_terminal: None,  # noqa: F811
    services: Any,
    fresh_org: Any,
    scenario: Scenarios,
) -> None:
    # given a department under 昆明市 (km-hall's organization) with a published interpretation and interview
    department = await fresh_org(services.orgs.tree.by_key["km-gov"])
    title = unique("下级机构解读与访谈")
    for item in (
        await services.interpretations.create_draft(NewInterpretation(org_id=department.id, title=title)),
        await services.interviews.create_draft(NewInterview(org_id=department.id, title=title)),
    ):
        await services.content.publish(item, effective=datetime(2025, 1, 1, tzinfo=UTC))
    # when the terminal's home screen and its 政策解读 / 在线访谈 lists are opened
    result = await scenario("readingroom-subtree")
    # then the department's items are on both, and each list's total counts them
    assert title in result["home"]["interpretations"]
    assert title in result["home"]["interviews"]
    for kind in ("interpretations", "interviews"):
        assert title in result["lists"][kind]["titles"], kind
        assert result["lists"][kind]["total"] == len(result["lists"][kind]["titles"]) >= 1, kind
