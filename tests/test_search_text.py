"""Chinese full-text search, the pure part (cms.search.text): no database, no fixtures.

A document "matches" a query when its index tokens hold every query term, which is what the search
service asks the multikey index for.
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cms.search.ranking import highlight, score
from cms.search.text import (
    DEFAULT_USER_WORDS,
    MAX_QUERY_TERMS,
    EmptyQuery,
    QueryTokens,
    QueryTooLong,
    WeightedField,
    _fold_each,
    _folded,
    initialize,
    load_user_words,
    normalize,
    query_tokens,
    token_weights,
    tokens_for_index,
)
from demo import data

OPINIONS = "云南省人民政府办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"
NOTICE = "云南省人民政府办公厅关于进一步加强政府信息公开和政务公开工作的通知"
PLAN = "云南省人民政府关于印发云南省优化营商环境三年行动计划（2024—2026年）的通知"
RENEWAL = "云南省人民政府办公厅关于城镇老旧小区改造专项督查发现问题整改情况的通报"
AIR = "昆明市生态环境局关于2024年第3期PM2.5浓度监测情况的通报"


def title(text: str) -> WeightedField:
    return WeightedField("title", text, 5.0)


def number(text: str) -> WeightedField:
    return WeightedField("document_number", text, 8.0)


def index_no(text: str) -> WeightedField:
    return WeightedField("index_number", text, 8.0)


def summary(text: str) -> WeightedField:
    return WeightedField("summary", text, 2.0)


def body(text: str) -> WeightedField:
    return WeightedField("body", text, 1.0)


def matches(query: str, *fields: WeightedField) -> bool:
    return set(query_tokens(query).terms) <= set(tokens_for_index(fields))


# --------------------------------------------------------------------------------------------------
# Words and phrases
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text"),
    [
        pytest.param("政务公开", NOTICE, id="policy-term"),
        pytest.param("政府信息公开", NOTICE, id="user-dictionary-word"),
        pytest.param("信息公开", OPINIONS, id="part-of-a-word"),
        pytest.param("公信力", OPINIONS, id="three-characters"),
        pytest.param("营商环境 行动计划", PLAN, id="two-words-and"),
        pytest.param("2024—2026年", PLAN, id="years-and-dash"),
        pytest.param("2024年第3期", AIR, id="digits-next-to-chinese"),
        pytest.param("pm2.5", AIR, id="latin-and-decimal"),
        pytest.param("ＰＭ２．５浓度", AIR, id="full-width-query"),
        pytest.param("  政务   公开  ", NOTICE, id="extra-whitespace"),
    ],
)
def test_a_query_finds_a_title_containing_it(query, text):
    assert matches(query, title(text))


@pytest.mark.parametrize(
    ("query", "text"),
    [
        pytest.param("政务服务", NOTICE, id="other-word"),
        pytest.param("营商环境 政务公开", PLAN, id="and-one-missing"),
        pytest.param("2025年", PLAN, id="other-year"),
        pytest.param("pm10", AIR, id="other-latin"),
    ],
)
def test_a_query_does_not_find_a_title_without_it(query, text):
    assert not matches(query, title(text))


@pytest.mark.parametrize(
    ("query", "text"),
    [
        # jieba keeps 云南省人民政府办公厅 whole (user dictionary): 人民政府 is not one of the title's words
        pytest.param("人民政府", RENEWAL, id="word-inside-an-agency-name"),
        pytest.param("于城镇老", RENEWAL, id="across-word-boundaries"),
        pytest.param("府信息公开", OPINIONS, id="starts-inside-a-word"),
    ],
)
def test_a_query_jieba_splits_differently_still_matches(query, text):
    import jieba  # imported (quietly) and initialised by cms.search.text

    initialize()
    title_words = set(jieba.cut_for_search(normalize(text)))
    query_words = set(jieba.cut(normalize(query)))
    assert query_words - title_words  # segmentation disagrees ...
    assert matches(query, title(text))  # ... but the bigram terms do not


def test_terms_are_bigrams_and_jieba_words_only_boost():
    q = query_tokens("政务公开")
    assert q.exact is None
    assert q.terms == ["政务", "务公", "公开"]
    assert q.boost == ("政务公开",)


def test_single_character_queries_search_titles_and_summaries_only():
    assert query_tokens("税").terms == ["税"]
    assert matches("税", title("关于减税降费的通知"))
    assert matches("税", summary("落实减税降费政策。"))
    assert not matches("税", body("落实减税降费政策。"))
    # next to other terms a lone character is left out rather than narrowing to titles
    assert query_tokens("营商环境 税").terms == ["营商", "商环", "环境"]


def test_long_queries_keep_a_bounded_number_of_terms_that_still_match():
    text = OPINIONS + NOTICE + RENEWAL
    q = query_tokens(text[:100])
    assert len(q.terms) <= MAX_QUERY_TERMS
    assert set(q.terms) <= set(tokens_for_index([title(text)]))


# --------------------------------------------------------------------------------------------------
# Identifiers: 发文字号 and 索引号
# --------------------------------------------------------------------------------------------------

SEED_NUMBER = "云政办发〔2013〕115号"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("云政办发〔2013〕115号", id="exact"),
        pytest.param("云政办发[2013]115号", id="ascii-brackets"),
        pytest.param("云政办发［2013］115号", id="full-width-square"),
        pytest.param("云政办发（2013）115号", id="full-width-round"),
        pytest.param("云政办发(2013)115号", id="ascii-round"),
        pytest.param("云政办发【2013】115号", id="lenticular"),
        pytest.param("云政办发﹝2013﹞115号", id="small-tortoise-shell"),
        pytest.param("云政办发〔２０１３〕１１５号", id="full-width-digits"),
        pytest.param("云政办发 〔2013〕 115号", id="spaces"),
    ],
)
def test_a_document_number_query_is_exact_in_any_bracket_style(query):
    q = query_tokens(query)
    assert q.exact == SEED_NUMBER
    tokens = tokens_for_index([number(SEED_NUMBER)])
    assert q.exact in tokens  # an equality match on the token field
    assert set(q.terms) <= set(tokens)
    assert set(q.terms) <= set(tokens_for_index([number("云政办发[2013]115号")]))  # stored as typed


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("云政办发〔2013〕", id="prefix-and-year"),
        pytest.param("云政办发〔2013", id="unclosed-bracket"),
        pytest.param("政办发〔2013〕", id="part-of-the-prefix"),
        pytest.param("2013〕115号", id="year-and-number"),
        pytest.param("〔2013〕115号", id="bracketed-year-and-number"),
        pytest.param("〔2013〕115", id="without-hao"),
        pytest.param("115号", id="number-only"),
        pytest.param("〔2013〕", id="year-only"),
        pytest.param("云政办发", id="prefix-only"),
    ],
)
def test_partial_document_numbers_find_the_document(query):
    q = query_tokens(query)
    assert q.exact is None
    assert set(q.terms) <= set(tokens_for_index([number(SEED_NUMBER)]))
    # ... and a document that cites the number in its body
    assert set(q.terms) <= set(
        tokens_for_index([body(f"根据《实施意见》（{SEED_NUMBER}）要求，制定本方案。")])
    )


@pytest.mark.parametrize(
    "other",
    [
        pytest.param("云政办发〔2013〕116号", id="other-number"),
        pytest.param("云政办发〔2013〕1150号", id="longer-number"),
        pytest.param("云政办发〔2014〕115号", id="other-year"),
        pytest.param("云政发〔2013〕115号", id="other-prefix"),
        pytest.param("国办发〔2013〕115号", id="other-issuer"),
    ],
)
def test_a_document_number_query_does_not_find_similar_numbers(other):
    q = query_tokens(SEED_NUMBER)
    tokens = tokens_for_index([number(other)])
    assert q.exact not in tokens
    assert not set(q.terms) <= set(tokens)


@pytest.mark.parametrize(
    ("stored", "query", "exact"),
    [
        pytest.param("云南省人民政府令第228号", "云南省人民政府令第228号", True, id="order-exact"),
        pytest.param("云南省人民政府令第228号", "令第228号", False, id="order-partial"),
        pytest.param("000014349/2017-00110", "000014349/2017-00110", True, id="index-year"),
        pytest.param("000014349/2017-00110", "000014349/2017", False, id="index-org-and-year"),
        pytest.param("000014349/2017-00110", "2017-00110", False, id="index-year-and-sequence"),
        pytest.param("11530000MB1L72856A/202510-00013", "11530000mb1l72856a/202510-00013", True, id="case"),
        pytest.param(
            "11530000MB1L72856A/202510-00013",
            "１１５３００００ＭＢ１Ｌ７２８５６Ａ／２０２５１０－０００１３",
            True,
            id="fw",
        ),
        pytest.param("11530000MB1L72856A/202510-00013", "11530000MB1L72856A", False, id="credit-code"),
        pytest.param("530000-yn-2017-000110", "530000-yn-2017-000110", True, id="provincial-scheme"),
    ],
)
def test_orders_and_index_numbers(stored, query, exact):
    q = query_tokens(query)
    tokens = tokens_for_index([index_no(stored)])
    assert (q.exact is not None) is exact
    if exact:
        assert q.exact == normalize(stored)
        assert q.exact in tokens
    assert set(q.terms) <= set(tokens)


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        pytest.param("云南省人民政府令第228号", "云南省人民政府令第229号", id="order"),
        pytest.param("000014349/2017-00110", "000014349/2017-00111", id="index-sequence"),
        pytest.param("000014349/2017-00110", "000014349/2018-00110", id="index-year"),
    ],
)
def test_identifiers_do_not_match_neighbours(stored, query):
    assert not matches(query, index_no(stored))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("云政办发[2013]115号", "云政办发〔2013〕115号", id="square"),
        pytest.param("云政办发（2013）115号", "云政办发〔2013〕115号", id="full-width-round"),
        pytest.param("云政办发【 2013 】115号", "云政办发〔2013〕115号", id="lenticular-spaced"),
        pytest.param("ＰＭ２．５　ABC", "pm2.5 abc", id="full-width-and-case"),
        pytest.param("（一）总体要求", "(一)总体要求", id="other-brackets-untouched"),
        pytest.param("行动计划（2024—2026年）", "行动计划(2024—2026年)", id="not-a-year-bracket"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


# --------------------------------------------------------------------------------------------------
# Bad queries
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="empty"),
        pytest.param("   \u3000\t", id="whitespace"),
        pytest.param("，。！？、《》“”", id="punctuation"),
        pytest.param("〔〕【】", id="brackets"),
        pytest.param("的 和", id="function-words"),
    ],
)
def test_empty_queries_raise_with_a_code(query):
    with pytest.raises(EmptyQuery) as raised:
        query_tokens(query)
    assert raised.value.code == "SEARCH_QUERY_EMPTY"
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("query", "max_length"),
    [
        pytest.param("政" * 101, 100, id="default-limit"),
        pytest.param("政务公开" * 10_000, 100, id="huge"),
        pytest.param("政务公开", 3, id="custom-limit"),
    ],
)
def test_too_long_queries_raise_with_a_code(query, max_length):
    with pytest.raises(QueryTooLong) as raised:
        query_tokens(query, max_length=max_length)
    assert raised.value.code == "SEARCH_QUERY_TOO_LONG"
    assert isinstance(raised.value, ValueError)


def test_a_query_at_the_limit_is_fine():
    assert query_tokens("政" * 100).terms == ["政政"]


# --------------------------------------------------------------------------------------------------
# Highlighting
# --------------------------------------------------------------------------------------------------


def test_highlight_escapes_markup_and_marks_matches():
    text = '<script>alert("x")</script>进一步加强政务公开工作 & 政务公开标准化'
    snippet = highlight(text, query_tokens("政务公开"))
    assert "<script>" not in snippet
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in snippet
    assert "&amp;" in snippet
    assert snippet.count("<em>政务公开</em>") == 2
    assert re.sub(r"</?em>", "", snippet).count("<") == 0


def test_highlight_escapes_inside_the_marks_and_uses_the_given_marks():
    snippet = highlight("关于a<b>政务公开</b>的说明", query_tokens("a<b>政务"), mark=("[", "]"))
    # punctuation separates query terms: a, b and 政务 are marked one by one
    assert snippet == "关于[a]&lt;[b]&gt;[政务]公开&lt;/[b]&gt;的说明"


def test_highlight_shows_the_original_text_of_a_normalized_match():
    text = "根据《实施意见》（云政办发[2013]115号）要求"
    snippet = highlight(text, query_tokens("云政办发〔2013〕115号"))
    assert "<em>云政办发[2013]115号</em>" in snippet
    assert "<em>ＰＭ２．５</em>" in highlight("本期ＰＭ２．５浓度", query_tokens("pm2.5"))


def test_highlight_cuts_a_window_around_the_first_match():
    text = "甲" * 200 + "营商环境" + "乙" * 200
    snippet = highlight(text, query_tokens("营商环境"), width=40)
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<em>营商环境</em>" in snippet
    assert len(re.sub(r"</?em>|…", "", snippet)) == 40


def test_highlight_marks_scattered_bigrams_when_the_phrase_is_not_contiguous():
    snippet = highlight("公开政务，务公开", query_tokens("政务公开"))
    assert "<em>" in snippet


def test_highlight_without_a_match_returns_the_escaped_start():
    assert highlight("<b>无关内容</b>", query_tokens("政务公开"), width=5) == "&lt;b&gt;无关…"


# --------------------------------------------------------------------------------------------------
# Ranking and bounds
# --------------------------------------------------------------------------------------------------


def weights(*fields: WeightedField) -> dict[str, float]:
    return token_weights(fields)


def test_a_title_match_ranks_above_a_body_only_match():
    q = query_tokens("政务公开")
    in_title = weights(title(NOTICE), body("各地区各部门要认真贯彻落实。"))
    in_body = weights(title(PLAN), body("推进政务公开标准化规范化。"))
    in_summary = weights(title(PLAN), summary("推进政务公开标准化规范化。"))
    assert score(in_title, q) > score(in_summary, q) > score(in_body, q) > 0


def test_the_document_itself_ranks_above_documents_citing_its_number():
    q = query_tokens(SEED_NUMBER)
    own = weights(title(OPINIONS), number(SEED_NUMBER))
    citing = weights(title(NOTICE), number("云政办发〔2014〕3号"), body(f"根据{SEED_NUMBER}文件"))
    assert score(own, q) > score(citing, q)
    assert score(own, q) >= 100


def test_token_weights_are_bounded_and_leave_out_body_only_tokens():
    w = weights(title(NOTICE), number(SEED_NUMBER), body("各地区要落实责任。" * 50))
    assert w[SEED_NUMBER] == 8.0
    assert w["政务"] == 5.0
    assert "落实" not in w
    long_summary = summary("".join(chr(0x4E00 + i) for i in range(2000)))
    assert len(token_weights([long_summary], max_entries=100)) == 100


def test_the_token_count_is_capped_keeping_identifiers_and_title_first():
    long_body = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(3_500))
    fields = [body(long_body), title(NOTICE), number(SEED_NUMBER)]
    tokens = tokens_for_index(fields, max_tokens=500)
    assert len(tokens) == 500
    assert tokens[0] == SEED_NUMBER
    assert set(query_tokens("政务公开").terms) <= set(tokens)
    assert len(tokens_for_index(fields)) == 3000


def test_index_tokens_are_unique_and_free_of_stopwords_and_punctuation():
    tokens = tokens_for_index([title(NOTICE), summary("为了、和。"), body(PLAN)])
    assert len(tokens) == len(set(tokens))
    assert not {"的", "和", "为", "，", "（", "）", "、", "。"} & set(tokens)


def test_user_words_are_data_and_extend_the_dictionary():
    assert {"政务公开", "依申请公开", "一网通办", "云南省人民政府办公厅"} <= set(DEFAULT_USER_WORDS)
    initialize()
    assert "云南省人民政府办公厅" in tokens_for_index([title(NOTICE)])
    assert load_user_words(["滇中城市群", " ", ""]) == 1
    assert "滇中城市群" in tokens_for_index([title("关于推进滇中城市群一体化发展的意见")])


# --------------------------------------------------------------------------------------------------
# The key property: every term of a query is an index token of any text that contains the query
# --------------------------------------------------------------------------------------------------

_ENTRIES = [
    *data.catalog_entries(random.Random(20240314), count=80),
    *data.GAZETTE_SOURCE_ENTRIES,
    data.seed_document(),
]
TITLES = sorted({e["title"] for e in _ENTRIES})
SUMMARIES = sorted({e["summary"] for e in _ENTRIES})
NUMBERS = sorted({e["document_number"] for e in _ENTRIES})
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _cuts_an_alnum_run(text: str, start: int, end: int) -> bool:
    def alnum(i: int) -> bool:
        return 0 <= i < len(text) and normalize(text[i]).isascii() and normalize(text[i]).isalnum()

    return (alnum(start - 1) and alnum(start)) or (alnum(end - 1) and alnum(end))


@st.composite
def chinese_substrings(draw: st.DrawFn, texts: list[str]) -> tuple[str, str]:
    text = draw(st.sampled_from(texts))
    run = draw(st.sampled_from(CJK_RUN.findall(text)))
    length = draw(st.integers(min_value=2, max_value=min(8, len(run))))
    start = draw(st.integers(min_value=0, max_value=len(run) - length))
    return text, run[start : start + length]


@st.composite
def any_substrings(draw: st.DrawFn, texts: list[str]) -> tuple[str, str]:
    text = draw(st.sampled_from(texts))
    length = draw(st.integers(min_value=1, max_value=min(12, len(text))))
    start = draw(st.integers(min_value=0, max_value=len(text) - length))
    assume(not _cuts_an_alnum_run(text, start, start + length))
    return text, text[start : start + length]


@PROPERTY
@given(chinese_substrings(TITLES))
def test_property_chinese_substrings_of_titles_match(case):
    text, query = case
    q = query_tokens(query)
    assert set(q.terms) <= set(tokens_for_index([title(text)]))
    assert "<em>" in highlight(text, q)


@PROPERTY
@given(chinese_substrings(SUMMARIES))
def test_property_chinese_substrings_match_in_a_body(case):
    text, query = case
    assert set(query_tokens(query).terms) <= set(tokens_for_index([body(text)]))


@PROPERTY
@given(st.one_of(any_substrings(TITLES), any_substrings(SUMMARIES), any_substrings(NUMBERS)))
def test_property_any_substring_not_cutting_digits_matches(case):
    text, query = case
    try:
        q = query_tokens(query)
    except EmptyQuery:
        return
    assert set(q.terms) <= set(tokens_for_index([summary(text)]))


@PROPERTY
@given(st.sampled_from(NUMBERS), st.sampled_from(["[]", "（）", "【】", "〔〕"]))
def test_property_document_numbers_are_exact_in_any_bracket_style(stored, brackets):
    typed = stored.replace("〔", brackets[0]).replace("〕", brackets[1])
    q = query_tokens(typed)
    assert q.exact == normalize(stored)
    assert q.exact in tokens_for_index([number(stored)])


def test_query_tokens_is_a_frozen_value():
    q = query_tokens("政务公开")
    with pytest.raises(AttributeError):
        q.exact = "x"  # type: ignore[misc]
    assert q == QueryTokens(exact=None, terms=["政务", "务公", "公开"], boost=q.boost, phrases=q.phrases)


_MIXED = st.text(
    alphabet=st.sampled_from(
        [
            *"政务公开云南省人民政府办公厅关于〔〕（）［］【】，。、：；！？…—ＡＢＣａｂｃ１２３①②㈱ﬁΣσςİIiAbc 0-/.\\",
            *"e\u0301\u00e9\uf900\u3000",
        ]
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_MIXED)
def test_the_fast_normalisation_maps_like_folding_each_character(text: str) -> None:
    """Normalisation folds in one ``str.translate`` pass when it can; it must give the same text and
    the same map back to the original characters as folding character by character."""
    assert _folded(text) == _fold_each(text)
