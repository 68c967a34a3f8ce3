#!/usr/bin/env bash
# Imports a generated daily RIR history (scripts/rirgen, LACNIC by default)
# one file a day into a fresh store and logs, per day, the import's wall and
# CPU seconds, the versions it wrote, the changes in the file and the
# store's size: does the cost of a day grow with the RIR snapshots already
# stored? The files are GENERATED from the real ones (see scripts/rirgen).
#
#   scripts/rirgen/history-import-rir.sh FROM TO [DB]   e.g. 2021-04-05 2022-04-05
#
# EVERY=N imports every Nth day only (rirgen -every; default 1, daily);
# REGISTRIES=lacnic (default) or a comma-separated list; SEED=1.
# DB is a SQLite path (default /tmp/ixpobs-rir-history.db, removed first)
# or a postgres:// DSN (its database must exist and be empty).
# IXPOBS_BIN: the ixpobs binary (default: built by scripts/scaling/build.sh
# from the committed tree into /tmp/ixpobs-scaling). Run it with nice on a
# shared machine: nice -n 10 scripts/rirgen/history-import-rir.sh ...
#
# The raw log goes to stdout: per day the import's own lines ("… N versions
# written, M ended", "country and area figures stored states=1 took=…"),
# "store_bytes=…", then rirgen's line "DAY lacnic records=… changes=…
# exec_seconds=… exec_cpu_seconds=…" (CPU: user + system of the import and
# the shell around it). With python3 present a summary follows: medians of
# the first, middle and last 10 days. CPU seconds are the figure to compare
# on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
from=$1 to=$2 db=${3:-/tmp/ixpobs-rir-history.db}
data=${SHARED_DATA:-../shared/data}/rir
bin=${IXPOBS_BIN:-/tmp/ixpobs-scaling}
[ -x "$bin" ] || scripts/scaling/build.sh "$bin" >/dev/null
size="echo store_bytes=n/a"
case $db in
postgres*) ;;
*)
	rm -f "$db" "$db-wal" "$db-shm"
	size="echo store_bytes=\$(stat -c %s '$db' '$db-wal' 2>/dev/null | awk '{s+=\$1} END {print s}')"
	;;
esac
out=$(mktemp -d)
log=$(mktemp)
bindir=$(mktemp -d)
trap 'rm -rf "$out" "$log" "$bindir"' EXIT
gen=$bindir/rirgen
go build -o "$gen" ./scripts/rirgen
echo "# $(date -u +%FT%TZ) $(go version) load: $(cut -d' ' -f1-3 /proc/loadavg) nproc: $(nproc)"
"$gen" -out "$out" -from "$from" -to "$to" -every "${EVERY:-1}" -seed "${SEED:-1}" \
	-registries "${REGISTRIES:-lacnic}" \
	-exec "\"$bin\" import rir --db '$db' --log-level info \$DAY_FILES 2>&1 && $size" \
	"$data" | tee "$log"
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
command -v python3 >/dev/null || exit 0
python3 - "$log" <<'EOF'
import re, statistics, sys
from datetime import datetime
days, cur = [], {}
for line in open(sys.argv[1]):
    ts = re.match(r'time=(\S+)', line)
    ts = datetime.fromisoformat(ts[1].replace('Z', '+00:00')).timestamp() if ts else None
    if m := re.search(r'msg="rir file read" .* seconds=([\d.]+)', line):
        cur.update(read_s=float(m[1]), read_ts=ts)
    elif 'msg="snapshot published"' in line and 'read_ts' in cur:
        cur['publish_s'] = ts - cur['read_ts']
    elif m := re.search(r'published: (\d+) records, (\d+) versions written, (\d+) ended', line):
        cur.update(recs=int(m[1]), written=int(m[2]), ended=int(m[3]))
    elif m := re.search(r'figures stored"? states=(\d+) took=([\d.]+)(ms|s|µs)', line):
        cur['states'] = int(m[1])
        cur['fill_s'] = float(m[2]) / {'ms': 1e3, 's': 1, 'µs': 1e6}[m[3]]
    elif m := re.match(r'store_bytes=(\d+)', line):
        cur['bytes'] = int(m[1])
    elif m := re.match(r'(\d{4}-\d\d-\d\d) .* changes=(\d+)(?: delegated_changes=(\d+))?.*exec_seconds=([\d.]+) exec_cpu_seconds=([\d.]+)', line):
        cur.update(day=m[1], changes=int(m[2]), dchanges=int(m[3] or 0), wall=float(m[4]), cpu=float(m[5]))
        days.append(cur)
        cur = {}
if len(days) < 30:
    print(f"# {len(days)} days: too few for the summary")
    sys.exit()
med = lambda ds, k: statistics.median(d.get(k, 0) for d in ds)
mid = len(days) // 2 - 5
print("\n| snapshots already stored | days | CPU s per day (median of 10) | wall s per day (median) | of which: read file / publish / figures, wall s (medians) | versions written (median) | changed lines in the file, all / delegations (median) | store bytes after the 10th |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for label, ds, base in (("first", days[:10], 0), ("middle", days[mid:mid+10], mid), ("last", days[-10:], len(days)-10)):
    print(f"| {base}–{base+9} ({label}) | {ds[0]['day']} … {ds[-1]['day']} | {med(ds,'cpu'):.3f} | {med(ds,'wall'):.3f} | "
          f"{med(ds,'read_s'):.3f} / {med(ds,'publish_s'):.3f} / {med(ds,'fill_s'):.3f} | "
          f"{med(ds,'written'):.0f} | {med(ds,'changes'):.0f} / {med(ds,'dchanges'):.0f} | {ds[-1].get('bytes','n/a')} |")
rest = days[1:]
print(f"\n# days {len(days)}; after the first: versions written total {sum(d.get('written',0) for d in rest)}, "
      f"ended {sum(d.get('ended',0) for d in rest)}, changed lines {sum(d['changes'] for d in rest)} "
      f"(delegations {sum(d['dchanges'] for d in rest)}); "
      f"CPU s total {sum(d['cpu'] for d in days):.1f}, wall s total {sum(d['wall'] for d in days):.1f}")
print(f"# first day: {days[0].get('recs')} records, {days[0].get('written')} versions written, CPU {days[0]['cpu']:.3f} s")
EOF
