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
# its store. Per run it prints the wall and CPU seconds of the process (not
# PostgreSQL's), the median and mean time between two days' publications
# (what a day adds, the first day left out) and the version rows written.
# DB is a SQLite path or a postgres:// URL of a database on a local server
# (e.g. one filled by `ixpobs export` and `ixpobs import history` from a
# SQLite store): the copies are then databases created from it as a
# template (CREATE DATABASE … TEMPLATE), on the same server, dropped at the end.
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
case $db in
postgres*)
	# postgres://user@host:port/NAME?params: the copies are NAME_vs_*.
	name=$(sed -E 's|^[^/]*//[^/]*/([^?]*).*|\1|' <<<"$db")
	dsn() { sed -E "s|^([^/]*//[^/]*/)[^?]*|\1$1|" <<<"$db"; }
	sql() { PGOPTIONS=--client-min-messages=warning psql "$(dsn postgres)" -qAtc "$1"; }
	trap 'rm -rf "$work"; sql "drop database if exists ${name}_vs_one" || true; sql "drop database if exists ${name}_vs_run" || true' EXIT
	sql "drop database if exists ${name}_vs_one"
	sql "create database ${name}_vs_one"
	one=$(dsn "${name}_vs_one")
	count() { psql "$(dsn "${name}_vs_run")" -qAtc "$1"; }
	copy() { # copy SRC_NAME: a fresh NAME_vs_run from it
		sql "drop database if exists ${name}_vs_run"
		sql "create database ${name}_vs_run template $1"
		run=$(dsn "${name}_vs_run")
	}
	srcs=("$name" "${name}_vs_one")
	;;
*)
	one=$work/one.db
	count() { sqlite3 "$work/run.db" "$1"; }
	copy() {
		rm -f "$work"/run.db*
		cp "$1" "$work/run.db"
		[ ! -f "$1-wal" ] || cp "$1-wal" "$work/run.db-wal"
		run=$work/run.db
	}
	srcs=("$db" "$one")
	;;
esac
"$bin" import peeringdb --date-from-name "$work/days/$last" --db "$one" --log-level warn >/dev/null
mapfile -t dirs < <(ls -d "$work"/days/* | tail -n +2)
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) nproc: $(nproc) days: ${#dirs[@]} after $last"
echo "# store snapshots before | wall s | CPU s | between publications: median s, mean s | versions written"
for r in $(seq "$runs"); do
	for src in "${srcs[@]}"; do
		copy "$src"
		before=$(count "select count(*) from snapshots join sources on sources.id = snapshots.source_id where sources.name = 'peeringdb'")
		/usr/bin/time -f "%e %U %S" -o "$work/time" "$bin" import peeringdb --date-from-name "${dirs[@]}" \
			--db "$run" --log-level info --log-format json >/dev/null 2>"$work/log.json"
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
