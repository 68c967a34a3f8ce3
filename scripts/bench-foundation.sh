#!/usr/bin/env bash
# Figures of docs/BENCHMARKS.md for the store, the import and the API.
# Usage: scripts/bench-foundation.sh [OUTDIR]   (needs ../shared/data, wrk,
# PostgreSQL on 127.0.0.1:5432 for the PostgreSQL import)
# BENCH_DB_ONLY=1 only builds OUTDIR/ixpobs and OUTDIR/bench.db (the three
# dumps and the LACNIC files) and stops: scripts/reliability/load.sh uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/ixpobs-bench}
mkdir -p "$out"
data=../shared/data
pdb=$data/peeringdb
echo "== machine: $(nproc) cores, $(uname -r), $(go version | cut -d' ' -f3); load: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${BENCH_DB_ONLY:-0}" != 1 ]; then
echo "== import of the 2022-06-01 dump (144,249 objects): read + publish"
go test -run '^$' -bench 'BenchmarkImportPeeringDB2022' -benchtime 3x -count 1 ./store/sqlite ./store/postgres | grep -E '^Benchmark|^ok'
echo "== comparison: decompressing the same dump (gzip -dc), the floor of any import"
/usr/bin/time -f "gzip -dc: %e s wall, %U s user" sh -c "gzip -dc $pdb/ixgen-2022-06-01/*.json.gz > /dev/null"

fi

echo "== SQLite file with the three full dumps"
go build -o "$out/ixpobs" ./cmd/ixpobs
rm -f "$out/bench.db"*
for d in ixgen-2019-01-19 ixgen-2020-05-05 ixgen-2022-06-01; do
	/usr/bin/time -f "import $d: %e s wall, %M KB peak RSS" "$out/ixpobs" import peeringdb "$pdb/$d" --db "$out/bench.db" --log-level warn >/dev/null
done
"$out/ixpobs" migrate --db "$out/bench.db" >/dev/null # checkpoints the WAL on close
ls -l "$out/bench.db"* | awk '{print "size with the three dumps:", $5, $9}'
for f in "$data"/rir/delegated-lacnic-extended-*.gz; do
	/usr/bin/time -f "import rir $(basename "$f"): %e s wall" "$out/ixpobs" import rir "$f" --db "$out/bench.db" --log-level warn >/dev/null
done
"$out/ixpobs" migrate --db "$out/bench.db" >/dev/null
ls -l "$out/bench.db"* | awk '{print "size with the dumps and the eight LACNIC files:", $5, $9}'
[ "${BENCH_DB_ONLY:-0}" = 1 ] && exit 0


echo "== API latency, sequential, three dumps loaded (Go benchmark over loopback HTTP)"
go test -run '^$' -bench 'BenchmarkAPI' -benchtime 2000x -count 1 ./dashboard | grep -E '^Benchmark|^ok'

echo "== API and pages under load: wrk, 32 connections, 2 threads, 10 s each"
"$out/ixpobs" serve --db "$out/bench.db" --collect=false --listen 127.0.0.1:18080 --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf -o /dev/null 127.0.0.1:18080/readyz && break; sleep 0.2; done
for p in /api/v1/ixps/171 /api/v1/ixps/171/history /api/v1/ixps/171/members "/api/v1/ixps?per_page=1000" \
	/api/v1/networks/15169 "/api/v1/ixps/171/events?from=2019-01-01" /api/v1/countries /api/v1/countries/BR \
	/api/v1/countries/BR/history /api/v1/regions/lac /api/v1/snapshots /api/v1/sources \
	/ /ixps /ixps/171 /networks/15169 /countries/BR /regions/lac /sources "/metrics?region=lac"; do
	curl -sf -o /dev/null "127.0.0.1:18080$p" # warm the caches
	printf '%-40s ' "$p"
	wrk -t2 -c32 -d10s --latency "http://127.0.0.1:18080$p" | awk '/Requests\/sec/{r=$2} /^ +50%/{p50=$2} /^ +99%/{p99=$2} /Non-2xx|Socket errors/{e=e" "$0} END{printf "req/s %s p50 %s p99 %s%s\n", r, p50, p99, (e==""?" errors 0":e)}'
done
echo "== /metrics (full, then ?region=lac): time of one scrape, series"
for q in "" "?region=lac"; do
	curl -s -o "$out/metrics.txt" -w "/metrics$q: %{time_total} s, " "127.0.0.1:18080/metrics$q"
	echo "$(grep -c '^ixpobs_' "$out/metrics.txt") ixpobs_ series"
done
