/* Check-in desk: camera badge scanner and the live count's polling.
 *
 * Progressive enhancement: without JavaScript the desk still works through search and POST buttons.
 * The scanner uses the browser's BarcodeDetector where there is one (Chrome on Android) and otherwise the
 * vendored jsQR (static/vendor/jsqr), loaded only when the camera starts. The decoded text goes to the
 * JSON scan endpoint with the CSRF token from <meta name="csrf-token">; the server decides everything.
 */
(function () {
  "use strict";

  var SCAN_EVERY_MS = 200;
  var SAME_BADGE_PAUSE_MS = 4000; // a badge held in front of the camera is sent once, not five times a second
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
    var startButton = document.getElementById("scan-start");
    var stopButton = document.getElementById("scan-stop");
    var camera = document.getElementById("scan-camera");
    var video = document.getElementById("scan-video");
    var resultBox = document.getElementById("scan-result");
    var help = document.getElementById("scan-help");
    var stream = null, decode = null, timer = null, busy = false, lastPayload = null, lastAt = 0;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });

    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      help.textContent = t.textNocamera;
      return;
    }
    help.textContent = t.textScanning;
    startButton.hidden = false;

    function decodeWithJsQR(source) {
      var width = source.videoWidth, height = source.videoHeight;
      if (!width || !height) return Promise.resolve(null);
      // A badge QR is large in the frame: 640 px is plenty and keeps old phones fast.
      var scale = Math.min(1, 640 / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(code ? code.data : null);
    }

    function loadDecoder() {
      if ("BarcodeDetector" in window) {
        try {
          var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return Promise.resolve(function (source) {
            return detector.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
          });
        } catch (e) { /* no QR support in this detector: fall back to jsQR */ }
      }
      if (window.jsQR) return Promise.resolve(decodeWithJsQR);
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = t.decoderUrl;
        script.onload = function () { resolve(decodeWithJsQR); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }

    function start() {
      startButton.disabled = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          camera.hidden = false;
          stopButton.hidden = false;
          startButton.hidden = true;
          return Promise.all([video.play(), loadDecoder()]);
        })
        .then(function (results) {
          decode = results[1];
          tick();
        })
        .catch(function () {
          stop();
          help.textContent = t.textNocamera;
        })
        .then(function () { startButton.disabled = false; });
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      clearTimeout(timer);
      video.srcObject = null;
      camera.hidden = true;
      stopButton.hidden = true;
      startButton.hidden = false;
    }

    function tick() {
      if (!stream) return;
      if (busy || !decode || video.readyState < 2) {
        timer = setTimeout(tick, SCAN_EVERY_MS);
        return;
      }
      decode(video)
        .then(function (payload) {
          var now = Date.now();
          if (!payload || (payload === lastPayload && now - lastAt < SAME_BADGE_PAUSE_MS)) return null;
          lastPayload = payload;
          lastAt = now;
          return send(payload);
        })
        .catch(function () { /* a frame that fails to decode is simply skipped */ })
        .then(function () { timer = setTimeout(tick, SCAN_EVERY_MS); });
    }

    function direction() {
      var checked = root.querySelector('input[name="direction"]:checked');
      return checked ? checked.value : "in";
    }

    function send(payload) {
      busy = true;
      return fetch(t.scanUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ payload: payload, day: t.day, session: t.session, direction: direction() })
      })
        .then(function (response) { return response.json(); })
        .then(show, function () { show({ result: "offline" }); })
        .then(function () { busy = false; });
    }

    function show(data) {
      var kinds = {
        checked_in: ["result-ok", "✓ " + t.textIn],
        already_in: ["result-warn", "! " + t.textAlready + " " + t.textSince + " " + (data.since || "")],
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

    startButton.addEventListener("click", start);
    stopButton.addEventListener("click", stop);
    // Release the camera when the page is left or hidden, as phones expect.
    document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); });
    window.addEventListener("pagehide", stop);
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
