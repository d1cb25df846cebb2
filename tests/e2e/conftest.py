"""Browser tests of the admin web app: the real server (the session's app — create_app with embedded
SecantusDB and MinIO and the demo data — served over HTTP by uvicorn on the session's event loop) driven
in Debian's Chromium by playwright-core, one Node script per scenario (tests/e2e/scenarios/*.mjs).

Missing tools are failures, never skips: without Chromium, Node or the built app these tests fail loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
SCENARIO_TIMEOUT = 150.0
# Scenarios mostly wait (on the server, on Chromium): two at a time take about half the wall time of one
# at a time on two cores, and they touch disjoint data (each makes its own items, users, organizations).
SCENARIO_CONCURRENCY = 2


@pytest.fixture(scope="session")
def browser_tools() -> str:
    """Node, Chromium and the built admin app (built here when missing or stale); fails when absent."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the browser tests need Node.js (see scripts/test)", pytrace=False)
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`; scripts/test does it)",
            pytrace=False,
        )
    build = subprocess.run(
        [str(ROOT / "admin-ui" / "ensure-built.sh"), "--required"],
        capture_output=True,
        text=True,
        check=False,
    )
    if build.returncode != 0:
        pytest.fail(f"building the admin app failed:\n{build.stdout}\n{build.stderr}", pytrace=False)
    if not (ROOT / "admin-ui" / "node_modules" / "playwright-core").is_dir():
        pytest.fail("admin-ui/node_modules/playwright-core is missing (npm ci in admin-ui)", pytrace=False)
    SCREENSHOTS.mkdir(exist_ok=True)
    return node


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
async def live_url(app: Starlette) -> AsyncIterator[str]:
    """The session's app (demo data loaded) served over real HTTP, on the event loop it lives on."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    if not server.started:
        task.cancel()
        pytest.fail("the e2e HTTP server did not start", pytrace=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)


class Scenarios:
    """Runs tests/e2e/scenarios/<name>.mjs in Chromium, a few at a time. `start` begins scenarios early so
    that they overlap; awaiting one returns its RESULT or fails the test with its output."""

    def __init__(self, node: str, env: dict[str, str]) -> None:
        self.node = node
        self.env = env
        self.slots = asyncio.Semaphore(SCENARIO_CONCURRENCY)
        self.started: dict[str, asyncio.Task[tuple[int | None, str, str]]] = {}

    def start(self, *names: str, **args: Any) -> None:
        for name in names:
            if name not in self.started:
                self.started[name] = asyncio.ensure_future(self._execute(name, args))

    async def __call__(self, name: str, **args: Any) -> dict[str, Any]:
        self.start(name, **args)
        code, stdout, stderr = await self.started[name]
        if code is None:
            pytest.fail(f"scenario {name} took longer than {SCENARIO_TIMEOUT:.0f} s", pytrace=False)
        results = [line[len("RESULT ") :] for line in stdout.splitlines() if line.startswith("RESULT ")]
        if code != 0 or not results:
            pytest.fail(f"scenario {name} failed (exit {code}):\n{stderr}\n{stdout}", pytrace=False)
        result: dict[str, Any] = json.loads(results[-1])
        return result

    async def _execute(self, name: str, args: dict[str, Any]) -> tuple[int | None, str, str]:
        async with self.slots:
            process = await asyncio.create_subprocess_exec(
                self.node,
                str(HERE / "run.mjs"),
                name,
                env={**self.env, "E2E_ARGS": json.dumps(args)},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                out, err = await asyncio.wait_for(process.communicate(), timeout=SCENARIO_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()
                return None, "", ""
            return process.returncode, out.decode(), err.decode()


@pytest.fixture(scope="session")
def scenario(browser_tools: str, live_url: str, settings: Any) -> Scenarios:
    env = {
        **os.environ,
        "E2E_BASE_URL": live_url,
        "E2E_SCREENSHOTS": str(SCREENSHOTS),
        "E2E_PASSWORD": settings.demo_password.get_secret_value(),
        "E2E_CHROMIUM": str(CHROMIUM),
    }
    return Scenarios(browser_tools, env)
