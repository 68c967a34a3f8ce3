#!/usr/bin/env bash
# Does a day's import cost more on a store holding a long history than on
# one holding a single snapshot? The same generated days, imported into a
# copy of DB (a store made by history-import.sh, whose newest PeeringDB
# snapshot is LAST) and into a store holding only LAST's snapshot:
# identical inputs and newest state, only the history before differs.
#
#   scripts/scaling/history-vs-empty.sh DB LAST [DAYS] [RUNS]
#   e.g. scripts/scaling/history-vs-empty.sh /tmp/agg/long.db 2026-11-30 100 2
#
# histgen writes LAST and the DAYS days after it (default 100; GZIP=false
# for plain kind.json files, as history-import.sh GZIP=false), then
# the two imports alternate RUNS times (default 2), each one `ixpobs import
# peeringdb --date-from-name` process for all DAYS days on a fresh copy of
# its store. Per run it prints the wall and CPU seconds of the process, the
# median and mean time between two days' publications (what a day adds, the
# first day left out) and the version rows written. SQLite stores only.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=$1 last=$2 days=${3:-100} runs=${4:-2}
data=${SHARED_DATA:-../shared/data}/peeringdb
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
to=$(date -u -d "$last + $days day" +%F)
go run ./scripts/histgen -out "$work/days" -from "$last" -to "$to" -gzip="${GZIP:-true}" \
	"$data"/ixgen-2019-01-19 "$data"/ixgen-2020-05-05 "$data"/ixgen-2022-06-01 >/dev/null
"$bin" import peeringdb --date-from-name "$work/days/$last" --db "$work/one.db" --log-level warn >/dev/null
mapfile -t dirs < <(ls -d "$work"/days/* | tail -n +2)
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) nproc: $(nproc) days: ${#dirs[@]} after $last"
echo "# store snapshots before | wall s | CPU s | between publications: median s, mean s | versions written"
for run in $(seq "$runs"); do
	for src in "$db" "$work/one.db"; do
		rm -f "$work"/run.db*
		cp "$src" "$work/run.db"
		[ ! -f "$src-wal" ] || cp "$src-wal" "$work/run.db-wal"
		before=$(sqlite3 "$work/run.db" "select count(*) from snapshots join sources on sources.id = snapshots.source_id where sources.name = 'peeringdb'")
		/usr/bin/time -f "%e %U %S" -o "$work/time" "$bin" import peeringdb --date-from-name "${dirs[@]}" \
			--db "$work/run.db" --log-level info --log-format json >/dev/null 2>"$work/log.json"
		python3 - "$work/log.json" "$work/time" "$before" <<'EOF'
import json, statistics, sys
from datetime import datetime
times, written = [], 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("msg") == "peeringdb snapshot published":
        times.append(datetime.fromisoformat(e["time"].replace("Z", "+00:00")))
        written += e.get("versions_written", 0)
gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
wall, user, sys_ = map(float, open(sys.argv[2]).read().split())
print(f"{sys.argv[3]} | {wall:.1f} | {user + sys_:.1f} | {statistics.median(gaps):.3f}, {statistics.mean(gaps):.3f} | {written}")
EOF
	done
done
