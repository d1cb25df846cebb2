#!/usr/bin/env bash
# Builds the reading-room terminal into reading-room/dist when it is missing or older than its sources (or the SDL).
# Usage: reading-room/ensure-built.sh [--required]
#   without --required a missing npm is a warning (the server then answers /reading-room with 503);
#   with --required (scripts/test) it is an error.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQUIRED="${1:-}"
cd "$HERE"
if ! command -v npm >/dev/null 2>&1; then
  if [[ "$REQUIRED" == "--required" ]]; then
    echo "error: npm is not installed; it is needed to build the reading-room terminal (reading-room/)" >&2
    exit 1
  fi
  echo "warning: npm is not installed; skipping the reading-room build (/reading-room will answer 503)" >&2
  exit 0
fi
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "installing the reading-room terminal's npm packages (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
stale=""
if [[ ! -f dist/index.html ]]; then
  stale="missing"
elif [[ -n "$(find src index.html package.json package-lock.json vite.config.ts tsconfig.json \
          -newer dist/index.html -print -quit 2>/dev/null)" ]]; then
  stale="outdated"
fi
if [[ -n "$stale" ]]; then
  echo "building the reading-room terminal ($stale dist)…" >&2
  npm run build --silent >&2
fi
