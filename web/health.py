"""``/livez`` (the process answers) and ``/readyz`` (it can serve: JSON details, 503 when not).

Readiness checks, each bounded by ``timeout`` and run side by side:

- ``mongodb``: the primary answers ``hello`` as writable, and a write to ``health_checks`` succeeds;
- ``changeStreams``: the followers of role grants and of the public generation are running, and the
  latter heard from the database within ``stream_silence`` seconds
  (``GONGKAI_CHANGE_STREAM_SILENCE_SECONDS``, 10 by default);
- ``objectStore``: the attachment bucket answers;
- ``jobs``: every background job is running and no round of one has run longer than it may.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cms.services import Services
from storage.documents import utcnow
from web.faults import fault_of

HEALTH_COLLECTION = "health_checks"
NODE = f"{socket.gethostname()}:{os.getpid()}"  # one document per process: its last readiness write


@dataclass
class JobWatch:
    """A background job as readiness sees it: its task, and since when its current round runs."""

    name: str
    stuck_after: float  # seconds one round may take
    clock: Callable[[], float] = time.monotonic
    task: asyncio.Task[None] | None = None
    # Where the current task is found, when the runner may be stopped and started again (each start
    # is a new task): readiness must watch the runner's task of now, not the one it first saw.
    current: Callable[[], asyncio.Task[None] | None] | None = None
    running_since: float | None = field(default=None)

    def begin(self) -> None:
        self.running_since = self.clock()

    def end(self) -> None:
        self.running_since = None

    def problem(self) -> str | None:
        task = self.current() if self.current is not None else self.task
        if task is None or task.done():
            return f"{self.name} 未在运行"
        if self.running_since is not None and self.clock() - self.running_since > self.stuck_after:
            return f"{self.name} 已运行 {int(self.clock() - self.running_since)} 秒，超过 {int(self.stuck_after)} 秒"
        return None


class NotReady(Exception):
    """A readiness check failed; the message is for an operator."""


class Readiness:
    def __init__(
        self,
        services: Callable[[], Services],
        jobs: list[JobWatch],
        *,
        timeout: float,
        stream_silence: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.services = services
        self.jobs = jobs
        self.timeout = timeout
        self.stream_silence = stream_silence  # seconds without word from the database's change feed
        self.clock = clock

    async def report(self) -> tuple[bool, dict[str, Any]]:
        checks: dict[str, Callable[[], Awaitable[None]]] = {
            "mongodb": self._mongodb,
            "changeStreams": self._change_streams,
            "objectStore": self._object_store,
            "jobs": self._jobs,
        }
        results = await asyncio.gather(*(self._run(check) for check in checks.values()))
        details = dict(zip(checks, results, strict=True))
        ready = all(result["ok"] for result in results)
        return ready, {"status": "ready" if ready else "unavailable", "checks": details}

    async def _run(self, check: Callable[[], Awaitable[None]]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                await check()
            outcome: dict[str, Any] = {"ok": True}
        except TimeoutError:
            outcome = {"ok": False, "error": f"{self.timeout:g} 秒内没有回答"}
        except NotReady as exc:
            outcome = {"ok": False, "error": str(exc)}
        except Exception as exc:  # any failure of a dependency is an answer here, not a 500
            fault = fault_of(exc)
            outcome = {"ok": False, "error": fault.code if fault else exc.__class__.__name__}
        outcome["ms"] = round((time.perf_counter() - started) * 1000, 1)
        return outcome

    async def _mongodb(self) -> None:
        svc = self.services()
        hello = await svc.client.admin.command("hello")
        if not hello.get("isWritablePrimary"):
            raise NotReady("没有可写的主节点")
        await svc.db[HEALTH_COLLECTION].update_one({"_id": NODE}, {"$set": {"at": utcnow()}}, upsert=True)

    async def _change_streams(self) -> None:
        svc = self.services()
        if not svc.access.watching:
            raise NotReady("授权变更的监听未在运行")
        changes = svc.public_changes
        if not changes.watching:
            raise NotReady("公开内容变更的监听未在运行")
        heard = changes.last_heard
        if heard is None or self.clock() - heard > self.stream_silence:
            raise NotReady(f"{self.stream_silence:g} 秒内没有收到数据库的变更流回应")

    async def _object_store(self) -> None:
        await self.services().objects.ping()

    async def _jobs(self) -> None:
        problems = [problem for job in self.jobs if (problem := job.problem()) is not None]
        if problems:
            raise NotReady("；".join(problems))


async def livez(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


def readyz_endpoint(readiness: Readiness) -> Callable[[Request], Awaitable[Response]]:
    async def readyz(request: Request) -> Response:
        ready, body = await readiness.report()
        return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})

    return readyz
