#!/usr/bin/env bash
# Runs the native Go fuzz targets of ixpobs for a chosen time each and
# prints, per target, the executions, executions per second, new
# interesting inputs and corpus size.
#
# Usage: scripts/fuzz.sh [-t DURATION] [-p PARALLEL] [-j JOBS] [-m MINIMIZE] [-o LOGDIR] [-l] [TARGET...]
#   -t DURATION  fuzz time per target (go test -fuzztime; default 60s, e.g. 10m)
#   -p PARALLEL  fuzz workers per target (go test -parallel; default 1)
#   -j JOBS      targets fuzzed at the same time (default 1)
#   -m MINIMIZE  time to minimize each new input or crasher (go test
#                -fuzzminimizetime; default 10s); the workers run no new
#                inputs meanwhile, so a long one lowers execs/s
#   -o LOGDIR    directory for one log per target (default: a new /tmp/ixpobs-fuzz.*)
#   -l           list the targets (package:Target) and exit
#   TARGET       FuzzName or package:FuzzName (e.g. ./bgp/live:FuzzUpdate);
#                default: every fuzz target of the module
# Runs under nice -n 10. Every input is also bounded by internal/fuzzlimit
# (1 s, 64 MiB). Crashers are written under each package's testdata/fuzz/
# by go test: commit them with the fix. The exit status is 1 if any target
# failed. The legacy form `scripts/fuzz.sh 10m` still works.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=60s parallel=1 jobs=1 minimize=10s logdir="" list=false
if [[ $# -eq 1 && $1 =~ ^[0-9]+[a-z]+$ ]]; then
	duration=$1
	shift
fi
while getopts "t:p:j:m:o:lh" opt; do
	case $opt in
	t) duration=$OPTARG ;;
	p) parallel=$OPTARG ;;
	j) jobs=$OPTARG ;;
	m) minimize=$OPTARG ;;
	o) logdir=$OPTARG ;;
	l) list=true ;;
	*)
		sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))

# all_targets prints "./dir:Target" for every fuzz target of the module.
all_targets() {
	go list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do
		{ grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null || true; } | sed 's/^func //' | sort -u |
			while read -r target; do
				echo "./${dir#"$PWD"/}:$target"
			done
	done
}

mapfile -t known < <(all_targets)
if $list; then
	printf '%s\n' "${known[@]}"
	exit 0
fi
selected=()
if [[ $# -eq 0 ]]; then
	selected=("${known[@]}")
else
	for want in "$@"; do
		found=false
		for t in "${known[@]}"; do
			if [[ $t == "$want" || ${t##*:} == "$want" ]]; then
				selected+=("$t")
				found=true
			fi
		done
		$found || {
			echo "fuzz.sh: no fuzz target $want (see -l)" >&2
			exit 2
		}
	done
fi
[[ -n $logdir ]] || logdir=$(mktemp -d /tmp/ixpobs-fuzz.XXXXXX)
mkdir -p "$logdir"
echo "fuzzing ${#selected[@]} targets for $duration each, -parallel $parallel, $jobs at a time; logs in $logdir"

# run fuzzes one target and records its exit status next to its log.
run() {
	local pkg=${1%%:*} target=${1##*:}
	local log="$logdir/${pkg//[\/.]/_}_$target.log"
	echo "== $pkg $target start $(date -u +%H:%M:%S)"
	local rc=0
	nice -n 10 go test -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" -parallel "$parallel" \
		-fuzzminimizetime "$minimize" "$pkg" >"$log" 2>&1 || rc=$?
	echo "$rc" >"$log.rc"
	echo "== $pkg $target done $(date -u +%H:%M:%S) exit $rc"
}

# Stopping the script stops the go test runs it started.
trap 'trap - INT TERM; kill -- -$$ 2>/dev/null || kill 0' INT TERM
for t in "${selected[@]}"; do
	while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do
		wait -n || true
	done
	run "$t" &
done
wait

# Summary from the last status line of each log:
# "fuzz: elapsed: 10m0s, execs: 123 (45/sec), new interesting: 6 (total: 78)".
status=0
printf '\n%-36s %-6s %9s %12s %10s %8s %8s\n' target result elapsed execs execs/s new corpus
for t in "${selected[@]}"; do
	pkg=${t%%:*} target=${t##*:}
	log="$logdir/${pkg//[\/.]/_}_$target.log"
	rc=$(cat "$log.rc" 2>/dev/null || echo "?")
	result=ok
	if [[ $rc != 0 ]]; then
		result=FAIL
		status=1
	fi
	line=$(grep -E '^fuzz: elapsed: .*execs: [0-9]+' "$log" | tail -n 1 || true)
	echo "$line" | awk -v name="${pkg#./}:$target" -v result="$result" '
		function secs(s,   n, total) {
			total = 0
			while (match(s, /^[0-9.]+[hms]/)) {
				n = substr(s, 1, RLENGTH - 1) + 0
				unit = substr(s, RLENGTH, 1)
				total += (unit == "h" ? 3600 : unit == "m" ? 60 : 1) * n
				s = substr(s, RLENGTH + 1)
			}
			return total
		}
		{
			elapsed = $3; sub(/,$/, "", elapsed)
			execs = $5
			newi = $9
			corpus = $11; sub(/\)$/, "", corpus)
			s = secs(elapsed)
			printf "%-36s %-6s %9s %12d %10.0f %8d %8d\n", name, result, elapsed, execs, (s > 0 ? execs / s : 0), newi, corpus
		}
		END { if (NR == 0 || $0 == "") printf "%-36s %-6s (no status line; see log)\n", name, result }'
	if [[ $result == FAIL ]]; then
		grep -E -- '--- FAIL|panic:|Failing input written|fuzzlimit:' "$log" | head -n 5 | sed 's/^/    /'
	fi
done
exit $status
