/* Check-in desk: camera badge scanner and the live count's polling.
 *
 * Progressive enhancement: without JavaScript the desk still works through search and POST buttons.
 * The camera and QR decoding are in camera-scanner.js; the decoded text goes to the JSON scan endpoint with the
 * CSRF token from <meta name="csrf-token">; the server decides everything.
 */
(function () {
  "use strict";

  var LIVE_EVERY_MS = 10000;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* ---- The scanner ---------------------------------------------------------------------------------------- */

  function initScanner(root) {
    var t = root.dataset;
    var resultBox = document.getElementById("scan-result");
    window.CameraScanner({
      startButton: document.getElementById("scan-start"), stopButton: document.getElementById("scan-stop"),
      camera: document.getElementById("scan-camera"), video: document.getElementById("scan-video"),
      help: document.getElementById("scan-help"), decoderUrl: t.decoderUrl, textNocamera: t.textNocamera,
      textScanning: t.textScanning, onPayload: function (payload) { return send(payload); }
    });

    function direction() {
      var checked = root.querySelector('input[name="direction"]:checked');
      return checked ? checked.value : "in";
    }

    function send(payload) {
      return fetch(t.scanUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ payload: payload, day: t.day, session: t.session, direction: direction() })
      })
        .then(function (response) { return response.json(); })
        .then(show, function () { show({ result: "offline" }); });
    }

    function show(data) {
      var kinds = {
        checked_in: ["result-ok", "✓ " + t.textIn],
        already_in: ["result-warn", "! " + t.textAlready.replace("{time}", data.since || "")],
        checked_out: ["result-info", "← " + t.textOut],
        refused: ["result-bad", "✗ " + t.textRefused],
        error: ["result-bad", "✗ " + t.textNotRecorded]
      };
      var kind = kinds[data.result] || ["result-bad", "✗ " + t.textError];
      resultBox.className = "scan-result " + kind[0];
      resultBox.textContent = "";
      resultBox.appendChild(el("p", "result-word", kind[1]));
      if (data.name) resultBox.appendChild(el("p", "result-name", data.name));
      if (data.category) resultBox.appendChild(el("p", null, data.category));
      if (data.message) resultBox.appendChild(el("p", "result-message", data.message));
      if (data.card_url) {
        var link = el("a", null, t.textDetails);
        link.href = data.card_url;
        resultBox.appendChild(el("p")).appendChild(link);
      }
      if (navigator.vibrate) navigator.vibrate(data.result === "checked_in" ? 80 : [200, 100, 200]);
    }

  }

  /* ---- Choosing the list: a new day brings its own sessions, so reload at once ------------------------------ */

  function initListForm(form) {
    var show = form.querySelector('button[type="submit"]');
    if (show) show.hidden = true; // a change reloads at once; the button is for browsers without JavaScript
    form.addEventListener("change", function (event) {
      if (event.target.name === "day") {
        var session = form.querySelector('select[name="session"]');
        if (session) session.value = "0";
      }
      form.submit();
    });
  }

  /* ---- The live count ------------------------------------------------------------------------------------- */

  function fillRows(table, rows, cells) {
    var body = table.querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = el("tr");
      var head = el("th", null, row.label);
      head.scope = "row";
      if (row.lang) head.lang = row.lang;  // a session title shown in the meeting's default language
      tr.appendChild(head);
      cells(row).forEach(function (value) {
        if (value instanceof Node) {
          var cell = el("td", "live-bar-col");
          cell.appendChild(value);
          tr.appendChild(cell);
        } else {
          tr.appendChild(el("td", "num", String(value)));
        }
      });
      body.appendChild(tr);
    });
  }

  function meter(row) {
    var m = el("meter");
    m.min = 0;
    m.max = row.expected || 1;
    m.value = row.count;
    m.setAttribute("aria-hidden", "true");
    return m;
  }

  function initLive(root) {
    var status = document.getElementById("live-status");
    var counts = function (row) { return [row.count, row.expected, meter(row)]; };

    function update(data) {
      document.getElementById("live-total").textContent = data.total;
      document.getElementById("live-expected").textContent = data.expected;
      fillRows(document.getElementById("live-categories"), data.by_category, counts);
      fillRows(document.getElementById("live-regions"), data.by_region, counts);
      fillRows(document.getElementById("live-sessions"), data.sessions, function (s) {
        return [s.present, s.attended, s.entries];
      });
      document.getElementById("live-sessions-wrap").hidden = data.sessions.length === 0;
      status.textContent = "";
    }

    function refresh() {
      if (document.hidden) {
        setTimeout(refresh, LIVE_EVERY_MS);
        return;
      }
      fetch(root.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(update)
        .catch(function () { status.textContent = root.dataset.textFailed; })
        .then(function () { setTimeout(refresh, LIVE_EVERY_MS); });
    }

    setTimeout(refresh, LIVE_EVERY_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Results appear where the eye is: on a phone, scroll them into view under the search box.
    var results = document.querySelector(".desk-results, .desk-search [role=status]");
    if (results) results.scrollIntoView({ block: "nearest" });
    var scanner = document.getElementById("scanner");
    if (scanner) initScanner(scanner);
    var listForm = document.getElementById("list-form");
    if (listForm) initListForm(listForm);
    var live = document.getElementById("live");
    if (live) initLive(live);
  });
})();
