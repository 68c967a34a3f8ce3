#!/bin/sh
# bench-mrt.sh: time the MRT reader + bgp.Aggregator against bgpdump -m and
# gzip -dc on a synthetic TABLE_DUMP_V2 RIB (bgp/mrt/mrtgen), and measure
# peak memory for 1 million distinct prefixes x 24 peers.
#
#   scripts/bench-mrt.sh [ENTRIES]        (default 5000000; files go to $TMPDIR or /tmp)
#
# Needs: go, gzip, bgpdump, /usr/bin/time (GNU time). Results go to stdout;
# copy them into docs/BENCHMARKS-MRT.md.
set -eu
ENTRIES=${1:-5000000}
TMP=${TMPDIR:-/tmp}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GEN="$TMP/ixpobs-mrtbench-$ENTRIES.mrt.gz"
BIG="$TMP/ixpobs-mrtbench-1Mx24.mrt.gz"
BIN="$TMP/ixpobs-mrtbench"

cd "$ROOT"
go build -o "$BIN" ./scripts/mrtbench
[ -s "$GEN" ] || go run ./scripts/mrtgen -entries "$ENTRIES" -seed 1 -gzip -o "$GEN"
echo "== machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3)"
echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== input: $GEN ($(stat -c %s "$GEN") bytes gzip, $ENTRIES entries)"

t() { # label, command...
	label=$1
	shift
	/usr/bin/time -f "$label: wall %e s, user %U s, sys %S s, peak RSS %M KiB" "$@"
}

t "gzip -dc" sh -c "gzip -dc '$GEN' > /dev/null"
t "ixpobs read only" "$BIN" -read-only "$GEN" > "$TMP/ixpobs-read.json"
t "ixpobs read+aggregate+summary" "$BIN" "$GEN" > "$TMP/ixpobs-agg.json"
grep -E '"(entries|parse_seconds|summary_seconds|entries_per_sec|routes|distinct_prefixes|links)"' "$TMP/ixpobs-agg.json"
t "bgpdump -m" sh -c "bgpdump -m '$GEN' > /dev/null 2>&1"
echo "== bgpdump entries: $(bgpdump -m "$GEN" 2>/dev/null | wc -l)"

echo "== memory: 1,000,000 distinct prefixes x 24 peers"
[ -s "$BIG" ] || go run ./scripts/mrtgen -entries 24000000 -prefixes 1000000 -peers 24 -seed 2 -gzip -o "$BIG"
t "ixpobs read+aggregate+summary (1M prefixes)" "$BIN" "$BIG" > "$TMP/ixpobs-big.json"
grep -E '"(entries|parse_seconds|summary_seconds|routes|distinct_prefixes|heap_sys_mib)"' "$TMP/ixpobs-big.json"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
