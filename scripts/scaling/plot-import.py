#!/usr/bin/env python3
"""Plot the per-day import cost of a generated daily history against the
snapshots already stored, as an SVG (no plotting library needed).

    scripts/scaling/plot-import.py LOG OUT.svg [TITLE]

LOG is the output of scripts/rirgen/history-import-rir.sh or
scripts/scaling/history-import.sh (rirgen's or histgen's day lines: "DAY ...
records=N ... exec_cpu_seconds=S" or "DAY ... objects=N ...
exec_cpu_seconds=S"; with BATCH=N, each day gets its batch's CPU
seconds per day), or the JSON log of `ixpobs import peeringdb
--date-from-name` over many days (history-import.sh with BATCH and
IMPORT_LOG): then a day's cost is the wall time from the previous day's
publication to its own in the same process, i.e. what a day adds to a
pipelined import (the first day of each process, which also pays its
start and an unoverlapped read, is left out).
Two panels share the x axis (snapshots already stored): the CPU seconds of
each day's import (dots, and the median of each 50 days as a line), and
the same per thousand records of the day's file (does the cost follow the
file, or the history?). The data is whatever the log holds: say where it
came from (generated files) when quoting the chart.
"""
import re
import statistics
import sys

# rirgen: "DAY lacnic records=N ... exec_cpu_seconds=S";
# histgen: "DAY ix=.. net=.. netixlan=.. objects=N exec_seconds=.. exec_cpu_seconds=S".
line_re = re.compile(r"^(\d{4}-\d{2}-\d{2}) .*?(?:records|objects)=(\d+) .*exec_cpu_seconds=([0-9.]+)")
# histgen -batch: day lines without exec figures, then one line a batch.
day_re = re.compile(r"^(\d{4}-\d{2}-\d{2}) .*?objects=(\d+)\s*$")
batch_re = re.compile(r"^batch \S+ \S+ days=(\d+) exec_seconds=[0-9.]+ exec_cpu_seconds=([0-9.]+)")


def json_days(f):
    """(day, objects, seconds) of each day but the first of each process,
    from an `ixpobs import peeringdb --log-format json` log."""
    import datetime
    import json

    objects, days, prev = {}, [], None
    for line in f:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        msg = rec.get("msg")
        t = datetime.datetime.fromisoformat(rec.get("time", "").replace("Z", "+00:00")) if rec.get("time") else None
        if msg == "schema migrated":
            prev = None  # a new process
        elif msg == "peeringdb dump read":
            objects[rec["file"]] = rec["objects"]
        elif msg == "peeringdb snapshot published":
            if prev is not None:
                days.append((rec["date"], objects.get(rec["file"], 1), (t - prev).total_seconds()))
            prev = t
    return days


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    log, out = sys.argv[1], sys.argv[2]
    title = sys.argv[3] if len(sys.argv) > 3 else "Import cost per day against the snapshots stored"
    days, what = [], "CPU"
    with open(log) as f:
        first = f.readline()
        f.seek(0)
        if first.startswith("{"):
            days, what = json_days(f), "wall"
        else:
            pending = []  # days of a batch, waiting for its line
            for line in f:
                m = line_re.match(line)
                if m:
                    days.append((m.group(1), int(m.group(2)), float(m.group(3))))
                    continue
                m = day_re.match(line)
                if m:
                    pending.append((m.group(1), int(m.group(2))))
                    continue
                m = batch_re.match(line)
                if m and pending:
                    # history-import.sh BATCH=N: a day's cost is its
                    # batch's CPU seconds per day (one process for N days).
                    per_day = float(m.group(2)) / int(m.group(1))
                    days += [(d, n, per_day) for d, n in pending]
                    pending = []
    if len(days) < 2:
        sys.exit(f"{log}: fewer than two day lines")
    # The first day is a full snapshot: plotted, left out of the medians.
    cpu = [d[2] for d in days]
    per_k = [1e6 * d[2] / d[1] for d in days]  # ms per 1,000 records
    W, H, left, right, top, gap, ph = 780, 430, 64, 44, 40, 46, 150
    n = len(days)

    def x(i):
        return left + (W - left - right) * i / (n - 1)

    def panel(y0, values, unit, fmt):
        vmax = max(values[1:]) * 1.1
        out = []

        def y(v):
            return y0 + ph - ph * min(v, vmax) / vmax

        for k in range(5):
            v = vmax * k / 4
            out.append(f'<line x1="{left}" x2="{W - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{fmt(v)}</text>')
        for i, v in enumerate(values):
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="1.2" fill="#9ab"/>')
        pts = []
        for s in range(1, n, 50):
            chunk = values[s:s + 50]
            pts.append(f"{x(s + len(chunk) / 2):.1f},{y(statistics.median(chunk)):.1f}")
        out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
        out.append(f'<text x="{left}" y="{y0 - 8}" font-weight="bold">{unit}</text>')
        return out

    body = [f'<text x="{left}" y="22" font-size="15" font-weight="bold">{title}</text>']
    body += panel(top + 18, cpu, f"{what} seconds per day's import (dots: days; line: median of 50 days)", lambda v: f"{v:.2f}")
    y1 = top + 18 + ph + gap
    body += panel(y1, per_k, f"{what} milliseconds per 1,000 records (objects) of the day's file", lambda v: f"{v:.0f}")
    ybase = y1 + ph
    for k in range(6):
        i = round((n - 1) * k / 5)
        body.append(f'<text x="{x(i):.1f}" y="{ybase + 16}" text-anchor="middle">{i:,}</text>')
        body.append(f'<text x="{x(i):.1f}" y="{ybase + 30}" text-anchor="middle" fill="#666">{days[i][0]}</text>')
    body.append(f'<text x="{(W + left) / 2:.0f}" y="{ybase + 46}" text-anchor="middle">snapshots already stored (and the day)</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {ybase + 56}" width="{W}" '
           f'font-family="sans-serif" font-size="11" role="img"><title>{title}</title>'
           f'<rect width="100%" height="100%" fill="#fff"/>' + "".join(body) + "</svg>\n")
    with open(out, "w") as f:
        f.write(svg)
    print(f"{out}: {n} days, {what} s per day median {statistics.median(cpu[1:]):.3f}")


if __name__ == "__main__":
    main()
