"""Checks of the pure-data demo content and vocabularies (no database)."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cms.admin import vocabulary_data as vocab
from cms.content.disclosure import NOT_DISCLOSED_ARTICLES
from demo import data

SOURCE = Path(__file__).resolve().parents[1] / "demo" / "yunnan-2013-disclosure-implementing-opinions.txt"
TOPIC_PATHS = set(vocab.all_topic_paths())
DOC_NUMBER = re.compile(r"^(\S+〔\d{4}〕\d+号|\S+令第\d+号)$")


@pytest.fixture(scope="module")
def entries() -> list[dict[str, Any]]:
    return data.catalog_entries(random.Random(20240314))


def all_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [*entries, *data.GAZETTE_SOURCE_ENTRIES, data.seed_document(), *data.workflow_samples()]


def test_vocabularies() -> None:
    tops = [top for top, _ in vocab.TOPICS]
    assert len(tops) == len(set(tops)) >= 21
    assert all(subs and len(subs) == len(set(subs)) for _, subs in vocab.TOPICS)
    assert vocab.topic_path("综合政务", "政务公开") == "综合政务\\政务公开"
    assert "综合政务\\政务公开" in TOPIC_PATHS
    assert vocab.GENRES[:15] == vocab.OFFICIAL_DOCUMENT_GENRES
    assert {"命令（令）", "意见", "通知", "纪要", "规划", "统计数据", "其他"} <= set(vocab.GENRES)
    assert len(vocab.GENRES) == len(set(vocab.GENRES))
    assert vocab.DISCLOSURE_MODES == ["主动公开", "依申请公开", "不予公开"]
    assert vocab.VALIDITY == ["有效", "已修改", "废止", "失效"]


def test_organization_tree() -> None:
    orgs = data.organizations()
    by_key = {o["key"]: o for o in orgs}
    assert len(by_key) == len(orgs)
    roots = [o for o in orgs if o["parent"] is None]
    assert [r["key"] for r in roots] == ["yn-gov"]

    def depth(key: str) -> int:
        parent = by_key[key]["parent"]
        return 1 if parent is None else 1 + depth(parent)

    seen: set[str] = set()
    for o in orgs:
        assert o["parent"] is None or o["parent"] in seen  # parents come first (loaders rely on it)
        seen.add(o["key"])
        assert o["key"].isascii()
        assert o["level"] in {"province", "prefecture", "county"}
        assert o["kind"] in {"government", "department"}
        assert o["doc_prefix"]
        if len(o["code"]) == 9:
            assert o["code"].isdigit()
            assert o["index_template"] == data.YEAR_TEMPLATE
        else:
            assert len(o["code"]) == 18
            assert o["code"].startswith("11")
            assert o["index_template"] == data.MONTH_TEMPLATE
        o["index_template"].format(code=o["code"], year=2024, month=3, seq=7)
    assert max(depth(k) for k in by_key) == 3
    assert {o["level"] for o in orgs} == {"province", "prefecture", "county"}
    assert len({o["code"] for o in orgs}) == len(orgs)
    assert len({o["doc_prefix"] for o in orgs}) == len(orgs)
    assert by_key["yn-gov-office"]["name"] == "云南省人民政府办公厅"
    assert by_key["yn-gov-office"]["doc_prefix"] == "云政办发"
    templates = {o["index_template"] for o in orgs}
    assert templates == {data.YEAR_TEMPLATE, data.MONTH_TEMPLATE}


def test_catalog_entries_count_and_determinism(entries: list[dict[str, Any]]) -> None:
    assert len(entries) == 300
    assert data.catalog_entries(random.Random(20240314)) == entries
    assert len(data.catalog_entries(random.Random(1), count=25)) == 25


def test_entries_are_well_formed(entries: list[dict[str, Any]]) -> None:
    org_keys = {o["key"] for o in data.organizations()}
    for e in all_entries(entries):
        assert e["org"] in org_keys, e["title"]
        assert e["topic"] in TOPIC_PATHS, e["topic"]
        assert e["genre"] in vocab.GENRES, e["genre"]
        assert e["disclosure_mode"] in vocab.DISCLOSURE_MODES
        assert e["validity"] in vocab.VALIDITY
        assert (e["repeal_date"] is None) == (e["validity"] == "有效"), e["title"]
        assert e["scope"] == "面向社会"
        assert set(e["co_issuers"]) <= org_keys
        assert e["org"] not in e["co_issuers"]
        assert isinstance(e["created_date"], date)
        assert not isinstance(e["created_date"], datetime)
        assert e["created_date"] <= e["published_date"] <= e["created_date"] + timedelta(days=20)
        assert DOC_NUMBER.match(e["document_number"]), e["document_number"]
        assert e["title"]
        assert e["summary"]
        assert e["body"]
        assert e["keywords"]
    for e in entries:
        assert 2019 <= e["created_date"].year <= 2025
        if e["repeal_date"] is not None:
            assert e["repeal_date"] > e["published_date"]


def test_entries_are_varied(entries: list[dict[str, Any]]) -> None:
    assert len({e["title"] for e in entries}) == len(entries)
    assert len({e["org"] for e in entries}) >= 12
    assert len({e["genre"] for e in entries}) >= 8
    assert len({e["topic"] for e in entries}) >= 30
    assert {e["created_date"].year for e in entries} == set(range(2019, 2026))
    validity = Counter(e["validity"] for e in entries)
    assert validity["有效"] > 200
    assert validity["废止"]
    assert validity["失效"]
    assert any(e["co_issuers"] for e in entries)


def test_document_numbers_unique_and_increasing(entries: list[dict[str, Any]]) -> None:
    numbers = [e["document_number"] for e in all_entries(entries)]
    assert len(numbers) == len(set(numbers))
    seq = re.compile(r"〔(\d{4})〕(\d+)号$")
    series: dict[tuple[str, str], list[tuple[date, int]]] = {}
    for e in entries:
        m = seq.search(e["document_number"])
        if m:
            assert int(m.group(1)) == e["created_date"].year
            series.setdefault((e["org"], m.group(1)), []).append((e["created_date"], int(m.group(2))))
    for points in series.values():
        ordered = [n for _, n in sorted(points)]
        assert ordered == sorted(ordered)


def test_references_resolve(entries: list[dict[str, Any]]) -> None:
    numbers = {e["document_number"] for e in all_entries(entries)}
    fixed = {e["document_number"] for e in data.GAZETTE_SOURCE_ENTRIES}
    interps = data.interpretations()
    assert 3 <= len(interps) <= 5
    assert any(data.SEED_DOCUMENT_NUMBER in i["interprets"] for i in interps)
    for i in interps:
        assert i["kind"] in {"text", "graphic", "audio", "video"}
        assert i["interprets"]
        assert set(i["interprets"]) <= numbers
        assert isinstance(i["published_date"], date)
    assert {n for i in interps for n in i["interprets"]} - {data.SEED_DOCUMENT_NUMBER} <= fixed
    issues = data.gazette_issues()
    assert len(issues) == 2
    refs = 0
    for issue in issues:
        assert 4 <= len(issue["articles"]) <= 6
        assert issue["org"] in {o["key"] for o in data.organizations()}
        for a in issue["articles"]:
            assert a["section"] in {"省政府文件", "省政府办公厅文件", "人事任免", "部门文件"}
            if a["catalog_ref"] is not None:
                refs += 1
                assert a["catalog_ref"] in numbers
                assert a["catalog_ref"] == a["document_number"]
    assert refs >= 4


def test_seed_document() -> None:
    seed = data.seed_document()
    text = SOURCE.read_bytes().decode("utf-8")
    assert seed["body"] == text
    assert "云南省人民政府办公厅" in seed["body"]
    assert seed["document_number"] == "云政办发〔2013〕115号"
    assert seed["org"] == "yn-gov-office"
    assert seed["genre"] == "意见"
    assert seed["topic"] == "综合政务\\政务公开"
    assert seed["created_date"] == date(2013, 12, 24)
    assert seed["validity"] == "有效"
    assert seed["disclosure_mode"] == "主动公开"


def test_interview_transcript_in_order() -> None:
    (interview,) = data.interviews()
    assert interview["kind"] in {"interview", "press_conference"}
    start, end = interview["scheduled_start"], interview["scheduled_end"]
    assert start.utcoffset() == timedelta(hours=8)
    assert start < end
    turns = interview["transcript"]
    assert 12 <= len(turns) <= 20
    times = [t["time"] for t in turns]
    assert times == sorted(times)
    assert start <= times[0]
    assert times[-1] <= end
    assert all(t["time"].tzinfo is not None for t in turns)
    assert {t["role"] for t in turns} == {"host", "guest"}
    guest_names = {g["name"] for g in interview["guests"]}
    assert {t["speaker"] for t in turns if t["role"] == "guest"} <= guest_names
    assert any(q["answer"] is None for q in interview["questions"])


def test_workflow_samples() -> None:
    samples = data.workflow_samples()
    hints = {s["state_hint"] for s in samples}
    assert hints == {
        "draft",
        "pending_first_review",
        "pending_department_review",
        "pending_unit_approval",
        "rejected",
        "withdrawn",
        "scheduled",
    }
    assert all("（草稿样例）" in s["title"] for s in samples)
    published = [*data.catalog_entries(random.Random(3)), *data.GAZETTE_SOURCE_ENTRIES, data.seed_document()]
    assert not any("草稿样例" in e["title"] or "草稿样例" in e["body"] for e in published)


def test_non_proactive_entries(entries: list[dict[str, Any]]) -> None:
    # given the demo's 依申请公开 and 不予公开 entries
    on_request, not_disclosed = data.non_proactive_entries()
    # then they have the two modes, with a reason and a legal basis that submission accepts
    assert (on_request["disclosure_mode"], not_disclosed["disclosure_mode"]) == ("依申请公开", "不予公开")
    assert on_request["legal_basis"] == "《中华人民共和国政府信息公开条例》第十九条、第二十七条"
    assert not_disclosed["legal_basis"] == "《中华人民共和国政府信息公开条例》第十六条"
    assert NOT_DISCLOSED_ARTICLES.search(not_disclosed["legal_basis"])
    org_keys = {o["key"] for o in data.organizations()}
    numbers = {e["document_number"] for e in all_entries(entries)}
    for e in (on_request, not_disclosed):
        assert e["non_disclosure_reason"]
        assert e["org"] in org_keys
        assert e["topic"] in TOPIC_PATHS
        assert e["genre"] in vocab.GENRES
        assert DOC_NUMBER.match(e["document_number"])
        assert e["document_number"] not in numbers
        assert "草稿样例" not in e["title"]
