#!/usr/bin/env bash
# Copies GraphiQL's browser files from the pinned npm packages (graphiql/package-lock.json) into
# graphiql/dist/<package>@<version>/<path>, where the server serves them at /graphiql-assets: GraphiQL
# then works on an intranet without a public CDN. The files are exactly those strawberry's GraphiQL page
# names (their integrity hashes are checked by the browser and by tests/test_graphiql_offline.py).
# Usage: graphiql/ensure-built.sh [--required]  (without npm: a warning, or with --required an error)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQUIRED="${1:-}"
cd "$HERE"
FILES=(
  "react@18.2.0/umd/react.production.min.js"
  "react-dom@18.2.0/umd/react-dom.production.min.js"
  "js-cookie@3.0.5/dist/js.cookie.min.js"
  "graphiql@3.8.3/graphiql.min.css"
  "graphiql@3.8.3/graphiql.min.js"
  "@graphiql/plugin-explorer@1.0.2/dist/style.css"
  "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js"
)
if ! command -v npm >/dev/null 2>&1; then
  if [[ "$REQUIRED" == "--required" ]]; then
    echo "error: npm is not installed; it is needed for GraphiQL's files (graphiql/)" >&2
    exit 1
  fi
  echo "warning: npm is not installed; GraphiQL will answer 503 until graphiql/ensure-built.sh runs" >&2
  exit 0
fi
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "installing GraphiQL's npm packages (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
for file in "${FILES[@]}"; do
  spec="${file%%/*}"; rest="${file#*/}"
  if [[ "$spec" == @* ]]; then spec="$spec/${rest%%/*}"; rest="${rest#*/}"; fi
  package="${spec%@*}"; version="${spec##*@}"
  installed="$(node -p "require('./node_modules/$package/package.json').version")"
  if [[ "$installed" != "$version" ]]; then
    echo "error: graphiql/node_modules has $package $installed, the page needs $version" >&2
    exit 1
  fi
  target="dist/$spec/$rest"
  if [[ ! -f "$target" ]] || [[ "node_modules/$package/$rest" -nt "$target" ]]; then
    mkdir -p "$(dirname "$target")"
    cp "node_modules/$package/$rest" "$target"
  fi
done
