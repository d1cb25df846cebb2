"""History names and times, and the register anchoring screen (#17), in a real browser."""

from __future__ import annotations

import re

from cms.content.ids import from_global_id
from cms.review.register_csv import SHANGHAI
from cms.services import Services
from storage.register import RegisterRecord
from tests.e2e.conftest import Scenarios
from tests.helpers import ROOT_KEY

BEIJING = "%Y-%m-%d %H:%M:%S"


async def test_history_shows_display_names_and_beijing_times_and_the_heads_screen_shows_each_register(
    scenario: Scenarios, services: Services
) -> None:
    result = await scenario("anchoring")

    # the history: the officer by display name, every time in Beijing time
    records = await RegisterRecord.find({"item_id": from_global_id(result["id"])[1]}).sort("seq").to_list()
    history = result["history"]
    assert history["actors"] == ["演示承办人", "演示承办人"]
    assert history["times"] == [r.at.astimezone(SHANGHAI).strftime(BEIJING) for r in records]
    assert history["savedBy"] == ["演示承办人"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", history["savedAt"][0])

    # the heads: the root's register verified, its head the one verification gives, also in the CSV
    root = services.orgs.tree.by_key[ROOT_KEY]
    assert root.id is not None
    verified = await services.register.verify(root.id)
    heads = result["heads"]
    assert heads["first"] == "云南省人民政府"
    assert (heads["entries"], heads["verdict"], heads["hash"]) == (
        str(verified.checked),
        "完好",
        verified.head_hash,
    )
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", heads["time"])
    assert result["csvHeader"] == "机构,机构标识,登记条数,链头哈希,校验结果,校验时间（北京时间）"
    assert result["csvRoot"].startswith(
        f"云南省人民政府,{ROOT_KEY},{verified.checked},{verified.head_hash},完好,"
    )
    assert result["csvRows"] == heads["rows"]
