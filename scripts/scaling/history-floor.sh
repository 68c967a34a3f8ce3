#!/usr/bin/env bash
# The transport's floor for large answers under load: for each URL, serves
# the same body from `ixpobs serve` (its answer cache) and from
# scripts/floorserve (the body in memory, written by bare net/http), and
# runs wrk -c32 -d10s against each, alternated ROUNDS times (default 3).
# When ixpobs's p99 is near floorserve's, what remains is the cost of
# moving the bytes on this machine (wrk shares its cores), not ixpobs.
#
#   scripts/scaling/history-floor.sh DB [PORT]
#
# URLS defaults to the two largest history answers. Each is asked
# uncompressed, as wrk does by default. IXPOBS_BIN as history-reads.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=$1 port=${2:-18181} fport=$((${2:-18181} + 1))
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
command -v wrk >/dev/null || { echo "history-floor.sh: wrk is not installed" >&2; exit 1; }
urls=${URLS:-"/api/v1/countries/BR/history /api/v1/ixps/171/history"}
work=$(mktemp -d)
floor=$work/floorserve
go build -o "$floor" ./scripts/floorserve
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) nproc: $(nproc) db: $db"
"$bin" serve --collect=false --db "$db" --listen "127.0.0.1:$port" --rate-limit 0 --log-level warn >"$work/serve.log" 2>&1 &
pid=$!
fpid=
trap 'kill $pid $fpid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.1; done
p99() { wrk -c32 -d10s --latency "$1" | awk '/^ +99%/ {p=$2} /Requests\/sec/ {r=$2} END {print "p99 " p " req/s " r}'; }
for u in $urls; do
	curl -sf -o "$work/body" "http://127.0.0.1:$port$u"
	ctype=$(curl -sf -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port$u")
	"$floor" -listen "127.0.0.1:$fport" -type "$ctype" "$work/body" &
	fpid=$!
	until curl -s -o /dev/null "http://127.0.0.1:$fport/"; do sleep 0.1; done
	echo "## $u ($(stat -c %s "$work/body") bytes, wrk -c32 -d10s, uncompressed)"
	for i in $(seq "${ROUNDS:-3}"); do
		echo "ixpobs     $(p99 "http://127.0.0.1:$port$u")"
		echo "floorserve $(p99 "http://127.0.0.1:$fport/")"
	done
	kill $fpid
	wait $fpid 2>/dev/null || true
	fpid=
done
