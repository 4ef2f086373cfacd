// Balance pages: "select all" in the review queue, and the dashboard refreshing itself while open.
(function () {
  "use strict";
  document.querySelectorAll(".select-all").forEach(function (box) {
    box.addEventListener("change", function () {
      box.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach(function (row) {
        row.checked = box.checked;
      });
    });
  });
  var board = document.querySelector(".dashboard[data-refresh-url]");
  if (!board) { return; }
  window.setInterval(function () {
    if (document.hidden) { return; }
    fetch(board.dataset.refreshUrl, { headers: { "X-Refresh": "1" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) { board.innerHTML = html; } })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }, 30000);
})();
