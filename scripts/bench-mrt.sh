#!/bin/sh
# bench-mrt.sh: time the real `ixpobs import mrt` (parse, summarize, store
# into a fresh SQLite file) against `gzip -dc` and `bgpdump -m` on a
# synthetic TABLE_DUMP_V2 RIB (bgp/mrt/mrtgen), in one run; also the
# decode-only, one-pass summary (bgp.RIB) and Aggregator phases
# (scripts/mrtbench), and peak memory for 1 million distinct prefixes x 24
# peers.
#
#   scripts/bench-mrt.sh [ENTRIES]        (default 5000000; files go to $TMPDIR or /tmp)
#
# The machine these figures come from is a shared virtual machine whose
# speed drifts by 20-30% from one minute to the next, so `gzip -dc` and the
# import run alternately RUNS times (default 5) and both medians are given.
# Set SKIP_BIG=1 to leave out the 24 M-entry memory runs, ONLY_IMPORT=1 to
# run only the alternated gzip -dc / import runs.
#
# DIVERSE=1 uses the diverse table instead of the default one: the
# generator flags (MRTGEN_FLAGS) that give about 2.0 M distinct AS links
# and (peer, path) pairs at 0.30 of the entries, the ratio measured on the
# real route-views2 excerpt (docs/BENCHMARKS-MRT.md, "How diverse").
# MRTGEN_FLAGS can also be set directly.
#
# Needs: go, gzip, bgpdump, /usr/bin/time (GNU time). Results go to stdout;
# copy them into docs/BENCHMARKS-MRT.md.
set -eu
ENTRIES=${1:-5000000}
RUNS=${RUNS:-5}
TMP=${TMPDIR:-/tmp}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${DIVERSE:-}" ]; then
	MRTGEN_FLAGS=${MRTGEN_FLAGS:--transits 4000 -variants 8 -variant-share 0.6 -origins 60000}
fi
MRTGEN_FLAGS=${MRTGEN_FLAGS:-}
TAG=$(printf '%s' "$MRTGEN_FLAGS" | tr -c 'a-z0-9.' '_')
GEN="$TMP/ixpobs-mrtbench-$ENTRIES$TAG.mrt.gz"
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
# shellcheck disable=SC2086 # MRTGEN_FLAGS are words
[ -s "$GEN" ] || go run ./scripts/mrtgen -entries "$ENTRIES" -seed 1 -gzip $MRTGEN_FLAGS -o "$GEN"
echo "== machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3)"
echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== input: $GEN ($(stat -c %s "$GEN") bytes gzip, $ENTRIES entries, mrtgen -seed 1 $MRTGEN_FLAGS)"

t() { # label, command...
	label=$1
	shift
	/usr/bin/time -f "$label: wall %e s, user %U s, sys %S s, peak RSS %M KiB" "$@"
}

echo "== $RUNS x (gzip -dc; ixpobs import mrt into a new SQLite file), alternately"
: > "$TMP/ixpobs-bench-times"
for i in $(seq 1 "$RUNS"); do
	/usr/bin/time -f "gzip -dc: wall %e s, user %U s, sys %S s, peak RSS %M KiB, load $(cut -d' ' -f1 /proc/loadavg)" -a -o "$TMP/ixpobs-bench-times" sh -c "gzip -dc '$GEN' > /dev/null"
	rm -f "$DB" "$DB-wal" "$DB-shm"
	/usr/bin/time -f "import mrt: wall %e s, user %U s, sys %S s, peak RSS %M KiB, load $(cut -d' ' -f1 /proc/loadavg)" -a -o "$TMP/ixpobs-bench-times" \
		"$IXPOBS" import mrt --db "$DB" --collector bench --json --log-level warn "$GEN" > "$TMP/ixpobs-import.json"
	tail -2 "$TMP/ixpobs-bench-times"
	grep -o '"passes".*' "$TMP/ixpobs-import.json"
done
# Wall and CPU (user + sys) medians: on a loaded machine the wall times
# say little, the CPU times still compare.
awk '{ for (i = 1; i <= NF; i++) { if ($i == "wall") w = $(i + 1); if ($i == "user") u = $(i + 1); if ($i == "sys") c = $(i + 1) } }
	/^gzip/ { g[++ng] = w; gc[ng] = u + c } /^import/ { m[++nm] = w; mc[nm] = u + c }
	function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	END { mg = med(g, ng); mm = med(m, nm); printf "== medians, wall: gzip -dc %.2f s, import mrt %.2f s: import / gzip = %.2f\n", mg, mm, mm / mg
		mg = med(gc, ng); mm = med(mc, nm); printf "== medians, CPU (user + sys): gzip -dc %.2f s, import mrt %.2f s: import / gzip = %.2f\n", mg, mm, mm / mg }' "$TMP/ixpobs-bench-times"
echo "== store file: $(stat -c %s "$DB") bytes"
if [ -n "${ONLY_IMPORT:-}" ]; then
	echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
fi

t "mrtbench -read-only (decode only)" "$BIN" -read-only "$GEN" > "$TMP/ixpobs-read.json"
t "mrtbench (decode + bgp.RIB summary, as the import)" "$BIN" "$GEN" > "$TMP/ixpobs-sum.json"
grep -E '"(parse_seconds|summary_seconds|entries_per_sec|routes|distinct_prefixes|links)"' "$TMP/ixpobs-sum.json"
t "mrtbench -aggregator (decode + bgp.Aggregator + Summary)" "$BIN" -aggregator "$GEN" > "$TMP/ixpobs-agg.json"
grep -E '"(parse_seconds|summary_seconds|entries_per_sec)"' "$TMP/ixpobs-agg.json"
t "bgpdump -m" sh -c "bgpdump -m '$GEN' > /dev/null 2>&1"
echo "== bgpdump entries: $(bgpdump -m "$GEN" 2>/dev/null | wc -l)"

if [ -n "${SKIP_BIG:-}" ]; then
	echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
fi
echo "== memory: 1,000,000 distinct prefixes x 24 peers"
[ -s "$BIG" ] || go run ./scripts/mrtgen -entries 24000000 -prefixes 1000000 -peers 24 -seed 2 -gzip -o "$BIG"
rm -f "$DB" "$DB-wal" "$DB-shm"
t "ixpobs import mrt (1M prefixes; SQLite)" "$IXPOBS" import mrt --db "$DB" --collector bench --json --log-level warn "$BIG" > "$TMP/ixpobs-import-big.json"
cat "$TMP/ixpobs-import-big.json"
t "mrtbench -aggregator (1M prefixes)" "$BIN" -aggregator "$BIG" > "$TMP/ixpobs-big.json"
grep -E '"(parse_seconds|summary_seconds|routes|distinct_prefixes|heap_sys_mib)"' "$TMP/ixpobs-big.json"
rm -f "$DB" "$DB-wal" "$DB-shm"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
