/* The import page with JavaScript: the upload goes to /api/import?stream=true and the
   progress lines it streams move the bar; the summary is drawn from the last line. Without
   JavaScript the form posts to /import and the summary page comes back.
   On the clinic server (data-jobs) the upload becomes a job: /api/import answers its id and
   the bar follows GET /api/jobs/ID until the job is done or failed. */
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.fetch || !window.TextDecoder) { return; }
  var box = document.getElementById("import-progress");
  var bar = document.getElementById("import-bar");
  var status = document.getElementById("import-status");
  var result = document.getElementById("import-result");

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function showError(message) {
    result.textContent = "";
    var p = el("p", message, "error");
    p.setAttribute("role", "alert");
    result.appendChild(p);
  }
  function showSummary(s) {
    result.textContent = "";
    var section = el("section", null, "summary");
    section.appendChild(el("h2", "Imported " + s.imported + ", duplicates skipped " + s.duplicates +
      (s.skipped ? ", not activities " + s.skipped : "") + ", failed " + s.failed.length));
    if (s.failed.length) {
      var ul = el("ul", null, "failed");
      s.failed.forEach(function (f) {
        var li = el("li", "failed: ");
        li.appendChild(el("strong", f.path));
        li.appendChild(document.createTextNode(": " + f.error));
        ul.appendChild(li);
      });
      section.appendChild(ul);
    }
    if (s.matches && s.matches.length) {
      var matched = el("details");
      matched.appendChild(el("summary", "Duplicates and what they matched (" + s.matches.length + ")"));
      var ml = el("ul");
      s.matches.forEach(function (m) {
        ml.appendChild(el("li", m.source + ": activity " + m.activity_id + " (" + m.reason + ")"));
      });
      matched.appendChild(ml);
      section.appendChild(matched);
    }
    if (s.warnings.length) {
      var details = el("details");
      details.appendChild(el("summary", "Warnings (" + s.warnings.length + ")"));
      var wl = el("ul");
      s.warnings.forEach(function (w) { wl.appendChild(el("li", w.path + ": " + w.warning)); });
      details.appendChild(wl);
      section.appendChild(details);
    }
    if (s.activity_ids.length) {
      var p = el("p");
      var a = el("a", "See the activities");
      a.href = "/activities" + (form.getAttribute("data-query") || "");
      p.appendChild(a);
      section.appendChild(p);
    }
    result.appendChild(section);
  }

  var query = form.getAttribute("data-query") || "";
  var token = form.querySelector("input[name=csrf_token]");
  var proof = { "X-Backstride": "1", "X-CSRF-Token": token ? token.value : "" };

  function failWith(response) {
    return response.json().then(function (body) {
      throw new Error(body.detail + (body.hint ? " (" + body.hint + ")" : ""));
    });
  }
  function follow(id) {
    fetch("/api/jobs/" + id + query, { headers: proof }).then(function (response) {
      if (!response.ok) { return failWith(response); }
      return response.json().then(function (job) {
        bar.max = Math.max(job.total || 0, 1); bar.value = job.done || 0;
        if (job.state === "done") {
          status.textContent = "Done: " + (job.done || 0) + " of " + (job.total || 0) + ".";
          if (job.result) { showSummary(job.result); }
          form.querySelector("button").disabled = false;
        } else if (job.state === "failed") {
          status.textContent = "Stopped.";
          showError(job.message || "the import failed");
          form.querySelector("button").disabled = false;
        } else {
          status.textContent = (job.state === "queued" ? "Waiting for a worker… " : "Importing… ") +
            (job.total ? job.done + " of " + job.total : "") + (job.message ? " " + job.message : "");
          window.setTimeout(function () { follow(id); }, 1000);
        }
      });
    }).catch(function (err) {
      status.textContent = "Stopped."; showError(err.message);
      form.querySelector("button").disabled = false;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    if (form.getAttribute("data-jobs")) {
      box.hidden = false; bar.max = 1; bar.value = 0;
      status.textContent = "Uploading…"; result.textContent = "";
      form.querySelector("button").disabled = true;
      fetch("/api/import" + query, { method: "POST", body: data, headers: proof })
        .then(function (response) {
          if (!response.ok) { return failWith(response); }
          return response.json().then(function (body) { follow(body.job); });
        })
        .catch(function (err) {
          status.textContent = "Stopped."; showError(err.message);
          form.querySelector("button").disabled = false;
        });
      return;
    }
    var total = 0, done = 0;
    box.hidden = false;
    bar.max = 1; bar.value = 0;
    status.textContent = "Uploading…";
    result.textContent = "";
    form.querySelector("button").disabled = true;
    fetch("/api/import?stream=true", { method: "POST", body: data, headers: proof })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (body) {
            throw new Error(body.detail + (body.hint ? " (" + body.hint + ")" : ""));
          });
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function handle(line) {
          if (!line.trim()) { return; }
          var ev = JSON.parse(line);
          if (ev.total != null) { total += ev.total; bar.max = Math.max(total, 1); }
          if (ev.done != null) { done += 1; bar.value = done; status.textContent = done + " of " + total + ": " + ev.done; }
          if (ev.summary) { status.textContent = "Done: " + done + " of " + total + "."; showSummary(ev.summary); }
          if (ev.error) { status.textContent = "Stopped."; showError(ev.error + (ev.hint ? " (" + ev.hint + ")" : "")); }
        }
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { handle(buffer); return; }
            buffer += decoder.decode(chunk.value, { stream: true });
            var lines = buffer.split("\n");
            buffer = lines.pop();
            lines.forEach(handle);
            return pump();
          });
        }
        return pump();
      })
      .catch(function (err) { status.textContent = "Stopped."; showError(err.message); })
      .then(function () { form.querySelector("button").disabled = false; });
  });
})();
