// Focusing the new token selects it, ready to copy (a file, not an onfocus attribute: the CSP forbids those).
(function () {
  var field = document.getElementById("token-key");
  if (field) { field.addEventListener("focus", function () { field.select(); }); }
})();
