"""Two real S3 servers for the object store's contract: the session's MinIO (the shared ``embedded``
fixture) and a SeaweedFS started here. Every test that takes ``store`` runs once against each."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devservers.embedded import EmbeddedServices, start_embedded
from devservers.seaweedfs import S3Server, start_seaweedfs
from storage.objectstore import ObjectStore, ObjectStoreConfig

VENDORS = ["minio", "seaweedfs"]


@dataclass(frozen=True)
class S3Target:
    vendor: str
    endpoint: str
    access_key: str
    secret_key: str

    def config(
        self, *, bucket: str | None = None, access_key: str | None = None, secret_key: str | None = None
    ) -> ObjectStoreConfig:
        return ObjectStoreConfig(
            endpoint=self.endpoint,
            access_key=access_key or self.access_key,
            secret_key=secret_key or self.secret_key,
            bucket=bucket or f"contract-{uuid.uuid4().hex[:12]}",
        )


def _minio_target(services: EmbeddedServices) -> S3Target:
    return S3Target("minio", services.s3_endpoint, services.s3_access_key, services.s3_secret_key)


def _seaweedfs_target(server: S3Server) -> S3Target:
    return S3Target("seaweedfs", server.endpoint, server.access_key, server.secret_key)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=VENDORS)
def s3_target(request: pytest.FixtureRequest) -> S3Target:
    if request.param == "minio":
        return _minio_target(request.getfixturevalue("embedded"))
    return _seaweedfs_target(request.getfixturevalue("seaweedfs"))


@pytest.fixture(scope="session")
async def store(s3_target: S3Target) -> ObjectStore:
    """A store on its own bucket of the server under test."""
    objects = ObjectStore(s3_target.config())
    await objects.ensure_bucket()
    return objects


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own, since the tests of one server share its bucket."""
    return f"t-{uuid.uuid4().hex[:10]}/"


@pytest.fixture
def throwaway_server(
    s3_target: S3Target, tmp_path: Path
) -> Iterator[tuple[ObjectStoreConfig, Callable[[], None]]]:
    """A fresh server of the same vendor, for tests that stop it: a config for it, and its stop()."""
    server: EmbeddedServices | S3Server
    if s3_target.vendor == "minio":
        server = start_embedded(tmp_path, in_memory=True)
        target = _minio_target(server)
    else:
        server = start_seaweedfs(tmp_path)
        target = _seaweedfs_target(server)
    try:
        yield target.config(), server.stop
    finally:
        server.stop()
