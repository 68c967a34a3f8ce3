#!/usr/bin/env bash
# Load test: N `ixpobs serve --collect=false` replicas (N in REPLICAS, default
# "1 2 4") against one PostgreSQL database loaded by load-peeringdb.sh, under
# wrk on 127.0.0.1 with the five heaviest API endpoints (mix.lua), DURATION
# seconds per run (default 20). The replicas are load-balanced the way a
# Service would: one wrk per replica, the CONNS connections (default 32)
# split evenly. Prints one line per replica count: requests/s, p50/p99 of
# the slowest replica's wrk, errors, and CPU (cores) of PostgreSQL, of the
# serve replicas, of wrk and of the whole machine (busy cores,
# anyone's load included), from /proc.
#
#   scripts/scaling/load-peeringdb.sh            # once
#   scripts/scaling/loadtest.sh                  # REPLICAS="1 2 4" DURATION=20 CONNS=32
#   WRK_PATH=/api/v1/countries REPLICAS=1 scripts/scaling/loadtest.sh   # one endpoint
set -euo pipefail
cd "$(dirname "$0")"
db=${DB:-ixpobs_scaling}
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || ./build.sh "$bin" >/dev/null
dsn="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
duration=${DURATION:-20}
conns=${CONNS:-32}
base_port=${BASE_PORT:-18100}
tick=$(getconf CLK_TCK)

# cpu_ticks PID... : utime+stime of the processes and their reaped children.
cpu_ticks() {
	local t=0 p
	for p in "$@"; do
		v=$(awk '{print $14+$15+$16+$17}' "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
# busy_ticks: non-idle CPU time of the whole machine (other users' load
# included: it says whether the two cores were saturated).
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
pg_pids() { pgrep -x postgres || pgrep -f 'postgres:' || true; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

printf '%-8s %-6s %10s %9s %9s %7s %8s %8s %8s %8s\n' replicas conns 'req/s' 'p50 ms' 'p99 ms' errors 'pg cpu' 'ixp cpu' 'wrk cpu' 'machine'
for n in ${REPLICAS:-1 2 4}; do
	pids=()
	for i in $(seq 1 "$n"); do
		"$bin" serve --collect=false --listen "127.0.0.1:$((base_port + i))" --db "$dsn" --log-level warn &
		pids+=($!)
	done
	for i in $(seq 1 "$n"); do
		for _ in $(seq 1 50); do
			curl -sf "http://127.0.0.1:$((base_port + i))/readyz" >/dev/null && break
			sleep 0.2
		done
		# warm the caches the way a running replica has them
		for p in '/api/v1/ixps?per_page=1000' /api/v1/ixps/171/members /api/v1/countries /api/v1/ixps/171/history /api/v1/networks/15169; do
			curl -sf -o /dev/null "http://127.0.0.1:$((base_port + i))$p"
		done
	done
	per=$((conns / n))
	busy_before=$(busy_ticks)
	pg_before=$(cpu_ticks $(pg_pids))
	ix_before=$(cpu_ticks "${pids[@]}")
	start=$(date +%s.%N)
	wrks=()
	for i in $(seq 1 "$n"); do
		wrk -t1 -c"$per" -d"${duration}s" --timeout 10s -s mix.lua "http://127.0.0.1:$((base_port + i))" > "/tmp/ixpobs-wrk-$n-$i.out" &
		wrks+=($!)
	done
	# wrk's CPU: sampled just before it exits.
	sleep $((duration - 1))
	wrk_ticks=$(cpu_ticks "${wrks[@]}")
	wait "${wrks[@]}"
	end=$(date +%s.%N)
	busy_after=$(busy_ticks)
	pg_after=$(cpu_ticks $(pg_pids))
	ix_after=$(cpu_ticks "${pids[@]}")
	cat /tmp/ixpobs-wrk-"$n"-*.out | grep '^RESULT' | awk -v n="$n" -v c="$conns" -v wall="$(echo "$end - $start" | bc)" \
		-v pg=$((pg_after - pg_before)) -v ix=$((ix_after - ix_before)) -v wk="$wrk_ticks" -v tick="$tick" -v busy=$((busy_after - busy_before)) '
	{ for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
	  req += v["requests"]; rps += v["requests"] / (v["duration_us"] / 1e6)
	  err += v["connect"] + v["read"] + v["write"] + v["status"] + v["timeout"]
	  if (v["p50_us"] > p50) p50 = v["p50_us"]; if (v["p99_us"] > p99) p99 = v["p99_us"] }
	END { printf "%-8d %-6d %10.0f %9.1f %9.1f %7d %8.2f %8.2f %8.2f %8.2f\n", n, c, rps, p50/1000, p99/1000, err,
	      pg/tick/wall, ix/tick/wall, wk/tick/(wall-1), busy/tick/wall }'
	cleanup
	pids=()
done
