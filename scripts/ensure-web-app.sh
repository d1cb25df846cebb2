#!/usr/bin/env bash
# Builds one of the project's Vite web apps into DIR/dist when it is missing or older than its sources.
# Usage: scripts/ensure-web-app.sh DIR "NAME" ROUTE [--required] [-- EXTRA SOURCES…]
#   DIR: the app's folder (admin-ui, reading-room); NAME: how messages call it; ROUTE: where it is served.
#   Without --required a missing npm is a warning (the server then answers ROUTE with 503); with
#   --required (scripts/test) it is an error. EXTRA SOURCES (relative to DIR) also make the build stale.
set -euo pipefail
DIR="$1"; NAME="$2"; ROUTE="$3"; shift 3
REQUIRED=""
if [[ "${1:-}" == "--required" ]]; then REQUIRED="--required"; shift; fi
[[ "${1:-}" == "--" ]] && shift
EXTRA=("$@")
cd "$DIR"
if ! command -v npm >/dev/null 2>&1; then
  if [[ "$REQUIRED" == "--required" ]]; then
    echo "error: npm is not installed; it is needed to build $NAME ($(basename "$DIR")/)" >&2
    exit 1
  fi
  echo "warning: npm is not installed; skipping the build of $NAME ($ROUTE will answer 503)" >&2
  exit 0
fi
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "installing the npm packages of $NAME (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
stale=""
if [[ ! -f dist/index.html ]]; then
  stale="missing"
elif [[ -n "$(find src index.html package.json package-lock.json vite.config.ts tsconfig.json ${EXTRA[@]+"${EXTRA[@]}"} \
          -newer dist/index.html -not -path 'src/generated/*' -print -quit 2>/dev/null)" ]]; then
  stale="outdated"
fi
if [[ -n "$stale" ]]; then
  echo "building $NAME ($stale dist)…" >&2
  npm run build --silent >&2
fi
