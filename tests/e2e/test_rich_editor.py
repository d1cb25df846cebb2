"""The rich-text body editor of the admin app (#16) in a real browser: what is typed and pasted comes back
from the server's sanitizer, pastes from Word lose their looks, javascript: links never get in, plain-text
bodies open as paragraphs, and the interpretation and gazette editors use the same editor. One scenario
(tests/e2e/scenarios/rich-editor.mjs); each test checks one part of its result."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Scenarios

TYPED_TABLE_HEAD = (
    '<tr><th colspan="1" rowspan="1"><p>项目</p></th><th colspan="1" rowspan="1"><p>金额</p></th>'
    '<th colspan="1" rowspan="1"><p></p></th></tr>'
)
PASTED = (
    "<p>粘贴的第一段</p><p>粘贴的第二段</p><table><colgroup><col><col></colgroup><tbody>"
    '<tr><td colspan="1" rowspan="1"><p>指标</p></td><td colspan="1" rowspan="1"><p>数值</p></td></tr>'
    '<tr><td colspan="1" rowspan="1"><p>收入</p></td><td colspan="1" rowspan="1"><p>100</p></td></tr>'
    "</tbody></table><p>危险链接</p>"
)


@pytest.fixture
async def result(scenario: Scenarios) -> dict[str, Any]:
    return await scenario("rich-editor")


async def test_a_typed_heading_list_and_table_are_saved_and_shown_after_reload(
    result: dict[str, Any],
) -> None:
    saved = result["typedSaved"]["bodyHtml"]
    assert saved.startswith(
        "<h2>第一章 总则</h2><ol><li><p>第一项</p></li><li><p>第二项</p></li></ol><table>"
    )
    assert TYPED_TABLE_HEAD in saved
    assert result["typedSaved"]["body"] == "第一章 总则\n第一项\n第二项\n项目\n金额"
    assert result["typedShown"] == {
        "heading": "第一章 总则",
        "items": ["第一项", "第二项"],
        "headers": ["项目", "金额", ""],
    }


async def test_a_paste_from_word_keeps_paragraphs_and_the_table_and_drops_every_style(
    result: dict[str, Any],
) -> None:
    sent, saved = result["pastedSent"], result["pastedSaved"]["bodyHtml"]
    # what the editor sends already lost Word's looks (its only style attributes are TipTap's own widths)
    assert "<p>粘贴的第一段</p><p>粘贴的第二段</p><table" in sent
    for word in (
        "mso-",
        "<font",
        "class=",
        "<span",
        "o:p",
        "仿宋",
        "黑体",
        "#ff0000",
        "line-height",
        "MsoNormal",
    ):
        assert word not in sent, word
    # and what the server stored has no style at all
    assert PASTED in saved
    assert "style=" not in saved


@pytest.mark.parametrize(
    "where", ["typed-in", "pasted", "sent", "saved"], ids=["typed-in", "pasted", "sent", "saved"]
)
async def test_a_javascript_link_never_gets_into_the_body(result: dict[str, Any], where: str) -> None:
    if where == "typed-in":
        assert (result["linkRefused"], result["linksAfterRefusal"]) == (
            "链接只能是 http:// 或 https:// 开头的网址。",
            0,
        )
    elif where == "pasted":
        assert result["shownAfterSave"] == {"tables": 2, "links": ["https://www.gov.cn/zhengce/"]}
    elif where == "sent":
        assert "javascript" not in result["pastedSent"]
        assert 'href="https://www.gov.cn/zhengce/"' in result["pastedSent"]
    else:
        assert "javascript" not in result["pastedSaved"]["bodyHtml"]
        assert result["pastedSaved"]["bodyHtml"].startswith(
            '<h2><a href="https://www.gov.cn/zhengce/" rel="noopener noreferrer">第一章 总则</a></h2>'
        )


async def test_a_plain_text_body_opens_as_one_paragraph_per_line(result: dict[str, Any]) -> None:
    assert result["plainShown"] == [["P", "第一段正文。"], ["P", "第二段正文。"]]


async def test_the_interpretation_and_gazette_editors_save_rich_bodies(result: dict[str, Any]) -> None:
    assert (result["interpretationHeading"], result["articleItem"]) == ("解读要点", "公报条款")
