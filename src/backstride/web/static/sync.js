/* The Sync page with JavaScript: "Sync now" starts the sync through the API and the page
   follows its progress from GET /api/sync every two seconds, then reloads. Without
   JavaScript the form posts to /sync/SERVICE/run and the page refreshes itself. */
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var timer = null;

  function section(service) { return document.getElementById("sync-" + service); }

  function show(s) {
    var box = section(s.service);
    if (!box || !s.sync) { return false; }
    var job = s.sync;
    var progress = box.querySelector(".sync-progress");
    var bar = box.querySelector("progress");
    var status = box.querySelector(".sync-status");
    if (progress) { progress.hidden = !job.running; }
    if (bar) { bar.max = job.total || 1; bar.value = job.done; }
    if (status) {
      status.textContent = job.done + " of " + job.total + (job.label ? ": " + job.label : "") +
        (job.waiting ? ". " + job.waiting : "");
    }
    return job.running;
  }

  function poll() {
    fetch("/api/sync", { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var running = false;
        (data.services || []).forEach(function (s) { running = show(s) || running; });
        if (running) { timer = setTimeout(poll, 2000); } else { window.location.reload(); }
      })
      .catch(function () { timer = setTimeout(poll, 5000); });
  }

  document.querySelectorAll("form.sync-run").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var service = form.closest("[data-service]").getAttribute("data-service");
      event.preventDefault();
      // The form's token as the header: the clinic server accepts nothing else.
      var token = form.querySelector("input[name=csrf_token]");
      var proof = { "X-Backstride": "1", "X-CSRF-Token": token ? token.value : "" };
      fetch("/api/sync/" + service, { method: "POST", headers: proof })
        .then(function (r) { return r.json(); })
        .then(function () { if (timer === null) { poll(); } });
    });
  });
  var meta = document.querySelector("meta[http-equiv=refresh]");
  if (meta) { meta.parentNode.removeChild(meta); poll(); }
})();
