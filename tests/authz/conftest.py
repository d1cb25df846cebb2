"""MongoDB-compatible servers for the grant store tests.

``authz_mongo_url`` uses the suite-wide ``mongo_url`` fixture when ``tests/conftest.py`` provides one, and
otherwise starts its own SecantusDB process. ``authz_standalone_mongo_url`` is always a server of its own
started with ``--standalone``: like a standalone mongod it has no change streams, which is how the
polling fallback of ``GrantStore.watch`` gets exercised.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from authz import GrantStore

SERVER = Path(sys.executable).parent / "secantusd-py"
READY_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_ready(url: str, proc: subprocess.Popen[bytes], log: Any) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"secantusd-py exited with {proc.returncode}: {log.read().decode()[-2000:]}")
        client: MongoClient[dict[str, Any]] = MongoClient(url, serverSelectionTimeoutMS=250)
        try:
            client.admin.command("ping")
            return
        except PyMongoError:
            time.sleep(0.1)
        finally:
            client.close()
    raise RuntimeError(f"secantusd-py did not answer a ping within {READY_TIMEOUT} s")


@contextmanager
def _secantus(*, standalone: bool) -> Iterator[str]:
    port = _free_port()
    args = [str(SERVER), "--host", "127.0.0.1", "--port", str(port), "--storage-path", ":memory:"]
    url = f"mongodb://127.0.0.1:{port}/"
    if standalone:
        args.append("--standalone")
    else:
        url += "?replicaSet=secantus"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(url, proc, log)
            yield url
        finally:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def authz_mongo_url(request: pytest.FixtureRequest) -> Iterator[str]:
    try:
        shared: str | None = request.getfixturevalue("mongo_url")
    except pytest.FixtureLookupError:
        shared = None
    if shared is not None:
        yield shared
        return
    with _secantus(standalone=False) as url:
        yield url


@pytest.fixture(scope="session")
def authz_standalone_mongo_url() -> Iterator[str]:
    with _secantus(standalone=True) as url:
        yield url


@asynccontextmanager
async def _fresh_database(url: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, serverSelectionTimeoutMS=5000)
    name = f"authz_{uuid4().hex}"
    try:
        yield client[name]
        await client.drop_database(name)
    finally:
        await client.close()


@pytest.fixture
async def db(authz_mongo_url: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    async with _fresh_database(authz_mongo_url) as database:
        yield database


@pytest.fixture
async def store(db: AsyncDatabase[dict[str, Any]]) -> GrantStore:
    grants = GrantStore(db)
    await grants.ensure_indexes()
    return grants


@pytest.fixture
async def other_store(authz_mongo_url: str, db: AsyncDatabase[dict[str, Any]]) -> AsyncIterator[GrantStore]:
    """The same grants through a second client: what another server process would see and do."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        authz_mongo_url, serverSelectionTimeoutMS=5000
    )
    try:
        yield GrantStore(client[db.name])
    finally:
        await client.close()


@pytest.fixture
async def standalone_db(authz_standalone_mongo_url: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    async with _fresh_database(authz_standalone_mongo_url) as database:
        yield database
