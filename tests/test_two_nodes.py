"""Two application nodes behind Debian's nginx, with the shipped proxy configuration
(deploy/nginx/gongkai-proxy.conf), on the session's database and object store: what one node does
is served by the other within a second, and a node killed mid-request leaves nothing half-written.

Needs /usr/sbin/nginx (scripts/test installs Debian's nginx when it is missing)."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cms.integrity.verify import verify
from cms.jobs.lease import LEASES
from cms.jobs.runner import JOB_LEASE as JOB_LEASE_NAME
from tests.helpers import DEPT_HEAD, OFFICER, UNIT_HEAD, Api, code_of, unique
from tests.servers import ROOT, Server, free_port, shared_env, start, stop, wait_until_up

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROPAGATION = 1.0  # seconds: the promise of the issue

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="Debian's nginx is not installed")


def _start_node(embedded: Any, settings: Any, data_dir: Path) -> Server:
    """One more `gongkai serve` on the shared services, started the way operators start one."""
    env = {**shared_env(embedded, settings, data_dir, free_port()), "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    return start(env, data_dir)


@pytest.fixture(scope="module")
def nodes(embedded, settings, app, tmp_path_factory) -> Iterator[tuple[Server, Server]]:
    base: Path = tmp_path_factory.mktemp("nodes")
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            started.append(_start_node(embedded, settings, base / name))
        yield started[0], started[1]
    finally:
        for node in started:
            stop(node.proc)


@pytest.fixture(scope="module")
def balancer(nodes: tuple[Server, Server], tmp_path_factory) -> Iterator[str]:
    """Debian's nginx in front of both nodes, with the shipped proxy configuration included as is."""
    prefix: Path = tmp_path_factory.mktemp("nginx")
    port = free_port()
    servers = "\n".join(f"    server {node.url.removeprefix('http://')};" for node in nodes)
    (prefix / "nginx.conf").write_text(
        f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream gongkai {{
{servers}
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {ROOT}/deploy/nginx/gongkai-proxy.conf;
    }}
}}
""",
        encoding="utf-8",
    )
    args = [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf")]
    proc = subprocess.Popen(
        [*args, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(Server(url, proc, prefix / "error.log"))
        yield url
    finally:
        stop(proc)


def _gql_over(http: httpx.AsyncClient) -> Any:
    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"accept": "application/graphql-response+json", **(headers or {})},
        )
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


@pytest.fixture
async def clients(nodes: tuple[Server, Server], balancer: str) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=nodes[0].url, timeout=30) as a,
        httpx.AsyncClient(base_url=nodes[1].url, timeout=30) as b,
        httpx.AsyncClient(base_url=balancer, timeout=30) as lb,
    ):
        yield {"a": a, "b": b, "nginx": lb}


def _api(http: httpx.AsyncClient, settings: Any) -> Api:
    return Api(_gql_over(http), settings.demo_password.get_secret_value())


NODE_QUERY = "query($id: ID!) { node(id: $id) { ... on Content { id title } } }"


async def _anonymous_node(http: httpx.AsyncClient, item: str) -> Any:
    response = await http.post("/graphql", json={"query": NODE_QUERY, "variables": {"id": item}})
    assert response.status_code == 200, response.text
    return response.json()["data"]["node"]


async def _within(seconds: float, check: Any) -> float | None:
    """How long until ``check()`` held, or None if it did not within ``seconds``."""
    started = time.monotonic()
    while True:
        if await check():
            return time.monotonic() - started
        if time.monotonic() - started > seconds:
            return None
        await asyncio.sleep(0.05)


async def _awaiting_approval(api: Api) -> str:
    """A new entry at the last tier (单位负责人审发) of the demo province's chain."""
    tokens = [await api.token(u) for u in (OFFICER, DEPT_HEAD)]
    entry = await api.create_entry(tokens[0], await api.root(), unique("两节点"))
    await api.act(tokens[0], entry["id"], "SUBMIT")
    await api.act(tokens[0], entry["id"], "APPROVE", opinion="初审同意。")
    await api.act(tokens[1], entry["id"], "APPROVE", opinion="审核同意。")
    item: str = entry["id"]
    return item


@pytest.mark.parametrize("reader", ["b", "nginx"])
async def test_a_publication_through_one_node_is_served_by_the_other_within_a_second(
    clients, settings, reader
):
    api = _api(clients["a"], settings)
    item = await _awaiting_approval(api)
    assert await _anonymous_node(clients[reader], item) is None  # now kept in the reader's cache

    await api.act(await api.token(UNIT_HEAD), item, "APPROVE", opinion="同意发布。")
    took = await _within(PROPAGATION, lambda: _anonymous_node(clients[reader], item))

    assert took is not None, "not served within a second"


CREATE = "mutation($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }"


async def test_a_role_grant_through_one_node_holds_on_the_other_within_a_second(clients, settings):
    api_a, api_b = _api(clients["a"], settings), _api(clients["b"], settings)
    org = await api_a.new_org()
    person = await api_a.new_user(org)  # no role yet
    draft = {"i": {"organization": org, "title": unique("授权")}}
    assert code_of(await api_b.post(CREATE, draft, person.token)) == "FORBIDDEN"

    await api_a.grant(person.id, "OFFICER", org)

    async def may_create() -> bool:
        return "errors" not in await api_b.post(CREATE, draft, person.token)

    assert await _within(PROPAGATION, may_create) is not None, (
        "the grant did not reach node b within a second"
    )


@pytest.fixture
def doomed_node(embedded, settings, app, tmp_path) -> Iterator[Server]:
    node = _start_node(embedded, settings, tmp_path / "doomed")
    try:
        yield node
    finally:
        stop(node.proc)


async def test_a_node_killed_mid_request_leaves_nothing_half_written(
    clients, settings, services, doomed_node
):
    api = _api(clients["a"], settings)
    items = [await _awaiting_approval(api) for _ in range(8)]
    unit_head = await api.token(UNIT_HEAD)
    # Other tests damage their own organizations' registers on purpose (tests/test_register.py):
    # what counts is that the kill adds no problem of its own.
    before = set((await verify(services.objects, services.register)).problems)
    async with httpx.AsyncClient(base_url=doomed_node.url, timeout=30) as doomed:
        doomed_api = _api(doomed, settings)
        approvals = [
            asyncio.create_task(doomed_api.transition(unit_head, item, "APPROVE", opinion="同意发布。"))
            for item in items
        ]
        # The approvals of one organization are filed one after another: once the first is answered,
        # the others are queued or half-way through their transactions when the node dies.
        await asyncio.wait(approvals, return_when=asyncio.FIRST_COMPLETED)
        doomed_node.proc.send_signal(signal.SIGKILL)
        outcomes = await asyncio.gather(*approvals, return_exceptions=True)

    cut = [o for o in outcomes if isinstance(o, httpx.TransportError)]
    states = [(await api.node(item, unit_head))["reviewState"] for item in items]
    report = await verify(services.objects, services.register)

    assert cut, "no request was cut off: the test did not kill the node mid-request"
    assert set(states) <= {"PUBLISHED", "PENDING_UNIT_APPROVAL"}
    assert [p for p in report.problems if p not in before] == []
    for item, state in zip(items, states, strict=True):
        filed = [t["action"] for t in (await api.history(item, unit_head))["transitions"]]
        assert (filed.count("approve") == 3) == (state == "PUBLISHED"), (state, filed)


# Periodic jobs: two nodes on a database of their own (the test process's app holds the jobs lease of
# the session's database), with a short lease and tick so that a takeover is seen in seconds.
JOB_LEASE = 2.0  # seconds
JOB_TICK = 0.2
EVERY_TICK_JOB = "change-feed-sweep"  # scheduled publications becoming public: due at every tick
BOTH_RUN = 3.0  # seconds of the window in which both nodes run


@dataclass
class JobNodes:
    db: Any  # the nodes' database, as the test process reaches it
    nodes: list[Server]


@pytest.fixture
async def job_nodes(embedded, settings, services, tmp_path) -> AsyncIterator[JobNodes]:
    name = f"gongkai_two_nodes_{unique('jobs')[-10:]}"
    started: list[Server] = []
    try:
        for label in ("a", "b"):
            env = {
                **shared_env(embedded, settings, tmp_path / label, free_port()),
                "GONGKAI_MONGO_DATABASE": name,
                "GONGKAI_JOB_LEASE_SECONDS": str(JOB_LEASE),
                "GONGKAI_JOB_TICK_SECONDS": str(JOB_TICK),
            }
            started.append(await asyncio.to_thread(start, env, tmp_path / label))
        yield JobNodes(services.client[name], started)
    finally:
        for node in started:
            stop(node.proc)
        await services.client.drop_database(name)


@dataclass(frozen=True)
class Run:
    """One recorded run of a job: when it finished and the fencing token of the tenure that ran it."""

    finished: datetime
    token: int


async def _runs_during(db: Any, job: str, seconds: float) -> list[Run]:
    """Every run of ``job`` recorded in the next ``seconds``, from the jobs collection's change stream
    (each run rewrites the job's record once: one event per run, none missed between polls)."""
    runs: list[Run] = []
    deadline = time.monotonic() + seconds
    async with await db["jobs"].watch([{"$match": {"documentKey._id": job}}]) as stream:
        token = (await db["jobs"].find_one({"_id": job}))["token"]  # the stream shows only changes
        while time.monotonic() < deadline:
            event = await stream.try_next()
            if event is None:
                continue
            fields = event.get("fullDocument") or event["updateDescription"]["updatedFields"]
            token = fields.get("token", token)  # an unchanged token is not in an update's fields
            if "finished" in fields:
                runs.append(Run(fields["finished"], token))
    return runs


def _pid_of(holder: str) -> int:
    return int(holder.split(":")[1])  # cms.jobs.lease.node_id: host:pid:random


async def _lease(db: Any) -> dict[str, Any]:
    doc: dict[str, Any] | None = await db[LEASES].find_one({"_id": JOB_LEASE_NAME})
    assert doc is not None, "no node took the jobs lease"
    return doc


async def test_periodic_jobs_run_once_per_period_and_a_killed_holder_is_taken_over(job_nodes):
    # given two nodes on one database, both up, one of them holding the jobs lease
    db, pids = job_nodes.db, [node.proc.pid for node in job_nodes.nodes]
    assert await _within(JOB_LEASE + 5, lambda: db["jobs"].find_one({"_id": EVERY_TICK_JOB})) is not None
    lease = await _lease(db)

    # when both run for a while
    runs = await _runs_during(db, EVERY_TICK_JOB, BOTH_RUN)

    # then every period's job ran once: all runs under the one tenure, at least a tick apart
    assert _pid_of(lease["holder"]) in pids
    assert len(runs) >= 3, runs
    assert {run.token for run in runs} == {lease["token"]}
    gaps = [(b.finished - a.finished).total_seconds() for a, b in itertools.pairwise(runs)]
    assert min(gaps) >= JOB_TICK - 0.01, gaps  # BSON dates keep milliseconds
    assert (await _lease(db))["holder"] == lease["holder"]

    # when the holder is killed
    holder = job_nodes.nodes[pids.index(_pid_of(lease["holder"]))]
    survivor = next(node for node in job_nodes.nodes if node is not holder)
    holder.proc.send_signal(signal.SIGKILL)
    holder.proc.wait()

    # then the other node takes the lease with a new token, and runs the job under it, within the
    # lease's bound: its duration after the last renewal, plus a tick to notice (and a second of slack
    # for a loaded machine)
    async def taken_over() -> bool:
        doc = await db["jobs"].find_one({"_id": EVERY_TICK_JOB})
        return doc is not None and doc["token"] > lease["token"]

    took = await _within(JOB_LEASE + JOB_TICK + 1.0, taken_over)
    assert took is not None, "the surviving node did not take over within the lease's bound"
    after = await _lease(db)
    assert _pid_of(after["holder"]) == survivor.proc.pid
    assert after["token"] == lease["token"] + 1


UPLOAD_TICKET = """mutation($i: ID!, $f: String!, $s: Int!) {
  requestUpload(item: $i, filename: $f, size: $s) { uploadUrl attachment { id } } }"""
UPLOAD_DONE = "mutation($id: ID!, $h: String!) { completeUpload(id: $id, sha256: $h) { size contentType } }"


async def test_a_same_origin_upload_larger_than_graphql_bodies_passes_the_shipped_nginx(clients, settings):
    # given nodes without GONGKAI_S3_PUBLIC_ENDPOINT (uploads go to PUT /uploads/{id}) behind nginx,
    # whose configuration caps other bodies at 1 MB, and a draft with an upload ticket
    import hashlib

    api = _api(clients["nginx"], settings)
    officer = await api.token(OFFICER)
    entry = await api.create_entry(officer, await api.root(), unique("经代理上传"))
    data = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b"%" * 3_000_000
    ticket = (await api.ok(UPLOAD_TICKET, {"i": entry["id"], "f": "大文件.pdf", "s": len(data)}, officer))[
        "requestUpload"
    ]
    # when the 3 MB file is PUT through nginx to the ticket's path and the upload completed
    url = httpx.URL(ticket["uploadUrl"])
    put = await clients["nginx"].put(f"{url.path}?{url.query.decode()}", content=data)
    done = await api.ok(
        UPLOAD_DONE, {"id": ticket["attachment"]["id"], "h": hashlib.sha256(data).hexdigest()}, officer
    )
    # then it went through whole and is the draft's PDF
    assert url.path.startswith("/uploads/")
    assert put.status_code == 200, put.text
    assert done["completeUpload"] == {"size": len(data), "contentType": "application/pdf"}
