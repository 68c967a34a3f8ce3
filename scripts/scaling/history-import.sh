#!/usr/bin/env bash
# Imports a generated daily PeeringDB history (scripts/histgen) one day at a
# time and logs, per day, the import's wall and CPU seconds and the store's
# size: does the cost of a day grow with the history already stored?
#
#   scripts/scaling/history-import.sh FROM TO [DB]   e.g. 2022-01-01 2022-05-31
#
# EVERY=N imports every Nth day only (histgen -every; default 1, daily).
# BATCH=N imports N days at a time with one `ixpobs import peeringdb
# --date-from-name` process (read ahead, the newest state kept in memory
# between days); the log then has a "batch FIRST LAST days=N
# exec_seconds=… exec_cpu_seconds=…" line per batch, and the import's
# JSON log (one "peeringdb snapshot published" line a day, with its time)
# goes to $IMPORT_LOG (default: discarded).
# AHEAD=false writes the next days only after the import of these is done
# (default true: histgen writes them while the import runs, so a long run
# takes less time, but the two share the machine). GZIP=false writes plain
# kind.json files, as CAIDA's PeeringDB archive has them (default true,
# kind.json.gz).
# DB is a SQLite path (default /tmp/ixpobs-history.db, removed first) or a
# postgres:// DSN (its database must exist and be empty). The log goes to
# stdout: "DAY ix=… net=… netixlan=… exec_seconds=… exec_cpu_seconds=…".
# CPU seconds are the figure to compare on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
from=$1 to=$2 db=${3:-/tmp/ixpobs-history.db}
data=${SHARED_DATA:-../shared/data}/peeringdb
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
case $db in postgres*) ;; *) rm -f "$db" "$db-wal" "$db-shm" ;; esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(go version) load: $(cut -d' ' -f1-3 /proc/loadavg) nproc: $(nproc)"
batch=${BATCH:-1}
if [ "$batch" -gt 1 ]; then
	exec_cmd="\"$bin\" import peeringdb --date-from-name \$DAY_DIRS --db '$db' --log-level info --log-format json >/dev/null 2>>'${IMPORT_LOG:-/dev/null}'"
else
	exec_cmd="\"$bin\" import peeringdb \"\$DAY_DIR\" --at \"\$DAY\" --db '$db' --log-level warn >/dev/null"
fi
go run ./scripts/histgen -out "$out" -from "$from" -to "$to" -every "${EVERY:-1}" -batch "$batch" -ahead="${AHEAD:-true}" -gzip="${GZIP:-true}" -exec "$exec_cmd" \
	"$data"/ixgen-2019-01-19 "$data"/ixgen-2020-05-05 "$data"/ixgen-2022-06-01
case $db in postgres*) ;; *) echo "# store size: $(du -b "$db" | cut -f1) bytes" ;; esac
