"""#17: a reviewer opens a draft's PDF from the review screen (signed staff links), after the officer
uploaded it from a browser without crypto.subtle, through this server's upload route."""

from __future__ import annotations

import dataclasses

import pytest

from cms.services import Services
from tests.e2e.conftest import Scenarios


async def test_a_reviewer_opens_a_drafts_pdf_from_the_review_screen(
    scenario: Scenarios, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a server without a browser-facing S3 endpoint: the admin app uploads to /uploads
    store = services.attachments.objects
    monkeypatch.setattr(store, "config", dataclasses.replace(store.config, public_endpoint=None))

    result = await scenario("review-files")

    assert result["subtle"] == "undefined"
    assert result["uploadErrors"] == 0
    assert result["linkText"] == "送审稿（征求意见稿）.pdf"
    assert result["target"] == "_blank"
    assert result["signedParams"] == ["e", "s", "u"]
    assert result["tab"] == {"status": 200, "type": "application/pdf"}
    assert result["fetched"] == {
        "status": 200,
        "type": "application/pdf",
        "cache": "private, no-store",
        "size": result["expectedSize"],
        "head": "%PDF-",
    }
    assert result["unsigned"] == 404
