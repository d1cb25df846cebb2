"""Child processes of the development servers: free ports, start, readiness, logs, stop."""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
BIND_ATTEMPTS = 3
STOP_TIMEOUT = 5.0
STARTUP_TIMEOUT = 30.0
SUPERVISE_INTERVAL = 0.5
POLL_INTERVAL = 0.05
LOG_TAIL_LINES = 20
PORT_IN_USE_MARKERS = ("address already in use", "port is already in use")


class EmbeddedError(RuntimeError):
    """The embedded services could not be installed or started; the message is meant for a person."""


# --------------------------------------------------------------------------------------------------
# Installation


def default_cache_dir() -> Path:
    configured = os.environ.get("GONGKAI_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "gongkai"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def last_lines(text: str, count: int = LOG_TAIL_LINES) -> str:
    lines = text.strip().splitlines()[-count:]
    return "\n".join(f"    {line}" for line in lines) or "    (no output)"


@dataclass(eq=False)
class Service:
    """One server process; relaunched on a fresh port if another program took the port first."""

    name: str
    command: Callable[[int], list[str]]
    probe: Callable[[int], bool]
    env: dict[str, str]
    log_path: Path
    cwd: Path
    port_in_use_markers: tuple[str, ...] = PORT_IN_USE_MARKERS
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _log_offset: int = 0

    def launch(self, port: int | None = None) -> None:
        """Start the process, on ``port`` (a restart keeps its address) or a fresh free one."""
        self.port = port or free_port()
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
        for attempt in range(1, BIND_ATTEMPTS + 1):
            if self._wait_once(deadline):
                return
            if attempt == BIND_ATTEMPTS or not self._lost_port_race():
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
            time.sleep(POLL_INTERVAL)

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
        return f"Last lines of {self.log_path}:\n{last_lines(self._read_log())}"

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


class Handle:
    """Owns the started processes and temp dirs; stop() is idempotent and safe from atexit."""

    def __init__(self) -> None:
        self.services: list[Service] = []
        self.temp_dirs: list[Path] = []
        # Run after the processes have exited, e.g. to remove files a server leaves outside its data dir.
        self.cleanups: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._stopped = False
        # A forked child inherits this object; only the process that started the servers may stop them.
        self._owner_pid = os.getpid()
        self.supervisor: Supervisor | None = None
        atexit.register(self.stop)

    def supervise(self, *, interval: float = SUPERVISE_INTERVAL) -> Supervisor:
        """Restart any of the services that dies, on its own port, until stop()."""
        if self.supervisor is None:
            self.supervisor = Supervisor(self.services, interval=interval)
            self.supervisor.start()
        return self.supervisor

    def stop(self) -> None:
        if os.getpid() != self._owner_pid:
            return
        # Non-blocking: a stop() re-entered from a signal handler, or racing in another thread, must not
        # deadlock; the caller already stopping finishes the job.
        if not self._lock.acquire(blocking=False):
            return
        try:
            if not self._stopped:
                if self.supervisor is not None:
                    self.supervisor.stop()  # first: a server we stop must not be restarted
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
        deadline = time.monotonic() + STOP_TIMEOUT
        for service in self.services:
            if not service.wait_until(deadline):
                service.signal_group(signal.SIGKILL)
                service.wait_until(time.monotonic() + STOP_TIMEOUT)

    def _run_cleanups(self) -> None:
        for cleanup in self.cleanups:
            with contextlib.suppress(OSError):
                cleanup()

    def _remove_temp_dirs(self) -> None:
        for path in self.temp_dirs:
            shutil.rmtree(path, ignore_errors=True)


class Supervisor:
    """A thread that restarts a dead service on the port it had, so the URLs handed out stay valid.

    A server that dies again at once is retried after a growing pause (up to a minute); a frozen one
    (SIGSTOP) is alive as far as anybody can tell, and is left alone."""

    def __init__(self, services: list[Service], *, interval: float = SUPERVISE_INTERVAL) -> None:
        self.services = services
        self.interval = interval
        self.restarts: dict[str, int] = {}
        self._not_before: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="devservers-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=STARTUP_TIMEOUT + STOP_TIMEOUT)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            for service in self.services:
                if self._stopping.is_set():
                    return
                if service.process is not None and service.process.poll() is not None:
                    self._restart(service)

    def _restart(self, service: Service) -> None:
        if time.monotonic() < self._not_before.get(service.name, 0.0):
            return
        self.restarts[service.name] = self.restarts.get(service.name, 0) + 1
        print(
            f"{service.name} exited (code {service._returncode()}); restarting it on port {service.port}",
            file=sys.stderr,
            flush=True,
        )
        service.launch(service.port)
        try:
            ready = service._wait_once(time.monotonic() + STARTUP_TIMEOUT)
        except EmbeddedError:
            ready = False
        # A server that cannot come back (its port taken meanwhile, its data broken) is retried after
        # a pause that doubles each time, instead of being relaunched twice a second.
        failures = 0 if ready else self._failures.get(service.name, 0) + 1
        self._failures[service.name] = failures
        self._not_before[service.name] = time.monotonic() + min(60.0, self.interval * 2**failures)


def start_all(handle: Handle, services: list[Service], deadline: float) -> None:
    # Launch everything before waiting: SecantusDB's ~1.7 s of imports then hide MinIO's startup.
    for service in services:
        handle.services.append(service)
        service.launch()
    for service in services:
        service.wait_ready(deadline)


def child_env(drop_prefix: str | tuple[str, ...]) -> dict[str, str]:
    # Inherited settings for the same program (e.g. MINIO_VOLUMES) would silently change its behaviour.
    return {key: value for key, value in os.environ.items() if not key.startswith(drop_prefix)}


def generate_credentials() -> tuple[str, str]:
    return f"gongkai-{secrets.token_hex(6)}", secrets.token_hex(20)
