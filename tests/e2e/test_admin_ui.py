"""The admin web app in a real browser, against the real server and its embedded services."""

from __future__ import annotations

import shutil
from typing import Any

import httpx

from tests.e2e.conftest import ROOT, SCREENSHOTS, Scenario

CATALOG = (
    "query($o: ID!) { catalog(filter: {organization: $o}, first: 100) {"
    " edges { node { id title indexNumber reviewState attachments { filename } } } } }"
)
README_SHOTS = ("home-officer", "review-confidentiality-form", "history")


async def anonymous_catalog(live_url: str, org: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        response = await http.post("/graphql", json={"query": CATALOG, "variables": {"o": org}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["catalog"]["edges"]]


async def test_draft_with_attachment_three_tier_review_and_anonymous_publication(
    scenario: Scenario, live_url: str
) -> None:
    result = await scenario("publish")
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        node = await http.post(
            "/graphql",
            json={
                "query": "query($id: ID!) { node(id: $id) { ... on CatalogEntry { organization { id } } } }",
                "variables": {"id": result["id"]},
            },
        )
    org = node.json()["data"]["node"]["organization"]["id"]
    published = {entry["id"]: entry for entry in await anonymous_catalog(live_url, org)}
    entry = published[result["id"]]
    assert entry["title"] == result["title"]
    assert entry["indexNumber"] == result["indexNumber"]
    assert entry["reviewState"] == "PUBLISHED"
    assert [a["filename"] for a in entry["attachments"]] == ["附件一：实施细则.txt"]
    docs = ROOT / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    for name in README_SHOTS:  # the README shows these
        shutil.copyfile(SCREENSHOTS / f"{name}.png", docs / f"{name}.png")


async def test_rejection_returns_to_officer_with_opinion_and_relogin_keeps_the_form(
    scenario: Scenario, live_url: str
) -> None:
    result = await scenario("reject")
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        anonymous = await http.post(
            "/graphql",
            json={"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": result["id"]}},
        )
    assert anonymous.json()["data"]["node"] is None  # a rejected draft is never public


async def test_granting_a_role_changes_the_grantees_menu(scenario: Scenario) -> None:
    result = await scenario("grant")
    assert result["before"] == ["待办事项"]
    assert "新建目录条目" in result["after"]
