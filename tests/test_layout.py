"""The layout's promises that no import contract can check (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_production_path_imports_neither_demo_data_nor_development_servers() -> None:
    # Given a fresh interpreter, when the server's modules are imported as production imports them
    probe = (
        "import sys, web.app, web.cli, web.graphql_http, web.files;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('demo', 'devservers')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    # then neither the demo province nor the embedded servers were loaded
    assert result.stdout.strip() == "[]"


def test_the_wheel_holds_the_product_only() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert sorted(packages) == ["authz", "cms", "schema", "storage", "web"]
