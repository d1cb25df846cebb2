"""deploy/Containerfile, checked statically: no podman or docker runs here, so the image itself is
untested at run time. What is checked: the runtime stage runs as a non-root user, both web apps are
built in their own stages and copied into it, the Python packages the server imports are in it, and
its health check asks /livez."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

import pytest

from tests.servers import ROOT

CONTAINERFILE = ROOT / "deploy" / "Containerfile"
SERVER_PACKAGES = {"authz", "cms", "schema", "storage", "web"}  # what `gongkai serve` imports
WEB_APPS = ["admin-ui", "reading-room"]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, arguments)

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


def stages() -> list[Stage]:
    """The build stages, each with its instructions (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text(encoding="utf-8"))
    found: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        instruction, args = instruction.upper(), args.strip()
        if instruction == "FROM":
            base, _, name = args.partition(" AS ")
            found.append(Stage(base.strip(), name.strip() or None))
        else:
            found[-1].instructions.append((instruction, args))
    return found


def runtime() -> Stage:
    return stages()[-1]


def test_the_runtime_stage_runs_as_a_non_root_user():
    users = runtime().all("USER")

    assert users, "no USER in the runtime stage: the server would run as root"
    user, _, group = users[-1].partition(":")
    assert user not in {"0", "root"}
    assert group not in {"0", "root"}
    assert user.isdigit(), "a numeric uid, which runtimes checking runAsNonRoot can verify"
    created = " ".join(runtime().all("RUN"))
    assert f"--uid {user}" in created


@pytest.mark.parametrize("web_app", WEB_APPS)
def test_each_web_app_is_built_in_its_own_stage_and_copied_into_the_runtime(web_app):
    builder = next((s for s in stages() if s.name == web_app), None)

    assert builder is not None, f"no build stage for {web_app}"
    assert "npm ci --no-audit --no-fund --loglevel=error" in builder.all("RUN")
    assert "npm run build" in builder.all("RUN")
    copied = [shlex.split(args) for args in runtime().all("COPY")]
    assert ["--from=" + web_app, f"/src/{web_app}/dist", f"/app/{web_app}/dist"] in copied


def test_the_python_stage_holds_every_package_the_server_imports():
    python = next(s for s in stages() if s.name == "python")
    copied = {shlex.split(args)[0].rstrip("/") for args in python.all("COPY")}

    assert copied >= SERVER_PACKAGES
    assert "uv sync --frozen --no-dev" in python.all("RUN")
    assert "--from=python /app /app" in runtime().all("COPY")


def test_the_health_check_asks_livez_and_the_image_serves():
    (check,) = runtime().all("HEALTHCHECK")
    options, _, command = check.partition("CMD ")
    argv = json.loads(command)

    assert argv[:2] == ["python", "-c"]
    compile(argv[2], "<healthcheck>", "exec")  # the one-liner is valid Python
    assert "/livez" in argv[2]
    assert "GONGKAI_PORT" in argv[2]
    assert "--timeout=" in options
    assert json.loads(runtime().all("ENTRYPOINT")[-1]) == ["python", "-m", "web.cli"]
    assert json.loads(runtime().all("CMD")[-1]) == ["serve"]
