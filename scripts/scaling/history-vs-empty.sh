#!/usr/bin/env bash
# Does a day's import cost more on a store holding a long history than on
# one holding a single snapshot? The newest DAYS days of a store made by
# history-import.sh are imported again, from the same generated files,
# into two stores: a copy of DB without its newest DAYS PeeringDB snapshots
# (`ixpobs snapshots delete`, which repairs the history as if they had
# never been published), and a store holding only the snapshot of the day
# before them. Identical inputs and newest state; only the history before
# differs. (The days after the newest one cannot be used: an import refuses
# a date in the future.)
#
#   scripts/scaling/history-vs-empty.sh DB [DAYS] [RUNS]
#   e.g. scripts/scaling/history-vs-empty.sh /tmp/agg/long.db 100 2
#
# histgen writes the days (GZIP=false: plain kind.json files, as
# history-import.sh GZIP=false; the same seed and dumps give the same
# files), then the two imports alternate RUNS times (default 2), each one
# `ixpobs import peeringdb --date-from-name` process for the DAYS days
# (default 100) on a fresh copy of its store. Per run it prints the wall
# and CPU seconds of the process (not PostgreSQL's), the median and mean
# time between two days' publications (what a day adds, the first day left
# out) and the version rows written.
# DB is a SQLite path or a postgres:// URL of a database on a local server
# (e.g. one filled by sqlite-to-postgres.sh): the copies are then databases
# created from it as a template, on the same server, dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=$1 days=${2:-100} runs=${3:-2}
data=${SHARED_DATA:-../shared/data}/peeringdb
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
newest="SELECT max(at) FROM snapshots JOIN sources ON sources.id = snapshots.source_id WHERE sources.name = 'peeringdb'"
count="SELECT count(*) FROM snapshots JOIN sources ON sources.id = snapshots.source_id WHERE sources.name = 'peeringdb'"
case $db in
postgres*)
	# postgres://user@host:port/NAME?params: the copies are NAME_vs_*.
	name=$(sed -E 's|^[^/]*//[^/]*/([^?]*).*|\1|' <<<"$db")
	dsn() { sed -E "s|^([^/]*//[^/]*/)[^?]*|\1$1|" <<<"$db"; }
	sql() { PGOPTIONS=--client-min-messages=warning psql "$(dsn "${2:-postgres}")" -qAtc "$1"; }
	cleanup() {
		rm -rf "$work"
		for c in cut one run; do sql "DROP DATABASE IF EXISTS ${name}_vs_$c" || true; done
	}
	# copy SRC DST: a fresh database DST from SRC; prints its URL.
	copy() {
		sql "DROP DATABASE IF EXISTS ${name}_vs_$2"
		sql "CREATE DATABASE ${name}_vs_$2 TEMPLATE $1"
		dsn "${name}_vs_$2"
	}
	query() { sql "$2" "$(sed -E 's|.*/([^/?]*).*|\1|' <<<"$1")"; }
	last=$(sql "SELECT to_char(to_timestamp(($newest)), 'YYYY-MM-DD')" "$name")
	cutdb=$(copy "$name" cut)
	sql "CREATE DATABASE ${name}_vs_one"
	base_one=$(dsn "${name}_vs_one") src_cut=${name}_vs_cut src_one=${name}_vs_one
	;;
*)
	copy() {
		rm -f "$work/$2".db*
		cp "$1" "$work/$2.db"
		[ ! -f "$1-wal" ] || cp "$1-wal" "$work/$2.db-wal"
		echo "$work/$2.db"
	}
	query() { sqlite3 "$1" "$2"; }
	last=$(sqlite3 "$db" "SELECT date(($newest), 'unixepoch')")
	cutdb=$(copy "$db" cut)
	base_one=$work/one.db src_cut=$work/cut.db src_one=$work/one.db
	;;
esac
first=$(date -u -d "$last - $((days - 1)) day" +%F)
before=$(date -u -d "$first - 1 day" +%F)
go run ./scripts/histgen -out "$work/days" -from "$before" -to "$last" -gzip="${GZIP:-true}" \
	"$data"/ixgen-2019-01-19 "$data"/ixgen-2020-05-05 "$data"/ixgen-2022-06-01 >/dev/null 2>&1
for ((i = 0; i < days; i++)); do
	"$bin" snapshots delete peeringdb "$(date -u -d "$last - $i day" +%F)" --db "$cutdb" --log-level warn >/dev/null
done
"$bin" import peeringdb --date-from-name "$work/days/$before" --db "$base_one" --log-level warn >/dev/null
# A database copied from a template right after a bulk load has no
# statistics yet (autovacuum had no time to analyze it, and its counters
# do not follow the copy): PostgreSQL then plans the interval reads badly
# (docs/SCALING.md, "PostgreSQL needs its statistics"). A running store
# has them, so both stores are analyzed.
case $db in postgres*) sql "ANALYZE" "${name}_vs_one"; sql "ANALYZE" "${name}_vs_cut" ;; esac
mapfile -t dirs < <(ls -d "$work"/days/* | tail -n +2)
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) nproc: $(nproc) days: ${#dirs[@]}, $first to $last"
echo "# store snapshots before | wall s | CPU s | between publications: median s, mean s | versions written"
for r in $(seq "$runs"); do
	for src in "$src_cut" "$src_one"; do
		run=$(copy "$src" run)
		n=$(query "$run" "$count")
		/usr/bin/time -f "%e %U %S" -o "$work/time" "$bin" import peeringdb --date-from-name "${dirs[@]}" \
			--db "$run" --log-level info --log-format json >/dev/null 2>"$work/log.json" ||
			{ tail -n 3 "$work/log.json" "$work/time" >&2; exit 1; }
		python3 - "$work/log.json" "$work/time" "$n" <<'EOF'
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
