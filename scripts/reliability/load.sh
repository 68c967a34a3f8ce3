#!/usr/bin/env bash
# Figures of the "HTTP surface" and "Load" sections of docs/RELIABILITY.md.
# Usage: scripts/reliability/load.sh [OUTDIR]   (needs ../shared/data and wrk)
#
# 1. builds OUTDIR/bench.db as scripts/bench-foundation.sh does (three full
#    PeeringDB dumps and the LACNIC files), unless it exists;
# 2. starts `ixpobs serve` on it and measures the first (uncached) request
#    of every candidate endpoint; the five slowest are the heaviest;
# 3. wrk 60 s × 64 connections over those five (rotating), limiter off:
#    errors, latency, RSS sampled every 5 s;
# 4. wrk 10 s × 64 connections with the default limiter (20 r/s, burst 40
#    per address): 429s, never a 5xx;
# 5. TestSlowHeaders against the running server (1,000 slow-header
#    connections, ReadHeaderTimeout 5 s, a normal client measuring p99).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/ixpobs-rel}
mkdir -p "$out"
echo "== machine: $(nproc) cores, $(go version | cut -d' ' -f3), ulimit -n $(ulimit -n); load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -s "$out/bench.db" ]; then
	BENCH_DB_ONLY=1 scripts/bench-foundation.sh "$out"
fi
go build -o "$out/ixpobs" ./cmd/ixpobs
addr=127.0.0.1:18181
pid=
start() { # start [serve flags…]
	"$out/ixpobs" serve --db "$out/bench.db" --collect=false --listen $addr --log-level warn "$@" &
	pid=$!
	for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$addr/readyz" && return; sleep 0.2; done
	echo "serve did not start" >&2
	exit 1
}
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; pid=; }
trap stop EXIT
rss() { awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$pid/status"; }
fivexx() { curl -s "http://$addr/metrics" | awk '/^ixpobs_http_requests_total.*code="5/{n+=$2} END{print n+0}'; }

echo "== first (uncached) request of each candidate, fresh server"
start --rate-limit 0
: > "$out/uncached.txt"
for p in /api/v1/ixps/171 /api/v1/ixps/171/history /api/v1/ixps/171/members "/api/v1/ixps?per_page=1000" \
	/api/v1/networks/15169 "/api/v1/ixps/171/events?from=2019-01-01" /api/v1/ixps/171/sources /api/v1/countries \
	/api/v1/countries/BR /api/v1/countries/BR/history /api/v1/regions/lac /api/v1/regions /api/v1/snapshots /api/v1/sources \
	/ /ixps /ixps/171 /networks/15169 /countries/BR /regions/lac /sources /metrics "/metrics?region=lac" \
	/feeds/ixps/171.atom /feeds/countries/BR.atom; do
	curl -s -o /dev/null -w "%{time_total} %{http_code} $p\n" "http://$addr$p" >> "$out/uncached.txt"
done
sort -rn "$out/uncached.txt" | awk '{printf "  %8.1f ms  %s  %s\n", $1*1000, $2, $3}'
heavy=$(sort -rn "$out/uncached.txt" | head -5 | awk '{print $3}' | tr '\n' ' ')
echo "heaviest five: $heavy"
stop

echo "== wrk -t2 -c64 -d60s over the five, rotating; limiter off (--rate-limit 0)"
start --rate-limit 0
for p in $heavy; do curl -sf -o /dev/null "http://$addr$p"; done # warm the caches
echo "RSS after warm-up: $(rss) MiB"
( while sleep 5; do echo "$(rss)"; done ) > "$out/rss.txt" 2>/dev/null &
sampler=$!
WRK_PATHS="$heavy" wrk -t2 -c64 -d60s --latency -s scripts/reliability/rotate.lua "http://$addr" | tee "$out/wrk.txt"
kill $sampler
echo "RSS every 5 s during the run (MiB): $(tr '\n' ' ' < "$out/rss.txt")"
echo "RSS after the run: $(rss) MiB; 5xx counted by the server: $(fivexx)"
stop

echo "== wrk -t2 -c64 -d10s, same five, default limiter (20 r/s, burst 40 per address)"
start
WRK_PATHS="$heavy" wrk -t2 -c64 -d10s -s scripts/reliability/rotate.lua "http://$addr" | grep -E 'requests in|Requests/sec|Non-2xx|Socket'
sleep 3 # the scrape comes from the same address: let its bucket refill
curl -s "http://$addr/metrics" | grep -E '^ixpobs_http_refused_requests_total' || echo "no ixpobs_http_refused_requests_total in /metrics"
echo "5xx counted by the server: $(fivexx)"
stop

echo "== 1,000 slow-header connections against serve (ReadHeaderTimeout 5 s), limiter off for the normal client"
start --rate-limit 0 --read-header-timeout 5s
IXPOBS_SLOWHEADER_ADDR=$addr IXPOBS_SLOWHEADER_TIMEOUT=5s IXPOBS_SLOWHEADER_PATHS="/healthz,$(echo $heavy | tr ' ' ',')" \
	go test -count 1 -run TestSlowHeaders -v ./dashboard | grep -E 'slowheader_test|^(ok|FAIL|---)'
echo "RSS after: $(rss) MiB"
stop
