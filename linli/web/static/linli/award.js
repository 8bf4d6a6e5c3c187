/* The award form: the chosen rule's points show as the placeholder; for a fixed-points rule
   an empty field is filled in with them. What the person typed is never changed: once she
   types, the field is hers (a value the browser restores after "back" is hers too).
   <select id="id_rule"> options carry data-min and data-max. */
(function () {
  "use strict";
  var rule = document.getElementById("id_rule"), points = document.getElementById("id_points");
  if (!rule || !points) return;
  var filled = null; // the value this script put in, while it is still there
  function sync() {
    var o = rule.options[rule.selectedIndex];
    if (!o) return;
    var fixed = o.dataset.min === o.dataset.max;
    points.placeholder = fixed ? o.dataset.min : o.dataset.min + "–" + o.dataset.max;
    var ours = points.value === "" || (filled !== null && points.value === filled);
    if (!ours) { filled = null; return; }
    points.value = fixed ? o.dataset.min : "";
    filled = points.value;
  }
  points.addEventListener("input", function () { filled = null; });
  rule.addEventListener("change", sync);
  // After "back" the browser may restore the fields once this script has run: read them again.
  window.addEventListener("pageshow", sync);
  sync();
})();
