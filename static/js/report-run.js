// Polls the API for report and import runs still under way, updates their progress and reloads when done.
(function () {
  "use strict";
  var FINISHED = ["succeeded", "failed", "valid", "invalid"];
  var rows = document.querySelectorAll("[data-report-run][data-status='pending'], [data-report-run][data-status='running'], [data-import-run]");
  if (!rows.length) { return; }

  function poll(element) {
    fetch(element.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        var bar = element.querySelector("progress");
        if (bar) { bar.value = run.progress; bar.textContent = run.progress + "%"; }
        if (FINISHED.indexOf(run.status) >= 0) { window.location.reload(); return; }
        window.setTimeout(function () { poll(element); }, 1500);
      })
      .catch(function () { window.setTimeout(function () { poll(element); }, 5000); });
  }
  Array.prototype.forEach.call(rows, poll);
})();
