/* The camera part of a badge scanner, shared by the online desk and the offline desk app.
 *
 * It uses the browser's BarcodeDetector where there is one (Chrome on Android) and otherwise the vendored jsQR
 * (static/vendor/jsqr), loaded only when the camera starts. Each decoded QR text goes to `onPayload`, which returns
 * a promise; a badge held in front of the camera is handed over once, not five times a second.
 */
(function () {
  "use strict";

  var SCAN_EVERY_MS = 200;
  var SAME_BADGE_PAUSE_MS = 4000;

  /* options: startButton, stopButton, camera, video, help, decoderUrl, textNocamera, textScanning, onPayload */
  window.CameraScanner = function (o) {
    var stream = null, decode = null, timer = null, busy = false, lastPayload = null, lastAt = 0;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });

    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      o.help.textContent = o.textNocamera;
      return;
    }
    o.help.textContent = o.textScanning;
    o.startButton.hidden = false;

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
        script.src = o.decoderUrl;
        script.onload = function () { resolve(decodeWithJsQR); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }

    function start() {
      o.startButton.disabled = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          o.video.srcObject = s;
          o.camera.hidden = false;
          o.stopButton.hidden = false;
          o.startButton.hidden = true;
          return Promise.all([o.video.play(), loadDecoder()]);
        })
        .then(function (results) {
          decode = results[1];
          tick();
        })
        .catch(function () {
          stop();
          o.help.textContent = o.textNocamera;
        })
        .then(function () { o.startButton.disabled = false; });
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      clearTimeout(timer);
      o.video.srcObject = null;
      o.camera.hidden = true;
      o.stopButton.hidden = true;
      o.startButton.hidden = false;
    }

    function tick() {
      if (!stream) return;
      if (busy || !decode || o.video.readyState < 2) {
        timer = setTimeout(tick, SCAN_EVERY_MS);
        return;
      }
      decode(o.video)
        .then(function (payload) {
          var now = Date.now();
          if (!payload || (payload === lastPayload && now - lastAt < SAME_BADGE_PAUSE_MS)) return null;
          lastPayload = payload;
          lastAt = now;
          busy = true;
          return Promise.resolve(o.onPayload(payload)).then(function () { busy = false; }, function () { busy = false; });
        })
        .catch(function () { /* a frame that fails to decode is simply skipped */ })
        .then(function () { timer = setTimeout(tick, SCAN_EVERY_MS); });
    }

    o.startButton.addEventListener("click", start);
    o.stopButton.addEventListener("click", stop);
    // Release the camera when the page is left or hidden, as phones expect.
    document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); });
    window.addEventListener("pagehide", stop);
  };
})();
