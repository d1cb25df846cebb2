"""公开方式 on the read side: 主动公开 public in full, 依申请公开 listed with its catalog metadata only,
不予公开 never public; staff who may read the organization's drafts see everything.

One table: modes (PROACTIVE / ON_REQUEST / NOT_DISCLOSED) × readers (anonymous, staff of another
organization, staff who may read the organization's drafts) × paths (node by id, the lists and their
totalCount, search hits with snippets, facets and totalCount, /files and /thumbnails, relations) for
every content kind. Every item carries markers: one in its catalog metadata (title), one in its
content (body, articles' bodies, transcript, questions) and one in its attachment's text; a reader
the content is withheld from must never get a content or attachment marker by any path.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from bson import ObjectId
from PIL import Image

from cms.content.entries import search_entry
from cms.content.ids import from_global_id, to_global_id
from cms.content.visibility import NEVER_PUBLIC
from cms.kinds.catalog import NewCatalogEntry
from cms.kinds.gazette import NewArticle, NewGazetteIssue
from cms.kinds.interpretations import NewInterpretation
from cms.kinds.interviews import NewInterview
from cms.model import (
    DISCLOSURE_LABELS,
    DISCLOSURE_NOTICES,
    ContentDocument,
    DisclosureMode,
    PublicQuestion,
    TranscriptTurn,
)
from cms.search.service import MAINTENANCE_COLLECTION, SearchFilter
from cms.services import Services
from storage.documents import FAR_FUTURE, CatalogEntry
from storage.search import SearchEntry
from tests.helpers import DEPT_HEAD, OFFICER, UNIT_HEAD, Api, Person, text_of

MODES = (DisclosureMode.PROACTIVE, DisclosureMode.ON_REQUEST, DisclosureMode.NOT_DISCLOSED)
KINDS = ("CatalogEntry", "GazetteIssue", "Interpretation", "Interview")
READERS = ("anonymous", "other_staff", "draft_reader")
REASON = "涉及个人隐私"
BASIS = "《中华人民共和国政府信息公开条例》第十五条"
_POOL = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土日月星云雨风雷电山川河海松柏竹梅兰菊"


def marker(length: int = 7) -> str:
    """Random CJK characters: found by search only where they were written."""
    return "".join(random.choices(_POOL, k=length))


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@dataclass
class Item:
    kind: str
    mode: DisclosureMode
    id: str  # global id
    title: str
    content: str  # the content marker (body, article body, transcript, answers)
    file_text: str  # the attachment text marker
    files: list[tuple[str, str]] = field(default_factory=list)  # (attachment id, filename)


@dataclass
class World:
    api: Api
    org: str  # global id of P, where every item lives
    tokens: dict[str, str | None]
    meta: str  # in every item's title
    body: str  # in every item's content
    attached: str  # in every item's attachment text
    items: dict[tuple[str, DisclosureMode], Item]
    host: dict[str, str]  # proactive items related to every mode's entry: amends, interprets, articles


def sees(reader: str, mode: DisclosureMode) -> bool:
    return reader == "draft_reader" or mode is not DisclosureMode.NOT_DISCLOSED


def withheld(reader: str, mode: DisclosureMode) -> bool:
    return reader != "draft_reader" and mode is not DisclosureMode.PROACTIVE


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


async def _principal(services: Services, person: Person) -> Any:
    user = await services.accounts.by_username(person.username)
    return services.access.principal_for(user)


async def _draft(services: Services, kind: str, org: ObjectId, title: str, content: str, n: int) -> Any:
    if kind == "CatalogEntry":
        return await services.catalog.create_draft(
            NewCatalogEntry(org_id=org, title=title, summary=f"概述{title}", body=f"正文{content}")
        )
    if kind == "GazetteIssue":
        article = NewArticle(title=f"文章{title}", body=f"文章正文{content}")
        return await services.gazette.create_draft(
            NewGazetteIssue(org_id=org, year=2031, number=n, title=title, articles=[article])
        )
    if kind == "Interpretation":
        return await services.interpretations.create_draft(
            NewInterpretation(org_id=org, title=title, body=f"解读正文{content}")
        )
    return await services.interviews.create_draft(
        NewInterview(
            org_id=org,
            title=title,
            questions=[PublicQuestion(text=f"提问{content}", answer=f"答复{content}")],
            transcript=[TranscriptTurn(seq=0, speaker="主持人", text=f"实录{content}")],
        )
    )


async def _import(services: Services, item: ContentDocument, mode: DisclosureMode) -> None:
    """Published as an import, with its mode (and its attachments' text indexed)."""
    item.disclosure_mode = mode
    item.non_disclosure_reason = "" if mode is DisclosureMode.PROACTIVE else REASON
    item.legal_basis = "" if mode is DisclosureMode.PROACTIVE else BASIS
    await services.content.publish(item)
    await services.search.reindex(item)


@pytest.fixture(scope="module")
async def world(api: Api, services: Services) -> World:
    org, elsewhere = await api.new_org(), await api.new_org()
    reader = await api.new_user(org, "OFFICER")
    other = await api.new_user(elsewhere, "OFFICER")
    principal = await _principal(services, reader)
    org_id = ObjectId(from_global_id(org)[1])
    meta, body, attached = marker(), marker(), marker()
    items: dict[tuple[str, DisclosureMode], Item] = {}
    stored: dict[tuple[str, DisclosureMode], Any] = {}
    for n, (kind, mode) in enumerate((k, m) for k in KINDS for m in MODES):
        title, content, file_text = f"{meta}{marker()}", f"{body}{marker()}", f"{attached}{marker()}"
        draft = await _draft(services, kind, org_id, title, content, n + 1)
        files = []
        for filename, data in ((f"{file_text}.txt", f"附件{file_text}".encode()), ("图.png", png_bytes())):
            stored_file = await services.attachments.store(principal, kind, draft.id, filename, data)
            files.append((str(stored_file.id), filename))
        stored[(kind, mode)] = draft
        items[(kind, mode)] = Item(kind, mode, to_global_id(kind, draft.id), title, content, file_text, files)
    # Relations between modes: an interpretation and an article of each mode link that mode's entry.
    for mode in MODES:
        entry = stored[("CatalogEntry", mode)]
        stored[("Interpretation", mode)].interprets_ids = [entry.id]
        stored[("GazetteIssue", mode)].articles[0].catalog_entry_id = entry.id
    for (_, mode), draft in stored.items():
        await _import(services, draft, mode)
    # Proactive hosts related to every mode's entry.
    entries = [stored[("CatalogEntry", m)].id for m in MODES]
    amended = await _draft(services, "CatalogEntry", org_id, f"宿主{marker()}", marker(), 0)
    amended.amended_by_ids = entries
    explains = await _draft(services, "Interpretation", org_id, f"宿主{marker()}", marker(), 0)
    explains.interprets_ids = entries
    gazette = await services.gazette.create_draft(
        NewGazetteIssue(
            org_id=org_id,
            year=2032,
            number=1,
            title=f"宿主{marker()}",
            articles=[NewArticle(title=f"文章{i}", catalog_entry_id=e) for i, e in enumerate(entries)],
        )
    )
    for host in (amended, explains, gazette):
        await _import(services, host, DisclosureMode.PROACTIVE)
    return World(
        api=api,
        org=org,
        tokens={"anonymous": None, "other_staff": other.token, "draft_reader": reader.token},
        meta=meta,
        body=body,
        attached=attached,
        items=items,
        host={
            "amended": to_global_id("CatalogEntry", amended.id),
            "explains": to_global_id("Interpretation", explains.id),
            "gazette": to_global_id("GazetteIssue", gazette.id),
        },
    )


def assert_no_leak(world: World, reader: str, body: dict[str, Any]) -> None:
    """Nothing withheld from ``reader`` is anywhere in the answer (not even a 不予公开 item's title)."""
    text = text_of(body)
    for item in world.items.values():
        if withheld(reader, item.mode) or not sees(reader, item.mode):
            assert item.content not in text, (item.kind, item.mode)
            assert item.file_text not in text, (item.kind, item.mode)
            assert REASON not in text
            assert BASIS not in text
        if not sees(reader, item.mode):
            assert item.title not in text, (item.kind, item.mode)


NODE = """
query($id: ID!) { node(id: $id) { ... on Content {
  title disclosureMode disclosureModeLabel nonDisclosureReason legalBasis contentWithheld disclosureNotice
  attachments { filename }
}
  ... on CatalogEntry { body }
  ... on Interpretation { body }
  ... on GazetteIssue { articles { title body } }
  ... on Interview { transcript { text } questions { text answer } }
} }
"""


def expected_content(item: Item, hidden: bool) -> dict[str, Any]:
    if item.kind == "CatalogEntry":
        return {"body": "" if hidden else f"正文{item.content}"}
    if item.kind == "Interpretation":
        return {"body": "" if hidden else f"解读正文{item.content}"}
    if item.kind == "GazetteIssue":
        return {
            "articles": [{"title": f"文章{item.title}", "body": "" if hidden else f"文章正文{item.content}"}]
        }
    if hidden:
        return {"transcript": [], "questions": []}
    return {
        "transcript": [{"text": f"实录{item.content}"}],
        "questions": [{"text": f"提问{item.content}", "answer": f"答复{item.content}"}],
    }


CASES = [(k, m, r) for k in KINDS for m in MODES for r in READERS]
CASE_IDS = [f"{k}-{m.name}-{r}" for k, m, r in CASES]


@pytest.mark.parametrize(("kind", "mode", "reader"), CASES, ids=CASE_IDS)
async def test_node_by_id(world: World, kind: str, mode: DisclosureMode, reader: str) -> None:
    item = world.items[(kind, mode)]

    body = await world.api.post(NODE, {"id": item.id}, world.tokens[reader])

    assert "errors" not in body, body
    node = body["data"]["node"]
    if not sees(reader, mode):
        assert node is None
        return
    hidden = withheld(reader, mode)
    proactive = mode is DisclosureMode.PROACTIVE
    assert node == {
        "title": item.title,
        "disclosureMode": mode.name,
        "disclosureModeLabel": DISCLOSURE_LABELS[mode],
        "nonDisclosureReason": "" if hidden or proactive else REASON,
        "legalBasis": "" if hidden or proactive else BASIS,
        "contentWithheld": hidden,
        "disclosureNotice": DISCLOSURE_NOTICES[mode] if hidden else None,
        "attachments": [] if hidden else [{"filename": name} for _, name in item.files],
        **expected_content(item, hidden),
    }
    assert_no_leak(world, reader, body)


# 20 holds every item of the world's organization, and keeps a page of full interview transcripts
# under the answer-size ceiling (GONGKAI_MAX_QUERY_COST).
LISTS = {
    "CatalogEntry": "catalog(filter: {organization: $o}, first: 20)",
    "GazetteIssue": "gazetteIssues(organization: $o, first: 20)",
    "Interpretation": "interpretations(organization: $o, first: 20)",
    "Interview": "interviews(organization: $o, first: 20)",
}
LIST_FIELDS = {
    "CatalogEntry": "body",
    "GazetteIssue": "articles { body }",
    "Interpretation": "body",
    "Interview": "transcript { text } questions { answer }",
}


@pytest.mark.parametrize(
    ("kind", "reader"),
    [(k, r) for k in KINDS for r in READERS],
    ids=[f"{k}-{r}" for k in KINDS for r in READERS],
)
async def test_lists_and_their_counts(world: World, kind: str, reader: str) -> None:
    query = (
        f"query($o: ID!) {{ {LISTS[kind]} {{ totalCount edges {{ node {{"
        f" title contentWithheld attachments {{ filename }} {LIST_FIELDS[kind]} }} }} }} }}"
    )

    body = await world.api.post(query, {"o": world.org}, world.tokens[reader])

    assert "errors" not in body, body
    connection = next(iter(body["data"].values()))
    listed = {e["node"]["title"]: e["node"] for e in connection["edges"]}
    mine = {item.title: item for (k, _), item in world.items.items() if k == kind}
    expected = {title for title, item in mine.items() if sees(reader, item.mode)}
    assert {t for t in listed if t in mine} == expected
    hosts = len(listed) - len(expected)  # the proactive items the relations hang on
    assert connection["totalCount"] == len(expected) + hosts
    for title in expected:
        assert listed[title]["contentWithheld"] is withheld(reader, mine[title].mode)
        assert (listed[title]["attachments"] == []) is withheld(reader, mine[title].mode)
    assert_no_leak(world, reader, body)


SEARCH = """
query($q: String!, $o: ID!) { search(query: $q, filter: {organization: $o}, first: 50) {
  totalCount
  facets { types { value count } organizations { value count } }
  edges { node { title snippet item { id contentWithheld } article { body } } }
} }
"""


@pytest.mark.parametrize("reader", READERS)
async def test_search_by_metadata_finds_what_the_reader_may_see(world: World, reader: str) -> None:
    body = await world.api.post(SEARCH, {"q": world.meta, "o": world.org}, world.tokens[reader])

    assert "errors" not in body, body
    found = body["data"]["search"]
    expected = {i.id for i in world.items.values() if sees(reader, i.mode)}
    assert {e["node"]["item"]["id"] for e in found["edges"]} == expected
    assert found["totalCount"] == len(expected)
    per_type = {
        kind: sum(1 for i in world.items.values() if i.kind == kind and sees(reader, i.mode))
        for kind in KINDS
    }
    assert {f["value"]: f["count"] for f in found["facets"]["types"]} == per_type
    assert [f["count"] for f in found["facets"]["organizations"]] == [len(expected)]
    for edge in found["edges"]:
        item = next(i for i in world.items.values() if i.id == edge["node"]["item"]["id"])
        assert edge["node"]["item"]["contentWithheld"] is withheld(reader, item.mode)
    assert_no_leak(world, reader, body)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("words", ["body", "attached"], ids=["content-words", "attachment-words"])
async def test_search_by_content_finds_only_proactive_items(world: World, reader: str, words: str) -> None:
    """Not even staff who may read the drafts find a non-proactive item by its content: its search entry
    holds its catalog metadata only."""
    query = getattr(world, words)

    body = await world.api.post(SEARCH, {"q": query, "o": world.org}, world.tokens[reader])

    assert "errors" not in body, body
    found = body["data"]["search"]
    proactive = {i.id for i in world.items.values() if i.mode is DisclosureMode.PROACTIVE}
    assert {e["node"]["item"]["id"] for e in found["edges"]} == proactive
    assert found["totalCount"] == len(proactive)
    assert sum(f["count"] for f in found["facets"]["types"]) == len(proactive)
    assert_no_leak(world, reader, body)


async def _fetch(client: httpx.AsyncClient, url: str, token: str | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await client.get(url, headers=headers)


KIND_READERS = [(k, r) for k in KINDS for r in READERS]
KIND_READER_IDS = [f"{k}-{r}" for k, r in KIND_READERS]


@pytest.mark.parametrize(("kind", "reader"), KIND_READERS, ids=KIND_READER_IDS)
async def test_files_and_thumbnails(client, world: World, kind: str, reader: str) -> None:
    token = world.tokens[reader]
    unknown = await _fetch(client, f"/files/{ObjectId()}/x.txt", token)
    for mode in MODES:
        item = world.items[(kind, mode)]
        (text_id, text_name), (png_id, _) = item.files

        download = await _fetch(client, f"/files/{text_id}/{text_name}", token)
        thumbnail = await _fetch(client, f"/thumbnails/{png_id}.png", token)

        if withheld(reader, mode) or not sees(reader, mode):
            for response in (download, thumbnail):  # exactly what a file that never existed gets
                assert (response.status_code, response.json()) == (unknown.status_code, unknown.json())
                assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        else:
            assert (download.status_code, download.content) == (200, f"附件{item.file_text}".encode())
            assert (thumbnail.status_code, thumbnail.headers["content-type"]) == (200, "image/png")
            # shared caches may keep only a file the public may read
            public = mode is DisclosureMode.PROACTIVE
            assert download.headers["cache-control"].startswith("public") is public, mode


RELATIONS = {
    "amended": "... on CatalogEntry { amendedBy { title body contentWithheld } }",
    "explains": "... on Interpretation { interprets { title body contentWithheld } }",
    "gazette": "... on GazetteIssue { articles { catalogEntry { title body contentWithheld } } }",
}


def _entries_in(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "articles" in node:
        return [a["catalogEntry"] for a in node["articles"] if a["catalogEntry"] is not None]
    return next(iter(node.values()))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("host", "reader"),
    [(h, r) for h in RELATIONS for r in READERS],
    ids=[f"{h}-{r}" for h in RELATIONS for r in READERS],
)
async def test_relations_from_a_proactive_item(world: World, host: str, reader: str) -> None:
    query = f"query($id: ID!) {{ node(id: $id) {{ {RELATIONS[host]} }} }}"

    body = await world.api.post(query, {"id": world.host[host]}, world.tokens[reader])

    assert "errors" not in body, body
    got = {e["title"]: e for e in _entries_in(body["data"]["node"])}
    expected = {}
    for mode in MODES:
        entry = world.items[("CatalogEntry", mode)]
        if sees(reader, mode):
            hidden = withheld(reader, mode)
            expected[entry.title] = {
                "title": entry.title,
                "body": "" if hidden else f"正文{entry.content}",
                "contentWithheld": hidden,
            }
    assert got == expected
    assert_no_leak(world, reader, body)


OUTWARD = """
query($e: ID!, $i: ID!, $g: ID!) {
  entry: node(id: $e) { ... on CatalogEntry { interpretations { title body } gazetteArticles { title body } } }
  interpretation: node(id: $i) { ... on Interpretation { interprets { body } } }
  gazette: node(id: $g) { ... on GazetteIssue { articles { body catalogEntry { body } } } }
}
"""


@pytest.mark.parametrize(
    ("mode", "reader"),
    [(m, r) for m in MODES for r in READERS],
    ids=[f"{m.name}-{r}" for m in MODES for r in READERS],
)
async def test_relations_between_items_of_one_mode(world: World, mode: DisclosureMode, reader: str) -> None:
    """entry.interpretations, entry.gazetteArticles, interpretation.interprets, article.catalogEntry."""
    ids = {"e": ("CatalogEntry", mode), "i": ("Interpretation", mode), "g": ("GazetteIssue", mode)}
    variables = {name: world.items[key].id for name, key in ids.items()}

    body = await world.api.post(OUTWARD, variables, world.tokens[reader])

    assert "errors" not in body, body
    data = body["data"]
    if not sees(reader, mode):
        assert data == {"entry": None, "interpretation": None, "gazette": None}
        return
    hidden = withheld(reader, mode)
    entry, interpretation, gazette = (
        world.items[(k, mode)] for k in ("CatalogEntry", "Interpretation", "GazetteIssue")
    )

    def text(value: str) -> str:
        return "" if hidden else value

    # the proactive hosts link this entry too: only this mode's interpretation and article are compared
    data["entry"] = {
        "interpretations": [
            i for i in data["entry"]["interpretations"] if i["title"] == interpretation.title
        ],
        "gazetteArticles": [
            a for a in data["entry"]["gazetteArticles"] if a["title"] == f"文章{gazette.title}"
        ],
    }
    assert data == {
        "entry": {
            "interpretations": [
                {"title": interpretation.title, "body": text(f"解读正文{interpretation.content}")}
            ],
            "gazetteArticles": [
                {"title": f"文章{gazette.title}", "body": text(f"文章正文{gazette.content}")}
            ],
        },
        "interpretation": {"interprets": [{"body": text(f"正文{entry.content}")}]},
        "gazette": {
            "articles": [
                {
                    "body": text(f"文章正文{gazette.content}"),
                    "catalogEntry": {"body": text(f"正文{entry.content}")},
                }
            ]
        },
    }
    assert_no_leak(world, reader, body)


# -- a published item's mode changed through a working copy ---------------------------------------

CHANGE_FINDINGS = {
    "stateSecrets": False,
    "commercialSecrets": False,
    "personalPrivacy": True,
    "proposedMode": "ON_REQUEST",
    "proposedScope": "申请人",
    "proposedTime": "审发后即时公开",
    "grounds": REASON,
}
PUBLIC_VIEW = """
query($id: ID!, $q: String!) {
  node(id: $id) { ... on CatalogEntry { title body contentWithheld attachments { url } } }
  search(query: $q) { totalCount edges { node { snippet } } }
}
"""


@pytest.mark.parametrize(
    "mode", [DisclosureMode.ON_REQUEST, DisclosureMode.NOT_DISCLOSED], ids=["on-request", "not-disclosed"]
)
async def test_mode_change_through_a_working_copy_leaves_every_public_path_at_once(
    api: Api, client, services: Services, mode: DisclosureMode
) -> None:
    # given a proactive entry published through the chain, with a file, read anonymously (and cached)
    org = await api.new_org()
    officer, head, unit = [await api.token(u) for u in (OFFICER, DEPT_HEAD, UNIT_HEAD)]
    content = marker(8)
    entry = await api.create_entry(officer, org, f"方式变更{marker()}", body=f"正文{content}")
    principal = services.access.principal_for(await services.accounts.by_username(OFFICER))
    entry_id = ObjectId(from_global_id(entry["id"])[1])
    stored = await services.attachments.store(
        principal, "CatalogEntry", entry_id, "附件.txt", f"附件{content}".encode()
    )
    file_url = f"/files/{stored.id}/附件.txt"
    await api.act(officer, entry["id"], "SUBMIT")
    await api.act(officer, entry["id"], "APPROVE")
    await api.act(head, entry["id"], "APPROVE")
    await api.act(unit, entry["id"], "APPROVE")
    variables = {"id": entry["id"], "q": content}
    before = await api.ok(PUBLIC_VIEW, variables)
    assert before["node"]["body"] == f"正文{content}"
    assert before["search"]["totalCount"] == 1
    assert (await client.get(file_url)).status_code == 200
    cached = await client.get("/graphql", params={"query": PUBLIC_VIEW, "variables": text_of(variables)})
    assert f"正文{content}" in cached.text

    # when its mode is changed in a working copy that goes through the whole chain
    copy = (
        await api.ok("mutation($id: ID!) { checkout(id: $id) { id version } }", {"id": entry["id"]}, officer)
    )["checkout"]
    updated = await api.update_entry(
        officer,
        copy["id"],
        copy["version"],
        disclosureMode=mode.name,
        nonDisclosureReason=REASON,
        legalBasis=BASIS,
    )
    assert "errors" not in updated, updated
    await api.ok("mutation($id: ID!) { checkin(id: $id) { id } }", {"id": copy["id"]}, officer)
    findings = {**CHANGE_FINDINGS, "proposedMode": mode.name}
    await api.act(officer, copy["id"], "APPROVE", findings=findings)
    await api.act(head, copy["id"], "APPROVE", findings=findings)
    await api.act(unit, copy["id"], "APPROVE", findings=findings)

    # then no public path gives its body, file or search text any more, the cached answers included
    after = await api.ok(PUBLIC_VIEW, variables)
    again = await client.get("/graphql", params={"query": PUBLIC_VIEW, "variables": text_of(variables)})
    assert again.json()["data"] == after
    if mode is DisclosureMode.NOT_DISCLOSED:
        assert after["node"] is None
    else:
        assert after["node"] == {
            "title": entry["title"],
            "body": "",
            "contentWithheld": True,
            "attachments": [],
        }
    assert after["search"] == {"totalCount": 0, "edges": []}
    download = await client.get(file_url)
    assert (download.status_code, download.json()["errors"][0]["extensions"]["code"]) == (404, "NOT_FOUND")
    # and staff who may read the organization's drafts still read it all
    staff = await api.ok(PUBLIC_VIEW, variables, officer)
    assert staff["node"]["body"] == f"正文{content}"
    assert staff["search"]["totalCount"] == 0  # its search entry holds its catalog metadata only


# -- databases written by versions that published every mode in full ------------------------------


async def test_start_up_settles_what_older_versions_stored(services: Services, fresh_org) -> None:
    # given a published 依申请公开 and a 不予公开 entry as an older version stored them: the latter
    # public until it expires, both indexed with their body's words
    org = await fresh_org()
    words = marker(8)
    stale: dict[DisclosureMode, Any] = {}
    for mode in (DisclosureMode.ON_REQUEST, DisclosureMode.NOT_DISCLOSED):
        entry = await services.catalog.create_draft(
            NewCatalogEntry(
                org_id=org.id,
                title=f"旧数据{marker()}",
                body=f"正文{words}",
                disclosure_mode=mode,
                non_disclosure_reason=REASON,
            )
        )
        await services.content.publish(entry)
        as_before = entry.model_copy(
            update={"disclosure_mode": DisclosureMode.PROACTIVE, "public_until": FAR_FUTURE}
        )
        await CatalogEntry.get_pymongo_collection().update_one(
            {"_id": entry.id}, {"$set": {"public_until": FAR_FUTURE}}
        )
        await SearchEntry.get_pymongo_collection().replace_one({"_id": entry.id}, search_entry(as_before))
        stale[mode] = entry
    await services.db[MAINTENANCE_COLLECTION].delete_many({"_id": "disclosure-modes-settled"})
    public = services.read_scope()
    assert (await services.search.search(words, public, filter=SearchFilter(), first=5)).total == 2

    # when the server starts
    settled = await services.search.settle_disclosure_modes()

    # then the 不予公开 entry is not public and neither is found by its body's words, not even by staff
    assert settled == 2
    hidden = await CatalogEntry.get(stale[DisclosureMode.NOT_DISCLOSED].id)
    assert hidden is not None
    assert hidden.public_until == NEVER_PUBLIC
    assert await services.content.get(CatalogEntry, hidden.id, services.read_scope()) is None
    staff = services.read_scope(frozenset({org.id}))
    for scope in (services.read_scope(), staff):
        assert (await services.search.search(words, scope, filter=SearchFilter(), first=5)).total == 0
    entry = await SearchEntry.get_pymongo_collection().find_one({"_id": hidden.id})
    assert entry is not None
    assert entry["public_until"] == NEVER_PUBLIC
    # and the next start reads one marker and changes nothing
    assert await services.search.settle_disclosure_modes() == 0
