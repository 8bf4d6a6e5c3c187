/* Small behaviours for every page, in place of inline handlers (the Content-Security-Policy
   runs no inline script). Delegated from the document, so htmx-swapped content works too.
   <form data-confirm="…">          asks before submitting
   <select data-autosubmit>         submits its form on change
   <select data-form-action>        sets its form's action to the chosen option's value */
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
    }
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!(el instanceof HTMLSelectElement) || !el.form) return;
    if (el.hasAttribute("data-form-action")) el.form.action = el.value;
    if (el.hasAttribute("data-autosubmit")) el.form.submit();
  });
  // 长辈版: the menu is one row that scrolls sideways; bring the page's own tab into view.
  document.addEventListener("DOMContentLoaded", function () {
    var here = document.querySelector(".nav [aria-current=page]");
    if (here && here.scrollIntoView) here.scrollIntoView({ block: "nearest", inline: "nearest" });
  });
})();
