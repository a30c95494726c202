// Follows a match run still under way on the program page: updates its progress bar and reloads when it ends.
(function () {
  "use strict";
  var FINISHED = ["succeeded", "failed"];
  var runs = document.querySelectorAll("[data-match-run][data-status='pending'], [data-match-run][data-status='running']");

  function poll(element) {
    fetch(element.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        var bar = element.querySelector("[data-role='progress']");
        if (bar) { bar.value = run.progress; bar.textContent = run.progress + "%"; }
        var status = element.querySelector("[data-role='status']");
        if (status && run.status_display) { status.textContent = run.status_display; }
        if (FINISHED.indexOf(run.status) >= 0) { window.location.reload(); return; }
        window.setTimeout(function () { poll(element); }, 1000);
      })
      .catch(function () { window.setTimeout(function () { poll(element); }, 5000); });
  }
  Array.prototype.forEach.call(runs, poll);
})();
