#!/usr/bin/env python3
"""Summarise a BATCH=N run of scripts/scaling/history-import.sh per batch,
as the rows of docs/SCALING.md's tables.

    scripts/scaling/import-table.py LOG [IMPORT_LOG] [EVERY]

LOG is history-import.sh's output (histgen's day lines, then one "batch
FIRST LAST days=N exec_seconds=W exec_cpu_seconds=C" line a batch);
IMPORT_LOG its JSON log (IMPORT_LOG=…), from which each batch also gets the
median wall time between two days' publications (what a day adds, the
batch's first day left out). Every EVERY-th batch is printed (default 10),
and the first and last always. Columns: snapshots stored before the batch,
its days, objects a day (mean), CPU seconds a day, CPU ms per 1,000
objects, the batch's days per minute (wall, process start included), the
median seconds between publications, and the version rows written a day
(mean).
"""
import json
import re
import statistics
import sys
from datetime import datetime

day_re = re.compile(r"^(\d{4}-\d{2}-\d{2}) .*objects=(\d+)")
batch_re = re.compile(r"^batch (\S+) (\S+) days=(\d+) exec_seconds=([0-9.]+) exec_cpu_seconds=([0-9.]+)")

objects, batches = {}, []
for line in open(sys.argv[1]):
    if m := day_re.match(line):
        objects[m[1]] = int(m[2])
    elif m := batch_re.match(line):
        batches.append((m[1], m[2], int(m[3]), float(m[4]), float(m[5])))

published, written = {}, {}
if len(sys.argv) > 2:
    for line in open(sys.argv[2]):
        e = json.loads(line)
        if e.get("msg") == "peeringdb snapshot published":
            published[e["date"]] = datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
            written[e["date"]] = e.get("versions_written", 0)
every = int(sys.argv[3]) if len(sys.argv) > 3 else 10

print("| stored before | days | objects a day | CPU s a day | CPU ms per 1,000 objects | days a minute | between publications (median) | versions written a day |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
stored = 0
for i, (first, last, n, wall, cpu) in enumerate(batches):
    days = sorted(d for d in objects if first <= d <= last)
    if i % every == 0 or i == len(batches) - 1:
        objs = statistics.mean(objects[d] for d in days)
        times = [published[d] for d in days if d in published]
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
        gap = f"{statistics.median(gaps):.2f} s" if gaps else "–"
        rows = [written[d] for d in days if d in written]
        w = f"{statistics.mean(rows):,.0f}" if rows else "–"
        print(f"| {stored:,} | {first} – {last} | {objs:,.0f} | {cpu / n:.3f} | {1e6 * cpu / n / objs:.1f} | {60 * n / wall:.0f} | {gap} | {w} |")
    stored += n
