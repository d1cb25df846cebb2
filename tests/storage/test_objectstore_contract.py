"""The object store's contract, run against two real S3 servers (ids ``minio`` and ``seaweedfs``).

Nothing here may depend on one vendor's quirks. Differences seen between the two (4.48 / 2024-01-01):
- A listing's last_modified has milliseconds on MinIO, whole seconds on SeaweedFS.
- Given ``application/octet-stream``, SeaweedFS stores a type guessed from the key's extension
  (``.txt`` → ``text/plain; charset=utf-8``, ``.pdf`` → ``application/pdf``); MinIO keeps it. So
  callers send the real content type, and these tests assert only types that are not octet-stream.
Everything else asserted here (status codes, error codes, ranges, ETags) was the same on both.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
import socket
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from devservers.process import EmbeddedError
from devservers.seaweedfs import start_seaweedfs
from storage.objectstore import (
    InvalidRange,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreConfig,
    ObjectStoreUnavailable,
)

MiB = 1024 * 1024
PDF = "application/pdf"


async def _put(store: ObjectStore, key: str, data: bytes, content_type: str = PDF) -> ObjectInfo:
    return await store.put_stream(key, io.BytesIO(data), len(data), content_type)


def _http() -> httpx.AsyncClient:
    # trust_env=False: a proxy from the environment must not see requests to the loopback servers.
    return httpx.AsyncClient(trust_env=False, timeout=10.0)


def _tampered(url: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    signature = query["X-Amz-Signature"]
    query["X-Amz-Signature"] = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    return urlunsplit(parts._replace(query=urlencode(query)))


# -- put, stat, get


async def test_put_stat_get_round_trip_keeps_a_chinese_key(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}依申请公开/2024年 政府信息公开指南.pdf"
    data = b"%PDF-1.7 " + "公开".encode() * 100

    written = await _put(store, key, data)
    info = await store.stat(key)

    assert info == written
    assert info is not None
    assert (info.key, info.size, info.content_type) == (key, len(data), PDF)
    assert info.etag == hashlib.md5(data).hexdigest()  # noqa: S324 - S3's single-part ETag
    assert abs(info.last_modified - datetime.now(UTC)) < timedelta(minutes=1)
    assert await store.read_range(key) == data
    assert await store.sha256(key) == hashlib.sha256(data).hexdigest()


async def test_stat_of_a_missing_key_is_none(store: ObjectStore, prefix: str) -> None:
    assert await store.stat(f"{prefix}missing.pdf") is None


# -- presigned URLs


async def test_presigned_put_uploads_without_credentials(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}上传.pdf"
    data = b"%PDF uploaded by the browser"
    url = await store.presigned_put(key, timedelta(minutes=5))

    async with _http() as http:
        response = await http.put(url, content=data, headers={"content-type": PDF})

    assert response.status_code == 200, response.text
    info = await store.stat(key)
    assert info is not None
    assert (info.size, info.content_type) == (len(data), PDF)


async def test_presigned_get_downloads_with_a_chinese_file_name(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}a.bin"
    data = b"%PDF the report"
    await _put(store, key, data, "application/x-unknown")
    filename = "关于2024年度报告的通知.pdf"

    url = await store.presigned_get(key, timedelta(minutes=5), filename=filename, content_type=PDF)
    async with _http() as http:
        response = await http.get(url)

    assert response.status_code == 200, response.text
    assert response.content == data
    assert response.headers["content-type"] == PDF
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"__2024_______.pdf\"; filename*=UTF-8''{quote(filename)}"
    )


async def test_tampered_presigned_urls_are_refused(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}secret.pdf"
    await _put(store, key, b"not for everyone")
    get_url = await store.presigned_get(key, timedelta(minutes=5))
    put_url = await store.presigned_put(key, timedelta(minutes=5))

    async with _http() as http:
        get = await http.get(_tampered(get_url))
        put = await http.put(_tampered(put_url), content=b"overwritten")

    assert (get.status_code, put.status_code) == (403, 403)
    assert await store.read_range(key) == b"not for everyone"


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_expired_presigned_url_is_refused(store: ObjectStore, prefix: str, method: str) -> None:
    # given URLs signed a minute ago (no waiting for one to expire), one valid for a minute, one for
    # a second: only the expiry tells them apart
    key = f"{prefix}soon-gone.pdf"
    await _put(store, key, b"briefly public")
    a_minute_ago = ObjectStore(store.config, clock=lambda: datetime.now(UTC) - timedelta(minutes=1))
    sign = a_minute_ago.presigned_get if method == "GET" else a_minute_ago.presigned_put
    expired, current = await sign(key, timedelta(seconds=1)), await sign(key, timedelta(minutes=2))

    # when each is used
    async with _http() as http:
        refused = await http.request(method, expired, content=b"overwritten" if method == "PUT" else None)
        accepted = await http.request(method, current, content=b"briefly public" if method == "PUT" else None)

    # then the expired one is refused, and changed nothing
    assert (refused.status_code, accepted.status_code) == (403, 200)
    assert await store.read_range(key) == b"briefly public"


@pytest.mark.parametrize("wrong", ["secret_key", "access_key"])
async def test_wrong_credentials_are_refused(store: ObjectStore, wrong: str) -> None:
    intruder = ObjectStore(replace(store.config, **{wrong: "wrong-" + "x" * 20}))

    with pytest.raises(ObjectStoreUnavailable, match=f"无法连接对象存储（{store.config.endpoint}）"):
        await intruder.stat("anything.pdf")
    with pytest.raises(ObjectStoreUnavailable):
        await intruder.put_stream("anything.pdf", io.BytesIO(b"x"), 1, PDF)


# -- ranges

DATA = bytes(range(256)) * 4  # 1,024 bytes, each position recognisable


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [
        pytest.param(0, 10, DATA[:10], id="first-bytes"),
        pytest.param(500, 24, DATA[500:524], id="middle"),
        pytest.param(1023, 1, DATA[-1:], id="last-byte"),
        pytest.param(1000, 100, DATA[1000:], id="length-past-the-end"),
        pytest.param(1000, None, DATA[1000:], id="to-the-end"),
        pytest.param(0, None, DATA, id="whole"),
    ],
)
async def test_read_range(
    store: ObjectStore, prefix: str, offset: int, length: int | None, expected: bytes
) -> None:
    key = f"{prefix}range.bin"
    await _put(store, key, DATA)

    assert await store.read_range(key, offset, length) == expected


@pytest.mark.parametrize("offset", [1024, 5000], ids=["at-the-end", "far-past-the-end"])
async def test_range_starting_past_the_end_is_invalid(store: ObjectStore, prefix: str, offset: int) -> None:
    key = f"{prefix}range.bin"
    await _put(store, key, DATA)

    with pytest.raises(InvalidRange) as failure:
        await store.read_range(key, offset, 10)
    assert failure.value.code == "invalid_range"
    assert failure.value.key == key


async def test_open_range_streams_chunks_and_releases_the_connection(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}stream.bin"
    data = random.Random(7).randbytes(300 * 1024)
    await _put(store, key, data)

    reader = await store.open_range(key, 1000, 200 * 1024)
    assert (reader.length, reader.object_size) == (200 * 1024, len(data))
    assert reader.content_type == PDF
    chunks = await asyncio.to_thread(list, reader)

    assert b"".join(chunks) == data[1000 : 1000 + 200 * 1024]
    assert max(len(chunk) for chunk in chunks) <= 64 * 1024
    assert len(chunks) >= 4
    assert reader.closed


async def test_open_range_released_when_abandoned(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}abandoned.bin"
    await _put(store, key, bytes(200 * 1024))

    with await store.open_range(key) as unread:
        pass
    partly_read = await store.open_range(key)
    first = await asyncio.to_thread(next, iter(partly_read))
    partly_read.close()

    assert unread.closed
    assert partly_read.closed
    assert len(first) == 64 * 1024
    assert await store.read_range(key, 0, 3) == bytes(3)  # the pool still works


# -- large objects


class _GeneratedStream:
    """A file-like object fed by a generator: the length is not known in advance."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            block = next(self._blocks, b"")
            if not block:
                break
            self._buffer += block
        cut = len(self._buffer) if size < 0 else size
        out, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return out


def _blocks(total: int, on_block: Callable[[bytes], None]) -> Iterator[bytes]:
    # Every MiB differs, so parts stored in the wrong order could not hash the same.
    rng = random.Random(2024)
    sent = 0
    while sent < total:
        block = rng.randbytes(min(MiB, total - sent))
        on_block(block)
        sent += len(block)
        yield block


async def test_multipart_upload_of_unknown_length(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}大文件.zip"
    size = 40 * MiB + 12_345  # 9 parts of 5 MiB, the last one short
    digest = hashlib.sha256()

    stream = _GeneratedStream(_blocks(size, digest.update))

    info = await store.put_stream(key, stream, -1, "application/zip", part_size=5 * MiB)

    assert (info.size, info.content_type) == (size, "application/zip")
    assert info.etag.endswith("-9")  # S3's multipart ETag: md5 of the part md5s, dash, part count
    assert await store.sha256(key) == digest.hexdigest()


async def test_multipart_upload_of_known_length_from_a_file(
    store: ObjectStore, prefix: str, tmp_path: Path
) -> None:
    key = f"{prefix}扫描件.tif"
    size = 12 * MiB + 1  # 3 parts of 5 MiB, the last one short
    source = tmp_path / "upload.tif"
    with source.open("wb") as f:
        for block in _blocks(size, lambda _: None):
            f.write(block)

    with source.open("rb") as f:
        info = await store.put_stream(key, f, size, "image/tiff", part_size=5 * MiB)

    assert (info.size, info.content_type) == (size, "image/tiff")
    assert info.etag.endswith("-3")
    assert await store.sha256(key) == hashlib.sha256(source.read_bytes()).hexdigest()
    assert await store.read_range(key, size - 2) == source.read_bytes()[-2:]


# -- copy, delete, list


async def test_copy(store: ObjectStore, prefix: str) -> None:
    source, target = f"{prefix}原件.pdf", f"{prefix}副本/原件.pdf"
    original = await _put(store, source, b"%PDF original")

    await store.copy(source, target)

    copied = await store.stat(target)
    assert copied is not None
    assert (copied.size, copied.etag, copied.content_type) == (original.size, original.etag, PDF)
    assert await store.read_range(target) == b"%PDF original"
    assert await store.stat(source) == original


async def test_delete_is_idempotent(store: ObjectStore, prefix: str) -> None:
    key = f"{prefix}delete-me.pdf"
    await _put(store, key, b"x")

    await store.delete(key)
    await store.delete(key)

    assert await store.stat(key) is None


async def test_delete_many(store: ObjectStore, prefix: str) -> None:
    keys = [f"{prefix}{name}.pdf" for name in ("a", "b", "c", "留下")]
    for key in keys:
        await _put(store, key, b"x")

    await store.delete_many([*keys[:3], f"{prefix}never-existed.pdf"])

    assert [info.key for info in await store.list_keys(prefix)] == [keys[3]]


async def test_list_keys_by_prefix(store: ObjectStore, prefix: str) -> None:
    inside = [f"{prefix}2024/一.pdf", f"{prefix}2024/二/三.pdf", f"{prefix}2025.pdf"]
    for number, key in enumerate(inside, start=1):
        await _put(store, key, b"x" * number)
    await _put(store, f"{prefix[:-1]}-other/2024/x.pdf", b"not under the prefix")
    started = datetime.now(UTC)

    listed = await store.list_keys(f"{prefix}2024/")

    assert sorted((info.key, info.size) for info in listed) == [(inside[0], 1), (inside[1], 2)]
    for info in listed:
        assert started - info.last_modified < timedelta(minutes=1)
        assert info.last_modified.tzinfo is not None
    assert len(await store.list_keys(prefix)) == 3
    assert await store.list_keys(f"{prefix}nothing/") == []


# -- errors


@pytest.mark.parametrize("operation", ["read_range", "open_range", "sha256", "copy"])
async def test_missing_key_is_object_not_found(store: ObjectStore, prefix: str, operation: str) -> None:
    key = f"{prefix}missing.pdf"
    calls = {
        "read_range": lambda: store.read_range(key, 0, 10),
        "open_range": lambda: store.open_range(key),
        "sha256": lambda: store.sha256(key),
        "copy": lambda: store.copy(key, f"{prefix}copy.pdf"),
    }

    with pytest.raises(ObjectNotFound) as failure:
        await calls[operation]()

    assert (failure.value.code, failure.value.key) == ("object_not_found", key)
    assert str(failure.value) == f"附件不存在：{key}"


async def test_stopped_server_is_unavailable_within_seconds(
    throwaway_server: tuple[ObjectStoreConfig, Callable[[], None]],
) -> None:
    config, stop_server = throwaway_server
    store = ObjectStore(config)
    await store.ensure_bucket()
    await _put(store, "a.pdf", b"x")

    stop_server()
    for call in (
        lambda: store.stat("a.pdf"),
        lambda: store.read_range("a.pdf"),
        lambda: store.list_keys(""),
        lambda: _put(store, "b.pdf", b"y"),
        lambda: store.ensure_bucket(),
    ):
        started = time.monotonic()
        with pytest.raises(ObjectStoreUnavailable, match=f"无法连接对象存储（{config.endpoint}）") as failure:
            await call()
        assert failure.value.code == "object_store_unavailable"
        assert time.monotonic() - started < 3  # two quick retries (~0.4 s here), then give up


# -- the SeaweedFS launcher (devservers.seaweedfs.start_seaweedfs), which only these tests use


def test_seaweedfs_stops_cleanly_and_leaves_no_sockets(tmp_path: Path) -> None:
    server = start_seaweedfs(tmp_path, access_key="gongkai-test", secret_key="gongkai-test-secret")
    try:
        assert server.access_key == "gongkai-test"
        assert "gongkai-test-secret" not in repr(server)
        assert stat.S_IMODE((tmp_path / "seaweedfs-s3.json").stat().st_mode) == 0o600
    finally:
        server.stop()

    port = int(server.endpoint.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert not Path(f"/tmp/seaweedfs-s3-{port}.sock").exists()  # noqa: S108 - where weed puts it
    assert (tmp_path / "logs" / "seaweedfs.log").is_file()
    server.stop()  # a second stop is harmless


def test_seaweedfs_refuses_half_given_credentials(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedError, match="both"):
        start_seaweedfs(tmp_path, access_key="only-the-access-key")
    assert not (tmp_path / "logs").exists()
