"""Another `gongkai serve` process for tests, started the way operators start one (tests of the cache
across processes, faults, two nodes behind nginx share it)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def shared_env(embedded: Any, settings: Any, data_dir: Path, port: int) -> dict[str, str]:
    """Settings of a process serving the session's database and object store (no demo data load)."""
    return {
        **os.environ,
        "GONGKAI_MODE": "demo",
        "GONGKAI_DEMO_DATA": "false",
        "GONGKAI_PORT": str(port),
        "GONGKAI_DATA_DIR": str(data_dir),
        "GONGKAI_SECRET_KEY": settings.secret_key.get_secret_value(),
        "GONGKAI_MONGO_URL": embedded.mongo_url,
        "GONGKAI_MONGO_DATABASE": settings.mongo_database,
        "GONGKAI_S3_ENDPOINT": embedded.s3_endpoint,
        "GONGKAI_S3_ACCESS_KEY": embedded.s3_access_key,
        "GONGKAI_S3_SECRET_KEY": embedded.s3_secret_key,
    }


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


def start(env: dict[str, str], data_dir: Path, *, ready_path: str = "/healthz") -> Server:
    """`python -m web.cli serve` with ``env`` (which names the port), once ``ready_path`` answers 200."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{env['GONGKAI_PORT']}", proc, log)
    try:
        wait_until_up(server, ready_path)
    except BaseException:
        stop(proc)
        raise
    return server


def wait_until_up(server: Server, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited: {server.log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.url}{path}", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not start: {server.log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
