#!/usr/bin/env python3
"""Estimates the versions a daily PeeringDB snapshot writes: in a dump, an
object whose `updated` (or `created`) time falls within a day before the dump
date gets a new version in that day's snapshot. Prints, per dump, the mean
and max objects changed per day over the 30 days before the dump, by kind.
(Lower bound: deletions and status changes away from `ok` are not visible in
a dump of `ok` objects.)

  scripts/scaling/daily-changes.py ../shared/data/peeringdb/ixgen-2022-06-01 ...
"""
import gzip, json, os, sys, collections, datetime

def load(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt") as f:
        d = json.load(f)
    return d["data"] if isinstance(d, dict) and "data" in d else d

for dump in sys.argv[1:]:
    day = datetime.date.fromisoformat(os.path.basename(dump.rstrip("/"))[-10:])
    per_day = collections.Counter()
    per_kind = collections.Counter()
    total = 0
    for name in sorted(os.listdir(dump)):
        kind = name.split(".")[0]
        rows = [r for r in load(os.path.join(dump, name)) if r.get("status", "ok") == "ok"]
        total += len(rows)
        for r in rows:
            u = (r.get("updated") or r.get("created") or "")[:10]
            try:
                d = datetime.date.fromisoformat(u)
            except ValueError:
                continue
            age = (day - d).days
            if 1 <= age <= 30:
                per_day[age] += 1
                per_kind[kind] += 1
    vals = [per_day[a] for a in range(1, 31)]
    print(f"{os.path.basename(dump)}: {total} objects; changed per day over the 30 days before: "
          f"mean {sum(vals)/30:.0f}, median {sorted(vals)[15]}, max {max(vals)}; by kind (30-day total): "
          + ", ".join(f"{k} {v}" for k, v in per_kind.most_common()))
