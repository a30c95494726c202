// Draws the dashboard charts with the vendored Chart.js. Each <canvas data-chart="bar|hbar|doughnut|radar"
// data-source="id"> reads {labels, series: [{label, data}]} from the json_script element with that id.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }

  var PALETTE = ["#1f6f8b", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#6d597a", "#8ab17d", "#457b9d"];
  var css = getComputedStyle(document.documentElement);
  var ink = (css.getPropertyValue("--muted") || "#5b6b7a").trim();
  var grid = (css.getPropertyValue("--line") || "#e3e8ee").trim();

  window.Chart.defaults.font.family = css.getPropertyValue("--font").trim() || "system-ui, sans-serif";
  window.Chart.defaults.color = ink;
  window.Chart.defaults.maintainAspectRatio = false;

  function colour(i, alpha) {
    var hex = PALETTE[i % PALETTE.length];
    if (alpha === undefined) { return hex; }
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function config(kind, data, canvas) {
    var datasets = data.series.map(function (series, i) {
      var set = { label: series.label, data: series.data };
      if (kind === "doughnut") {
        set.backgroundColor = data.labels.map(function (_, j) { return colour(j); });
        set.borderWidth = 1;
      } else if (kind === "radar") {
        set.borderColor = colour(i);
        set.backgroundColor = colour(i, i === data.series.length - 1 ? 0.25 : 0.06);
        set.pointBackgroundColor = colour(i);
        set.spanGaps = true;
        set.borderWidth = i === data.series.length - 1 ? 2.5 : 1.5;
      } else {
        set.backgroundColor = colour(i, 0.85);
        set.borderRadius = 4;
        set.maxBarThickness = 36;
      }
      return set;
    });
    var options = { responsive: true, plugins: { legend: { display: kind === "doughnut" || kind === "radar" } } };
    if (kind === "doughnut") {
      options.plugins.legend.position = canvas.parentElement.clientWidth < 340 ? "bottom" : "right";
      options.cutout = "58%";
    } else if (kind === "radar") {
      var max = Number(canvas.getAttribute("data-max")) || undefined;
      options.plugins.legend.position = "bottom";
      options.scales = { r: { min: 0, max: max, ticks: { stepSize: 1, backdropColor: "transparent" }, grid: { color: grid }, angleLines: { color: grid } } };
    } else {
      var axis = { grid: { color: grid }, beginAtZero: true, ticks: { precision: 0 } };
      options.scales = kind === "hbar" ? { x: axis, y: { grid: { display: false } } } : { y: axis, x: { grid: { display: false } } };
      if (kind === "hbar") { options.indexAxis = "y"; }
    }
    return { type: kind === "hbar" ? "bar" : kind, data: { labels: data.labels, datasets: datasets }, options: options };
  }

  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, config(canvas.getAttribute("data-chart"), data, canvas));
  });
})();
