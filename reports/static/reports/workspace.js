// The report workspace's editor: Preview refreshes the preview in place (POST to the preview endpoint,
// with the form's CSRF token) instead of reloading; Insert puts a figure's Markdown at the cursor.
// Without this script the Preview button submits the form and the page shows the preview.
(function () {
  "use strict";
  var form = document.getElementById("section-form");
  if (!form) { return; }
  var textarea = form.querySelector("textarea[name=body]");
  var target = document.getElementById("preview");
  var timer = null;

  function refresh() {
    var data = new FormData(form);
    target.setAttribute("aria-busy", "true");
    return fetch(form.dataset.previewUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text().then(function (text) {
        if (response.ok) { target.innerHTML = text; }  // server-rendered and sanitised (toolkit.markup)
        else { target.textContent = text; }
      });
    }).catch(function () {
      target.textContent = form.dataset.previewFailed || "Preview failed.";
    }).finally(function () { target.removeAttribute("aria-busy"); });
  }

  var button = document.getElementById("preview-button");
  if (button) {
    button.addEventListener("click", function (event) { event.preventDefault(); refresh(); });
  }
  textarea.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 800);
  });

  document.querySelectorAll(".insert-figure").forEach(function (insert) {
    insert.hidden = false;
    insert.addEventListener("click", function () {
      var text = insert.dataset.markdown;
      var start = textarea.selectionStart, end = textarea.selectionEnd, value = textarea.value;
      var before = value.slice(0, start), after = value.slice(end);
      var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
      textarea.value = before + lead + text + "\n\n" + after;
      var caret = (before + lead + text).length;
      textarea.focus();
      textarea.setSelectionRange(caret, caret);
      refresh();
    });
  });
})();
