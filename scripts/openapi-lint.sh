#!/usr/bin/env bash
# Lints dashboard/openapi.json (or the file given) with the redocly CLI
# pinned in scripts/openapi-lint/package-lock.json, installing it there
# with `npm ci` when it is missing. Run by TestOpenAPILint (dashboard) and
# by .ci/run through `go test`. Exits non-zero on any error; the test also
# fails on warnings.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/scripts/openapi-lint
if [ ! -x "$dir/node_modules/.bin/redocly" ]; then
	npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts >&2
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
exec "$dir/node_modules/.bin/redocly" lint --config "$dir/redocly.yaml" --format=stylish "${1:-$root/dashboard/openapi.json}"
