#!/usr/bin/env bash
# Versions written by RIR and IX-F snapshots: imports the real RIR files
# (oldest to newest LACNIC, then the other registries) and the IX-F exports
# of ../shared/data into a fresh database, printing the versions table after
# each step.
#
#   scripts/scaling/load-ixf-rir.sh [DBNAME]     (default ixpobs_scaling_rir)
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:-ixpobs_scaling_rir}
data=${SHARED_DATA:-../shared/data}
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
dsn="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
count() {
	psql -h 127.0.0.1 -U postgres -d "$db" -At -F ' | ' -c "
	  SELECT s.name, count(*), pg_size_pretty(sum(pg_column_size(v.*))::bigint) FROM versions v JOIN sources s ON s.id = v.source_id
	  GROUP BY s.name ORDER BY s.name"
}
for f in "$data"/rir/delegated-lacnic-extended-*.gz "$data"/rir/delegated-{afrinic,apnic}-extended-*.gz; do
	echo "== import rir $(basename "$f")"
	"$bin" import rir "$f" --db "$dsn" --log-level warn || true
	count | grep rir
done
for f in $(find "$data/ixf" -name '*.json' -not -path '*/schemas/*' | sort); do
	"$bin" import ixf "$f" --db "$dsn" --log-level warn >/dev/null 2>&1 || echo "refused: $f"
done
echo "== after the IX-F exports"
count
