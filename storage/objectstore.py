"""The attachment store over the S3 API (minio SDK). The SDK is synchronous: calls run in a thread.

Every failure leaves this module as one of its own errors: ``ObjectNotFound`` for a missing key,
``InvalidRange`` for a range that starts past the end, ``ObjectStoreUnavailable`` for everything else
(unreachable, credentials refused, bucket missing). The contract tests run it against MinIO and SeaweedFS.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import io
import queue
import time
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import BinaryIO, ClassVar, TypeVar
from urllib.parse import quote, urlsplit

import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.datatypes import Object
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error
from urllib3.exceptions import HTTPError

T = TypeVar("T")

DEFAULT_PART_SIZE = 16 * 1024 * 1024
_CHUNK_SIZE = 64 * 1024  # of a proxied download
_HASH_CHUNK_SIZE = 1024 * 1024
_MISSING_KEY_CODES = frozenset({"NoSuchKey"})


class ObjectStoreError(RuntimeError):
    """Base of the object store's errors; ``code`` is stable, the message is for people."""

    code: ClassVar[str] = "object_store_error"


class ObjectStoreUnavailable(ObjectStoreError):
    """The configured S3 service could not be reached or refused the credentials."""

    code = "object_store_unavailable"


class ObjectNotFound(ObjectStoreError):
    code = "object_not_found"

    def __init__(self, key: str) -> None:
        super().__init__(f"附件不存在：{key}")
        self.key = key


class InvalidRange(ObjectStoreError):
    """The requested range starts at or past the end of the object (HTTP 416)."""

    code = "invalid_range"

    def __init__(self, key: str) -> None:
        super().__init__(f"请求的范围超出附件末尾：{key}")
        self.key = key


@dataclass(frozen=True)
class ObjectStoreConfig:
    endpoint: str  # host:port
    access_key: str
    secret_key: str
    bucket: str
    secure: bool = False
    region: str | None = None
    # A dead store fails a request after about connect_timeout (a refused connection is retried
    # once); a frozen one after read_timeout: a read that timed out is never retried, since that
    # would double the wait (the old 30 s × 3 held a download for 90 s).
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    # Where browsers reach the same service (``https://oss.example.gov.cn``), when not at ``endpoint``:
    # presigned URLs are signed for this host. None: presigned URLs name ``endpoint`` itself.
    public_endpoint: str | None = None


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str  # without quotes; an MD5 only for single-part uploads
    last_modified: datetime
    content_type: str | None = None  # listings do not carry it


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A Content-Disposition value that keeps Chinese file names (RFC 6266 / RFC 5987).

    Old clients read the ASCII ``filename`` (non-ASCII characters become ``_``); others the UTF-8 one.
    """
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class ObjectReader:
    """An open ranged download. Iterating yields chunks of about 64 KiB and blocks (Starlette's
    StreamingResponse runs a plain iterator in a worker thread). The connection is released when the
    iteration ends or fails, or on ``close()``; use it as a context manager where it may never be iterated.
    """

    def __init__(self, store: ObjectStore, key: str, response: urllib3.BaseHTTPResponse) -> None:
        self._store = store
        self._response = response
        self.key = key
        self.length = int(response.headers.get("content-length", "0"))
        self.object_size = _object_size(response.headers.get("content-range"), self.length)
        self.content_type: str | None = response.headers.get("content-type")
        self.etag = response.headers.get("etag", "").strip('"')

    def __iter__(self) -> Iterator[bytes]:
        try:
            with self._store._errors(self.key):
                yield from self._response.stream(_CHUNK_SIZE)
        finally:
            self.close()

    def close(self) -> None:
        self._response.close()
        self._response.release_conn()

    @property
    def closed(self) -> bool:
        return bool(self._response.closed)

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _object_size(content_range: str | None, length: int) -> int:
    # "bytes 5-6/10" for a ranged answer; a whole-object answer has no Content-Range.
    if content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1]
        if total.isdigit():
            return int(total)
    return length


class ObjectStore:
    def __init__(self, config: ObjectStoreConfig, *, clock: Callable[[], datetime] | None = None) -> None:
        """``clock``: when presigned URLs are signed (None: the SDK's now); tests sign in the past
        instead of waiting for a URL to expire."""
        self.config = config
        self.clock = clock
        # Called after every call to the service with (operation, seconds, outcome): metrics listen
        # here, so this adapter knows nothing of them. Outcomes: ok, not_found, invalid_range, failed.
        self.observers: list[Callable[[str, float, str], None]] = []
        # Short timeouts and few retries: a dead S3 service should fail a request, not hang it.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout),
            retries=urllib3.Retry(total=1, read=0, backoff_factor=0.1, status_forcelist=[500, 502, 503, 504]),
            maxsize=16,
        )
        self.client = Minio(
            config.endpoint,
            access_key=config.access_key,
            secret_key=config.secret_key,
            secure=config.secure,
            region=config.region or None,
            http_client=http,
        )
        # A signature covers the Host header, so URLs for browsers are signed for the host they use.
        # Signing needs no request when the region is known (MinIO's default unless configured).
        self.presigner = self.client
        if config.public_endpoint:
            public = urlsplit(config.public_endpoint)
            self.presigner = Minio(
                public.netloc,
                access_key=config.access_key,
                secret_key=config.secret_key,
                secure=public.scheme == "https",
                region=config.region or "us-east-1",
                http_client=http,
            )

    # -- the bucket

    async def ensure_bucket(self) -> None:
        await self._run(None, self._ensure_bucket_sync)

    async def ping(self) -> None:
        """Raises ``ObjectStoreUnavailable`` unless the bucket answers (readiness)."""
        if not await self._run(None, functools.partial(self.client.bucket_exists, self.config.bucket)):
            raise self._unavailable(f"bucket {self.config.bucket} missing")

    def _ensure_bucket_sync(self) -> None:
        if not self.client.bucket_exists(self.config.bucket):
            self.client.make_bucket(self.config.bucket)

    # -- direct uploads and downloads by the browser

    async def presigned_put(self, key: str, expires: timedelta) -> str:
        presign = functools.partial(
            self.presigner.get_presigned_url,
            "PUT",
            self.config.bucket,
            key,
            expires,
            request_date=self._now(),
        )
        return await self._run(key, presign)

    async def presigned_get(
        self, key: str, expires: timedelta, *, filename: str | None = None, content_type: str | None = None
    ) -> str:
        """A download URL; ``filename`` and ``content_type`` override the headers the browser sees."""
        overrides: dict[str, str | list[str] | tuple[str]] = {}
        if filename is not None:
            overrides["response-content-disposition"] = content_disposition(filename)
        if content_type is not None:
            overrides["response-content-type"] = content_type
        presign = functools.partial(
            self.presigner.presigned_get_object,
            self.config.bucket,
            key,
            expires,
            response_headers=overrides,
            request_date=self._now(),
        )
        return await self._run(key, presign)

    def _now(self) -> datetime | None:
        return self.clock() if self.clock is not None else None

    # -- objects

    async def stat(self, key: str) -> ObjectInfo | None:
        try:
            return await self._run(key, functools.partial(self._stat_sync, key))
        except ObjectNotFound:
            return None

    def _stat_sync(self, key: str) -> ObjectInfo:
        return _info(self.client.stat_object(self.config.bucket, key), key)

    async def put_stream(
        self,
        key: str,
        stream: BinaryIO,
        length: int,
        content_type: str,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> ObjectInfo:
        """Upload ``length`` bytes (-1: until the stream ends), in parts of ``part_size`` (≥ 5 MiB)
        when larger; memory stays at a few parts (the SDK uploads up to three in parallel)."""
        upload = functools.partial(self._put_stream_sync, key, stream, length, content_type, part_size)
        return await self._run(key, upload)

    def _put_stream_sync(
        self, key: str, stream: BinaryIO, length: int, content_type: str, part_size: int
    ) -> ObjectInfo:
        bucket = self.config.bucket
        self.client.put_object(bucket, key, stream, length, content_type=content_type, part_size=part_size)
        # The write result has no size or date (and no size at all for a stream of unknown length).
        return _info(self.client.stat_object(bucket, key), key)

    async def put_chunks(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        length: int,
        content_type: str,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> ObjectInfo:
        """Upload what an async source yields (an HTTP request body) as it arrives: a few chunks wait
        in a bounded queue for the SDK's thread, so memory stays at that plus the SDK's parts. An error
        raised by the source (a size limit) aborts the upload and is raised here."""
        pipe = _Pipe()
        upload = asyncio.create_task(self.put_stream(key, pipe, length, content_type, part_size))  # type: ignore[arg-type]
        try:
            async for chunk in chunks:
                if chunk and not await pipe.feed(chunk, upload):
                    break  # the upload failed already: its error is raised below
            await pipe.feed(_END, upload)
        except BaseException:
            await pipe.feed(_ABORT, upload)
            with contextlib.suppress(Exception):
                await upload
            raise
        return await upload

    async def read_range(self, key: str, offset: int = 0, length: int | None = None) -> bytes:
        """``length`` bytes from ``offset`` (fewer at the end of the object); None reads to the end."""
        return await self._run(key, functools.partial(self._read_range_sync, key, offset, length))

    def _read_range_sync(self, key: str, offset: int, length: int | None) -> bytes:
        with ObjectReader(self, key, self._get(key, offset, length)) as reader:
            return b"".join(reader)

    async def open_range(self, key: str, offset: int = 0, length: int | None = None) -> ObjectReader:
        """Start a download; a missing key or bad range fails here, before any byte is sent on."""
        response = await self._run(key, functools.partial(self._get, key, offset, length))
        return ObjectReader(self, key, response)

    def _get(self, key: str, offset: int, length: int | None) -> urllib3.BaseHTTPResponse:
        if offset < 0 or (length is not None and length < 1):
            raise ValueError(f"invalid range: offset={offset}, length={length}")
        # The SDK reads length 0 as "to the end".
        return self.client.get_object(self.config.bucket, key, offset=offset, length=length or 0)

    async def sha256(self, key: str) -> str:
        return await self._run(key, functools.partial(self._sha256_sync, key))

    def _sha256_sync(self, key: str) -> str:
        digest = hashlib.sha256()
        response = self.client.get_object(self.config.bucket, key)
        try:
            for chunk in response.stream(_HASH_CHUNK_SIZE):
                digest.update(chunk)
        finally:
            response.close()
            response.release_conn()
        return digest.hexdigest()

    async def copy(self, src_key: str, dst_key: str) -> None:
        source = CopySource(self.config.bucket, src_key)
        await self._run(
            src_key, functools.partial(self.client.copy_object, self.config.bucket, dst_key, source)
        )

    async def delete(self, key: str) -> None:
        """Idempotent, as in S3: deleting a missing key is no error."""
        await self._run(key, functools.partial(self.client.remove_object, self.config.bucket, key))

    async def delete_many(self, keys: Iterable[str]) -> None:
        await self._run(None, functools.partial(self._delete_many_sync, list(keys)))

    def _delete_many_sync(self, keys: list[str]) -> None:
        failed = list(self.client.remove_objects(self.config.bucket, [DeleteObject(key) for key in keys]))
        if failed:
            first = failed[0]
            raise ObjectStoreUnavailable(
                f"对象存储（{self.config.endpoint}）未能删除 {len(failed)} 个附件，"
                f"例如 {first.name}：{first.code}"
            )

    async def list_keys(self, prefix: str) -> list[ObjectInfo]:
        """Every object under ``prefix`` (recursively), with size and last modification time."""
        return await self._run(None, functools.partial(self._list_keys_sync, prefix))

    def _list_keys_sync(self, prefix: str) -> list[ObjectInfo]:
        found = self.client.list_objects(self.config.bucket, prefix=prefix, recursive=True)
        return [_info(obj, obj.object_name or "") for obj in found]

    # -- error translation

    async def _run(self, key: str | None, call: Callable[[], T]) -> T:
        return await asyncio.to_thread(self._guarded, key, call)

    def _guarded(self, key: str | None, call: Callable[[], T]) -> T:
        if not self.observers:
            with self._errors(key):
                return call()
        started, outcome = time.perf_counter(), "failed"
        try:
            with self._errors(key):
                result = call()
            outcome = "ok"
            return result
        except ObjectNotFound:
            outcome = "not_found"
            raise
        except InvalidRange:
            outcome = "invalid_range"
            raise
        finally:
            seconds = time.perf_counter() - started
            for observe in self.observers:
                observe(_operation_of(call), seconds, outcome)

    @contextlib.contextmanager
    def _errors(self, key: str | None) -> Iterator[None]:
        """Turn SDK and network errors into ours; ``key`` names the object a 404 is about."""
        try:
            yield
        except S3Error as exc:
            if key is not None and exc.code in _MISSING_KEY_CODES:
                raise ObjectNotFound(key) from exc
            if key is not None and exc.code == "InvalidRange":
                raise InvalidRange(key) from exc
            raise self._unavailable(f"{exc.__class__.__name__} {exc.code}") from exc
        except (MinioException, HTTPError, OSError) as exc:
            raise self._unavailable(exc.__class__.__name__) from exc

    def _unavailable(self, reason: str) -> ObjectStoreUnavailable:
        return ObjectStoreUnavailable(f"无法连接对象存储（{self.config.endpoint}）：{reason}")


_END = b""  # the body is complete
_ABORT = b"\0abort"  # the source failed: the SDK's read fails, so nothing is stored


class _Pipe(io.RawIOBase):
    """A blocking, readable stream over chunks fed from the event loop (through a bounded queue)."""

    def __init__(self, depth: int = 16) -> None:
        super().__init__()
        self._queue: queue.Queue[bytes] = queue.Queue(depth)
        self._buffer = bytearray()
        self._ended = False

    async def feed(self, chunk: bytes, reader: asyncio.Task[object]) -> bool:
        """Hand ``chunk`` on; False when the reading side is gone (never blocks forever on it)."""
        while not reader.done():
            try:
                await asyncio.to_thread(self._queue.put, chunk, True, 0.5)
                return True
            except queue.Full:
                continue
        return False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = -1 if size is None else size
        while not self._ended and (wanted < 0 or len(self._buffer) < wanted):
            chunk = self._queue.get()
            if chunk is _ABORT:
                raise OSError("upload aborted by its source")
            if chunk is _END:
                self._ended = True
            else:
                self._buffer += chunk
        count = len(self._buffer) if wanted < 0 else min(wanted, len(self._buffer))
        out = bytes(self._buffer[:count])
        del self._buffer[:count]
        return out


def _operation_of(call: Callable[[], object]) -> str:
    """The S3 operation a call performs, by the name of the function it wraps (``_stat_sync`` →
    ``stat``, ``copy_object``): a small fixed set, fit for a metric label."""
    func = call.func if isinstance(call, functools.partial) else call
    name = getattr(func, "__name__", "call")
    return name.removeprefix("_").removesuffix("_sync")


def _info(obj: Object, key: str) -> ObjectInfo:
    if obj.size is None or obj.last_modified is None:
        raise ObjectStoreUnavailable(f"对象存储对 {key} 的回答不完整（缺少大小或修改时间）")
    return ObjectInfo(
        key=key,
        size=obj.size,
        etag=(obj.etag or "").strip('"'),
        last_modified=obj.last_modified,
        content_type=obj.content_type,
    )
