#!/usr/bin/env bash
# Builds the ixpobs binary used by the scaling scripts from the committed
# tree (git archive HEAD), so that uncommitted work of others in the working
# tree cannot break or skew the measurement. Prints the binary's path.
#
#   scripts/scaling/build.sh [OUT]      (default /tmp/ixpobs-scaling)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/ixpobs-scaling}
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
git archive HEAD | tar -x -C "$src"
# The committed go.sum may lag go.mod while others add modules: take the
# working tree's module files (a superset).
cp go.mod go.sum "$src"/
(cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$out" ./cmd/ixpobs)
echo "$out"
