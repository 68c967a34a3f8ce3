#!/usr/bin/env bash
# Figures of docs/BENCHMARKS.md for the dashboard's HTTP layer (issue 17):
# transfer sizes per encoding and wrk latency of pages and API answers, warm.
# Usage: scripts/bench-dashboard.sh [OUTDIR]   (needs ../shared/data, wrk, curl)
# Reuses OUTDIR/bench.db when present, else builds it with
# BENCH_DB_ONLY=1 scripts/bench-foundation.sh (three dumps + LACNIC files).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/ixpobs-bench}
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(uname -r), $(go version | cut -d' ' -f3); load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -f "$out/bench.db" ]; then
	BENCH_DB_ONLY=1 scripts/bench-foundation.sh "$out" >/dev/null
fi
go build -o "$out/ixpobs" ./cmd/ixpobs
port=${BENCH_PORT:-18081}
"$out/ixpobs" serve --db "$out/bench.db" --collect=false --listen "127.0.0.1:$port" --rate-limit 0 --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "127.0.0.1:$port/readyz" && break; sleep 0.2; done
base="http://127.0.0.1:$port"
pages=(/ /ixps /ixps/171 "/ixps/171?lang=pt" /countries/BR /regions/lac /sources /networks/15169)
apis=(/api/v1/ixps/171 /api/v1/ixps/171/members /api/v1/countries /api/v1/countries/BR /api/v1/regions/lac /api/v1/sources)
echo "== transfer sizes (bytes): identity, gzip, brotli"
for p in "${pages[@]}" "${apis[@]}" /static/app.js /static/vendor/uplot/uPlot.iife.min.js; do
	printf '%-34s' "$p"
	for enc in identity gzip br; do
		printf ' %9s' "$(curl -s -o /dev/null -H "Accept-Encoding: $enc" -w '%{size_download}' "$base$p")"
	done
	echo
done
echo "== 304 with the ETag of /ixps/171"
etag=$(curl -sI -H 'Accept-Encoding: br' "$base/ixps/171" | awk -F': ' 'tolower($1)=="etag"{print $2}' | tr -d '\r')
curl -s -o /dev/null -H "If-None-Match: $etag" -w "status %{http_code}\n" "$base/ixps/171"
echo "== wrk (rate limit off), 32 connections, 2 threads, ${BENCH_SECONDS:-10} s each, Accept-Encoding: br, gzip (warm)"
for p in "${pages[@]}" "${apis[@]}"; do
	curl -sf -o /dev/null -H 'Accept-Encoding: br, gzip' "$base$p" # warm the caches and the compressed forms
	printf '%-34s ' "$p"
	wrk -t2 -c32 -d"${BENCH_SECONDS:-10}s" --latency -H 'Accept-Encoding: br, gzip' "$base$p" | awk '/Requests\/sec/{r=$2} /^ +50%/{p50=$2} /^ +99%/{p99=$2} /Non-2xx|Socket errors/{e=e" "$0} END{printf "req/s %s p50 %s p99 %s%s\n", r, p50, p99, (e==""?" errors 0":e)}'
done
