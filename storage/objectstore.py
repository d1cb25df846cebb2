"""The attachment store over the S3 API (minio SDK). The SDK is synchronous: calls run in a thread."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import urllib3
from minio import Minio
from minio.error import MinioException
from urllib3.exceptions import HTTPError


class ObjectStoreUnavailable(RuntimeError):
    """The configured S3 service could not be reached or refused the credentials."""


@dataclass(frozen=True)
class ObjectStoreConfig:
    endpoint: str  # host:port
    access_key: str
    secret_key: str
    bucket: str
    secure: bool = False
    region: str | None = None


class ObjectStore:
    def __init__(self, config: ObjectStoreConfig) -> None:
        self.config = config
        # Short timeouts and few retries: a dead S3 service should fail a request, not hang it.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=3.0, read=30.0),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
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

    async def ensure_bucket(self) -> None:
        try:
            await asyncio.to_thread(self._ensure_bucket_sync)
        except (MinioException, HTTPError, OSError) as exc:
            raise ObjectStoreUnavailable(
                f"无法连接对象存储（{self.config.endpoint}）：{exc.__class__.__name__}"
            ) from exc

    def _ensure_bucket_sync(self) -> None:
        if not self.client.bucket_exists(self.config.bucket):
            self.client.make_bucket(self.config.bucket)
