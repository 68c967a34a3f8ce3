#!/bin/sh
# Full-table benchmark of the live collector: a BIRD 2 peer on loopback
# exports IXPOBS_BENCH_V4 + IXPOBS_BENCH_V6 static routes (default 800000 +
# 200000) to the embedded GoBGP collector, which feeds an in-memory sink.
# Prints the time to receive everything and the peak RSS. Needs bird2
# (apt-get install -y bird2). Results: BENCHMARKS.md.
set -eu
cd "$(dirname "$0")/../.."
go test -c -o /tmp/ixpobs-live.test ./bgp/live
IXPOBS_BENCH_FULLTABLE=1 /usr/bin/time -v /tmp/ixpobs-live.test \
	-test.run '^TestFullTable$' -test.v -test.timeout 20m 2>&1 |
	grep -E '_test.go:[0-9]+:|--- |Maximum resident|Elapsed|Percent of CPU'
