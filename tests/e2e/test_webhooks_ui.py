"""The 推送地址 screen of the admin app (#16) in a real browser, delivering to a real HTTP receiver on a
loopback port that the scenario (tests/e2e/scenarios/webhooks.mjs) starts, stops and starts again. Each
test checks one part of the scenario's result."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

import pytest

from tests.e2e.conftest import Scenarios

STAFF_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


@pytest.fixture
async def result(scenario: Scenarios) -> dict[str, Any]:
    return await scenario("webhooks")


async def test_a_publication_is_delivered_and_logged_with_its_beijing_time(result: dict[str, Any]) -> None:
    delivered = result["delivered"]
    assert {k: delivered[k] for k in ("status", "attempts", "error", "code")} == {
        "status": "已送达",
        "attempts": "1",
        "error": "",
        "code": "204",
    }
    assert STAFF_TIME.fullmatch(delivered["delivered"])


async def test_a_delivery_fails_while_the_receiver_is_down_and_is_delivered_on_resend(
    result: dict[str, Any],
) -> None:
    assert result["failed"] == {
        "status": "待推送",
        "attempts": "1",
        "error": "ConnectionRefusedError: [Errno 111] Connection refused",
        "code": "",
        "delivered": "",
    }
    resent = result["resent"]
    assert (resent["status"], resent["attempts"], resent["error"], resent["code"]) == (
        "已送达",
        "2",
        "",
        "204",
    )
    assert STAFF_TIME.fullmatch(resent["delivered"])


async def test_the_receiver_gets_each_publication_once_signed_with_the_secret_shown_at_creation(
    result: dict[str, Any],
) -> None:
    received = result["received"]
    assert [json.loads(r["body"])["item"]["id"] for r in received] == result["items"]
    assert [r["path"] for r in received] == ["/hooks/gongkai", "/hooks/gongkai"]
    for request in received:
        expected = hmac.new(result["secret"].encode(), request["body"].encode(), hashlib.sha256).hexdigest()
        assert request["headers"]["x-gongkai-signature"] == f"sha256={expected}"
        assert request["headers"]["x-gongkai-event"] == "PUBLISHED"


async def test_the_menu_offers_the_screen_only_to_webhook_managers(
    result: dict[str, Any], scenario: Scenarios
) -> None:
    # given the administrator reached the screen through the menu (the scenario clicks menu-webhooks)
    assert result["url"].startswith("http://127.0.0.1:")
    # then an officer, without WEBHOOK_MANAGE, is not offered it
    officer = await scenario("rich-editor")
    assert officer["webhookMenu"] == 0


async def test_pause_resume_and_delete_after_confirmation(result: dict[str, Any]) -> None:
    assert (result["pausedState"], result["resumedState"]) == ("已暂停", "推送中")
    assert result["keptAfterCancel"] == 1
    assert result["info"] == f"已删除推送地址 {result['url']} 及其推送记录。"
    assert result["left"] == 0
