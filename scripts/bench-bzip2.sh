#!/bin/sh
# bench-bzip2.sh: decoding a .bz2 RIB with compress/bzip2 (what ixpobs used
# before), with internal/zstream (blocks decoded in parallel), with
# bzip2 -dc and with pbzip2 -dc, alternately RUNS times (default 5), and the
# whole `ixpobs import mrt` of the same file; medians of wall seconds.
#
#   scripts/bench-bzip2.sh [ENTRIES | FILE.bz2]   (default 2000000 generated entries)
#
# Needs: go, bzip2, pbzip2, GNU time. The generated RIB comes from
# bgp/mrt/mrtgen (our generator: say so when quoting the figures).
set -eu
RUNS=${RUNS:-5}
TMP=${TMPDIR:-/tmp}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
arg=${1:-2000000}
case $arg in
*.bz2) FILE=$arg ;;
*)
	FILE="$TMP/ixpobs-bzbench-$arg.mrt.bz2"
	[ -s "$FILE" ] || go run ./scripts/mrtgen -entries "$arg" | bzip2 -9 > "$FILE"
	;;
esac
go test -c -o "$TMP/zstream.test" ./internal/zstream
IXPOBS="$TMP/ixpobs-bzbench-bin"
go build -o "$IXPOBS" ./cmd/ixpobs
echo "# $(date -u +%FT%TZ) $(go version) nproc $(nproc) load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $FILE: $(stat -c %s "$FILE") bytes compressed, $(bzip2 -dc "$FILE" | wc -c) bytes"
t() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
for i in $(seq "$RUNS"); do
	echo "bzip2-dc $(t bzip2 -dc "$FILE")"
	echo "pbzip2-dc $(t pbzip2 -dc -p2 "$FILE")"
	echo "stdlib $(IXPOBS_BZ2_BENCH=$FILE t "$TMP/zstream.test" -test.run '^$' -test.bench 'BenchmarkBzip2File/stdlib' -test.benchtime 1x)"
	echo "zstream $(IXPOBS_BZ2_BENCH=$FILE t "$TMP/zstream.test" -test.run '^$' -test.bench 'BenchmarkBzip2File/zstream' -test.benchtime 1x)"
	rm -f "$TMP/ixpobs-bzbench.db"
	echo "import $(t "$IXPOBS" import mrt "$FILE" --collector bench --db "$TMP/ixpobs-bzbench.db" --log-level warn)"
done | awk '{v[$1]=v[$1] " " $2; print} END {for (k in v) {n=split(v[k],a," "); asort(a); printf "median %s %s s (runs:%s)\n", k, a[int((n+1)/2)], v[k]}}'
