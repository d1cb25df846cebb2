#!/usr/bin/env bash
# Builds the admin web app into admin-ui/dist when it is missing or older than its sources (or the SDL
# its types are generated from). Usage: admin-ui/ensure-built.sh [--required] (see scripts/ensure-web-app.sh)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/../scripts/ensure-web-app.sh" "$HERE" "the admin app" /admin "$@" -- codegen.ts ../schema/schema.graphql
