"""A download cut mid-stream, through uvicorn itself: a real `gongkai serve` whose object store (MinIO
of this module's own, never the session's) is frozen with SIGSTOP while a large file streams from
/files. The client must see the connection end before Content-Length bytes arrived (an error), never
a complete-looking short file."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cms.content.ids import from_global_id
from devservers.embedded import EmbeddedServices, start_embedded
from devservers.process import Service
from storage.attachments import Attachment, AttachmentStatus
from storage.objectstore import ObjectStore, ObjectStoreConfig
from tests.helpers import OFFICER, Api
from tests.servers import Server, free_port, shared_env, start, stop

BUCKET = "midstream"
CONNECT_TIMEOUT = 1.0  # the node's S3 connect timeout (seconds)
READ_TIMEOUT = 2.0  # its S3 read timeout: how long a frozen store holds a read
SLACK = 3.0  # scheduling on a busy 2-core machine
SIZE = 32 * 1024 * 1024  # far more than the sockets between MinIO, the node and the client buffer

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def store_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServices]:
    """A MinIO this module may freeze (start_embedded brings a database too, which goes unused)."""
    services = start_embedded(tmp_path_factory.mktemp("abort-embedded"), in_memory=True, db_cache="256M")
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture(scope="module")
def node(embedded, settings, app, store_services, tmp_path_factory) -> Iterator[Server]:
    """`gongkai serve` on the session's database (its demo data, its accounts) and the module's MinIO."""
    data_dir: Path = tmp_path_factory.mktemp("abort-node")
    env = {
        **shared_env(embedded, settings, data_dir, free_port()),
        "GONGKAI_S3_ENDPOINT": store_services.s3_endpoint,
        "GONGKAI_S3_ACCESS_KEY": store_services.s3_access_key,
        "GONGKAI_S3_SECRET_KEY": store_services.s3_secret_key,
        "GONGKAI_S3_BUCKET": BUCKET,
        "GONGKAI_S3_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT),
        "GONGKAI_S3_TIMEOUT_SECONDS": str(READ_TIMEOUT),
    }
    server = start(env, data_dir)
    try:
        yield server
    finally:
        stop(server.proc)


def _minio(services: EmbeddedServices) -> Service:
    handle = services._handle
    assert handle is not None
    return next(service for service in handle.services if service.name == "MinIO")


@pytest.fixture
async def large_file(gql, settings, store_services: EmbeddedServices) -> AsyncIterator[tuple[str, str]]:
    """A draft entry with a large file (the object in the module's MinIO, its record in the session's
    database as an uploaded, verified file's would be), and a token of staff who may read the draft.
    The record goes afterwards: the session's own bucket lacks its object (tests/test_verify.py)."""
    api = Api(gql, settings.demo_password.get_secret_value())
    token = await api.token(OFFICER)
    root = await api.root()
    entry = await api.create_entry(token, root)
    data = os.urandom(SIZE)
    key = f"objects/{from_global_id(root)[1]}/{uuid.uuid4().hex}"
    store = ObjectStore(
        ObjectStoreConfig(
            endpoint=store_services.s3_endpoint,
            access_key=store_services.s3_access_key,
            secret_key=store_services.s3_secret_key,
            bucket=BUCKET,
        )
    )
    await store.put_stream(key, io.BytesIO(data), SIZE, "application/octet-stream")
    attachment = Attachment(
        item_id=from_global_id(entry["id"])[1],
        item_type="CatalogEntry",
        org_id=from_global_id(root)[1],
        filename="大文件.bin",
        declared_size=SIZE,
        size=SIZE,
        content_type="application/octet-stream",
        sha256=hashlib.sha256(data).hexdigest(),
        object_key=key,
        status=AttachmentStatus.READY,
    )
    await attachment.insert()
    try:
        yield f"/files/{attachment.id}/big.bin", token
    finally:
        await attachment.delete()


async def _count(chunks: AsyncIterator[bytes]) -> int:
    return sum([len(chunk) async for chunk in chunks])


async def test_a_download_cut_mid_stream_ends_the_connection_before_content_length(
    large_file, store_services, node
):
    # given a large file, streaming from a real `gongkai serve`
    path, token = large_file
    minio = _minio(store_services)
    async with (
        httpx.AsyncClient(base_url=node.url, timeout=30, trust_env=False) as http,
        http.stream("GET", path, headers={"authorization": f"Bearer {token}"}) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-length"] == str(SIZE)
        chunks = response.aiter_raw()
        first = len(await anext(chunks))

        # when the object store freezes mid-stream
        minio.signal_group(signal.SIGSTOP)
        try:
            started = time.monotonic()
            # then the client sees the connection end before Content-Length bytes: an error, soon
            with pytest.raises(httpx.RemoteProtocolError, match=r"without sending complete message body"):
                await _count(chunks)
            took = time.monotonic() - started
        finally:
            minio.signal_group(signal.SIGCONT)

    assert 0 < first < SIZE
    assert took < READ_TIMEOUT + SLACK
