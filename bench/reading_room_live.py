"""A real Gongkai server for the reading-room scripts (measurement and screenshots).

The embedded MongoDB-compatible server and MinIO in a temporary directory (in memory), the application
as its own process (``bench.reading_room_server``: the demo province loaded at start-up) and the Node
scripts that drive Debian's Chromium with playwright-core from admin-ui/node_modules. Everything listens
on loopback and is stopped and removed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devservers.embedded import start_embedded

PASSWORD = "Gongkai-demo-2026"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
# The terminal the scripts open: 昆明市's subtree, as a county or city service hall would configure it.
TERMINAL = "bench-hall"
TERMINALS = {
    TERMINAL: {
        "organization": "km-gov",
        "name": "昆明市政务服务中心查阅点",
        "idle_seconds": 120,
        "portal_url_template": "https://www.km.gov.cn/zwgk/{id}",
    }
}
READY_SECONDS = 600.0  # the demo load takes ~30 s on an idle machine, much longer on a busy one


def require_tools() -> str:
    """Node, Chromium, playwright-core and a fresh build of the terminal, or exit with the reason."""
    node = shutil.which("node")
    problems = []
    if node is None:
        problems.append("node is not installed")
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    if not (ROOT / "admin-ui" / "node_modules" / "playwright-core").is_dir():
        problems.append("admin-ui/node_modules/playwright-core is missing (npm ci in admin-ui)")
    if problems:
        raise SystemExit("; ".join(problems))
    build = subprocess.run([str(ROOT / "reading-room" / "ensure-built.sh"), "--required"], check=False)
    if build.returncode != 0:
        raise SystemExit("building the reading-room terminal failed")
    assert node is not None
    return node


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def live_server() -> Iterator[str]:
    """The base URL of a running server with the demo province; stopped and removed on exit."""
    with tempfile.TemporaryDirectory(prefix="gongkai-reading-room-") as tmp:
        services = start_embedded(Path(tmp) / "embedded", in_memory=True)
        port = _free_port()
        env = {
            **os.environ,
            "GONGKAI_MODE": "demo",
            "GONGKAI_PORT": str(port),
            "GONGKAI_DATA_DIR": tmp,
            "GONGKAI_MONGO_URL": services.mongo_url,
            "GONGKAI_S3_ENDPOINT": services.s3_endpoint,
            "GONGKAI_S3_ACCESS_KEY": services.s3_access_key,
            "GONGKAI_S3_SECRET_KEY": services.s3_secret_key,
            "GONGKAI_DEMO_PASSWORD": PASSWORD,
            "GONGKAI_READING_ROOM_TERMINALS": json.dumps(TERMINALS),
        }
        log = Path(tmp) / "server.log"
        with log.open("w") as err:
            server = subprocess.Popen(
                [sys.executable, "-m", "bench.reading_room_server", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, server)
            yield base
        except BaseException:
            print(log.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(timeout=30)
            services.stop()


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    with httpx.Client(base_url=base, timeout=10, trust_env=False) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if client.get("/readyz").status_code == 200:
                    return
            time.sleep(0.5)
    raise RuntimeError(f"the server was not ready after {READY_SECONDS:.0f} s")


def run_node(node: str, script: Path, base: str, args: dict[str, Any]) -> dict[str, Any]:
    """Runs a Node script that prints one line ``RESULT {json}``; returns that JSON."""
    env = {**os.environ, "E2E_BASE_URL": base, "E2E_CHROMIUM": str(CHROMIUM), "E2E_ARGS": json.dumps(args)}
    done = subprocess.run([node, str(script)], env=env, capture_output=True, text=True, check=False)
    results = [line[len("RESULT ") :] for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not results:
        raise RuntimeError(f"{script.name} failed (exit {done.returncode}):\n{done.stderr}\n{done.stdout}")
    result: dict[str, Any] = json.loads(results[-1])
    return result
