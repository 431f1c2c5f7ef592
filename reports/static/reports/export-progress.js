// The export's progress bar on the report page: polls the status URL until the PDF is ready.
// A separate file, not an inline script, because the Content-Security-Policy allows none.
(function () {
  var box = document.getElementById("progress");
  if (!box) { return; }
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      document.getElementById("progress-bar").value = d.progress;
      document.getElementById("progress-stage").textContent = d.stage || d.status_label;
      if (d.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
    }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
