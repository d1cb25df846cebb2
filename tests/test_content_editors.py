"""Editing gazette issues, interviews and interpretations, and administering the catalog vocabularies
and organizations, through the real GraphQL API: creation, edits with an expected version, field
errors with their exact code and field, stable article ids, transcript order, the gazette number
rule, the whole review chain up to anonymous readers, and the public cache after vocabulary changes.

The database is shared by the whole session: every test works in organizations of its own and in
vocabulary terms with unique names, and never depends on global counts.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from cms.content.ids import to_global_id
from tests.helpers import ADMIN, DEPT_HEAD, OFFICER, UNIT_HEAD, Api, code_of, error_of, random_id, unique

GRAPHQL_RESPONSE = "application/graphql-response+json"

ISSUE = """
  id title description version reviewState year number totalNumber publicationDate workingCopyOf
  articles { id order section title documentNumber body catalogEntry { id } }
"""
INTERVIEW = """
  id title description version reviewState kind scheduledStart scheduledEnd publishedDate workingCopyOf
  guests { name title organization { id } }
  questions { asker text answer answeredLive }
  transcript { seq speaker role text time }
"""
INTERPRETATION = "id title body kind version reviewState interprets { id }"
TERM = "value label parent"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def demo(api):
    names = {"officer": OFFICER, "head": DEPT_HEAD, "unit": UNIT_HEAD, "admin": ADMIN}
    return {key: await api.token(name) for key, name in names.items()}


@pytest.fixture
async def org(api) -> str:
    return await api.new_org()


def field_error(body: dict[str, Any]) -> tuple[str, str, str | None]:
    """(code, message, field) of the one error a response carries."""
    code, message = error_of(body)
    return code, message, body["errors"][0]["extensions"].get("field")


async def create_issue(api: Api, token: str, org: str, **fields: Any) -> dict[str, Any]:
    body = await post_issue(api, token, org, **fields)
    assert "errors" not in body, body
    issue: dict[str, Any] = body["data"]["createGazetteIssue"]
    return issue


async def post_issue(api: Api, token: str | None, org: str, **fields: Any) -> dict[str, Any]:
    data = {
        "organization": org,
        "year": 2026,
        "number": 1,
        "articles": [{"title": unique("文章")}],
        **fields,
    }
    return await api.post(
        f"mutation($i: GazetteIssueInput!) {{ createGazetteIssue(input: $i) {{ {ISSUE} }} }}",
        {"i": data},
        token,
    )


async def update_issue(api: Api, token: str, issue: str, expected: int, **fields: Any) -> dict[str, Any]:
    return await api.post(
        "mutation($id: ID!, $v: Int!, $i: GazetteIssueInput!) {"
        f" updateGazetteIssue(id: $id, expectedVersion: $v, input: $i) {{ {ISSUE} }} }}",
        {"id": issue, "v": expected, "i": fields},
        token,
    )


async def create_interview(api: Api, token: str, org: str, **fields: Any) -> dict[str, Any]:
    body = await api.post(
        f"mutation($i: InterviewInput!) {{ createInterview(input: $i) {{ {INTERVIEW} }} }}",
        {"i": {"organization": org, "title": unique("访谈"), **fields}},
        token,
    )
    assert "errors" not in body, body
    interview: dict[str, Any] = body["data"]["createInterview"]
    return interview


async def update_interview(api: Api, token: str, item: str, expected: int, **fields: Any) -> dict[str, Any]:
    return await api.post(
        "mutation($id: ID!, $v: Int!, $i: InterviewInput!) {"
        f" updateInterview(id: $id, expectedVersion: $v, input: $i) {{ {INTERVIEW} }} }}",
        {"id": item, "v": expected, "i": fields},
        token,
    )


async def through_the_chain(api: Api, demo: dict[str, str], item: str, *, submit: str = "SUBMIT") -> Any:
    await api.act(demo["officer"], item, submit)
    await api.act(demo["officer"], item, "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], item, "APPROVE", opinion="审核同意。")
    return await api.act(demo["unit"], item, "APPROVE", opinion="同意发布。")


async def anonymous_node(api: Api, item: str, fields: str) -> Any:
    data = await api.ok(
        f"query($id: ID!) {{ node(id: $id) {{ ... on Content {{ id }} {fields} }} }}", {"id": item}
    )
    return data["node"]


# --- gazette issues ------------------------------------------------------------------------------


async def test_a_gazette_issue_is_created_as_a_draft_with_its_articles_in_list_order(api, demo, org):
    entry = await api.create_entry(demo["officer"], org)

    issue = await create_issue(
        api,
        demo["officer"],
        org,
        year=2026,
        number=3,
        totalNumber=301,
        publicationDate="2026-02-10",
        title="测试公报 2026年第3期",
        articles=[
            {
                "section": "省政府文件",
                "title": "关于甲的通知",
                "documentNumber": "测政发〔2026〕1号",
                "body": "正文甲",
                "catalogEntry": entry["id"],
            },
            {"section": "人事任免", "title": "任免名单"},
        ],
    )

    assert issue["reviewState"] == "DRAFT"
    assert issue["version"] == 1
    assert (issue["year"], issue["number"], issue["totalNumber"]) == (2026, 3, 301)
    assert issue["publicationDate"] == "2026-02-10"
    assert [(a["order"], a["section"], a["title"]) for a in issue["articles"]] == [
        (0, "省政府文件", "关于甲的通知"),
        (1, "人事任免", "任免名单"),
    ]
    assert issue["articles"][0]["documentNumber"] == "测政发〔2026〕1号"
    assert issue["articles"][0]["catalogEntry"] == {"id": entry["id"]}
    assert issue["articles"][1]["catalogEntry"] is None


async def test_articles_passed_back_keep_their_ids_and_take_the_new_order(api, demo, org):
    issue = await create_issue(
        api, demo["officer"], org, articles=[{"title": "甲"}, {"title": "乙"}, {"title": "丙"}]
    )
    a, b, c = issue["articles"]

    body = await update_issue(
        api,
        demo["officer"],
        issue["id"],
        1,
        articles=[
            {"id": c["id"], "title": "丙（修改）", "section": "规范性文件"},
            {"title": "丁（新增）"},
            {"id": a["id"], "title": "甲"},
        ],
    )

    assert "errors" not in body, body
    updated = body["data"]["updateGazetteIssue"]
    assert updated["version"] == 2
    assert [(x["id"], x["order"], x["title"]) for x in updated["articles"]] == [
        (c["id"], 0, "丙（修改）"),
        (updated["articles"][1]["id"], 1, "丁（新增）"),
        (a["id"], 2, "甲"),
    ]
    assert updated["articles"][1]["id"] not in {a["id"], b["id"], c["id"]}
    assert updated["articles"][0]["section"] == "规范性文件"
    # The article is found by its id, as before the edit.
    found = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on GazetteArticle { title issue { id } } } }",
        {"id": c["id"]},
        demo["officer"],
    )
    assert found["node"] == {"title": "丙（修改）", "issue": {"id": issue["id"]}}


async def test_an_article_id_of_another_issue_is_refused(api, demo, org):
    one = await create_issue(api, demo["officer"], org, number=1)
    two = await create_issue(api, demo["officer"], org, number=2)

    body = await update_issue(
        api, demo["officer"], two["id"], 1, articles=[{"id": one["articles"][0]["id"], "title": "借用"}]
    )

    assert field_error(body) == ("BAD_USER_INPUT", "文章 ID 不属于本期公报或重复出现。", "articles.0.id")
    assert (await api.node(two["id"], demo["officer"]))["version"] == 1


async def test_year_and_number_name_one_issue_per_organization(api, demo, org):
    await create_issue(api, demo["officer"], org, year=2025, number=7)
    other_org = await api.new_org()

    taken = await post_issue(api, demo["officer"], org, year=2025, number=7)
    elsewhere = await post_issue(api, demo["officer"], other_org, year=2025, number=7)
    next_year = await post_issue(api, demo["officer"], org, year=2026, number=7)

    assert field_error(taken) == (
        "GAZETTE_NUMBER_TAKEN",
        "本机构 2025 年第 7 期公报已存在，请核对期号。",
        "number",
    )
    assert "errors" not in elsewhere, elsewhere
    assert "errors" not in next_year, next_year
    moved = await update_issue(
        api, demo["officer"], next_year["data"]["createGazetteIssue"]["id"], 1, year=2025
    )
    assert field_error(moved)[0::2] == ("GAZETTE_NUMBER_TAKEN", "number")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"number": 0}, "number", "期号应在 1 至 999 之间。", id="number-below-1"),
        pytest.param({"year": 1800}, "year", "公报年份应在 1949 至 2200 之间。", id="year-out-of-range"),
        pytest.param({"articles": []}, "articles", "公报至少包含一篇文章。", id="no-articles"),
        pytest.param(
            {"articles": [{"title": "甲"}, {"title": "  "}]},
            "articles.1.title",
            "文章标题不能为空。",
            id="blank-article-title",
        ),
        pytest.param(
            {"articles": [{"title": f"第{i}篇"} for i in range(201)]},
            "articles",
            "一期公报最多 200 篇文章。",
            id="too-many-articles",
        ),
        pytest.param(
            {"articles": [{"title": "甲", "catalogEntry": random_id()}]},
            "articles.0.catalogEntry",
            "关联的公开目录条目不存在。",
            id="unknown-catalog-entry",
        ),
        pytest.param(
            {"articles": [{"title": "甲", "id": random_id("GazetteArticle")}]},
            "articles",
            "新建公报时不能指定文章 ID。",
            id="article-id-on-create",
        ),
    ],
)
async def test_gazette_field_errors_name_the_field(api, demo, org, fields, field, message):
    body = await post_issue(api, demo["officer"], org, **fields)

    assert field_error(body) == ("BAD_USER_INPUT", message, field)
    listed = await api.ok(
        "query($o: ID!) { gazetteIssues(organization: $o) { edges { node { id } } } }",
        {"o": org},
        demo["officer"],
    )
    assert listed["gazetteIssues"]["edges"] == []  # nothing was written


async def test_a_gazette_update_with_a_stale_version_is_a_conflict_and_changes_nothing(api, demo, org):
    issue = await create_issue(api, demo["officer"], org, title="原标题")
    first = await update_issue(api, demo["officer"], issue["id"], 1, title="第一次修改")
    assert "errors" not in first, first

    stale = await update_issue(api, demo["officer"], issue["id"], 1, title="过时的修改")

    assert code_of(stale) == "CONFLICT"
    current = await api.node(issue["id"], demo["officer"])
    assert (current["title"], current["version"]) == ("第一次修改", 2)


async def test_a_link_to_an_entry_the_caller_cannot_see_reads_like_a_missing_one(api, demo, org):
    elsewhere = await api.new_org()
    hidden = await api.create_entry(demo["officer"], elsewhere)
    local = await api.new_user(org, "OFFICER")  # an officer of this organization only

    invisible = await post_issue(
        api, local.token, org, articles=[{"title": "甲", "catalogEntry": hidden["id"]}]
    )
    missing = await post_issue(api, local.token, org, articles=[{"title": "甲", "catalogEntry": random_id()}])

    assert field_error(invisible) == field_error(missing)
    assert field_error(invisible)[2] == "articles.0.catalogEntry"


async def test_a_gazette_issue_reaches_anonymous_readers_only_when_issued(api, demo, org):
    issue = await create_issue(api, demo["officer"], org, title=unique("公报"), articles=[{"title": "甲"}])
    anonymous_list = "query($o: ID!) { gazetteIssues(organization: $o) { edges { node { id title } } } }"
    assert await anonymous_node(api, issue["id"], "... on GazetteIssue { title }") is None

    await api.act(demo["officer"], issue["id"], "SUBMIT")
    await api.act(demo["officer"], issue["id"], "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], issue["id"], "APPROVE", opinion="审核同意。")
    assert (await api.ok(anonymous_list, {"o": org}))["gazetteIssues"]["edges"] == []
    published = await api.act(demo["unit"], issue["id"], "APPROVE", opinion="同意发布。")

    assert published["reviewState"] == "PUBLISHED"
    seen = await api.ok(anonymous_list, {"o": org})
    assert seen["gazetteIssues"]["edges"] == [{"node": {"id": issue["id"], "title": issue["title"]}}]


async def test_a_published_issue_is_edited_through_a_working_copy_and_keeps_its_article_ids(api, demo, org):
    issue = await create_issue(
        api, demo["officer"], org, number=5, articles=[{"title": "甲"}, {"title": "乙"}]
    )
    await through_the_chain(api, demo, issue["id"])
    a, b = issue["articles"]
    copy = (
        await api.ok("mutation($id: ID!) { checkout(id: $id) { id } }", {"id": issue["id"]}, demo["officer"])
    )["checkout"]

    body = await update_issue(
        api,
        demo["officer"],
        copy["id"],
        1,
        articles=[{"id": b["id"], "title": "乙（更正）"}, {"id": a["id"], "title": "甲"}],
    )
    assert "errors" not in body, body
    live_meanwhile = await anonymous_node(api, issue["id"], "... on GazetteIssue { articles { title } }")
    assert [x["title"] for x in live_meanwhile["articles"]] == ["甲", "乙"]  # unchanged until issued
    await through_the_chain(api, demo, copy["id"], submit="SUBMIT")

    live = await anonymous_node(
        api, issue["id"], "... on GazetteIssue { number version articles { id title } }"
    )
    assert live["number"] == 5
    assert live["articles"] == [{"id": b["id"], "title": "乙（更正）"}, {"id": a["id"], "title": "甲"}]


async def checkout(api: Api, token: str, item: str) -> dict[str, Any]:
    data = await api.ok("mutation($id: ID!) { checkout(id: $id) { id version } }", {"id": item}, token)
    copy: dict[str, Any] = data["checkout"]
    return copy


async def test_a_working_copy_cannot_take_the_number_of_another_live_issue(api, demo, org):
    issue = await create_issue(api, demo["officer"], org, number=5)
    await through_the_chain(api, demo, issue["id"])
    await create_issue(api, demo["officer"], org, number=6)  # a draft holds its number too
    copy = await checkout(api, demo["officer"], issue["id"])

    body = await update_issue(api, demo["officer"], copy["id"], copy["version"], number=6)

    assert field_error(body) == (
        "GAZETTE_NUMBER_TAKEN",
        "本机构 2026 年第 6 期公报已存在，请核对期号。",
        "number",
    )
    assert (await api.node(copy["id"], demo["officer"]))["version"] == copy["version"]


async def test_a_number_taken_while_the_copy_was_in_review_refuses_the_merge_and_writes_nothing(
    api, demo, org
):
    issue = await create_issue(api, demo["officer"], org, number=7)
    await through_the_chain(api, demo, issue["id"])
    copy = await checkout(api, demo["officer"], issue["id"])
    moved = await update_issue(api, demo["officer"], copy["id"], copy["version"], number=8)
    assert "errors" not in moved, moved
    await api.act(demo["officer"], copy["id"], "SUBMIT")
    await api.act(demo["officer"], copy["id"], "APPROVE", opinion="初审同意。")
    await api.act(demo["head"], copy["id"], "APPROVE", opinion="审核同意。")
    await create_issue(api, demo["officer"], org, number=8)  # a copy does not reserve its number
    live = await anonymous_node(api, issue["id"], "... on GazetteIssue { number version }")
    filed = len((await api.history(issue["id"], demo["officer"]))["transitions"])

    body = await api.transition(demo["unit"], copy["id"], "APPROVE", opinion="同意发布。")

    assert field_error(body) == (
        "GAZETTE_NUMBER_TAKEN",
        "本机构 2026 年第 8 期公报已存在，请核对期号。",
        "number",
    )
    assert await anonymous_node(api, issue["id"], "... on GazetteIssue { number version }") == live
    assert (await api.node(copy["id"], demo["officer"]))["reviewState"] == "PENDING_UNIT_APPROVAL"
    assert len((await api.history(issue["id"], demo["officer"]))["transitions"]) == filed


# --- interviews ----------------------------------------------------------------------------------


async def test_an_interview_is_created_with_guests_questions_and_an_ordered_transcript(api, demo, org):
    item = await create_interview(
        api,
        demo["officer"],
        org,
        kind="PRESS_CONFERENCE",
        description="新闻发布会",
        scheduledStart="2026-03-01T02:00:00+00:00",
        scheduledEnd="2026-03-01T03:00:00+00:00",
        guests=[{"name": "张三", "title": "办公室主任", "organization": org}, {"name": "李四"}],
        questions=[
            {"asker": "网友甲", "text": "何时公开？", "answer": "20个工作日内。", "answeredLive": True}
        ],
        transcript=[
            {"speaker": "主持人", "role": "host", "text": "欢迎。"},
            {"speaker": "张三", "text": "谢谢。", "time": "2026-03-01T02:01:00+00:00"},
        ],
    )

    assert (item["reviewState"], item["version"], item["kind"]) == ("DRAFT", 1, "PRESS_CONFERENCE")
    assert item["guests"] == [
        {"name": "张三", "title": "办公室主任", "organization": {"id": org}},
        {"name": "李四", "title": "", "organization": None},
    ]
    assert item["questions"] == [
        {"asker": "网友甲", "text": "何时公开？", "answer": "20个工作日内。", "answeredLive": True}
    ]
    assert [(t["seq"], t["speaker"], t["role"]) for t in item["transcript"]] == [
        (0, "主持人", "host"),
        (1, "张三", "guest"),
    ]


QUESTIONS = "id version place questions { id asker text answer answeredLive }"


async def edit_interview(api: Api, token: str, item: str, expected: int, **fields: Any) -> dict[str, Any]:
    return await api.post(
        "mutation($id: ID!, $v: Int!, $i: InterviewInput!) {"
        f" updateInterview(id: $id, expectedVersion: $v, input: $i) {{ {QUESTIONS} }} }}",
        {"id": item, "v": expected, "i": fields},
        token,
    )


async def test_an_interview_has_a_place_that_is_edited_and_versioned(api, demo, org):
    item = await create_interview(api, demo["officer"], org, place="省政府新闻办新闻发布厅")

    body = await edit_interview(api, demo["officer"], item["id"], 1, place="  云南省人民政府门户网站 ")
    cleared = await edit_interview(api, demo["officer"], item["id"], 2, place=None)

    assert body["data"]["updateInterview"]["place"] == "云南省人民政府门户网站"
    assert cleared["data"]["updateInterview"]["place"] == ""
    versions = (await api.history(item["id"], demo["officer"]))["versions"]
    assert [v["data"]["place"] for v in versions] == ["省政府新闻办新闻发布厅", "云南省人民政府门户网站", ""]


async def test_questions_passed_back_keep_their_ids_and_new_ones_get_new_ids(api, demo, org):
    item = await create_interview(
        api, demo["officer"], org, questions=[{"text": "问一"}, {"text": "问二", "asker": "网友乙"}]
    )
    first = await edit_interview(api, demo["officer"], item["id"], 1)
    one, two = first["data"]["updateInterview"]["questions"]

    body = await edit_interview(
        api,
        demo["officer"],
        item["id"],
        2,
        questions=[
            {"id": two["id"], "text": "问二", "asker": "网友乙", "answer": "访谈后答复。"},
            {"text": "问三"},
        ],
    )

    assert "errors" not in body, body
    kept, new = body["data"]["updateInterview"]["questions"]
    assert kept == {**two, "answer": "访谈后答复。"}
    assert new["id"] not in {one["id"], two["id"]}
    assert new["text"] == "问三"


async def test_a_question_id_of_another_interview_or_on_creation_is_refused(api, demo, org):
    other = await create_interview(api, demo["officer"], org, questions=[{"text": "别处的问题"}])
    foreign = (await edit_interview(api, demo["officer"], other["id"], 1))["data"]["updateInterview"]
    item = await create_interview(api, demo["officer"], org, questions=[{"text": "问一"}])
    question = {"id": foreign["questions"][0]["id"], "text": "借用"}

    borrowed = await edit_interview(api, demo["officer"], item["id"], 1, questions=[question])
    on_create = await api.post(
        "mutation($i: InterviewInput!) { createInterview(input: $i) { id } }",
        {"i": {"organization": org, "title": unique("访谈"), "questions": [question]}},
        demo["officer"],
    )

    assert field_error(borrowed) == ("BAD_USER_INPUT", "提问 ID 不属于本访谈或重复出现。", "questions.0.id")
    assert field_error(on_create) == ("BAD_USER_INPUT", "新建访谈时不能指定提问 ID。", "questions")
    assert (await api.node(item["id"], demo["officer"]))["version"] == 1


async def test_the_transcript_order_is_the_list_order_of_each_edit(api, demo, org):
    item = await create_interview(
        api,
        demo["officer"],
        org,
        transcript=[{"speaker": "甲", "text": "一"}, {"speaker": "乙", "text": "二"}],
    )

    body = await update_interview(
        api,
        demo["officer"],
        item["id"],
        1,
        transcript=[
            {"speaker": "乙", "text": "二"},
            {"speaker": "丙", "text": "三"},
            {"speaker": "甲", "text": "一"},
        ],
    )

    assert "errors" not in body, body
    updated = body["data"]["updateInterview"]
    assert [(t["seq"], t["speaker"]) for t in updated["transcript"]] == [(0, "乙"), (1, "丙"), (2, "甲")]
    assert updated["version"] == 2
    assert updated["title"] == item["title"]  # fields not sent stay


async def test_an_interview_update_with_a_stale_version_is_a_conflict(api, demo, org):
    item = await create_interview(api, demo["officer"], org)
    assert "errors" not in await update_interview(api, demo["officer"], item["id"], 1, description="改一")

    stale = await update_interview(api, demo["officer"], item["id"], 1, description="改二")

    assert code_of(stale) == "CONFLICT"
    assert (await api.node(item["id"], demo["officer"]))["version"] == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param(
            {"scheduledStart": "2026-03-01T03:00:00+00:00", "scheduledEnd": "2026-03-01T02:00:00+00:00"},
            "scheduledEnd",
            "结束时间不能早于开始时间。",
            id="ends-before-it-starts",
        ),
        pytest.param(
            {"transcript": [{"speaker": "甲", "text": "一"}, {"speaker": " ", "text": "二"}]},
            "transcript.1.speaker",
            "发言人不能为空。",
            id="blank-speaker",
        ),
        pytest.param(
            {"transcript": [{"speaker": "甲", "text": "一", "role": "moderator"}]},
            "transcript.0.role",
            "发言人身份应为主持人（host）或嘉宾（guest）。",
            id="unknown-role",
        ),
        pytest.param(
            {"guests": [{"name": "甲", "organization": random_id("Organization")}]},
            "guests.0.organization",
            "机构不存在。",
            id="unknown-guest-organization",
        ),
        pytest.param({"title": None}, "title", "title 不能为空。", id="null-title"),
        pytest.param(
            {"organization": "x"}, "organization", "访谈的发布机构不能修改。", id="moving-organization"
        ),
    ],
)
async def test_interview_field_errors_name_the_field_and_write_nothing(
    api, demo, org, fields, field, message
):
    item = await create_interview(api, demo["officer"], org)

    body = await update_interview(api, demo["officer"], item["id"], 1, **fields)

    assert field_error(body) == ("BAD_USER_INPUT", message, field)
    assert (await api.node(item["id"], demo["officer"]))["version"] == 1


async def test_an_interview_reaches_anonymous_readers_only_when_issued(api, demo, org):
    item = await create_interview(
        api, demo["officer"], org, transcript=[{"speaker": "主持人", "role": "host", "text": "开始。"}]
    )
    anonymous_list = "query($o: ID!) { interviews(organization: $o) { edges { node { id } } } }"
    assert await anonymous_node(api, item["id"], "... on Interview { title }") is None
    assert (await api.ok(anonymous_list, {"o": org}))["interviews"]["edges"] == []

    published = await through_the_chain(api, demo, item["id"])

    assert published["reviewState"] == "PUBLISHED"
    seen = await anonymous_node(api, item["id"], "... on Interview { title transcript { speaker text } }")
    assert seen["transcript"] == [{"speaker": "主持人", "text": "开始。"}]
    assert (await api.ok(anonymous_list, {"o": org}))["interviews"]["edges"] == [{"node": {"id": item["id"]}}]


# --- interpretations -----------------------------------------------------------------------------


async def create_interpretation(api: Api, token: str, org: str, **fields: Any) -> dict[str, Any]:
    data = await api.ok(
        f"mutation($i: InterpretationInput!) {{ createInterpretation(input: $i) {{ {INTERPRETATION} }} }}",
        {"i": {"organization": org, "title": unique("解读"), **fields}},
        token,
    )
    item: dict[str, Any] = data["createInterpretation"]
    return item


async def update_interpretation(
    api: Api, token: str, item: str, expected: int, **fields: Any
) -> dict[str, Any]:
    return await api.post(
        "mutation($id: ID!, $v: Int!, $i: InterpretationUpdateInput!) {"
        f" updateInterpretation(id: $id, expectedVersion: $v, input: $i) {{ {INTERPRETATION} }} }}",
        {"id": item, "v": expected, "i": fields},
        token,
    )


async def test_an_interpretation_is_edited_with_its_links(api, demo, org):
    first, second = await api.create_entry(demo["officer"], org), await api.create_entry(demo["officer"], org)
    item = await create_interpretation(api, demo["officer"], org, interprets=[first["id"]])

    body = await update_interpretation(
        api,
        demo["officer"],
        item["id"],
        1,
        title="解读（修改）",
        kind="GRAPHIC",
        interprets=[second["id"], first["id"]],
    )

    assert "errors" not in body, body
    updated = body["data"]["updateInterpretation"]
    assert (updated["title"], updated["kind"], updated["version"]) == ("解读（修改）", "GRAPHIC", 2)
    assert updated["interprets"] == [{"id": second["id"]}, {"id": first["id"]}]
    stale = await update_interpretation(api, demo["officer"], item["id"], 1, body="过时")
    assert code_of(stale) == "CONFLICT"


async def test_an_interpretation_cannot_link_an_entry_its_editor_cannot_see(api, demo, org):
    hidden = await api.create_entry(demo["officer"], await api.new_org())
    local = await api.new_user(org, "OFFICER")
    item = await create_interpretation(api, local.token, org)

    invisible = await update_interpretation(api, local.token, item["id"], 1, interprets=[hidden["id"]])
    missing = await update_interpretation(api, local.token, item["id"], 1, interprets=[random_id()])
    on_create = await api.post(
        "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
        {"i": {"organization": org, "title": "解读", "interprets": [hidden["id"]]}},
        local.token,
    )

    assert field_error(invisible) == ("BAD_USER_INPUT", "关联的公开目录条目不存在。", "interprets")
    assert field_error(missing) == field_error(invisible)
    assert field_error(on_create) == field_error(invisible)


async def test_an_interpretation_is_editable_in_draft_and_rejected_but_not_in_review(api, demo, org):
    item = await create_interpretation(api, demo["officer"], org)
    submitted = await api.act(demo["officer"], item["id"], "SUBMIT")

    in_review = await update_interpretation(
        api, demo["officer"], item["id"], submitted["version"], body="审核中修改"
    )
    sent_back = await api.act(demo["officer"], item["id"], "REJECT", opinion="请补充。")
    rejected = await update_interpretation(
        api, demo["officer"], item["id"], sent_back["version"], body="退回后修改"
    )

    assert error_of(in_review) == ("TRANSITION_NOT_ALLOWED", "审核中的内容不能修改，请先退回。")
    assert "errors" not in rejected, rejected
    assert rejected["data"]["updateInterpretation"]["reviewState"] == "REJECTED"


async def test_an_interpretation_edited_and_issued_reaches_anonymous_readers(api, demo, org):
    item = await create_interpretation(api, demo["officer"], org)
    assert "errors" not in await update_interpretation(api, demo["officer"], item["id"], 1, body="解读正文")
    assert await anonymous_node(api, item["id"], "... on Interpretation { body }") is None

    await through_the_chain(api, demo, item["id"])

    assert (await anonymous_node(api, item["id"], "... on Interpretation { body }"))["body"] == "解读正文"


async def test_more_links_than_allowed_are_refused_not_cut(api, demo, org):
    body = await api.post(
        "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
        {"i": {"organization": org, "title": "解读", "interprets": [random_id() for _ in range(21)]}},
        demo["officer"],
    )
    assert field_error(body) == ("BAD_USER_INPUT", "最多关联 20 个所解读的文件。", "interprets")


# --- vocabularies --------------------------------------------------------------------------------


async def admin_call(
    api: Api, demo: dict[str, str], document: str, variables: dict[str, Any]
) -> dict[str, Any]:
    return await api.post(document, variables, demo["admin"])


ADD = f"mutation($i: VocabularyTermInput!) {{ addVocabularyTerm(input: $i) {{ {TERM} }} }}"
RELABEL = (
    "mutation($v: Vocabulary!, $value: String!, $l: String!) {"
    f" relabelVocabularyTerm(vocabulary: $v, value: $value, label: $l) {{ {TERM} }} }}"
)
REORDER = (
    "mutation($v: Vocabulary!, $p: String, $values: [String!]!) {"
    f" reorderVocabularyTerms(vocabulary: $v, parent: $p, values: $values) {{ {TERM} }} }}"
)
REMOVE = "mutation($v: Vocabulary!, $value: String!) { removeVocabularyTerm(vocabulary: $v, value: $value) }"


async def add_term(
    api: Api, demo: dict[str, str], vocabulary: str, label: str, parent: str | None = None
) -> Any:
    body = await admin_call(
        api, demo, ADD, {"i": {"vocabulary": vocabulary, "label": label, "parent": parent}}
    )
    assert "errors" not in body, body
    return body["data"]["addVocabularyTerm"]


async def public_get(client, query: str) -> Any:
    response = await client.get("/graphql", params={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200, response.text
    return json.loads(response.content)["data"]


async def test_a_new_genre_is_offered_at_once_even_from_the_public_cache(api, demo, client, app, services):
    cache = app.state.response_cache
    before = await public_get(client, "{ genres { value label } }")
    await public_get(client, "{ genres { value label } }")  # now served from the cache
    generation = services.public_changes.generation
    label = unique("体裁")

    term = await add_term(api, demo, "GENRE", label)

    assert term == {"value": label, "label": label, "parent": None}
    assert services.public_changes.generation > generation
    hits = cache.stats.hits
    after = await public_get(client, "{ genres { value label } }")
    assert after["genres"] == [*before["genres"], {"value": label, "label": label}]
    assert cache.stats.hits == hits  # answered afresh, not from the cache
    entry = await api.create_entry(demo["officer"], await api.new_org(), genre=label)
    assert entry["id"]


async def test_topics_are_added_relabelled_reordered_and_removed(api, demo, client):
    top = unique("一级")
    await add_term(api, demo, "TOPIC", top)
    first = await add_term(api, demo, "TOPIC", "子甲", parent=top)
    second = await add_term(api, demo, "TOPIC", "子乙", parent=top)
    assert first == {"value": f"{top}\\子甲", "label": "子甲", "parent": top}

    relabelled = await admin_call(
        api, demo, RELABEL, {"v": "TOPIC", "value": first["value"], "l": "子甲（新名）"}
    )
    reordered = await admin_call(
        api, demo, REORDER, {"v": "TOPIC", "p": top, "values": [second["value"], first["value"]]}
    )

    assert relabelled["data"]["relabelVocabularyTerm"] == {**first, "label": "子甲（新名）"}
    assert "errors" not in reordered, reordered
    topics = (await public_get(client, "{ topics { value label parent sortOrder } }"))["topics"]
    mine = [t for t in topics if t["value"] == top or t["parent"] == top]
    assert [{k: t[k] for k in ("value", "label", "parent")} for t in mine] == [
        {"value": top, "label": top, "parent": None},
        {"value": second["value"], "label": "子乙", "parent": top},
        {"value": first["value"], "label": "子甲（新名）", "parent": top},
    ]
    orders = [t["sortOrder"] for t in mine]
    assert orders == sorted(set(orders))  # the listed order, one place each
    # The stored value did not change: content keeps using it.
    entry = await api.create_entry(demo["officer"], await api.new_org(), topic=first["value"])
    assert entry["id"]

    removed = await admin_call(api, demo, REMOVE, {"v": "TOPIC", "value": second["value"]})

    assert removed["data"] == {"removeVocabularyTerm": True}
    topics = (await public_get(client, "{ topics { value } }"))["topics"]
    assert {"value": second["value"]} not in topics
    refused = await api.post(
        "mutation($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }",
        {"i": {"organization": await api.new_org(), "title": "用已删除的词", "topic": second["value"]}},
        demo["officer"],
    )
    assert field_error(refused)[0::2] == ("BAD_USER_INPUT", "topic")


async def test_a_term_that_content_uses_is_not_removed(api, demo, org):
    label = unique("体裁")
    await add_term(api, demo, "GENRE", label)
    await api.create_entry(demo["officer"], org, genre=label)  # a draft is enough

    body = await admin_call(api, demo, REMOVE, {"v": "GENRE", "value": label})

    assert field_error(body) == (
        "VOCABULARY_TERM_IN_USE",
        f"已有 1 条公开目录条目（含草稿和工作副本）使用“{label}”，不能删除；可以修改显示名称或调整顺序。",
        "value",
    )
    genres = (await api.ok("{ genres { value } }"))["genres"]
    assert {"value": label} in genres


async def test_a_top_level_topic_with_subtopics_is_not_removed(api, demo):
    top = unique("一级")
    await add_term(api, demo, "TOPIC", top)
    await add_term(api, demo, "TOPIC", "子", parent=top)

    body = await admin_call(api, demo, REMOVE, {"v": "TOPIC", "value": top})

    assert field_error(body) == (
        "VOCABULARY_TERM_HAS_CHILDREN",
        "该分类下还有下级分类，请先删除下级分类。",
        "value",
    )


@pytest.mark.parametrize(
    ("document", "variables", "expected"),
    [
        pytest.param(
            ADD,
            {"i": {"vocabulary": "GENRE", "label": "意见"}},
            ("VOCABULARY_TERM_EXISTS", "词表中已有“意见”。", "label"),
            id="existing-genre",
        ),
        pytest.param(
            ADD,
            {"i": {"vocabulary": "GENRE", "label": "通知", "parent": "意见"}},
            ("BAD_USER_INPUT", "体裁没有上级分类。", "parent"),
            id="genre-with-parent",
        ),
        pytest.param(
            ADD,
            {"i": {"vocabulary": "TOPIC", "label": "甲\\乙"}},
            ("BAD_USER_INPUT", "名称中不能有“\\”。", "label"),
            id="separator-in-label",
        ),
        pytest.param(
            ADD,
            {"i": {"vocabulary": "TOPIC", "label": "三级", "parent": "综合政务\\政务公开"}},
            ("BAD_USER_INPUT", "主题分类只有两级，只能在一级分类下添加。", "parent"),
            id="third-level",
        ),
        pytest.param(
            ADD,
            {"i": {"vocabulary": "GENRE", "label": " "}},
            ("BAD_USER_INPUT", "名称不能为空。", "label"),
            id="blank-label",
        ),
        pytest.param(
            RELABEL,
            {"v": "GENRE", "value": "不存在的体裁", "l": "新名"},
            ("NOT_FOUND", "词表中没有该词。", "value"),
            id="relabel-unknown",
        ),
        pytest.param(
            REORDER,
            {"v": "GENRE", "p": None, "values": ["意见", "通知"]},
            ("BAD_USER_INPUT", "请按新顺序列出这一级的全部词，每个词一次。", "values"),
            id="reorder-incomplete",
        ),
        pytest.param(
            REMOVE,
            {"v": "GENRE", "value": "不存在的体裁"},
            ("NOT_FOUND", "词表中没有该词。", "value"),
            id="remove-unknown",
        ),
    ],
)
async def test_vocabulary_errors_name_the_field(api, demo, document, variables, expected):
    genres = (await api.ok("{ genres { value label } }"))["genres"]

    body = await admin_call(api, demo, document, variables)

    assert field_error(body) == expected
    assert (await api.ok("{ genres { value label } }"))["genres"] == genres


async def test_only_administrators_manage_vocabularies(api, demo):
    body = await api.post(ADD, {"i": {"vocabulary": "GENRE", "label": unique("体裁")}}, demo["officer"])
    assert code_of(body) == "FORBIDDEN"


# --- organizations -------------------------------------------------------------------------------


UPDATE_ORG = (
    "mutation($id: ID!, $i: OrganizationUpdateInput!) {"
    " updateOrganization(id: $id, input: $i) { id name shortName code docPrefix } }"
)


async def test_an_organization_is_renamed_and_readers_see_it_at_once(api, demo, client, services, org):
    key = (await api.ok("query($id: ID!) { node(id: $id) { ... on Organization { key } } }", {"id": org}))[
        "node"
    ]["key"]
    query = f'{{ organization(key: "{key}") {{ name shortName code docPrefix }} }}'
    await public_get(client, query)
    code = uuid.uuid4().hex[:10].upper()
    generation = services.public_changes.generation

    body = await admin_call(
        api,
        demo,
        UPDATE_ORG,
        {"id": org, "i": {"name": "新名称", "shortName": "新简称", "code": code, "docPrefix": "测"}},
    )

    assert "errors" not in body, body
    assert services.public_changes.generation > generation
    assert (await public_get(client, query))["organization"] == {
        "name": "新名称",
        "shortName": "新简称",
        "code": code,
        "docPrefix": "测",
    }


async def test_sort_order_puts_an_organization_first_among_its_siblings(api, demo):
    parent = await api.new_org()
    first, second = await api.new_org(parent), await api.new_org(parent)
    children = "query($id: ID!) { node(id: $id) { ... on Organization { children { id sortOrder } } } }"

    body = await admin_call(api, demo, UPDATE_ORG, {"id": second, "i": {"sortOrder": -1}})

    assert "errors" not in body, body
    listed = (await api.ok(children, {"id": parent}))["node"]["children"]
    assert [(c["id"], c["sortOrder"]) for c in listed] == [(second, -1), (first, 0)]


async def test_an_organization_code_in_use_is_refused(api, demo, org):
    other = await api.new_org()
    taken = (
        await api.ok("query($id: ID!) { node(id: $id) { ... on Organization { code } } }", {"id": other})
    )["node"]["code"]

    body = await admin_call(api, demo, UPDATE_ORG, {"id": org, "i": {"code": taken, "name": "改名"}})

    assert field_error(body) == ("BAD_USER_INPUT", "机构代码已被其他机构使用。", "code")
    name = (await api.ok("query($id: ID!) { node(id: $id) { ... on Organization { name } } }", {"id": org}))[
        "node"
    ]
    assert name["name"] != "改名"


async def test_an_unknown_organization_id_is_refused_like_any_other(api, demo):
    body = await admin_call(
        api, demo, UPDATE_ORG, {"id": to_global_id("Organization", "0" * 24), "i": {"name": "x"}}
    )
    assert error_of(body) == ("NOT_FOUND", "未找到该机构。")
