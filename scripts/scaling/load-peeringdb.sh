#!/usr/bin/env bash
# Creates a fresh PostgreSQL database, imports the three real PeeringDB dumps
# one by one and prints, after each, the rows and on-disk size of every table
# (the "versions written per snapshot" figures of docs/SCALING.md).
#
#   scripts/scaling/load-peeringdb.sh [DBNAME]     (default ixpobs_scaling)
#
# Needs: PostgreSQL on 127.0.0.1:5432 accepting user postgres, psql, Go.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:-ixpobs_scaling}
pg="postgres://postgres@127.0.0.1:5432"
data=${SHARED_DATA:-../shared/data}/peeringdb
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}

[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
dsn="$pg/$db?sslmode=disable"

report() {
	psql -h 127.0.0.1 -U postgres -d "$db" -At -F ' | ' -c "
	  SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid)), pg_total_relation_size(relid)
	  FROM pg_stat_user_tables ORDER BY relname" 
	psql -h 127.0.0.1 -U postgres -d "$db" -At -F ' | ' -c "
	  SELECT 'versions(exact)', count(*), count(*) FILTER (WHERE valid_to = 9223372036854775807) AS open_rows FROM versions"
	psql -h 127.0.0.1 -U postgres -d "$db" -At -c "SELECT 'database', pg_size_pretty(pg_database_size('$db'))"
}

"$bin" migrate --db "$dsn" --log-level warn
for d in ixgen-2019-01-19 ixgen-2020-05-05 ixgen-2022-06-01; do
	echo "== import $d"
	start=$(date +%s.%N)
	"$bin" import peeringdb "$data/$d" --db "$dsn" --log-level warn --at "${d#ixgen-}"
	end=$(date +%s.%N)
	echo "import wall time: $(echo "$end - $start" | bc) s"
	psql -q -h 127.0.0.1 -U postgres -d "$db" -c "ANALYZE"
	report
done
