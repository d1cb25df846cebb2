"""Rich bodies (issue #16): ``bodyHtml`` on catalog entries and interpretations, sanitized on save to
an allow-list; ``body`` is its plain text; plain bodies read as paragraphs. XSS payloads never come
back."""

from __future__ import annotations

from typing import Any

import pytest

from cms.content.richtext import sanitize
from cms.errors import InvalidInput
from storage.documents import CatalogEntry
from tests.helpers import OFFICER, Api

ENTRY = "id version body bodyHtml"
CREATE = f"mutation($i: CatalogEntryInput!) {{ createCatalogEntry(input: $i) {{ {ENTRY} }} }}"
UPDATE = (
    "mutation($id: ID!, $v: Int!, $i: CatalogEntryInput!) {"
    f" updateCatalogEntry(id: $id, expectedVersion: $v, input: $i) {{ {ENTRY} }} }}"
)
INTERPRETATION = """
mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id body bodyHtml } }
"""
ATTACHMENT = "/files/0123456789abcdef01234567/附件.pdf"
DOCUMENT = (
    "<h2>一、总体要求</h2><p>（一）<strong>加强</strong>公开。</p>"
    '<table><tr><th>事项</th><td colspan="2">时限</td></tr></table>'
    '<ol start="2"><li>第二项</li></ol>'
    f'<p><a href="https://www.gov.cn/">中国政府网</a> <a href="{ATTACHMENT}">附件</a></p>'
)


@pytest.fixture(scope="module")
def api(gql: Any, settings: Any) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture
async def officer_org(api: Api) -> tuple[str, str]:
    return await api.token(OFFICER), await api.new_org()


async def test_a_rich_body_keeps_structure_and_yields_its_text(api, officer_org):
    # given an officer drafting an entry with headings, a table, a list and links
    token, org = officer_org
    # when it is saved with bodyHtml
    data = await api.ok(CREATE, {"i": {"organization": org, "title": "富文本", "bodyHtml": DOCUMENT}}, token)
    entry = data["createCatalogEntry"]
    # then the structure stays (links get rel), and body is the text, a line per block
    assert entry["bodyHtml"] == (
        "<h2>一、总体要求</h2><p>（一）<strong>加强</strong>公开。</p>"
        '<table><tbody><tr><th>事项</th><td colspan="2">时限</td></tr></tbody></table>'
        '<ol start="2"><li>第二项</li></ol>'
        '<p><a href="https://www.gov.cn/" rel="noopener noreferrer">中国政府网</a> '
        f'<a href="{ATTACHMENT}" rel="noopener noreferrer">附件</a></p>'
    )
    assert entry["body"] == "一、总体要求\n（一）加强公开。\n事项 时限\n第二项\n中国政府网 附件"


XSS = [
    pytest.param("<script>alert(1)</script>", "", id="script"),
    pytest.param('<p onclick="alert(1)">点</p>', "<p>点</p>", id="event-handler"),
    pytest.param(
        '<a href="javascript:alert(1)">链</a>', '<a rel="noopener noreferrer">链</a>', id="javascript-url"
    ),
    pytest.param(
        '<a href="//evil.example/x">链</a>', '<a rel="noopener noreferrer">链</a>', id="protocol-relative"
    ),
    pytest.param('<svg onload="alert(1)"><script>alert(1)</script></svg>文', "文", id="svg"),
    pytest.param('<p style="width: expression(alert(1))">式</p>', "<p>式</p>", id="css-expression"),
    pytest.param("<style>p{behavior:url(x.htc)}</style><p>样</p>", "<p>样</p>", id="style-tag"),
    pytest.param('<img src="https://evil.example/x.png" onerror="alert(1)">', "<img>", id="foreign-image"),
    pytest.param('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "<img>", id="data-image"),
    pytest.param('<iframe src="https://evil.example"></iframe>框', "框", id="iframe"),
    pytest.param('<p class="MsoNormal" style="mso-x:1">Word<o:p></o:p></p>', "<p>Word</p>", id="word-paste"),
]


@pytest.mark.parametrize(("payload", "stored"), XSS)
async def test_xss_payloads_never_come_back(api, officer_org, payload, stored):
    token, org = officer_org
    data = await api.ok(CREATE, {"i": {"organization": org, "title": "XSS", "bodyHtml": payload}}, token)
    assert data["createCatalogEntry"]["bodyHtml"] == stored


@pytest.mark.parametrize(("payload", "stored"), XSS)
def test_sanitizing_is_idempotent(payload, stored):
    assert sanitize(sanitize(payload)) == sanitize(payload) == stored


async def test_an_image_of_an_attachment_is_kept(api, officer_org):
    token, org = officer_org
    html = f'<p><img src="{ATTACHMENT}" alt="图" width="300" height="x"></p>'
    data = await api.ok(CREATE, {"i": {"organization": org, "title": "图", "bodyHtml": html}}, token)
    assert data["createCatalogEntry"]["bodyHtml"] == f'<p><img src="{ATTACHMENT}" alt="图" width="300"></p>'


async def test_a_plain_body_reads_as_paragraphs_and_is_not_rewritten(api, officer_org):
    # given an entry saved with a plain body (full-width indents and blank lines included)
    token, org = officer_org
    plain = "\u3000\u3000第一段<不是标签>\n\n\u3000\u3000第二段"
    data = await api.ok(CREATE, {"i": {"organization": org, "title": "纯文本", "body": plain}}, token)
    entry = data["createCatalogEntry"]
    # then body is kept as sent and bodyHtml shows it as escaped paragraphs
    assert entry["body"] == plain
    assert entry["bodyHtml"] == "<p>第一段&lt;不是标签&gt;</p><p>第二段</p>"


async def test_editing_switches_between_rich_and_plain_bodies(api, officer_org):
    token, org = officer_org
    created = (
        await api.ok(CREATE, {"i": {"organization": org, "title": "切换", "bodyHtml": "<p>甲</p>"}}, token)
    )["createCatalogEntry"]
    plain = await api.ok(UPDATE, {"id": created["id"], "v": created["version"], "i": {"body": "乙"}}, token)
    entry = plain["updateCatalogEntry"]
    assert (entry["body"], entry["bodyHtml"]) == ("乙", "<p>乙</p>")
    rich = await api.ok(
        UPDATE, {"id": entry["id"], "v": entry["version"], "i": {"bodyHtml": "<h3>丙</h3>"}}, token
    )
    assert (rich["updateCatalogEntry"]["body"], rich["updateCatalogEntry"]["bodyHtml"]) == (
        "丙",
        "<h3>丙</h3>",
    )


async def test_interpretations_take_rich_bodies_too(api, officer_org):
    token, org = officer_org
    variables = {"i": {"organization": org, "title": "解读", "bodyHtml": '<p onmouseover="x()">解读正文</p>'}}
    data = await api.ok(INTERPRETATION, variables, token)
    assert (data["createInterpretation"]["body"], data["createInterpretation"]["bodyHtml"]) == (
        "解读正文",
        "<p>解读正文</p>",
    )


async def test_an_oversized_rich_body_is_refused(services, fresh_org):
    # the request size limit stops such a body over HTTP; the rule itself holds on every save
    org = await fresh_org()
    entry = CatalogEntry(org_id=org.id, title="过长", body_html="<p>" + "字" * 4_000_000 + "</p>")
    with pytest.raises(InvalidInput) as refused:
        services.catalog.validate(entry)
    assert (refused.value.message, refused.value.details) == (
        "bodyHtml 超出长度上限（4000000 字）。",
        {"field": "bodyHtml"},
    )


GAZETTE = """
mutation($i: GazetteIssueInput!) { createGazetteIssue(input: $i) { articles { title body bodyHtml } } }
"""


async def test_gazette_articles_take_rich_bodies(api, officer_org):
    # given an issue with one rich and one plain article
    token, org = officer_org
    articles = [
        {"title": "富文本", "bodyHtml": '<h2>标题</h2><p><a href="javascript:x()">链</a>正文</p>'},
        {"title": "纯文本", "body": "第一段\n第二段"},
    ]
    # when it is saved
    data = await api.ok(
        GAZETTE, {"i": {"organization": org, "year": 2026, "number": 1, "articles": articles}}, token
    )
    # then the rich one is sanitized with its text as body, the plain one reads as paragraphs
    assert data["createGazetteIssue"]["articles"] == [
        {
            "title": "富文本",
            "body": "标题\n链正文",
            "bodyHtml": '<h2>标题</h2><p><a rel="noopener noreferrer">链</a>正文</p>',
        },
        {"title": "纯文本", "body": "第一段\n第二段", "bodyHtml": "<p>第一段</p><p>第二段</p>"},
    ]
