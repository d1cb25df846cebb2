"""The admin web app in a real browser, against the real server and its embedded services."""

from __future__ import annotations

import shutil
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ROOT, SCREENSHOTS, Scenarios

CATALOG = (
    "query($o: ID!) { catalog(filter: {organization: $o}, first: 100) {"
    " edges { node { id title indexNumber reviewState attachments { filename } } } } }"
)
SEED_DOCUMENT_NUMBER = "云政办发〔2013〕115号"  # the demo's seed document (demo/data.py)
README_SHOTS = ("home-officer", "review-confidentiality-form", "history")
# Further screens the README shows, each copied by the test whose scenario takes it.
DOCS = ROOT / "docs" / "screenshots"


def publish_screenshots(*names: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(SCREENSHOTS / f"{name}.png", DOCS / f"{name}.png")


@pytest.fixture(scope="module", autouse=True)
async def overlapping_scenarios(scenario: Scenarios) -> None:
    """All scenarios start at once (the longest first); each test then awaits its own."""
    scenario.start("workingcopy", "publish", "reject", "editing", "grant", "admin")
    scenario.start("editors", documentNumber=SEED_DOCUMENT_NUMBER)


async def anonymous_catalog(live_url: str, org: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        response = await http.post("/graphql", json={"query": CATALOG, "variables": {"o": org}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["catalog"]["edges"]]


async def test_draft_with_attachment_three_tier_review_and_anonymous_publication(
    scenario: Scenarios, live_url: str
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
    publish_screenshots(*README_SHOTS)


async def test_rejection_returns_to_officer_with_opinion_and_relogin_keeps_the_form(
    scenario: Scenarios, live_url: str
) -> None:
    result = await scenario("reject")
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        anonymous = await http.post(
            "/graphql",
            json={"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": result["id"]}},
        )
    assert anonymous.json()["data"]["node"] is None  # a rejected draft is never public


async def test_granting_and_revoking_a_role_changes_the_grantees_menu(scenario: Scenarios) -> None:
    result = await scenario("grant")
    assert result["before"] == ["待办事项"]
    assert "新建目录条目" in result["after"]
    assert result["revoked"] == ["待办事项"]


async def test_conflicting_save_reloads_field_errors_at_their_fields_diff_and_revert(
    scenario: Scenarios, live_url: str
) -> None:
    result = await scenario("editing")
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        anonymous = await http.post(
            "/graphql",
            json={"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": result["id"]}},
        )
    assert anonymous.json()["data"]["node"] is None  # drafts stay private through all of it
    publish_screenshots("save-conflict", "history-diff")


async def test_working_copy_with_cross_agency_confirmation_replaces_the_published_version(
    scenario: Scenarios, live_url: str
) -> None:
    result = await scenario("workingcopy")
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={
                "query": "query($id: ID!) { node(id: $id) { ... on CatalogEntry { title validity summary } } }",
                "variables": {"id": result["id"]},
            },
        )
    live = response.json()["data"]["node"]
    assert live == {"title": result["title"], "validity": "VALID", "summary": "修订后的概述。"}
    publish_screenshots("published-with-working-copy", "cross-agency-confirmation")


async def test_admin_creates_a_deep_organization_edits_its_template_and_chain_and_exports_the_register(
    scenario: Scenarios,
) -> None:
    result = await scenario("admin")
    assert result["chain"] == ["承办人初审", "承办部门负责人审核", "保密审查", "单位负责人审发"]
    assert result["csvHeader"].startswith("序号,时间")
    assert result["csvLines"] > 1
    assert all(count > 0 for count in result["listed"].values()), result["listed"]
    publish_screenshots("org-index-template")


async def test_gazette_interview_and_interpretation_editors_and_vocabularies(scenario: Scenarios) -> None:
    result = await scenario("editors", documentNumber=SEED_DOCUMENT_NUMBER)
    assert result["articles"] == ["关于乙事项的决定", "关于甲事项的通知"]
    assert result["turns"] == ["（开场白之前的提示语）", "各位网友好，欢迎收看。", "谢谢主持人。"]
    publish_screenshots("interview-transcript")
