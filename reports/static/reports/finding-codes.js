// Search-as-you-type for the codes of a recommendation's findings: the last code being typed is looked
// up in the assessment's findings (JSON, members only) and offered through the field's datalist, each
// option keeping the codes already typed. Without this script the field takes codes typed by hand.
(function () {
  "use strict";
  var input = document.querySelector("input[data-options-url]");
  if (!input) { return; }
  var list = document.getElementById(input.getAttribute("list"));
  var timer = null, last = null;

  function update() {
    var parts = input.value.split(/[,;]\s*/);
    var term = parts.pop().trim();
    var prefix = parts.length ? parts.join(", ") + ", " : "";
    if (term === last) { return; }
    last = term;
    var url = input.dataset.optionsUrl + "?q=" + encodeURIComponent(term);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      list.textContent = "";
      data.findings.forEach(function (f) {
        var option = document.createElement("option");
        option.value = prefix + f.code;
        option.label = f.code + " " + f.text;
        list.appendChild(option);
      });
    }).catch(function () { /* the field still takes codes typed by hand */ });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 150); });
  input.addEventListener("focus", update);
})();
