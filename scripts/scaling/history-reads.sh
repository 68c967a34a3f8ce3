#!/usr/bin/env bash
# Read times on a store with a long history (issue 23 item 3): starts
# `ixpobs serve --collect=false` on DB and times, with curl, the first
# request of each URL after the start (cold) and the median of five more
# (warm), then (when wrk is installed and WRK=1) 10 s of wrk -c32 on each.
# Prints serve's resident memory (ps rss) at the end. SETTLE=N waits N
# seconds after the start before the first request (default 0: the first
# requests then meet the start's warming of the newest date); SETTLE=warmed
# waits until serve logs "views warmed" (the start's warming is done).
#
#   scripts/scaling/history-reads.sh DB [PORT]      e.g. /tmp/ixpobs-history.db
#
# PUBLISH="DIR DATE" then imports the PeeringDB dump DIR as of DATE into
# DB with a second process while serve runs (as a separate `ixpobs import`
# or the writer of a replica's primary would), waits PUBLISH_SETTLE
# seconds (default 15) and times the first request of each of
# $PUBLISH_URLS (default $URLS) after it.
#
# IXPOBS_BIN is the binary (default: scripts/scaling/build.sh's). The store
# is used as it is: copy it first to measure a store without stored
# figures (serve then fills them in the background after its start).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=$1 port=${2:-18181}
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
urls=${URLS:-"/api/v1/countries/BR/history /api/v1/regions/lac/history /countries/BR /metrics /api/v1/countries/BR /api/v1/regions/lac /api/v1/countries?at=2022-03-01"}
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) nproc: $(nproc) db: $db"
"$bin" serve --collect=false --db "$db" --listen "127.0.0.1:$port" --rate-limit 0 --log-level info >/tmp/history-reads-serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.1; done
if [ "${SETTLE:-0}" = warmed ]; then
	# Up to a minute; a warming that fails or finds no data logs no
	# "views warmed", and serve may have exited.
	for _ in $(seq 1200); do
		grep -q 'views warmed' /tmp/history-reads-serve.log && break
		if ! kill -0 $pid 2>/dev/null || grep -q 'msg="warming' /tmp/history-reads-serve.log; then
			echo "history-reads.sh: serve did not finish warming (see /tmp/history-reads-serve.log)" >&2
			exit 1
		fi
		sleep 0.05
	done
	grep -q 'views warmed' /tmp/history-reads-serve.log || { echo "history-reads.sh: no \"views warmed\" after a minute (a store without data logs none)" >&2; exit 1; }
else
	sleep "${SETTLE:-0}"
fi
for u in $urls; do
	cold=$(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}' --max-time 300 "http://127.0.0.1:$port$u" || true)
	warm=$(for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$u"; done | sort -n | sed -n 3p)
	echo "$u cold(status s bytes): $cold warm(median of 5): $warm"
done
if [ -n "${PUBLISH:-}" ]; then
	read -r pdir pdate <<<"$PUBLISH"
	"$bin" import peeringdb "$pdir" --at "$pdate" --db "$db" --log-level warn >/dev/null
	sleep "${PUBLISH_SETTLE:-15}"
	for u in ${PUBLISH_URLS:-$urls}; do
		echo "$u after a publish of $pdate (status s bytes): $(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}' --max-time 300 "http://127.0.0.1:$port$u" || true)"
	done
fi
if [ "${WRK:-0}" = 1 ] && command -v wrk >/dev/null; then
	for u in $urls; do
		echo "## wrk -c32 -d10s --latency $u"
		wrk -c32 -d10s --latency "http://127.0.0.1:$port$u" | grep -E 'Requests/sec|^ +(50|99)%|Non-2xx|Socket errors'
	done
fi
echo "# serve rss: $(ps -o rss= -p $pid) kB ($(grep -E '^Rss(Anon|File)' /proc/$pid/status | tr -s ' \t' ' ' | paste -sd' ')); the mapped store's pages count in RssFile)"
grep -E 'figures stored|views warmed' /tmp/history-reads-serve.log || true
