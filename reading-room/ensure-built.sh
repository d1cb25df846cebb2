#!/usr/bin/env bash
# Builds the reading-room terminal into reading-room/dist when it is missing or older than its sources.
# Usage: reading-room/ensure-built.sh [--required] (see scripts/ensure-web-app.sh)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# sw/sw.js (the service worker, written into dist by vite.config.ts) is a source too
exec "$HERE/../scripts/ensure-web-app.sh" "$HERE" "the reading-room terminal" /reading-room "$@" -- sw
