#!/usr/bin/env bash
# Measures `ixpobs backfill peeringdb` from a local archive: a year of daily
# PeeringDB files made by scripts/histgen from the trimmed real dumps
# (testdata/realdata: the Latin American and Caribbean part of the 2019,
# 2020 and 2022 dumps), served over loopback HTTP in CAIDA's layout by
# scripts/backfillbench. Prints the backfill's summary line, the wall and
# CPU time, snapshots per minute and the store size.
#
#   scripts/backfill-bench.sh [FROM TO [EVERY [DB]]]   default 2021-01-01 2021-12-31 1d
#   DB may be a SQLite file or a postgres:// URL of an empty database.
set -euo pipefail
cd "$(dirname "$0")/.."
from=${1:-2021-01-01} to=${2:-2021-12-31} every=${3:-1d} db=${4:-/tmp/ixpobs-bfbench.db}
work=${BENCH_DIR:-/tmp/ixpobs-bfbench}
mkdir -p "$work"
bin=$work/ixpobs
go build -o "$bin" ./cmd/ixpobs
[ -d "$work/days" ] || go run ./scripts/histgen -out "$work/days" -from "$from" -to "$to" \
	testdata/realdata/peeringdb/ixgen-2019-01-19 testdata/realdata/peeringdb/ixgen-2020-05-05 testdata/realdata/peeringdb/ixgen-2022-06-01 >/dev/null
go build -o "$work/backfillbench" ./scripts/backfillbench
"$work/backfillbench" -days "$work/days" -archive "$work/archive" >"$work/url" &
srv=$!
trap 'kill $srv' EXIT
for _ in $(seq 1200); do [ -s "$work/url" ] && break; sleep 0.5; done
url=$(head -1 "$work/url")
case $db in postgres*) ;; *) rm -f "$db" "$db-wal" "$db-shm" ;; esac
echo "# $(date -u +%FT%TZ) $(go version) load: $(cut -d' ' -f1-3 /proc/loadavg) nproc: $(nproc)"
start=$(date +%s.%N)
/usr/bin/time -f "# wall %e s, user %U s, sys %S s, max rss %M KiB" "$bin" backfill peeringdb --db "$db" \
	--since "$from" --until "$to" --every "$every" --archive "peeringdb=$url" --allow-private 127.0.0.1/32 \
	--cache "$work/cache" --log-level warn
end=$(date +%s.%N)
q="SELECT count(*) FROM snapshots s JOIN sources o ON o.id = s.source_id WHERE o.name = 'peeringdb'"
case $db in
postgres*) snaps=$(psql "$db" -tAc "$q" 2>/dev/null || echo "?") ;;
*) snaps=$(sqlite3 "$db" "$q" 2>/dev/null || echo "?") ;;
esac
echo "# snapshots: $snaps, per minute: $(echo "$snaps * 60 / ($end - $start)" | bc -l 2>/dev/null | cut -c1-6)"
case $db in
postgres*) echo "# database size: $(psql "$db" -tAc "SELECT pg_database_size(current_database())" 2>/dev/null) bytes (an empty database is about 7.5 MB)" ;;
*) echo "# store size: $(du -b "$db" | cut -f1) bytes" ;;
esac
