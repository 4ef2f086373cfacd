/* Job progress: poll each job's status JSON every second and update its <progress>, its state line, its error
   and its download link, until the job is done or failed. Used by templates/jobs/_progress.html; without this
   script, reloading the page shows the latest state. */
(function () {
  "use strict";
  if (window.jobsProgressStarted) { return; }  // the partial may be included more than once on a page
  window.jobsProgressStarted = true;

  var FINISHED = ["done", "failed", "cancelled"];

  function label(box, status, percent) {
    var key = "label" + status.charAt(0).toUpperCase() + status.slice(1);
    return (box.dataset[key] || status).replace("{percent}", percent);
  }

  function watch(box) {
    var bar = box.querySelector("progress");
    var state = box.querySelector(".job-state");
    var error = box.querySelector(".job-error");
    var download = box.querySelector(".job-download");
    var link = download && download.querySelector("a");
    var failures = 0;
    var lastState = "";

    function show(data) {
      bar.value = data.percent;
      bar.textContent = data.percent + " %";
      var text = label(box, data.status, data.percent);
      if (data.status === "done" && data.summary) { text = box.dataset.labelSummary.replace("{summary}", data.summary); }
      if (text !== lastState) {  // rewriting the same text would make screen readers repeat it
        state.textContent = text;
        lastState = text;
      }
      if ((data.status === "failed" || data.status === "cancelled") && error && data.error) {
        error.textContent = data.error || "";
        error.hidden = false;
      }
      if (data.download_url && download) {
        link.href = data.download_url;
        if (data.result_name) { link.textContent = box.dataset.labelDownload.replace("{name}", data.result_name); }
        download.hidden = false;
      }
    }

    function poll() {
      fetch(box.dataset.jobStatusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          show(data);
          if (FINISHED.indexOf(data.status) === -1) { window.setTimeout(poll, 1000); }
        })
        .catch(function () {
          failures += 1;
          if (failures >= 5) {
            state.textContent = box.dataset.labelLost;
            return;
          }
          window.setTimeout(poll, 1000 * failures);  // back off while the server restarts
        });
    }

    if (FINISHED.indexOf(box.dataset.jobStatus) === -1) { poll(); }
  }

  document.querySelectorAll("[data-job-status-url]").forEach(watch);
})();
