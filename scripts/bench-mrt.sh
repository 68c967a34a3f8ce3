#!/bin/sh
# bench-mrt.sh: time the real `ixpobs import mrt` (parse, aggregate, store
# into a fresh SQLite file) against bgpdump -m and gzip -dc on a synthetic
# TABLE_DUMP_V2 RIB (bgp/mrt/mrtgen), in one run; also the decode-only and
# decode+aggregate phases (scripts/mrtbench), and peak memory of the import
# for 1 million distinct prefixes x 24 peers.
#
#   scripts/bench-mrt.sh [ENTRIES]        (default 5000000; files go to $TMPDIR or /tmp)
#
# Set SKIP_BIG=1 to leave out the 24 M-entry memory run.
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
IXPOBS="$TMP/ixpobs-bench-bin"
DB="$TMP/ixpobs-mrtbench.db"

for tool in go gzip bgpdump /usr/bin/time; do
	command -v "$tool" > /dev/null || { echo "bench-mrt.sh: $tool not found (apt-get install bgpdump time)" >&2; exit 1; }
done
cd "$ROOT"
go build -o "$BIN" ./scripts/mrtbench
go build -o "$IXPOBS" ./cmd/ixpobs
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
rm -f "$DB" "$DB-wal" "$DB-shm"
t "ixpobs import mrt (parse, aggregate, store; SQLite)" "$IXPOBS" import mrt --db "$DB" --collector bench --json --log-level warn "$GEN" > "$TMP/ixpobs-import.json"
cat "$TMP/ixpobs-import.json"
echo "== store file: $(stat -c %s "$DB") bytes"
t "bgpdump -m" sh -c "bgpdump -m '$GEN' > /dev/null 2>&1"
echo "== bgpdump entries: $(bgpdump -m "$GEN" 2>/dev/null | wc -l)"

if [ -n "${SKIP_BIG:-}" ]; then
	echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
fi
echo "== memory: 1,000,000 distinct prefixes x 24 peers"
[ -s "$BIG" ] || go run ./scripts/mrtgen -entries 24000000 -prefixes 1000000 -peers 24 -seed 2 -gzip -o "$BIG"
t "ixpobs read+aggregate+summary (1M prefixes)" "$BIN" "$BIG" > "$TMP/ixpobs-big.json"
grep -E '"(entries|parse_seconds|summary_seconds|routes|distinct_prefixes|heap_sys_mib)"' "$TMP/ixpobs-big.json"
rm -f "$DB" "$DB-wal" "$DB-shm"
t "ixpobs import mrt (1M prefixes; SQLite)" "$IXPOBS" import mrt --db "$DB" --collector bench --json --log-level warn "$BIG" > "$TMP/ixpobs-import-big.json"
cat "$TMP/ixpobs-import-big.json"
rm -f "$DB" "$DB-wal" "$DB-shm"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
