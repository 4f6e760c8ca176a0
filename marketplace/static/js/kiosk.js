// Check-in kiosk and conversation logging: a typed code, or a QR code scanned with the
// browser's BarcodeDetector where it exists. Without this script the forms post as usual.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function show(box, text, ok) {
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "notice kiosk__message " + (ok ? "notice--success" : "notice--error");
    p.textContent = text;
    box.appendChild(p);
  }

  // Send one check-in; a dropped connection is retried with the same code, which the
  // server counts once however many times it arrives.
  function send(endpoint, code, attempt) {
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(),
                "Accept": "application/json"},
      body: JSON.stringify({code: code})
    }).catch(function (error) {
      if (attempt >= 4) { throw error; }
      return new Promise(function (resolve) {
        setTimeout(resolve, 500 * Math.pow(2, attempt));
      }).then(function () { return send(endpoint, code, attempt + 1); });
    });
  }

  function setUp(root) {
    var form = root.querySelector("[data-form]");
    var input = form.querySelector('input[name="code"]');
    var box = root.querySelector("[data-result]");
    var endpoint = root.getAttribute("data-endpoint");
    var busy = false;

    function submitCode(code) {
      if (!endpoint) {  // logging a conversation: fill the code, the person adds a note
        input.value = code;
        var note = form.querySelector("textarea");
        if (note) { note.focus(); }
        return;
      }
      if (busy || !code.trim()) { return; }
      busy = true;
      show(box, "Checking in…", true);
      send(endpoint, code, 0).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) {
            show(box, body.message, true);
            var count = root.querySelector("[data-attended]");
            if (count && body.status === "checked_in") {
              count.textContent = String(Number(count.textContent) + 1);
            }
          } else {
            var message = body.error && body.error.message;
            show(box, message || "That did not work (" + response.status + "). Try again.", false);
          }
        });
      }).catch(function () {
        show(box, "No connection: the check-in was not sent. Try again in a moment.", false);
      }).then(function () {
        busy = false;
        input.value = "";
        input.focus();
      });
    }

    if (endpoint) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        submitCode(input.value);
      });
    }

    var full = root.querySelector("[data-fullscreen]");
    if (full && document.documentElement.requestFullscreen) {
      full.hidden = false;
      full.addEventListener("click", function () {
        document.documentElement.requestFullscreen().catch(function () {});
      });
    }

    var start = root.querySelector("[data-start-camera]");
    var stop = root.querySelector("[data-stop-camera]");
    var frame = root.querySelector("[data-camera]");
    var video = root.querySelector("[data-video]");
    if (!start || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
    start.hidden = false;
    var stream = null, timer = null, last = "", lastAt = 0, detector = null;

    function stopCamera() {
      if (timer) { clearInterval(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      frame.hidden = true;
      start.hidden = false;
    }

    start.addEventListener("click", function () {
      try {
        detector = new window.BarcodeDetector({formats: ["qr_code"]});
      } catch (error) {
        show(box || form, "This browser cannot scan codes: type them instead.", false);
        return;
      }
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}})
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.play();
          frame.hidden = false;
          start.hidden = true;
          timer = setInterval(function () {
            detector.detect(video).then(function (codes) {
              if (!codes.length) { return; }
              var value = codes[0].rawValue || "";
              var now = Date.now();
              if (value === last && now - lastAt < 4000) { return; }  // the same card, still held up
              last = value; lastAt = now;
              submitCode(value);
              if (!endpoint) { stopCamera(); }
            }).catch(function () {});
          }, 300);
        })
        .catch(function () {
          if (box) { show(box, "The camera is not available: type the code instead.", false); }
        });
    });
    if (stop) { stop.addEventListener("click", stopCamera); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-kiosk]").forEach(setUp);
  });
}());
