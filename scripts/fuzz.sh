#!/usr/bin/env bash
# Runs every native Go fuzz target of ixpobs for a chosen time each.
# Usage: scripts/fuzz.sh [DURATION]   (default 60s; e.g. 10m)
# Crashers are written under each package's testdata/fuzz/ by go test:
# commit them with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-60s}
status=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $target ($duration)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" -fuzzminimizetime 10s "$pkg"; then
			status=1
		fi
	done
done
exit $status
