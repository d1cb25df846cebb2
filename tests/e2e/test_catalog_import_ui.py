"""导入目录 in the admin app, in a real browser: a sheet with an error, the fixed sheet imported, then the
same sheet again changes nothing (#17)."""

from __future__ import annotations

import csv
import io
from typing import Any

from storage.documents import CatalogEntry
from tests.e2e.conftest import Scenarios
from tests.helpers import ROOT_KEY


def sheet(org: Any, genre: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["索引号", "名称", "发布日期", "主题分类", "体裁"])
    writer.writerow(
        [f"{org.code}/2012-00001", "浏览器导入的文件一", "2012-06-01", "综合政务\\政务公开", "通知"]
    )
    writer.writerow(
        [f"{org.code}/2012-00002", "浏览器导入的文件二", "2012-06-02", "综合政务\\政务公开", genre]
    )
    return out.getvalue().encode("gbk")


async def test_an_administrator_checks_fixes_imports_and_reimports_a_sheet(
    scenario: Scenarios, services: Any, fresh_org: Any, tmp_path: Any
) -> None:
    org = await fresh_org(parent=services.orgs.tree.by_key[ROOT_KEY])
    await services.reload_tree()
    bad, fixed = tmp_path / "有错误的目录.csv", tmp_path / "目录.csv"
    bad.write_bytes(sheet(org, "檄文"))
    fixed.write_bytes(sheet(org, "通知"))

    result = await scenario("importing", orgName=org.name, bad=str(bad), fixed=str(fixed))

    assert result["refusedRow"] == ["3", "体裁", "体裁“檄文”不在体裁词表中。"]
    assert result["startDisabled"] is True
    assert result["checked"] == "共2行：将导入2行，此前已导入0行，有问题0行。"
    assert result["done"] == "已完成：已写入2行，跳过已导入0行，共2行"
    assert result["again"] == "共2行：将导入0行，此前已导入2行，有问题0行。"
    assert await CatalogEntry.find({"org_id": org.id}).count() == 2
