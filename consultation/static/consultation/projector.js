// The projector's live tallies: poll the JSON every few seconds and redraw the bars (no reload).
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-tallies");
  var every = Math.max(1, parseInt(body.getAttribute("data-poll"), 10) || 3) * 1000;
  var count = document.querySelector("[data-testid=participants]");

  function draw(data) {
    if (count) { count.textContent = String(data.participants); }
    data.items.forEach(function (t) {
      var row = document.querySelector('.p-item[data-number="' + t.number + '"]');
      if (!row) { return; }
      row.classList.toggle("p-current", t.number === data.current);
      var x = 0;
      ["agree", "changes", "disagree"].forEach(function (key) {
        var rect = row.querySelector("rect." + key);
        rect.setAttribute("x", String(x));
        rect.setAttribute("width", String(t[key + "_pct"]));
        x += t[key + "_pct"];
        row.querySelector(".n-" + key).textContent = String(t[key]);
      });
    });
    var current = document.querySelector(".p-current");
    if (current && current.scrollIntoView) { current.scrollIntoView({block: "nearest"}); }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { draw(data); } })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
}());
