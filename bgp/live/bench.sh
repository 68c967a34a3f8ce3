#!/bin/sh
# Full-table benchmark of the live collector: a BIRD 2 peer on loopback
# exports IXPOBS_BENCH_V4 + IXPOBS_BENCH_V6 static routes (default 800000 +
# 200000) to the embedded GoBGP collector, which feeds bgp.Aggregator.
# IXPOBS_BENCH_PATHS=N (e.g. 100000) gives the routes about N distinct AS
# paths, as in a route server's table, instead of about 700. Prints the
# time to receive and aggregate everything, the peak RSS and the load
# average before, during (every 5 s) and after the run. Needs bird2
# (apt-get install -y bird2). Results: BENCHMARKS.md.
#
#   bgp/live/bench.sh                       # build, then run
#   IXPOBS_BENCH_PATHS=100000 bgp/live/bench.sh
#   BENCH_BIN=/tmp/ixpobs-live.test bgp/live/bench.sh run   # run a built binary
set -eu
cd "$(dirname "$0")/../.."
bin=${BENCH_BIN:-/tmp/ixpobs-live.test}
if [ "${1:-}" != run ]; then
	go test -c -o "$bin" ./bgp/live
fi
[ "${1:-}" = build ] && exit 0
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); paths: ${IXPOBS_BENCH_PATHS:-default (birdtest.Path)}; $(go version)"
echo "load before: $(cat /proc/loadavg)"
(while sleep 5; do echo "load during: $(cat /proc/loadavg)"; done) &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT
cd bgp/live
IXPOBS_BENCH_FULLTABLE=1 /usr/bin/time -v "$bin" \
	-test.run '^TestFullTable$' -test.v -test.timeout 20m 2>&1 |
	grep -E '_test.go:[0-9]+:|--- |Maximum resident|Elapsed|Percent of CPU|User time|System time'
kill $sampler 2>/dev/null || true
echo "load after: $(cat /proc/loadavg)"
