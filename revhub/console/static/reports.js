// Draws the chart of a report page from the JSON in its canvas's data-chart attribute
// (no inline script: the console's CSP allows scripts from this site only).
(function () {
  "use strict";
  function draw(canvas) {
    var spec = JSON.parse(canvas.getAttribute("data-chart"));
    if (typeof Chart === "undefined" || !spec) { return; }
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (d) {
        return { label: d.label, data: d.data, spanGaps: true };
      }) },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom" } } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
