// ixpobs dashboard: draws the charts. Each chart element carries, in data-*
// attributes, the JSON API URL of its data, the field holding the rows,
// the series and their translated labels; the page itself shows the same
// data as a table. No inline script: the CSP allows only this file.
//
// Time is drawn honestly: a series starts at its first observation, a
// missing value (null or absent in the answer) is a gap, never a zero or a
// carried-forward point, and the x labels are the observation dates.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var palette = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00"];
  var dash = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
  var nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  var df = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", timeZone: "UTC" });
  var dfLong = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  // Whole-number steps for the axis of a count: never 0.2 or 2.5 members.
  var countIncrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];

  function capacity(mbps) {
    if (mbps >= 1e6) return nf.format(mbps / 1e6) + " Tbps";
    if (mbps >= 1e3) return nf.format(mbps / 1e3) + " Gbps";
    return nf.format(mbps) + " Mbps";
  }

  var pf = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  function fmt(unit, noData) {
    var f = unit === "mbps" ? capacity : unit === "share" ? function (v) { return pf.format(v); } : function (v) { return nf.format(v); };
    return function (v) { return v == null ? noData : f(v); };
  }

  function fail(el, err) {
    el.setAttribute("data-state", "error");
    el.textContent = el.getAttribute("data-error") || "Error";
    if (window.console && err) console.warn("chart", el.id, err);
  }

  // textWidth measures a label in the axis font (uPlot's default).
  var measure = document.createElement("canvas").getContext("2d");
  function textWidth(s) {
    measure.font = "12px system-ui, -apple-system, sans-serif";
    return measure.measureText(s).width;
  }

  // xSplits labels the first and the last observation and as many of
  // those between as fit, at least 70 px apart.
  function xSplits(xs, width) {
    if (xs.length <= 2) return xs.slice();
    var span = xs[xs.length - 1] - xs[0];
    var room = Math.max(2, Math.floor(width / 70));
    var out = [xs[0]];
    var last = xs[0];
    for (var i = 1; i < xs.length - 1; i++) {
      if ((xs[i] - last) / span * width >= 70 && (xs[xs.length - 1] - xs[i]) / span * width >= 70 && out.length < room - 1) {
        out.push(xs[i]);
        last = xs[i];
      }
    }
    out.push(xs[xs.length - 1]);
    return out;
  }

  function draw(el, json) {
    var rowsKey = el.getAttribute("data-rows");
    var rows = rowsKey ? json[rowsKey] : json;
    if (!Array.isArray(rows)) throw new Error("no rows");
    var xKey = el.getAttribute("data-x") || "date";
    var keys = el.getAttribute("data-series").split(",");
    var labels = (el.getAttribute("data-labels") || "").split("|");
    var unit = el.getAttribute("data-unit");
    var noData = el.getAttribute("data-nodata") || "–";
    var f = fmt(unit, noData);
    function val(r, k) { var v = r[k]; return v == null ? null : v; }
    // Start at the first observation: drop leading rows without any value.
    var start = 0;
    while (start < rows.length && keys.every(function (k) { return val(rows[start], k) == null; })) start++;
    rows = rows.slice(start);
    if (rows.length === 0) {
      el.textContent = noData;
      el.setAttribute("data-state", "empty");
      return;
    }
    var xs = rows.map(function (r) { return Date.parse(r[xKey] + "T00:00:00Z") / 1000; });
    var data = [xs];
    var series = [{ label: el.getAttribute("data-xlabel") || "", value: function (u, v) { return v == null ? "–" : dfLong.format(new Date(v * 1000)); } }];
    var maxLabel = "";
    keys.forEach(function (k, i) {
      var ys = rows.map(function (r) { return val(r, k); });
      ys.forEach(function (v) { if (v != null && f(v).length > maxLabel.length) maxLabel = f(v); });
      data.push(ys);
      series.push({
        label: labels[i] || k,
        stroke: palette[i % palette.length],
        dash: dash[i % dash.length],
        width: 2,
        spanGaps: false,
        points: { show: true, size: 6, fill: palette[i % palette.length] },
        value: function (u, v) { return f(v); },
      });
    });
    el.setAttribute("data-first", rows[0][xKey]);
    el.setAttribute("data-last", rows[rows.length - 1][xKey]);
    el.textContent = "";
    var width = Math.max(240, el.clientWidth || 480);
    var at = el.getAttribute("data-at");
    var atX = at ? Date.parse(at + "T00:00:00Z") / 1000 : null;
    // The legend's resting point: the observation shown by ?at= (the last
    // at or before it), else the latest.
    var last = xs.length - 1;
    if (atX != null) while (last > 0 && xs[last] > atX + 86399) last--;
    var yAxis = {
      // Wide enough for the longest label (plus the tick and a gap).
      size: function (u, values) {
        var w = textWidth(maxLabel);
        (values || []).forEach(function (s) { w = Math.max(w, textWidth(s)); });
        return Math.ceil(w) + 18;
      },
      values: function (u, vals) { return vals.map(function (v) { return f(v); }); },
    };
    if (unit === "count") yAxis.incrs = countIncrs;
    var opts = {
      width: width,
      height: 240,
      // Room on the right for the last date's label.
      padding: [12, Math.ceil(textWidth(df.format(new Date(xs[last] * 1000))) / 2) + 8, 0, 0],
      series: series,
      scales: {
        x: { time: true, range: function (u, min, max) { return min === max ? [min - 86400 * 30, max + 86400 * 30] : [min, max]; } },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } },
      },
      axes: [
        {
          splits: function (u) { return xSplits(xs, u.bbox.width / (window.devicePixelRatio || 1)); },
          values: function (u, vals) { return vals.map(function (v) { return df.format(new Date(v * 1000)); }); },
        },
        yAxis,
      ],
      legend: { live: true },
      cursor: { focus: { prox: 24 } },
      hooks: {
        // The legend shows the latest observation until the pointer is
        // over the chart, and again when it leaves.
        setCursor: [function (u) { if (u.cursor.idx == null) u.setLegend({ idx: last }); }],
        // A marker at the date of ?at=.
        draw: [function (u) {
          if (atX == null || atX < u.scales.x.min || atX > u.scales.x.max) return;
          var cx = Math.round(u.valToPos(atX, "x", true));
          var ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#d55e00";
          ctx.setLineDash([4, 3]);
          ctx.lineWidth = 1.5 * (window.devicePixelRatio || 1);
          ctx.beginPath();
          ctx.moveTo(cx, u.bbox.top);
          ctx.lineTo(cx, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        }],
      },
    };
    var plot = new uPlot(opts, data, el);
    plot.setLegend({ idx: last });
    el.setAttribute("data-state", "drawn");
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        var w = Math.max(240, el.clientWidth);
        if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: 240 });
      }).observe(el);
    }
  }

  function load(el) {
    if (typeof uPlot === "undefined") return fail(el, "uPlot missing");
    fetch(el.getAttribute("data-src"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (json) { draw(el, json); })
      .catch(function (err) { fail(el, err); });
  }

  function start() {
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) load(els[i]);
    // The brief's print button: shown only where a script runs.
    var pr = document.querySelectorAll("[data-print]");
    for (var j = 0; j < pr.length; j++) {
      pr[j].hidden = false;
      pr[j].addEventListener("click", function () { window.print(); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
