// ixpobs dashboard: draws the charts. Each chart element carries, in data-*
// attributes, the JSON API URL of its data, the field holding the rows,
// the series and their translated labels; the page itself shows the same
// data as a table. No inline script: the CSP allows only this file.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var palette = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00"];
  var dash = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
  var nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  var df = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", timeZone: "UTC" });
  var dfLong = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

  function capacity(mbps) {
    if (mbps == null) return "–";
    if (mbps >= 1e6) return nf.format(mbps / 1e6) + " Tbps";
    if (mbps >= 1e3) return nf.format(mbps / 1e3) + " Gbps";
    return nf.format(mbps) + " Mbps";
  }

  function fmt(unit) {
    return unit === "mbps" ? capacity : function (v) { return v == null ? "–" : nf.format(v); };
  }

  function fail(el, err) {
    el.setAttribute("data-state", "error");
    el.textContent = el.getAttribute("data-error") || "Error";
    if (window.console && err) console.warn("chart", el.id, err);
  }

  function draw(el, json) {
    var rowsKey = el.getAttribute("data-rows");
    var rows = rowsKey ? json[rowsKey] : json;
    if (!Array.isArray(rows) || rows.length === 0) throw new Error("no rows");
    var xKey = el.getAttribute("data-x") || "date";
    var keys = el.getAttribute("data-series").split(",");
    var labels = (el.getAttribute("data-labels") || "").split("|");
    var f = fmt(el.getAttribute("data-unit"));
    var xs = rows.map(function (r) { return Date.parse(r[xKey] + "T00:00:00Z") / 1000; });
    var data = [xs];
    var series = [{ label: el.getAttribute("data-xlabel") || "", value: function (u, v) { return v == null ? "–" : dfLong.format(new Date(v * 1000)); } }];
    keys.forEach(function (k, i) {
      data.push(rows.map(function (r) { return r[k]; }));
      series.push({
        label: labels[i] || k,
        stroke: palette[i % palette.length],
        dash: dash[i % dash.length],
        width: 2,
        points: { show: true, size: 6, fill: palette[i % palette.length] },
        value: function (u, v) { return f(v); },
      });
    });
    el.textContent = "";
    var width = Math.max(240, el.clientWidth || 480);
    var opts = {
      width: width,
      height: 240,
      series: series,
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } } },
      axes: [
        { space: 90, values: function (u, vals) { return vals.map(function (v) { return df.format(new Date(v * 1000)); }); } },
        { size: 70, values: function (u, vals) { return vals.map(f); } },
      ],
      legend: { live: true },
      cursor: { focus: { prox: 24 } },
    };
    var plot = new uPlot(opts, data, el);
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
