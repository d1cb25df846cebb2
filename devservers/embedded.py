"""Local real services for development, tests and the demo: SecantusDB (MongoDB wire protocol) and MinIO.

``start_embedded`` installs MinIO if needed, starts both servers as child processes on free ports under
one data directory, waits until they answer, and returns their addresses. ``stop()`` ends exactly the
processes it started. Production never uses this module; it talks to a real MongoDB replica set and S3.

``start_seaweedfs`` starts a second, independent S3 server (SeaweedFS, from the ``embedded`` extra) the
same way, so the object store can be checked against two vendors.

Manual use::

    python -m devservers.embedded install          # download and verify the MinIO binary
    python -m devservers.embedded run DATA_DIR     # start both, print the URLs, stop on Ctrl-C
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pymongo
import pymongo.errors

from devservers.minio_install import MINIO_RELEASE, ensure_minio_binary
from devservers.process import (
    HOST,
    EmbeddedError,
    Handle,
    Service,
    child_env,
    generate_credentials,
    start_all,
)

__all__ = ["MINIO_RELEASE", "EmbeddedError", "EmbeddedServices", "ensure_minio_binary", "start_embedded"]

_REPLICA_SET = "secantus"  # secantusd-py advertises itself as the primary of this one-node replica set


def secantus_executable() -> Path:
    # The console script is installed next to the interpreter of the venv that has secantusdb.
    path = Path(sys.executable).parent / "secantusd-py"
    if not path.is_file():
        raise EmbeddedError(
            f"SecantusDB is not installed ({path} is missing). Install it with `uv sync --extra embedded`."
        )
    return path


# --------------------------------------------------------------------------------------------------
# Public entry point


@dataclass(frozen=True)
class EmbeddedServices:
    mongo_url: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str = field(repr=False)
    data_dir: Path
    # None for services somebody else runs: stop() is then a no-op.
    _handle: Handle | None = field(default=None, repr=False, compare=False)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.stop()


def start_embedded(
    data_dir: Path,
    *,
    in_memory: bool = False,
    s3_access_key: str | None = None,
    s3_secret_key: str | None = None,
    timeout: float = 30.0,
    db_cache: str | None = None,
    supervise: bool = False,
) -> EmbeddedServices:
    """Start SecantusDB and MinIO under ``data_dir`` and wait until both answer.

    ``timeout`` covers startup only, not a first-time MinIO download. With ``in_memory`` no data
    outlives ``stop()``; logs and the small config files stay. ``db_cache`` is SecantusDB's
    WiredTiger cache (e.g. ``"8G"``; its default is 1 GB): in memory, every document and index entry
    must fit in it, or writes fail with an internal error (measured: a 100,000-entry bench dataset
    does not fit in 1 GB). With ``supervise`` a server that dies is restarted on its port.
    """
    secantusd = secantus_executable()
    minio = ensure_minio_binary()
    data_dir = data_dir.expanduser().resolve()
    try:
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)
        access_key, secret_key = _credentials(data_dir, in_memory, s3_access_key, s3_secret_key)
    except OSError as exc:
        raise EmbeddedError(f"Could not prepare the data directory {data_dir}: {exc}") from exc

    handle = Handle()
    try:
        scratch = _scratch_dir(data_dir, handle) if in_memory else None
        mongo = _secantus_service(secantusd, data_dir, scratch, db_cache)
        s3 = _minio_service(minio, data_dir, scratch, access_key, secret_key)
        start_all(handle, [mongo, s3], time.monotonic() + timeout)
        if supervise:
            handle.supervise()
    except OSError as exc:
        handle.stop()
        raise EmbeddedError(f"Could not start the embedded services in {data_dir}: {exc}") from exc
    except BaseException:
        handle.stop()
        raise
    return EmbeddedServices(
        mongo_url=f"mongodb://{HOST}:{mongo.port}/?replicaSet={_REPLICA_SET}",
        s3_endpoint=f"{HOST}:{s3.port}",
        s3_access_key=access_key,
        s3_secret_key=secret_key,
        data_dir=data_dir,
        _handle=handle,
    )


def _scratch_dir(data_dir: Path, handle: Handle) -> Path:
    """A fresh directory for in-memory runs that stop() deletes, even after a SIGKILL."""
    scratch = Path(tempfile.mkdtemp(prefix="in-memory-", dir=data_dir))
    handle.temp_dirs.append(scratch)
    return scratch


def _secantus_service(
    executable: Path, data_dir: Path, scratch: Path | None, cache: str | None = None
) -> Service:
    # An explicit (empty) config file turns off auto-discovery of ~/.secantus/secantusd.toml and friends,
    # which could otherwise switch on auth or TLS behind our back.
    config = data_dir / "secantusd.toml"
    if not config.exists():
        config.write_text(
            "# Intentionally empty: devservers.embedded passes every setting on the command line.\n"
        )
    env = child_env("SECANTUS_")
    if scratch is None:
        storage = str(data_dir / "mongo")
        env["SECANTUS_FORCE_DURABLE"] = "1"  # the test-speed switch would skip the checkpoint on close
    else:
        storage = ":memory:"
        # ":memory:" still makes a WiredTiger home with mkdtemp, which a SecantusDB that crashed (e.g. lost
        # the port race) or was killed leaves in /tmp; keep it inside the scratch dir that stop() deletes.
        (scratch / "tmp").mkdir()
        env["TMPDIR"] = str(scratch / "tmp")

    def command(port: int) -> list[str]:
        return [
            str(executable),
            "--config",
            str(config),
            "--host",
            HOST,
            "--port",
            str(port),
            "--storage-path",
            storage,
            *(["--cache-size", cache] if cache else []),
        ]

    return Service("SecantusDB", command, _mongo_answers, env, data_dir / "logs" / "secantus.log", data_dir)


def _minio_service(
    executable: Path, data_dir: Path, scratch: Path | None, access_key: str, secret_key: str
) -> Service:
    storage = (scratch or data_dir) / "minio"
    storage.mkdir(exist_ok=True)
    env = child_env("MINIO_")
    env.update(
        MINIO_ROOT_USER=access_key, MINIO_ROOT_PASSWORD=secret_key, MINIO_UPDATE="off", MINIO_BROWSER="off"
    )
    # Without --certs-dir MinIO reads (and creates) ~/.minio/certs and turns on TLS if it finds a key there.
    certs = data_dir / "minio-certs"

    def command(port: int) -> list[str]:
        return [
            str(executable),
            "server",
            str(storage),
            "--address",
            f"{HOST}:{port}",
            "--certs-dir",
            str(certs),
            "--quiet",
        ]

    return Service("MinIO", command, _minio_answers, env, data_dir / "logs" / "minio.log", data_dir)


def _mongo_answers(port: int) -> bool:
    # The TCP check first: a refused connection would otherwise cost a whole server-selection timeout.
    try:
        socket.create_connection((HOST, port), timeout=0.2).close()
    except OSError:
        return False
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        f"mongodb://{HOST}:{port}/?replicaSet={_REPLICA_SET}",
        serverSelectionTimeoutMS=500,
        connectTimeoutMS=500,
    )
    try:
        client.admin.command("ping")
    except pymongo.errors.PyMongoError:
        return False
    finally:
        client.close()
    return True


# A proxy from http_proxy must not see (or swallow) requests to our own loopback server.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _minio_answers(port: int) -> bool:
    try:
        with _DIRECT.open(f"http://{HOST}:{port}/minio/health/live", timeout=0.5) as response:
            return bool(response.status == 200)
    except (OSError, http.client.HTTPException):
        return False


# --------------------------------------------------------------------------------------------------
# Credentials


def _credentials(
    data_dir: Path, in_memory: bool, access_key: str | None, secret_key: str | None
) -> tuple[str, str]:
    if access_key is not None or secret_key is not None:
        return _checked_credentials(access_key, secret_key)
    if in_memory:
        return generate_credentials()
    return _persistent_credentials(data_dir / "minio-credentials.json")


def _checked_credentials(access_key: str | None, secret_key: str | None) -> tuple[str, str]:
    if access_key is None or secret_key is None:
        raise EmbeddedError("Give both the S3 access key and the S3 secret key, or neither.")
    if len(access_key) < 3 or len(secret_key) < 8:
        raise EmbeddedError("MinIO needs an access key of 3+ characters and a secret key of 8+ characters.")
    return access_key, secret_key


def _persistent_credentials(path: Path) -> tuple[str, str]:
    # Generated keys must survive restarts: whatever was set up against them (clients, MinIO's own IAM
    # data) expects the same root credentials next time.
    if path.exists():
        return _load_credentials(path)
    access_key, secret_key = generate_credentials()
    payload = json.dumps({"access_key": access_key, "secret_key": secret_key}, indent=2) + "\n"
    fd, tmp_name = tempfile.mkstemp(prefix=".minio-credentials-", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(payload)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return access_key, secret_key


def _load_credentials(path: Path) -> tuple[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        access_key, secret_key = data["access_key"], data["secret_key"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EmbeddedError(f"Could not read the MinIO credentials in {path}: {exc}") from exc
    if not isinstance(access_key, str) or not isinstance(secret_key, str):
        raise EmbeddedError(f"The MinIO credentials in {path} must be strings.")
    return _checked_credentials(access_key, secret_key)


# --------------------------------------------------------------------------------------------------
# Command line


def _run(data_dir: Path, in_memory: bool) -> None:
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    services = start_embedded(data_dir, in_memory=in_memory)
    try:
        print(f"MongoDB URL:   {services.mongo_url}")
        print(f"S3 endpoint:   {services.s3_endpoint}")
        print(f"S3 access key: {services.s3_access_key}")
        print(f"S3 secret key: {services.s3_secret_key}")
        print(f"Data and logs: {services.data_dir}")
        print("Press Ctrl-C to stop.", flush=True)
        stop_requested.wait()
        print("Stopping…", flush=True)
    finally:
        services.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devservers.embedded",
        description="Local SecantusDB and MinIO for development and tests.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install", help="download and verify the MinIO binary, print its path")
    install.add_argument("--cache-dir", type=Path, default=None)
    run = commands.add_parser("run", help="start SecantusDB and MinIO until Ctrl-C")
    run.add_argument("data_dir", type=Path)
    run.add_argument("--in-memory", action="store_true", help="discard all data on exit")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            print(ensure_minio_binary(args.cache_dir))
        else:
            _run(args.data_dir, args.in_memory)
    except EmbeddedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
