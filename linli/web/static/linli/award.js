/* The award form: a fixed-points rule fills in its points; a range shows as the placeholder.
   <select id="id_rule"> options carry data-min and data-max. */
(function () {
  "use strict";
  var rule = document.getElementById("id_rule"), points = document.getElementById("id_points"), filled = "";
  if (!rule || !points) return;
  function sync() {
    var o = rule.options[rule.selectedIndex];
    if (!o) return;
    var fixed = o.dataset.min === o.dataset.max;
    points.placeholder = fixed ? o.dataset.min : o.dataset.min + "–" + o.dataset.max;
    if (points.value === "" || points.value === filled) { points.value = filled = fixed ? o.dataset.min : ""; }
  }
  rule.addEventListener("change", sync);
  sync();
})();
