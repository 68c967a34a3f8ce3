#!/usr/bin/env bash
# Copies a SQLite store into an empty PostgreSQL database: the history with
# `ixpobs export` and `ixpobs import history` (snapshot ids kept), then the
# stored country and area figures (derived_stats, derived_names: a cache
# the export leaves out, that a 5,800-day store takes half an hour of CPU to
# compute again) with sqlite3 and psql's \copy. Times each step.
#
#   scripts/scaling/sqlite-to-postgres.sh DB DSN
#   e.g. scripts/scaling/sqlite-to-postgres.sh /tmp/agg/long.db postgres://postgres@127.0.0.1:5432/long?sslmode=disable
#
# The database must exist and hold no data (ixpobs creates the schema).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=$1 dsn=$2
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { local t=$SECONDS name=$1; shift; "$@"; echo "# $name: $((SECONDS - t)) s" >&2; }
step export "$bin" export --db "$db" -o "$work/history.gz" --log-level warn
step "import history" "$bin" import history "$work/history.gz" --db "$dsn" --log-level warn
copy_derived() {
	sqlite3 -csv "$db" "SELECT state_key, area, stats FROM derived_stats" |
		psql "$dsn" -qc '\copy derived_stats (state_key, area, stats) FROM stdin csv'
	sqlite3 -csv "$db" "SELECT snapshot_id, state_key FROM derived_names" |
		psql "$dsn" -qc '\copy derived_names (snapshot_id, state_key) FROM stdin csv'
	psql "$dsn" -qc 'ANALYZE derived_stats, derived_names'
}
step "figures copied" copy_derived
for t in snapshots versions exchange_stats derived_stats derived_names; do
	echo "$t: sqlite $(sqlite3 "$db" "SELECT count(*) FROM $t"), postgres $(psql "$dsn" -Atc "SELECT count(*) FROM $t")"
done
