"""The public response cache, HTTP validators and automatic persisted queries, through HTTP.

Whether an answer came from the cache is read from the cache's own counters, never from timing. Every
test works in an organization of its own (made by demo-admin), so answers of other tests never mix in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient, MongoClient
from pymongo.errors import PyMongoError

from cms.admin.vocabulary_data import topic_path
from cms.content.public_changes import PublicChanges, Reason
from storage.documents import FAR_FUTURE
from tests.helpers import DEPT_HEAD, OFFICE, OFFICER, UNIT_HEAD, Api, unique
from tests.servers import free_port, shared_env, start, stop

GRAPHQL_RESPONSE = "application/graphql-response+json"
CATALOG = "query Catalog($o: ID!) { catalog(filter: {organization: $o}, first: 50) { edges { node { id title } } } }"
GENRES = "{ genres { value } }"
# Like every demo entry: catalog tests elsewhere in the session read the topic of the newest entries.
TOPIC = topic_path("综合政务", "政务公开")
PROPAGATION_SECONDS = 10.0  # another process follows the change stream; polling would take ~1 s


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture
def cache(app):
    return app.state.response_cache


@pytest.fixture
async def org(api) -> str:
    return await api.new_org()


async def get(
    client: httpx.AsyncClient, query: str | None, variables: dict[str, Any] | None = None, **extra: Any
) -> httpx.Response:
    headers = {"accept": GRAPHQL_RESPONSE, **extra.pop("headers", {})}
    params = {k: v for k, v in {"query": query, **extra}.items() if v is not None}
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return await client.get("/graphql", params=params, headers=headers)


def titles(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return [edge["node"]["title"] for edge in body["data"]["catalog"]["edges"]]


def apq(sha256: str) -> str:
    return json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha256}})


def sha256_of(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


# --- served from the cache -----------------------------------------------------------------------


async def test_a_repeated_anonymous_get_is_served_from_the_cache(api, client, cache, org):
    title = unique("缓存")
    await api.demo_publish(org, title, topic=TOPIC)
    first = await get(client, CATALOG, {"o": org})
    hits = cache.stats.hits

    again = await get(client, CATALOG, {"o": org})

    assert cache.stats.hits == hits + 1
    assert again.content == first.content
    assert titles(again) == [title]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["vary"] == "Accept, Authorization"
    assert again.headers["cache-control"].startswith("public, max-age=")
    assert "stale-while-revalidate=30" in again.headers["cache-control"]


async def test_variables_in_another_order_share_the_entry(client, cache, org):
    query = "query($o: ID!, $n: Int) { catalog(filter: {organization: $o}, first: $n) { edges { cursor } } }"
    await get(client, query, {"o": org, "n": 5})
    hits = cache.stats.hits

    await client.get(
        "/graphql",
        params={"query": query, "variables": f'{{"n": 5, "o": "{org}"}}'},
        headers={"accept": GRAPHQL_RESPONSE},
    )

    assert cache.stats.hits == hits + 1


async def test_each_request_address_has_its_own_entries(client, cache, org):
    """Download links in an answer are built from the request's address when no public address is
    configured: an answer kept for one (allowed) Host is never served to another."""
    query = "query($o: ID!) { catalog(filter: {organization: $o}, first: 3) { totalCount } }"
    await get(client, query, {"o": org}, headers={"host": "localhost:8000"})
    hits, stores = cache.stats.hits, cache.stats.stores

    await get(client, query, {"o": org}, headers={"host": "127.0.0.1:8000"})
    assert (cache.stats.hits, cache.stats.stores) == (hits, stores + 1)

    await get(client, query, {"o": org}, headers={"host": "localhost:8000"})
    await get(client, query, {"o": org}, headers={"host": "127.0.0.1:8000"})
    assert cache.stats.hits == hits + 2


SEED_URLS = (
    '{ catalogEntriesByDocumentNumber(documentNumber: "云政办发〔2013〕115号") { attachments { url } } }'
)


def _seed_urls(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    entries = response.json()["data"]["catalogEntriesByDocumentNumber"]
    return [a["url"] for entry in entries for a in entry["attachments"]]


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("evil.example", id="foreign"),
        pytest.param("localhost.evil.example", id="allowed-name-as-prefix"),
        pytest.param("evil.example:8000", id="foreign-with-port"),
        pytest.param("localhost:80@evil.example", id="userinfo-trick"),
        pytest.param("localhost:8x", id="bad-port"),
        pytest.param("[::1", id="broken-ipv6"),
    ],
)
async def test_a_foreign_host_is_refused_before_the_cache_and_never_reaches_an_answer(client, cache, host):
    """Given an answer that holds attachment URLs, kept for an allowed Host"""
    assert all(u.startswith("http://testserver/files/") for u in _seed_urls(await get(client, SEED_URLS)))
    before = dataclasses.replace(cache.stats)

    refused = await get(client, SEED_URLS, headers={"host": host})
    posted = await client.post("/graphql", json={"query": SEED_URLS}, headers={"host": host})

    assert [r.status_code for r in (refused, posted)] == [400, 400]
    assert refused.json() == {
        "errors": [
            {
                "message": "不接受该 Host 请求头：请通过本服务配置的地址访问。",
                "extensions": {"code": "INVALID_HOST"},
            }
        ]
    }
    assert refused.headers["cache-control"] == "private, no-store"
    assert cache.stats == before  # not even looked up
    assert not any(b"evil" in answer.body for answer in cache.entries.values())
    again = _seed_urls(await get(client, SEED_URLS))
    assert again
    assert all(u.startswith("http://testserver/files/") for u in again)


@pytest.mark.parametrize(
    ("host", "base"),
    [
        pytest.param("LocalHost:8000", "http://localhost:8000", id="any-case-and-port"),
        pytest.param("[::1]:8443", "http://[::1]:8443", id="ipv6-literal"),
        pytest.param("127.0.0.1", "http://127.0.0.1", id="no-port"),
    ],
)
async def test_allowed_hosts_name_their_own_address_in_urls(client, host, base):
    urls = _seed_urls(await get(client, SEED_URLS, headers={"host": host}))

    assert urls
    assert all(url.lower().startswith(f"{base}/files/") for url in urls)


async def test_anonymous_post_queries_use_the_cache_but_are_not_stored_downstream(client, cache, org):
    body = {"query": CATALOG, "variables": {"o": org}}
    await client.post("/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE})
    hits = cache.stats.hits

    response = await client.post("/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE})

    assert cache.stats.hits == hits + 1
    assert response.headers["cache-control"] == "private, no-store"
    assert "etag" not in response.headers


async def test_if_none_match_gets_304_without_executing(client, cache, org):
    etag = (await get(client, CATALOG, {"o": org})).headers["etag"]
    hits = cache.stats.hits

    response = await get(client, CATALOG, {"o": org}, headers={"if-none-match": f'"other", W/{etag}'})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert cache.stats.hits == hits + 1


@pytest.mark.parametrize(
    ("header", "status"),
    [
        pytest.param("{etag}", 304, id="exact"),
        pytest.param('"other", {etag}', 304, id="list"),
        pytest.param('"a,b", {etag}', 304, id="comma-inside-a-tag"),
        pytest.param("W/{etag}", 304, id="weak"),
        pytest.param('W/"other",W/{etag}', 304, id="weak-list"),
        pytest.param("*", 304, id="any"),
        pytest.param('"other", W/"other"', 200, id="no-match"),
        pytest.param("{bare}", 200, id="unquoted"),
    ],
)
async def test_if_none_match_forms_on_graphql_get(client, cache, org, header, status):
    first = await get(client, CATALOG, {"o": org})
    etag = first.headers["etag"]
    hits = cache.stats.hits

    response = await get(
        client, CATALOG, {"o": org}, headers={"if-none-match": header.format(etag=etag, bare=etag.strip('"'))}
    )

    assert response.status_code == status
    assert response.headers["etag"] == etag
    assert response.content == (b"" if status == 304 else first.content)
    assert cache.stats.hits == hits + 1  # answered without executing either way


VARIANTS = [
    pytest.param(
        "query Catalog($o: ID!) {\n  catalog(filter: {organization: $o}, first: 50) {\n"
        "    edges { node { id title } }\n  }\n}\n",
        id="whitespace",
    ),
    pytest.param(
        "query Catalog($o: ID!) { catalog(filter: {organization: $o,}, first: 50,) { edges { node { id, title } } } }",
        id="commas",
    ),
    pytest.param(
        "# the portal's list\nquery Catalog($o: ID!) { catalog(filter: {organization: $o}, first: 50)"
        " { edges { node { id title } } } } # cache-busting comment",
        id="comments",
    ),
]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_whitespace_comma_and_comment_variants_hit_the_same_entry(
    api, client, cache, org, variant, method
):
    title = unique("变体")
    await api.demo_publish(org, title, topic=TOPIC)
    first = await get(client, CATALOG, {"o": org})
    assert titles(first) == [title]
    before = dataclasses.replace(cache.stats)

    if method == "GET":
        response = await get(client, variant, {"o": org})
    else:
        body = {"query": variant, "variables": {"o": org}}
        response = await client.post("/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE})

    assert response.content == first.content
    assert (cache.stats.hits, cache.stats.misses, cache.stats.stores) == (
        before.hits + 1,
        before.misses,
        before.stores,
    )
    if method == "GET":
        assert response.headers["etag"] == first.headers["etag"]


async def test_an_anonymous_query_and_its_shorthand_share_the_entry(client, cache):
    await get(client, f"{{ genres {{ value }} }} # {uuid.uuid4()}")
    hits = cache.stats.hits

    await get(client, "query { genres { value } }")

    assert cache.stats.hits == hits + 1


async def test_the_etag_differs_per_media_type(client, org):
    modern = await get(client, CATALOG, {"o": org})
    legacy = await get(client, CATALOG, {"o": org}, headers={"accept": "application/json"})

    assert modern.content == legacy.content
    assert modern.headers["etag"] != legacy.headers["etag"]
    assert legacy.headers["content-type"].startswith("application/json")


async def test_answers_with_errors_are_never_cached(client, cache):
    query = "query($c: String) { catalog(first: 1, after: $c) { edges { cursor } } }"
    stores = cache.stats.stores

    response = await get(client, query, {"c": "not-a-cursor"})

    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert response.headers["cache-control"] == "private, no-store"
    assert "etag" not in response.headers
    assert cache.stats.stores == stores


# --- never stale ---------------------------------------------------------------------------------


async def test_a_publication_changes_the_cached_answer_immediately(api, client, cache, org):
    before = unique("先发布")
    await api.demo_publish(org, before, topic=TOPIC)
    assert titles(await get(client, CATALOG, {"o": org})) == [before]
    assert titles(await get(client, CATALOG, {"o": org})) == [before]  # now cached
    hits = cache.stats.hits
    officer, head, unit = [await api.token(u) for u in (OFFICER, DEPT_HEAD, UNIT_HEAD)]

    entry = await api.create_entry(officer, org, unique("新发布"), topic=TOPIC)
    await api.act(officer, entry["id"], "SUBMIT")
    await api.act(officer, entry["id"], "APPROVE", opinion="初审同意。")
    await api.act(head, entry["id"], "APPROVE", opinion="审核同意。")
    await api.act(unit, entry["id"], "APPROVE", opinion="同意发布。")
    after = await get(client, CATALOG, {"o": org})

    assert sorted(titles(after)) == sorted([before, entry["title"]])
    assert cache.stats.hits == hits


async def test_review_steps_before_publication_leave_the_cache_alone(api, client, cache, org):
    published = unique("已公开")
    await api.demo_publish(org, published, topic=TOPIC)
    await get(client, CATALOG, {"o": org})
    officer, head = [await api.token(u) for u in (OFFICER, DEPT_HEAD)]
    entry = await api.create_entry(officer, org, unique("审核中"), topic=TOPIC)
    hits = cache.stats.hits

    await api.act(officer, entry["id"], "SUBMIT")
    await api.act(officer, entry["id"], "APPROVE", opinion="初审同意。")
    await api.act(head, entry["id"], "REJECT", opinion="请补充依据。")
    still = await get(client, CATALOG, {"o": org})

    assert titles(still) == [published]
    assert cache.stats.hits == hits + 1


async def test_a_withdrawal_removes_the_item_from_the_cached_answer_immediately(api, client, org):
    kept, withdrawn = unique("保留"), unique("撤回")
    await api.demo_publish(org, kept, topic=TOPIC)
    entry = await api.demo_publish(org, withdrawn, topic=TOPIC)
    assert sorted(titles(await get(client, CATALOG, {"o": org}))) == sorted([kept, withdrawn])
    assert sorted(titles(await get(client, CATALOG, {"o": org}))) == sorted([kept, withdrawn])

    await api.act(await api.token(OFFICE), entry["id"], "WITHDRAW", opinion="内容需要更正，撤回后重新发布。")

    assert titles(await get(client, CATALOG, {"o": org})) == [kept]


async def test_a_scheduled_item_appears_when_its_time_comes_without_any_write(api, client, cache, org, clock):
    officer, head, unit = [await api.token(u) for u in (OFFICER, DEPT_HEAD, UNIT_HEAD)]
    entry = await api.create_entry(officer, org, unique("定时"), topic=TOPIC)
    await api.act(officer, entry["id"], "SUBMIT")
    await api.act(officer, entry["id"], "APPROVE", opinion="初审同意。")
    await api.act(head, entry["id"], "APPROVE", opinion="审核同意。")
    when = clock() + timedelta(seconds=2)
    await api.act(unit, entry["id"], "APPROVE", opinion="同意定时发布。", effective=when.isoformat())
    assert titles(await get(client, CATALOG, {"o": org})) == []
    waiting = await get(client, CATALOG, {"o": org})  # from the cache, but only until `when`
    assert titles(waiting) == []
    assert int(waiting.headers["cache-control"].split("max-age=")[1].split(",")[0]) <= 2
    hits = cache.stats.hits

    clock.advance((when - clock()).total_seconds() + 0.2)
    arrived = await get(client, CATALOG, {"o": org})

    assert titles(arrived) == [entry["title"]]
    assert cache.stats.hits == hits


# --- staff and limits ----------------------------------------------------------------------------


async def test_staff_requests_bypass_the_cache_and_never_fill_it(api, client, cache, org):
    draft = unique("草稿标题")
    await api.create_entry(await api.token(OFFICER), org, draft, topic=TOPIC)
    staff = {"authorization": f"Bearer {await api.token(OFFICER)}"}
    stores, hits = cache.stats.stores, cache.stats.hits

    seen_by_staff = [await get(client, CATALOG, {"o": org}, headers=staff) for _ in range(2)]
    posted = await client.post(
        "/graphql",
        json={"query": CATALOG, "variables": {"o": org}},
        headers={**staff, "accept": GRAPHQL_RESPONSE},
    )

    assert all(titles(r) == [draft] for r in [*seen_by_staff, posted])
    assert all(r.headers["cache-control"] == "private, no-store" for r in [*seen_by_staff, posted])
    assert all("etag" not in r.headers for r in seen_by_staff)
    assert (cache.stats.stores, cache.stats.hits) == (stores, hits)
    assert not any(draft.encode() in answer.body for answer in cache.entries.values())
    assert titles(await get(client, CATALOG, {"o": org})) == []


@pytest.fixture
def small_cache(cache, monkeypatch) -> Iterator[Any]:
    """The live cache with tight limits for one test; its entries are dropped afterwards."""

    def shrink(max_entries: int, max_bytes: int) -> None:
        monkeypatch.setattr(cache.entries, "max_entries", max_entries)
        monkeypatch.setattr(cache.entries, "max_bytes", max_bytes)

    yield shrink
    cache.clear()


@pytest.mark.parametrize(
    ("max_entries", "answers_in_budget"),
    [pytest.param(20, 10_000, id="entry-limit"), pytest.param(10_000, 12, id="byte-limit")],
)
async def test_cache_busting_variables_do_not_grow_the_cache_past_its_limits(
    client, cache, small_cache, max_entries, answers_in_budget
):
    size = len((await get(client, GENRES, {"bust": "size"})).content) + 200
    small_cache(max_entries, size * answers_in_budget)
    stores = cache.stats.stores

    for n in range(60):
        response = await get(client, GENRES, {"bust": f"{uuid.uuid4()}-{n}"})
        assert response.status_code == 200

    assert cache.stats.stores == stores + 60  # every one was kept, the oldest made room
    assert len(cache) <= min(max_entries, answers_in_budget)
    assert cache.size_bytes <= size * answers_in_budget


# --- automatic persisted queries -----------------------------------------------------------------


async def test_an_unknown_persisted_query_asks_for_the_document(client):
    response = await get(
        client, None, extensions=apq(sha256_of(f"{{ genres {{ value }} }} # {uuid.uuid4()}"))
    )

    assert response.status_code == 200
    assert response.json() == {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }
    assert response.headers["cache-control"] == "private, no-store"


async def test_a_registered_persisted_query_runs_by_its_hash_over_get(client, cache, org):
    query = f"{CATALOG} # {uuid.uuid4()}"
    sha256 = sha256_of(query)
    registered = await client.post(
        "/graphql",
        json={"query": query, "variables": {"o": org}, "extensions": json.loads(apq(sha256))},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert registered.json()["data"]["catalog"]["edges"] == []

    by_hash = await get(client, None, {"o": org}, extensions=apq(sha256))
    hits = cache.stats.hits
    again = await get(client, None, {"o": org}, extensions=apq(sha256))

    assert by_hash.status_code == 200
    assert by_hash.json() == {"data": {"catalog": {"edges": []}}}
    assert again.content == by_hash.content
    assert cache.stats.hits == hits + 1


async def test_a_persisted_query_can_be_registered_over_get(client):
    query = f"{GENRES} # {uuid.uuid4()}"
    sha256 = sha256_of(query)

    first = await get(client, query, extensions=apq(sha256))
    by_hash = await get(client, None, extensions=apq(sha256))

    assert first.json()["data"]["genres"]
    assert by_hash.content == first.content


async def test_a_persisted_query_registers_even_when_its_answer_comes_from_the_cache(client, cache):
    query = f"{GENRES} # {uuid.uuid4()}"
    await get(client, query)
    hits = cache.stats.hits
    registering = await get(client, query, extensions=apq(sha256_of(query)))
    assert cache.stats.hits == hits + 1

    by_hash = await get(client, None, extensions=apq(sha256_of(query)))

    assert by_hash.status_code == 200
    assert by_hash.content == registering.content


async def test_a_persisted_query_whose_hash_does_not_match_is_refused(client):
    response = await get(client, GENRES, extensions=apq(sha256_of(GENRES + " ")))

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


async def test_an_invalid_document_is_not_registered(client):
    query = f"{{ nope }} # {uuid.uuid4()}"
    sha256 = sha256_of(query)
    refused = await get(client, query, extensions=apq(sha256))
    assert refused.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    response = await get(client, None, extensions=apq(sha256))

    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    ("extensions", "code"),
    [
        pytest.param(
            {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
            "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
            id="version",
        ),
        pytest.param({"persistedQuery": {"version": 1, "sha256Hash": "xyz"}}, "BAD_REQUEST", id="not-a-hash"),
        pytest.param({"persistedQuery": "abc"}, "PERSISTED_QUERY_VERSION_NOT_SUPPORTED", id="not-an-object"),
    ],
)
async def test_malformed_persisted_query_extensions_are_refused(client, extensions, code):
    response = await get(client, None, extensions=json.dumps(extensions))

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_a_persisted_mutation_still_needs_post(client):
    mutation = f'mutation {{ login(username: "nobody", password: "x") {{ token }} }} # {uuid.uuid4()}'
    sha256 = sha256_of(mutation)
    await client.post(
        "/graphql",
        json={"query": mutation, "extensions": json.loads(apq(sha256))},
        headers={"accept": GRAPHQL_RESPONSE},
    )

    response = await get(client, None, extensions=apq(sha256))

    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_anonymous_mutations_over_post_still_run_and_are_never_kept(client, cache):
    mutation = 'mutation { login(username: "nobody-at-all", password: "wrong-password") { token } }'
    stores = cache.stats.stores

    responses = [
        await client.post("/graphql", json={"query": mutation}, headers={"accept": GRAPHQL_RESPONSE})
        for _ in range(2)
    ]

    assert all(r.json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS" for r in responses)
    assert cache.stats.stores == stores


# --- the change feed itself ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def standalone_mongo_url() -> Iterator[str]:
    """A server without change streams (like a standalone mongod): the feed must fall back to polling."""
    port = free_port()
    url = f"mongodb://127.0.0.1:{port}/"
    server = Path(sys.executable).parent / "secantusd-py"
    args = [
        str(server),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        ":memory:",
        "--standalone",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            probe: MongoClient[dict[str, Any]] = MongoClient(url, serverSelectionTimeoutMS=250)
            try:
                probe.admin.command("ping")
                break
            except PyMongoError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
            finally:
                probe.close()
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
async def feed_db(request) -> AsyncIterator[Any]:
    url = request.getfixturevalue(request.param)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    name = f"feed_{uuid.uuid4().hex[:12]}"
    try:
        yield client[name]
        await client.drop_database(name)
    finally:
        await client.close()


def _feed_over(db: Any) -> PublicChanges:
    return PublicChanges(db, [db["items"]], poll_interval=0.2)


@pytest.mark.parametrize(
    ("feed_db", "polls"),
    [
        pytest.param("mongo_url", False, id="change-stream"),
        pytest.param("standalone_mongo_url", True, id="polling"),
    ],
    indirect=["feed_db"],
)
async def test_a_feed_follows_another_process_and_reloads_before_moving_on(feed_db, polls, caplog):
    caplog.set_level(logging.INFO, logger="gongkai.public_changes")
    here, there = _feed_over(feed_db), _feed_over(feed_db)
    await here.load()
    await there.load()
    seen_while_reloading: list[int] = []

    async def reload() -> None:
        seen_while_reloading.append(here.generation)

    here.on_remote_change(Reason.ORGANIZATIONS, reload)
    here.start_watching()
    try:
        await there.bump(Reason.ORGANIZATIONS)
        assert await eventually(lambda: _at(here, 1))
        await there.bump(Reason.CONTENT)
        assert await eventually(lambda: _at(here, 2))
    finally:
        await here.stop_watching()

    assert seen_while_reloading == [0]  # the reload ran before the new generation was taken
    assert ("change streams unavailable" in caplog.text) is polls


async def _at(feed: PublicChanges, generation: int) -> bool:
    return feed.generation == generation


@pytest.mark.parametrize("feed_db", [pytest.param("mongo_url", id="shared")], indirect=True)
async def test_the_next_boundary_is_the_nearest_effective_or_expiry_of_a_published_item(feed_db):
    now = datetime.now(UTC).replace(microsecond=0)
    await feed_db["items"].insert_many(
        [
            {"review_state": "published", "effective": now + timedelta(hours=2), "public_until": FAR_FUTURE},
            {
                "review_state": "published",
                "effective": now - timedelta(days=1),
                "public_until": now + timedelta(hours=1),
            },
            {"review_state": "draft", "effective": now + timedelta(minutes=5), "public_until": FAR_FUTURE},
            {"review_state": "published", "effective": now - timedelta(days=2), "public_until": FAR_FUTURE},
        ]
    )
    feed = _feed_over(feed_db)
    await feed.load()

    assert await feed.next_boundary(now) == now + timedelta(hours=1)
    assert await feed.next_boundary(now + timedelta(hours=1)) == now + timedelta(hours=2)
    assert await feed.next_boundary(now + timedelta(hours=3)) is None


# --- another process -----------------------------------------------------------------------------


OTHER_PUBLIC_BASE_URL = "https://gk.example.gov.cn"


@pytest.fixture(scope="module")
def other_server(embedded, settings, app, tmp_path_factory) -> Iterator[str]:
    """A second server process on the same database, started the way operators start one."""
    data_dir: Path = tmp_path_factory.mktemp("other-process")
    env = {
        **shared_env(embedded, settings, data_dir, free_port()),
        "GONGKAI_PUBLIC_BASE_URL": OTHER_PUBLIC_BASE_URL,  # as behind a CDN, like production requires
    }
    server = start(env, data_dir)
    try:
        yield server.url
    finally:
        stop(server.proc)


@pytest.fixture
async def other_process(other_server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=other_server, timeout=10.0) as http:
        yield http


async def eventually(check: Any, within: float = PROPAGATION_SECONDS) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.1)


async def test_a_publication_in_one_process_invalidates_another_process_cache(api, other_process, org):
    async def org_known_there() -> bool:  # the organization was just made in this process
        return "errors" not in (await get(other_process, CATALOG, {"o": org})).json()

    assert await eventually(org_known_there)
    first = await get(other_process, CATALOG, {"o": org})
    again = await get(other_process, CATALOG, {"o": org}, headers={"if-none-match": first.headers["etag"]})
    assert titles(first) == []
    assert again.status_code == 304

    entry = await api.demo_publish(org, unique("跨进程"), topic=TOPIC)

    async def published_there() -> bool:
        return titles(await get(other_process, CATALOG, {"o": org})) == [entry["title"]]

    assert await eventually(published_there)


async def test_an_organization_created_in_one_process_is_known_to_another(api, other_process):
    query = "query($k: String!) { organization(key: $k) { name } }"
    org = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on Organization { key } } }", {"id": await api.new_org()}
    )
    key = org["node"]["key"]

    async def known_there() -> bool:
        response = await get(other_process, query, {"k": key})
        return response.json()["data"]["organization"] is not None

    assert await eventually(known_there)


@pytest.mark.parametrize(
    "host", [pytest.param("evil.example", id="foreign"), pytest.param("localhost", id="loopback")]
)
async def test_with_a_public_base_url_answers_never_echo_the_host(other_process, host):
    response = await get(other_process, SEED_URLS, headers={"host": host})

    urls = _seed_urls(response)
    assert urls
    assert all(url.startswith(f"{OTHER_PUBLIC_BASE_URL}/files/") for url in urls)
    assert "evil" not in response.text
