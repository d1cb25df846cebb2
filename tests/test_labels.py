"""Every value of an enum the API labels has a Chinese label (a missing one is an internal error at
read time, as it was for items waiting at a configured tier)."""

from __future__ import annotations

import pytest

from cms import model


@pytest.mark.parametrize(
    ("enum", "labels"),
    [
        (model.ReviewState, model.REVIEW_STATE_LABELS),
        (model.Validity, model.VALIDITY_LABELS),
        (model.DisclosureMode, model.DISCLOSURE_LABELS),
    ],
)
def test_every_value_has_a_label(enum: type, labels: dict[object, str]) -> None:
    missing = [value for value in enum if not labels.get(value)]
    assert missing == []
