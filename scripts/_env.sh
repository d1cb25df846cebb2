# Sourced by the scripts: makes sure uv and the project's locked environment exist.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
UV_VERSION="0.13.8"
if command -v uv >/dev/null 2>&1; then
  UV=(uv)
elif python3 -m uv --version >/dev/null 2>&1; then
  UV=(python3 -m uv)
else
  echo "installing uv ${UV_VERSION} (the project's package manager)…" >&2
  python3 -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
  UV=(python3 -m uv)
fi
export UV_PYTHON_DOWNLOADS=never
"${UV[@]}" sync --frozen --extra embedded --quiet
PY="$ROOT/.venv/bin/python"
