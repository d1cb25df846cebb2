"""The reading-room terminal in Debian's Chromium at the two kiosk orientations (1080×1920, 1920×1080)."""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.conftest import ROOT, Scenarios

FIELDS = ["索引号", "主题分类", "发布机构", "成文日期", "发文字号", "发布日期", "体裁"]


@pytest.fixture(scope="module")
def built_terminal() -> None:
    """The reading-room app, built here when missing or stale (scripts/test builds it too)."""
    build = subprocess.run(
        [str(ROOT / "reading-room" / "ensure-built.sh"), "--required"],
        capture_output=True,
        text=True,
        check=False,
    )
    if build.returncode != 0:
        pytest.fail(f"building the reading-room app failed:\n{build.stdout}\n{build.stderr}", pytrace=False)


async def test_browse_search_elder_mode_and_idle_reset_at_both_orientations(
    built_terminal: None, scenario: Scenarios
) -> None:
    result = await scenario("readingroom")
    assert [r["viewport"] for r in result["results"]] == ["portrait", "landscape"]
    for visit in result["results"]:
        assert visit["violations"] == [], visit[
            "violations"
        ]  # axe-core: no serious or critical violation on any screen
        assert visit["fields"][: len(FIELDS)] == FIELDS  # the statutory catalog fields, in order
        assert visit["listed"] == visit["counted"] > 0  # a topic's count is the length of its list
        assert visit["found"] > 0
        assert (visit["before"], visit["after"]) == ("22px", "30px")
        assert visit["menuBlocked"] is True
        assert visit["smallest"] >= 48
        assert 1 <= visit["seconds"] <= 20
        assert visit["elderAfterReset"] is False
        # every read was a GET carrying a persisted-query hash (cacheable by the server and a CDN)
        assert visit["posts"] == 0
        assert visit["withoutHash"] == 0
        assert visit["gets"] > 0
